package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/store"
)

// inspectionClock is a test's day, read by the API while the test moves it.
type inspectionClock struct{ unix atomic.Int64 }

func (c *inspectionClock) set(day string) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	c.unix.Store(d.Add(10 * time.Hour).Unix())
}

func (c *inspectionClock) now() time.Time { return time.Unix(c.unix.Load(), 0).UTC() }

func wantFields(t *testing.T, what string, code int, b []byte, fields ...string) {
	t.Helper()
	if code != http.StatusBadRequest {
		t.Errorf("%s: %d %s; want 400", what, code, b)
		return
	}
	for _, f := range fields {
		if !strings.Contains(string(b), `"field":"`+f+`"`) {
			t.Errorf("%s: no fault on %s in %s", what, f, b)
		}
	}
}

// TestInspectionWithFine schedules an inspection, records its findings,
// refuses a fine without a legal reference (and a bad amount), has the
// fine decided by a second officer only, appealed and the appeal decided;
// then suspends the licence and lifts the suspension; the provider's
// supervision shows it all in its history.
func TestInspectionWithFine(t *testing.T) {
	var clock inspectionClock
	clock.set("2026-12-01")
	ts, _ := newServerFor(t, func(d *api.Deps) { d.Now = clock.now })
	id := recordProvider(t, ts, "Dom Sunce", "02655284", "L-1")
	base := fmt.Sprintf("/api/v1/providers/%d/licences/L-1", id)

	code, b := doAs(t, ts, officer, "POST", base+"/inspections", `{"kind":"surprise","scheduled_on":"2026-11-01"}`)
	wantFields(t, "a bad inspection", code, b, "kind", "scheduled_on")
	if code, b := doAs(t, ts, "ana.caseworker", "POST", base+"/inspections", `{"kind":"regular","scheduled_on":"2026-12-03"}`); code != http.StatusForbidden {
		t.Errorf("a caseworker schedules an inspection: %d %s", code, b)
	}
	code, b = doAs(t, ts, officer, "POST", base+"/inspections", `{"kind":"regular","scheduled_on":"2026-12-03"}`)
	if code != http.StatusCreated {
		t.Fatalf("schedule an inspection: %d %s", code, b)
	}
	var insp struct{ ID int64 }
	if err := json.Unmarshal(b, &insp); err != nil {
		t.Fatal(err)
	}
	ibase := fmt.Sprintf("%s/inspections/%d", base, insp.ID)
	items := `{"item":"staffing","compliant":false,"note":"two carers for 40 residents at night"},{"item":"premises","compliant":true},` +
		`{"item":"safety","compliant":true},{"item":"records","compliant":true},{"item":"standards","compliant":true}`
	if code, b := doAs(t, ts, officer, "POST", ibase+"/findings", `{"items":[`+items+`]}`); code != http.StatusConflict {
		t.Errorf("findings before the day: %d %s; want 409", code, b)
	}
	clock.set("2026-12-03")
	code, b = doAs(t, ts, officer, "POST", ibase+"/findings", `{"items":[{"item":"staffing","compliant":false},{"item":"juggling","compliant":true}]}`)
	wantFields(t, "bad findings", code, b, "items[0].note", "items[1].item", "items")
	if code, b := doAs(t, ts, officer, "POST", ibase+"/findings", `{"items":[`+items+`],"summary":"staffing below the standard"}`); code != http.StatusOK ||
		!strings.Contains(string(b), `"inspected_on":"2026-12-03"`) {
		t.Fatalf("findings: %d %s", code, b)
	}
	code, b = doAs(t, ts, officer, "POST", ibase+"/fines", `{"amount":"1500.00","reason":"too few staff","due_on":"2027-01-31"}`)
	wantFields(t, "a fine without a legal reference", code, b, "legal_reference")
	code, b = doAs(t, ts, officer, "POST", ibase+"/fines", `{"amount":"12.345","legal_reference":"","reason":"","due_on":"2026-12-01"}`)
	wantFields(t, "a fine with every fault", code, b, "amount", "legal_reference", "reason", "due_on")
	code, b = doAs(t, ts, officer, "POST", ibase+"/fines", `{"amount":"1500.00","legal_reference":"Zakon o socijalnoj i dječjoj zaštiti, čl. 185","reason":"too few staff","due_on":"2027-01-31"}`)
	if code != http.StatusCreated || !strings.Contains(string(b), `"amount":"1500.00"`) || !strings.Contains(string(b), `"state":"proposed"`) {
		t.Fatalf("a fine: %d %s", code, b)
	}
	var withFine struct{ Fines []struct{ ID int64 } }
	if err := json.Unmarshal(b, &withFine); err != nil || len(withFine.Fines) != 1 {
		t.Fatalf("the fine: %v %s", err, b)
	}
	fbase := fmt.Sprintf("%s/fines/%d", base, withFine.Fines[0].ID)
	if code, b := doAs(t, ts, officer, "POST", fbase+"/decide", ``); code != http.StatusForbidden {
		t.Errorf("the proposer decides the fine: %d %s; want 403", code, b)
	}
	if code, b := doAs(t, ts, "jovana.ministry", "POST", fbase+"/decide", ``); code != http.StatusOK ||
		!strings.Contains(string(b), `"appeal_until":"2026-12-18"`) || !strings.Contains(string(b), `"decided_by":"jovana.ministry"`) {
		t.Fatalf("decide the fine: %d %s", code, b)
	}
	clock.set("2026-12-05")
	code, b = doAs(t, ts, officer, "POST", fbase+"/appeal", `{"filed_on":"2026-12-19"}`)
	wantFields(t, "an appeal in the future", code, b, "filed_on")
	if code, b := doAs(t, ts, officer, "POST", fbase+"/appeal", `{"filed_on":"2026-12-05","grounds":"staff hired since"}`); code != http.StatusOK {
		t.Fatalf("appeal: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "jovana.ministry", "POST", fbase+"/appeal/outcome", `{"outcome":"upheld"}`); code != http.StatusForbidden {
		t.Errorf("the officer who decided the fine decides its appeal: %d %s; want 403", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", fbase+"/appeal/outcome", `{"outcome":"changed","amount":"800"}`); code != http.StatusOK ||
		!strings.Contains(string(b), `"outcome":"changed"`) || !strings.Contains(string(b), `"amount":"800.00"`) {
		t.Fatalf("the appeal's outcome: %d %s", code, b)
	}

	// Suspension, then lifting it.
	code, b = doAs(t, ts, officer, "POST", base+"/suspend", `{"from":"2026-12-01","reason":""}`)
	wantFields(t, "a suspension in the past without a reason", code, b, "from", "reason")
	if code, b := doAs(t, ts, officer, "POST", base+"/suspend", `{"from":"2026-12-05","reason":"fire exits blocked"}`); code != http.StatusOK ||
		!strings.Contains(string(b), `"state":"suspended"`) {
		t.Fatalf("suspend: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/suspend", `{"from":"2026-12-06","reason":"again"}`); code != http.StatusConflict {
		t.Errorf("suspend twice: %d %s; want 409", code, b)
	}
	if n := inForce(t, ts, "residential_elderly", ""); n != 0 {
		t.Errorf("providers in force under the suspension = %d; want 0", n)
	}
	clock.set("2026-12-09")
	if code, b := doAs(t, ts, officer, "POST", base+"/lift-suspension", `{"reason":"exits cleared"}`); code != http.StatusOK ||
		!strings.Contains(string(b), `"state":"active"`) {
		t.Fatalf("lift: %d %s", code, b)
	}
	if code, b := doAs(t, ts, officer, "POST", base+"/lift-suspension", `{"reason":"again"}`); code != http.StatusConflict {
		t.Errorf("lift twice: %d %s; want 409", code, b)
	}
	if n := inForce(t, ts, "residential_elderly", ""); n != 1 {
		t.Errorf("providers in force after lifting = %d; want 1", n)
	}
	if n := inForce(t, ts, "residential_elderly", "2026-12-07"); n != 0 {
		t.Errorf("providers in force on a day of the lifted suspension = %d; want 0", n)
	}
	code, b = doAs(t, ts, officer, "GET", fmt.Sprintf("/api/v1/providers/%d/supervision?lang=en", id), "")
	if code != http.StatusOK {
		t.Fatalf("supervision: %d %s", code, b)
	}
	for _, k := range []string{"inspection_scheduled", "findings_recorded", "fine_proposed", "fine_decided", "fine_appealed", "appeal_decided", "suspended", "suspension_lifted"} {
		if !strings.Contains(string(b), `"kind":"`+k+`"`) {
			t.Errorf("the history has no %s: %s", k, b)
		}
	}
	if !strings.Contains(string(b), `"item_name":"Qualified staff and staffing levels"`) {
		t.Errorf("the findings are not named in English: %s", b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", fmt.Sprintf("/api/v1/providers/%d/supervision", id), ""); code != http.StatusForbidden {
		t.Errorf("a caseworker reads the supervision: %d %s", code, b)
	}
}

// recordProvider records a provider with a licence of residential care
// for the elderly from 2025 as the officer.
func recordProvider(t *testing.T, srv *httptest.Server, name, pib, number string) int64 {
	t.Helper()
	code, b := doAs(t, srv, officer, "POST", "/api/v1/providers", fmt.Sprintf(`{"name":%q,"pib":%q,"address":{"street":"Njegoševa 1","municipality":"Podgorica"},"founded_on":"2020-02-01"}`, name, pib))
	if code != http.StatusCreated {
		t.Fatalf("record a provider: %d %s", code, b)
	}
	var p struct{ ID int64 }
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if code, b := doAs(t, srv, officer, "POST", fmt.Sprintf("/api/v1/providers/%d/licences", p.ID), fmt.Sprintf(`{"number":%q,"service":"residential_elderly","valid_from":"2025-01-01"}`, number)); code != http.StatusCreated {
		t.Fatalf("a licence: %d %s", code, b)
	}
	return p.ID
}

// inForce is how many providers a caseworker is offered for service on
// day ("": today).
func inForce(t *testing.T, ts *httptest.Server, service, day string) int {
	t.Helper()
	path := "/api/v1/providers?service=" + service
	if day != "" {
		path += "&on=" + day
	}
	code, b := doAs(t, ts, "ana.caseworker", "GET", path, "")
	if code != http.StatusOK {
		t.Fatalf("providers in force: %d %s", code, b)
	}
	var v struct{ Providers []struct{ ID int64 } }
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return len(v.Providers)
}

// TestWithdrawnProviderLeavesPlacements withdraws a provider's licence:
// it is no longer offered for placements, and a placement in an
// institution naming it is refused with the provider named (one naming
// none too); a provider in force is offered.
func TestWithdrawnProviderLeavesPlacements(t *testing.T) {
	var clock inspectionClock
	clock.set("2026-12-01")
	ts, db := newServerFor(t, func(d *api.Deps) { d.Now = clock.now })
	a := recordProvider(t, ts, "Dom A", "02655284", "L-A")
	b := recordProvider(t, ts, "Dom B", "02000008", "L-B")
	if n := inForce(t, ts, "residential_elderly", ""); n != 2 {
		t.Fatalf("providers in force = %d; want 2", n)
	}
	code, body := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/providers?service=juggling&on=1.12.2026", "")
	wantFields(t, "a bad service and day", code, body, "service", "on")
	if code, body := doAs(t, ts, officer, "POST", fmt.Sprintf("/api/v1/providers/%d/licences/L-B/withdraw", b), `{"reason":"no qualified staff"}`); code != http.StatusOK {
		t.Fatalf("withdraw: %d %s", code, body)
	}
	code, body = doAs(t, ts, "ana.caseworker", "GET", "/api/v1/providers?service=residential_elderly", "")
	if code != http.StatusOK || strings.Contains(string(body), "Dom B") || !strings.Contains(string(body), "Dom A") {
		t.Errorf("providers in force after the withdrawal: %d %s; want Dom A only", code, body)
	}

	// A P22 case in monitoring, of the caseworker's centre.
	ctx := context.Background()
	p := seedPerson(t, db, newJMBG(21), "Podgorica", "Milica", "Radović")
	number, err := db.NextCaseNumber(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P22", Version: 1, CentreID: "csr-podgorica",
		Status: "open", Stage: "monitoring", Manager: "ana.caseworker", OpenedBy: "ana.caseworker", OpenedAt: time.Now(),
		Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	decision := func(provider string) string {
		return `{"action":"prepare-decision","data":{"kind":"institution_placement","reasoning":"She cannot live alone any more."` + provider + `}}`
	}
	path := "/api/v1/cases/" + number + "/actions"
	code, body = doAs(t, ts, "ana.caseworker", "POST", path, decision(fmt.Sprintf(`,"provider_id":%d`, b)))
	wantFields(t, "a placement with the withdrawn provider", code, body, "data.provider_id")
	if !strings.Contains(string(body), "Dom B") || !strings.Contains(string(body), "no licence in force") {
		t.Errorf("the refusal does not name the provider: %s", body)
	}
	code, body = doAs(t, ts, "ana.caseworker", "POST", path, decision(""))
	wantFields(t, "a placement naming no provider", code, body, "data.provider_id")
	code, body = doAs(t, ts, "ana.caseworker", "POST", path, decision(`,"provider_id":999999`))
	wantFields(t, "a placement naming no provider on the register", code, body, "data.provider_id")

	// A placement prepared with Dom A waits for approval; Dom A's licence
	// is suspended meanwhile: the supervisor's approval is refused (409).
	kase := store.Case{Number: number, Procedure: "P22", Version: 1, CentreID: "csr-podgorica", Status: "open", Stage: "monitoring",
		Manager: "ana.caseworker", OpenedBy: "ana.caseworker", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: kase, Event: &store.CaseEvent{Key: number + "/1", At: time.Now(), Kind: "decision_prepared",
		Stage: "monitoring", By: "ana.caseworker", Summary: "institution_placement",
		Data: json.RawMessage(fmt.Sprintf(`{"kind":"institution_placement","reasoning":"She cannot live alone any more.","provider_id":%d}`, a))}}); err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{DB: db, Now: time.Now}
	taskID := "case:" + number + ":decision-1-approval"
	if err := acts.CreateTask(ctx, activities.CreateTaskInput{ID: taskID, WorkflowID: "case/" + number, Type: "case_decision_approval",
		Subject: "P22 " + number + ": approve decision", PersonID: p.ID, CentreID: "csr-podgorica", CandidateRole: "supervisor",
		Due: time.Now().Add(time.Hour), ExcludedUsers: []string{"ana.caseworker"}, Data: map[string]string{"case": number, "decision": "institution_placement"}}); err != nil {
		t.Fatal(err)
	}
	if code, body := doAs(t, ts, officer, "POST", fmt.Sprintf("/api/v1/providers/%d/licences/L-A/suspend", a), `{"from":"2026-12-01","reason":"fire exits blocked"}`); code != http.StatusOK {
		t.Fatalf("suspend: %d %s", code, body)
	}
	code, body = doAs(t, ts, "marko.supervisor", "POST", "/api/v1/tasks/"+taskID+"/complete", `{"outcome":"approve"}`)
	if code != http.StatusConflict || !strings.Contains(string(body), "Dom A") {
		t.Errorf("approving a placement whose provider was suspended: %d %s; want 409 naming Dom A", code, body)
	}
}
