-- +goose Up
-- A right lives (issue 16): an entitlement is a history of versions; the
-- payroll pays each month at the versions in force in it and settles the
-- difference with what was already paid for it.

-- valid_to: the right's last day once it ended. basis: the situation the
-- amount was calculated from (benefits.Situation as JSON), so that a new
-- value of the law's parameters re-rates the right without fetching its
-- evidence again. channel: bank, or post (child allowance, DOMAIN.md §5.4).
ALTER TABLE entitlements
    ADD COLUMN valid_to date,
    ADD COLUMN basis    jsonb,
    ADD COLUMN channel  text NOT NULL DEFAULT 'bank' CHECK (channel IN ('bank', 'post'));

-- Versions are layered: where two overlap the one with the higher seq holds
-- (domain.Timeline). source is what made the version ('grant', 'reassessment:<id>',
-- 'revision:<id>', 'change:<id>', 'appeal:<id>'): the same source never adds
-- two versions to a right, so a retried step adds its version once.
CREATE TABLE entitlement_versions (
    entitlement_id uuid NOT NULL REFERENCES entitlements (id),
    seq            int NOT NULL CHECK (seq > 0),
    valid_from     date NOT NULL,
    valid_to       date CHECK (valid_to IS NULL OR valid_to >= valid_from),
    amount         numeric(14, 2) NOT NULL CHECK (amount >= 0),
    state          text NOT NULL CHECK (state IN ('active', 'suspended', 'ended')),
    reason         text NOT NULL CHECK (reason IN ('grant', 'revision', 'change', 'indexation', 'appeal', 'sanction', 'death', 'correction')),
    decision_id    uuid,
    ref            text NOT NULL DEFAULT '', -- a decision's number, a notice, a change event, for the explanation
    source         text NOT NULL,
    lines          jsonb NOT NULL DEFAULT '[]',
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entitlement_id, seq)
);
CREATE UNIQUE INDEX entitlement_versions_source ON entitlement_versions (entitlement_id, source);

INSERT INTO entitlement_versions (entitlement_id, seq, valid_from, amount, state, reason, decision_id, ref, source, created_by)
SELECT e.id, 1, e.valid_from, e.amount, 'active', 'grant', e.decision_id, coalesce(d.number, ''), 'grant', 'migration'
FROM entitlements e LEFT JOIN decisions d ON d.id = e.decision_id;

-- A payroll writes at most one payment per right and month; a later payroll
-- may pay the same month again for the difference (kind 'difference'), a
-- month left unpaid (an exception, a return), or a one-off right.
ALTER TABLE payments ADD COLUMN kind text NOT NULL DEFAULT 'regular' CHECK (kind IN ('regular', 'difference', 'one_off'));
DROP INDEX payments_once;
CREATE UNIQUE INDEX payments_once ON payments (payroll_id, entitlement_id, period);
CREATE INDEX payments_entitlement ON payments (entitlement_id, period);

-- A month paid above what its versions owe: recorded once by the payroll
-- that finds it, recovered only by a decision (DOMAIN.md §3.1).
CREATE TABLE overpayments (
    entitlement_id uuid NOT NULL REFERENCES entitlements (id),
    period         date NOT NULL,
    payroll_id     text NOT NULL REFERENCES payrolls (id),
    amount         numeric(14, 2) NOT NULL CHECK (amount > 0),
    lines          jsonb NOT NULL,
    state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'recovery_decided', 'waived')),
    decision_ref   text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entitlement_id, period, payroll_id)
);

-- +goose Down
DROP TABLE overpayments;
DROP INDEX payments_entitlement;
DROP INDEX payments_once;
CREATE UNIQUE INDEX payments_once ON payments (entitlement_id, period) WHERE state NOT IN ('rejected', 'returned');
ALTER TABLE payments DROP COLUMN kind;
DROP TABLE entitlement_versions;
ALTER TABLE entitlements DROP COLUMN channel, DROP COLUMN basis, DROP COLUMN valid_to;
