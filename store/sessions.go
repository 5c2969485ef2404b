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
func (db *DB) RevokeToken(ctx context.Context, hash []byte, expires time.Time) error {
	const q = `
		WITH gone AS (DELETE FROM revoked_tokens WHERE expires_at < now() - interval '1 hour')
		INSERT INTO revoked_tokens (token_sha256, expires_at) VALUES (@hash, @expires)
		ON CONFLICT (token_sha256) DO NOTHING`
	if _, err := db.pool.Exec(ctx, q, pgx.NamedArgs{"hash": hash, "expires": expires}); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// TokenRevoked reports whether the access token whose SHA-256 is hash was
// logged out.
func (db *DB) TokenRevoked(ctx context.Context, hash []byte) (bool, error) {
	const q = `SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE token_sha256 = @hash AND expires_at > now() - interval '1 hour')`
	var revoked bool
	if err := db.pool.QueryRow(ctx, q, pgx.NamedArgs{"hash": hash}).Scan(&revoked); err != nil {
		return false, fmt.Errorf("select revoked token: %w", err)
	}
	return revoked, nil
}
