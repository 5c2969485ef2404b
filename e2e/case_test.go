package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
)

// TestCasesOverHTTP runs a guardianship of a minor over HTTP from intake
// to closing: four eyes on opening, plan, decision (with its PDF) and
// closing; forms checked field by field; a tracking visit past due that
// escalates to the supervisor and shows in the overdue list; the
// supervisors' report.
func TestCasesOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	child := registerInPodgorica(t, s, time.Date(2015, 3, 3, 0, 0, 0, 0, time.UTC), 301, "Luka", "Đurović")
	aunt := registerInPodgorica(t, s, time.Date(1981, 7, 7, 0, 0, 0, 0, time.UTC), 302, "Milena", "Đurović")
	api := s.APIURL + "/api/v1"
	intake := `{"source":"school","description":"The school reports that Luka lives alone since his mother died.","urgency":"urgent","outcome":"open_case"}`
	persons := fmt.Sprintf(`[{"person_id":%q,"role":"beneficiary"}]`, child.ID)

	// Bad input: every failing field of the intake; an unknown procedure.
	code, body := as(t, "ana.caseworker", "POST", api+"/cases", `{"procedure":"P01","persons":`+persons+`,"intake":{"source":"pigeon","urgency":"now"}}`)
	if code != 400 || !strings.Contains(string(body), `"fields"`) || !strings.Contains(string(body), "intake.source") || !strings.Contains(string(body), "intake.description") {
		t.Fatalf("a bad intake = %d %s; want 400 listing source, description, outcome", code, body)
	}
	if code, body := as(t, "ana.caseworker", "POST", api+"/cases", `{"procedure":"P99","persons":`+persons+`,"intake":`+intake+`}`); code != 400 {
		t.Fatalf("an unknown procedure = %d %s; want 400", code, body)
	}
	if code, body := as(t, "jelena.caseworker", "POST", api+"/cases", `{"procedure":"P01","persons":`+persons+`,"intake":`+intake+`}`); code != 403 {
		t.Fatalf("another centre opening the case = %d %s; want 403", code, body)
	}
	code, body = as(t, "ana.caseworker", "POST", api+"/cases", `{"procedure":"P01","persons":`+persons+`,"intake":`+intake+`}`)
	if code != 202 {
		t.Fatalf("open case = %d %s", code, body)
	}
	var opened struct{ Number string }
	_ = json.Unmarshal(body, &opened)
	caseURL := api + "/cases/" + opened.Number

	cs := caseOverHTTP{t: t, api: api, url: caseURL}
	submit, must, task, completeTask := cs.submit, cs.must, cs.task, cs.completeTask

	must("ana.caseworker", "opening", "submit", `{"case_manager":"ana.caseworker","team":["ivan.caseworker"],"network":[{"name":"Milena Đurović","relation":"relative"}]}`)
	if code, body := submit("ana.caseworker", "opening", "approve", `{}`); code != 403 {
		t.Fatalf("a caseworker approving the opening = %d %s; want 403", code, body)
	}
	must("marko.supervisor", "opening", "approve", `{}`)
	if code, body := submit("ana.caseworker", "initial_assessment", "submit", `{"safety":"perfect"}`); code != 400 || !strings.Contains(body, "data.safety") || !strings.Contains(body, "data.findings") {
		t.Fatalf("a bad assessment = %d %s; want 400 naming safety and findings", code, body)
	}
	must("ana.caseworker", "initial_assessment", "submit", `{"safety":"at_risk","findings":"Luka is alone; his aunt Milena visits daily."}`)
	must("ana.caseworker", "detailed_assessment", "submit", `{"needs":"a guardian, schooling","strengths":"a caring aunt","findings":"The aunt is fit and willing to be the guardian.","participated":true}`)
	must("ana.caseworker", "plan", "submit", `{"goals":[{"goal":"Appoint the aunt as guardian","service":"guardianship","responsible":"Ana Radović","due":"2027-01-31"}]}`)
	must("marko.supervisor", "plan", "approve", `{}`)

	// Monitoring: a decision through four eyes, a visit already past due.
	act := cs.act
	if code, body := act("ana.caseworker", "prepare-decision", `{"kind":"adoption","reasoning":"The aunt is fit to be the guardian."}`); code != 400 {
		t.Fatalf("a decision the procedure does not issue = %d %s; want 400", code, body)
	}
	if code, body := act("ana.caseworker", "prepare-decision", `{"kind":"guardian_appointment","reasoning":"Milena Đurović is fit and willing to be Luka's guardian."}`); code != 400 ||
		!strings.Contains(string(body), "data.carers") {
		t.Fatalf("a guardian's appointment naming no guardian = %d %s; want 400 naming data.carers", code, body)
	}
	if code, body := act("ana.caseworker", "prepare-decision", fmt.Sprintf(`{"kind":"guardian_appointment","reasoning":"Milena Đurović is fit and willing to be Luka's guardian.","disposition":"Milena Đurović is appointed guardian of Luka Đurović.","carers":[%q]}`, aunt.ID)); code != 200 {
		t.Fatalf("prepare decision = %d %s", code, body)
	}
	yesterday := time.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	if code, body := act("ana.caseworker", "add-tracking", fmt.Sprintf(`{"kind":"visit","what":"Home visit to the guardian","due":%q}`, yesterday)); code != 200 {
		t.Fatalf("add tracking = %d %s", code, body)
	}
	approval := task("case_decision_approval")
	if code, body := as(t, "ana.caseworker", "POST", api+"/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 403 {
		t.Fatalf("the preparer approving her decision = %d %s; want 403", code, body)
	}
	completeTask("marko.supervisor", approval, "approve")
	completeTask("marko.supervisor", task("case_tracking_overdue"), "acknowledge")
	if _, body := as(t, "ana.caseworker", "GET", api+"/cases?overdue=true", ""); !strings.Contains(string(body), opened.Number) {
		t.Errorf("the overdue list lacks %s: %s", opened.Number, body)
	}
	var page struct {
		Status    string
		Decisions []struct {
			Number      string
			DocumentURL string `json:"document_url"`
		}
		Tracking []struct{ Overdue bool }
		History  []struct{ Kind string }
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(page.Decisions) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, body := as(t, "ana.caseworker", "GET", caseURL, "")
		_ = json.Unmarshal(body, &page)
	}
	if len(page.Decisions) != 1 || len(page.Tracking) != 1 || !page.Tracking[0].Overdue {
		t.Fatalf("case page = %+v; want one decision and one overdue item", page)
	}
	// The issued appointment is in the register of guardians (issue 21).
	if _, body := as(t, "ana.caseworker", "GET", api+"/registers/guardians", ""); !strings.Contains(string(body), string(aunt.ID)) ||
		!strings.Contains(string(body), string(child.ID)) || !strings.Contains(string(body), opened.Number) {
		t.Errorf("the register of guardians lacks the aunt of %s: %s", opened.Number, body)
	}
	if code, pdf := as(t, "ana.caseworker", "GET", s.APIURL+page.Decisions[0].DocumentURL, ""); code != 200 || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatalf("decision PDF = %d", code)
	}
	if code, _ := as(t, "jelena.caseworker", "GET", caseURL, ""); code != 403 {
		t.Errorf("another centre reading the case = %d; want 403", code)
	}

	// Closing, with the supervisor's sign-off.
	if code, body := act("ana.caseworker", "close", `{}`); code != 200 {
		t.Fatalf("propose closing = %d %s", code, body)
	}
	must("ana.caseworker", "closing", "submit", `{"reason":"goals_achieved","summary":"The aunt is Luka's guardian; he lives with her and goes to school."}`)
	must("marko.supervisor", "closing", "approve", `{}`)
	deadline = time.Now().Add(20 * time.Second)
	for page.Status != "closed" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, body := as(t, "ana.caseworker", "GET", caseURL, "")
		_ = json.Unmarshal(body, &page)
	}
	if page.Status != "closed" {
		t.Fatalf("case status %q; want closed", page.Status)
	}
	code, body = as(t, "marko.supervisor", "GET", api+"/reports/cases", "")
	if code != 200 || !strings.Contains(string(body), `"stage":"initial_assessment"`) || !strings.Contains(string(body), `"met":1`) {
		t.Fatalf("case report = %d %s", code, body)
	}
	if _, body := as(t, "ana.caseworker", "GET", api+"/persons/"+string(child.ID), ""); !strings.Contains(string(body), `"number":"`+opened.Number+`"`) {
		t.Errorf("the e-file's case timeline lacks %s", opened.Number)
	}
	if code, _ := as(t, "ana.caseworker", "GET", api+"/reports/cases", ""); code != 403 {
		t.Errorf("a caseworker reading the supervisors' report = %d; want 403", code)
	}
}

// TestFosterCareOverHTTP: a child's foster placement, whose plan the
// supervisor first returns and then approves; the placement decision; a
// monitoring visit that goes past due and lands, escalated, in the
// supervisors' inbox and the overdue list until it is done.
func TestFosterCareOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5}, 0)
	child := registerInPodgorica(t, s, time.Date(2017, 9, 14, 0, 0, 0, 0, time.UTC), 303, "Nikola", "Perović")
	fosterMother := registerInPodgorica(t, s, time.Date(1979, 1, 21, 0, 0, 0, 0, time.UTC), 304, "Jovana", "Marković")
	api := s.APIURL + "/api/v1"
	code, body := as(t, "ana.caseworker", "POST", api+"/cases", fmt.Sprintf(`{"procedure":"P02","persons":[{"person_id":%q,"role":"beneficiary"}],`+
		`"intake":{"source":"court","description":"The court asks for a family placement while the parents are in treatment.","urgency":"routine","outcome":"open_case"}}`, child.ID))
	if code != 202 {
		t.Fatalf("open foster-care case = %d %s", code, body)
	}
	var opened struct{ Number string }
	_ = json.Unmarshal(body, &opened)
	cs := caseOverHTTP{t: t, api: api, url: api + "/cases/" + opened.Number}

	cs.must("ana.caseworker", "opening", "submit", `{"case_manager":"ana.caseworker","network":[{"name":"Jovana Marković","relation":"foster_parent"}]}`)
	cs.must("ana.caseworker", "initial_assessment", "submit", `{"safety":"safe","findings":"Nikola is with his grandmother for now; she cannot keep him."}`)
	cs.must("ana.caseworker", "detailed_assessment", "submit", `{"needs":"a family for a year","strengths":"close to his school","findings":"The Marković family is assessed fit to foster.","participated":true}`)
	plan := `{"goals":[{"goal":"Place Nikola with the Marković family","service":"foster care","provider":"Marković family","responsible":"Ana Radović","due":"2027-01-15"}]}`
	cs.must("ana.caseworker", "plan", "submit", plan)
	if code, body := cs.submit("ana.caseworker", "plan", "approve", `{}`); code != 403 {
		t.Fatalf("the caseworker approving her own plan = %d %s; want 403", code, body)
	}
	cs.must("marko.supervisor", "plan", "return", `{}`)
	cs.must("ana.caseworker", "plan", "submit", strings.Replace(plan, `]}`, `,{"goal":"Keep weekly contact with the parents","service":"contact","responsible":"Ana Radović","due":"2027-06-30"}]}`, 1))
	cs.must("marko.supervisor", "plan", "approve", `{}`)

	if code, body := cs.act("ana.caseworker", "prepare-decision", fmt.Sprintf(`{"kind":"foster_placement","reasoning":"The Marković family is assessed fit; the court agrees.","disposition":"Nikola Perović is placed with the Marković family.","carers":[%q]}`, fosterMother.ID)); code != 200 {
		t.Fatalf("prepare decision = %d %s", code, body)
	}
	cs.completeTask("marko.supervisor", cs.task("case_decision_approval"), "approve")
	past := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	if code, body := cs.act("ana.caseworker", "add-tracking", fmt.Sprintf(`{"kind":"visit","what":"First visit to the foster family","due":%q}`, past)); code != 200 {
		t.Fatalf("add tracking = %d %s", code, body)
	}
	escalated := cs.task("case_tracking_overdue")
	if _, body := as(t, "marko.supervisor", "GET", api+"/tasks?group=supervisor", ""); !strings.Contains(string(body), escalated) {
		t.Errorf("the overdue visit is not in the supervisors' inbox: %s", body)
	}
	if _, body := as(t, "ana.caseworker", "GET", api+"/cases?overdue=true", ""); !strings.Contains(string(body), opened.Number) {
		t.Errorf("the overdue list lacks %s: %s", opened.Number, body)
	}
	if code, body := cs.act("ana.caseworker", "complete-tracking", `{"item":1}`); code != 200 {
		t.Fatalf("visit done = %d %s", code, body)
	}
	var page struct {
		Decisions []struct{ Number string }
		Tracking  []struct {
			Overdue bool
			DoneBy  string `json:"done_by"`
		}
		History []struct{ Kind string }
	}
	deadline := time.Now().Add(20 * time.Second)
	for (len(page.Decisions) == 0 || len(page.Tracking) == 0 || page.Tracking[0].DoneBy == "") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, body := as(t, "ana.caseworker", "GET", cs.url, "")
		_ = json.Unmarshal(body, &page)
	}
	if len(page.Decisions) != 1 || page.Decisions[0].Number == "" || len(page.Tracking) != 1 || !page.Tracking[0].Overdue || page.Tracking[0].DoneBy != "ana.caseworker" {
		t.Fatalf("case page = %+v; want the placement decision and the visit, overdue and then done", page)
	}
	kinds := map[string]bool{}
	for _, e := range page.History {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"plan_returned", "plan_approved", "decision_issued", "tracking_overdue", "tracking_done"} {
		if !kinds[k] {
			t.Errorf("the history lacks %s: %v", k, kinds)
		}
	}
}

// registerInPodgorica registers a person of CSR Podgorica born on birth,
// with the JMBG's serial serial.
func registerInPodgorica(t *testing.T, s *system.System, birth time.Time, serial int, given, family string) domain.Person {
	t.Helper()
	j, err := domain.MakeJMBG(birth, 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: given, FamilyName: family, Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = s.DB.CreatePerson(context.Background(), p, "test"); err != nil {
		t.Fatal(err)
	}
	return p
}

// caseOverHTTP drives one case through the API as the demo users.
type caseOverHTTP struct {
	t        *testing.T
	api, url string
}

// submit posts a stage's outcome once the case waits for it.
func (c caseOverHTTP) submit(user, stage, outcome, data string) (int, string) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := as(c.t, user, "POST", c.url+"/stages/"+stage, fmt.Sprintf(`{"outcome":%q,"data":%s}`, outcome, data))
		if code == 409 && strings.Contains(string(body), "is not waiting") && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return code, string(body)
	}
}

func (c caseOverHTTP) must(user, stage, outcome, data string) {
	c.t.Helper()
	if code, body := c.submit(user, stage, outcome, data); code != 200 {
		c.t.Fatalf("%s %s by %s = %d %s", outcome, stage, user, code, body)
	}
}

// task waits for a task of the case by type and returns its id.
func (c caseOverHTTP) task(typ string) string {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_, body := as(c.t, "marko.supervisor", "GET", c.url, "")
		var page struct{ Tasks []struct{ ID, Type string } }
		_ = json.Unmarshal(body, &page)
		for _, tk := range page.Tasks {
			if tk.Type == typ {
				return tk.ID
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("case %s has no %s task", c.url, typ)
	return ""
}

func (c caseOverHTTP) completeTask(user, id, outcome string) {
	c.t.Helper()
	if code, body := as(c.t, user, "POST", c.api+"/tasks/"+id+"/complete", fmt.Sprintf(`{"outcome":%q}`, outcome)); code != 200 {
		c.t.Fatalf("%s %s by %s = %d %s", outcome, id, user, code, body)
	}
}

// act does something in the case once it is in monitoring.
func (c caseOverHTTP) act(user, action, data string) (int, string) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := as(c.t, user, "POST", c.url+"/actions", fmt.Sprintf(`{"action":%q,"data":%s}`, action, data))
		if code == 409 && strings.Contains(string(body), " is in ") && time.Now().Before(deadline) { // not in monitoring yet
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return code, string(body)
	}
}
