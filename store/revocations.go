package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// revocationsChannel is where RevokeToken announces a logout, at commit.
const revocationsChannel = "karton_revoked"

// revocationSync is how often a watching process reads the revoked tokens
// again (anything a notification missed is in memory by then), and
// revocationStale how old its last reading may be before TokenRevoked
// stops trusting memory and asks the database again.
var (
	revocationSync  = 10 * time.Second
	revocationStale = 30 * time.Second
)

// revocations is a process's copy of revoked_tokens (issue 24: reading
// the table cost every request a round trip). It is trusted only while
// the watch listens and has read the table within revocationStale;
// otherwise TokenRevoked reads the table as before.
type revocations struct {
	mu     sync.RWMutex
	live   bool
	synced time.Time
	tokens map[[sha256.Size]byte]time.Time // the token's expiry
}

// revoked answers from memory; ok is false when memory is not to be
// trusted.
func (r *revocations) revoked(hash []byte, now time.Time) (revoked, ok bool) {
	if len(hash) != sha256.Size {
		return false, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if !r.trusted(now) {
		return false, false
	}
	exp, found := r.tokens[[sha256.Size]byte(hash)]
	return found && exp.After(now.Add(-time.Hour)), true
}

// trusted reports whether memory may answer: the watch listens and read
// the table within revocationStale. The caller holds r.mu.
func (r *revocations) trusted(now time.Time) bool {
	return r.live && now.Sub(r.synced) <= revocationStale
}

// add records a token revoked, by this process or announced.
func (r *revocations) add(hash []byte, expires time.Time) {
	if len(hash) != sha256.Size {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tokens == nil {
		r.tokens = map[[sha256.Size]byte]time.Time{}
	}
	r.tokens[[sha256.Size]byte(hash)] = expires
}

// replace installs a fresh reading of the table and marks memory live.
// What memory holds that the reading does not is kept until it expires:
// a logout here, added while the table was being read, is not lost (a
// revocation is never taken back).
func (r *revocations) replace(tokens map[[sha256.Size]byte]time.Time, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for h, exp := range r.tokens {
		if _, ok := tokens[h]; !ok && exp.After(at.Add(-time.Hour)) {
			tokens[h] = exp
		}
	}
	r.tokens, r.live, r.synced = tokens, true, at
}

// lost marks memory untrusted: the watch's connection failed.
func (r *revocations) lost() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live = false
}

// RevocationsInMemory reports whether TokenRevoked answers from this
// process's copy of the revoked tokens now (else it reads the table).
func (db *DB) RevocationsInMemory() bool {
	mem := db.revoked.Load()
	if mem == nil {
		return false
	}
	mem.mu.RLock()
	defer mem.mu.RUnlock()
	return mem.trusted(time.Now())
}

// WatchRevocations keeps this process's copy of the revoked tokens, so
// that TokenRevoked answers from memory: it listens for the logouts
// RevokeToken announces (from any process on the database) and reads the
// table once on connecting and every revocationSync after. A logout here
// is in memory before RevokeToken returns; one in another process
// arrives with its notification, at that process's commit. While the
// connection is down TokenRevoked reads the table, as without a watch.
// It runs until ctx ends.
func (db *DB) WatchRevocations(ctx context.Context) {
	db.revoked.Store(&revocations{})
	wait := time.Second
	for ctx.Err() == nil {
		err := db.watchRevocations(ctx)
		db.revoked.Load().lost()
		if ctx.Err() != nil {
			return
		}
		slog.Warn("revoked tokens: watch stopped; each request reads the table until it is back", "error", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// watchRevocations listens on a connection of its own until it fails.
func (db *DB) watchRevocations(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+revocationsChannel); err != nil {
		return err
	}
	mem := db.revoked.Load()
	for {
		// Listening first, then reading: a logout committed meanwhile is
		// in the reading or in a notification.
		tokens, err := readRevoked(ctx, conn)
		if err != nil {
			return err
		}
		mem.replace(tokens, time.Now())
		until := time.Now().Add(revocationSync)
		for {
			wctx, cancel := context.WithDeadline(ctx, until)
			n, err := conn.WaitForNotification(wctx)
			cancel()
			if err != nil {
				if ctx.Err() == nil && time.Now().After(until) {
					break // time to read the table again
				}
				return err
			}
			if hash, expires, ok := parseRevocation(n.Payload); ok {
				mem.add(hash, expires)
			}
		}
	}
}

func readRevoked(ctx context.Context, conn *pgx.Conn) (map[[sha256.Size]byte]time.Time, error) {
	rows, err := conn.Query(ctx, `SELECT token_sha256, expires_at FROM revoked_tokens WHERE expires_at > now() - interval '1 hour'`)
	if err != nil {
		return nil, fmt.Errorf("select revoked tokens: %w", err)
	}
	out := map[[sha256.Size]byte]time.Time{}
	var hash []byte
	var expires time.Time
	_, err = pgx.ForEachRow(rows, []any{&hash, &expires}, func() error {
		if len(hash) == sha256.Size {
			out[[sha256.Size]byte(hash)] = expires
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select revoked tokens: %w", err)
	}
	return out, nil
}

// revocationPayload is a notification's text: the token's hash in hex and
// its expiry in Unix seconds (a hash, never the token).
func revocationPayload(hash []byte, expires time.Time) string {
	return hex.EncodeToString(hash) + " " + strconv.FormatInt(expires.Unix(), 10)
}

func parseRevocation(payload string) (hash []byte, expires time.Time, ok bool) {
	h, e, found := strings.Cut(payload, " ")
	hash, err := hex.DecodeString(h)
	secs, err2 := strconv.ParseInt(e, 10, 64)
	if !found || err != nil || err2 != nil || len(hash) != sha256.Size {
		return nil, time.Time{}, false
	}
	return hash, time.Unix(secs, 0), true
}
