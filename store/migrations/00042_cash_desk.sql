-- +goose Up
-- The cash desk of a residential institution (issue 22 item 4): each
-- resident's deposit account (one per placement), its entries append-only,
-- each with a receipt number gapless per institution and year; the
-- withdrawals above the limit waiting for the director; the monthly
-- co-payment charged once per resident and month; the day's closing.
-- Money is numeric(12,2); a balance never goes below zero.
CREATE TABLE cash_accounts (
    placement_id   bigint PRIMARY KEY REFERENCES placements (id),
    institution_id text NOT NULL REFERENCES institutions (id),
    balance        numeric(12, 2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
    owed           numeric(12, 2) NOT NULL DEFAULT 0 CHECK (owed >= 0) -- co-payments not covered
);
CREATE INDEX cash_accounts_institution ON cash_accounts (institution_id);

CREATE TABLE cash_receipt_counters (
    institution_id text NOT NULL REFERENCES institutions (id),
    year           int NOT NULL,
    last           int NOT NULL,
    PRIMARY KEY (institution_id, year)
);

CREATE TABLE cash_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    institution_id text NOT NULL REFERENCES institutions (id),
    placement_id   bigint NOT NULL REFERENCES placements (id),
    kind           text NOT NULL CHECK (kind IN ('pension', 'benefit', 'family', 'pocket_money', 'withdrawal', 'copayment')),
    amount         numeric(12, 2) NOT NULL CHECK (amount > 0),
    balance_after  numeric(12, 2) NOT NULL CHECK (balance_after >= 0),
    purpose        text NOT NULL DEFAULT '',
    day            date NOT NULL, -- the cash desk's day it belongs to (closed days take no more)
    receipt_year   int NOT NULL,
    receipt_seq    int NOT NULL,
    receipt        text NOT NULL, -- R-2026-000123
    recorded_by    text NOT NULL,
    approved_by    text NOT NULL DEFAULT '', -- the director, for a withdrawal above the limit
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (institution_id, receipt_year, receipt_seq)
);
CREATE INDEX cash_entries_account ON cash_entries (placement_id, id);
CREATE INDEX cash_entries_day ON cash_entries (institution_id, day);

-- +goose StatementBegin
CREATE FUNCTION cash_entries_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'cash_entries is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER cash_entries_no_update BEFORE UPDATE OR DELETE ON cash_entries
    FOR EACH ROW EXECUTE FUNCTION cash_entries_append_only();

CREATE TABLE cash_withdrawals (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    institution_id text NOT NULL REFERENCES institutions (id),
    placement_id   bigint NOT NULL REFERENCES placements (id),
    kind           text NOT NULL CHECK (kind IN ('pocket_money', 'withdrawal')),
    amount         numeric(12, 2) NOT NULL CHECK (amount > 0),
    purpose        text NOT NULL DEFAULT '',
    state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    requested_by   text NOT NULL,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    decided_by     text NOT NULL DEFAULT '',
    decided_at     timestamptz,
    reason         text NOT NULL DEFAULT '',
    entry_id       bigint REFERENCES cash_entries (id),
    CHECK (decided_by = '' OR decided_by <> requested_by) -- four eyes
);
CREATE INDEX cash_withdrawals_pending ON cash_withdrawals (institution_id, state);

CREATE TABLE cash_copayments (
    placement_id   bigint NOT NULL REFERENCES placements (id),
    month          date NOT NULL, -- its first day
    institution_id text NOT NULL REFERENCES institutions (id),
    due            numeric(12, 2) NOT NULL CHECK (due >= 0),
    charged        numeric(12, 2) NOT NULL CHECK (charged >= 0),
    owed           numeric(12, 2) NOT NULL CHECK (owed >= 0),
    entry_id       bigint REFERENCES cash_entries (id),
    charged_by     text NOT NULL,
    charged_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (placement_id, month),
    CHECK (charged + owed = due)
);

CREATE TABLE cash_closings (
    institution_id text NOT NULL REFERENCES institutions (id),
    day            date NOT NULL,
    opening        numeric(12, 2) NOT NULL,
    ins            numeric(12, 2) NOT NULL,
    outs           numeric(12, 2) NOT NULL,
    expected       numeric(12, 2) NOT NULL,
    counted        numeric(12, 2) NOT NULL CHECK (counted >= 0),
    difference     numeric(12, 2) NOT NULL,
    explanation    text NOT NULL DEFAULT '',
    entries        int NOT NULL,
    closed_by      text NOT NULL,
    closed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (institution_id, day),
    CHECK (expected = opening + ins - outs AND difference = counted - expected),
    CHECK (difference = 0 OR explanation <> '')
);

-- +goose Down
DROP TABLE cash_closings;
DROP TABLE cash_copayments;
DROP TABLE cash_withdrawals;
DROP TABLE cash_entries;
DROP FUNCTION cash_entries_append_only();
DROP TABLE cash_receipt_counters;
DROP TABLE cash_accounts;
