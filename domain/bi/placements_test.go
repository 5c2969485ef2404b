package bi

import (
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
)

// TestPlacementFactParses: the placements fact (issue 22 item 6) reads its
// own dimensions and measures; another fact's dimension, a budget line or
// an institution that is no such value, and a measure of another fact are
// each named, with the fact's own.
func TestPlacementFactParses(t *testing.T) {
	f, err := FactByName("placements")
	if err != nil || f.Name != PlacementFact.Name {
		t.Fatalf("placements fact: %+v %v", f, err)
	}
	q, err := ParseQuery(f, "time.month,budget_line", []string{"institution.institution=dom-grabovac", "time.year=2026"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Measures) != 8 || q.Axes[1] != (Axis{BudgetLine, "budget_line"}) {
		t.Fatalf("query: %+v", q)
	}
	cases := []struct {
		axes, measures string
		filters        []string
		want           []string
	}{
		{"benefit.benefit", "", nil, []string{`unknown dimension "benefit" of placements`, "time, organisation, institution, budget_line, sex, age"}},
		{"budget_line", "", []string{"budget_line.budget_line=holidays"}, []string{`"holidays" is not a value of budget_line.budget_line`, "family_placement"}},
		{"institution", "", []string{"institution.institution=Dom Grabovac"}, []string{"an institution's id"}},
		{"time.month", "rights", nil, []string{`unknown measure "rights" of placements`, "persons, placements, admissions, discharges, days, amount, copayment, net"}},
	}
	for _, c := range cases {
		_, err := ParseQuery(f, c.axes, c.filters, c.measures)
		if err == nil || domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("%s %v %s: got %v, want an invalid-input error", c.axes, c.filters, c.measures, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v %s: %v does not say %q", c.axes, c.filters, c.measures, err, w)
			}
		}
	}
	if _, err := ParseQuery(PaymentFact, "budget_line", nil, ""); err == nil || !strings.Contains(err.Error(), `unknown dimension "budget_line" of payments`) {
		t.Errorf("payments by budget line: %v", err)
	}
}

// TestPlacementWordsInBothLanguages: every dimension, level and measure of
// the placements fact and every budget line has a word of its own in
// Montenegrin and in English; a placement in no institution is named.
func TestPlacementWordsInBothLanguages(t *testing.T) {
	keys := BudgetLines()
	for _, d := range PlacementFact.Dimensions {
		keys = append(keys, string(d))
		for _, l := range Levels(d) {
			keys = append(keys, Axis{d, l}.String())
		}
	}
	for _, m := range PlacementFact.Measures {
		keys = append(keys, string(m))
	}
	for _, k := range keys {
		cnr, en := Word(k, "cnr"), Word(k, "en")
		if cnr == k || en == k || cnr == en {
			t.Errorf("%s: %q / %q", k, cnr, en)
		}
	}
	for _, line := range BudgetLines() {
		if Label(Axis{BudgetLine, "budget_line"}, line, "en") == line {
			t.Errorf("budget line %s unnamed", line)
		}
	}
	inst := Axis{Institution, "institution"}
	if Label(inst, "", "cnr") != "Bez ustanove" || Label(inst, "", "en") != "No institution" {
		t.Errorf("no institution: %q %q", Label(inst, "", "cnr"), Label(inst, "", "en"))
	}
}
