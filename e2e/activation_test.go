package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store"
)

// grantAssistance gives a person financial assistance (MO) as a right
// carried over from the previous system, from January of this year.
func grantAssistance(t *testing.T, s *system.System, p domain.Person, iban string) store.Entitlement {
	t.Helper()
	ctx := context.Background()
	from := time.Date(time.Now().Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := s.DB.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, SubjectID: p.ID, CentreID: p.CentreID, PayeeIBAN: iban,
		Consent: true, FiledBy: "migration", Period: from, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString("87.91"), PeriodFrom: from, PreparedBy: "migration", ApprovedBy: "migration-check", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		PayeeIBAN: iban, Amount: decimal.RequireFromString("87.91"), Periodicity: "monthly", ValidFrom: from})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// referral is a referral as the API shows it.
type referral struct {
	ID, State       string
	AgencyReference string `json:"agency_reference"`
	Steps           []struct{ Kind string }
	Timeline        []struct {
		Kind, Summary, Delivery string
		Attempts                int
		LastError               string `json:"last_error"`
	}
	Decisions []struct {
		Number, Measure string
		EffectiveFrom   string `json:"effective_from"`
		DocumentURL     string `json:"document_url"`
	}
}

func getReferral(t *testing.T, api, user, id string) referral {
	t.Helper()
	code, body := as(t, user, "GET", api+"/activation/referrals/"+id, "")
	if code != 200 {
		t.Fatalf("referral %s as %s = %d %s", id, user, code, body)
	}
	var r referral
	_ = json.Unmarshal(body, &r)
	return r
}

// waitReferral polls until ok says the referral is where it should be.
func waitReferral(t *testing.T, api, id, what string, ok func(referral) bool) referral {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := getReferral(t, api, "ana.caseworker", id)
		if ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("referral %s: %s did not happen: %+v", id, what, r)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestActivationOverHTTP: a caseworker refers a work-capable recipient of
// financial assistance; the simulated agency, as its machine client,
// acknowledges, makes a plan and reports a refused job offer; the
// caseworker decides a suspension and the supervisor approves it; the
// decision's PDF is there, the agency has the outcome; the suspension
// waits until the decision is final (delivery recorded, 15 days for an
// appeal), so this month's payroll pays the right. The
// agency's bad and repeated steps, an agency that is down, the worker's
// death (twice) and the agency's staff working a referral by hand are
// tried on the way.
func TestActivationOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5, SimFaults: sim.Faults{AgencyStepDelay: 300 * time.Millisecond}}, 0)
	api := s.APIURL + "/api/v1"
	worker := registerInPodgorica(t, s, time.Date(1988, 3, 9, 0, 0, 0, 0, time.UTC), 811, "Nikola", "Đurović")
	e := grantAssistance(t, s, worker, string(domain.MakeIBAN("510", 7700001)))
	child := registerInPodgorica(t, s, time.Date(2015, 3, 9, 0, 0, 0, 0, time.UTC), 812, "Luka", "Đurović")
	without := registerInPodgorica(t, s, time.Date(1979, 5, 2, 0, 0, 0, 0, time.UTC), 813, "Milan", "Kovač")

	// Bad referrals say what is wrong.
	for body, want := range map[string]string{
		`{}`: "person_id",
		fmt.Sprintf(`{"person_id":%q}`, child.ID):   "child",
		fmt.Sprintf(`{"person_id":%q}`, without.ID): "financial assistance",
		`{"person_id":"nobody"}`:                    "person_id",
	} {
		if code, b := as(t, "ana.caseworker", "POST", api+"/activation/referrals", body); code != 400 || !strings.Contains(string(b), want) {
			t.Errorf("referral %s = %d %s; want 400 about %s", body, code, b, want)
		}
	}
	if code, b := as(t, "jelena.caseworker", "POST", api+"/activation/referrals", fmt.Sprintf(`{"person_id":%q}`, worker.ID)); code != 403 {
		t.Errorf("another centre's caseworker referring = %d %s; want 403", code, b)
	}
	code, body := as(t, "ana.caseworker", "POST", api+"/activation/referrals", fmt.Sprintf(`{"person_id":%q,
		"work_capacity_notes":"Able to work; finished secondary school (electrician).","family_constraints":"none"}`, worker.ID))
	if code != 202 {
		t.Fatalf("refer = %d %s", code, body)
	}
	var ref referral
	_ = json.Unmarshal(body, &ref)
	if code, b := as(t, "ana.caseworker", "POST", api+"/activation/referrals", fmt.Sprintf(`{"person_id":%q}`, worker.ID)); code != 409 || !strings.Contains(string(b), ref.ID) {
		t.Errorf("a second referral = %d %s; want 409 naming %s", code, b, ref.ID)
	}

	// The agency answers by itself; its inbox shows the referral.
	r := waitReferral(t, api, ref.ID, "the refused job offer", func(r referral) bool { return r.State == "decision_pending" })
	if r.AgencyReference == "" || len(r.Steps) != 3 || r.Steps[2].Kind != "job_offer_refused" {
		t.Fatalf("after the agency's steps: %+v", r)
	}
	code, body = as(t, "employment-system", "GET", api+"/activation/referrals?state=decision_pending", "")
	if code != 200 || !strings.Contains(string(body), ref.ID) {
		t.Fatalf("the agency's inbox = %d %s", code, body)
	}
	if code, b := as(t, "employment-system", "GET", api+"/activation/referrals?state=sleeping", ""); code != 400 || !strings.Contains(string(b), "state") {
		t.Errorf("inbox by an unknown state = %d %s", code, b)
	}

	// The agency's bad, unknown and repeated steps.
	steps := api + "/activation/referrals/" + ref.ID + "/steps"
	if code, b := as(t, "employment-system", "POST", api+"/activation/referrals/AKT-2026-999999/steps",
		`{"step_id":"x-1","kind":"attended","occurred_at":"2026-11-01T10:00:00Z"}`); code != 404 {
		t.Errorf("a step for an unknown referral = %d %s; want 404", code, b)
	}
	if code, b := as(t, "employment-system", "POST", steps, `{"step_id":"x 1","kind":"vanished","occurred_at":"soon"}`); code != 400 ||
		!strings.Contains(string(b), "step_id") || !strings.Contains(string(b), "kind") || !strings.Contains(string(b), "occurred_at") {
		t.Errorf("a malformed step = %d %s; want 400 naming step_id, kind and occurred_at", code, b)
	}
	if code, b := as(t, "ana.caseworker", "POST", steps, `{"step_id":"x-1","kind":"attended","occurred_at":"2026-11-01T10:00:00Z"}`); code != 403 {
		t.Errorf("a caseworker reporting the agency's step = %d %s; want 403", code, b)
	}
	first := fmt.Sprintf(`{"step_id":"%s/3","kind":"job_offer_refused","occurred_at":"2026-11-01T10:00:00Z"}`, r.AgencyReference)
	code, body = as(t, "employment-system", "POST", steps, first)
	if code != 200 || !strings.Contains(string(body), `"duplicate":true`) {
		t.Fatalf("the agency's third step again = %d %s; want 200, the first result", code, body)
	}

	// Sanction: the caseworker decides a suspension, the supervisor approves.
	task := waitTask(t, s.APIURL, "ana.caseworker", ref.ID+": Job offer refused", "activation.decide")
	if code, b := as(t, "ana.caseworker", "POST", api+"/tasks/"+task+"/complete", `{"outcome":"submit","data":{"measure":"fine","reasoning":"x"}}`); code != 400 ||
		!strings.Contains(string(b), "measure") || !strings.Contains(string(b), "reasoning") {
		t.Errorf("a malformed decision = %d %s; want 400 naming measure and reasoning", code, b)
	}
	if code, b := as(t, "ana.caseworker", "POST", api+"/tasks/"+task+"/complete",
		`{"outcome":"submit","data":{"measure":"suspend","reasoning":"Refused a suitable job offer (warehouse worker) without a justified reason."}}`); code != 200 {
		t.Fatalf("decide = %d %s", code, b)
	}
	// The worker dies between the decision and its approval: the new one
	// rebuilds the referral from its history.
	approval := waitTask(t, s.APIURL, "marko.supervisor", ref.ID+": approve suspend (Job offer refused)", "activation.approve")
	if err := s.RestartWorker(); err != nil {
		t.Fatal(err)
	}
	if code, b := as(t, "marko.supervisor", "POST", api+"/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 200 {
		t.Fatalf("approve = %d %s", code, b)
	}
	r = waitReferral(t, api, ref.ID, "the decision", func(r referral) bool { return r.State == "closed" && len(r.Decisions) == 1 })
	effective := domain.MonthOf(time.Now()).Next()
	if d := r.Decisions[0]; d.Measure != "suspend" || d.EffectiveFrom != effective.String() {
		t.Fatalf("decision %+v; want suspend from %s", d, effective)
	}
	code, body = as(t, "ana.caseworker", "GET", s.APIURL+r.Decisions[0].DocumentURL, "")
	if code != 200 || !strings.HasPrefix(string(body), "%PDF") {
		t.Fatalf("the decision's PDF = %d %.100s", code, body)
	}
	if code, _ := as(t, "employment-system", "GET", s.APIURL+r.Decisions[0].DocumentURL, ""); code != 403 {
		t.Errorf("the agency reading the centre's decision = %d; want 403", code)
	}
	// An appeal suspends a sanction: nothing changes on the right until
	// the decision is final. The centre records its delivery today: it is
	// open to appeal for 15 days, then final, and applies from the month
	// after (DecisionFinality waits for it).
	code, body = as(t, "ana.caseworker", "GET", api+"/persons/"+string(worker.ID), "")
	if code != 200 || strings.Contains(string(body), `"suspended_from"`) || !strings.Contains(string(body), ref.ID) {
		t.Errorf("the e-file shows a suspension not yet final, or no referral: %d %.400s", code, body)
	}
	decisionID := strings.TrimSuffix(strings.TrimPrefix(r.Decisions[0].DocumentURL, "/api/v1/activation-decisions/"), "/document")
	today := time.Now().UTC().Format(time.DateOnly)
	code, body = as(t, "ana.caseworker", "POST", api+"/decisions/"+decisionID+"/delivery", `{"delivered_on":"`+today+`"}`)
	final := domain.FinalOn(time.Now().UTC()).Format(time.DateOnly)
	if code != 200 || !strings.Contains(string(body), `"finality":"appealable"`) || !strings.Contains(string(body), `"final_on":"`+final+`"`) {
		t.Errorf("the sanction's delivery = %d %s; want appealable, final on %s", code, body, final)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(fmt.Sprint(agencyMessages(s)), `"measure":"suspend"`) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if m := agencyMessages(s); !strings.Contains(fmt.Sprint(m), `"measure":"suspend"`) {
		t.Fatalf("the agency has no outcome: %v", m)
	}

	// The payroll: this month's pays the right (every month since
	// January): the suspension is not final yet.
	this := domain.MonthOf(time.Now())
	runPayroll(t, api, this.String())
	var months []string
	rows, err := s.DB.Pool().Query(context.Background(), `SELECT to_char(period, 'YYYY-MM') FROM payments WHERE entitlement_id = $1 ORDER BY period`, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m string
		_ = rows.Scan(&m)
		months = append(months, m)
	}
	if len(months) != int(time.Now().Month()) || months[len(months)-1] != this.String() {
		t.Fatalf("payments of the right under a sanction not yet final: %v; want January to %s", months, this)
	}

	// An agency that is down: the referral waits, visibly, and goes when
	// it is back. Its staff then work it by hand.
	s.Sim.SetFaults(sim.Faults{AgencyDown: true, AgencyManual: true})
	second := registerInPodgorica(t, s, time.Date(1990, 6, 1, 0, 0, 0, 0, time.UTC), 814, "Ana", "Vujošević")
	grantAssistance(t, s, second, string(domain.MakeIBAN("510", 7700002)))
	code, body = as(t, "marko.supervisor", "POST", api+"/activation/referrals", fmt.Sprintf(`{"person_id":%q}`, second.ID))
	if code != 202 {
		t.Fatalf("refer the second = %d %s", code, body)
	}
	var ref2 referral
	_ = json.Unmarshal(body, &ref2)
	waitReferral(t, api, ref2.ID, "a failed attempt shown", func(r referral) bool {
		return len(r.Timeline) > 0 && r.Timeline[0].Delivery == "pending" && r.Timeline[0].Attempts >= 1 && strings.Contains(r.Timeline[0].LastError, "503")
	})
	if err := s.RestartWorker(); err != nil {
		t.Fatal(err)
	}
	s.Sim.SetFaults(sim.Faults{AgencyManual: true})
	r2 := waitReferral(t, api, ref2.ID, "the agency's acknowledgement", func(r referral) bool { return r.AgencyReference != "" })
	if r2.Timeline[0].Delivery != "acknowledged" {
		t.Errorf("the referral's delivery: %+v", r2.Timeline[0])
	}
	code, body = as(t, "zorana.zzz", "POST", api+"/activation/referrals/"+ref2.ID+"/steps",
		`{"step_id":"PG-manual-1","kind":"acknowledged","status":"registered","occurred_at":"2026-11-02T09:00:00Z","officer":"Zorana Milić"}`)
	if code != 202 {
		t.Fatalf("agency staff's step = %d %s", code, body)
	}
	waitReferral(t, api, ref2.ID, "acknowledged by hand", func(r referral) bool { return r.State == "acknowledged" })
	if got := s.Sim.AgencySteps(ref2.ID); len(got) != 0 {
		t.Errorf("the agency answered by itself in manual mode: %v", got)
	}
}

func agencyMessages(s *system.System) []string {
	var out []string
	for _, m := range s.Sim.AgencyMessages() {
		out = append(out, string(m))
	}
	return out
}

// runPayroll prepares the payroll of a month and waits for it.
func runPayroll(t *testing.T, api, period string) {
	t.Helper()
	if code, body := as(t, "nina.finance", "POST", api+"/payrolls", fmt.Sprintf(`{"period":%q}`, period)); code != 202 {
		t.Fatalf("start payroll %s = %d %s", period, code, body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		_, body := as(t, "nina.finance", "GET", api+"/payrolls/"+period, "")
		var p struct{ State string }
		_ = json.Unmarshal(body, &p)
		if p.State == "awaiting_submission" {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("payroll %s was not prepared", period)
}
