-- +goose Up
-- The gatehouse of a residential institution (issue 22 item 5): visitors
-- logged in and out, and the residents' leaves and returns. A visitor's
-- name and ID are personal data: they live here only, never in a URL, a
-- log or a workflow's history (the visit's id stands for them). A time
-- written down later than it happened carries the gatekeeper's reason.
CREATE TABLE gate_visits (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    institution_id   text NOT NULL REFERENCES institutions (id),
    placement_id     bigint NOT NULL REFERENCES placements (id),
    visitor_name     text NOT NULL,
    visitor_jmbg     text NOT NULL DEFAULT '',
    visitor_document text NOT NULL DEFAULT '',
    relation         text NOT NULL,
    arrived_at       timestamptz NOT NULL,
    arrival_reason   text NOT NULL DEFAULT '', -- why the arrival was back-dated
    departed_at      timestamptz,
    departure_reason text NOT NULL DEFAULT '',
    logged_by        text NOT NULL,
    departure_by     text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (visitor_jmbg <> '' OR visitor_document <> ''),
    CHECK (departed_at IS NULL OR departed_at >= arrived_at)
);
CREATE INDEX gate_visits_day ON gate_visits (institution_id, arrived_at);
CREATE INDEX gate_visits_inside ON gate_visits (institution_id) WHERE departed_at IS NULL;

CREATE TABLE resident_leaves (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    institution_id     text NOT NULL REFERENCES institutions (id),
    placement_id       bigint NOT NULL REFERENCES placements (id),
    kind               text NOT NULL CHECK (kind IN ('home_visit', 'hospital', 'outing')),
    companion_name     text NOT NULL DEFAULT '', -- who the resident leaves with; '' alone
    companion_jmbg     text NOT NULL DEFAULT '',
    companion_document text NOT NULL DEFAULT '',
    companion_relation text NOT NULL DEFAULT '',
    left_at            timestamptz NOT NULL,
    left_reason        text NOT NULL DEFAULT '', -- why the time of leaving was back-dated
    expected_return    timestamptz NOT NULL,
    returned_at        timestamptz,
    return_reason      text NOT NULL DEFAULT '',
    recorded_by        text NOT NULL,
    return_by          text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (expected_return > left_at),
    CHECK (returned_at IS NULL OR returned_at >= left_at)
);
-- A resident is on one leave at a time.
CREATE UNIQUE INDEX resident_leaves_open ON resident_leaves (placement_id) WHERE returned_at IS NULL;
CREATE INDEX resident_leaves_institution ON resident_leaves (institution_id, left_at);

-- +goose Down
DROP TABLE resident_leaves;
DROP TABLE gate_visits;
