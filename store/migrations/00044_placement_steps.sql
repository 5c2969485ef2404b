-- +goose Up
-- The steps of a placement (issue 22, the Placement workflow): what the
-- centre's proposal says of the person's needs (all the institution reads
-- of them), each referral to an institution and its answer, the centre's
-- decision (drafted, approved by another: four eyes; the co-payment's
-- lines as the caseworker saw them; its PDF), and the periodic reviews.
-- steps counts the case events written: event placement/<id>/<n> is step
-- n, so a retried step writes nothing twice.
ALTER TABLE placements
    ADD COLUMN needs            text NOT NULL DEFAULT '',
    ADD COLUMN care_level       int NOT NULL DEFAULT 0 CHECK (care_level BETWEEN 0 AND 3),
    ADD COLUMN steps            int NOT NULL DEFAULT 0,
    ADD COLUMN draft            jsonb,
    ADD COLUMN drafted_by       text NOT NULL DEFAULT '',
    ADD COLUMN approved_by      text NOT NULL DEFAULT '',
    ADD COLUMN copayment_lines  jsonb,
    ADD COLUMN decision_key     text NOT NULL DEFAULT '',
    ADD COLUMN decision_sha256  text NOT NULL DEFAULT '',
    ADD COLUMN transferred_to   bigint REFERENCES placements (id);

CREATE TABLE placement_referrals (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id   bigint NOT NULL REFERENCES placements (id),
    institution_id text NOT NULL REFERENCES institutions (id),
    bed_id         bigint NOT NULL REFERENCES institution_beds (id),
    referred_by    text NOT NULL,
    referred_at    timestamptz NOT NULL,
    answer         text NOT NULL DEFAULT '' CHECK (answer IN ('', 'accepted', 'refused')),
    reason         text NOT NULL DEFAULT '',
    answered_by    text NOT NULL DEFAULT '',
    answered_at    timestamptz
);
CREATE INDEX placement_referrals_placement ON placement_referrals (placement_id, id);
CREATE INDEX placement_referrals_institution ON placement_referrals (institution_id, answer);

CREATE TABLE placement_reviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL REFERENCES placements (id),
    day          date NOT NULL,
    by_user      text NOT NULL,
    notes        text NOT NULL DEFAULT '',
    outcome      text NOT NULL CHECK (outcome IN ('continue', 'transfer', 'discharge')),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placement_reviews_placement ON placement_reviews (placement_id, day);

-- What a person typed for a step (a refusal's reason, a draft's figures
-- and incomes, a review's notes, a discharge's reason), kept here before
-- the workflow takes the step: its history carries the input's id only.
CREATE TABLE placement_inputs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL REFERENCES placements (id),
    kind         text NOT NULL,
    payload      jsonb NOT NULL,
    by_user      text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placement_inputs_placement ON placement_inputs (placement_id);

-- +goose Down
DROP TABLE placement_inputs;
DROP TABLE placement_reviews;
DROP TABLE placement_referrals;
ALTER TABLE placements DROP COLUMN transferred_to, DROP COLUMN decision_sha256, DROP COLUMN decision_key,
    DROP COLUMN copayment_lines, DROP COLUMN approved_by, DROP COLUMN drafted_by, DROP COLUMN draft,
    DROP COLUMN steps, DROP COLUMN care_level, DROP COLUMN needs;
