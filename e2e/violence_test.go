package e2e_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/workflows"
)

// TestPoliceNotificationOverHTTP: the police's system sends a notification
// with its client's token; sending it again gives the same reference; the
// urgent task lands with the DV caseworkers of the victim's centre and
// escalates when nobody takes it; a caseworker without the DV role sees
// none of it; the first contact opens the DV case; the report to the
// police waits while their endpoint is down, survives the worker's
// death, and goes once the endpoint is back;
// later updates are taken once; analysts get the statistics, without
// names.
func TestPoliceNotificationOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 5, ClaimDeadlines: workflows.Deadlines{DVFirstContact: 2 * time.Second}}, 0)
	victim := registerInPodgorica(t, s, time.Date(1991, 4, 12, 0, 0, 0, 0, time.UTC), 704, "Jovana", "Radulović")
	j := victim.JMBG
	unknown, _ := domain.MakeJMBG(time.Date(1988, 7, 1, 0, 0, 0, 0, time.UTC), 21, 155)
	api := s.APIURL + "/api/v1"
	notification := fmt.Sprintf(`{"police_reference":"UP-PG/2026/0117","occurred_at":"2026-11-29T22:40:00+01:00",
		"place":{"municipality":"Nikšić","street":"Njegoševa 4"},
		"description":"Neighbours called the police after loud fighting; the victim has visible injuries.",
		"persons":[{"role":"victim","jmbg":%q,"relationship":"spouse"},{"role":"perpetrator","jmbg":%q,"given_name":"Dejan"}],
		"measures":["removal_from_residence"],"risk_indicators":["previous_violence"],"officer":{"name":"Marko Perić","badge":"4471"}}`, j, unknown)

	// Bad input names every field; the right input is registered once.
	code, body := as(t, "police-system", "POST", api+"/violence-notifications", `{"police_reference":"x","persons":[{"role":"victim"}]}`)
	if code != 400 || !strings.Contains(string(body), "occurred_at") || !strings.Contains(string(body), "officer") {
		t.Fatalf("a malformed notification = %d %s; want 400 naming the fields", code, body)
	}
	if code, body := as(t, "ana.caseworker", "POST", api+"/violence-notifications", notification); code != 404 {
		t.Fatalf("a caseworker sending a police notification = %d %s; want 404 (the compartment does not exist for her)", code, body)
	}
	code, body = as(t, "police-system", "POST", api+"/violence-notifications", notification)
	if code != 202 {
		t.Fatalf("notification = %d %s", code, body)
	}
	var got struct {
		Reference string
		CentreID  string `json:"centre_id"`
		Duplicate bool
	}
	_ = json.Unmarshal(body, &got)
	if got.CentreID != "csr-podgorica" {
		t.Errorf("routed to %s; want the victim's centre, csr-podgorica, not where it happened", got.CentreID)
	}
	code, body = as(t, "police-system", "POST", api+"/violence-notifications", notification)
	var again struct {
		Reference string
		Duplicate bool
	}
	_ = json.Unmarshal(body, &again)
	if code != 200 || again.Reference != got.Reference || !again.Duplicate {
		t.Fatalf("the same notification again = %d %s; want 200 with %s", code, body, got.Reference)
	}
	entry := api + "/violence-notifications/" + got.Reference

	// The urgent task: the DV caseworkers', escalated inside the
	// compartment to the DV supervisor (twice) while nobody takes it.
	task := ""
	deadline := time.Now().Add(30 * time.Second)
	for task == "" && time.Now().Before(deadline) {
		_, body := as(t, "milena.dvsupervisor", "GET", api+"/tasks?group=mine", "")
		var inbox struct {
			Tasks []struct {
				ID, Type    string
				EscalatedTo *string `json:"escalated_to"`
			}
		}
		_ = json.Unmarshal(body, &inbox)
		for _, tk := range inbox.Tasks {
			if tk.Type == "dv_first_contact" && tk.EscalatedTo != nil && *tk.EscalatedTo == "dv_supervisor" {
				task = tk.ID
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if task == "" {
		t.Fatal("the urgent task did not escalate to the DV supervisor")
	}
	// Nobody outside the compartment sees any of it: not a caseworker, not
	// the supervisor or the head it used to escalate to.
	for _, who := range []string{"ana.caseworker", "marko.supervisor", "sanja.head"} {
		for _, url := range []string{api + "/tasks?group=mine&state=any", api + "/tasks?group=dv_caseworker&state=any", api + "/tasks?assignee=dragana.dv&state=any",
			api + "/dv-register", entry, api + "/persons/" + string(victim.ID)} {
			code, body := as(t, who, "GET", url, "")
			if code == 200 && (strings.Contains(string(body), got.Reference) || strings.Contains(string(body), "dv_first_contact")) {
				t.Errorf("%s (no DV clearance) sees the notification at %s: %s", who, url, body)
			}
		}
		if code, _ := as(t, who, "GET", entry, ""); code != 404 {
			t.Errorf("%s reading the register entry = %d; want 404", who, code)
		}
	}

	// The first contact, while the police's endpoint is down.
	s.Sim.SetFaults(sim.Faults{PoliceDown: true})
	first := `{"outcome":"submit","data":{"contact":"in_person","risk_level":"high","findings":"Jovana is at her sister's; she fears he will come back.","open_case":true}}`
	if code, body := as(t, "dragana.dv", "POST", api+"/tasks/"+task+"/complete", first); code != 200 {
		t.Fatalf("first contact = %d %s", code, body)
	}
	var e struct {
		State      string
		CaseNumber string `json:"case_number"`
		Persons    []struct {
			Identified bool
			Role       string
		}
		Report struct {
			State     string
			Attempts  int
			LastError string `json:"last_error"`
		}
	}
	read := func() {
		_, body := as(t, "dragana.dv", "GET", entry, "")
		_ = json.Unmarshal(body, &e)
	}
	for deadline := time.Now().Add(20 * time.Second); (e.Report.Attempts == 0 || e.Report.LastError == "") && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		read()
	}
	if e.CaseNumber == "" || e.Report.State != "pending" || e.Report.LastError == "" {
		t.Fatalf("with the police down: %+v; want a case and the report pending with its error", e)
	}
	if e.Persons[0].Identified != true || e.Persons[1].Identified != false {
		t.Errorf("persons %+v: the victim is known, the perpetrator's JMBG is not", e.Persons)
	}
	// The worker dies while the report waits; the new one carries on.
	if err := s.RestartWorker(); err != nil {
		t.Fatal(err)
	}
	s.Sim.SetFaults(sim.Faults{})
	for deadline := time.Now().Add(90 * time.Second); e.Report.State != "acknowledged" && time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		read()
	}
	if e.Report.State != "acknowledged" || e.State != "reported" || len(s.Sim.PoliceReports()) != 1 {
		t.Fatalf("after the police came back: %+v, %d reports; want acknowledged once", e, len(s.Sim.PoliceReports()))
	}
	if code, body := as(t, "dragana.dv", "GET", api+"/cases/"+e.CaseNumber, ""); code != 200 {
		t.Errorf("the DV case %s as the DV caseworker = %d", e.CaseNumber, code)
	} else if kase := (struct{ Procedure string }{}); json.Unmarshal(body, &kase) != nil || kase.Procedure != "P37" {
		t.Errorf("the DV case of an adult victim is %q; want P37 (DV against an adult; P05 is a child victim's)", kase.Procedure)
	}
	if code, _ := as(t, "ana.caseworker", "GET", api+"/cases/"+e.CaseNumber, ""); code != 404 {
		t.Errorf("the DV case %s as a caseworker without the DV role = %d; want 404", e.CaseNumber, code)
	}
	for _, url := range []string{api + "/persons/" + string(victim.ID), api + "/cases?status=any", api + "/tasks?group=mine",
		api + "/persons?jmbg=" + string(j)} {
		if _, body := as(t, "ana.caseworker", "GET", url, ""); strings.Contains(string(body), e.CaseNumber) || strings.Contains(string(body), got.Reference) {
			t.Errorf("ana (no DV role) sees the DV case or the notification at %s", url)
		}
	}
	if _, body := as(t, "dragana.dv", "GET", api+"/persons/"+string(victim.ID), ""); !strings.Contains(string(body), `"violence":[{`) ||
		!strings.Contains(string(body), got.Reference) {
		t.Errorf("the DV caseworker's e-file of the victim lacks the register entry: %.300s", body)
	}

	// Later updates: taken once.
	update := `{"update_id":"court-1","kind":"court_outcome","at":"2026-12-02T09:00:00Z","outcome":"30 days of restraining order confirmed"}`
	if code, body := as(t, "police-system", "POST", entry+"/updates", update); code != 202 {
		t.Fatalf("police update = %d %s", code, body)
	}
	if code, body := as(t, "police-system", "POST", entry+"/updates", update); code != 200 || !strings.Contains(string(body), `"duplicate":true`) {
		t.Fatalf("the same update again = %d %s; want 200, duplicate", code, body)
	}
	if code, body := as(t, "police-system", "POST", api+"/violence-notifications/NS-1999-000001/updates", update); code != 404 {
		t.Errorf("an update for an unknown notification = %d %s; want 404", code, body)
	}
	if code, body := as(t, "police-system", "GET", api+"/dv-register", ""); code != 200 || !strings.Contains(string(body), got.Reference) {
		t.Errorf("the police's own register = %d %s", code, body)
	}

	// Statistics for analysts, without personal data.
	code, body = as(t, "luka.analyst", "GET", api+"/statistics/violence?year=2026", "")
	if code != 200 || !strings.Contains(string(body), `"ME-12"`) || strings.Contains(string(body), "Radulović") {
		t.Errorf("statistics = %d %s", code, body)
	}
	if code, _ := as(t, "luka.analyst", "GET", api+"/dv-register", ""); code != 404 {
		t.Errorf("the analyst reading the register = %d; want 404", code)
	}
	if code, body := asRaw(t, "", "GET", api+"/schemas/violence-notification.json", ""); code != 200 || !strings.Contains(string(body), "police_reference") {
		t.Errorf("published schema = %d", code)
	}
}
