-- +goose Up
-- Inspections during a licence, fines and suspensions (issue 21 item 1):
-- the ministry's officers inspect a licensed provider, record the
-- checklist's findings, fine it (proposed by one officer, decided by
-- another; an appeal and its outcome recorded), and suspend a licence
-- until the suspension is lifted. No person's data is kept here.
CREATE TABLE provider_inspections (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id    bigint NOT NULL REFERENCES providers (id),
    licence_number text NOT NULL REFERENCES provider_licences (number),
    kind           text NOT NULL CHECK (kind IN ('regular', 'extraordinary')),
    scheduled_on   date NOT NULL,
    scheduled_by   text NOT NULL,
    scheduled_at   timestamptz NOT NULL DEFAULT now(),
    -- The findings: a list of {item, compliant, note}, one per point of
    -- the checklist (domain/providers); null until recorded.
    findings       jsonb,
    summary        text,
    inspected_by   text,
    inspected_on   date
);
CREATE INDEX provider_inspections_licence ON provider_inspections (licence_number);
CREATE INDEX provider_inspections_provider ON provider_inspections (provider_id);

CREATE TABLE provider_fines (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inspection_id     bigint NOT NULL REFERENCES provider_inspections (id),
    amount            numeric(14, 2) NOT NULL CHECK (amount > 0),
    legal_ref         text NOT NULL CHECK (btrim(legal_ref) <> ''),
    reason            text NOT NULL,
    due_on            date NOT NULL,
    -- proposed by one officer, decided (four eyes) by another
    state             text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'decided')),
    proposed_by       text NOT NULL,
    proposed_on       date NOT NULL,
    decided_by        text,
    decided_on        date,
    appeal_until      date,
    appeal_filed_on   date,
    appeal_grounds    text,
    appeal_filed_by   text,
    appeal_outcome    text CHECK (appeal_outcome IN ('upheld', 'annulled', 'changed')),
    appeal_amount     numeric(14, 2) CHECK (appeal_amount > 0),
    appeal_decided_by text,
    appeal_decided_on date,
    CHECK (state = 'proposed' OR (decided_by IS NOT NULL AND decided_by <> proposed_by))
);
CREATE INDEX provider_fines_inspection ON provider_fines (inspection_id);

CREATE TABLE provider_suspensions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    licence_number text NOT NULL REFERENCES provider_licences (number),
    from_on        date NOT NULL,
    reason         text NOT NULL,
    suspended_by   text NOT NULL,
    suspended_at   timestamptz NOT NULL DEFAULT now(),
    lifted_on      date,
    lift_reason    text,
    lifted_by      text
);
-- At most one suspension of a licence is open (not lifted).
CREATE UNIQUE INDEX provider_suspensions_open ON provider_suspensions (licence_number) WHERE lifted_on IS NULL;

-- +goose Down
DROP TABLE provider_suspensions;
DROP TABLE provider_fines;
DROP TABLE provider_inspections;
