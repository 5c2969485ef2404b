-- +goose Up
-- An institution's beds going out of service and back (issue 22 item 1):
-- each change with its day and who made it, so that occupancy by day and
-- the month's bed-days available count the beds in service on each day,
-- not as they are now.
CREATE TABLE institution_bed_service (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bed_id         bigint NOT NULL REFERENCES institution_beds (id),
    out_of_service boolean NOT NULL,
    changed_on     date NOT NULL,
    changed_by     text NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX institution_bed_service_bed ON institution_bed_service (bed_id, changed_on);

-- +goose Down
DROP TABLE institution_bed_service;
