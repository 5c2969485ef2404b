package api

import (
	"context"
	"crypto/rsa"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack/issuer"
	"github.com/karton-social/karton/domain"
)

// jwks serves iss's keys at /jwks, counting the fetches; while hold is
// set each fetch waits for release.
type jwks struct {
	iss     *issuer.Issuer
	hits    atomic.Int32
	mu      sync.Mutex
	hold    chan struct{}
	failing atomic.Bool
}

func (j *jwks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j.hits.Add(1)
	j.mu.Lock()
	hold := j.hold
	j.mu.Unlock()
	if hold != nil {
		<-hold
	}
	if j.failing.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	j.iss.ServeHTTP(w, r)
}

func (j *jwks) block() chan struct{} {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.hold = make(chan struct{})
	return j.hold
}

func (j *jwks) unblock(release chan struct{}) {
	j.mu.Lock()
	j.hold = nil
	j.mu.Unlock()
	close(release)
}

func newJWKS(t *testing.T) (*jwks, *httptest.Server, string) {
	t.Helper()
	j := &jwks{}
	srv := httptest.NewServer(j)
	t.Cleanup(srv.Close)
	var err error
	if j.iss, err = issuer.New(srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	u, _ := domain.DemoUser("ana.caseworker")
	tok, err := j.iss.Token(u)
	if err != nil {
		t.Fatal(err)
	}
	return j, srv, tok
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// One fetch at a time, outside the lock: requests for the same unknown key
// wait for the one fetch; a token of a known key is verified while a fetch
// for another key hangs.
func TestKeyFetchIsSharedAndOutsideTheLock(t *testing.T) {
	j, srv, tok := newJWKS(t)
	clock := time.Now()
	var clockMu sync.Mutex
	v := &Verifier{Issuer: srv.URL, Audience: issuer.Audience, JWKSURL: srv.URL + "/jwks", Skew: time.Minute,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		now: func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }}

	release := j.block()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok)
			errs <- err
		})
	}
	waitFor(t, "the first fetch", func() bool { return j.hits.Load() == 1 })
	time.Sleep(50 * time.Millisecond)
	j.unblock(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Verify while the keys were fetched: %v", err)
		}
	}
	if n := j.hits.Load(); n != 1 {
		t.Errorf("10 requests for one unknown key fetched the keys %d times; want 1", n)
	}

	// A token of a key the issuer does not publish makes a fetch (the last
	// is older than 10 s), which hangs; the known key is not held up.
	other, err := issuer.New(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := domain.DemoUser("ivan.caseworker")
	rotated, err := other.Token(u)
	if err != nil {
		t.Fatal(err)
	}
	clockMu.Lock()
	clock = clock.Add(11 * time.Second)
	clockMu.Unlock()
	release = j.block()
	unknown := make(chan error, 1)
	go func() {
		_, err := v.Verify(context.Background(), rotated)
		unknown <- err
	}()
	waitFor(t, "the fetch for the unknown key", func() bool { return j.hits.Load() == 2 })
	known := make(chan error, 1)
	go func() {
		_, err := v.Verify(context.Background(), tok)
		known <- err
	}()
	select {
	case err := <-known:
		if err != nil {
			t.Errorf("Verify of a known key during a fetch: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("Verify of a known key waited for the fetch of another")
	}
	j.unblock(release)
	if err := <-unknown; err == nil {
		t.Error("a token of a key the issuer does not publish was accepted")
	}
}

// While the issuer is down, fetches back off (1 s, 2 s, 4 s ... at most a
// minute) instead of one per request, and each failure is logged once.
func TestKeyFetchBacksOffWhileTheIssuerIsDown(t *testing.T) {
	j, srv, tok := newJWKS(t)
	j.failing.Store(true)
	clock := time.Now()
	var logged atomic.Int32
	v := &Verifier{Issuer: srv.URL, Audience: issuer.Audience, JWKSURL: srv.URL + "/jwks", Skew: time.Minute,
		Log: slog.New(countHandler{&logged}), now: func() time.Time { return clock }}
	verify := func() error { _, err := v.Verify(context.Background(), tok); return err }
	for range 20 {
		if err := verify(); !errors.Is(err, ErrKeysUnavailable) {
			t.Fatalf("Verify with the issuer down = %v; want ErrKeysUnavailable", err)
		}
	}
	if n := j.hits.Load(); n != 1 {
		t.Fatalf("20 requests with the issuer down fetched %d times; want 1, then a pause", n)
	}
	wantHits := int32(1)
	for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute} {
		clock = clock.Add(wait - time.Millisecond)
		_ = verify()
		if n := j.hits.Load(); n != wantHits {
			t.Fatalf("a fetch %s after %d failures, before the backoff of %s: fetches = %d; want %d", wait-time.Millisecond, wantHits, wait, n, wantHits)
		}
		clock = clock.Add(time.Millisecond)
		_ = verify()
		wantHits++
		if n := j.hits.Load(); n != wantHits {
			t.Fatalf("after a backoff of %s: fetches = %d; want %d", wait, n, wantHits)
		}
	}
	if n := logged.Load(); n != wantHits {
		t.Errorf("%d failed fetches logged %d lines; want one each", wantHits, n)
	}
	j.failing.Store(false)
	clock = clock.Add(time.Minute)
	if err := verify(); err != nil {
		t.Errorf("Verify once the issuer is back: %v", err)
	}
}

type countHandler struct{ n *atomic.Int32 }

func (h countHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (h countHandler) Handle(context.Context, slog.Record) error { h.n.Add(1); return nil }
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler        { return h }
func (h countHandler) WithGroup(string) slog.Handler             { return h }

// A token checked once is not checked again on its next request, but only
// while it has not expired and the key that signed it is still the
// issuer's.
func TestCheckedTokensAreRememberedWhileValid(t *testing.T) {
	_, srv, tok := newJWKS(t)
	now := time.Now()
	v := &Verifier{Issuer: srv.URL, Audience: issuer.Audience, JWKSURL: srv.URL + "/jwks", Skew: time.Minute,
		now: func() time.Time { return now }}
	ctx := context.Background()
	u, err := v.Verify(ctx, tok)
	if err != nil || u.Username != "ana.caseworker" {
		t.Fatalf("Verify = %+v, %v", u, err)
	}
	if len(v.checked) != 1 {
		t.Fatalf("%d tokens remembered after one; want 1", len(v.checked))
	}
	for h, c := range v.checked { // mark the memory: a second Verify that reads it says so
		c.user.Name = "from memory"
		v.checked[h] = c
	}
	if u, err := v.Verify(ctx, tok); err != nil || u.Name != "from memory" {
		t.Fatalf("second Verify = %+v, %v; want the remembered token", u, err)
	}
	if _, err := v.Verify(ctx, tok[:len(tok)-2]+"AA"); err == nil {
		t.Fatal("a token with another signature was accepted")
	}

	var exp time.Time
	for _, c := range v.checked {
		exp = c.exp
	}
	now = exp.Add(v.Skew)
	if _, err := v.Verify(ctx, tok); err == nil {
		t.Fatal("a remembered token was accepted past its expiry and the skew")
	}

	now = time.Now()
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	v.mu.Lock()
	v.keys, v.fetched = map[string]*rsa.PublicKey{}, now // the issuer withdrew the key
	v.mu.Unlock()
	if _, err := v.Verify(ctx, tok); err == nil {
		t.Fatal("a remembered token was accepted after the issuer withdrew its key")
	}
}
