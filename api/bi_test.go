package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

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

// TestReportsControlsAndOpenData: a closed month's recipients report (a
// month not closed is a 409 that says so), a control report's findings for
// the centre's supervisor (persons by id, audited), their counts for the
// ministry's analyst, and the open data without login.
func TestReportsControlsAndOpenData(t *testing.T) {
	ts, db := newServerFor(t, func(*api.Deps) {})
	ctx := context.Background()
	// October's payroll: 30 MO in Podgorica, one of them above the legal
	// maximum, one person paid LI and DNJP in Bar.
	_, err := db.Pool().Exec(ctx, `INSERT INTO bi_payment_lines (payment_id, month, period, benefit, benefit_group, payment_type,
			municipality, settlement, centre, person_id, entitlement_id, sex, age_band, amount)
		SELECT i, '2026-10-01', '2026-10-01', 'MO', 'social', 'regular', 'ME-16', 'Podgorica', 'csr-podgorica', gen_random_uuid(),
			gen_random_uuid(), 'F', '40-64', CASE WHEN i = 1 THEN 500 ELSE 87.91 END FROM generate_series(1, 30) i`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Pool().Exec(ctx, `WITH p AS (SELECT gen_random_uuid() AS id)
		INSERT INTO bi_payment_lines (payment_id, month, period, benefit, benefit_group, payment_type, municipality, settlement, centre,
			person_id, entitlement_id, sex, age_band, amount)
		SELECT 100 + i, '2026-10-01', '2026-10-01', b, 'social', 'regular', 'ME-02', 'Bar', 'csr-bar', p.id, gen_random_uuid(), 'M', '25-39', 90
		FROM p, unnest(ARRAY['LI', 'DNJP']) WITH ORDINALITY AS x(b, i)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RebuildStatistics(ctx, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}

	code, b := doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/reports/recipients?month=2026-10&lang=en", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"persons":"30"`) || !strings.Contains(string(b), "Women") {
		t.Fatalf("recipients: %d %s", code, b)
	}
	code, b = doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/reports/recipients?month=2026-11", "")
	if code != http.StatusConflict || !strings.Contains(string(b), "2026-11 is not closed") {
		t.Fatalf("a month not closed: %d %s", code, b)
	}

	code, b = doAs(t, ts, "marko.supervisor", "GET", "/api/v1/bi/controls/out_of_range?month=2026-10", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"amount":"500.00"`) || !strings.Contains(string(b), `"max":"167.14"`) {
		t.Fatalf("out of range for Podgorica's supervisor: %d %s", code, b)
	}
	code, b = doAs(t, ts, "marko.supervisor", "GET", "/api/v1/bi/controls/incompatible?month=2026-10", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"items":[]`) {
		t.Fatalf("Bar's finding shown to Podgorica: %d %s", code, b)
	}
	code, b = doAs(t, ts, "luka.analyst", "GET", "/api/v1/bi/controls/incompatible?month=2026-10", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"items":[]`) || !strings.Contains(string(b), `"centre_id":"csr-bar","centre":"CSR Bar","findings":1`) {
		t.Fatalf("incompatible for the analyst (counts only): %d %s", code, b)
	}
	code, b = doAs(t, ts, "tea.auditor", "GET", "/api/v1/bi/controls/incompatible?month=2026-10", "")
	if code != http.StatusOK || !strings.Contains(string(b), `"benefits":["DNJP","LI"]`) {
		t.Fatalf("incompatible for an auditor: %d %s", code, b)
	}
	var audited int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE purpose = 'control_report' AND cardinality(person_ids) > 0`).Scan(&audited); err != nil || audited == 0 {
		t.Fatalf("the findings' persons are not audited: %d %v", audited, err)
	}
	if code, b = doAs(t, ts, "ana.caseworker", "GET", "/api/v1/bi/controls/incompatible", ""); code != http.StatusForbidden {
		t.Fatalf("a caseworker: %d %s", code, b)
	}

	resp, err := http.Get(ts.URL + "/api/v1/open-data/recipients.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Karton-Month") != "2026-10" || !strings.Contains(string(body), "MO,") ||
		!strings.Contains(string(body), "<5") {
		t.Fatalf("open data: %d %s", resp.StatusCode, body)
	}
}
