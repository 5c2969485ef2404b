package annual

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/karton-social/karton/domain/bi"
)

// figures are a known year of CSR Podgorica: DD before MO in the pivot's
// order (by code) but after it in the catalogue's; a suppressed benefit; the
// age bands in the pivot's (string) order; no claims.
func figures() Figures {
	amount := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	return Figures{Centre: "csr-podgorica", Year: 2025, Made: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Cells: [][]bi.Cell{
		{
			{Keys: []string{"DD"}, Persons: 40, Rights: 41, Amount: amount("12345.6")},
			{Keys: []string{"LI"}, Persons: 3, Rights: 3, Amount: amount("900"), Suppressed: true},
			{Keys: []string{"MO"}, Persons: 1234, Rights: 1300, Amount: amount("1234567.891")},
		},
		{
			{Keys: []string{"2025-02"}, Persons: 30, Rights: 31, Amount: amount("2640")},
			{Keys: []string{"2025-01"}, Persons: 29, Rights: 30, Amount: amount("2552.09")},
		},
		{
			{Keys: []string{"M", "65+"}, Persons: 8, Amount: amount("800")},
			{Keys: []string{"M", "6-14"}, Persons: 7, Amount: amount("700")},
			{Keys: []string{"F", "18-24"}, Persons: 2, Amount: amount("200"), Suppressed: true},
		},
		{
			{Keys: []string{"rejection"}, Decisions: 6, Persons: 6, DaysTotal: 40, DaysCount: 6},
			{Keys: []string{"grant"}, Decisions: 20, Persons: 19, DaysTotal: 250, DaysCount: 20},
			{Keys: []string{"death_end"}, Decisions: 5, Persons: 5},
		},
		{},
	}}
}

func texts(t Table) [][]string {
	var out [][]string
	for _, r := range t.Rows {
		var line []string
		for _, v := range r {
			line = append(line, v.Text)
		}
		out = append(out, line)
	}
	return out
}

// TestBuildFillsTheTemplate: names, never codes; rows in their natural
// order; "<5" for a suppressed cell; amounts and days the Montenegrin way;
// an empty section said so; the note on suppression.
func TestBuildFillsTheTemplate(t *testing.T) {
	r, err := Build(figures())
	if err != nil {
		t.Fatal(err)
	}
	if r.Centre != "CSR Podgorica" || !strings.Contains(r.Subtitle, "Godina: 2025") || !strings.Contains(r.Subtitle, "02.03.2026.") ||
		strings.Contains(r.Subtitle, "do dana izrade") {
		t.Errorf("title: %q %q", r.Centre, r.Subtitle)
	}
	want := map[int]string{
		0: "[[Materijalno obezbjeđenje 1.234 1.300 1.234.567,89] [Lična invalidnina <5 <5 <5] [Dodatak za djecu 40 41 12.345,60]]",
		1: "[[januar 2025 29 30 2.552,09] [februar 2025 30 31 2.640,00]]",
		2: "[[Žene 18-24 <5 <5] [Muškarci 6-14 7 700,00] [Muškarci 65+ 8 800,00]]",
		3: "[[Priznato pravo 20 19 12,5] [Odbijen zahtjev 6 6 6,7] [Prestanak zbog smrti 5 5 –]]",
		4: "[]",
	}
	for i, w := range want {
		if got := fmtRows(texts(r.Tables[i])); got != w {
			t.Errorf("table %d: %s\nwant %s", i+1, got, w)
		}
	}
	if r.Tables[4].Empty == "" || r.Tables[3].Columns[3].Name != "Prosječno dana do rješenja" || r.Tables[2].Columns[1].Name != "Starosna grupa" {
		t.Errorf("tables: %+v", r.Tables)
	}
	if !strings.Contains(r.Note, "manje od 5 lica") || !strings.Contains(r.Note, "„<5“") {
		t.Errorf("note: %s", r.Note)
	}
	f := figures()
	f.Made = time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	if r, _ := Build(f); !strings.Contains(r.Subtitle, "do dana izrade") {
		t.Errorf("a year not over is not said so: %s", r.Subtitle)
	}
	f.Cells = f.Cells[:4]
	if _, err := Build(f); err == nil {
		t.Error("four sections of figures built")
	}
}

func fmtRows(rows [][]string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, r := range rows {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[" + strings.Join(r, " ") + "]")
	}
	return b.String() + "]"
}

// TestQueriesAreValidPivots: each section's query is one the API would
// accept (its axes, filters and measures), filtered to the year and the
// centre.
func TestQueriesAreValidPivots(t *testing.T) {
	qs := Queries("csr-niksic", 2025)
	if len(qs) != 5 {
		t.Fatalf("%d queries", len(qs))
	}
	for _, q := range qs {
		var axes, measures []string
		for _, a := range q.Axes {
			axes = append(axes, a.String())
		}
		for _, m := range q.Measures {
			measures = append(measures, string(m))
		}
		var filters []string
		for _, f := range q.Filters {
			filters = append(filters, f.Axis.String()+"="+strings.Join(f.Values, ","))
		}
		if _, err := bi.ParseQuery(q.Fact, strings.Join(axes, ","), filters, strings.Join(measures, ",")); err != nil {
			t.Errorf("%s: %v", q, err)
		}
		if !strings.Contains(q.String(), "time.year=2025") || !strings.Contains(q.String(), "organisation.centre=csr-niksic") {
			t.Errorf("%s: not filtered to the year and the centre", q)
		}
	}
}

// TestXLSX: a sheet a section, a title row naming the centre and year,
// figures as numbers, "<5" as text, the note under the rows.
func TestXLSX(t *testing.T) {
	r, err := Build(figures())
	if err != nil {
		t.Fatal(err)
	}
	b, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), "|"); got != "1 Davanja|2 Mjeseci|3 Pol i starost|4 Rješenja|5 Zahtjevi" {
		t.Fatalf("sheets: %s", got)
	}
	get := func(sheet, cell string) string {
		v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if a1 := get("1 Davanja", "A1"); a1 != "Jedinstveni godišnji izvještaj centra za socijalni rad · CSR Podgorica · 2025" {
		t.Errorf("A1: %q", a1)
	}
	for cell, want := range map[string]string{"A4": "Davanje", "D4": "Iznos (EUR)", "A5": "Materijalno obezbjeđenje", "B5": "1234", "D5": "1234567.89",
		"A6": "Lična invalidnina", "B6": "<5", "D6": "<5"} {
		if got := get("1 Davanja", cell); got != want {
			t.Errorf("1 Davanja!%s = %q; want %q", cell, got, want)
		}
	}
	if typ, _ := f.GetCellType("1 Davanja", "B5"); typ != excelize.CellTypeUnset { // a number
		t.Errorf("B5 is of type %v; want a number", typ)
	}
	if got := get("4 Rješenja", "D5"); got != "12.5" {
		t.Errorf("mean days: %q", got)
	}
	if got := get("5 Zahtjevi", "A5"); !strings.HasPrefix(got, "Nema podataka") {
		t.Errorf("empty section: %q", got)
	}
	if got := get("1 Davanja", "A9"); !strings.Contains(got, "manje od 5 lica") {
		t.Errorf("the note under the rows: %q", got)
	}
}

// TestPDF: a PDF, its pages' text in Montenegrin (read unpacked, in the
// core font's transliteration when the DejaVu fonts are missing), and with
// the DejaVu fonts when they are there.
func TestPDF(t *testing.T) {
	r, err := Build(figures())
	if err != nil {
		t.Fatal(err)
	}
	b, err := PDF(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(len(b), 20)])
	}
	defer func(reg, bold string, c bool) { fontRegular, fontBold, compress = reg, bold, c }(fontRegular, fontBold, compress)
	fontRegular, fontBold, compress = "/nonexistent.ttf", "/nonexistent.ttf", false
	b, err = PDF(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Jedinstveni godisnji izvjestaj", "CSR Podgorica", "1. Korisnici i isplaceni iznosi po davanjima",
		"Materijalno obezbjedjenje", "1.234.567,89", "(<5)", "5. Zahtjevi po nacinu podnosenja", "Nema podataka", "Strana 1 od"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the PDF does not say %q", want)
		}
	}
	if bytes.Contains(b, []byte("(MO)")) || bytes.Contains(b, []byte("(900")) {
		t.Error("the PDF shows a code or a suppressed figure")
	}
}
