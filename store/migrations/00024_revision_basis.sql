-- +goose Up
-- A revision keeps the situation it recalculated from; once it ends in no
-- change or a change of amount, that situation is the right's basis (the
-- one a later reassessment re-rates from), not the grant's any more.
ALTER TABLE revisions ADD COLUMN situation jsonb;

-- +goose Down
ALTER TABLE revisions DROP COLUMN situation;
