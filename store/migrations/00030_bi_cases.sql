-- +goose Up
-- The statistics' case facts (issue 19): a stage of a case, when it is
-- done, with its procedure, centre, the worker who did it, its deadline and
-- whether it was late. Cases of the domestic-violence compartment are never
-- facts. Written with the stage, in RecordCase's transaction.
CREATE TABLE bi_case_stages (
    case_number text NOT NULL,
    seq         int NOT NULL,
    procedure   text NOT NULL,
    stage       text NOT NULL,
    centre      text NOT NULL,
    manager     text NOT NULL,
    started     date NOT NULL,
    due         date NOT NULL,
    done        date NOT NULL,
    days        int NOT NULL,
    overdue     boolean NOT NULL,
    PRIMARY KEY (case_number, seq)
);
CREATE INDEX bi_case_stages_done ON bi_case_stages (done);

-- The payment lines summed per month and settlement across every
-- benefit: persons and rights distinct in the cell, so a month's persons
-- over all benefits (the dashboard's trend) sum exactly without reading
-- the lines. Rebuilt with the month's other cubes.
CREATE TABLE bi_payment_cube_all (
    month          date NOT NULL,
    municipality   text NOT NULL,
    settlement     text NOT NULL,
    centre         text NOT NULL,
    persons        int NOT NULL,
    rights         int NOT NULL,
    payments       int NOT NULL,
    amount         numeric(16, 2) NOT NULL,
    amount_regular numeric(16, 2) NOT NULL,
    amount_one_off numeric(16, 2) NOT NULL,
    amount_in_kind numeric(16, 2) NOT NULL,
    PRIMARY KEY (month, municipality, settlement, centre)
);

-- +goose Down
DROP TABLE bi_payment_cube_all;
DROP TABLE bi_case_stages;
