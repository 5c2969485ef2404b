-- +goose Up
-- Logged-out access tokens. A token stays valid at the issuer until it
-- expires; a logout records its SHA-256 here so that Karton refuses it
-- from then on. A row is kept until the token would have expired anyway.
CREATE TABLE revoked_tokens (
    token_sha256 bytea PRIMARY KEY CHECK (length(token_sha256) = 32),
    revoked_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);

-- +goose Down
DROP TABLE revoked_tokens;
