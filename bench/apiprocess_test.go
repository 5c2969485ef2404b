package bench

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/interop/sim"
)

// TestMain lets the test binary be an API child (StartAPIProcess re-runs
// the running executable).
func TestMain(m *testing.M) {
	MaybeServeAPI()
	os.Exit(m.Run())
}

// TestTheAPIProcessServesTheSameSystem starts the stack, then the API in a
// process of its own on the stack's configuration: a caseworker's token
// from the stack's issuer opens her inbox and her case list there, a bad
// token is refused, and once stopped the child no longer answers while
// the one process still does.
func TestTheAPIProcessServesTheSameSystem(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL, Temporal and MinIO")
	}
	ctx := context.Background()
	s, err := system.Start(ctx, system.Options{DataDir: t.TempDir(), Ephemeral: true, SimHouseholds: 20, SimFaults: sim.Faults{Latency: time.Millisecond}})
	if err != nil {
		t.Fatalf("start system: %v", err)
	}
	defer s.Stop()
	if err := devstack.LoadDemo(ctx, s.DB, s.Population, 20, nil); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	token, err := s.Token("ana.caseworker")
	if err != nil {
		t.Fatal(err)
	}
	api, err := StartAPIProcess(s.Platform.Cfg)
	if err != nil {
		t.Fatalf("start the API process: %v", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			api.Stop()
		}
	}()
	if api.URL == s.APIURL {
		t.Fatalf("the API process serves at the one process's address %s", api.URL)
	}
	for _, path := range []string{"/api/v1/tasks?assignee=me&sort=due", "/api/v1/cases?scope=mine", "/readyz"} {
		if code := get(t, api.URL+path, token); code != http.StatusOK {
			t.Fatalf("GET %s from the API process: %d, want 200", path, code)
		}
	}
	if code := get(t, api.URL+"/api/v1/tasks?assignee=me", "not-a-token"); code != http.StatusUnauthorized {
		t.Fatalf("a request without a valid token: %d, want 401", code)
	}
	api.Stop()
	stopped = true
	req, _ := http.NewRequest("GET", api.URL+"/healthz", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the stopped API process still answers: %d", resp.StatusCode)
	}
	if code := get(t, s.APIURL+"/api/v1/tasks?assignee=me&sort=due", token); code != http.StatusOK {
		t.Fatalf("the one process after the API process stopped: %d, want 200", code)
	}
}

func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}
