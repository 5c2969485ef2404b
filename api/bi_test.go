package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/karton-social/karton/api"
)

type pivotAnswer struct {
	Axes []struct {
		Axis, Label, Up, Down string
	}
	Cells []struct {
		Keys, Labels []string
		Values       map[string]string
		Suppressed   bool
	}
	Suppressed int
}

// TestPivotOverHTTP: the ministry's analyst crosses claims by centre: a
// centre of 3 persons shows "<5", and the next smallest with it (or the
// total less the others would give it away), in JSON and CSV, with names;
// a centre's supervisor reads only their own; bad input is a 400 naming it.
func TestPivotOverHTTP(t *testing.T) {
	ts, db := newServerFor(t, func(*api.Deps) {})
	seed := func(centre, municipality, benefit, group string, n int) {
		t.Helper()
		_, err := db.Pool().Exec(context.Background(), `INSERT INTO bi_claims (claim_number, day, benefit, benefit_group, channel, municipality,
			settlement, centre, person_id, sex, age_band)
			SELECT $1 || i, '2026-10-05', $2, $3, 'counter', $4, 'X', $1, gen_random_uuid(), 'F', '25-39' FROM generate_series(1, $5) i`,
			centre, benefit, group, municipality, n)
		if err != nil {
			t.Fatal(err)
		}
	}
	seed("csr-podgorica", "ME-16", "MO", "social", 12)
	seed("csr-bar", "ME-02", "MO", "social", 20)
	seed("csr-niksic", "ME-12", "DD", "child", 3)

	code, b := doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/claims?axes=organisation.centre&lang=cnr", "")
	if code != http.StatusOK {
		t.Fatalf("analyst: %d %s", code, b)
	}
	var a pivotAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range a.Cells {
		got[c.Labels[0]] = c.Values["persons"]
	}
	if len(a.Cells) != 3 || got["CSR Nikšić"] != "<5" || got["CSR Podgorica"] != "<5" || got["CSR Bar"] != "20" || a.Suppressed != 2 {
		t.Fatalf("by centre: %s", b)
	}
	if strings.Contains(string(b), `"3"`) || strings.Contains(string(b), `"12"`) {
		t.Fatalf("a suppressed figure in the answer: %s", b)
	}
	if a.Axes[0].Label != "Centar za socijalni rad" {
		t.Errorf("axis label: %+v", a.Axes[0])
	}
	// CSV: the same cells.
	code, b = doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/claims?axes=organisation.centre&format=csv&lang=en", "")
	if code != http.StatusOK || !strings.Contains(string(b), "csr-niksic,CSR Nikšić,<5,<5") || !strings.Contains(string(b), "csr-bar,CSR Bar,20,20") {
		t.Fatalf("csv: %d %s", code, b)
	}
	// Drill: the benefits of MO's group, by municipality.
	code, b = doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/claims?axes=geography.municipality,benefit.benefit&filter=benefit.group=social&lang=en", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"Podgorica"`) || !strings.Contains(string(b), `"12"`) || strings.Contains(string(b), "Nikšić") {
		t.Fatalf("social by municipality: %d %s", code, b)
	}

	// The supervisor of Podgorica: their centre only.
	code, b = doAs(t, ts, "marko.supervisor", "GET", "/api/v1/bi/claims?axes=benefit.benefit", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"persons":"12"`) || strings.Contains(string(b), `"20"`) {
		t.Fatalf("supervisor: %d %s", code, b)
	}
	if code, b = doAs(t, ts, "marko.supervisor", "GET", "/api/v1/bi/claims?filter=organisation.centre=csr-bar", ""); code != http.StatusForbidden {
		t.Fatalf("supervisor reading another centre: %d %s", code, b)
	}
	if code, _ = doAs(t, ts, "ana.caseworker", "GET", "/api/v1/bi/claims", ""); code != http.StatusForbidden {
		t.Fatalf("caseworker: %d", code)
	}

	for _, c := range []struct{ path, want string }{
		{"/api/v1/bi/claims?axes=colour", `unknown dimension \"colour\"`},
		{"/api/v1/bi/claims?axes=time.week", `unknown level \"week\"`},
		{"/api/v1/bi/claims?measures=amount", `unknown measure \"amount\" of claims`},
		{"/api/v1/bi/claims?filter=geography.municipality=ME-99", `\"ME-99\" is not a value of geography.municipality`},
		{"/api/v1/bi/claims?format=xml", `\"xml\" is not a format`},
	} {
		code, b := doAs(t, ts, "luka.analyst", "GET", c.path, "")
		if code != http.StatusBadRequest || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %s; want 400 saying %s", c.path, code, b, c.want)
		}
	}
	if code, b := doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/households", ""); code != http.StatusNotFound {
		t.Errorf("unknown fact: %d %s", code, b)
	}
}
