-- +goose Up
-- A payment the bank rejected or returned (issue 19 review): its line is
-- marked reversed beside the reversal line, so that persons, rights and
-- payments count only what was paid (the amounts already net out).
ALTER TABLE bi_payment_lines ADD COLUMN reversed boolean NOT NULL DEFAULT false;
UPDATE bi_payment_lines l SET reversed = true
WHERE NOT l.reversal AND EXISTS (SELECT 1 FROM bi_payment_lines r WHERE r.payment_id = l.payment_id AND r.reversal);

-- +goose Down
ALTER TABLE bi_payment_lines DROP COLUMN reversed;
