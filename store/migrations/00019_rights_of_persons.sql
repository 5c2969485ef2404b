-- +goose Up
-- Exclusions (issue 16): the rights, not ended, that any of some persons
-- holds (store.ActiveRightsOf), read when a claim is filed and before its
-- grant is decided; by claim member and by beneficiary.
CREATE INDEX claim_members_person ON claim_members (person_id);
CREATE INDEX entitlements_beneficiary ON entitlements (beneficiary_id) WHERE state <> 'ended';

-- +goose Down
DROP INDEX entitlements_beneficiary;
DROP INDEX claim_members_person;
