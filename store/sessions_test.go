package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/karton-social/karton/store/storetest"
)

func TestRevokedTokens(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	if revoked, err := db.TokenRevoked(ctx, hash("a")); err != nil || revoked {
		t.Fatalf("TokenRevoked(a) before a logout = %v, %v; want false", revoked, err)
	}
	for range 2 { // revoking again is harmless
		if err := db.RevokeToken(ctx, hash("a"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if revoked, err := db.TokenRevoked(ctx, hash("a")); err != nil || !revoked {
		t.Errorf("TokenRevoked(a) after the logout = %v, %v; want true", revoked, err)
	}
	if revoked, err := db.TokenRevoked(ctx, hash("b")); err != nil || revoked {
		t.Errorf("TokenRevoked(b) = %v, %v; want false", revoked, err)
	}
	// Rows of tokens long expired go with the next logout.
	if err := db.RevokeToken(ctx, hash("old"), time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, hash("c"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM revoked_tokens`).Scan(&n); err != nil || n != 2 {
		t.Errorf("revoked_tokens holds %d rows (%v); want 2 (a, c): the expired one pruned", n, err)
	}
}
