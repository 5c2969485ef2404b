-- +goose Up
-- The electricity subsidy's monthly exchange with the power utility, EPCG
-- (issue 21, item 6): the month's list of households sent (its file lives
-- in the object store, named here with its SHA-256), who prepared and who
-- approved it (four eyes), and the discounts the company applied, imported
-- back once (by the answer's SHA-256) for the reconciliation.
CREATE TABLE electricity_exports (
    month          date PRIMARY KEY CHECK (extract(day FROM month) = 1),
    workflow_id    text NOT NULL,
    -- preparing, awaiting_submission, awaiting_approval, approved, sent,
    -- reconciled, unanswered
    state          text NOT NULL,
    list_key       text NOT NULL,
    list_sha256    text NOT NULL,
    households     int NOT NULL,
    counts         jsonb NOT NULL, -- households by category
    prepared_at    timestamptz NOT NULL,
    submitted_by   text NOT NULL DEFAULT '',
    approved_by    text NOT NULL DEFAULT '',
    sent_at        timestamptz,
    answer_key     text NOT NULL DEFAULT '',
    answer_sha256  text NOT NULL DEFAULT '',
    answered_at    timestamptz,
    answered_by    text NOT NULL DEFAULT '' -- the company (the workflow) or the officer who uploaded the file
);

-- One line a household as sent: the holder's person id and JMBG as they
-- were, for the reconciliation after the person's record changes.
CREATE TABLE electricity_lines (
    month        date NOT NULL REFERENCES electricity_exports (month),
    household_id text NOT NULL,
    person_id    uuid NOT NULL REFERENCES persons (id),
    jmbg         text NOT NULL,
    category     text NOT NULL,
    PRIMARY KEY (month, household_id)
);
CREATE INDEX electricity_lines_person ON electricity_lines (person_id);

-- The discounts the company applied, as its answer states them.
CREATE TABLE electricity_discounts (
    month        date NOT NULL REFERENCES electricity_exports (month),
    household_id text NOT NULL,
    jmbg         text NOT NULL,
    category     text NOT NULL,
    kwh          int NOT NULL CHECK (kwh >= 0),
    bill         numeric(14,2) NOT NULL CHECK (bill >= 0),
    discount     numeric(14,2) NOT NULL CHECK (discount >= 0),
    PRIMARY KEY (month, household_id)
);

-- +goose Down
DROP TABLE electricity_discounts;
DROP TABLE electricity_lines;
DROP TABLE electricity_exports;
