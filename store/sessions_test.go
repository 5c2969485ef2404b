package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/store"
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

func TestRevocationsAreWatchedInMemory(t *testing.T) {
	ctx := context.Background()
	db, url := storetest.NewDBURL(t)
	other, err := store.Open(ctx, url) // another process on the same database
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	if err := other.RevokeToken(ctx, hash("before"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); db.WatchRevocations(wctx) }()
	defer func() { stop(); <-watched }()
	eventually := func(what string, cond func() bool) {
		t.Helper()
		// Well under the watch's periodic reading (10 s): what arrives in
		// time came by its notification.
		for deadline := time.Now().Add(3 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not in memory after 3 s", what)
			}
		}
	}
	eventually("a logout before the watch began", func() bool { r, ok := db.RevokedInMemory(hash("before")); return ok && r })
	if r, ok := db.RevokedInMemory(hash("never")); !ok || r {
		t.Errorf("a token never revoked: in memory %v, %v; want not revoked", r, ok)
	}
	if err := other.RevokeToken(ctx, hash("elsewhere"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	eventually("a logout in another process", func() bool { r, ok := db.RevokedInMemory(hash("elsewhere")); return ok && r })
	if err := db.RevokeToken(ctx, hash("here"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r, ok := db.RevokedInMemory(hash("here")); !ok || !r {
		t.Errorf("a logout in this process: in memory %v, %v; want revoked at once", r, ok)
	}
	// While watched, TokenRevoked answers from memory: a row gone from the
	// table is still revoked here until the next reading.
	if _, err := db.Pool().Exec(ctx, `DELETE FROM revoked_tokens WHERE token_sha256 = $1`, hash("elsewhere")); err != nil {
		t.Fatal(err)
	}
	if revoked, err := db.TokenRevoked(ctx, hash("elsewhere")); err != nil || !revoked {
		t.Errorf("TokenRevoked while watched = %v, %v; want true from memory", revoked, err)
	}
	// Once the watch stops, memory is not trusted: the table answers.
	stop()
	<-watched
	if _, ok := db.RevokedInMemory(hash("here")); ok {
		t.Error("memory still trusted after the watch stopped")
	}
	if revoked, err := db.TokenRevoked(ctx, hash("elsewhere")); err != nil || revoked {
		t.Errorf("TokenRevoked after the watch = %v, %v; want false, read from the table", revoked, err)
	}
	if revoked, err := db.TokenRevoked(ctx, hash("here")); err != nil || !revoked {
		t.Errorf("TokenRevoked(here) after the watch = %v, %v; want true from the table", revoked, err)
	}
}

func TestALogoutHereIsInMemoryBeforeItReturns(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	db.KeepRevocationsUnwatched() // no notification can bring it
	h := sha256.Sum256([]byte("here"))
	if err := db.RevokeToken(ctx, h[:], time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r, ok := db.RevokedInMemory(h[:]); !ok || !r {
		t.Errorf("in memory after RevokeToken: %v, %v; want revoked", r, ok)
	}
}

// The watch reads the table again and again on the same connection, and a
// logout elsewhere still arrives by its notification after that.
func TestRevocationsWatchKeepsListeningAcrossReadings(t *testing.T) {
	defer store.ReadRevocationsEvery(50 * time.Millisecond)()
	ctx := context.Background()
	db, url := storetest.NewDBURL(t)
	other, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	wctx, stop := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); db.WatchRevocations(wctx) }()
	defer func() { stop(); <-watched }()
	listener := func() (pids []int32) { // the backends that read the table: the watch's
		rows, _ := db.Pool().Query(ctx, `SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT token_sha256, expires_at FROM revoked_tokens%'`)
		pids, _ = pgx.CollectRows(rows, pgx.RowTo[int32])
		return pids
	}
	for deadline := time.Now().Add(3 * time.Second); !db.RevocationsInMemory(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not in memory after 3 s")
		}
	}
	first := listener()
	time.Sleep(500 * time.Millisecond) // about ten readings
	if now := listener(); !db.RevocationsInMemory() || len(first) != 1 || len(now) != 1 || now[0] != first[0] {
		t.Fatalf("after ten readings: in memory %v, watching backends %v then %v; want true and one, the same", db.RevocationsInMemory(), first, now)
	}
	h := sha256.Sum256([]byte("later"))
	if err := other.RevokeToken(ctx, h[:], time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if r, ok := db.RevokedInMemory(h[:]); ok && r {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a logout elsewhere after ten readings: not in memory after 3 s")
		}
	}
}
