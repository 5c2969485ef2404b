package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/karton-social/karton/api"
)

// TestAnnualReport: the analyst fetches CSR Podgorica's report of 2025 as
// a workbook (a sheet a section; MO's 30 persons a number, LI's 3 persons
// "<5" in every measure, DNJP with it so that no total gives LI away;
// Nikšić's benefit not in it) and as a PDF; Podgorica's supervisor reads
// their own centre's, not Nikšić's; a year not begun, a year without
// facts, an unknown centre and an unknown format are refused, each saying
// why.
func TestAnnualReport(t *testing.T) {
	ts, db := newServerFor(t, func(*api.Deps) {})
	ctx := context.Background()
	lines := func(first int, centre, municipality, benefit, sex, band, amount string, persons int, months ...string) {
		t.Helper()
		_, err := db.Pool().Exec(ctx, `WITH p AS (SELECT i, gen_random_uuid() AS person, gen_random_uuid() AS right_id FROM generate_series(1, $1) i)
			INSERT INTO bi_payment_lines (payment_id, month, period, benefit, benefit_group, payment_type, municipality, settlement, centre,
				person_id, entitlement_id, sex, age_band, amount)
			SELECT $2 + p.i * 100 + m.n, m.month::date, m.month::date, $3, 'social', 'regular', $4, 'X', $5, p.person, p.right_id, $6, $7, $8::numeric
			FROM p, unnest($9::text[]) WITH ORDINALITY AS m(month, n)`, persons, first, benefit, municipality, centre, sex, band, amount, months)
		if err != nil {
			t.Fatal(err)
		}
	}
	lines(1_000_000, "csr-podgorica", "ME-16", "MO", "F", "40-64", "87.91", 30, "2025-01-01", "2025-02-01")
	lines(2_000_000, "csr-podgorica", "ME-16", "LI", "M", "65+", "200", 3, "2025-01-01")
	lines(3_000_000, "csr-podgorica", "ME-16", "DNJP", "M", "65+", "150", 8, "2025-01-01")
	lines(4_000_000, "csr-niksic", "ME-12", "NNJ", "F", "25-39", "100", 10, "2025-01-01")
	for _, m := range []time.Time{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)} {
		if err := db.RebuildStatistics(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	_, err := db.Pool().Exec(ctx, `INSERT INTO bi_decisions (decision_id, day, benefit, benefit_group, kind, legal_ref, municipality, settlement,
			centre, person_id, sex, age_band, days_to_decide)
		SELECT gen_random_uuid(), '2025-03-10', 'MO', 'social', k.kind, '', 'ME-16', 'X', 'csr-podgorica', gen_random_uuid(), 'F', '40-64', k.days
		FROM (VALUES ('grant', 12), ('rejection', 20)) AS k(kind, days), generate_series(1, 6)`)
	if err != nil {
		t.Fatal(err)
	}

	get := func(user, path string) (int, string, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[user])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}

	code, ct, b := get("luka.analyst", "/api/v1/bi/annual/csr-podgorica?year=2025&format=xlsx")
	if code != http.StatusOK || ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %s %.300s", code, ct, b)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	if n := len(f.GetSheetList()); n != 5 {
		t.Errorf("%d sheets; want a sheet a section: %v", n, f.GetSheetList())
	}
	cell := func(sheet, at string) string {
		v, err := f.GetCellValue(sheet, at, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if a1 := cell("1 Davanja", "A1"); !strings.Contains(a1, "CSR Podgorica") || !strings.Contains(a1, "2025") {
		t.Errorf("title row: %q", a1)
	}
	for at, want := range map[string]string{
		"A5": "Materijalno obezbjeđenje", "B5": "30", "C5": "30", "D5": "5274.6",
		"A6": "Lična invalidnina", "B6": "<5", "C6": "<5", "D6": "<5",
		"A7": "Dodatak za njegu i pomoć", "B7": "<5", "D7": "<5", // the second cell, or MO's group total would give LI away
		"A8": "",
	} {
		if got := cell("1 Davanja", at); got != want {
			t.Errorf("1 Davanja!%s = %q; want %q", at, got, want)
		}
	}
	for at, want := range map[string]string{"A5": "januar 2025", "B5": "41", "A6": "februar 2025", "D6": "2637.3"} {
		if got := cell("2 Mjeseci", at); got != want {
			t.Errorf("2 Mjeseci!%s = %q; want %q", at, got, want)
		}
	}
	for at, want := range map[string]string{"A5": "Priznato pravo", "B5": "6", "D5": "12", "A6": "Odbijen zahtjev", "D6": "20"} {
		if got := cell("4 Rješenja", at); got != want {
			t.Errorf("4 Rješenja!%s = %q; want %q", at, got, want)
		}
	}
	if got := cell("5 Zahtjevi", "A5"); !strings.HasPrefix(got, "Nema podataka") {
		t.Errorf("claims, none: %q", got)
	}

	code, ct, b = get("luka.analyst", "/api/v1/bi/annual/csr-podgorica?year=2025&format=pdf")
	if code != http.StatusOK || ct != "application/pdf" || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("pdf: %d %s %.100q", code, ct, b)
	}
	if code, _, b = get("marko.supervisor", "/api/v1/bi/annual/csr-podgorica?year=2025"); code != http.StatusOK || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("Podgorica's supervisor, own centre: %d %.200s", code, b)
	}
	if code, _, b = get("marko.supervisor", "/api/v1/bi/annual/csr-niksic?year=2025"); code != http.StatusForbidden {
		t.Errorf("Podgorica's supervisor, Nikšić: %d %s", code, b)
	}
	if code, _, b = get("ana.caseworker", "/api/v1/bi/annual/csr-podgorica?year=2025"); code != http.StatusForbidden {
		t.Errorf("a caseworker: %d %s", code, b)
	}
	next := time.Now().Year() + 1
	for _, c := range []struct {
		path string
		code int
		want string
	}{
		{"/api/v1/bi/annual/csr-podgorica?year=" + strconv.Itoa(next), http.StatusBadRequest, "has not begun"},
		{"/api/v1/bi/annual/csr-podgorica", http.StatusBadRequest, "the year is required"},
		{"/api/v1/bi/annual/csr-podgorica?year=twenty", http.StatusBadRequest, `\"twenty\" is not a year`},
		{"/api/v1/bi/annual/csr-podgorica?year=2025&format=docx", http.StatusBadRequest, `\"docx\" is not a format`},
		{"/api/v1/bi/annual/csr-podgorica?year=2024", http.StatusConflict, "CSR Podgorica has no statistics for 2024"},
		{"/api/v1/bi/annual/csr-atlantida?year=2025", http.StatusNotFound, `no centre \"csr-atlantida\"`},
	} {
		if code, _, b := get("luka.analyst", c.path); code != c.code || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %s; want %d saying %s", c.path, code, b, c.code, c.want)
		}
	}
}
