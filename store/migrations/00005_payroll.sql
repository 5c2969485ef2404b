-- +goose Up
CREATE TABLE payrolls (
    id          text PRIMARY KEY, -- payroll/<yyyy-mm>
    period      date NOT NULL UNIQUE,
    state       text NOT NULL DEFAULT 'preparing',
    prepared_by text,
    approved_by text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One payment per right and month: a partial unique index lets a payment
-- that the bank rejected or returned be paid again (carried over), never twice.
CREATE TABLE payments (
    id              bigserial PRIMARY KEY,
    payroll_id      text NOT NULL REFERENCES payrolls (id),
    entitlement_id  uuid NOT NULL REFERENCES entitlements (id),
    period          date NOT NULL, -- the month the payment is for
    amount          numeric(14, 2) NOT NULL CHECK (amount > 0),
    channel         text NOT NULL CHECK (channel IN ('bank', 'post')),
    payee_iban      text NOT NULL,
    payee_name      text NOT NULL,
    benefit         text NOT NULL,
    municipality    text NOT NULL,
    funding_account text NOT NULL,
    end_to_end_id   text NOT NULL UNIQUE,
    state           text NOT NULL CHECK (state IN ('prepared', 'exception', 'sent', 'paid', 'rejected', 'returned')),
    reason          text NOT NULL DEFAULT '',
    lines           jsonb NOT NULL
);
CREATE UNIQUE INDEX payments_once ON payments (entitlement_id, period) WHERE state NOT IN ('rejected', 'returned');
CREATE INDEX payments_payroll ON payments (payroll_id, channel, funding_account);

CREATE TABLE payment_files (
    payroll_id text NOT NULL REFERENCES payrolls (id),
    name       text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('pain.001', 'post.csv')),
    object_key text NOT NULL,
    sha256     text NOT NULL,
    transfers  int NOT NULL,
    total      numeric(14, 2) NOT NULL,
    PRIMARY KEY (payroll_id, name)
);

-- +goose Down
DROP TABLE payment_files;
DROP TABLE payments;
DROP TABLE payrolls;
