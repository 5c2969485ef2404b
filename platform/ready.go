package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/store"
)

// A process starts whatever its dependencies' state: PostgreSQL, Temporal
// and the object store may be down or not yet up (a cluster's pods start
// in any order). It serves /healthz at once, reports on /readyz what it
// waits for and why, and keeps trying. Two faults that waiting does not
// mend stop it instead, with a message that says what to do: a Temporal
// namespace that does not exist, and a database schema older than the
// binary (api and worker do not migrate).

// FatalError is a fault that waiting does not mend: the process stops
// with its message.
type FatalError struct{ msg string }

func (e *FatalError) Error() string { return e.msg }

// SchemaVersion is the version of the newest migration embedded in the
// binary.
func SchemaVersion() (int64, error) {
	entries, err := fs.ReadDir(store.MigrationsFS(), "migrations")
	if err != nil {
		return 0, err
	}
	var v int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: no version number", e.Name())
		}
		v = max(v, n)
	}
	return v, nil
}

// checkSchema compares the database's migration version with the
// binary's: behind is a FatalError naming both and the command to run; a
// database that does not answer is an ordinary error. A schema ahead of
// the binary is fine: the migrations of the next release run before its
// binaries replace this one's.
func (p *Platform) checkSchema(ctx context.Context) error {
	want, err := SchemaVersion()
	if err != nil {
		return err
	}
	var have int64
	err = p.DB.Pool().QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&have)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // no goose_db_version: never migrated
		err = nil
	}
	if err != nil {
		return err
	}
	if have < want {
		return &FatalError{fmt.Sprintf("the database schema is at version %d, this binary needs version %d: run `karton migrate` with the same DATABASE_URL, then start it again", have, want)}
	}
	return nil
}

// checkTemporal asks Temporal about the namespace: a namespace that does
// not exist is a FatalError; a server that does not answer an ordinary
// error.
func (p *Platform) checkTemporal(ctx context.Context) error {
	_, err := p.Temporal.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: p.Cfg.TemporalNamespace})
	var nf *serviceerror.NamespaceNotFound
	if errors.As(err, &nf) {
		return &FatalError{fmt.Sprintf("Temporal at %s has no namespace %q: create it (temporal operator namespace create --namespace %s) or set TEMPORAL_NAMESPACE to one that exists",
			p.Cfg.TemporalAddress, p.Cfg.TemporalNamespace, p.Cfg.TemporalNamespace)}
	}
	return err
}

// AwaitServices returns once the database's schema and Temporal's
// namespace are verified, trying again (every second, then less often, up
// to every 15 s) while either does not answer. It returns a FatalError
// when the schema is behind the binary or the namespace does not exist,
// and ctx's error when ctx ends first. Commands that migrate the schema
// themselves (karton dev) skip the schema.
func (p *Platform) AwaitServices(ctx context.Context, schema bool) error {
	wait, last := time.Second, ""
	for {
		err := p.verifyOnce(ctx, schema)
		var fatal *FatalError
		if err == nil || errors.As(err, &fatal) {
			if err == nil && last != "" {
				p.Log.Info("the dependencies answer")
			}
			return err
		}
		if msg := err.Error(); msg != last {
			p.Log.Warn("waiting for a dependency; trying again", "reason", msg)
			last = msg
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 15*time.Second)
	}
}

func (p *Platform) verifyOnce(ctx context.Context, schema bool) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if schema {
		if err := p.checkSchema(ctx); err != nil {
			var fatal *FatalError
			if errors.As(err, &fatal) {
				return err
			}
			return fmt.Errorf("postgresql: %s", plain(err))
		}
	}
	if err := p.checkTemporal(ctx); err != nil {
		var fatal *FatalError
		if errors.As(err, &fatal) {
			return err
		}
		return fmt.Errorf("temporal: %s", plain(err))
	}
	return nil
}

// Checks are the dependencies /readyz asks about, each time it is asked.
func (p *Platform) Checks() []api.Check {
	return []api.Check{
		{Name: "postgresql", Fn: plainly(p.DB.Ping)},
		{Name: "temporal", Fn: plainly(p.checkTemporal)},
		{Name: "object_store", Fn: plainly(p.Objects.Ping)},
	}
}

// plainly returns check's errors in plain words (a FatalError as it is).
func plainly(check func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		err := check(ctx)
		var fatal *FatalError
		if err == nil || errors.As(err, &fatal) {
			return err
		}
		return errors.New(plain(err))
	}
}

// ServeOps serves the worker's /healthz, /readyz and /metrics on ln
// until ctx ends. running says whether the Temporal worker has started.
func (p *Platform) ServeOps(ctx context.Context, ln net.Listener, running func() bool) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /readyz", readyz(p.Checks(), func() (string, error) {
		if running() {
			return "worker", nil
		}
		return "worker", errors.New("not started: waiting for PostgreSQL and Temporal to answer")
	}))
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.Metrics, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	p.Log.Info("worker's health and metrics listening", "addr", ln.Addr().String())
	return serveUntilDone(ctx, srv, ln, 5*time.Second)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// readyz answers /readyz: 200 when every check passes (and, in the
// worker, its Temporal worker runs), else 503 with each dependency and,
// for those that fail, why in plain words.
func readyz(checks []api.Check, extra func() (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		status, ok := map[string]string{}, true
		for _, ch := range checks {
			if err := ch.Fn(ctx); err != nil {
				status[ch.Name], ok = "unavailable: "+plain(err), false
			} else {
				status[ch.Name] = "ok"
			}
		}
		if extra != nil {
			name, err := extra()
			if err != nil {
				status[name], ok = err.Error(), false
			} else {
				status[name] = "ok"
			}
		}
		code := http.StatusOK
		if !ok {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, map[string]any{"ready": ok, "checks": status})
	}
}

// plain says why a dependency failed in a few words, not a driver's stack
// of wrapped messages.
func plain(err error) string {
	var dnsErr *net.DNSError
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(msg, "connection refused"):
		return "connection refused: nothing listens at its address (is it running?)"
	case errors.As(err, &dnsErr) || strings.Contains(msg, "no such host"):
		return "its host name does not resolve"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "DeadlineExceeded") || strings.Contains(msg, "deadline exceeded"):
		return "no answer in time"
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}
