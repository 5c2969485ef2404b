-- +goose Up
-- The payroll settles every month with what was paid for it (issue 16).

-- The situation a calculation was made from (benefits.Situation as JSON):
-- the grant keeps the last one as the right's basis, for re-rating.
ALTER TABLE claim_calculations ADD COLUMN situation jsonb;

-- post_person_id: whose address the Post pays to (child allowance: the
-- child's, DOMAIN.md §3.3 (8), §5.4); NULL: the beneficiary's.
ALTER TABLE entitlements ADD COLUMN post_person_id uuid REFERENCES persons (id);

-- The address a Post payment goes to (municipality is the payments' own
-- column): the Post's list carries it.
ALTER TABLE payments
    ADD COLUMN settlement text NOT NULL DEFAULT '',
    ADD COLUMN street     text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE payments DROP COLUMN street, DROP COLUMN settlement;
ALTER TABLE entitlements DROP COLUMN post_person_id;
ALTER TABLE claim_calculations DROP COLUMN situation;
