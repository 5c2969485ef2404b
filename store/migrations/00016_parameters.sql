-- +goose Up
-- Indexation and any change of the law's parameters (issue 16): a ministry
-- officer publishes a new dated value of a parameter with its legal
-- reference; another approves it; a reassessment re-rates every affected
-- right from the value's day, ex officio, with a notice per beneficiary
-- and no decision (DOMAIN.md §3.1).

-- approved_seq orders the approvals: the values are merged over the
-- embedded files in this order (a later approval for the same day wins),
-- and its maximum is the parameters' version, which the worker's cache of
-- the parameters compares.
CREATE SEQUENCE parameter_approval_seq;
CREATE TABLE parameter_values (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL,
    valid_from      date NOT NULL,
    value           numeric NOT NULL CHECK (value >= 0),
    legal_ref       text NOT NULL CHECK (btrim(legal_ref) <> ''),
    state           text NOT NULL DEFAULT 'proposed' CHECK (state IN ('proposed', 'approved', 'rejected')),
    proposed_by     text NOT NULL,
    approved_by     text,
    proposed_at     timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    approved_seq    bigint UNIQUE,
    reassessment_id bigint,
    CHECK (state <> 'approved' OR (approved_by IS NOT NULL AND approved_by <> proposed_by AND approved_seq IS NOT NULL))
);

-- A reassessment walks the affected rights in the order of their ids, a
-- chunk per transaction; cursor is the last right done, so a chunk whose
-- transaction committed is never done again.
CREATE TABLE reassessments (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parameter_value_id bigint NOT NULL UNIQUE REFERENCES parameter_values (id),
    benefits           text[] NOT NULL,
    effective_from     date NOT NULL,
    state              text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
    cursor             uuid,
    chunks             int NOT NULL DEFAULT 0,
    rights             int NOT NULL DEFAULT 0,
    rerated            int NOT NULL DEFAULT 0,
    unchanged          int NOT NULL DEFAULT 0,
    no_basis           int NOT NULL DEFAULT 0,
    not_rated          int NOT NULL DEFAULT 0,
    started_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz
);
ALTER TABLE parameter_values ADD CONSTRAINT parameter_values_reassessment FOREIGN KEY (reassessment_id) REFERENCES reassessments (id);

-- The rights a reassessment did not re-rate, and why: no basis to
-- recalculate from, or the new values no longer grant it (a revision's).
CREATE TABLE reassessment_unrated (
    reassessment_id bigint NOT NULL REFERENCES reassessments (id),
    entitlement_id  uuid NOT NULL REFERENCES entitlements (id),
    reason          text NOT NULL,
    PRIMARY KEY (reassessment_id, entitlement_id)
);

-- A notice tells a beneficiary that an amount changed ex officio: one per
-- right and source (a reassessment), with the amounts and the explanation.
CREATE TABLE notices (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entitlement_id uuid NOT NULL REFERENCES entitlements (id),
    person_id      uuid NOT NULL REFERENCES persons (id),
    kind           text NOT NULL,
    source         text NOT NULL,
    valid_from     date NOT NULL,
    old_amount     numeric(14, 2) NOT NULL,
    new_amount     numeric(14, 2) NOT NULL,
    lines          jsonb NOT NULL DEFAULT '[]',
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entitlement_id, source)
);
CREATE INDEX notices_person ON notices (person_id);

-- The reassessment's keyset: a benefit's rights in the order of their ids.
CREATE INDEX entitlements_benefit_id ON entitlements (benefit, id);

-- +goose Down
DROP INDEX entitlements_benefit_id;
DROP TABLE notices;
DROP TABLE reassessment_unrated;
ALTER TABLE parameter_values DROP CONSTRAINT parameter_values_reassessment;
DROP TABLE reassessments;
DROP TABLE parameter_values;
DROP SEQUENCE parameter_approval_seq;
