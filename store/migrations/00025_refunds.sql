-- +goose Up
-- The employers' refunds of the salary compensation paid during a
-- maternity or parental leave (RNZ) and for half-time work (RNZRP), issue
-- 18: the employers, their leaves, one claim per month of leave, the
-- decisions on them and the payments of the refunds.

-- An employer, known by its PIB; the centre that handles its refunds is
-- the one of its seat (GUESS: the portal routes a company's requests to
-- one centre).
CREATE TABLE employers (
    pib        text PRIMARY KEY CHECK (pib ~ '^[0-9]{8}$'),
    name       text NOT NULL,
    iban       text NOT NULL, -- the account it named last
    centre_id  text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE SEQUENCE refund_leave_seq;

-- A leave of one employee, filed by the employer. The registries' facts it
-- was assessed on (months of insurance, rate, the average gross salary)
-- are written by the Refund workflow.
CREATE TABLE refund_leaves (
    number         text PRIMARY KEY, -- RN-<year>-<seq>
    employer_pib   text NOT NULL REFERENCES employers (pib),
    benefit        text NOT NULL CHECK (benefit IN ('RNZ', 'RNZRP')),
    kind           text NOT NULL CHECK (kind IN ('maternity', 'parental', 'parental_transfer', 'half_time')),
    employee_jmbg  text NOT NULL,
    child_jmbg     text NOT NULL,
    first_day      date NOT NULL,
    last_day       date NOT NULL,   -- as filed
    ended_on       date,            -- the last day of an early end
    end_reason     text CHECK (end_reason IN ('return_to_work', 'child_death')),
    payee_iban     text NOT NULL,
    centre_id      text NOT NULL,
    state          text NOT NULL DEFAULT 'assessing'
                   CHECK (state IN ('assessing', 'active', 'rejected', 'ended', 'completed')),
    state_reason   text NOT NULL DEFAULT '',
    insured_months int,
    insured_since  date,
    rate           int CHECK (rate IN (0, 50, 70, 100)),
    base_gross     numeric(14, 2),
    birth_date     date,
    lines          jsonb,           -- the assessment's explanation (domain/refunds.Line)
    refusal        jsonb,           -- why no refund is due (a phrase), when none is
    evidence       jsonb,           -- the registries' answers it rests on: source, X-Road id, hash, time
    filed_by       text NOT NULL,
    filed_at       timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (last_day >= first_day),
    CHECK (ended_on IS NULL OR ended_on < last_day)
);
CREATE INDEX refund_leaves_employee ON refund_leaves (employee_jmbg, first_day);
CREATE INDEX refund_leaves_child ON refund_leaves (child_jmbg);
CREATE INDEX refund_leaves_employer ON refund_leaves (employer_pib, filed_at DESC);
CREATE INDEX refund_leaves_centre ON refund_leaves (centre_id, filed_at DESC);

-- One claim per month of leave: the compensation the employer paid and
-- its bank statement (in the object store). The month's calculation is
-- written by the workflow.
CREATE TABLE refund_claims (
    leave_number     text NOT NULL REFERENCES refund_leaves (number),
    month            date NOT NULL CHECK (extract(day FROM month) = 1),
    salary_paid      numeric(14, 2) NOT NULL CHECK (salary_paid > 0),
    statement_key    text NOT NULL,
    statement_sha256 text NOT NULL,
    statement_type   text NOT NULL,
    statement_size   bigint NOT NULL,
    filed_by         text NOT NULL,
    filed_at         timestamptz NOT NULL DEFAULT now(),
    state            text NOT NULL DEFAULT 'filed' CHECK (state IN ('filed', 'review', 'approval', 'decided')),
    days             int,
    certified_days   int,
    compensation     numeric(14, 2),
    refund           numeric(14, 2), -- by rule
    lines            jsonb,
    discrepancies    jsonb,
    evidence         jsonb,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (leave_number, month)
);

-- A decision (rješenje) on a month of a leave, or on the leave itself
-- (month NULL: a leave no refund is due for). Numbered from the centre's
-- counter shared by every kind of decision.
CREATE TABLE refund_decisions (
    id              uuid PRIMARY KEY,
    leave_number    text NOT NULL REFERENCES refund_leaves (number),
    month           date,
    number          text NOT NULL UNIQUE,
    centre_id       text NOT NULL,
    year            int NOT NULL,
    seq             int NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('grant', 'adjusted', 'rejection')),
    amount          numeric(14, 2) NOT NULL CHECK (amount >= 0),
    reason          text NOT NULL DEFAULT '',
    prepared_by     text NOT NULL,
    approved_by     text NOT NULL,
    issued_at       timestamptz NOT NULL,
    document_key    text,
    document_sha256 text
);
CREATE UNIQUE INDEX refund_decisions_once ON refund_decisions (leave_number, coalesce(month, '0001-01-01'::date));

-- The refund of a month, paid to the employer's account by a payroll under
-- the refunds' own funding account. Once per month: a payment the bank
-- rejected or returned is made again by a later payroll, never twice.
CREATE TABLE refund_payments (
    id              bigserial PRIMARY KEY,
    payroll_id      text NOT NULL REFERENCES payrolls (id),
    leave_number    text NOT NULL,
    month           date NOT NULL,
    decision_id     uuid NOT NULL REFERENCES refund_decisions (id),
    employer_pib    text NOT NULL REFERENCES employers (pib),
    payee_iban      text NOT NULL,
    payee_name      text NOT NULL,
    amount          numeric(14, 2) NOT NULL CHECK (amount > 0),
    funding_account text NOT NULL,
    end_to_end_id   text NOT NULL UNIQUE,
    state           text NOT NULL CHECK (state IN ('prepared', 'sent', 'paid', 'rejected', 'returned')),
    reason          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (leave_number, month) REFERENCES refund_claims (leave_number, month)
);
CREATE UNIQUE INDEX refund_payments_once ON refund_payments (leave_number, month) WHERE state NOT IN ('rejected', 'returned');
CREATE INDEX refund_payments_payroll ON refund_payments (payroll_id, end_to_end_id);

-- +goose Down
DROP TABLE refund_payments;
DROP TABLE refund_decisions;
DROP TABLE refund_claims;
DROP TABLE refund_leaves;
DROP SEQUENCE refund_leave_seq;
DROP TABLE employers;
