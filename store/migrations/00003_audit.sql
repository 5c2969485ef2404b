-- +goose Up
-- Every access to a person's data, allowed or denied, hash-chained: each
-- record holds the hash of the one before it.
CREATE TABLE audit_log (
    id            bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    username      text NOT NULL,
    role          text NOT NULL,
    centre_id     text NOT NULL,
    action        text NOT NULL,
    resource      text NOT NULL,
    person_ids    uuid[] NOT NULL,
    target_centre text NOT NULL,
    purpose       text NOT NULL,
    request_id    text NOT NULL,
    status        int NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'failed')),
    prev_hash     text NOT NULL,
    hash          text NOT NULL
);
CREATE INDEX audit_log_persons ON audit_log USING gin (person_ids);
CREATE INDEX audit_log_user ON audit_log (username, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
