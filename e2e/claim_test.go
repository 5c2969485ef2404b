package e2e_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

// TestFinancialAssistanceClaimOverHTTP files a claim for a demo household
// and takes it through review and four-eyes approval to a decision PDF and
// an active entitlement, over HTTP alone.
func TestFinancialAssistanceClaimOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 200,
		SimFaults: sim.Faults{Latency: 2 * time.Millisecond}}, 200)
	// A Podgorica household of at least two, without income or property.
	var jmbgs []string
	for i := 0; i < s.Population.Size() && jmbgs == nil; i++ {
		h := s.Population.Household(i)
		if h.Address.Municipality == "ME-16" && len(h.Members) >= 2 && poor(h) {
			for _, m := range h.Members {
				jmbgs = append(jmbgs, string(m.JMBG))
			}
		}
	}
	if jmbgs == nil {
		t.Fatal("no Podgorica household in the demo population")
	}
	var ids []string
	for _, j := range jmbgs {
		_, body := call(t, "GET", s.APIURL+"/api/v1/persons?jmbg="+j, "")
		var r struct{ Persons []struct{ ID string } }
		_ = json.Unmarshal(body, &r)
		if len(r.Persons) != 1 {
			t.Fatalf("demo person %s not found: %s", j, body)
		}
		ids = append(ids, r.Persons[0].ID)
	}
	members, _ := json.Marshal(ids[1:])
	claimBody := fmt.Sprintf(`{"benefit":"MO","applicant_person_id":%q,"member_person_ids":%s,"payee_account":"ME25 5050 0001 2345 6789 51","consent":true}`, ids[0], members)

	// Bad input first.
	if code, body := as(t, "", "POST", s.APIURL+"/api/v1/claims", claimBody); code != 401 {
		t.Fatalf("claim without a user = %d %s; want 401", code, body)
	}
	if code, body := as(t, "jelena.caseworker", "POST", s.APIURL+"/api/v1/claims", claimBody); code != 403 {
		t.Fatalf("claim by another centre's caseworker = %d %s; want 403", code, body)
	}
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims", strings.Replace(claimBody, `"MO"`, `"XYZ"`, 1)); code != 400 || !strings.Contains(string(body), "benefit") {
		t.Fatalf("unknown benefit = %d %s; want 400", code, body)
	}
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims", strings.Replace(claimBody, "51\"", "52\"", 1)); code != 400 || !strings.Contains(string(body), "payee_account") {
		t.Fatalf("bad IBAN = %d %s; want 400", code, body)
	}
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims", strings.Replace(claimBody, ids[0], "00000000-0000-0000-0000-000000000000", 1)); code != 404 {
		t.Fatalf("unknown applicant = %d %s; want 404", code, body)
	}

	code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims", claimBody)
	if code != 201 {
		t.Fatalf("file claim = %d %s", code, body)
	}
	var filed struct{ Number string }
	_ = json.Unmarshal(body, &filed)
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims", claimBody); code != 409 {
		t.Fatalf("second open claim for the same members = %d %s; want 409", code, body)
	}

	review := waitTask(t, s.APIURL, "ana.caseworker", filed.Number, "claim.review")
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+review+"/complete", `{"outcome":"adjust","data":{"amount":"9999","reason":"x"}}`); code != 400 {
		t.Fatalf("adjust outside the legal range = %d %s; want 400", code, body)
	}
	// The centre's head reviews (acting as a caseworker) ...
	if code, body := as(t, "sanja.head", "POST", s.APIURL+"/api/v1/tasks/"+review+"/claim", ""); code != 200 {
		t.Fatalf("claim task = %d %s", code, body)
	}
	if code, body := as(t, "ivan.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+review+"/complete", `{"outcome":"accept"}`); code != 403 {
		t.Fatalf("completing a task someone else holds = %d %s; want 403", code, body)
	}
	if code, body := as(t, "sanja.head", "POST", s.APIURL+"/api/v1/tasks/"+review+"/complete", `{"outcome":"accept"}`); code != 200 {
		t.Fatalf("accept = %d %s", code, body)
	}
	if code, body := as(t, "sanja.head", "POST", s.APIURL+"/api/v1/tasks/"+review+"/complete", `{"outcome":"reject","data":{"reasons":["x"]}}`); code != 409 {
		t.Fatalf("completing twice = %d %s; want 409", code, body)
	}
	// Every cached workflow is dropped, as when a worker restarts: the next
	// workflow task replays the claim's history from the start.
	sdkworker.PurgeStickyWorkflowCache()

	// ... and may approve as a supervisor, but not her own decision: four eyes over HTTP.
	approval := waitTask(t, s.APIURL, "marko.supervisor", filed.Number, "claim.approve")
	if code, body := as(t, "sanja.head", "POST", s.APIURL+"/api/v1/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 403 || !strings.Contains(string(body), "four eyes") {
		t.Fatalf("approving one's own decision = %d %s; want 403 four eyes", code, body)
	}
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 403 {
		t.Fatalf("a caseworker approving = %d %s; want 403", code, body)
	}
	if code, body := as(t, "marko.supervisor", "POST", s.APIURL+"/api/v1/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 200 {
		t.Fatalf("approve = %d %s", code, body)
	}

	var claim struct {
		State       string
		Calculation struct {
			Eligible bool
			Amount   string
			Lines    []struct{ What, Value, Source string }
		}
		Decision struct {
			ID, Number, Amount, Kind string
			DocumentSHA256           string `json:"document_sha256"`
			DocumentURL              string `json:"document_url"`
		}
		Entitlement *struct{ Amount, State string }
	}
	deadline := time.Now().Add(30 * time.Second)
	for claim.State != "approved" && claim.State != "rejected" {
		if time.Now().After(deadline) {
			t.Fatalf("claim never decided: %+v", claim)
		}
		time.Sleep(100 * time.Millisecond)
		_, body = as(t, "ana.caseworker", "GET", s.APIURL+"/api/v1/claims/"+filed.Number, "")
		_ = json.Unmarshal(body, &claim)
	}
	if len(claim.Calculation.Lines) < 3 || claim.Decision.Amount != claim.Calculation.Amount {
		t.Fatalf("decision %+v does not match the calculation %+v", claim.Decision, claim.Calculation)
	}
	if claim.State != "approved" || !claim.Calculation.Eligible || claim.Entitlement == nil || claim.Entitlement.State != "active" ||
		claim.Entitlement.Amount != claim.Calculation.Amount {
		t.Fatalf("state %s, calculation %+v, entitlement %+v; want approved with an active entitlement of the amount", claim.State, claim.Calculation, claim.Entitlement)
	}
	code, pdf := as(t, "ana.caseworker", "GET", s.APIURL+claim.Decision.DocumentURL, "")
	if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("decision document = %d, %d bytes", code, len(pdf))
	}
	sum := sha256.Sum256(pdf)
	if hex.EncodeToString(sum[:]) != claim.Decision.DocumentSHA256 {
		t.Fatal("the PDF's SHA-256 differs from the one recorded")
	}
	if !bytes.Contains(pdf, []byte("amount="+claim.Decision.Amount)) {
		t.Fatalf("the PDF does not name the amount %s", claim.Decision.Amount)
	}
	if code, _ := as(t, "jelena.caseworker", "GET", s.APIURL+claim.Decision.DocumentURL, ""); code != 403 {
		t.Fatalf("another centre's caseworker reads the decision: %d; want 403", code)
	}
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims/"+filed.Number+"/withdraw", `{"reason":"late"}`); code != 409 {
		t.Fatalf("withdrawing a decided claim = %d %s; want 409", code, body)
	}

	// The decided claim replays against today's code from its real history
	// (what a worker does after a restart).

	// The household now holds MO: a second MO claim is refused, naming the
	// right (issue 16: never the same benefit twice). A one-off assistance
	// claim may follow; that one is withdrawn with a document on file.
	code, body = as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims", claimBody)
	if code != 409 || !strings.Contains(string(body), filed.Number) {
		t.Fatalf("a second MO claim for a household holding MO = %d %s; want 409 naming %s", code, body, filed.Number)
	}
	code, body = as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims",
		fmt.Sprintf(`{"benefit":"JNP","applicant_person_id":%q,"payee_account":"ME25 5050 0001 2345 6789 51","consent":true,"declared":{"requested_amount":"50.00"}}`, ids[0]))
	if code != 201 {
		t.Fatalf("file a one-off assistance claim = %d %s", code, body)
	}
	var second struct{ Number string }
	_ = json.Unmarshal(body, &second)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "statement.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4 bank statement"))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", s.APIURL+"/api/v1/claims/"+second.Number+"/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	tok, _ := s.Token("ana.caseworker")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("upload = %v %v", resp, err)
	}
	resp.Body.Close()
	waitTask(t, s.APIURL, "ana.caseworker", second.Number, "claim.review")
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/claims/"+second.Number+"/withdraw", `{"reason":"the family withdrew the application"}`); code != 200 {
		t.Fatalf("withdraw = %d %s", code, body)
	}
}

// as sends a request with a token of the demo user (none for "").
func as(t *testing.T, user, method, url, body string) (int, []byte) {
	t.Helper()
	token := ""
	if user != "" {
		var err error
		if token, err = stack.Token(user); err != nil {
			t.Fatal(err)
		}
	}
	return asRaw(t, token, method, url, body)
}

func waitTask(t *testing.T, base, user, subject, typ string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, body := as(t, user, "GET", base+"/api/v1/tasks?group=mine&type="+typ+"&sort=due", "")
		var r struct {
			Tasks []struct{ ID, Subject string }
		}
		_ = json.Unmarshal(body, &r)
		for _, tk := range r.Tasks {
			if tk.Subject == subject {
				return tk.ID
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s task for %s in %s's inbox", typ, subject, user)
	return ""
}

// poor reports whether the simulated registries will show no income and
// no property beyond a modest home for the household.
func poor(h sim.Household) bool {
	for i, m := range h.Members {
		if !m.EmployedNet.IsZero() || !m.Pension.IsZero() {
			return false
		}
		for _, f := range append(sim.Facts(domain.SourceVehicles, h, i), sim.Facts(domain.SourceAgriculture, h, i)...) {
			b, _ := json.Marshal(f.Value)
			if strings.Contains(string(b), `"registration"`) || strings.Contains(string(b), `"premiums_yearly":"`) && !strings.Contains(string(b), `"premiums_yearly":"0"`) {
				return false
			}
		}
		for _, f := range sim.Facts(domain.SourceRealEstate, h, i) {
			b, _ := json.Marshal(f.Value)
			if strings.Contains(string(b), `"land"`) {
				return false
			}
		}
	}
	return true
}
