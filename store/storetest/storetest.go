// Package storetest gives each test a fresh, migrated PostgreSQL database
// cloned from a template. The server is DATABASE_URL's when set (make test
// starts one for the whole run), else a private cluster that Main starts
// for the test binary, and its fuzz workers, and removes afterwards.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/store"
)

// sharedURL passes the private server's URL to the processes a test binary
// starts, such as its fuzz workers.
const sharedURL = "KARTON_STORETEST_URL"

var (
	serverURL string // a URL on the server; its database part is replaced
	template  string
	counter   atomic.Int64
)

// Main runs the tests of a package that uses NewDB. Call it from TestMain
// with the *testing.M, or with a wrapper that checks more after m.Run.
func Main(m interface{ Run() int }) {
	os.Exit(run(m))
}

func run(m interface{ Run() int }) int {
	ctx := context.Background()
	serverURL = os.Getenv("DATABASE_URL")
	if serverURL == "" {
		// A fuzz worker is a process the fuzzing test binary starts: it
		// uses that binary's server. One of its own would inherit the
		// worker's pipes to the fuzzing binary and, when the worker is
		// killed at the end, outlive it and keep the fuzzing binary
		// waiting for ever.
		serverURL = os.Getenv(sharedURL)
	}
	if serverURL == "" {
		dir, err := os.MkdirTemp("", "karton-pgtest-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "storetest:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		pg := &devstack.Postgres{Dir: dir, Fast: true}
		if err := pg.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "storetest: start postgres:", err)
			return 1
		}
		defer pg.Stop()
		serverURL = pg.URL("postgres")
		if err := os.Setenv(sharedURL, serverURL); err != nil {
			fmt.Fprintln(os.Stderr, "storetest:", err)
			return 1
		}
	}
	var err error
	if template, err = ensureTemplate(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		return 1
	}
	return m.Run()
}

// URL returns the connection string of database name on the test server.
func URL(name string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// ensureTemplate creates the migrated template database once per content
// of the migrations, under an advisory lock so that parallel test binaries
// do not race.
func ensureTemplate(ctx context.Context) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(store.MigrationsFS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(store.MigrationsFS(), path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", err
	}
	name := "karton_tpl_" + hex.EncodeToString(h.Sum(nil))[:12]
	admin, err := pgx.Connect(ctx, URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("connect to test server: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
		return "", err
	}
	defer func() {
		// Closing the connection releases the lock too, should this fail.
		_, _ = admin.Exec(ctx, "SELECT pg_advisory_unlock(4242)")
	}()
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+building)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	db, err := store.Open(ctx, URL(building))
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return name, nil
}

// NewDB returns a fresh migrated database for t, dropped when t ends.
func NewDB(t testing.TB) *store.DB {
	t.Helper()
	db, _ := NewDBURL(t)
	return db
}

// NewDBURL is NewDB that also returns the database's URL, for code that
// opens its own connections.
func NewDBURL(t testing.TB) (*store.DB, string) {
	t.Helper()
	if template == "" {
		t.Fatal("storetest: call storetest.Main from TestMain")
	}
	ctx := context.Background()
	name := fmt.Sprintf("karton_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, counter.Add(1))
	admin, err := pgx.Connect(ctx, URL("postgres"))
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	db, err := store.Open(ctx, URL(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		c, err := pgx.Connect(ctx, URL("postgres"))
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return db, URL(name)
}
