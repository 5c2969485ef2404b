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

-- +goose Down
DROP TABLE bi_case_stages;
