package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/bi"
	"github.com/karton-social/karton/store"
)

// biPageCases are the statistics' pages for TestPagesSpeakOneLanguage: the
// dashboard (as the analyst, and another month and measure), the pivot
// table (the first one, drilled to a municipality as a supervisor kept to
// their centre, a refused query, the decisions), and a caseworker refused.
func biPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "statistics dashboard", tpl: "bi_dashboard", run: get(s, "luka.analyst", "/bi", s.biDashboard),
			want: map[string][]string{"cnr": {"Statistika isplata", "Karta opština", "Podgorica", "oktobar 2026", "&lt;5", "Oblici opština"},
				"en": {"Payment statistics", "Map of the municipalities", "October 2026", "simplified"}}},
		{name: "statistics dashboard: a month and a measure", tpl: "bi_dashboard", run: get(s, "luka.analyst", "/bi?month=2026-09&measure=persons", s.biDashboard),
			want: both("Lica po opštinama, septembar 2026", "Persons by municipality, September 2026")},
		{name: "statistics table", tpl: "bi_pivot", run: get(s, "luka.analyst", "/bi/pivot", s.biPivotPage),
			want: map[string][]string{"cnr": {"Isplate: Opština × Grupa davanja", "cijela Crna Gora", "Dječja zaštita", "Excel (XLSX)", "↑ Nivo više: Crna Gora"},
				"en": {"Payments: Municipality × Group of benefits", "all of Montenegro", "Child protection"}}},
		{name: "statistics table: a municipality, the supervisor's centre", tpl: "bi_pivot", run: get(s, "marko.supervisor",
			"/bi/pivot?fact=payments&axes=geography.settlement,benefit.benefit&filter=geography.municipality=ME-16&filter=time.month=2026-10", s.biPivotPage),
			want: map[string][]string{"cnr": {"vaš centar", "Golubovci (Podgorica)", "Materijalno obezbjeđenje", "↑ Nivo više: Opština", "oktobar 2026"},
				"en": {"your centre", "Up a level: Municipality", "October 2026"}}},
		{name: "statistics table: refused", tpl: "bi_pivot", run: get(s, "luka.analyst", "/bi/pivot?fact=payments&axes=region.x", s.biPivotPage),
			want: both("nepoznata dimenzija „region”", "unknown dimension “region”")},
		{name: "statistics table: decisions", tpl: "bi_pivot", run: get(s, "luka.analyst", "/bi/pivot?fact=decisions", s.biPivotPage),
			want: both("Priznato pravo", "Granted")},
		{name: "statistics table: placements", tpl: "bi_pivot", run: get(s, "luka.analyst", "/bi/pivot?fact=placements", s.biPivotPage),
			want: map[string][]string{"cnr": {"Smještaji u ustanove: Mjesec × Budžetska linija", "Izdržavanje u domovima", "Porodični smještaj", "Participacija (EUR)", "Na teret budžeta (EUR)", "Ustanova"},
				"en": {"Placements: Month × Budget line", "Maintenance in homes", "Family placement", "Co-payment (EUR)", "Paid by the budget (EUR)", "Institution"}}},
		{name: "statistics table: placements by institution", tpl: "bi_pivot", run: get(s, "luka.analyst", "/bi/pivot?fact=placements&axes=institution", s.biPivotPage),
			want: both("Bez ustanove", "No institution")},
		{name: "statistics: not a caseworker's", tpl: "message", run: get(s, "ana.caseworker", "/bi", s.onlyFor("bi", "read", "bi_not_yours", s.biDashboard)),
			want: both("analitičari ministarstva", "the ministry's analysts")},
	}
}

// biMembers are the stand-in API's members of each axis.
var biMembers = map[string][]string{
	"time.year": {"2026"}, "time.quarter": {"2026-Q3", "2026-Q4"}, "time.month": {"2026-08", "2026-09", "2026-10"},
	"benefit.group": {"social", "child"}, "benefit.benefit": {"MO", "DD", "LI"},
	"geography.municipality": {"ME-16", "ME-12", "ME-02"}, "geography.settlement": {"ME-16/Podgorica", "ME-16/Golubovci"},
	"organisation.centre": {"csr-podgorica", "csr-niksic"}, "sex.sex": {"F", "M"}, "age.band": {"25-39", "40-64"},
	"kind.kind": {"grant", "rejection"}, "channel.channel": {"counter", "online"},
	"budget_line.budget_line": {"maintenance_in_homes", "outside_montenegro", "family_placement"}, "institution.institution": {"dom-grabovac", ""},
}

// biFakeAPI answers GET /api/v1/bi/:fact as the API does (api/bi.go): the
// query checked by domain/bi, the crossing of the axes' members, the last
// cell of 3 persons suppressed, the names in the asked language; a pivot
// of the settlements is the supervisor's, kept to their centre.
func biFakeAPI(r *gin.Engine) {
	r.GET("/api/v1/bi/:fact", func(c *gin.Context) {
		lang := c.Query("lang")
		f, err := bi.FactByName(c.Param("fact"))
		if err != nil {
			c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": err.Error()}})
			return
		}
		filters := c.QueryArray("filter")
		if strings.Contains(c.Query("axes"), "settlement") {
			filters = append(filters, "organisation.centre=csr-podgorica")
		}
		q, err := bi.ParseQuery(f, c.Query("axes"), filters, c.Query("measures"))
		if err != nil {
			c.Data(http.StatusBadRequest, "application/json", apiErrorJSON(err))
			return
		}
		type axis struct{ Axis, Label, Up, Down string }
		type filter struct {
			Axis           string
			Values, Labels []string
		}
		type measure struct{ Measure, Label string }
		type cell struct {
			Keys, Labels []string
			Values       map[string]string
			Suppressed   bool
		}
		var view struct {
			Fact       string    `json:"fact"`
			Axes       []axis    `json:"axes"`
			Filters    []filter  `json:"filters"`
			Measures   []measure `json:"measures"`
			Cells      []cell    `json:"cells"`
			Suppressed int       `json:"suppressed"`
			AsOf       string    `json:"as_of"`
		}
		view.Fact, view.AsOf = f.Name, "2026-11-21T10:00:00Z"
		for _, a := range q.Axes {
			x := axis{Axis: a.String(), Label: bi.Word(a.String(), lang)}
			if u, ok := a.Up(); ok {
				x.Up = u.String()
			}
			if d, ok := a.Down(); ok {
				x.Down = d.String()
			}
			view.Axes = append(view.Axes, x)
		}
		for _, fl := range q.Filters {
			x := filter{Axis: fl.Axis.String(), Values: fl.Values}
			for _, v := range fl.Values {
				x.Labels = append(x.Labels, bi.Label(fl.Axis, v, lang))
			}
			view.Filters = append(view.Filters, x)
		}
		for _, m := range q.Measures {
			view.Measures = append(view.Measures, measure{string(m), bi.Word(string(m), lang)})
		}
		keys := [][]string{{}}
		for _, a := range q.Axes {
			var next [][]string
			for _, k := range keys {
				for _, v := range biMembers[a.String()] {
					next = append(next, append(slices.Clone(k), v))
				}
			}
			keys = next
		}
		for i, k := range keys {
			persons := 12 + 5*i
			x := cell{Keys: k, Values: map[string]string{}, Suppressed: i == len(keys)-1 && len(keys) > 1}
			for j, v := range k {
				x.Labels = append(x.Labels, bi.Label(q.Axes[j], v, lang))
			}
			for _, m := range q.Measures {
				switch {
				case x.Suppressed:
					x.Values[string(m)] = "<5"
				case strings.HasPrefix(string(m), "amount"):
					x.Values[string(m)] = fmt.Sprintf("%d.50", persons*120)
				case m == bi.DaysToDecide:
					x.Values[string(m)] = "12.5"
				default:
					x.Values[string(m)] = fmt.Sprint(persons)
				}
			}
			if x.Suppressed {
				view.Suppressed++
			}
			view.Cells = append(view.Cells, x)
		}
		c.JSON(http.StatusOK, view)
	})
}

// apiErrorJSON is a domain error as the API writes it (api/errors.go).
func apiErrorJSON(err error) []byte {
	var de *domain.Error
	if !errors.As(err, &de) {
		de = &domain.Error{Code: domain.CodeInternal, Message: err.Error()}
	}
	d := gin.H{"code": de.Code, "field": de.Field, "message": de.Message}
	var fields []gin.H
	for _, f := range de.Fields {
		fields = append(fields, gin.H{"field": f.Field, "message": f.Message})
	}
	if len(fields) > 0 {
		d["fields"] = fields
	}
	b, _ := json.Marshal(gin.H{"error": d})
	return b
}

// TestBIDrill: a member's drill-down filters to it and moves its axis a
// level down (at the finest level, away); a drill-up moves it up and
// drops its dimension's filters at that level or finer; a chip's removal
// keeps the rest.
func TestBIDrill(t *testing.T) {
	q := biQuery{Fact: "payments", Axes: []string{"geography.municipality", "benefit.group"}, Filters: []biFilter{{"time.month", []string{"2026-10"}}}}
	d := q.down(0, "ME-16")
	want := url.Values{"fact": {"payments"}, "axes": {"geography.settlement,benefit.group"}, "filter": {"time.month=2026-10", "geography.municipality=ME-16"}}
	if got := d.values().Encode(); got != want.Encode() {
		t.Errorf("down to Podgorica: %s", got)
	}
	d = d.down(1, "social").down(1, "MO")
	if strings.Join(d.Axes, ",") != "geography.settlement" || len(d.Filters) != 3 || d.Filters[2].Axis != "benefit.benefit" || d.Filters[2].Values[0] != "MO" {
		t.Errorf("down to a benefit: %+v", d)
	}
	u, to := d.up(0)
	if to != "geography.municipality" || strings.Join(u.Axes, ",") != "geography.municipality" || slices.ContainsFunc(u.Filters, func(f biFilter) bool { return strings.HasPrefix(f.Axis, "geography") }) {
		t.Errorf("up from the settlements: %+v (to %s)", u, to)
	}
	u, to = u.up(0)
	if to != "" || len(u.Axes) != 0 {
		t.Errorf("up from the municipalities: %+v (to %q); want the whole", u, to)
	}
	// The months of a year drill up to its quarters: the year stays, the months go.
	m := biQuery{Fact: "payments", Axes: []string{"time.month"}, Filters: []biFilter{{"time.year", []string{"2026"}}, {"time.month", []string{"2026-01", "2026-02"}}}}
	if u, _ := m.up(0); strings.Join(u.Axes, ",") != "time.quarter" || len(u.Filters) != 1 || u.Filters[0].Axis != "time.year" {
		t.Errorf("up from months: %+v", u)
	}
	if w := q.without(0); len(w.Filters) != 0 || len(q.Filters) != 1 {
		t.Errorf("without the month: %+v (the query itself %+v)", w, q)
	}
}

// TestNumbersInTheirLanguage: amounts as money, counts grouped, days with
// a comma in Montenegrin, "<5" as it is.
func TestNumbersInTheirLanguage(t *testing.T) {
	for _, c := range []struct{ lang, m, v, want string }{
		{"cnr", "amount", "12345.50", "12.345,50 €"}, {"en", "amount", "12345.50", "€12,345.50"},
		{"cnr", "persons", "1234567", "1.234.567"}, {"en", "persons", "1234", "1,234"}, {"cnr", "persons", "<5", "<5"},
		{"cnr", "days_to_decide", "12.5", "12,5"}, {"en", "days_to_decide", "12.5", "12.5"},
	} {
		if got := biText(c.lang, c.m, c.v); got != c.want {
			t.Errorf("%s %s %s = %q; want %q", c.lang, c.m, c.v, got, c.want)
		}
	}
	if got := biTick("cnr", true)(12500); got != "12.500 €" {
		t.Errorf("tick = %q", got)
	}
}

// seedPaymentFacts writes payment lines as an approved payroll would
// (store.feedPayroll) and rebuilds their months' cubes
// (store.RebuildStatistics): n persons a row, each paid amount.
func seedPaymentFacts(t *testing.T, db *store.DB, rows [][]any) {
	t.Helper()
	ctx := context.Background()
	id := 0
	months := map[string]bool{}
	for _, r := range rows { // month, benefit, group, municipality, settlement, centre, sex, band, persons, amount
		if _, err := db.Pool().Exec(ctx, `INSERT INTO bi_payment_lines (payment_id, month, period, benefit, benefit_group, payment_type, municipality,
				settlement, centre, person_id, entitlement_id, sex, age_band, amount)
			SELECT $1::bigint + g, $2::date, $2::date, $3, $4, 'regular', $5, $6, $7, gen_random_uuid(), gen_random_uuid(), $8, $9, $10::numeric
			FROM generate_series(1, $11::int) g`, id, r[0].(string)+"-01", r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[9], r[8]); err != nil {
			t.Fatal(err)
		}
		id += r[8].(int)
		months[r[0].(string)+"-01"] = true
	}
	for m := range months {
		month, _ := time.Parse(time.DateOnly, m)
		if err := db.RebuildStatistics(ctx, month); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStatisticsPagesAndXLSX runs the statistics' pages over the real API
// and facts: the analyst's dashboard draws the map and bars; the XLSX of a
// pivot opens with excelize and holds its title, header and cells, the
// small cell as "<5"; the supervisor of Podgorica reads only their
// centre's municipalities.
func TestStatisticsPagesAndXLSX(t *testing.T) {
	s := newSite(t, true)
	seedPaymentFacts(t, s.db, [][]any{
		{"2026-09", "MO", "social", "ME-16", "Podgorica", "csr-podgorica", "F", "40-64", 20, "120.00"},
		{"2026-10", "MO", "social", "ME-16", "Podgorica", "csr-podgorica", "F", "40-64", 22, "120.00"},
		{"2026-10", "DD", "child", "ME-16", "Podgorica", "csr-podgorica", "M", "25-39", 9, "40.00"},
		{"2026-10", "MO", "social", "ME-12", "Nikšić", "csr-niksic", "M", "40-64", 8, "130.00"},
		{"2026-10", "DD", "child", "ME-12", "Nikšić", "csr-niksic", "F", "25-39", 3, "40.00"},
		{"2026-10", "MO", "social", "ME-02", "Bar", "csr-bar", "F", "40-64", 21, "100.00"},
		{"2026-10", "DD", "child", "ME-02", "Bar", "csr-bar", "M", "25-39", 5, "40.00"},
	})
	b, _ := s.login(t, "luka.analyst", "/bi")
	resp, body := b.page("GET", s.ts.URL+"/bi", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/bi = %d: %.400s", resp.StatusCode, body)
	}
	for _, want := range []string{`id="chart-map"`, `data-code="ME-16"`, `id="chart-benefits"`, `id="chart-trend-amount"`, "Podgorica: 3.000,00 €", `id="nav-bi" aria-current="page"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	path := "/bi/pivot.xlsx?" + url.Values{"fact": {"payments"}, "axes": {"geography.municipality,benefit.benefit"}, "filter": {"time.month=2026-10"}}.Encode()
	resp, body = b.page("GET", s.ts.URL+path, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx = %d %s: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	rows := xlsxRows(t, body, "Tabela")
	if !strings.Contains(rows[0][0], "Isplate: Opština × Davanje") || !strings.Contains(rows[0][0], "Mjesec: oktobar 2026") || !strings.Contains(rows[1][0], "Stanje na dan") {
		t.Errorf("title rows: %q", rows[:2])
	}
	if got := strings.Join(rows[3], "|"); !strings.HasPrefix(got, "Opština|Davanje|Lica|Prava|Isplate|Iznos (EUR)") {
		t.Errorf("header: %s", got)
	}
	cells, row := map[string][]string{}, map[string]int{}
	for i, r := range rows[4:] {
		cells[r[0]+"/"+r[1]], row[r[0]+"/"+r[1]] = r[2:], 5+i
	}
	if got := cells["Podgorica/Materijalno obezbjeđenje"]; len(got) < 4 || got[0] != "22" || got[3] != "2,640.00" {
		t.Errorf("Podgorica's MO: %q (all: %q)", got, cells)
	}
	// Nikšić's 3 persons of child allowance are <5, and so is Bar's (5),
	// which with Montenegro's total would give them away, and each centre's
	// MO beside them (their totals less the child allowance shown would).
	for _, k := range []string{"Nikšić/Dodatak za djecu", "Bar/Dodatak za djecu", "Nikšić/Materijalno obezbjeđenje", "Bar/Materijalno obezbjeđenje"} {
		if got := cells[k]; len(got) < 7 || got[0] != "<5" || got[3] != "<5" {
			t.Errorf("%s: %q; want <5", k, got)
		}
	}
	// The amount is a number in the sheet (formatted to the cent), "<5" text.
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for cell, want := range map[string]excelize.CellType{fmt.Sprintf("F%d", row["Podgorica/Materijalno obezbjeđenje"]): excelize.CellTypeUnset,
		fmt.Sprintf("F%d", row["Nikšić/Dodatak za djecu"]): excelize.CellTypeSharedString} {
		if typ, _ := f.GetCellType("Tabela", cell); typ != want {
			t.Errorf("%s is of type %v; want %v", cell, typ, want)
		}
	}
	if v, _ := f.GetCellValue("Tabela", fmt.Sprintf("F%d", row["Podgorica/Materijalno obezbjeđenje"]), excelize.Options{RawCellValue: true}); v != "2640" {
		t.Errorf("Podgorica's MO amount is %q in the sheet; want the number 2640", v)
	}
	// The supervisor of Podgorica: the same pages, their centre only.
	b, _ = s.login(t, "marko.supervisor", "/bi")
	resp, body = b.page("GET", s.ts.URL+path, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the supervisor's xlsx = %d", resp.StatusCode)
	}
	rows = xlsxRows(t, body, "Tabela")
	if !strings.Contains(rows[0][0], "CSR Podgorica") {
		t.Errorf("the supervisor's title does not name their centre: %q", rows[0][0])
	}
	for _, r := range rows[4:] {
		if r[0] != "Podgorica" {
			t.Errorf("the supervisor of Podgorica reads %q", r)
		}
	}
	resp, body = b.page("GET", s.ts.URL+"/bi", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "CSR Podgorica") || strings.Contains(body, "Nikšić: ") {
		t.Errorf("the supervisor's dashboard = %d; want their centre named and no other's figures", resp.StatusCode)
	}
}

// xlsxRows opens a workbook and reads a sheet's rows.
func xlsxRows(t *testing.T, body, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the XLSX does not open: %v", err)
	}
	defer func() { _ = f.Close() }()
	rows, err := f.GetRows(sheet)
	if err != nil || len(rows) < 5 {
		t.Fatalf("sheet %s: %d rows, %v (sheets %v)", sheet, len(rows), err, f.GetSheetList())
	}
	return rows
}
