//go:build cluster

// Package cluster_test drives the multi-process cluster of devstack/cluster:
// the kill test (TestKillAndRecover) and the rolling upgrade
// (TestRollingUpgrade). Only `make cluster-test` runs them: the build tag
// keeps them out of `go test ./...`, and the target builds the binaries
// they need first.
package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack/cluster"
	"github.com/karton-social/karton/store"
)

// demoHouseholds are loaded: enough Podgorica households (about a
// quarter) for a claim each through all three kills.
const demoHouseholds = 600

// The cluster both tests share, started once (about a minute).
var (
	cl   *cluster.Cluster
	db   *store.DB
	root string // the repository
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	wd, _ := os.Getwd()
	root = filepath.Dir(filepath.Dir(wd))
	dir := filepath.Join(root, "var", "cluster-test")
	if err := cluster.Reset(dir); err != nil {
		fmt.Fprintln(os.Stderr, "cluster test:", err)
		return 1
	}
	ctx := context.Background()
	var err error
	start := time.Now()
	// Its own ports (base 28000, proxy 28080), so that it runs beside
	// `make run` or `make cluster`.
	cl, err = cluster.Start(ctx, cluster.Options{Dir: dir, Bin: filepath.Join(root, "bin"), Base: 28000, ProxyAddr: "127.0.0.1:28080",
		DemoHouseholds: demoHouseholds, PaymentDay: 1, Fast: true, RestartDelay: 2 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster test: the binaries are built by `make cluster-test`;", err)
		return 1
	}
	defer cl.Stop()
	fmt.Printf("cluster up in %s; logs in %s\n", time.Since(start).Round(time.Second), dir)
	if db, err = store.Open(ctx, cl.DatabaseURL()); err != nil {
		fmt.Fprintln(os.Stderr, "cluster test:", err)
		return 1
	}
	defer db.Close()
	return m.Run()
}

// as sends a request through the proxy as a demo user; a network error is
// status 0.
func as(user, method, path, body string) (int, []byte) {
	return asURL(user, method, cl.APIURL+path, body)
}

func asURL(user, method, url, body string) (int, []byte) {
	req, _ := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		tok, err := cl.Token(user)
		if err != nil {
			return 0, []byte(err.Error())
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// waitFor polls ok every 100 ms until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return time.Now()
}
