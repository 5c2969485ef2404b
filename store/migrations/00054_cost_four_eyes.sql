-- +goose Up
-- Four eyes in the database too (review finding): a cost report is
-- approved only once checked, and by another officer than the one who
-- checked it. 00052's CHECK let an approval through when nobody had
-- checked (approved_by <> NULL is NULL, and a CHECK passes on NULL).
ALTER TABLE service_cost_reports DROP CONSTRAINT service_cost_reports_check;
ALTER TABLE service_cost_reports ADD CONSTRAINT service_cost_reports_four_eyes
    CHECK (approved_by IS NULL OR (checked_by IS NOT NULL AND approved_by <> checked_by));

-- +goose Down
ALTER TABLE service_cost_reports DROP CONSTRAINT service_cost_reports_four_eyes;
ALTER TABLE service_cost_reports ADD CONSTRAINT service_cost_reports_check
    CHECK (approved_by IS NULL OR approved_by <> checked_by);
