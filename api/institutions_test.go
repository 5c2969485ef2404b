package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// institutionsStack is the API over a database with the demo institutions
// and three persons of 80 and over admitted to Grabovac.
func institutionsStack(t *testing.T) (string, *store.DB, func(user, method, path, body string) (int, []byte)) {
	t.Helper()
	ts, db := newServerWith(t, nil)
	ctx := context.Background()
	for k := range 3 {
		j, err := domain.MakeJMBG(time.Date(1935+k, 4, 1, 0, 0, 0, 0, time.UTC), 21, 700+k)
		if err != nil {
			t.Fatal(err)
		}
		seedPerson(t, db, string(j), "Kotor", "Stana", "Vukić")
	}
	if n, err := devstack.LoadDemoInstitutions(ctx, db, time.Now()); err != nil || n != 3 {
		t.Fatalf("demo institutions: %d %v", n, err)
	}
	return ts.URL, db, func(user, method, path, body string) (int, []byte) { return doAs(t, ts, user, method, path, body) }
}

type instJSON struct {
	ID     string
	Counts struct{ Beds, InService, Occupied, Reserved, Free int }
	Units  []struct {
		ID    int64
		Kind  string
		Rooms []struct {
			ID   int64
			Beds []struct {
				ID          int64
				Status      string
				PlacementID int64  `json:"placement_id"`
				Resident    string `json:"resident"`
			}
		}
	}
	Residents []struct {
		PlacementID int64 `json:"placement_id"`
		Name        string
	}
	MayUpdate bool `json:"may_update"`
}

// TestInstitutionScopes: an institution's staff see their own institution
// only (another is a 404, and its list of institutions and free beds hold
// their own only), with the residents' names; the ministry's officers see
// every institution without the names; a caseworker lists and searches
// every institution but reads none; every read of the names is audited.
func TestInstitutionScopes(t *testing.T) {
	_, db, as := institutionsStack(t)
	code, b := as("bojana.social", "GET", "/api/v1/institutions/dom-grabovac", "")
	var in instJSON
	if code != http.StatusOK || json.Unmarshal(b, &in) != nil {
		t.Fatalf("the social worker's own institution: %d %s", code, b)
	}
	if len(in.Residents) != 3 || in.Residents[0].Name == "" || in.MayUpdate || in.Counts.Occupied != 3 || in.Counts.Beds != 10 {
		t.Errorf("Grabovac for its social worker: %d residents, may update %v, counts %+v; want 3 named, no update, 3 of 10 occupied", len(in.Residents), in.MayUpdate, in.Counts)
	}
	named := 0
	for _, u := range in.Units {
		for _, r := range u.Rooms {
			for _, bed := range r.Beds {
				if bed.Status == "occupied" && bed.Resident != "" && bed.PlacementID != 0 {
					named++
				}
			}
		}
	}
	if named != 3 {
		t.Errorf("%d occupied beds name their resident; want 3", named)
	}
	var audited int
	if err := db.Pool().QueryRow(context.Background(), `SELECT cardinality(person_ids) FROM audit_log WHERE username = 'bojana.social' AND resource = 'institution' ORDER BY id DESC LIMIT 1`).Scan(&audited); err != nil || audited < 3 {
		t.Errorf("the read of Grabovac's residents is audited with %d persons (%v); want every resident", audited, err)
	}
	for _, c := range []struct{ user, path string }{
		{"bojana.social", "/api/v1/institutions/dom-mladost"},
		{"senad.social", "/api/v1/institutions/dom-grabovac"},
		{"vera.director", "/api/v1/institutions/dom-bijelo-polje/occupancy"},
		{"vera.director", "/api/v1/institution-statistics?month=2026-11&institution=dom-mladost"},
		{"milan.nurse", "/api/v1/institutions/no-such-home"},
	} {
		if code, b := as(c.user, "GET", c.path, ""); code != http.StatusNotFound {
			t.Errorf("%s GET %s = %d %s; want 404", c.user, c.path, code, b)
		}
	}
	code, b = as(officer, "GET", "/api/v1/institutions/dom-grabovac", "")
	in = instJSON{}
	if code != http.StatusOK || json.Unmarshal(b, &in) != nil || in.Residents != nil || strings.Contains(string(b), "Stana") {
		t.Errorf("Grabovac for the ministry: %d %s; want the beds without names", code, b)
	}
	if code, b := as("ana.caseworker", "GET", "/api/v1/institutions/dom-grabovac", ""); code != http.StatusForbidden {
		t.Errorf("a caseworker reads an institution: %d %s; want 403", code, b)
	}
	var list struct {
		Institutions []struct {
			ID         string
			Beds, Held int
		}
	}
	for user, want := range map[string]int{"ana.caseworker": 3, officer: 3, "senad.social": 1, "rade.gate": 1} {
		code, b := as(user, "GET", "/api/v1/institutions", "")
		if code != http.StatusOK || json.Unmarshal(b, &list) != nil || len(list.Institutions) != want {
			t.Errorf("%s lists %d institutions (%d %s); want %d", user, len(list.Institutions), code, b, want)
		}
	}
	var free struct {
		Beds []struct {
			InstitutionID string `json:"institution_id"`
			Kind          string
		}
	}
	code, b = as("ana.caseworker", "GET", "/api/v1/free-beds?kind=elderly&gender=female&care_level=2", "")
	if code != http.StatusOK || json.Unmarshal(b, &free) != nil || len(free.Beds) == 0 {
		t.Fatalf("free beds: %d %s", code, b)
	}
	for _, fb := range free.Beds {
		if fb.Kind != "elderly" {
			t.Errorf("a free bed of kind %s for the elderly", fb.Kind)
		}
	}
	code, b = as("senad.social", "GET", "/api/v1/free-beds", "")
	if code != http.StatusOK || json.Unmarshal(b, &free) != nil {
		t.Fatalf("free beds for Bijelo Polje's social worker: %d %s", code, b)
	}
	for _, fb := range free.Beds {
		if fb.InstitutionID != "dom-bijelo-polje" {
			t.Errorf("Bijelo Polje's social worker sees a free bed of %s", fb.InstitutionID)
		}
	}
	code, b = as("ana.caseworker", "GET", "/api/v1/free-beds?kind=giants&gender=x&care_level=7&day=tomorrow", "")
	for _, f := range []string{"kind", "gender", "care_level", "day"} {
		if code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"`+f+`"`) {
			t.Errorf("a bad search: %d %s; want a 400 naming %s", code, b, f)
		}
	}
}

// TestDirectorKeepsTheBeds: only the director changes the institution's
// units, rooms and beds; every bad input is a 4xx naming the problem; a
// bed a placement holds cannot go out of service; a free one can, and
// the occupancy by day counts it out from that day.
func TestDirectorKeepsTheBeds(t *testing.T) {
	_, _, as := institutionsStack(t)
	const base = "/api/v1/institutions/dom-grabovac"
	if code, b := as("bojana.social", "POST", base+"/units", `{"name":"C","kind":"elderly","care_level":1}`); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("a social worker adds a unit: %d %s", code, b)
	}
	if code, b := as("senad.social", "POST", "/api/v1/institutions/dom-bijelo-polje/units", `{"name":"C","kind":"elderly","care_level":1}`); code != http.StatusForbidden {
		t.Errorf("Bijelo Polje's social worker adds a unit: %d %s; want 403 (the role may not)", code, b)
	}
	code, b := as("vera.director", "POST", base+"/units", `{"name":"","kind":"giants","care_level":9}`)
	for _, f := range []string{"name", "kind", "care_level"} {
		if code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"`+f+`"`) {
			t.Errorf("a bad unit: %d %s; want a 400 naming %s", code, b, f)
		}
	}
	if code, b := as("vera.director", "POST", "/api/v1/institutions/dom-mladost/units", `{"name":"C","kind":"children","care_level":1}`); code != http.StatusNotFound {
		t.Errorf("the director adds a unit to another home: %d %s; want 404", code, b)
	}
	code, b = as("vera.director", "POST", base+"/units", `{"name":"Odjeljenje C","kind":"elderly","care_level":2}`)
	var unit struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal(b, &unit) != nil {
		t.Fatalf("a unit: %d %s", code, b)
	}
	if code, b := as("vera.director", "POST", base+"/units", `{"name":"Odjeljenje C","kind":"elderly","care_level":2}`); code != http.StatusConflict {
		t.Errorf("the same unit twice: %d %s; want 409", code, b)
	}
	if code, b := as("vera.director", "POST", fmt.Sprintf("%s/units/%d/rooms", base, unit.ID), `{"name":"","gender":"other"}`); code != http.StatusBadRequest ||
		!strings.Contains(string(b), `"field":"name"`) || !strings.Contains(string(b), `"field":"gender"`) {
		t.Errorf("a bad room: %d %s", code, b)
	}
	code, b = as("vera.director", "POST", fmt.Sprintf("%s/units/%d/rooms", base, unit.ID), `{"name":"Soba 9","gender":"female"}`)
	var room struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal(b, &room) != nil {
		t.Fatalf("a room: %d %s", code, b)
	}
	if code, b := as("vera.director", "POST", fmt.Sprintf("%s/rooms/%d/beds", base, room.ID), `{"label":""}`); code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"label"`) {
		t.Errorf("a bed without a label: %d %s", code, b)
	}
	code, b = as("vera.director", "POST", fmt.Sprintf("%s/rooms/%d/beds", base, room.ID), `{"label":"9/A"}`)
	var bed struct {
		ID     int64
		Status string
	}
	if code != http.StatusCreated || json.Unmarshal(b, &bed) != nil || bed.Status != "free" {
		t.Fatalf("a bed: %d %s", code, b)
	}
	if code, b := as("vera.director", "PUT", fmt.Sprintf("%s/beds/%d", base, bed.ID), `{}`); code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"out_of_service"`) {
		t.Errorf("a bed's change without out_of_service: %d %s", code, b)
	}
	// A bed an admitted resident holds.
	_, b = as("vera.director", "GET", base, "")
	var in instJSON
	_ = json.Unmarshal(b, &in)
	var held int64
	for _, u := range in.Units {
		for _, r := range u.Rooms {
			for _, x := range r.Beds {
				if x.Status == "occupied" && held == 0 {
					held = x.ID
				}
			}
		}
	}
	if code, b := as("vera.director", "PUT", fmt.Sprintf("%s/beds/%d", base, held), `{"out_of_service":true}`); code != http.StatusConflict || !strings.Contains(string(b), "cannot go out of service") {
		t.Errorf("a held bed out of service: %d %s; want 409", code, b)
	}
	if code, b := as("bojana.social", "PUT", fmt.Sprintf("%s/beds/%d", base, bed.ID), `{"out_of_service":true}`); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("a social worker puts a bed out of service: %d %s", code, b)
	}
	code, b = as("vera.director", "PUT", fmt.Sprintf("%s/beds/%d", base, bed.ID), `{"out_of_service":true}`)
	if code != http.StatusOK || !strings.Contains(string(b), `"status":"out_of_service"`) {
		t.Fatalf("a free bed out of service: %d %s", code, b)
	}
	today := time.Now().Format(time.DateOnly)
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	code, b = as("vera.director", "GET", base+"/occupancy?from="+yesterday+"&to="+today, "")
	var raw struct {
		Days []map[string]any
	}
	if code != http.StatusOK || json.Unmarshal(b, &raw) != nil || len(raw.Days) != 2 {
		t.Fatalf("occupancy: %d %s", code, b)
	}
	if raw.Days[0]["in_service"].(float64) != 11 || raw.Days[1]["in_service"].(float64) != 10 || raw.Days[1]["occupied"].(float64) != 3 {
		t.Errorf("occupancy: %v; want 11 beds in service yesterday (the new bed counts back to before it was recorded), 10 today, 3 occupied", raw.Days)
	}
	for _, q := range []string{"?from=2026-13-01", "?from=2026-12-01&to=2026-11-01", "?from=2020-01-01&to=2026-01-01"} {
		if code, b := as("vera.director", "GET", base+"/occupancy"+q, ""); code != http.StatusBadRequest {
			t.Errorf("occupancy%s: %d %s; want 400", q, code, b)
		}
	}
}

// TestInstitutionStatistics: the director reads their institution's
// month, the analysts and finance every institution's with the costs by
// budget line; a bad month is a 400; a caseworker may not.
func TestInstitutionStatistics(t *testing.T) {
	_, db, as := institutionsStack(t)
	ctx := context.Background()
	month := time.Now().Format("2006-01")
	if _, err := db.Pool().Exec(ctx, `UPDATE placements SET monthly_cost = 620.00, copayment = 180.00, budget_line = 'maintenance_in_homes'`); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Institutions []struct{ ID string }
		Costs        []struct {
			Line       string `json:"budget_line"`
			Placements int
			Cost, Net  string
		}
		Total struct{ Cost string }
	}
	code, b := as("vera.director", "GET", "/api/v1/institution-statistics?month="+month, "")
	if code != http.StatusOK || json.Unmarshal(b, &st) != nil || len(st.Institutions) != 1 || st.Institutions[0].ID != "dom-grabovac" {
		t.Fatalf("the director's statistics: %d %s", code, b)
	}
	if len(st.Costs) != 3 || st.Costs[0].Line != "maintenance_in_homes" || st.Costs[0].Placements != 3 {
		t.Errorf("the director's costs: %+v; want three budget lines, three placements in homes", st.Costs)
	}
	for _, user := range []string{"luka.analyst", "nina.finance"} {
		code, b := as(user, "GET", "/api/v1/institution-statistics?month="+month, "")
		if code != http.StatusOK || json.Unmarshal(b, &st) != nil || len(st.Institutions) != 3 {
			t.Errorf("%s: %d %s; want every institution", user, code, b)
		}
	}
	if code, b := as("luka.analyst", "GET", "/api/v1/institution-statistics?month=2026-13", ""); code != http.StatusBadRequest || !strings.Contains(string(b), `"field":"month"`) {
		t.Errorf("a bad month: %d %s", code, b)
	}
	if code, b := as("ana.caseworker", "GET", "/api/v1/institution-statistics?month="+month, ""); code != http.StatusForbidden {
		t.Errorf("a caseworker: %d %s; want 403", code, b)
	}
	if code, b := as("bojana.social", "GET", "/api/v1/institution-statistics?month="+month, ""); code != http.StatusForbidden {
		t.Errorf("a social worker: %d %s; want 403 (the role may not)", code, b)
	}
}
