-- +goose Up
-- Case management (DOMAIN.md §4): one row per case, its persons, the
-- timeline of what happened, each stage's deadline and when it was met,
-- the tracking list and the decisions. The Case workflow writes them; the
-- API and the reports read them.
CREATE SEQUENCE case_number_seq;

CREATE TABLE cases (
    number       text PRIMARY KEY, -- S-<year>-<seq>
    procedure    text NOT NULL,
    version      int NOT NULL,
    centre_id    text NOT NULL,
    status       text NOT NULL CHECK (status IN ('open', 'closed', 'information_only', 'benefit_application')),
    stage        text NOT NULL,
    manager      text NOT NULL DEFAULT '',
    team         text[] NOT NULL DEFAULT '{}',
    parent       text REFERENCES cases (number),
    opened_by    text NOT NULL,
    opened_at    timestamptz NOT NULL,
    stage_due    timestamptz,
    closed_at    timestamptz,
    close_reason text NOT NULL DEFAULT '',
    dv           boolean NOT NULL DEFAULT false, -- readable only with the DV permission
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_centre ON cases (centre_id, status, procedure);
CREATE INDEX cases_manager ON cases (manager, status);

CREATE TABLE case_persons (
    case_number text NOT NULL REFERENCES cases (number),
    person_id   uuid NOT NULL REFERENCES persons (id),
    role        text NOT NULL, -- beneficiary, family, guardian, reporter, perpetrator
    PRIMARY KEY (case_number, person_id)
);
CREATE INDEX case_persons_person ON case_persons (person_id);

CREATE TABLE case_events (
    id          bigserial PRIMARY KEY,
    case_number text NOT NULL REFERENCES cases (number),
    event_key   text NOT NULL UNIQUE, -- <case>/<n>: written once, however often the workflow retries
    at          timestamptz NOT NULL,
    kind        text NOT NULL,
    stage       text NOT NULL DEFAULT '',
    by_user     text NOT NULL DEFAULT '',
    summary     text NOT NULL DEFAULT '',
    data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_number, at);

-- Each run of a stage, with its deadline: the timeliness report reads these.
CREATE TABLE case_stages (
    case_number text NOT NULL REFERENCES cases (number),
    seq         int NOT NULL,
    stage       text NOT NULL,
    centre_id   text NOT NULL,
    worker      text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL,
    due_at      timestamptz NOT NULL,
    done_at     timestamptz,
    PRIMARY KEY (case_number, seq)
);

CREATE TABLE case_tracking (
    case_number text NOT NULL REFERENCES cases (number),
    item        int NOT NULL,
    kind        text NOT NULL,
    what        text NOT NULL,
    due         date NOT NULL,
    done_at     timestamptz,
    done_by     text NOT NULL DEFAULT '',
    overdue     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (case_number, item)
);
CREATE INDEX case_tracking_due ON case_tracking (due) WHERE done_at IS NULL;

CREATE TABLE case_decisions (
    id              uuid PRIMARY KEY,
    case_number     text NOT NULL REFERENCES cases (number),
    seq             int NOT NULL,
    number          text NOT NULL UNIQUE, -- <centre>/<year>/<seq>, from the centre's decision counter
    kind            text NOT NULL,
    reasoning       text NOT NULL,
    prepared_by     text NOT NULL,
    approved_by     text NOT NULL,
    issued_at       timestamptz NOT NULL,
    document_key    text NOT NULL,
    document_sha256 text NOT NULL,
    UNIQUE (case_number, seq)
);

-- +goose Down
DROP TABLE case_decisions;
DROP TABLE case_tracking;
DROP TABLE case_stages;
DROP TABLE case_events;
DROP TABLE case_persons;
DROP TABLE cases;
DROP SEQUENCE case_number_seq;
