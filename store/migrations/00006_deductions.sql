-- +goose Up
-- A deduction a decision orders from a monthly right (recovery of an
-- overpayment, a sanction's reduction): taken from every monthly payment,
-- at most the payment itself.
ALTER TABLE entitlements
    ADD COLUMN deduction        numeric(14, 2) NOT NULL DEFAULT 0 CHECK (deduction >= 0),
    ADD COLUMN deduction_reason text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE entitlements DROP COLUMN deduction_reason, DROP COLUMN deduction;
