package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

type gateResident struct {
	PlacementID int64 `json:"placement_id"`
	Name        string
	Child       bool
	OnLeave     bool  `json:"on_leave"`
	LeaveID     int64 `json:"leave_id"`
	Overdue     bool
}

// TestGatehouseVisitsAndLeaves (issue 22 item 5): rade.gate logs a
// visitor in and out for a demo resident; a visitor the plan excludes is a
// 409 naming the rule and nothing is recorded; bad input lists every
// problem; a resident on leave is shown so and cannot be visited; an
// overdue leave is flagged; a return ends it. Another institution's
// gatekeeper finds none of it (404, an empty list); the nurse may not use
// the gatehouse (403); the social worker and the director read it.
func TestGatehouseVisitsAndLeaves(t *testing.T) {
	var iss api.TokenIssuer
	ts, db := newServerFor(t, func(d *api.Deps) { iss = d.DevIssuer })
	tok, err := iss.Token(domain.User{Username: "mira.gate", Name: "Mira Bulatović", Role: domain.RoleInstitutionGatekeeper, InstitutionID: "dom-bijelo-polje"})
	if err != nil {
		t.Fatal(err)
	}
	tokens["mira.gate"] = tok
	ctx := context.Background()
	for k := range 3 {
		j, _ := domain.MakeJMBG(time.Date(1938+k, 3, 1, 0, 0, 0, 0, time.UTC), 21, 600+k)
		seedPerson(t, db, string(j), "Kotor", "Stana", fmt.Sprintf("Vukić%c", 'a'+k))
	}
	if _, err := devstack.LoadDemoInstitutions(ctx, db, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	code, b := doAs(t, ts, "rade.gate", "GET", "/api/v1/gatehouse/residents", "")
	var res struct{ Residents []gateResident }
	if code != http.StatusOK || json.Unmarshal(b, &res) != nil || len(res.Residents) < 2 {
		t.Fatalf("GET /api/v1/gatehouse/residents = %d %s; want Grabovac's residents", code, b)
	}
	first, second := res.Residents[0], res.Residents[1]
	if err := db.ReplaceVisitRules(ctx, first.PlacementID, []store.VisitRule{
		{VisitorName: "Marko Đurović", Allowed: false, Reason: "zabrana prilaska po rješenju suda"},
	}, "bojana.social"); err != nil {
		t.Fatal(err)
	}
	visits := func() int {
		var n int
		if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM gate_visits`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Refusals: every problem listed; the excluded visitor by name.
	future := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		user, body string
		status     int
		says       []string
	}{
		{"rade.gate", `{}`, 400, []string{"placement_id: is required", "visitor_name: is required", "visitor_document: give the number of an ID document or the JMBG", "relation: is required"}},
		{"rade.gate", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Ana","visitor_jmbg":"123","relation":"kći","arrived_at":%q}`, first.PlacementID, future), 400,
			[]string{"visitor_jmbg: must have 13 digits", "arrived_at: " + future + " is in the future"}},
		{"rade.gate", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Ana Jovanović","visitor_document":"AB12345","relation":"kći","arrived_at":%q}`, first.PlacementID, past), 400,
			[]string{`"field":"reason"`, "a time in the past (back-dated) needs a reason"}},
		{"rade.gate", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"marko djurovic","visitor_document":"AB12345","relation":"sin"}`, first.PlacementID), 409,
			[]string{"the resident's plan excludes this visitor: zabrana prilaska po rješenju suda"}},
		{"mira.gate", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Ana Jovanović","visitor_document":"AB12345","relation":"kći"}`, first.PlacementID), 404,
			[]string{"not found"}},
		{"milan.nurse", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Ana Jovanović","visitor_document":"AB12345","relation":"kći"}`, first.PlacementID), 403,
			[]string{"may not create gatehouse"}},
		{"bojana.social", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Ana Jovanović","visitor_document":"AB12345","relation":"kći"}`, first.PlacementID), 403,
			[]string{"may not create gatehouse"}},
	} {
		code, b := doAs(t, ts, c.user, "POST", "/api/v1/gatehouse/visits", c.body)
		for _, s := range c.says {
			if code != c.status || !strings.Contains(string(b), s) {
				t.Errorf("POST visits as %s %s = %d %s; want %d saying %q", c.user, c.body, code, b, c.status, s)
			}
		}
	}
	if n := visits(); n != 0 {
		t.Fatalf("refused visits recorded %d rows", n)
	}

	// A visitor in and out; the list of the day.
	code, b = doAs(t, ts, "rade.gate", "POST", "/api/v1/gatehouse/visits",
		fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Ana Jovanović","visitor_jmbg":"0101980215009","relation":"kći"}`, first.PlacementID))
	var v struct {
		ID           int64
		ResidentName string `json:"resident_name"`
		Inside       bool
		DepartedAt   *time.Time `json:"departed_at"`
	}
	if code != http.StatusCreated || json.Unmarshal(b, &v) != nil || v.ID == 0 || !v.Inside || v.ResidentName != first.Name {
		t.Fatalf("a visit = %d %s", code, b)
	}
	if code, b := doAs(t, ts, "rade.gate", "POST", "/api/v1/gatehouse/visits", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Ivo Ivić",`+
		`"visitor_document":"XY98765","relation":"prijatelj","arrived_at":%q,"reason":"upisano naknadno, gužva na ulazu"}`, second.PlacementID, past)); code != http.StatusCreated {
		t.Errorf("a back-dated visit with its reason = %d %s", code, b)
	}
	for _, who := range []string{"rade.gate", "bojana.social", "vera.director"} {
		code, b := doAs(t, ts, who, "GET", "/api/v1/gatehouse/visits", "")
		var list struct {
			Inside int
			Visits []struct {
				VisitorName string `json:"visitor_name"`
			}
		}
		if code != http.StatusOK || json.Unmarshal(b, &list) != nil || list.Inside != 2 || len(list.Visits) != 2 {
			t.Errorf("GET visits as %s = %d %s; want 2 inside", who, code, b)
		}
	}
	for _, c := range []struct{ user, path string }{
		{"mira.gate", fmt.Sprintf("/api/v1/gatehouse/visits/%d/departure", v.ID)},
		{"mira.gate", "/api/v1/gatehouse/visits/abc/departure"},
	} {
		if code, b := doAs(t, ts, c.user, "POST", c.path, ""); code != http.StatusNotFound {
			t.Errorf("POST %s as %s = %d %s; want 404", c.path, c.user, code, b)
		}
	}
	if code, b := doAs(t, ts, "mira.gate", "GET", "/api/v1/gatehouse/visits", ""); code != http.StatusOK || !strings.Contains(string(b), `"visits":[]`) {
		t.Errorf("another institution's gatekeeper's list = %d %s; want none", code, b)
	}
	for _, c := range []struct{ user, path string }{{"milan.nurse", "/api/v1/gatehouse/visits"}, {"milan.nurse", "/api/v1/gatehouse/leaves"}} {
		if code, b := doAs(t, ts, c.user, "GET", c.path, ""); code != http.StatusForbidden {
			t.Errorf("GET %s as %s = %d %s; want 403", c.path, c.user, code, b)
		}
	}
	if code, b := doAs(t, ts, "rade.gate", "GET", "/api/v1/gatehouse/visits?day=yesterday", ""); code != http.StatusBadRequest || !strings.Contains(string(b), `"day"`) {
		t.Errorf("GET visits?day=yesterday = %d %s; want 400 on day", code, b)
	}
	code, b = doAs(t, ts, "rade.gate", "POST", fmt.Sprintf("/api/v1/gatehouse/visits/%d/departure", v.ID), "")
	if code != http.StatusOK || json.Unmarshal(b, &v) != nil || v.Inside || v.DepartedAt == nil {
		t.Errorf("the departure = %d %s", code, b)
	}
	if code, b := doAs(t, ts, "rade.gate", "POST", fmt.Sprintf("/api/v1/gatehouse/visits/%d/departure", v.ID), `{}`); code != http.StatusConflict {
		t.Errorf("a second departure = %d %s; want 409", code, b)
	}

	// A leave: overdue, the resident shown on leave, no visit meanwhile, then the return.
	if code, b := doAs(t, ts, "rade.gate", "POST", "/api/v1/gatehouse/leaves", `{"kind":"picnic"}`); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "placement_id") || !strings.Contains(string(b), "kind: value must be one of") || !strings.Contains(string(b), "expected_return: is required") {
		t.Errorf("a bad leave = %d %s; want every problem", code, b)
	}
	left := time.Now().Add(-5 * time.Hour).UTC().Format(time.RFC3339)
	due := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	code, b = doAs(t, ts, "rade.gate", "POST", "/api/v1/gatehouse/leaves", fmt.Sprintf(`{"placement_id":%d,"kind":"home_visit","companion_name":"Ana Jovanović",`+
		`"companion_document":"AB12345","companion_relation":"kći","left_at":%q,"reason":"upisano po povratku smjene","expected_return":%q}`, second.PlacementID, left, due))
	var l struct {
		ID      int64
		Overdue bool
	}
	if code != http.StatusCreated || json.Unmarshal(b, &l) != nil || !l.Overdue {
		t.Fatalf("a leave = %d %s; want 201, overdue", code, b)
	}
	code, b = doAs(t, ts, "rade.gate", "GET", "/api/v1/gatehouse/leaves", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"on_leave":1`) || !strings.Contains(string(b), `"overdue":1`) {
		t.Errorf("GET leaves = %d %s; want one on leave, overdue", code, b)
	}
	code, b = doAs(t, ts, "vera.director", "GET", "/api/v1/gatehouse/residents", "")
	if code != http.StatusOK || !strings.Contains(string(b), fmt.Sprintf(`"placement_id":%d,"name":%q`, second.PlacementID, second.Name)) ||
		!strings.Contains(string(b), fmt.Sprintf(`"on_leave":true,"leave_id":%d,"overdue":true`, l.ID)) {
		t.Errorf("the residents as the director reads them = %d %s; want %s on leave", code, b, second.Name)
	}
	if code, b := doAs(t, ts, "rade.gate", "POST", "/api/v1/gatehouse/visits",
		fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Ivo Ivić","visitor_document":"XY98765","relation":"prijatelj"}`, second.PlacementID)); code != http.StatusConflict ||
		!strings.Contains(string(b), "the resident is on leave") {
		t.Errorf("a visit to a resident on leave = %d %s; want 409", code, b)
	}
	if code, b := doAs(t, ts, "mira.gate", "POST", fmt.Sprintf("/api/v1/gatehouse/leaves/%d/return", l.ID), ""); code != http.StatusNotFound {
		t.Errorf("another institution's return = %d %s; want 404", code, b)
	}
	code, b = doAs(t, ts, "rade.gate", "POST", fmt.Sprintf("/api/v1/gatehouse/leaves/%d/return", l.ID), "")
	if code != http.StatusOK || json.Unmarshal(b, &l) != nil || l.Overdue {
		t.Errorf("the return = %d %s", code, b)
	}
	if code, b := doAs(t, ts, "rade.gate", "POST", "/api/v1/gatehouse/leaves", fmt.Sprintf(`{"placement_id":%d,"kind":"outing",`+
		`"companion_name":"marko DJUROVIC","companion_document":"AB12345","companion_relation":"sin","expected_return":%q}`, first.PlacementID,
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339))); code != http.StatusConflict || !strings.Contains(string(b), "the resident's plan excludes this companion: zabrana") {
		t.Errorf("a leave with the excluded person = %d %s; want 409 naming the rule", code, b)
	}

	// Audited with the resident: the refused visit too.
	var named int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log a JOIN placements p ON p.person_id = ANY(a.person_ids)
		WHERE p.id = $1 AND a.resource = 'gatehouse'`, first.PlacementID).Scan(&named); err != nil || named < 4 {
		t.Errorf("audit records naming the first resident: %d, %v", named, err)
	}
}

// TestGatehouseChildRules (issue 22 item 5, GUESS on the law: see
// domain/institutions/visits.go): a child in the children's home Mladost
// lets in only the visitors its plan allows, by name or JMBG, and leaves
// only with such a person; the 4xx says the rule.
func TestGatehouseChildRules(t *testing.T) {
	var iss api.TokenIssuer
	ts, db := newServerFor(t, func(d *api.Deps) { iss = d.DevIssuer })
	tok, err := iss.Token(domain.User{Username: "nada.gate", Name: "Nada Vujović", Role: domain.RoleInstitutionGatekeeper, InstitutionID: "dom-mladost"})
	if err != nil {
		t.Fatal(err)
	}
	tokens["nada.gate"] = tok
	ctx := context.Background()
	if _, err := devstack.LoadDemoInstitutions(ctx, db, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	j, _ := domain.MakeJMBG(time.Now().AddDate(-9, 0, 0), 21, 640)
	child := seedPerson(t, db, string(j), "Herceg Novi", "Luka", "Šćekić")
	beds, err := db.FreeBeds(ctx, store.FreeBedFilter{Kind: "children", Day: time.Now()})
	if err != nil || len(beds) == 0 {
		t.Fatalf("free children's beds: %v, %v", beds, err)
	}
	on := time.Now().AddDate(0, -1, 0)
	pl, err := db.InsertPlacement(ctx, store.Placement{PersonID: child.ID, CentreID: child.CentreID, InstitutionID: beds[0].InstitutionID, BedID: beds[0].BedID,
		State: store.PlacementAdmitted, AdmittedOn: &on, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceVisitRules(ctx, pl.ID, []store.VisitRule{{VisitorName: "Jelena Šćekić", VisitorJMBG: "0606985215125", Allowed: true, Reason: "majka"}}, "ivana.social"); err != nil {
		t.Fatal(err)
	}
	back := time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		path, body string
		status     int
		says       string
	}{
		{"/api/v1/gatehouse/visits", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Goran Šćekić","visitor_document":"AB12345","relation":"otac"}`, pl.ID), 409,
			"the resident is a child: only a visitor the plan allows by name or JMBG is let through"},
		{"/api/v1/gatehouse/visits", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Jelena Scekic","visitor_document":"AB12345","relation":"majka"}`, pl.ID), 409,
			"the resident is a child"}, // the rule names her by JMBG: a document is not enough
		{"/api/v1/gatehouse/leaves", fmt.Sprintf(`{"placement_id":%d,"kind":"outing","expected_return":%q}`, pl.ID, back), 400,
			"a child leaves only with a person the plan allows"},
		{"/api/v1/gatehouse/visits", fmt.Sprintf(`{"placement_id":%d,"visitor_name":"Jelena Šćekić","visitor_jmbg":"0606985215125","relation":"majka"}`, pl.ID), 201, ""},
		{"/api/v1/gatehouse/leaves", fmt.Sprintf(`{"placement_id":%d,"kind":"home_visit","companion_name":"jelena scekic","companion_jmbg":"0606985215125",`+
			`"companion_relation":"majka","expected_return":%q}`, pl.ID, back), 201, ""},
	} {
		if code, b := doAs(t, ts, "nada.gate", "POST", c.path, c.body); code != c.status || !strings.Contains(string(b), c.says) {
			t.Errorf("POST %s %s = %d %s; want %d saying %q", c.path, c.body, code, b, c.status, c.says)
		}
	}
	code, b := doAs(t, ts, "nada.gate", "GET", "/api/v1/gatehouse/residents", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"child":true,"on_leave":true`) {
		t.Errorf("Mladost's residents = %d %s; want the child on leave", code, b)
	}
}
