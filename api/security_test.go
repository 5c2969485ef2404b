package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack/issuer"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// secured is an API over a fresh database whose verifier checks logouts,
// with its metrics in reg; tweak may change the deps before New.
type secured struct {
	ts       *httptest.Server
	db       *store.DB
	iss      *issuer.Issuer
	verifier *api.Verifier
	reg      *prometheus.Registry
}

func newSecured(t *testing.T, tweak func(*api.Deps)) secured {
	t.Helper()
	s := secured{db: storetest.NewDB(t), reg: prometheus.NewRegistry()}
	its := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.iss.ServeHTTP(w, r) }))
	t.Cleanup(its.Close)
	var err error
	if s.iss, err = issuer.New(its.URL, ""); err != nil {
		t.Fatal(err)
	}
	for _, u := range domain.DemoUsers() {
		if tokens[u.Username], err = s.iss.Token(u); err != nil {
			t.Fatal(err)
		}
	}
	s.verifier = &api.Verifier{Issuer: its.URL, Audience: issuer.Audience, Skew: time.Minute, Revocations: s.db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	d := api.Deps{DB: s.db, Temporal: unreachableTemporal{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DevIssuer: s.iss,
		Verifier: s.verifier, Registerer: s.reg}
	if tweak != nil {
		tweak(&d)
	}
	s.ts = httptest.NewServer(api.New(d))
	t.Cleanup(s.ts.Close)
	return s
}

// send makes a request as user ("" without a token) with extra headers and
// returns the answer.
func (s secured) send(t *testing.T, user, method, path, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+tokens[user])
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (s secured) auditCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := s.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (s secured) refused(t *testing.T, reason string) float64 {
	t.Helper()
	mfs, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "karton_api_refused_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func (s secured) person(t *testing.T, jmbg, municipality string) domain.Person {
	t.Helper()
	return seedPerson(t, s.db, jmbg, municipality, "Test", "Osoba")
}

// Requests without a valid token are refused before the audit: none of
// them is chained; past a rate per address they get 429; all are counted
// in aggregate. A user with a token from the same address goes through.
func TestAnonymousRequestsAreLimitedAndCountedNotChained(t *testing.T) {
	s := newSecured(t, nil)
	p := s.person(t, "0101900350008", "Podgorica")
	before := s.auditCount(t)
	codes := map[int]int{}
	for range 60 {
		resp, _ := s.send(t, "", "GET", "/api/v1/persons/"+string(p.ID), "", nil)
		codes[resp.StatusCode]++
	}
	if codes[http.StatusUnauthorized] == 0 || codes[http.StatusTooManyRequests] == 0 || codes[http.StatusUnauthorized]+codes[http.StatusTooManyRequests] != 60 {
		t.Errorf("60 requests without a token from one address = %v; want 401s, then 429s", codes)
	}
	if n := s.auditCount(t) - before; n != 0 {
		t.Errorf("60 requests without a token wrote %d audit records; want none", n)
	}
	if got := s.refused(t, "no_token") + s.refused(t, "rate_limited"); got != 60 {
		t.Errorf("karton_api_refused_requests_total{no_token,rate_limited} = %v; want 60", got)
	}
	if resp, b := s.send(t, "ana.caseworker", "GET", "/api/v1/persons/"+string(p.ID), "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("a caseworker's request from the limited address = %d %s; want 200", resp.StatusCode, b)
	}
	if n := s.auditCount(t) - before; n != 1 {
		t.Errorf("the caseworker's request wrote %d audit records; want 1", n)
	}
	// A client cannot choose the address it is limited by.
	limited := 0
	for i := range 60 {
		resp, _ := s.send(t, "", "GET", "/api/v1/persons/"+string(p.ID), "", map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i)})
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("60 requests without a token, each naming another X-Forwarded-For, were never limited")
	}
}

// A refused token gets one message, whatever the reason; the verifier's
// detail (the JWKS address, the dial error) stays in the log.
func TestRefusedTokensGetAGenericMessage(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	s := newSecured(t, func(d *api.Deps) {
		d.Verifier = &api.Verifier{Issuer: d.Verifier.Issuer, Audience: issuer.Audience, JWKSURL: deadURL + "/jwks", Skew: time.Minute,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	})
	for _, user := range []string{"ana.caseworker", "nobody"} {
		req, _ := http.NewRequest("GET", s.ts.URL+"/api/v1/tasks", nil)
		req.Header.Set("Authorization", "Bearer "+orElse(tokens[user], "not-a-token"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e errBody
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode != http.StatusUnauthorized || e.Error.Message != api.RefusedToken {
			t.Errorf("%s's token with the issuer down = %d %s; want 401 %q", user, resp.StatusCode, b, api.RefusedToken)
		}
		for _, leak := range []string{strings.TrimPrefix(deadURL, "http://"), "jwks", "dial", "connect", "token is"} {
			if strings.Contains(strings.ToLower(string(b)), leak) {
				t.Errorf("refusal %s tells the caller %q", b, leak)
			}
		}
	}
	if s.refused(t, "keys_unavailable") != 1 || s.refused(t, "invalid_token") != 1 {
		t.Errorf("refused{keys_unavailable} = %v, refused{invalid_token} = %v; want 1 and 1", s.refused(t, "keys_unavailable"), s.refused(t, "invalid_token"))
	}
}

// A logged-out token is refused by the API too, not only by the pages.
func TestRevokedTokenIsRefused(t *testing.T) {
	s := newSecured(t, nil)
	if resp, b := s.send(t, "ana.caseworker", "GET", "/api/v1/tasks", "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /tasks = %d %s; want 200", resp.StatusCode, b)
	}
	if err := s.verifier.Revoke(context.Background(), tokens["ana.caseworker"]); err != nil {
		t.Fatal(err)
	}
	if resp, b := s.send(t, "ana.caseworker", "GET", "/api/v1/tasks", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /tasks with a logged-out token = %d %s; want 401", resp.StatusCode, b)
	}
	if resp, b := s.send(t, "ivan.caseworker", "GET", "/api/v1/tasks", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("another user's token after the logout = %d %s; want 200", resp.StatusCode, b)
	}
}

// Karton makes every request id; a client's X-Request-Id is never ours.
func TestRequestIDsAreKartons(t *testing.T) {
	s := newSecured(t, nil)
	p := s.person(t, "0101900350008", "Podgorica")
	hexID := regexp.MustCompile(`^[0-9a-f]{24}$`)
	var ids []string
	for range 2 {
		resp, b := s.send(t, "ana.caseworker", "GET", "/api/v1/persons/"+string(p.ID), "", map[string]string{"X-Request-Id": "forged-1"})
		id := resp.Header.Get("X-Request-Id")
		if resp.StatusCode != http.StatusOK || !hexID.MatchString(id) {
			t.Fatalf("GET with X-Request-Id: forged-1 = %d, X-Request-Id %q %s; want 200 and an id Karton made", resp.StatusCode, id, b)
		}
		ids = append(ids, id)
		var n int
		if err := s.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE request_id = $1`, id).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit records with request id %s = %d (%v); want 1", id, n, err)
		}
	}
	if ids[0] == ids[1] {
		t.Errorf("two requests with the same X-Request-Id got the same id %s", ids[0])
	}
	var forged int
	_ = s.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE request_id = 'forged-1'`).Scan(&forged)
	if forged != 0 {
		t.Errorf("%d audit records carry the client's request id", forged)
	}
	resp, b := s.send(t, "", "GET", "/api/v1/tasks", "", map[string]string{"X-Request-Id": "forged-2"})
	var e struct {
		Error struct {
			RequestID string `json:"request_id"`
		}
	}
	_ = json.Unmarshal(b, &e)
	if e.Error.RequestID != resp.Header.Get("X-Request-Id") || e.Error.RequestID == "forged-2" {
		t.Errorf("error body request_id %q, header %q; want Karton's id in both", e.Error.RequestID, resp.Header.Get("X-Request-Id"))
	}
}

// X-Karton-Purpose is a closed list: the route's code, inspection, appeal,
// or a case the caller may read; anything else is a 400 naming them. The
// audit records the code.
func TestPurposeIsAClosedList(t *testing.T) {
	ctx := context.Background()
	s := newSecured(t, nil)
	own, other := s.person(t, "2101006500003", "Podgorica"), s.person(t, "0101900350008", "Nikšić")
	seedCase := func(p domain.Person) string {
		number, err := s.db.NextCaseNumber(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P07", Version: 1, CentreID: p.CentreID,
			Status: "open", Stage: "opening", OpenedBy: "seed", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
			t.Fatal(err)
		}
		return number
	}
	ownCase, otherCase := seedCase(own), seedCase(other)
	file := "/api/v1/persons/" + string(own.ID)
	tests := []struct {
		path, purpose string
		status        int
		recorded      string // the audit record's purpose; "" for a route without audit
		message       string
	}{
		{file, "", 200, "e_file", ""},
		{file, "e_file", 200, "e_file", ""},
		{file, "inspection", 200, "inspection", ""},
		{file, "appeal", 200, "appeal", ""},
		{file, "case:" + ownCase, 200, "case:" + ownCase, ""},
		{file, "curiosity", 400, "e_file", "send one of e_file, inspection, appeal, case:<number>"},
		{file, "<script>alert(1)</script>", 400, "e_file", "not a purpose"},
		{file, "case:" + otherCase, 400, "e_file", "no case you may read"},
		{file, "case:2026-999999", 400, "e_file", "no case you may read"},
		{file, "case:", 400, "e_file", "no case you may read"},
		{"/api/v1/benefits", "catalogue", 200, "", ""},
		{"/api/v1/benefits", "inspection", 400, "", "send one of catalogue"},
	}
	for _, tt := range tests {
		resp, b := s.send(t, "ana.caseworker", "GET", tt.path, "", map[string]string{"X-Karton-Purpose": tt.purpose})
		var e errBody
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode != tt.status || (tt.message != "" && (e.Error.Field != "X-Karton-Purpose" || !strings.Contains(e.Error.Message, tt.message))) {
			t.Errorf("GET %s with purpose %q = %d %s; want %d %q", tt.path, tt.purpose, resp.StatusCode, b, tt.status, tt.message)
		}
		if tt.recorded == "" {
			continue
		}
		var got string
		err := s.db.Pool().QueryRow(ctx, `SELECT purpose FROM audit_log WHERE request_id = $1`, resp.Header.Get("X-Request-Id")).Scan(&got)
		if err != nil || got != tt.recorded {
			t.Errorf("GET %s with purpose %q recorded purpose %q (%v); want %q", tt.path, tt.purpose, got, err, tt.recorded)
		}
	}
	// Every route's purposes: its own code first, alternatives only where
	// the route touches a person's data.
	for _, rt := range api.Routes() {
		ps := rt.Purposes()
		if !regexp.MustCompile(`^[a-z_]+$`).MatchString(rt.Purpose) || ps[0] != rt.Purpose || (len(ps) > 1) != rt.Audited {
			t.Errorf("%s %s: purpose %q, purposes %v; want a code, alternatives only when audited", rt.Method, rt.Path, rt.Purpose, ps)
		}
	}
}

// The payroll's actions are audited: starting, reading, the report,
// submitting, approving and the bank files, each one record of resource
// payroll, whatever Temporal answers.
func TestPayrollActionsAreAudited(t *testing.T) {
	ctx := context.Background()
	s := newSecured(t, nil)
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/v1/payrolls", `{"period":"2026-11"}`},
		{"GET", "/api/v1/payrolls/2026-11", ""},
		{"GET", "/api/v1/payrolls/2026-11/summary.csv", ""},
		{"POST", "/api/v1/payrolls/2026-11/submit", ""},
		{"POST", "/api/v1/payrolls/2026-11/approve", ""},
		{"POST", "/api/v1/payrolls/2026-11/bank-files", ""},
	} {
		resp, b := s.send(t, "nina.finance", r.method, r.path, r.body, nil)
		var rec struct{ Username, Resource, Action, Purpose string }
		err := s.db.Pool().QueryRow(ctx, `SELECT username, resource, action, purpose FROM audit_log WHERE request_id = $1`,
			resp.Header.Get("X-Request-Id")).Scan(&rec.Username, &rec.Resource, &rec.Action, &rec.Purpose)
		if err != nil || rec.Username != "nina.finance" || rec.Resource != "payroll" || !strings.HasPrefix(rec.Action, r.method+" /api/v1/payrolls") {
			t.Errorf("%s %s = %d %s: audit record %+v (%v); want one, of resource payroll", r.method, r.path, resp.StatusCode, b, rec, err)
		}
	}
}

// The Employment Agency reads a referral's outcome (measure and month),
// never the centre's decision: no reasoning, amounts, lines or who
// decided, and none of the centre's own lines of the timeline.
func TestAgencyGetsOutcomesNotDecisions(t *testing.T) {
	ctx := context.Background()
	s := newSecured(t, nil)
	p := s.person(t, "0101900350008", "Podgorica")
	c, err := s.db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "seed",
		Period: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString("87.91"), PeriodFrom: c.Period, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString("87.91"), Periodicity: "monthly", ValidFrom: c.Period})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.db.CreateReferral(ctx, store.Referral{PersonID: p.ID, EntitlementID: e.ID, CentreID: p.CentreID, ReferredBy: "seed", ReferredAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.IssueActivationDecision(ctx, store.ActivationDecision{ReferralID: r.ID, Seq: 1, EntitlementID: e.ID, Measure: "suspend",
		Deduction: decimal.RequireFromString("43.21"), EffectiveFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Reasoning: "SECRET-REASONING",
		Lines: []domain.PaymentLine{{What: "SECRET-LINE", Value: "43.21"}}, PreparedBy: "ana.caseworker",
		ApprovedBy: "marko.supervisor", IssuedAt: time.Now()}, p.CentreID, func(store.ActivationDecision) (string, string, error) { return "", "", nil }); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []store.ReferralEvent{
		{Key: "step/1", At: time.Now(), Kind: "agency_step", By: "employment-system", Summary: "plan created"},
		{Key: "decide-1-1", At: time.Now(), Kind: "decision_prepared", By: "ana.caseworker", Summary: "suspend prepared"},
		{Key: "approve-1-1", At: time.Now(), Kind: "decision_returned", By: "marko.supervisor", Summary: "returned: SECRET-RETURN"},
		{Key: "decision/1", At: time.Now(), Kind: "decision", By: "marko.supervisor", Summary: "decision X: suspend from 2026-12, SECRET-SUMMARY"},
		{Key: "outcome/1", At: time.Now(), Kind: "to_agency", Summary: "the centre's decision to the agency", Delivery: "acknowledged"},
	} {
		if err := s.db.RecordReferralEvent(ctx, r.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, agency := range []string{"employment-system", "zorana.zzz"} {
		resp, b := s.send(t, agency, "GET", "/api/v1/activation/referrals/"+r.ID, "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET the referral as %s = %d %s", agency, resp.StatusCode, b)
		}
		for _, secret := range []string{"SECRET", "43.21", "reasoning", "deduction", "lines", "percent", "prepared_by", "approved_by", "document_url", `"decisions"`, "marko.supervisor"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the referral as %s shows %q: %s", agency, secret, b)
			}
		}
		var got struct {
			Outcomes []struct{ Measure, EffectiveFrom string } `json:"outcomes"`
			Timeline []struct{ Kind string }
		}
		_ = json.Unmarshal(b, &got)
		if len(got.Outcomes) != 1 || got.Outcomes[0].Measure != "suspend" || !strings.Contains(string(b), `"effective_from":"2026-12"`) || len(got.Timeline) != 2 {
			t.Errorf("the referral as %s = %s; want one outcome (suspend from 2026-12) and the two lines of the exchange", agency, b)
		}
	}
	resp, b := s.send(t, "ana.caseworker", "GET", "/api/v1/activation/referrals/"+r.ID, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "SECRET-REASONING") || !strings.Contains(string(b), "SECRET-SUMMARY") {
		t.Errorf("the referral as the centre's caseworker = %d %s; want the decision with its reasoning", resp.StatusCode, b)
	}
}

// A refused development issuer (karton dev with services not its own)
// grants no token behind POST /dev/token, and says why.
func TestDevTokenRefusedWhenTheIssuerIs(t *testing.T) {
	s := newSecured(t, nil)
	if resp, b := s.send(t, "", "POST", "/dev/token", `{"username":"admin"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /dev/token = %d %s; want 200 before the refusal", resp.StatusCode, b)
	}
	s.iss.Refuse("DATABASE_URL is set")
	resp, b := s.send(t, "", "POST", "/dev/token", `{"username":"admin"}`, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "DATABASE_URL is set") || strings.Contains(string(b), "access_token") {
		t.Errorf("POST /dev/token after the refusal = %d %s; want 403 saying why", resp.StatusCode, b)
	}
}

// The OpenAPI document gives each route's purposes and the 429 of
// requests without a valid token.
func TestOpenAPIDocumentsPurposesAndRateLimit(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string
				Schema json.RawMessage
			}
			Responses map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	for _, rt := range api.Routes() {
		op := doc.Paths[param.ReplaceAllString(rt.Path, "{$1}")][strings.ToLower(rt.Method)]
		var schema string
		for _, p := range op.Parameters {
			if p.Name == "X-Karton-Purpose" {
				schema = string(p.Schema)
			}
		}
		for _, want := range rt.Purposes() {
			if want == api.PurposeCase {
				want = "^case:"
			}
			if !strings.Contains(schema, want) {
				t.Errorf("openapi.json: %s %s: X-Karton-Purpose %s does not allow %q", rt.Method, rt.Path, schema, want)
			}
		}
		if op.Responses["400"] == nil || op.Responses["429"] == nil {
			t.Errorf("openapi.json: %s %s documents no 400 (purpose) or 429 (rate)", rt.Method, rt.Path)
		}
	}
}

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
