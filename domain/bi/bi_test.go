package bi

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func TestParseQueryNamesEveryFault(t *testing.T) {
	cases := []struct {
		axes, measures string
		filters        []string
		want           string
	}{
		{"colour.hue", "", nil, `unknown dimension "colour"`},
		{"time.week", "", nil, `unknown level "week" of time`},
		{"time.month", "smiles", nil, `unknown measure "smiles"`},
		{"time.month", "", []string{"geography.municipality=ME-99"}, `"ME-99" is not a value of geography.municipality`},
		{"time.month", "", []string{"time.month=2026-13"}, `"2026-13" is not a value of time.month`},
		{"time.month", "", []string{"benefit.benefit=MO,DD"}, "takes one value here"},
		{"geography.municipality", "", []string{"geography.settlement=ME-16/Tuzi"}, "finer than the axis"},
		{"time.month,time.year", "", nil, "time is crossed twice"},
		{"time.month,benefit,sex,age", "", nil, "at most 3"},
		{"kind.kind", "", nil, `unknown dimension "kind" of payments`},
	}
	for _, c := range cases {
		_, err := ParseQuery(PaymentFact, c.axes, c.filters, c.measures)
		if err == nil || domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v %s: got %v, want an invalid-input error saying %q", c.axes, c.filters, c.measures, err, c.want)
		}
	}
	q, err := ParseQuery(PaymentFact, "time.month,benefit,geography.municipality", []string{"time.year=2026", "geography.municipality=ME-16,ME-02", "organisation.centre=csr-bar"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Measures) != len(PaymentFact.Measures) || q.Axes[1] != (Axis{Benefit, "group"}) {
		t.Fatalf("query: %+v", q)
	}
	p := q.Plan()
	if len(p.Crossing) != 4 || p.Crossing[3] != (Axis{Organisation, "centre"}) || len(p.Before) != 1 || len(p.After) != 2 {
		t.Fatalf("plan: %+v", p)
	}
}

func TestAncestors(t *testing.T) {
	if got := Ancestor(Axis{Time, "month"}, "2026-11", "year"); got != "2026" {
		t.Errorf("year of 2026-11: %q", got)
	}
	if got := Parent(Axis{Time, "month"}, "2026-03"); got != "2026-Q1" {
		t.Errorf("quarter of 2026-03: %q", got)
	}
	if got := Parent(Axis{Time, "month"}, "2026-10"); got != "2026-Q4" {
		t.Errorf("quarter of 2026-10: %q", got)
	}
	if got := Parent(Axis{Geography, "settlement"}, "ME-16/Tuzi"); got != "ME-16" {
		t.Errorf("municipality of a settlement: %q", got)
	}
	if got := Parent(Axis{Benefit, "benefit"}, "DD"); got != "child" {
		t.Errorf("group of DD: %q", got)
	}
}

func cell(persons int64, keys ...string) Cell {
	return Cell{Keys: keys, Persons: persons, Amount: decimal.NewFromInt(persons * 100)}
}

// A cell of 3 persons is never shown, nor can it be had by subtracting
// the cells shown from their total: its line has a second cell hidden.
func TestSuppressionCannotBeUndoneByDifference(t *testing.T) {
	axes := []Axis{{Geography, "municipality"}, {Benefit, "benefit"}}
	cells := []Cell{
		cell(3, "ME-01", "MO"), cell(40, "ME-01", "DD"),
		cell(12, "ME-02", "MO"), cell(50, "ME-02", "DD"),
		cell(9, "ME-03", "MO"), cell(60, "ME-03", "DD"),
	}
	Suppress(cells, axes)
	shown := map[string]bool{}
	for _, c := range cells {
		shown[strings.Join(c.Keys, "/")] = !c.Suppressed
	}
	if shown["ME-01/MO"] {
		t.Fatal("the 3-person cell is shown")
	}
	// Every line (along either axis, within one parent) has 0 or ≥ 2
	// suppressed cells: no total less the shown cells gives one away.
	for k, a := range axes {
		var all [][]int
		for _, anc := range ancestors(a) {
			all = append(all, linesAlong(cells, k, a, anc)...)
		}
		for _, line := range all {
			n := 0
			for _, i := range line {
				if cells[i].Suppressed {
					n++
				}
			}
			if n == 1 && len(line) > 1 { // a line of one cell: its total is the cell, suppressed alike
				t.Errorf("a line along %s has one suppressed cell: %v", a, line)
			}
		}
	}
	// The smallest others were chosen: ME-03/MO (9) along the benefits'
	// municipalities... and ME-01/DD (40) in ME-01's line (MO and DD are
	// of different groups: social and child, so each is its own line).
	if !cells[4].Suppressed || !cells[4].Secondary {
		t.Errorf("ME-03/MO should be hidden as the second cell of MO's line: %+v", cells[4])
	}
	if shown["ME-02/DD"] == false {
		t.Error("a cell of 50 hidden for nothing")
	}
}

func TestSuppressionWithoutSmallCellsHidesNothing(t *testing.T) {
	cells := []Cell{cell(5, "2026-01"), cell(6, "2026-02"), cell(700, "2026-03")}
	Suppress(cells, []Axis{{Time, "month"}})
	for _, c := range cells {
		if c.Suppressed {
			t.Errorf("%v suppressed with %d persons", c.Keys, c.Persons)
		}
	}
	// The months of a quarter are a line; another quarter's are another.
	cells = []Cell{cell(2, "2026-01"), cell(60, "2026-02"), cell(70, "2026-03"), cell(80, "2026-04")}
	Suppress(cells, []Axis{{Time, "month"}})
	if !cells[0].Suppressed || !cells[1].Suppressed || cells[2].Suppressed || cells[3].Suppressed {
		t.Errorf("suppression within Q1 only: %+v", cells)
	}
}

// A group with a single benefit has its group's figure: the benefit is
// protected with all the benefits, as the group is with the groups, so
// neither level gives the other's suppressed cell away by difference.
func TestSuppressionAcrossLevels(t *testing.T) {
	groups := []Cell{cell(7, "social"), cell(3, "child")}
	Suppress(groups, []Axis{{Benefit, "group"}})
	byBenefit := []Cell{cell(7, "MO"), cell(3, "DD")}
	Suppress(byBenefit, []Axis{{Benefit, "benefit"}})
	if !groups[0].Suppressed || !groups[1].Suppressed {
		t.Errorf("groups: %+v", groups)
	}
	if !byBenefit[0].Suppressed || !byBenefit[1].Suppressed {
		t.Errorf("MO shown beside a suppressed DD: the total less MO is DD: %+v", byBenefit)
	}
}

// A centre's figure is the sum of its municipalities': Bar (ME-02, ME-20)
// with ME-02 suppressed hides ME-20 too, though Berane's three are all
// shown and the country's line has other suppressed cells.
func TestSuppressionWithinACentre(t *testing.T) {
	cells := []Cell{cell(3, "ME-02"), cell(40, "ME-20"), cell(2, "ME-03"), cell(50, "ME-01"), cell(60, "ME-23"), cell(70, "ME-16")}
	Suppress(cells, []Axis{{Geography, "municipality"}})
	if !cells[1].Suppressed {
		t.Errorf("CSR Bar's total less ME-20 gives ME-02 away: %+v", cells[1])
	}
}

// The order the axes are asked in changes neither the crossing nor which
// cells are suppressed: the same cell is never shown in one order and
// hidden in the other.
func TestSuppressionIgnoresTheAxesOrder(t *testing.T) {
	run := func(axes string) map[string]bool {
		q, err := ParseQuery(PaymentFact, axes, nil, "persons")
		if err != nil {
			t.Fatal(err)
		}
		p := q.Plan()
		want := []Axis{{Benefit, "benefit"}, {Geography, "municipality"}}
		if !slices.Equal(p.Crossing, want) {
			t.Fatalf("%s: crossing %v", axes, p.Crossing)
		}
		persons := map[string]int64{"MO/ME-01": 3, "MO/ME-02": 9, "MO/ME-03": 7, "DD/ME-01": 6, "DD/ME-02": 2, "DD/ME-03": 8}
		var cells []Cell
		for _, b := range []string{"DD", "MO"} {
			for _, m := range []string{"ME-01", "ME-02", "ME-03"} {
				cells = append(cells, cell(persons[b+"/"+m], b, m))
			}
		}
		Suppress(cells, p.Crossing)
		out := map[string]bool{}
		kept := p.Keep(cells)
		for i, c := range kept {
			if i > 0 && slices.Compare(kept[i-1].Keys, c.Keys) > 0 {
				t.Errorf("%s: cells not in the axes' order: %v", axes, kept)
			}
			b, m := c.Keys[0], c.Keys[1]
			if q.Axes[0].Dimension == Geography {
				b, m = m, b
			}
			out[b+"/"+m] = c.Suppressed
		}
		return out
	}
	a, b := run("benefit.benefit,geography.municipality"), run("geography.municipality,benefit.benefit")
	if !maps.Equal(a, b) {
		t.Errorf("suppression depends on the axes' order:\n%v\n%v", a, b)
	}
}
