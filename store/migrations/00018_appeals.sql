-- +goose Up
-- Appeals and finality (issue 16 item 5). Every decision records the day
-- it was delivered; it becomes final the day after the appeal deadline
-- (delivery + 15 days) unless appealed. An appeal goes to the issuing
-- centre, then to the ministry as second instance; each outcome is a
-- decision of its own (appeal_decisions).
ALTER TABLE decisions
    ADD COLUMN delivered_on          date,
    ADD COLUMN delivery_recorded_by  text NOT NULL DEFAULT '';

-- applied_from: the first day an activation sanction took effect, set
-- once the decision is final (an appeal suspends a sanction); null while
-- it is not final, or when an appeal annulled it.
ALTER TABLE activation_decisions
    ADD COLUMN delivered_on          date,
    ADD COLUMN delivery_recorded_by  text NOT NULL DEFAULT '',
    ADD COLUMN applied_from          date;

CREATE SEQUENCE appeal_seq;

-- One appeal per decision (a second-instance decision is final; a new one
-- on the same decision is refused).
CREATE TABLE appeals (
    id               text PRIMARY KEY, -- ZLB-<yyyy>-<nnnnnn>
    decision_id      uuid NOT NULL UNIQUE,
    decision_kind    text NOT NULL CHECK (decision_kind IN ('claim', 'activation')),
    decision_number  text NOT NULL,
    centre_id        text NOT NULL,
    person_id        uuid NOT NULL REFERENCES persons (id),
    entitlement_id   uuid REFERENCES entitlements (id),
    filed_on         date NOT NULL,
    grounds          text NOT NULL,
    filed_by         text NOT NULL,
    state            text NOT NULL CHECK (state IN ('first_instance', 'second_instance', 'upheld', 'annulled', 'changed')),
    forwarded_at     timestamptz,
    decided_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appeals_pending ON appeals (centre_id, state) WHERE state IN ('first_instance', 'second_instance');
CREATE INDEX appeals_person ON appeals (person_id);

-- The outcome of an appeal: the centre's own new decision (first instance)
-- or the ministry's (second instance), with its document.
CREATE TABLE appeal_decisions (
    id              uuid PRIMARY KEY,
    appeal_id       text NOT NULL UNIQUE REFERENCES appeals (id),
    number          text NOT NULL UNIQUE,
    instance        text NOT NULL CHECK (instance IN ('first', 'second')),
    outcome         text NOT NULL CHECK (outcome IN ('uphold', 'annul', 'change')),
    amount          numeric(14, 2),
    effective_from  date,
    reasoning       text NOT NULL,
    prepared_by     text NOT NULL,
    approved_by     text NOT NULL,
    issued_at       timestamptz NOT NULL,
    document_key    text NOT NULL,
    document_sha256 text NOT NULL
);

-- +goose Down
DROP TABLE appeal_decisions;
DROP TABLE appeals;
DROP SEQUENCE appeal_seq;
ALTER TABLE activation_decisions DROP COLUMN applied_from, DROP COLUMN delivery_recorded_by, DROP COLUMN delivered_on;
ALTER TABLE decisions DROP COLUMN delivery_recorded_by, DROP COLUMN delivered_on;
