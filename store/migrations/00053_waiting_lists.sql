-- +goose Up
-- Waiting lists (issue 23, item 6): the monthly waiting-list report each
-- provider with a contract submits by the 5th of the next month (Hungary's
-- KENYSZI), and the reminders and escalations the daily schedule sends to
-- a provider that has not reported. The waiting lists themselves are the
-- referrals in state 'waiting' (service_referrals, migration 00048).
CREATE TABLE waiting_list_reports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id   bigint NOT NULL REFERENCES providers (id),
    month         date NOT NULL CHECK (extract(day FROM month) = 1), -- the month reported, its first day
    due_on        date NOT NULL,                                      -- the 5th of the next month
    submitted_at  timestamptz NOT NULL,
    submitted_by  text NOT NULL,
    late          boolean NOT NULL,                                   -- submitted after due_on
    -- The list as submitted: Karton's list at the month's end, per service
    -- the count and per waiting referral its position and days waiting
    -- (referral ids only, never a name).
    list          jsonb NOT NULL,
    matches       boolean NOT NULL,                                   -- the provider confirms Karton's list
    differences   text NOT NULL DEFAULT '',                          -- else the provider's differences, a note
    CHECK (matches OR differences <> ''),
    UNIQUE (provider_id, month)
);

-- Reminders (from the 3rd) and escalations (from the 6th) of a month's
-- report not submitted: once per provider, month and kind, so the daily
-- run may run again. sent_to names the provider ('provider:<PIB>') and,
-- for an escalation, the centres that referred to it ('centre:<id>').
CREATE TABLE waiting_list_reminders (
    provider_id bigint NOT NULL REFERENCES providers (id),
    month       date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('reminder', 'escalation')),
    sent_on     date NOT NULL,
    sent_to     text[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_id, month, kind)
);

-- +goose Down
DROP TABLE waiting_list_reminders;
DROP TABLE waiting_list_reports;
