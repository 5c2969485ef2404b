package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// dvWorld is a centre's domestic-violence work, seeded the way the
// procedures write it: a police notification with its first-contact task
// (completed, with a safety plan), a DV case with an approval escalated
// to the DV supervisors, a sub-procedure opened from the case, and a
// decision of the case.
type dvWorld struct {
	victim, perpetrator domain.Person
	reference           string
	caseNumber, child   string
	decisionID          string
	contactTask         string
	approvalTask        string
	childTask           string
	// secrets appear only inside the compartment.
	secrets []string
}

func seedDV(t *testing.T, db *store.DB) dvWorld {
	t.Helper()
	ctx := context.Background()
	person := func(jmbg, given, family string) domain.Person {
		return seedPerson(t, db, jmbg, "Podgorica", given, family)
	}
	// Case numbers apart from the register's (NS-2026-000001 holds S-2026-000001).
	for range 5 {
		if _, err := db.NextCaseNumber(ctx, 2026); err != nil {
			t.Fatal(err)
		}
	}
	w := dvWorld{victim: person("2101006500003", "Jovana", "Vujović"), perpetrator: person(newJMBG(21), "Zlatan", "Perišić")}
	n, _, err := db.RecordDVNotification(ctx, store.DVNotification{Direction: "from_police", PoliceReference: "UP-PG/2026/SECRET-77",
		Sender: "police-system", ReceivedAt: time.Now(), OccurredAt: time.Now(), Municipality: "ME-16", CentreID: "csr-podgorica",
		Description: "DV-SECRET-DESCRIPTION of the night", Body: json.RawMessage(`{}`), State: "received",
		Persons: []store.DVPerson{{Role: "victim", PersonID: w.victim.ID}, {Role: "perpetrator", PersonID: w.perpetrator.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	w.reference = n.Reference
	a := &activities.Activities{DB: db, Now: time.Now}
	// The first contact: created and escalated through the activities, as
	// the workflow does, then completed with its findings.
	w.contactTask = "dv:" + n.Reference + ":first-contact"
	if err := a.CreateTask(ctx, activities.CreateTaskInput{ID: w.contactTask, WorkflowID: "dv/" + n.Reference, Type: "dv_first_contact",
		Subject: n.Reference + ": police notification", PersonID: w.victim.ID, CentreID: "csr-podgorica",
		CandidateRole: domain.RoleDVCaseworker, Priority: 90, Due: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := a.EscalateTask(ctx, activities.EscalateTaskInput{TaskID: w.contactTask, To: domain.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignTask(ctx, w.contactTask, "", "dragana.dv"); err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteTaskRecord(ctx, w.contactTask, "submit", json.RawMessage(`{"findings":"DV-SECRET-FINDINGS","safety_plan":"SAFETYPLAN-SECRET"}`),
		"dragana.dv", time.Now()); err != nil {
		t.Fatal(err)
	}
	record := func(procedure, parent string, dv bool, persons []store.CasePerson) string {
		number, err := db.NextCaseNumber(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: "csr-podgorica",
			Status: "open", Stage: "planning", Manager: "dragana.dv", Parent: parent, OpenedBy: "dragana.dv", OpenedAt: time.Now(),
			StageDue: ptr(time.Now().Add(-time.Hour)), DV: dv, Persons: persons}}); err != nil {
			t.Fatal(err)
		}
		return number
	}
	both := []store.CasePerson{{PersonID: w.victim.ID, Role: "beneficiary"}, {PersonID: w.perpetrator.ID, Role: "perpetrator"}}
	w.caseNumber = record("P05", "", true, both)
	// The sub-procedure is recorded as its workflow records it (DV false):
	// the store seals it because its parent is sealed.
	w.child = record("P01", w.caseNumber, false, both[:1])
	d, err := db.IssueCaseDecision(ctx, store.CaseDecision{CaseNumber: w.caseNumber, Seq: 1, Kind: "protection_plan", Reasoning: "DV-SECRET-REASONING",
		PreparedBy: "dragana.dv", ApprovedBy: "milena.dvsupervisor", IssuedAt: time.Now()}, "csr-podgorica",
		func(store.CaseDecision) (string, string, error) { return "", "", nil })
	if err != nil {
		t.Fatal(err)
	}
	w.decisionID = d.ID
	// The plan's approval asks for a supervisor: inside the compartment
	// that is a DV supervisor.
	w.approvalTask = "case:" + w.caseNumber + ":plan-approval-1"
	if err := a.CreateTask(ctx, activities.CreateTaskInput{ID: w.approvalTask, WorkflowID: "case/" + w.caseNumber, Type: "case_approval",
		Subject: "P05 " + w.caseNumber + ": approve the safety plan", PersonID: w.victim.ID, CentreID: "csr-podgorica",
		CandidateRole: domain.RoleSupervisor, Due: time.Now().Add(-time.Minute), ExcludedUsers: []string{"dragana.dv"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.EscalateTask(ctx, activities.EscalateTaskInput{TaskID: w.approvalTask, To: domain.RoleCentreHead}); err != nil {
		t.Fatal(err)
	}
	w.childTask = "case:" + w.child + ":assessment-1"
	if err := a.CreateTask(ctx, activities.CreateTaskInput{ID: w.childTask, WorkflowID: "case/" + w.child, Type: "case_stage",
		Subject: "P01 " + w.child + ": assessment", PersonID: w.victim.ID, CentreID: "csr-podgorica",
		CandidateRole: domain.RoleCaseworker, Due: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	w.secrets = []string{w.reference, "UP-PG/2026/SECRET-77", "DV-SECRET", "SAFETYPLAN-SECRET", w.caseNumber, w.child, w.decisionID,
		w.contactTask, w.approvalTask, w.childTask}
	return w
}

func ptr[T any](v T) *T { return &v }

// TestDVCompartment proves the compartment: with a DV notification, its
// tasks, a DV case, its sub-procedure and decision present, every route
// as every user outside the compartment answers without any of their ids
// or contents (404 where a route names one of them); the cleared users
// see them; and the victim's access log shows none of the DV accesses.
func TestDVCompartment(t *testing.T) {
	ts, db := newServerWith(t, unreachableTemporal{})
	w := seedDV(t, db)

	// Inside: the DV caseworker and the DV supervisor see the work.
	inside := []struct{ user, path, want string }{
		{"dragana.dv", "/api/v1/tasks?assignee=me&state=any", "SAFETYPLAN-SECRET"},
		{"dragana.dv", "/api/v1/tasks?group=mine", w.childTask},
		{"dragana.dv", "/api/v1/cases/" + w.child, w.child},
		{"dragana.dv", "/api/v1/cases/" + w.caseNumber, w.child},
		{"dragana.dv", "/api/v1/violence-notifications/" + w.reference, "DV-SECRET-DESCRIPTION"},
		{"dragana.dv", "/api/v1/persons/" + string(w.victim.ID), w.caseNumber},
		{"milena.dvsupervisor", "/api/v1/tasks?group=mine", w.approvalTask},
		{"milena.dvsupervisor", "/api/v1/tasks?group=mine", w.contactTask + `"`}, // escalated to her, completed: listed with state=any only
	}
	for i, x := range inside {
		path := x.path
		if i == len(inside)-1 {
			path += "&state=any"
		}
		code, b := doAs(t, ts, x.user, "GET", path, "")
		if code != http.StatusOK || !strings.Contains(string(b), strings.TrimSuffix(x.want, `"`)) {
			t.Errorf("GET %s as %s = %d, want 200 naming %s: %.300s", path, x.user, code, x.want, b)
		}
	}
	for _, id := range []string{w.approvalTask, w.childTask} {
		tk, err := db.TaskByID(context.Background(), id)
		if err != nil || tk.Compartment != domain.CompartmentDV {
			t.Errorf("task %s compartment = %q (%v); want dv", id, tk.Compartment, err)
		}
	}
	if tk, _ := db.TaskByID(context.Background(), w.approvalTask); tk.CandidateRole != "dv_supervisor" || tk.EscalatedTo != "dv_supervisor" {
		t.Errorf("the DV approval is for %s, escalated to %s; want dv_supervisor for both", tk.CandidateRole, tk.EscalatedTo)
	}

	// Outside: every route, as every user who is not cleared.
	sub := strings.NewReplacer(":reference", w.reference, ":stage", "planning")
	paths := func(rt api.Route) []string {
		p := rt.Path
		switch {
		case strings.HasPrefix(p, "/api/v1/tasks/:id"):
			return []string{strings.Replace(p, ":id", w.contactTask, 1), strings.Replace(p, ":id", w.approvalTask, 1),
				strings.Replace(p, ":id", w.childTask, 1)}
		case strings.HasPrefix(p, "/api/v1/cases/:number"):
			return []string{sub.Replace(strings.Replace(p, ":number", w.caseNumber, 1)), sub.Replace(strings.Replace(p, ":number", w.child, 1))}
		case strings.HasPrefix(p, "/api/v1/case-decisions/"):
			return []string{strings.Replace(p, ":id", w.decisionID, 1)}
		case strings.HasPrefix(p, "/api/v1/persons/:id"):
			return []string{strings.Replace(p, ":id", string(w.victim.ID), 1), strings.Replace(p, ":id", string(w.perpetrator.ID), 1)}
		case p == "/api/v1/tasks":
			return []string{p + "?group=dv_caseworker&state=any", p + "?assignee=dragana.dv&state=any", p + "?group=dv_supervisor&state=any",
				p + "?state=any", p + "?group=mine&state=any", p + "?assignee=me&state=any", p + "?group=supervisor&state=any"}
		case p == "/api/v1/cases" && rt.Method == "GET":
			return []string{p + "?status=any", p + "?status=any&procedure=P05", p + "?status=any&procedure=P01", p + "?overdue=true"}
		case p == "/api/v1/persons" && rt.Method == "GET":
			return []string{p + "?jmbg=" + string(w.victim.JMBG), p + "?jmbg=" + string(w.perpetrator.JMBG), p + "?name=Perišić"}
		case p == "/api/v1/reports/cases":
			return []string{p, p + "?centre_id=csr-podgorica"}
		}
		return []string{sub.Replace(p)}
	}
	bodies := map[string]string{
		"/api/v1/tasks/:id/delegate":          `{"to":"ivan.caseworker"}`,
		"/api/v1/tasks/:id/complete":          `{"outcome":"approve"}`,
		"/api/v1/cases/:number/stages/:stage": `{"data":{}}`,
		"/api/v1/cases/:number/actions":       `{"action":"note","data":{"text":"x"}}`,
		"/api/v1/violence-reports":            `{"occurred_at":"2026-11-29T22:00:00Z","place":{"municipality":"Podgorica"},"description":"x","persons":[{"role":"victim","person_id":"` + string(w.victim.ID) + `"}]}`,
	}
	requests := 0
	for _, u := range domain.DemoUsers() {
		if u.Role.Acts(domain.RoleDVCaseworker) {
			continue
		}
		secrets := w.secrets
		if u.Role == domain.RolePoliceOfficer {
			secrets = secrets[4:] // the police read what they sent; never the centre's case, tasks or findings
			secrets = append(secrets, "SAFETYPLAN-SECRET", "DV-SECRET-FINDINGS", "DV-SECRET-REASONING")
		}
		for _, rt := range api.Routes() {
			for _, path := range paths(rt) {
				code, b := doAs(t, ts, u.Username, rt.Method, path, bodies[rt.Path])
				requests++
				// What the caller sent may come back (a 404 names what was
				// asked for): only what it did not send counts.
				seen := string(b)
				for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '?' || r == '&' || r == '=' }) {
					seen = strings.ReplaceAll(seen, part, "")
				}
				for _, s := range secrets {
					if strings.Contains(seen, s) {
						t.Errorf("%s %s as %s (%s) = %d and shows %q: %.300s", rt.Method, path, u.Username, u.Role, code, s, b)
					}
				}
				names := strings.Contains(path, "/"+w.caseNumber) || strings.Contains(path, "/"+w.child) || strings.Contains(path, w.decisionID) ||
					strings.Contains(path, ":first-contact") || strings.Contains(path, "approval-1") || strings.Contains(path, "assessment-1") ||
					(strings.Contains(path, w.reference) && u.Role != domain.RolePoliceOfficer)
				if names && code != http.StatusNotFound && code != http.StatusForbidden && code != http.StatusUnauthorized {
					t.Errorf("%s %s as %s = %d; a DV record outside the compartment is 404", rt.Method, path, u.Username, code)
				}
				if names && code == http.StatusForbidden && !strings.Contains(string(b), "role may not") {
					t.Errorf("%s %s as %s = 403 about the record (%s); want 404", rt.Method, path, u.Username, b)
				}
				if code == http.StatusForbidden && strings.Contains(string(b), " dv_") && !strings.Contains(string(b), "dv_statistics") { // aggregated: may be refused openly
					t.Errorf("%s %s as %s = 403 naming the compartment (%s); want 404", rt.Method, path, u.Username, b)
				}
			}
		}
	}
	if requests < 500 {
		t.Errorf("%d requests; want every route x user x DV record", requests)
	}

	// The victim's own access log: the DV caseworker's reads above are
	// restricted; the citizen sees none of them, auditors' chain has them.
	code, b := doAs(t, ts, "citizen.demo", "GET", "/api/v1/me/access-log", "")
	if code != http.StatusOK {
		t.Fatalf("access log = %d %s", code, b)
	}
	for _, s := range []string{"violence", "dv_", "dragana", "milena", w.caseNumber} {
		if strings.Contains(string(b), s) {
			t.Errorf("the victim's access log shows %q: %.500s", s, b)
		}
	}
	var restricted int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE restricted AND person_ids @> ARRAY[$1]::uuid[]`,
		string(w.victim.ID)).Scan(&restricted); err != nil || restricted < 5 {
		t.Errorf("restricted audit records naming the victim = %d (%v); want the DV accesses", restricted, err)
	}
	// Auditors have them; a supervisor who is not cleared does not.
	log := "/api/v1/audit/persons/" + string(w.victim.ID) + "/access-log"
	if code, b := doAs(t, ts, "tea.auditor", "GET", log, ""); code != http.StatusOK || !strings.Contains(string(b), `"restricted":true`) ||
		!strings.Contains(string(b), "dragana.dv") {
		t.Errorf("the auditor's access log of the victim = %d, want the restricted DV accesses: %.300s", code, b)
	}
	if code, b := doAs(t, ts, "marko.supervisor", "GET", log, ""); code != http.StatusOK || strings.Contains(string(b), `"restricted":true`) ||
		strings.Contains(string(b), "dragana.dv") {
		t.Errorf("the supervisor's access log of the victim = %d, want no restricted access: %.300s", code, b)
	}
	if _, broken, why, err := db.VerifyAudit(context.Background()); err != nil || broken != 0 {
		t.Errorf("audit chain: broken at %d (%s), %v", broken, why, err)
	}
}

// TestEveryNamedPersonIsAuthorised: a claim's member, a case's second
// person, a DV report's person from another centre are refused with 403
// naming the field, and nothing is written.
func TestEveryNamedPersonIsAuthorised(t *testing.T) {
	ts, db := newServerWith(t, unreachableTemporal{})
	ctx := context.Background()
	own, other := seedPerson(t, db, "2101006500003", "Podgorica", "Test", "Osoba"), seedPerson(t, db, "0101900350008", "Nikšić", "Test", "Osoba")
	cases := []struct{ user, path, body, field string }{
		{"ana.caseworker", "/api/v1/claims", `{"benefit":"MO","applicant_person_id":"` + string(own.ID) + `","member_person_ids":["` + string(other.ID) +
			`"],"payee_account":"ME25505000012345678951","consent":true}`, "member_person_ids"},
		{"ana.caseworker", "/api/v1/claims", `{"benefit":"MO","applicant_person_id":"` + string(own.ID) + `","subject_person_id":"` + string(other.ID) +
			`","payee_account":"ME25505000012345678951","consent":true}`, "subject_person_id"},
		{"ana.caseworker", "/api/v1/cases", `{"procedure":"P07","persons":[{"person_id":"` + string(own.ID) + `","role":"beneficiary"},{"person_id":"` +
			string(other.ID) + `","role":"family"}],"intake":{"source":"walk_in","description":"A family asks for counselling.","urgency":"routine","outcome":"open_case"}}`, "persons.1.person_id"},
		{"dragana.dv", "/api/v1/violence-reports", `{"occurred_at":"2026-11-29T22:00:00Z","place":{"municipality":"Podgorica"},"description":"The mother told the school.","risk_level":"medium",` +
			`"persons":[{"role":"victim","person_id":"` + string(own.ID) + `"},{"role":"perpetrator","person_id":"` + string(other.ID) + `"}]}`, "persons.1.person_id"},
	}
	count := func() int {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM claims) + (SELECT count(*) FROM cases) + (SELECT count(*) FROM dv_notifications)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, x := range cases {
		before := count()
		code, b := doAs(t, ts, x.user, "POST", x.path, x.body)
		var e errBody
		_ = json.Unmarshal(b, &e)
		if code != http.StatusForbidden || e.Error.Field != x.field {
			t.Errorf("POST %s naming another centre's person as %s = %d %s; want 403 naming %s", x.path, x.user, code, b, x.field)
		}
		if count() != before {
			t.Errorf("POST %s refused but wrote a record", x.path)
		}
	}
}
