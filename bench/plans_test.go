package bench

import (
	"strings"
	"testing"
)

// TestPlansBetween: only the statements planned anew more than the least
// count between the two readings, the most planned first; a count that
// fell (its connection closed) is none.
func TestPlansBetween(t *testing.T) {
	before := PlanCounts{"page": {Generic: 0, Custom: 10}, "persons": {Generic: 50, Custom: 5}, "closed": {Generic: 0, Custom: 900}}
	after := PlanCounts{
		"page":    {Generic: 0, Custom: 5010}, // planned anew at every run
		"persons": {Generic: 5050, Custom: 5}, // the generic plan reused
		"closed":  {Generic: 0, Custom: 40},   // its connection closed in between
		"count":   {Generic: 2, Custom: 30},
		"audit":   {Generic: 0, Custom: 3}, // too few to tell
	}
	got := PlansBetween(before, after, 5)
	want := []PlannedAnew{{"page", Plans{0, 5000}}, {"count", Plans{2, 30}}}
	if len(got) != len(want) {
		t.Fatalf("PlansBetween = %+v; want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("PlansBetween[%d] = %+v; want %+v", i, got[i], want[i])
		}
	}
	var b strings.Builder
	PrintPlansBetween(&b, "  ", before, before, 5)
	if !strings.Contains(b.String(), "reused its generic plan") {
		t.Errorf("nothing planned anew printed %q", b.String())
	}
}
