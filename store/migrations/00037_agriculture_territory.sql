-- +goose Up
-- The monthly files of the farmers' old-age allowance from the Ministry of
-- Agriculture (issue 21 item 6), imported or refused whole: a file is
-- known by its SHA-256, and one file per month is imported.
CREATE TABLE agriculture_files (
    id          bigserial PRIMARY KEY,
    file_hash   text NOT NULL CHECK (file_hash ~ '^[0-9a-f]{64}$'),
    format      text NOT NULL DEFAULT '',
    -- the first day of the month the rows are for; null when the file was
    -- refused before a month could be read from it
    period      date,
    object_key  text NOT NULL,
    state       text NOT NULL CHECK (state IN ('imported', 'refused')),
    row_count   integer NOT NULL DEFAULT 0,
    total       numeric(14, 2) NOT NULL DEFAULT 0,
    -- the validation report: every fault, [{"field": "line 4.jmbg", "message": ...}]
    faults      jsonb NOT NULL DEFAULT '[]',
    conflicts   integer NOT NULL DEFAULT 0,
    received_by text NOT NULL, -- a username, or "schedule"
    workflow_id text NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX agriculture_files_hash ON agriculture_files (file_hash) WHERE state = 'imported';
CREATE UNIQUE INDEX agriculture_files_period ON agriculture_files (period) WHERE state = 'imported';

-- Each allowance an imported file pays: one per person and month.
CREATE TABLE agriculture_allowances (
    file_id   bigint NOT NULL REFERENCES agriculture_files (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    period    date NOT NULL,
    amount    numeric(14, 2) NOT NULL CHECK (amount > 0),
    line      integer NOT NULL,
    PRIMARY KEY (person_id, period)
);
CREATE INDEX agriculture_allowances_file ON agriculture_allowances (file_id);

-- A person paid the allowance for a month while holding an MO right in
-- force in it (the two exclude each other): one per person and month, a
-- task to the right's centre.
CREATE TABLE agriculture_conflicts (
    person_id      uuid NOT NULL REFERENCES persons (id),
    period         date NOT NULL,
    file_id        bigint NOT NULL REFERENCES agriculture_files (id),
    entitlement_id uuid NOT NULL REFERENCES entitlements (id),
    centre_id      text NOT NULL,
    PRIMARY KEY (person_id, period)
);
CREATE INDEX agriculture_conflicts_file ON agriculture_conflicts (file_id);

-- +goose Down
DROP TABLE agriculture_conflicts;
DROP TABLE agriculture_allowances;
DROP TABLE agriculture_files;
