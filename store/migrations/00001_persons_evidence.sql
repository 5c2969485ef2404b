-- +goose Up
CREATE TABLE households (
    id              uuid PRIMARY KEY,
    -- the population register's household number; null for a household
    -- known only from a caseworker's registration
    register_number text UNIQUE,
    municipality    text NOT NULL,
    settlement      text NOT NULL,
    street          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE persons (
    id            uuid PRIMARY KEY,
    jmbg          text NOT NULL CHECK (jmbg ~ '^[0-9]{13}$'),
    -- JMBG is unique unless an authority confirmed a duplicate number
    jmbg_override boolean NOT NULL DEFAULT false,
    jmbg_warning  text NOT NULL DEFAULT '',
    given_name    text NOT NULL,
    family_name   text NOT NULL,
    birth_date    date NOT NULL,
    sex           text NOT NULL CHECK (sex IN ('M', 'F')),
    municipality  text NOT NULL,
    settlement    text NOT NULL,
    street        text NOT NULL DEFAULT '',
    centre_id     text NOT NULL,
    household_id  uuid REFERENCES households (id),
    relation      text,
    -- caseworker, population_register or demo
    registered_by text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX persons_jmbg_unique ON persons (jmbg) WHERE NOT jmbg_override;
CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_centre ON persons (centre_id);
CREATE INDEX persons_name ON persons (lower(family_name), lower(given_name));

-- Every answer a registry gave, as received: the evidence for a decision
-- and for audits.
CREATE TABLE registry_exchanges (
    request_id    text PRIMARY KEY, -- the answer's X-Road-Id
    person_id     uuid NOT NULL REFERENCES persons (id),
    source        text NOT NULL,
    issue         text NOT NULL DEFAULT '', -- the case number sent in X-Road-Issue
    requested_at  timestamptz NOT NULL,
    answered_at   timestamptz NOT NULL,
    response_hash text NOT NULL,
    body          jsonb NOT NULL
);
CREATE INDEX registry_exchanges_person ON registry_exchanges (person_id, answered_at);

CREATE TABLE evidence (
    id            bigserial PRIMARY KEY,
    person_id     uuid NOT NULL REFERENCES persons (id),
    kind          text NOT NULL,
    source        text NOT NULL,
    value         jsonb NOT NULL,
    valid_from    date NOT NULL,
    valid_to      date,
    fetched_at    timestamptz NOT NULL,
    declared      boolean NOT NULL DEFAULT false,
    request_id    text NOT NULL,
    response_hash text NOT NULL,
    issue         text NOT NULL DEFAULT '',
    change        text NOT NULL CHECK (change IN ('initial', 'change', 'correction')),
    -- set when a newer record of the same kind replaced this one
    superseded_at timestamptz
);
CREATE UNIQUE INDEX evidence_current ON evidence (person_id, kind) WHERE superseded_at IS NULL;
CREATE INDEX evidence_person ON evidence (person_id, kind, id);

-- Where each source stands for each person: pending while a refresh waits
-- for an answer, so nobody reads a missing answer as "no income".
CREATE TABLE evidence_sources (
    person_id    uuid NOT NULL REFERENCES persons (id),
    source       text NOT NULL,
    state        text NOT NULL CHECK (state IN ('pending', 'answered', 'failed')),
    workflow_id  text NOT NULL,
    requested_at timestamptz NOT NULL,
    answered_at  timestamptz,
    last_error   text NOT NULL DEFAULT '',
    PRIMARY KEY (person_id, source)
);

-- +goose Down
DROP TABLE evidence_sources;
DROP TABLE evidence;
DROP TABLE registry_exchanges;
DROP TABLE persons;
DROP TABLE households;
