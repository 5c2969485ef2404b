package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/devstack/issuer"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(coverageMain{m}) }

var tokens = map[string]string{}

// newServer runs the API over a fresh database, with a development issuer
// whose tokens it accepts; doAs signs requests as a demo user.
func newServer(t *testing.T) *httptest.Server {
	ts, _ := newServerWith(t, nil)
	return ts
}

func newServerWith(t *testing.T, tc client.Client) (*httptest.Server, *store.DB) {
	return newServerFor(t, func(d *api.Deps) { d.Temporal = tc })
}

// newServerFor runs the API over a fresh database, with a development
// issuer whose tokens for every demo user are in tokens; configure sets
// what the test needs besides (the DevIssuer is set; configure may clear it).
func newServerFor(t *testing.T, configure func(d *api.Deps)) (*httptest.Server, *store.DB) {
	t.Helper()
	db := storetest.NewDB(t)
	var iss *issuer.Issuer
	its := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { iss.ServeHTTP(w, r) }))
	t.Cleanup(its.Close)
	var err error
	if iss, err = issuer.New(its.URL, ""); err != nil {
		t.Fatal(err)
	}
	for _, u := range domain.DemoUsers() {
		if tokens[u.Username], err = iss.Token(u); err != nil {
			t.Fatal(err)
		}
	}
	d := api.Deps{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DevIssuer: iss,
		Verifier: &api.Verifier{Issuer: its.URL, Audience: issuer.Audience, Skew: time.Minute}}
	configure(&d)
	ts := httptest.NewServer(checkingResponses(t, api.New(d)))
	t.Cleanup(ts.Close)
	return ts, db
}

type errBody struct {
	Error struct {
		Code, Message, Field string
	}
}

func do(t *testing.T, ts *httptest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	return doAs(t, ts, "ana.caseworker", method, path, body)
}

func doAs(t *testing.T, ts *httptest.Server, user, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	switch tok, ok := tokens[user]; {
	case ok:
		req.Header.Set("Authorization", "Bearer "+tok)
	case user != "":
		req.Header.Set("Authorization", "Bearer not-a-token")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

const marko = `{"jmbg":"0101900350008","given_name":"Marko","family_name":"Marković","address":{"municipality":"Podgorica","settlement":"Podgorica","street":"Slobode 1"}}`

func TestRegisterAndFindPerson(t *testing.T) {
	ts := newServer(t)
	code, body := do(t, ts, "POST", "/api/v1/persons", marko)
	if code != http.StatusCreated {
		t.Fatalf("POST /persons = %d %s; want 201", code, body)
	}
	var p struct {
		ID        string
		BirthDate string `json:"birth_date"`
		Sex       string
		Centre    struct{ ID string }
		Address   struct{ Municipality string }
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID == "" || p.BirthDate != "1900-01-01" || p.Sex != "M" || p.Centre.ID != "csr-podgorica" || p.Address.Municipality != "ME-16" {
		t.Fatalf("created person = %s", body)
	}
	code, body = do(t, ts, "GET", "/api/v1/persons?jmbg=0101900350008", "")
	if code != http.StatusOK || !strings.Contains(string(body), p.ID) {
		t.Fatalf("GET /persons?jmbg= = %d %s; want the person", code, body)
	}
	code, body = do(t, ts, "GET", "/api/v1/persons/"+p.ID, "")
	if code != http.StatusOK || !strings.Contains(string(body), `"pending_sources":[]`) || !strings.Contains(string(body), `"evidence":[]`) {
		t.Fatalf("GET /persons/{id} = %d %s; want an e-file with no evidence yet", code, body)
	}
	code, body = do(t, ts, "POST", "/api/v1/persons", marko)
	if code != http.StatusConflict {
		t.Fatalf("second POST /persons = %d %s; want 409", code, body)
	}
	code, body = do(t, ts, "GET", "/api/v1/persons?jmbg=2101006500003", "")
	if code != http.StatusOK || !strings.Contains(string(body), `"persons":[]`) {
		t.Fatalf("GET unknown jmbg = %d %s; want 200 with no persons", code, body)
	}
}

func TestBadInputGetsAClearError(t *testing.T) {
	ts := newServer(t)
	tests := []struct {
		method, path, body string
		status             int
		field, message     string
	}{
		{"POST", "/api/v1/persons", `{"jmbg":"0101900350007","given_name":"A","family_name":"B","address":{"municipality":"Bar","settlement":"Bar"}}`, 400, "jmbg", "check digit"},
		{"POST", "/api/v1/persons", `{"jmbg":"123","given_name":"A","family_name":"B","address":{"municipality":"Bar","settlement":"Bar"}}`, 400, "jmbg", "13 digits"},
		{"POST", "/api/v1/persons", `{"jmbg":"3102990215000","given_name":"A","family_name":"B","address":{"municipality":"Bar","settlement":"Bar"}}`, 400, "jmbg", "date"},
		{"POST", "/api/v1/persons", `{"given_name":"A","family_name":"B"}`, 400, "jmbg", "required"},
		{"POST", "/api/v1/persons", `{"jmbg":"0101900350008","given_name":"A","family_name":"B","address":{"municipality":"Atlantis","settlement":"X"}}`, 400, "address.municipality", "25 municipalities"},
		{"POST", "/api/v1/persons", `{"jmbg":"0101900350008","given_name":"","family_name":"B","address":{"municipality":"Bar","settlement":"Bar"}}`, 400, "given_name", "required"},
		{"POST", "/api/v1/persons", `{"jmbg":"0101900350008",`, 400, "", "malformed JSON"},
		{"POST", "/api/v1/persons", ``, 400, "", "empty"},
		{"POST", "/api/v1/persons", `{"jmbg":0101900350008}`, 400, "", "JSON"},
		{"POST", "/api/v1/persons", `{"jmbg":1}`, 400, "jmbg", "string"},
		{"POST", "/api/v1/persons", `{"jmbg":"0101900350008","nickname":"x"}`, 400, "", "unknown field"},
		{"POST", "/api/v1/persons", `[1,2]`, 400, "", "JSON"},
		{"GET", "/api/v1/persons", ``, 400, "jmbg", "required"},
		{"GET", "/api/v1/persons?jmbg=abc", ``, 400, "jmbg", "13 digits"},
		{"GET", "/api/v1/persons/not-a-uuid", ``, 404, "", "not found"},
		{"GET", "/api/v1/persons/00000000-0000-0000-0000-000000000000", ``, 404, "", "not found"},
		{"POST", "/api/v1/persons/00000000-0000-0000-0000-000000000000/evidence/refresh", ``, 404, "", "not found"},
		{"POST", "/api/v1/persons/00000000-0000-0000-0000-000000000000/evidence/refresh", `{"sources":["astrology"]}`, 400, "sources", "astrology"},
		{"POST", "/api/v1/persons/00000000-0000-0000-0000-000000000000/evidence/refresh", `{"issue":`, 400, "", "malformed"},
		{"POST", "/api/v1/persons/00000000-0000-0000-0000-000000000000/evidence/refresh", `{"issue":"I was curious"}`, 400, "issue", "no claim or case you may read"},
		{"GET", "/api/v1/nothing", ``, 404, "", "no route"},

		{"DELETE", "/api/v1/persons", ``, 405, "", "not allowed"},
	}
	for _, tt := range tests {
		code, body := do(t, ts, tt.method, tt.path, tt.body)
		var e errBody
		_ = json.Unmarshal(body, &e)
		if code != tt.status || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.message) {
			t.Errorf("%s %s %q = %d %s; want %d field %q message containing %q", tt.method, tt.path, tt.body, code, body, tt.status, tt.field, tt.message)
		}
	}
}

func TestEveryRouteIsInTheOpenAPIDocument(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q; want 3.1.x", doc.OpenAPI)
	}
	iss, err := issuer.New("http://issuer.invalid", "")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := codec.NewKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	r := api.New(api.Deps{Metrics: http.NotFoundHandler(), Log: slog.Default(), DevIssuer: iss, Codec: api.CodecEndpoint{Codec: codec.New(ring)}})
	param := regexp.MustCompile(`:([a-z_]+)`)
	seen := map[string]bool{}
	for _, rt := range r.Routes() {
		if rt.Method == http.MethodOptions {
			continue // the codec endpoint's CORS preflight
		}
		path := param.ReplaceAllString(rt.Path, "{$1}")
		op := strings.ToLower(rt.Method)
		seen[op+" "+path] = true
		if _, ok := doc.Paths[path][op]; !ok {
			t.Errorf("route %s %s is not in openapi.json", rt.Method, path)
		}
	}
	for path, ops := range doc.Paths {
		for op := range ops {
			if !seen[op+" "+path] {
				t.Errorf("openapi.json documents %s %s, which has no route", op, path)
			}
		}
	}
}

func TestClaimAndTaskInputAsAUser(t *testing.T) {
	ts := newServer(t)
	_, body := do(t, ts, "POST", "/api/v1/persons", marko)
	var p struct{ ID string }
	_ = json.Unmarshal(body, &p)
	tests := []struct {
		user, method, path, body string
		status                   int
		field, message           string
	}{
		{"nobody", "GET", "/api/v1/tasks", ``, 401, "", "invalid or expired access token"},
		{"", "GET", "/api/v1/tasks", ``, 401, "", "access token"},
		{"", "POST", "/api/v1/claims", `{}`, 401, "", "access token"},
		{"ana.caseworker", "GET", "/api/v1/tasks?state=lost", ``, 400, "state", "open"},
		{"ana.caseworker", "GET", "/api/v1/tasks?overdue=perhaps", ``, 400, "overdue", "true or false"},
		{"ana.caseworker", "GET", "/api/v1/tasks?group=supervisor", ``, 400, "group", "own group"},
		{"ana.caseworker", "GET", "/api/v1/tasks?assignee=marko.supervisor", ``, 403, "", "supervisor"},
		{"ana.caseworker", "POST", "/api/v1/tasks/claim:Z-1:review-1/complete", `{"outcome":"accept"}`, 404, "", "not found"},
		{"ana.caseworker", "POST", "/api/v1/claims", `{"benefit":"MO","applicant_person_id":"` + p.ID + `"}`, 400, "consent", "consent"},
		{"ana.caseworker", "POST", "/api/v1/claims", `{"benefit":"RNZ","applicant_person_id":"` + p.ID + `","consent":true}`, 400, "benefit", "not implemented"},
		{"ana.caseworker", "POST", "/api/v1/claims", `{"benefit":"MO","consent":true}`, 400, "applicant_person_id", "required"},
		{"ana.caseworker", "POST", "/api/v1/claims", `{"benefit":"MO","applicant_person_id":"` + p.ID + `","consent":true,"member_person_ids":["00000000-0000-0000-0000-000000000000"]}`, 404, "member_person_ids", "not found"},
		{"ana.caseworker", "POST", "/api/v1/claims", `{"benefit":"JNP","applicant_person_id":"` + p.ID + `","consent":true,"declared":{"requested_amount":"-5"}}`, 400, "declared", "positive"},
		{"ana.caseworker", "POST", "/api/v1/claims", `{"benefit":"JNP","applicant_person_id":"` + p.ID + `","consent":true,"declared":{"colour":"red"}}`, 400, "declared", "unknown field"},
		{"jelena.caseworker", "POST", "/api/v1/claims", `{"benefit":"MO","applicant_person_id":"` + p.ID + `","consent":true}`, 403, "applicant_person_id", "is not of your centre"},
		{"ana.caseworker", "GET", "/api/v1/claims/Z-2026-999999", ``, 404, "", "not found"},
		{"ana.caseworker", "GET", "/api/v1/decisions/nope/document", ``, 404, "", "not found"},
	}
	for _, tt := range tests {
		code, body := doAs(t, ts, tt.user, tt.method, tt.path, tt.body)
		var e errBody
		_ = json.Unmarshal(body, &e)
		if code != tt.status || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.message) {
			t.Errorf("%s %s %s %q = %d %s; want %d field %q message containing %q", tt.user, tt.method, tt.path, tt.body, code, body, tt.status, tt.field, tt.message)
		}
	}
}

// cancelOnWrite is a client that hangs up as soon as its answer starts.
type cancelOnWrite struct {
	http.ResponseWriter
	cancel context.CancelFunc
}

func (w cancelOnWrite) Write(b []byte) (int, error) {
	defer w.cancel()
	return w.ResponseWriter.Write(b)
}

// TestAuditRecordsAReadWhoseClientHungUp: the record of an access is
// written after the answer; a client that has gone by then (a download
// read in full, then closed) is recorded all the same, every time.
func TestAuditRecordsAReadWhoseClientHungUp(t *testing.T) {
	var deps *api.Deps
	ts, db := newServerFor(t, func(d *api.Deps) { deps = d })
	code, body := do(t, ts, "POST", "/api/v1/persons", marko)
	if code != http.StatusCreated {
		t.Fatalf("POST /persons = %d %s", code, body)
	}
	var p struct{ ID string }
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	h := api.New(*deps)
	const reads = 20
	for i := 0; i < reads; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequest("GET", "/api/v1/persons/"+p.ID, nil).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+tokens["ana.caseworker"])
		rec := httptest.NewRecorder()
		h.ServeHTTP(cancelOnWrite{rec, cancel}, req)
		cancel()
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /persons/:id = %d %s", rec.Code, rec.Body)
		}
	}
	var n int
	err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'GET /api/v1/persons/:id' AND person_ids @> ARRAY[$1]::uuid[]`,
		p.ID).Scan(&n)
	if err != nil || n != reads {
		t.Fatalf("%d reads whose clients hung up left %d records, %v; want every one", reads, n, err)
	}
}
