-- +goose Up
-- A payroll copies up to millions of payments, and every index of the
-- table is written for each (issue 24). Two of them held the right and
-- the month: payments_once (payroll, right, month), unique, and
-- payments_entitlement (right, month) for reading what was paid for a
-- right. One unique index on (right, month, payroll) keeps the same rule
-- (one payment per right and month in a payroll) and serves the reads by
-- right and month with its first two columns; the reads by payroll use
-- payments_payroll (payroll, channel, end-to-end id).
DROP INDEX payments_entitlement;
DROP INDEX payments_once;
CREATE UNIQUE INDEX payments_once ON payments (entitlement_id, period, payroll_id);

-- +goose Down
DROP INDEX payments_once;
CREATE UNIQUE INDEX payments_once ON payments (payroll_id, entitlement_id, period);
CREATE INDEX payments_entitlement ON payments (entitlement_id, period);
