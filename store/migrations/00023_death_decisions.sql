-- +goose Up
-- A right a death ended ex officio is closed by a decision (issue 16 item
-- 3): kind death_end, issued once per change event and right (source
-- 'death:<change id>:<entitlement id>'), prepared by a caseworker and
-- approved by a supervisor.
ALTER TABLE decisions DROP CONSTRAINT decisions_kind_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_kind_check
    CHECK (kind IN ('grant', 'rejection', 'revision_change', 'revision_end', 'death_end'));

-- +goose Down
ALTER TABLE decisions DROP CONSTRAINT decisions_kind_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_kind_check
    CHECK (kind IN ('grant', 'rejection', 'revision_change', 'revision_end'));
