-- +goose Up
-- The ministry's statistics (issue 19, DOMAIN.md §8.3): a star schema fed
-- in the same transaction as the event it counts (a payroll approved, a
-- bank's answer, a decision issued, a claim filed), never by scanning live
-- tables at query time. Facts hold no names: a person is a key, their sex
-- and age band at the time, their address's municipality and settlement.

-- Conformed dimensions. Time: every day of 2000-2060 with its month,
-- quarter and year.
CREATE TABLE bi_dim_time (
    day     date PRIMARY KEY,
    month   date NOT NULL, -- the first of the month
    quarter text NOT NULL, -- 2026-Q4
    year    int NOT NULL
);
INSERT INTO bi_dim_time (day, month, quarter, year)
SELECT d::date, date_trunc('month', d)::date, to_char(d, 'YYYY') || '-Q' || to_char(d, 'Q'), extract(year FROM d)::int
FROM generate_series('2000-01-01'::date, '2060-12-31'::date, interval '1 day') d;

-- Benefit: group -> benefit -> legal title; organisation: ministry ->
-- centre; geography: Montenegro -> municipality -> settlement. Kept from
-- the catalogue and the territory at start (store.SyncDimensions), the
-- settlements as facts name them.
CREATE TABLE bi_dim_benefit (
    code      text PRIMARY KEY,
    grp       text NOT NULL,
    name_cnr  text NOT NULL,
    name_en   text NOT NULL,
    legal_ref text NOT NULL
);
CREATE TABLE bi_dim_centre (
    id   text PRIMARY KEY,
    name text NOT NULL
);
CREATE TABLE bi_dim_geography (
    municipality      text NOT NULL,
    settlement        text NOT NULL, -- '' for the municipality itself
    municipality_name text NOT NULL DEFAULT '',
    PRIMARY KEY (municipality, settlement)
);

-- A payment line: one per payment of an approved payroll, and one
-- reversal (the amount negated) per payment the bank rejected or
-- returned. month is the payroll's month; period the month paid for.
CREATE TABLE bi_payment_lines (
    payment_id     bigint NOT NULL,
    reversal       boolean NOT NULL DEFAULT false,
    month          date NOT NULL,
    period         date NOT NULL,
    benefit        text NOT NULL,
    benefit_group  text NOT NULL,
    payment_type   text NOT NULL CHECK (payment_type IN ('regular', 'one_off', 'in_kind')),
    -- the payment's own kind: regular, difference (for a month paid
    -- before at another amount), one_off
    payment_kind   text NOT NULL DEFAULT 'regular',
    municipality   text NOT NULL,
    settlement     text NOT NULL,
    household_id   uuid,
    centre         text NOT NULL,
    person_id      uuid NOT NULL,
    entitlement_id uuid NOT NULL,
    sex            text NOT NULL,
    age_band       text NOT NULL,
    amount         numeric(14, 2) NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (payment_id, reversal)
);
-- Lines come month after month: a BRIN index finds a month's for a
-- fraction of a B-tree's upkeep at every payroll.
CREATE INDEX bi_payment_lines_month ON bi_payment_lines USING brin (month);

-- The payment lines summed per month, benefit, settlement, centre, sex
-- and age band (the cube a pivot reads): rebuilt for a month from its lines
-- whenever they change. persons and rights are distinct within the cell.
CREATE TABLE bi_payment_cube (
    month          date NOT NULL,
    benefit        text NOT NULL,
    benefit_group  text NOT NULL,
    municipality   text NOT NULL,
    settlement     text NOT NULL,
    centre         text NOT NULL,
    sex            text NOT NULL,
    age_band       text NOT NULL,
    persons        int NOT NULL,
    rights         int NOT NULL,
    payments       int NOT NULL,
    amount         numeric(16, 2) NOT NULL,
    amount_regular numeric(16, 2) NOT NULL,
    amount_one_off numeric(16, 2) NOT NULL,
    amount_in_kind numeric(16, 2) NOT NULL,
    PRIMARY KEY (month, benefit, municipality, settlement, centre, sex, age_band)
);

-- The same cube without sex and age band (a person has one of each in a
-- month, so its persons are the sums of the cube's): the cube most pivots
-- read, a fraction of its size.
CREATE TABLE bi_payment_cube_place (
    month          date NOT NULL,
    benefit        text NOT NULL,
    benefit_group  text NOT NULL,
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
    PRIMARY KEY (month, benefit, municipality, settlement, centre)
);

-- A decision on a benefit: its kind, the days from the claim's filing to
-- it (claims' grants and rejections), the person it is about.
CREATE TABLE bi_decisions (
    decision_id    uuid PRIMARY KEY,
    day            date NOT NULL,
    benefit        text NOT NULL,
    benefit_group  text NOT NULL,
    kind           text NOT NULL,
    legal_ref      text NOT NULL,
    municipality   text NOT NULL,
    settlement     text NOT NULL,
    centre         text NOT NULL,
    person_id      uuid NOT NULL,
    sex            text NOT NULL,
    age_band       text NOT NULL,
    days_to_decide int
);
CREATE INDEX bi_decisions_day ON bi_decisions (day);

-- A claim filed: at the counter or online.
CREATE TABLE bi_claims (
    claim_number  text PRIMARY KEY,
    day           date NOT NULL,
    benefit       text NOT NULL,
    benefit_group text NOT NULL,
    channel       text NOT NULL,
    municipality  text NOT NULL,
    settlement    text NOT NULL,
    centre        text NOT NULL,
    person_id     uuid NOT NULL,
    sex           text NOT NULL,
    age_band      text NOT NULL
);
CREATE INDEX bi_claims_day ON bi_claims (day);

-- The age band of a person born on birth at a date, as domain/bi.AgeBand.
-- +goose StatementBegin
CREATE FUNCTION bi_age_band(birth date, at date) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN birth > at - interval '6 years' THEN '0-5' WHEN birth > at - interval '15 years' THEN '6-14'
        WHEN birth > at - interval '18 years' THEN '15-17' WHEN birth > at - interval '25 years' THEN '18-24'
        WHEN birth > at - interval '40 years' THEN '25-39' WHEN birth > at - interval '65 years' THEN '40-64' ELSE '65+' END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION bi_age_band(date, date);
DROP TABLE bi_claims;
DROP TABLE bi_decisions;
DROP TABLE bi_payment_cube_place;
DROP TABLE bi_payment_cube;
DROP TABLE bi_payment_lines;
DROP TABLE bi_dim_geography;
DROP TABLE bi_dim_centre;
DROP TABLE bi_dim_benefit;
DROP TABLE bi_dim_time;
