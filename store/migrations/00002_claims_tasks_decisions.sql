-- +goose Up
CREATE SEQUENCE claim_number_seq;

CREATE TABLE claims (
    number       text PRIMARY KEY,
    benefit      text NOT NULL,
    applicant_id uuid NOT NULL REFERENCES persons (id),
    subject_id   uuid REFERENCES persons (id),
    centre_id    text NOT NULL,
    payee_iban   text NOT NULL DEFAULT '',
    consent      boolean NOT NULL,
    declared     jsonb NOT NULL DEFAULT '{}',
    filed_by     text NOT NULL,
    filed_at     timestamptz NOT NULL DEFAULT now(),
    period       date NOT NULL,
    -- filed, evidence, review, approval, approved, rejected, withdrawn
    state        text NOT NULL DEFAULT 'filed',
    state_reason text NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claims_centre ON claims (centre_id, state);

CREATE TABLE claim_members (
    claim_number text NOT NULL REFERENCES claims (number),
    person_id    uuid NOT NULL REFERENCES persons (id),
    benefit      text NOT NULL,
    open         boolean NOT NULL DEFAULT true,
    PRIMARY KEY (claim_number, person_id)
);
-- a person is in at most one open claim for the same benefit
CREATE UNIQUE INDEX claim_members_open ON claim_members (person_id, benefit) WHERE open;

CREATE TABLE claim_calculations (
    claim_number text NOT NULL REFERENCES claims (number),
    seq          int NOT NULL,
    eligible     boolean NOT NULL,
    amount       numeric(14, 2) NOT NULL,
    max_amount   numeric(14, 2) NOT NULL,
    reasons      jsonb NOT NULL,
    lines        jsonb NOT NULL,
    evidence_ids bigint[] NOT NULL,
    computed_at  timestamptz NOT NULL,
    PRIMARY KEY (claim_number, seq)
);

CREATE TABLE tasks (
    id             text PRIMARY KEY, -- workflow id + '/' + step: a retry never duplicates it
    workflow_id    text NOT NULL,
    type           text NOT NULL,
    subject        text NOT NULL,
    person_id      uuid REFERENCES persons (id),
    centre_id      text NOT NULL,
    candidate_role text NOT NULL,
    assignee       text,
    owner          text,
    priority       int NOT NULL DEFAULT 50,
    due_at         timestamptz NOT NULL,
    follow_up_at   timestamptz,
    state          text NOT NULL CHECK (state IN ('open', 'completed', 'cancelled')),
    overdue        boolean NOT NULL DEFAULT false,
    escalated_to   text,
    escalated_at   timestamptz,
    excluded_users text[] NOT NULL DEFAULT '{}',
    data           jsonb NOT NULL DEFAULT '{}',
    outcome        text,
    outcome_data   jsonb,
    completed_by   text,
    completed_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_inbox ON tasks (centre_id, candidate_role, state, due_at);
CREATE INDEX tasks_assignee ON tasks (assignee, state, due_at);
CREATE INDEX tasks_workflow ON tasks (workflow_id);

CREATE TABLE documents (
    id           uuid PRIMARY KEY,
    claim_number text REFERENCES claims (number),
    person_id    uuid REFERENCES persons (id),
    kind         text NOT NULL,
    object_key   text NOT NULL,
    sha256       text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE decision_counters (
    centre_id text NOT NULL,
    year      int NOT NULL,
    last      int NOT NULL,
    PRIMARY KEY (centre_id, year)
);

CREATE TABLE decisions (
    id              uuid PRIMARY KEY,
    claim_number    text NOT NULL UNIQUE REFERENCES claims (number),
    number          text NOT NULL UNIQUE,
    centre_id       text NOT NULL,
    year            int NOT NULL,
    seq             int NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('grant', 'rejection')),
    benefit         text NOT NULL,
    amount          numeric(14, 2) NOT NULL,
    period_from     date NOT NULL,
    prepared_by     text NOT NULL,
    approved_by     text NOT NULL,
    issued_at       timestamptz NOT NULL,
    document_key    text,
    document_sha256 text,
    UNIQUE (centre_id, year, seq),
    CHECK (prepared_by <> approved_by)
);

CREATE TABLE entitlements (
    id             uuid PRIMARY KEY,
    claim_number   text NOT NULL UNIQUE REFERENCES claims (number),
    decision_id    uuid NOT NULL REFERENCES decisions (id),
    benefit        text NOT NULL,
    beneficiary_id uuid NOT NULL REFERENCES persons (id),
    payee_iban     text NOT NULL,
    amount         numeric(14, 2) NOT NULL,
    periodicity    text NOT NULL,
    valid_from     date NOT NULL,
    next_revision  date,
    state          text NOT NULL DEFAULT 'active',
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE entitlements;
DROP TABLE decisions;
DROP TABLE decision_counters;
DROP TABLE documents;
DROP TABLE tasks;
DROP TABLE claim_calculations;
DROP TABLE claim_members;
DROP TABLE claims;
DROP SEQUENCE claim_number_seq;
