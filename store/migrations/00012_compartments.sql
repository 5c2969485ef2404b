-- +goose Up
-- Restricted accesses (GDPR Art. 23; DOMAIN.md §5.6): an access made under a
-- restricted purpose (domestic violence) stays in the chain for auditors but
-- never shows in a citizen's access log or a staff e-file.
ALTER TABLE audit_log ADD COLUMN restricted boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE audit_log DROP COLUMN restricted;
