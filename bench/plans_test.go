package bench

import (
	"strings"
	"testing"
)

// TestPlansBetween: only the statements planned anew more than the least
// count between the two readings, the most planned first; a count that
// fell (its connection closed) is none.
func TestPlansBetween(t *testing.T) {
	before := PlanCounts{Conns: 2, By: map[string]Plans{"page": {Generic: 0, Custom: 10}, "persons": {Generic: 50, Custom: 5}, "closed": {Generic: 0, Custom: 900}}}
	after := PlanCounts{Conns: 2, By: map[string]Plans{
		"page":    {Generic: 0, Custom: 5010}, // planned anew at every run
		"persons": {Generic: 5050, Custom: 5}, // the generic plan reused
		"closed":  {Generic: 0, Custom: 40},   // its connection closed in between
		"count":   {Generic: 2, Custom: 30},
		"audit":   {Generic: 0, Custom: 3}, // too few to tell
	}}
	got := PlansBetween(before, after, 5)
	want := []PlannedAnew{{"page", Plans{Custom: 5000}}, {"count", Plans{Generic: 2, Custom: 30}}}
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

// TestLeastSettled: of the statements a load ran more than the least
// count, the one settled on the fewest connections before it; one not
// prepared anywhere before (settled on none) counts, one run only a few
// times (a count, once a second) does not.
func TestLeastSettled(t *testing.T) {
	before := PlanCounts{Conns: 16, By: map[string]Plans{
		"page":    {Generic: 900, Custom: 80, Settled: 16},
		"persons": {Generic: 10, Custom: 40, Settled: 5},
		"count":   {Custom: 3, Settled: 0}, // run a few times by the load
	}}
	after := PlanCounts{Conns: 16, By: map[string]Plans{
		"page":    {Generic: 5900, Custom: 80, Settled: 16},
		"persons": {Generic: 4030, Custom: 60, Settled: 16},
		"count":   {Generic: 8, Custom: 5},
		"new":     {Generic: 900, Custom: 80}, // prepared by the load itself
	}}
	q, settled, ran := LeastSettled(before, after, 50)
	if q != "new" || settled != 0 || ran != 3 {
		t.Errorf("LeastSettled = %q, %d, %d; want new, 0, 3", q, settled, ran)
	}
	delete(after.By, "new")
	if q, settled, ran = LeastSettled(before, after, 50); q != "persons" || settled != 5 || ran != 2 {
		t.Errorf("LeastSettled = %q, %d, %d; want persons, 5, 2", q, settled, ran)
	}
	var b strings.Builder
	PrintPlansBetween(&b, "  ", before, after, 50)
	if !strings.Contains(b.String(), "warm: before the load, a statement of the 2 it ran had settled its plan on 5 of the 16 idle connections: persons") {
		t.Errorf("printed %q", b.String())
	}
	after.By["persons"] = before.By["persons"] // not run
	b.Reset()
	PrintPlansBetween(&b, "  ", before, after, 50)
	if !strings.Contains(b.String(), "warm: before the load, the one statement it ran had settled its plan on all 16 idle connections") {
		t.Errorf("printed %q", b.String())
	}
}
