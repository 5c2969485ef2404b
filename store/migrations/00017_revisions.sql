-- +goose Up
-- Revisions (issue 16 item 2): every right is revised on its schedule
-- (benefits.Benefit.RevisionMonths); a revision re-fetches the evidence,
-- recalculates and ends in no change, a change of amount or the end of the
-- right, the last two by a decision.

-- A revision's decision is about a right, not a claim: it names the right
-- (entitlement_id) and what issued it (source, 'revision:<workflow id>'),
-- once per source. It keeps the right's claim_number, so a claim now has
-- one first-instance decision (kind grant or rejection) and any number of
-- later ones.
ALTER TABLE decisions DROP CONSTRAINT decisions_kind_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_kind_check
    CHECK (kind IN ('grant', 'rejection', 'revision_change', 'revision_end'));
ALTER TABLE decisions DROP CONSTRAINT decisions_claim_number_key;
CREATE UNIQUE INDEX decisions_claim_once ON decisions (claim_number) WHERE kind IN ('grant', 'rejection');
ALTER TABLE decisions
    ADD COLUMN entitlement_id uuid REFERENCES entitlements (id),
    ADD COLUMN source         text;
CREATE UNIQUE INDEX decisions_source ON decisions (source) WHERE source IS NOT NULL;
CREATE INDEX decisions_entitlement ON decisions (entitlement_id) WHERE entitlement_id IS NOT NULL;

-- One row per revision workflow (id = its workflow id,
-- 'revision/<entitlement id>/<due date>'). trigger: schedule (the sweep),
-- manual (a caseworker), change (a change event, ref names it).
CREATE TABLE revisions (
    id             text PRIMARY KEY,
    entitlement_id uuid NOT NULL REFERENCES entitlements (id),
    centre_id      text NOT NULL,
    due            date NOT NULL,
    trigger        text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'change')),
    ref            text NOT NULL DEFAULT '',
    state          text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'no_change', 'changed', 'ended', 'refused')),
    stage          text NOT NULL DEFAULT 'evidence',
    proposal       text NOT NULL DEFAULT '' CHECK (proposal IN ('', 'no_change', 'change', 'end')),
    amount_before  numeric(14, 2),
    amount_after   numeric(14, 2),
    period         date,           -- the month the calculation is for
    eligible       boolean,
    reasons        jsonb NOT NULL DEFAULT '[]',
    lines          jsonb NOT NULL DEFAULT '[]',
    failed_sources text[] NOT NULL DEFAULT '{}',
    effective_from date,           -- the new version's first day
    decision_id    uuid REFERENCES decisions (id),
    next_revision  date,
    started_by     text NOT NULL,
    prepared_by    text NOT NULL DEFAULT '',
    approved_by    text NOT NULL DEFAULT '',
    started_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz
);
-- at most one revision of a right runs at a time
CREATE UNIQUE INDEX revisions_running ON revisions (entitlement_id) WHERE state = 'running';
CREATE INDEX revisions_centre ON revisions (centre_id, state, due);
CREATE INDEX revisions_entitlement ON revisions (entitlement_id, started_at);

-- The sweep reads the rights due in keyset order of (next_revision, id).
CREATE INDEX entitlements_revision_due ON entitlements (next_revision, id)
    WHERE next_revision IS NOT NULL AND state <> 'ended';

-- +goose Down
DROP INDEX entitlements_revision_due;
DROP TABLE revisions;
DROP INDEX decisions_entitlement;
DROP INDEX decisions_source;
ALTER TABLE decisions DROP COLUMN source, DROP COLUMN entitlement_id;
DROP INDEX decisions_claim_once;
ALTER TABLE decisions ADD CONSTRAINT decisions_claim_number_key UNIQUE (claim_number);
ALTER TABLE decisions DROP CONSTRAINT decisions_kind_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_kind_check CHECK (kind IN ('grant', 'rejection'));
