package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

// TestWholeSystem runs the real stack (PostgreSQL, Temporal, MinIO, the
// simulators, the worker and the API) and drives it over HTTP only.
func TestWholeSystem(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 100, SimFaults: sim.Faults{Latency: 5 * time.Millisecond}}, 20)
	// Households of Podgorica, where the demo caseworker works.
	var pg []sim.Household
	for i := 40; i < s.Population.Size() && len(pg) < 2; i++ {
		if h := s.Population.Household(i); h.Address.Municipality == "ME-16" {
			pg = append(pg, h)
		}
	}
	if code, body := call(t, "GET", s.APIURL+"/readyz", ""); code != 200 {
		t.Fatalf("readyz = %d %s", code, body)
	}

	// A newcomer registers a person of the simulated population by hand.
	h := pg[0]
	head := h.Members[0]
	reg := fmt.Sprintf(`{"jmbg":%q,"given_name":%q,"family_name":%q,"address":{"municipality":%q,"settlement":%q,"street":%q}}`,
		head.JMBG, head.GivenName, head.FamilyName, h.Address.Municipality, h.Address.Settlement, h.Address.Street)
	code, body := call(t, "POST", s.APIURL+"/api/v1/persons", reg)
	if code != 201 {
		t.Fatalf("register = %d %s", code, body)
	}
	var p struct{ ID string }
	_ = json.Unmarshal(body, &p)

	code, body = call(t, "POST", s.APIURL+"/api/v1/persons/"+p.ID+"/evidence/refresh", `{}`)
	if code != 202 || !strings.Contains(string(body), "evidence/"+p.ID) {
		t.Fatalf("refresh = %d %s", code, body)
	}
	file := waitFile(t, s.APIURL, p.ID, func(f eFile) bool { return answered(f) == 10 })
	sources := map[string]bool{}
	for _, e := range file.Evidence {
		sources[e.Source] = true
		if e.Provenance.RequestID == "" || len(e.Provenance.ResponseHash) != 64 || e.Provenance.Issue != "" {
			t.Errorf("evidence %s/%s has provenance %+v", e.Source, e.Kind, e.Provenance)
		}
	}
	if len(sources) != 10 || len(file.Evidence) != 12 {
		t.Fatalf("e-file has %d evidence records from %d sources; want 12 from 10", len(file.Evidence), len(sources))
	}
	if file.Household == nil || len(file.Household.Members) != len(h.Members) {
		t.Fatalf("e-file household = %+v; want %d members", file.Household, len(h.Members))
	}

	// A second refresh of unchanged registries adds no evidence.
	call(t, "POST", s.APIURL+"/api/v1/persons/"+p.ID+"/evidence/refresh", "")
	waitWorkflowDone(t, s, "evidence/"+p.ID)
	if f := getFile(t, s.APIURL, p.ID, true); len(f.Evidence) != 12 {
		t.Fatalf("after a second refresh the history has %d records; want 12", len(f.Evidence))
	}

	// The tax administration goes down: its source stays pending, with the
	// error shown, and nothing is recorded in its place; when it comes back
	// the refresh completes by itself.
	m := pg[1].Members[0]
	code, body = call(t, "POST", s.APIURL+"/api/v1/persons", fmt.Sprintf(`{"jmbg":%q,"given_name":%q,"family_name":%q,"address":{"municipality":%q,"settlement":%q}}`,
		m.JMBG, m.GivenName, m.FamilyName, pg[1].Address.Municipality, pg[1].Address.Settlement))
	if code != 201 {
		t.Fatalf("register = %d %s", code, body)
	}
	var q struct{ ID string }
	_ = json.Unmarshal(body, &q)
	s.Sim.SetFaults(sim.Faults{Down: []domain.Source{domain.SourceTax}})
	call(t, "POST", s.APIURL+"/api/v1/persons/"+q.ID+"/evidence/refresh", "")
	f := waitFile(t, s.APIURL, q.ID, func(f eFile) bool {
		return answered(f) == 9 && len(f.PendingSources) == 1 && f.Sources[indexOf(f, "tax")].LastError != ""
	})
	for _, e := range f.Evidence {
		if e.Source == "tax" {
			t.Fatalf("a registry that is down produced evidence %+v", e)
		}
	}
	s.Sim.SetFaults(sim.Faults{})
	waitFile(t, s.APIURL, q.ID, func(f eFile) bool { return answered(f) == 10 })

	// The demo citizen's file is opened by a caseworker; the citizen sees
	// who (role and centre, not the name), when and why; nobody else's file.
	code, body = call(t, "POST", s.APIURL+"/api/v1/persons", `{"jmbg":"2101006500003","given_name":"Demo","family_name":"Građanin","address":{"municipality":"Podgorica","settlement":"Podgorica"}}`)
	if code != 201 {
		t.Fatalf("register the citizen = %d %s", code, body)
	}
	var me struct{ ID string }
	_ = json.Unmarshal(body, &me)
	req, _ := http.NewRequest("GET", s.APIURL+"/api/v1/persons/"+me.ID, nil)
	tok, _ := s.Token("ana.caseworker")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Karton-Purpose", "appeal") // a closed list: the route's own, inspection, appeal or case:<number>
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("caseworker reads the citizen's file: %v %v", resp, err)
	}
	code, body = as(t, "citizen.demo", "GET", s.APIURL+"/api/v1/me/access-log", "")
	if code != 200 || !strings.Contains(string(body), `"purpose":"appeal"`) || !strings.Contains(string(body), `"role":"caseworker"`) ||
		!strings.Contains(string(body), "CSR Podgorica") || strings.Contains(string(body), "ana.caseworker") {
		t.Fatalf("citizen's access log = %d %s; want the caseworker's read with its purpose, without her name", code, body)
	}
	if code, _ := as(t, "citizen.demo", "GET", s.APIURL+"/api/v1/persons/"+me.ID, ""); code != 200 {
		t.Fatalf("the citizen reads their own file: %d; want 200", code)
	}
	if code, _ := as(t, "citizen.demo", "GET", s.APIURL+"/api/v1/persons/"+p.ID, ""); code != 404 {
		t.Fatalf("the citizen reads another person's file: %d; want 404 (for a citizen what they may not see does not exist)", code)
	}
	// Registry queries were audited too, and the chain holds.
	var queries int
	_ = s.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE username = 'system:worker' AND purpose = 'evidence_refresh'`).Scan(&queries)
	if queries == 0 {
		t.Error("the registry queries of the refresh are not in the audit log")
	}
	if n, broken, why, err := s.DB.VerifyAudit(ctx); err != nil || broken != 0 || n < 10 {
		t.Errorf("audit chain: %d records, broken at %d (%s), %v", n, broken, why, err)
	}
	// Misuse report: the supervisor sees their centre's findings.
	if code, body := as(t, "marko.supervisor", "GET", s.APIURL+"/api/v1/audit/misuse", ""); code != 200 || !strings.Contains(string(body), "findings") {
		t.Errorf("misuse report = %d %s", code, body)
	}
}

type eFile struct {
	Household *struct {
		Members []struct{ JMBG string }
	}
	Evidence []struct {
		Kind, Source string
		Provenance   struct {
			RequestID    string `json:"request_id"`
			ResponseHash string `json:"response_hash"`
			Issue        string
		}
	}
	Sources []struct {
		Source, State string
		LastError     string `json:"last_error"`
	}
	PendingSources []string `json:"pending_sources"`
}

func answered(f eFile) int {
	n := 0
	for _, s := range f.Sources {
		if s.State == "answered" {
			n++
		}
	}
	return n
}

func indexOf(f eFile, source string) int {
	for i, s := range f.Sources {
		if s.Source == source {
			return i
		}
	}
	return 0
}

func getFile(t *testing.T, base, id string, history bool) eFile {
	t.Helper()
	url := base + "/api/v1/persons/" + id
	if history {
		url += "?history=true"
	}
	code, body := call(t, "GET", url, "")
	if code != 200 {
		t.Fatalf("GET e-file = %d %s", code, body)
	}
	var f eFile
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func waitFile(t *testing.T, base, id string, ok func(eFile) bool) eFile {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		f := getFile(t, base, id, false)
		if ok(f) {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("e-file never reached the expected state: %+v", f)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitWorkflowDone(t *testing.T, s *system.System, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.Temporal.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		t.Fatalf("workflow %s: %v", id, err)
	}
}

// waitForState reads url as the finance officer nina.finance into v, every
// 100 ms, until state() says want; after limit the test fails, naming what
// it waited for and the state it found.
func waitForState(t *testing.T, what, url, want string, limit time.Duration, v any, state func() string) {
	t.Helper()
	for deadline := time.Now().Add(limit); state() != want; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s state %q; want %q", what, state(), want)
		}
		_, b := as(t, "nina.finance", "GET", url, "")
		_ = json.Unmarshal(b, v)
	}
}

// stack is the system under test, for call's tokens.
var stack *system.System

// startStack starts the real stack for a test (Temporal in memory,
// PostgreSQL without fsync), stopped when the test ends, with the first
// demo households of the simulated population and the demo professionals
// loaded.
func startStack(t *testing.T, o system.Options, demo int) *system.System {
	t.Helper()
	o.DataDir, o.Ephemeral = t.TempDir(), true
	s, err := system.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("start system: %v", err)
	}
	t.Cleanup(s.Stop)
	stack = s
	if demo > 0 {
		if err := devstack.LoadDemo(context.Background(), s.DB, s.Population, demo, nil); err != nil {
			t.Fatalf("load demo: %v", err)
		}
	}
	// The demo professionals, as karton dev has them (staff, not
	// households: always): a guardianship's case manager must hold a
	// licence to work (procedures.yaml's licensed_manager), and
	// ana.caseworker does.
	if _, err := devstack.LoadDemoLearning(context.Background(), s.DB, time.Now().UTC()); err != nil {
		t.Fatalf("load demo professionals: %v", err)
	}
	// The demo residential institutions (issue 22), their beds and staff.
	if _, err := devstack.LoadDemoInstitutions(context.Background(), s.DB, time.Now().UTC()); err != nil {
		t.Fatalf("load demo institutions: %v", err)
	}
	// The demo contracts with providers and the centres' delegations (issue 23).
	if _, err := devstack.LoadDemoServices(context.Background(), s.DB, time.Now().UTC()); err != nil {
		t.Fatalf("load demo services: %v", err)
	}
	return s
}

// call sends a request as the demo caseworker of Podgorica.
func call(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	return as(t, "ana.caseworker", method, url, body)
}

func asRaw(t *testing.T, token, method, url, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
