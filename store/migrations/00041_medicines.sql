-- +goose Up
-- The medicines of a residential institution (issue 22, the resident's
-- care): the pharmacy's catalogue, the batches it receives, what it writes
-- off; the medical staff's prescriptions for a resident and each dose
-- given, from which batch and by whom. A batch's stock is what it received
-- less what was dispensed and written off, kept on the row (updated under
-- the batch's row lock in the transaction that records the dose or the
-- write-off) and never below zero (the CHECK below).
CREATE TABLE medicines (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    institution_id text NOT NULL REFERENCES institutions (id),
    name           text NOT NULL,
    form           text NOT NULL CHECK (form IN ('tablet', 'capsule', 'syrup', 'drops', 'injection', 'ointment', 'inhaler', 'patch', 'suppository', 'powder')),
    strength       text NOT NULL,
    unit           text NOT NULL CHECK (unit IN ('piece', 'ml', 'g', 'ampoule', 'drop', 'dose')),
    low_stock      numeric(12, 2) NOT NULL DEFAULT 0 CHECK (low_stock >= 0), -- a warning below it
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (institution_id, name, form, strength)
);

CREATE TABLE medicine_batches (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    medicine_id   bigint NOT NULL REFERENCES medicines (id),
    number        text NOT NULL,
    expires_on    date NOT NULL,
    received      numeric(12, 2) NOT NULL CHECK (received > 0),
    dispensed     numeric(12, 2) NOT NULL DEFAULT 0 CHECK (dispensed >= 0),
    written_off   numeric(12, 2) NOT NULL DEFAULT 0 CHECK (written_off >= 0),
    supplier_note text NOT NULL DEFAULT '',
    received_on   date NOT NULL,
    received_by   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (medicine_id, number),
    CONSTRAINT medicine_batches_never_negative CHECK (dispensed + written_off <= received)
);
CREATE INDEX medicine_batches_expiry ON medicine_batches (medicine_id, expires_on);

-- Stock taken out of a batch other than by a dose: expired, damaged, lost.
CREATE TABLE medicine_write_offs (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id   bigint NOT NULL REFERENCES medicine_batches (id),
    quantity   numeric(12, 2) NOT NULL CHECK (quantity > 0),
    reason     text NOT NULL CHECK (reason IN ('expired', 'damaged', 'lost', 'returned')),
    note       text NOT NULL DEFAULT '',
    written_by text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX medicine_write_offs_batch ON medicine_write_offs (batch_id);

-- A resident's prescription: a medicine of the institution's catalogue, a
-- dose at each of its times of day ("08:00"), from a day until a day (or
-- until stopped), written by a doctor of the medical staff.
CREATE TABLE prescriptions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id  bigint NOT NULL REFERENCES placements (id),
    medicine_id   bigint NOT NULL REFERENCES medicines (id),
    dose          numeric(10, 2) NOT NULL CHECK (dose > 0),
    times         text[] NOT NULL CHECK (cardinality(times) BETWEEN 1 AND 12),
    from_on       date NOT NULL,
    until_on      date CHECK (until_on IS NULL OR until_on >= from_on),
    prescribed_by text NOT NULL,
    stopped_on    date,
    stopped_by    text NOT NULL DEFAULT '',
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prescriptions_placement ON prescriptions (placement_id);

-- Each dose given: which prescription, for which of its times on which
-- day (none for a dose outside its times), from which batch, how much, by
-- whom, when. A time of a day is given once.
CREATE TABLE doses (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prescription_id bigint NOT NULL REFERENCES prescriptions (id),
    batch_id        bigint NOT NULL REFERENCES medicine_batches (id),
    quantity        numeric(10, 2) NOT NULL CHECK (quantity > 0),
    due_on          date NOT NULL,
    due_time        text NOT NULL DEFAULT '',
    given_at        timestamptz NOT NULL,
    given_by        text NOT NULL
);
CREATE UNIQUE INDEX doses_once ON doses (prescription_id, due_on, due_time) WHERE due_time <> '';
CREATE INDEX doses_batch ON doses (batch_id);

-- +goose Down
DROP TABLE doses;
DROP TABLE prescriptions;
DROP TABLE medicine_write_offs;
DROP TABLE medicine_batches;
DROP TABLE medicines;
