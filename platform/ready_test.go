package platform_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/ports"
	"github.com/karton-social/karton/devstack/temporalserver"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/platform"
	"github.com/karton-social/karton/store"
)

// TestReadinessFollowsDependencies starts the platform, as `karton api`
// and `karton worker` do, with PostgreSQL, Temporal and the object store
// all down: it opens, its /healthz answers 200 and /readyz (the API's and
// the worker's) 503 naming each dependency and why. PostgreSQL comes up
// with an empty database: waiting for the services stops on the schema
// behind the binary, naming both versions and `karton migrate`. Once
// migrated and with Temporal and MinIO up, it becomes ready without a
// restart. A wrong namespace stops it with the namespace's name.
func TestReadinessFollowsDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, Temporal and MinIO")
	}
	ctx := context.Background()
	pgPort, temporalPort, minioPort := freePort(t), freePort(t), freePort(t)
	keys, _, err := codec.EnsureKeyFile(t.TempDir() + "/keys.json")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := platform.Config{
		DatabaseURL:     "postgres://karton@127.0.0.1:" + strconv.Itoa(pgPort) + "/karton?sslmode=disable",
		TemporalAddress: "127.0.0.1:" + strconv.Itoa(temporalPort), TemporalNamespace: "default",
		Objects:     objects.Config{Endpoint: "127.0.0.1:" + strconv.Itoa(minioPort), AccessKey: "karton", SecretKey: "karton-dev-secret", Bucket: "karton"},
		RegistryURL: "http://127.0.0.1:1", RegistryClientID: "ME/GOV/MRSS/karton", RegistryTimeout: time.Second,
		HTTPAddr: "127.0.0.1:0", OIDCIssuer: "http://127.0.0.1:1", OIDCAudience: "karton", PayloadKeys: keys,
	}
	p, err := platform.Open(ctx, cfg, log, false)
	if err != nil {
		t.Fatalf("open with every dependency down: %v", err)
	}
	defer p.Close()

	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	addrc := make(chan string, 1)
	go func() { _ = p.Serve(serveCtx, func(a string) { addrc <- a }) }()
	apiURL := "http://" + <-addrc
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var running atomic.Bool
	go func() { _ = p.ServeOps(serveCtx, ln, running.Load) }()
	workerURL := "http://" + ln.Addr().String()

	for _, u := range []string{apiURL, workerURL} {
		if code, body := get(t, u+"/healthz"); code != 200 {
			t.Fatalf("%s/healthz with every dependency down = %d %s", u, code, body)
		}
		code, checks := readyz(t, u)
		if code != 503 {
			t.Fatalf("%s/readyz with every dependency down = %d %v", u, code, checks)
		}
		for _, dep := range []string{"postgresql", "temporal", "object_store"} {
			if !strings.Contains(checks[dep], "connection refused") {
				t.Errorf("%s/readyz says of %s %q; want the connection refused", u, dep, checks[dep])
			}
		}
		t.Logf("%s/readyz, everything down: %v", u, checks)
	}
	if _, checks := readyz(t, workerURL); !strings.Contains(checks["worker"], "not started") {
		t.Errorf("worker's /readyz says of the worker %q", checks["worker"])
	}

	// PostgreSQL comes up with an empty database: the schema is behind.
	pg := &devstack.Postgres{Dir: t.TempDir() + "/pg", Port: pgPort, Fast: true}
	if err := pg.Start(ctx); err != nil {
		t.Fatalf("postgresql: %v", err)
	}
	defer func() { _ = pg.Stop() }()
	if err := pg.CreateDatabase(ctx, "karton"); err != nil {
		t.Fatal(err)
	}
	want, _ := platform.SchemaVersion()
	awaitCtx, cancelAwait := context.WithTimeout(ctx, 30*time.Second)
	err = p.AwaitServices(awaitCtx, true)
	cancelAwait()
	var fatal *platform.FatalError
	if !errors.As(err, &fatal) || !strings.Contains(err.Error(), "version 0") || !strings.Contains(err.Error(), "version "+strconv.FormatInt(want, 10)) ||
		!strings.Contains(err.Error(), "karton migrate") {
		t.Fatalf("awaiting an empty database = %v; want a fatal error naming versions 0 and %d and karton migrate", err, want)
	}
	t.Logf("schema behind: %v", err)
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, checks := readyz(t, apiURL); code != 503 || checks["postgresql"] != "ok" || checks["temporal"] == "ok" {
		t.Fatalf("/readyz with only PostgreSQL up = %d %v", code, checks)
	}

	// Temporal and MinIO come up: the same process becomes ready.
	ts, err := temporalserver.Start(temporalserver.Options{Host: "127.0.0.1", FrontendPort: temporalPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("temporal: %v", err)
	}
	defer ts.Stop()
	m := &devstack.MinIO{Dir: t.TempDir() + "/minio", Addr: cfg.Objects.Endpoint, AccessKey: "karton", SecretKey: "karton-dev-secret"}
	if err := m.Start(ctx); err != nil {
		t.Fatalf("minio: %v", err)
	}
	defer func() { _ = m.Stop() }()
	if err := p.Objects.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	awaitCtx, cancelAwait = context.WithTimeout(ctx, 60*time.Second)
	defer cancelAwait()
	if err := p.AwaitServices(awaitCtx, true); err != nil {
		t.Fatalf("awaiting the services once up: %v", err)
	}
	running.Store(true)
	for _, u := range []string{apiURL, workerURL} {
		for {
			code, checks := readyz(t, u)
			if code == 200 {
				break
			}
			if time.Since(start) > 60*time.Second {
				t.Fatalf("%s/readyz 60 s after every dependency came up = %d %v", u, code, checks)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Logf("ready %s after the last dependency came up", time.Since(start).Round(time.Millisecond))

	// A namespace that does not exist stops the process.
	cfg.TemporalNamespace = "no-such-namespace"
	q, err := platform.Open(ctx, cfg, log, false)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	awaitCtx2, cancel2 := context.WithTimeout(ctx, 30*time.Second)
	defer cancel2()
	err = q.AwaitServices(awaitCtx2, true)
	if !errors.As(err, &fatal) || !strings.Contains(err.Error(), `"no-such-namespace"`) || !strings.Contains(err.Error(), "TEMPORAL_NAMESPACE") {
		t.Fatalf("awaiting a namespace that does not exist = %v; want a fatal error naming it", err)
	}
	t.Logf("wrong namespace: %v", err)
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := ports.Free("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func readyz(t *testing.T, base string) (int, map[string]string) {
	t.Helper()
	code, body := get(t, base+"/readyz")
	var r struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Ready != (code == 200) {
		t.Fatalf("%s/readyz = %d %s", base, code, body)
	}
	return code, r.Checks
}
