-- +goose Up
-- The registers of guardians and foster carers (issue 21, item 3), fed by
-- the decisions of the case procedures that appoint them (guardian_appointment
-- in P01 and P24, foster_placement in P02, family_placement in P23) and
-- end them (guardianship_end, placement_end): one row per carer and ward
-- of a decision. The carers of one foster placement are its foster family.
CREATE TABLE carer_appointments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role            text NOT NULL CHECK (role IN ('guardian', 'foster_carer')),
    carer_id        uuid NOT NULL REFERENCES persons (id),
    ward_id         uuid NOT NULL REFERENCES persons (id),
    case_number     text NOT NULL REFERENCES cases (number),
    centre_id       text NOT NULL,
    decision_id     uuid NOT NULL REFERENCES case_decisions (id),
    valid_from      date NOT NULL,
    -- The day of the decision that ended it: in force before that day.
    ended_on        date CHECK (ended_on >= valid_from),
    end_decision_id uuid REFERENCES case_decisions (id),
    UNIQUE (decision_id, carer_id, ward_id)
);
CREATE INDEX carer_appointments_centre ON carer_appointments (centre_id, role);
CREATE INDEX carer_appointments_carer ON carer_appointments (carer_id);
CREATE INDEX carer_appointments_case ON carer_appointments (case_number);

-- Assessments of a carer's suitability and the training they took, as a
-- caseworker records them: dates and outcomes, no free text.
CREATE TABLE carer_assessments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    carer_id    uuid NOT NULL REFERENCES persons (id),
    role        text NOT NULL CHECK (role IN ('guardian', 'foster_carer')),
    kind        text NOT NULL CHECK (kind IN ('suitability', 'training')),
    held_on     date NOT NULL,
    outcome     text NOT NULL,
    hours       int NOT NULL DEFAULT 0 CHECK (hours >= 0),
    centre_id   text NOT NULL,
    recorded_by text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX carer_assessments_carer ON carer_assessments (carer_id, held_on);

-- +goose Down
DROP TABLE carer_assessments;
DROP TABLE carer_appointments;
