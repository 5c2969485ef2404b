-- +goose Up
-- The placements fact of the statistics (issue 22 item 6, issue 19's
-- pivot): a placement's month, as the institutions' statistics count its
-- cost (store.PlacementCosts, SumCosts): the days it ran in the month and
-- its monthly cost and co-payment pro rata of them, each rounded to the
-- cent. A row also when the placement was admitted or ended in the month
-- without a day of it (ended on the 1st): its discharge is counted there.
-- Written in the transactions of the Placement workflow's decision,
-- admission and end, and each day for the previous and the current month
-- (the Schedule placement-facts-daily). No names: the person's sex and
-- age band only.
CREATE TABLE bi_placement_months (
    placement_id bigint NOT NULL, -- no foreign key, as the other facts: a refresh need not lock the placement a step holds
    month        date NOT NULL CHECK (extract(day FROM month) = 1), -- the first day
    institution  text NOT NULL DEFAULT '', -- '' for a placement in no institution (a family placement, one outside Montenegro)
    budget_line  text NOT NULL,
    centre       text NOT NULL, -- the placing centre
    person_id    uuid NOT NULL,
    sex          text NOT NULL,
    age_band     text NOT NULL,
    admitted     bool NOT NULL, -- admitted in the month
    ended        bool NOT NULL, -- discharged or transferred out in the month
    days         int NOT NULL CHECK (days >= 0),
    amount       numeric(12, 2) NOT NULL,
    copayment    numeric(12, 2) NOT NULL,
    PRIMARY KEY (placement_id, month)
);
CREATE INDEX bi_placement_months_month ON bi_placement_months (month);

-- +goose Down
DROP TABLE bi_placement_months;
