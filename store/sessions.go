package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RevokeToken records that the access token whose SHA-256 is hash was
// logged out: TokenRevoked reports it until expires, when the token is
// refused for its age anyway. Revoking it again is harmless. Rows past
// their expiry are removed on the way.
//
// The logout is announced at commit to every process watching the revoked
// tokens (WatchRevocations), and is in this process's memory before
// RevokeToken returns.
func (db *DB) RevokeToken(ctx context.Context, hash []byte, expires time.Time) error {
	const q = `
		WITH gone AS (DELETE FROM revoked_tokens WHERE expires_at < now() - interval '1 hour'),
		added AS (INSERT INTO revoked_tokens (token_sha256, expires_at) VALUES (@hash, @expires)
			ON CONFLICT (token_sha256) DO NOTHING)
		SELECT pg_notify('` + revocationsChannel + `', @payload)`
	args := pgx.NamedArgs{"hash": hash, "expires": expires, "payload": revocationPayload(hash, expires)}
	if _, err := db.pool.Exec(ctx, q, args); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if mem := db.revoked.Load(); mem != nil {
		mem.add(hash, expires)
	}
	return nil
}

// TokenRevoked reports whether the access token whose SHA-256 is hash was
// logged out: from memory while WatchRevocations keeps it, else from the
// table.
func (db *DB) TokenRevoked(ctx context.Context, hash []byte) (bool, error) {
	if mem := db.revoked.Load(); mem != nil {
		if revoked, ok := mem.revoked(hash, time.Now()); ok {
			return revoked, nil
		}
	}
	const q = `SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE token_sha256 = @hash AND expires_at > now() - interval '1 hour')`
	var revoked bool
	if err := db.pool.QueryRow(ctx, q, pgx.NamedArgs{"hash": hash}).Scan(&revoked); err != nil {
		return false, fmt.Errorf("select revoked token: %w", err)
	}
	return revoked, nil
}
