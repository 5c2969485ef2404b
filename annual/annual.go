// Package annual is the unified annual report of a social work centre
// (issue 19, DOMAIN.md §8.1 item 7): a fixed template of five tables over a
// year's statistics, rendered as a PDF and as an XLSX workbook, in
// Montenegrin. It asks nothing of anyone: Queries says which pivots fill
// it (the caller runs them through store.Pivot, so every figure is
// suppressed as the pivot suppresses it), Build lays their cells out as the
// template's tables, PDF and XLSX render them.
package annual

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/bi"
)

// lang is the report's language: the template is Montenegrin.
const lang = "cnr"

// section is one table of the template: its title, the pivot that fills
// it (axes and measures; the year and the centre are its filters) and how
// its rows are ordered.
type section struct {
	title    string
	sheet    string // the workbook's sheet (Excel: at most 31 characters)
	fact     bi.Fact
	axes     []bi.Axis
	measures []bi.Measure
}

var sections = []section{
	{"Korisnici i isplaćeni iznosi po davanjima", "1 Davanja", bi.PaymentFact, []bi.Axis{{Dimension: bi.Benefit, Level: "benefit"}},
		[]bi.Measure{bi.Persons, bi.Rights, bi.Amount}},
	{"Isplaćeni iznosi po mjesecima", "2 Mjeseci", bi.PaymentFact, []bi.Axis{{Dimension: bi.Time, Level: "month"}},
		[]bi.Measure{bi.Persons, bi.Rights, bi.Amount}},
	{"Korisnici po polu i starosnoj grupi", "3 Pol i starost", bi.PaymentFact, []bi.Axis{{Dimension: bi.Sex, Level: "sex"}, {Dimension: bi.Age, Level: "band"}},
		[]bi.Measure{bi.Persons, bi.Amount}},
	{"Rješenja po vrsti", "4 Rješenja", bi.DecisionFact, []bi.Axis{{Dimension: bi.Kind, Level: "kind"}},
		[]bi.Measure{bi.Decisions, bi.Persons, bi.DaysToDecide}},
	{"Zahtjevi po načinu podnošenja", "5 Zahtjevi", bi.ClaimFact, []bi.Axis{{Dimension: bi.Channel, Level: "channel"}},
		[]bi.Measure{bi.Claims, bi.Persons}},
}

// Queries are the pivots that fill the report of a centre's year, one a
// section, in the template's order: each filtered to the year and the
// centre.
func Queries(centre string, year int) []bi.Query {
	filters := []bi.Filter{
		{Axis: bi.Axis{Dimension: bi.Time, Level: "year"}, Values: []string{strconv.Itoa(year)}},
		{Axis: bi.Axis{Dimension: bi.Organisation, Level: "centre"}, Values: []string{centre}},
	}
	out := make([]bi.Query, len(sections))
	for i, s := range sections {
		out[i] = bi.Query{Fact: s.fact, Axes: s.axes, Measures: s.measures, Filters: append([]bi.Filter(nil), filters...)}
	}
	return out
}

// Figures is what the report shows: the centre, the year, when it was
// made, and each section's cells as its query (Queries) answered them.
type Figures struct {
	Centre string // the centre's id
	Year   int
	Made   time.Time
	Cells  [][]bi.Cell // one slice a section, in the order of Queries
}

// Empty says whether the year has no facts of the centre at all.
func (f Figures) Empty() bool {
	for _, cs := range f.Cells {
		if len(cs) > 0 {
			return false
		}
	}
	return true
}

// Report is the filled template: its title lines, its tables and the note
// under them.
type Report struct {
	Title    string
	Centre   string // the centre's name
	Year     int
	Subtitle string // the year and the day it was made
	Tables   []Table
	Note     string
	Made     time.Time
}

// Table is a section: its number and title, the columns' names, the rows.
type Table struct {
	Number  int
	Title   string
	Sheet   string // its sheet in the workbook
	Columns []Column
	Rows    [][]Value
	Empty   string // said instead of the rows when there are none
}

// Column is a column's name and whether it holds figures (right-aligned).
type Column struct {
	Name    string
	Numeric bool
}

// Kind is what a value is, for its format in the workbook.
type Kind int

// The kinds of values.
const (
	Text Kind = iota
	Count
	Money
	Days
	Suppressed // "<5"
)

// Value is a cell of a table: as the PDF writes it, and its number for the
// workbook.
type Value struct {
	Text   string
	Kind   Kind
	Number decimal.Decimal
}

// Build fills the template with the figures: members named (never codes),
// rows in their natural order (the catalogue's benefits, the months, the
// age bands from the youngest), suppressed cells "<5".
func Build(f Figures) (Report, error) {
	if len(f.Cells) != len(sections) {
		return Report{}, fmt.Errorf("annual: %d sections of figures; the template has %d", len(f.Cells), len(sections))
	}
	name := f.Centre
	if c, ok := domain.CentreByID(f.Centre); ok {
		name = c.Name
	}
	r := Report{
		Title:    "Jedinstveni godišnji izvještaj centra za socijalni rad",
		Centre:   name,
		Year:     f.Year,
		Subtitle: fmt.Sprintf("Godina: %d · Izrađen: %s", f.Year, f.Made.Format("02.01.2006.")),
		Made:     f.Made,
		Note: fmt.Sprintf("Napomena: ćelija sa manje od %d lica prikazana je kao „<%d“, za svaku mjeru, da se nijedno lice ne bi moglo prepoznati; "+
			"uz nju je prikrivena i najmanja druga ćelija istog reda kad bi se prikriveni broj inače mogao izračunati oduzimanjem od zbira. "+
			"Lica i prava su brojani jednom u godini (lice koje je primalo više davanja broji se kod svakog). "+
			"Iznosi su u eurima, isplaćeni u godini, umanjeni za isplate koje je banka vratila. Prosječni broj dana računa se od podnošenja zahtjeva do rješenja.",
			bi.MinPersons, bi.MinPersons),
	}
	if f.Year == f.Made.Year() {
		r.Subtitle += " (podaci do dana izrade)"
	}
	for i, s := range sections {
		t := Table{Number: i + 1, Title: s.title, Sheet: s.sheet, Empty: "Nema podataka za ovu godinu."}
		for _, a := range s.axes {
			t.Columns = append(t.Columns, Column{Name: bi.Word(a.String(), lang)})
		}
		for _, m := range s.measures {
			t.Columns = append(t.Columns, Column{Name: bi.Word(string(m), lang), Numeric: true})
		}
		cells := append([]bi.Cell(nil), f.Cells[i]...)
		slices.SortStableFunc(cells, func(a, b bi.Cell) int { return compareKeys(s.axes, a.Keys, b.Keys) })
		for _, c := range cells {
			if len(c.Keys) != len(s.axes) {
				return Report{}, fmt.Errorf("annual: a cell of %q has %d keys; want %d", s.title, len(c.Keys), len(s.axes))
			}
			var row []Value
			for j, a := range s.axes {
				row = append(row, Value{Text: bi.Label(a, c.Keys[j], lang)})
			}
			for _, m := range s.measures {
				row = append(row, measure(c, m))
			}
			t.Rows = append(t.Rows, row)
		}
		r.Tables = append(r.Tables, t)
	}
	return r, nil
}

// compareKeys orders rows by each axis in turn: benefits as the
// catalogue lists them, age bands from the youngest, decision kinds and
// sexes as bi lists them; otherwise by the key (months, channels).
func compareKeys(axes []bi.Axis, a, b []string) int {
	for i, ax := range axes {
		if c := rank(ax, a[i]) - rank(ax, b[i]); c != 0 {
			return c
		}
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func rank(a bi.Axis, v string) int {
	var order []string
	switch a.String() {
	case "benefit.benefit":
		for _, b := range benefits.Catalogue() {
			order = append(order, string(b.Code))
		}
	case "age.band":
		order = bi.AgeBands()
	case "kind.kind":
		order = bi.DecisionKinds()
	case "sex.sex":
		order = []string{"F", "M"}
	case "channel.channel":
		order = []string{"counter", "online"}
	}
	if i := slices.Index(order, v); i >= 0 {
		return i
	}
	return len(order)
}

// measure is a cell's measure: "<5" when suppressed, a count, an amount
// in euros ("1.234,56") or the mean days ("12,5").
func measure(c bi.Cell, m bi.Measure) Value {
	if c.Suppressed {
		return Value{Text: fmt.Sprintf("<%d", bi.MinPersons), Kind: Suppressed}
	}
	count := func(n int64) Value {
		return Value{Text: thousands(strconv.FormatInt(n, 10)), Kind: Count, Number: decimal.NewFromInt(n)}
	}
	switch m {
	case bi.Persons:
		return count(c.Persons)
	case bi.Rights:
		return count(c.Rights)
	case bi.Payments:
		return count(c.Payments)
	case bi.Decisions:
		return count(c.Decisions)
	case bi.Claims:
		return count(c.Claims)
	case bi.Amount:
		return Value{Text: money(c.Amount), Kind: Money, Number: c.Amount.Round(2)}
	case bi.DaysToDecide:
		if c.DaysCount == 0 {
			return Value{Text: "–"}
		}
		d := decimal.NewFromInt(c.DaysTotal).DivRound(decimal.NewFromInt(c.DaysCount), 1)
		return Value{Text: strings.Replace(d.StringFixed(1), ".", ",", 1), Kind: Days, Number: d}
	}
	return Value{}
}

// money writes euros the Montenegrin way: 1.234,56.
func money(d decimal.Decimal) string {
	s := d.StringFixed(2)
	whole, cents, _ := strings.Cut(s, ".")
	return thousands(whole) + "," + cents
}

// thousands groups a whole number's digits by threes with dots.
func thousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}
