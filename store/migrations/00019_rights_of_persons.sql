-- +goose Up
-- Exclusions (issue 16): the rights, not ended, that any of some persons
-- holds (store.ActiveRightsOf), read when a claim is filed and before its
-- grant is decided; by claim member and by beneficiary.
CREATE INDEX claim_members_person ON claim_members (person_id);
CREATE INDEX entitlements_beneficiary ON entitlements (beneficiary_id) WHERE state <> 'ended';

-- A calculation's reasons as phrases of the explanation catalogue
-- (benefits.Phrase: key and arguments), so a decision says them in
-- Montenegrin whatever language the rules speak (issue 16).
ALTER TABLE claim_calculations ADD COLUMN why jsonb;

-- +goose Down
ALTER TABLE claim_calculations DROP COLUMN why;
DROP INDEX entitlements_beneficiary;
DROP INDEX claim_members_person;
