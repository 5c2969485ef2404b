-- +goose Up
-- The unified domestic-violence register (DOMAIN.md §4.5, §5.3): every
-- notification from the police and every report of a centre to the
-- police, the persons involved (identified or described), the measures,
-- the risk level, the outcome, and the exchange's own state: whether the
-- centre's report reached the police, how many tries it took, the last
-- error. Readable only with the DV permission (and by the police for what
-- it sent).
CREATE SEQUENCE dv_reference_seq;

CREATE TABLE dv_notifications (
    reference         text PRIMARY KEY, -- NS-<year>-<6 digits>, Karton's
    direction         text NOT NULL CHECK (direction IN ('from_police', 'to_police')),
    police_reference  text UNIQUE,      -- the police's; the idempotency key of what it sends
    sender            text NOT NULL,    -- the police client, or the staff member who reported
    received_at       timestamptz NOT NULL,
    occurred_at       timestamptz NOT NULL,
    municipality      text NOT NULL,    -- where it happened (code)
    centre_id         text NOT NULL,    -- the competent centre
    description       text NOT NULL,
    measures          text[] NOT NULL DEFAULT '{}',
    risk_level        text NOT NULL DEFAULT '',
    children_present  boolean NOT NULL DEFAULT false,
    body              jsonb NOT NULL,   -- the message as received or sent
    state             text NOT NULL,    -- received, contacted, reported, closed
    case_number       text REFERENCES cases (number),
    contact           jsonb,            -- the centre's first contact and risk assessment
    report_state      text NOT NULL DEFAULT 'none' CHECK (report_state IN ('none', 'pending', 'acknowledged')),
    report_attempts   int NOT NULL DEFAULT 0,
    report_error      text NOT NULL DEFAULT '',
    reported_at       timestamptz
);
CREATE INDEX dv_notifications_centre ON dv_notifications (centre_id, received_at);
CREATE INDEX dv_notifications_sender ON dv_notifications (sender, received_at);

CREATE TABLE dv_persons (
    reference    text NOT NULL REFERENCES dv_notifications (reference),
    seq          int NOT NULL,
    role         text NOT NULL CHECK (role IN ('victim', 'perpetrator', 'child', 'witness')),
    person_id    uuid REFERENCES persons (id), -- NULL: not identified yet, for the centre to resolve
    jmbg         text NOT NULL DEFAULT '',
    name         text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    sex          text NOT NULL DEFAULT '',
    birth_year   int NOT NULL DEFAULT 0,
    relationship text NOT NULL DEFAULT '',
    PRIMARY KEY (reference, seq)
);
CREATE INDEX dv_persons_person ON dv_persons (person_id);

CREATE TABLE dv_events (
    reference text NOT NULL REFERENCES dv_notifications (reference),
    event_key text NOT NULL,            -- idempotency: a police update's id, a step of the workflow
    at        timestamptz NOT NULL,
    kind      text NOT NULL,
    by_whom   text NOT NULL,
    summary   text NOT NULL DEFAULT '',
    data      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (reference, event_key)
);

-- +goose Down
DROP TABLE dv_events;
DROP TABLE dv_persons;
DROP TABLE dv_notifications;
DROP SEQUENCE dv_reference_seq;
