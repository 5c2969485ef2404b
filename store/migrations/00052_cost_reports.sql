-- +goose Up
-- Monthly cost reports of the services providers deliver (issue 23 item
-- 5): a provider's claim for one contract and one month, line by
-- referral, checked by Karton against the service-use records, the
-- contract and the persons (the flags of each line), checked by one
-- finance officer and approved by another (four eyes), and paid once in
-- a payroll under the cost reports' own funding account.
CREATE TABLE service_cost_reports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contract_id   bigint NOT NULL REFERENCES service_contracts (id),
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    version       int NOT NULL DEFAULT 1 CHECK (version > 0),
    supersedes    bigint UNIQUE REFERENCES service_cost_reports (id), -- the version this one corrects
    state         text NOT NULL
        CHECK (state IN ('submitted', 'flagged', 'checked', 'approved', 'rejected', 'paid', 'superseded')),
    total         numeric(14, 2) NOT NULL CHECK (total >= 0),
    submitted_by  text NOT NULL,
    submitted_at  timestamptz NOT NULL,
    checked_by    text,
    checked_at    timestamptz,
    approved_by   text,
    approved_at   timestamptz,
    rejected_by   text,
    rejected_at   timestamptz,
    reject_reason text,
    paid_at       timestamptz,
    CHECK (approved_by IS NULL OR approved_by <> checked_by) -- four eyes
);
CREATE INDEX service_cost_reports_contract ON service_cost_reports (contract_id, month);
CREATE INDEX service_cost_reports_state ON service_cost_reports (state, month);
-- One live version of a contract's month; one approved (or paid).
CREATE UNIQUE INDEX service_cost_reports_live ON service_cost_reports (contract_id, month)
    WHERE state NOT IN ('superseded', 'rejected');
CREATE UNIQUE INDEX service_cost_reports_approved ON service_cost_reports (contract_id, month)
    WHERE state IN ('approved', 'paid');

-- A report's lines: one per referral, as claimed, with what the records
-- gave and Karton's flags ([{code, cnr, en}]).
CREATE TABLE service_cost_lines (
    report_id      bigint NOT NULL REFERENCES service_cost_reports (id),
    line           int NOT NULL CHECK (line > 0),
    referral_id    bigint NOT NULL REFERENCES service_referrals (id),
    units          numeric(8, 2) NOT NULL CHECK (units > 0),
    rate           numeric(10, 2) NOT NULL,
    amount         numeric(14, 2) NOT NULL,
    units_recorded numeric(8, 2) NOT NULL,
    flags          jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (report_id, line),
    UNIQUE (report_id, referral_id)
);

-- An approved report paid by a payroll: to the contract's payee_iban,
-- from the cost reports' funding account, once (a payment the bank
-- rejected or returned is paid again by the next payroll).
CREATE TABLE service_cost_payments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payroll_id      text NOT NULL,
    report_id       bigint NOT NULL REFERENCES service_cost_reports (id),
    contract_id     bigint NOT NULL REFERENCES service_contracts (id),
    month           date NOT NULL,
    provider_pib    text NOT NULL,
    payee_iban      text NOT NULL,
    payee_name      text NOT NULL,
    amount          numeric(14, 2) NOT NULL CHECK (amount > 0),
    funding_account text NOT NULL,
    end_to_end_id   text NOT NULL UNIQUE,
    state           text NOT NULL DEFAULT 'prepared' CHECK (state IN ('prepared', 'sent', 'paid', 'rejected', 'returned')),
    reason          text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX service_cost_payments_once ON service_cost_payments (report_id) WHERE state NOT IN ('rejected', 'returned');
CREATE INDEX service_cost_payments_payroll ON service_cost_payments (payroll_id, end_to_end_id);

-- +goose Down
DROP TABLE service_cost_payments;
DROP TABLE service_cost_lines;
DROP TABLE service_cost_reports;
