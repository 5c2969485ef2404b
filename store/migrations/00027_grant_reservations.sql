-- +goose Up
-- A grant about to be decided reserves its holders (issue 16: exclusions
-- at approval): the check for a right that excludes it and the reservation
-- are one transaction under a lock per holder, so that two approvals of
-- excluding claims of the same household cannot both pass. A reservation
-- counts as a right held until the claim's right exists (or the claim is
-- rejected or withdrawn).
ALTER TABLE claims ADD COLUMN grant_reserved_at timestamptz;
CREATE INDEX claims_grant_reserved ON claims (number) WHERE grant_reserved_at IS NOT NULL;

-- +goose Down
ALTER TABLE claims DROP COLUMN grant_reserved_at;
