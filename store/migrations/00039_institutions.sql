-- +goose Up
-- Residential institutions (issue 22, DOMAIN.md §7.1): each is a provider
-- of the register (issue 21) whose licence for residential care must be in
-- force for a placement; its units (a kind of resident and a care level),
-- rooms (a gender) and beds. A placement is one person's stay from the
-- centre's proposal to the discharge; it holds a bed from the institution's
-- acceptance until it ends. No person's data but the ids.
CREATE TABLE institutions (
    id           text PRIMARY KEY, -- a slug: dom-grabovac
    name         text NOT NULL,
    provider_id  bigint NOT NULL REFERENCES providers (id),
    street       text NOT NULL,
    municipality text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE institution_units (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    institution_id text NOT NULL REFERENCES institutions (id),
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('elderly', 'children', 'youth', 'disabled_adults')),
    care_level     int NOT NULL CHECK (care_level BETWEEN 1 AND 3),
    UNIQUE (institution_id, name)
);

CREATE TABLE institution_rooms (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id bigint NOT NULL REFERENCES institution_units (id),
    name    text NOT NULL,
    gender  text NOT NULL CHECK (gender IN ('any', 'female', 'male')),
    UNIQUE (unit_id, name)
);

CREATE TABLE institution_beds (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id        bigint NOT NULL REFERENCES institution_rooms (id),
    label          text NOT NULL,
    out_of_service boolean NOT NULL DEFAULT false,
    UNIQUE (room_id, label)
);

CREATE TABLE placements (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number    text REFERENCES cases (number), -- the centre's case it comes from (none for residents loaded as they are)
    person_id      uuid NOT NULL REFERENCES persons (id),
    centre_id      text NOT NULL,                  -- the centre that places and pays
    institution_id text REFERENCES institutions (id),
    bed_id         bigint REFERENCES institution_beds (id),
    state          text NOT NULL CHECK (state IN ('proposed', 'referred', 'refused', 'accepted', 'decided', 'admitted',
                                                  'discharged', 'transferred', 'cancelled')),
    admitted_on    date,
    ended_on       date,
    end_reason     text NOT NULL DEFAULT '',
    -- What the centre's placement decision set (the Placement workflow
    -- writes them): the monthly cost, the resident's and family's share of
    -- it (their co-payment), the budget line it is paid from, the day it
    -- was decided.
    monthly_cost   numeric(12, 2),
    copayment      numeric(12, 2),
    budget_line    text CHECK (budget_line IN ('maintenance_in_homes', 'outside_montenegro', 'family_placement')),
    decided_on     date,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- A bed is held by one placement at a time: from acceptance to the end.
CREATE UNIQUE INDEX placements_bed_held ON placements (bed_id) WHERE state IN ('accepted', 'decided', 'admitted');
CREATE INDEX placements_institution ON placements (institution_id, state);
CREATE INDEX placements_person ON placements (person_id);
CREATE INDEX placements_case ON placements (case_number);

-- Who may or may not visit a resident, from the resident's individual plan
-- (a child's plan names the persons a court or the centre has barred).
-- The gatehouse reads them before it lets a visitor in.
CREATE TABLE visit_rules (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id  bigint NOT NULL REFERENCES placements (id),
    visitor_name  text NOT NULL,
    visitor_jmbg  text NOT NULL DEFAULT '',
    allowed       boolean NOT NULL,
    reason        text NOT NULL DEFAULT '',
    set_by        text NOT NULL,
    set_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visit_rules_placement ON visit_rules (placement_id);

-- +goose Down
DROP TABLE visit_rules;
DROP TABLE placements;
DROP TABLE institution_beds;
DROP TABLE institution_rooms;
DROP TABLE institution_units;
DROP TABLE institutions;
