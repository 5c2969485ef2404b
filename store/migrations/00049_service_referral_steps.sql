-- +goose Up
-- The steps of a referral to a service (issue 23 item 2, the
-- ServiceReferral workflow): steps counts the case events written (event
-- service-referral/<id>/<n> is step n, so a retried step writes nothing
-- twice); who answered for the provider; the periodic reviews; and what a
-- person typed for a step (a review's note), kept here before the
-- workflow takes it: its history carries the input's id only.
ALTER TABLE service_referrals
    ADD COLUMN steps       int NOT NULL DEFAULT 0,
    ADD COLUMN answered_by text NOT NULL DEFAULT '',
    ADD COLUMN ended_by    text NOT NULL DEFAULT '',
    ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now();

CREATE TABLE service_referral_reviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id  bigint NOT NULL REFERENCES service_referrals (id),
    day          date NOT NULL,
    by_user      text NOT NULL,
    note         text NOT NULL DEFAULT '',
    outcome      text NOT NULL CHECK (outcome IN ('continue', 'adjust', 'end')),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_referral_reviews_referral ON service_referral_reviews (referral_id, day);

CREATE TABLE service_referral_inputs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id  bigint NOT NULL REFERENCES service_referrals (id),
    kind         text NOT NULL,
    payload      jsonb NOT NULL,
    by_user      text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_referral_inputs_referral ON service_referral_inputs (referral_id);

-- +goose Down
DROP TABLE service_referral_inputs;
DROP TABLE service_referral_reviews;
ALTER TABLE service_referrals DROP COLUMN updated_at, DROP COLUMN ended_by, DROP COLUMN answered_by, DROP COLUMN steps;
