-- +goose Up
-- Labour activation (DOMAIN.md §5.2): referrals of work-capable recipients
-- of financial assistance to the Employment Agency, the steps the agency
-- reports (idempotent by its step id), the referral's timeline (with every
-- outbound message and its attempts) and the centre's decisions.
CREATE SEQUENCE activation_referral_seq;

CREATE TABLE activation_referrals (
    id                  text PRIMARY KEY, -- AKT-<yyyy>-<nnnnnn>
    person_id           uuid NOT NULL REFERENCES persons (id),
    entitlement_id      uuid NOT NULL REFERENCES entitlements (id),
    centre_id           text NOT NULL,
    state               text NOT NULL CHECK (state IN ('referred', 'acknowledged', 'active', 'decision_pending', 'sanctioned',
                            'employed', 'not_eligible', 'closed')),
    agency_reference    text NOT NULL DEFAULT '',
    referred_by         text NOT NULL,
    referred_at         timestamptz NOT NULL,
    last_step_at        timestamptz,
    work_capacity_notes text NOT NULL DEFAULT '',
    family_constraints  text NOT NULL DEFAULT '',
    updated_at          timestamptz NOT NULL DEFAULT now()
);
-- A person has at most one referral under way.
CREATE UNIQUE INDEX activation_referrals_open ON activation_referrals (person_id)
    WHERE state NOT IN ('employed', 'not_eligible', 'closed');
CREATE INDEX activation_referrals_state ON activation_referrals (state, referred_at);
CREATE INDEX activation_referrals_centre ON activation_referrals (centre_id, referred_at);

CREATE TABLE activation_steps (
    referral_id text NOT NULL REFERENCES activation_referrals (id),
    step_id     text NOT NULL,
    kind        text NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    sender      text NOT NULL,
    body        jsonb NOT NULL,
    PRIMARY KEY (referral_id, step_id)
);

CREATE TABLE activation_events (
    referral_id text NOT NULL REFERENCES activation_referrals (id),
    key         text NOT NULL,
    at          timestamptz NOT NULL,
    kind        text NOT NULL,
    by_user     text NOT NULL DEFAULT '',
    summary     text NOT NULL,
    data        jsonb,
    -- outbound messages: pending until the agency acknowledges them
    delivery    text NOT NULL DEFAULT '' CHECK (delivery IN ('', 'pending', 'acknowledged')),
    attempts    int NOT NULL DEFAULT 0,
    last_error  text NOT NULL DEFAULT '',
    PRIMARY KEY (referral_id, key)
);

CREATE TABLE activation_decisions (
    id              uuid PRIMARY KEY,
    referral_id     text NOT NULL REFERENCES activation_referrals (id),
    seq             int NOT NULL,
    number          text NOT NULL UNIQUE, -- <centre>/<year>/<seq>, from the centre's decision counter
    entitlement_id  uuid NOT NULL REFERENCES entitlements (id),
    measure         text NOT NULL CHECK (measure IN ('reduce', 'suspend', 'terminate')),
    percent         int,
    deduction       numeric(14, 2) NOT NULL DEFAULT 0,
    effective_from  date NOT NULL,
    reasoning       text NOT NULL,
    lines           jsonb NOT NULL,
    prepared_by     text NOT NULL,
    approved_by     text NOT NULL,
    issued_at       timestamptz NOT NULL,
    document_key    text NOT NULL,
    document_sha256 text NOT NULL,
    UNIQUE (referral_id, seq),
    CHECK (prepared_by <> approved_by)
);

-- A right suspended or ended by a decision pays nothing from this month
-- on; a deduction ordered from a month is taken from that month on.
ALTER TABLE entitlements
    ADD COLUMN suspended_from date,
    ADD COLUMN deduction_from date;

-- +goose Down
ALTER TABLE entitlements DROP COLUMN deduction_from, DROP COLUMN suspended_from;
DROP TABLE activation_decisions;
DROP TABLE activation_events;
DROP TABLE activation_steps;
DROP TABLE activation_referrals;
DROP SEQUENCE activation_referral_seq;
