-- +goose Up
-- Change events (issue 16 item 3): the registries publish changes (a death,
-- a birth, a new job or income, a pension, a move, a vehicle or property
-- bought) as feeds Karton polls ("changes since cursor", the X-Road way).

-- Where Karton stands in each feed: the cursor the next poll asks from.
-- It advances in the same transaction that stores the page's events, so
-- every event is stored exactly once however often a poll is retried.
CREATE TABLE change_feed_cursors (
    feed      text PRIMARY KEY, -- the source (domain.Source) publishing the feed
    cursor    text NOT NULL DEFAULT '',
    events    bigint NOT NULL DEFAULT 0, -- events taken from this feed so far
    polled_at timestamptz
);

-- One row per change, as the source named it (id unique). person_id is
-- null while the JMBG is not a person Karton knows (state unmatched: kept
-- and shown to an operator, matched when the person is registered).
-- state: new (stored, not yet applied), applied (ex officio or nothing to
-- do), proposed (a reassessment was proposed to a caseworker), unmatched.
-- payload: the few facts the source gives (an income's amount, a new
-- address), never used as evidence: a reassessment fetches the evidence.
-- outcome: what the change did to each right it touched.
CREATE TABLE change_events (
    id          text PRIMARY KEY,
    feed        text NOT NULL,  -- the feed it came by; 'karton' for Karton's own daily checks
    source      text NOT NULL,  -- the institution's source that published it
    jmbg        text NOT NULL CHECK (jmbg ~ '^[0-9]{13}$'),
    person_id   uuid REFERENCES persons (id),
    kind        text NOT NULL CHECK (kind IN ('death', 'birth', 'income', 'pension', 'move', 'vehicle', 'property', 'adulthood')),
    occurred_on date NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    state       text NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'applied', 'unmatched', 'proposed')),
    outcome     jsonb NOT NULL DEFAULT '[]',
    received_at timestamptz NOT NULL DEFAULT now(),
    applied_at  timestamptz
);
CREATE INDEX change_events_person ON change_events (person_id, occurred_on) WHERE person_id IS NOT NULL;
CREATE INDEX change_events_open ON change_events (state, received_at) WHERE state IN ('new', 'unmatched');

-- +goose Down
DROP TABLE change_events;
DROP TABLE change_feed_cursors;
