package store

import (
	"testing"
	"time"
)

func TestCountsAreReusedForASecondByTheirWholeFilter(t *testing.T) {
	var m countsMemo
	now := time.Now()
	f := TaskFilter{CentreID: "csr-podgorica", Role: "caseworker", Unassigned: true}
	m.remember(f.countKey(), TaskCounts{Total: 1000, Capped: true}, now)
	if c, ok := m.recall(f.countKey(), now.Add(countsFresh-time.Millisecond)); !ok || c.Total != 1000 {
		t.Errorf("within a second: %+v, %v; want the counts kept", c, ok)
	}
	if _, ok := m.recall(f.countKey(), now.Add(countsFresh)); ok {
		t.Error("counts reused after countsFresh")
	}
	// While that reader counts again, the others get the stale counts,
	// for countsFresh at most; then the next reader counts.
	if c, ok := m.recall(f.countKey(), now.Add(countsFresh+time.Millisecond)); !ok || c.Total != 1000 {
		t.Errorf("while another reader counts: %+v, %v; want the stale counts", c, ok)
	}
	if _, ok := m.recall(f.countKey(), now.Add(2*countsFresh)); ok {
		t.Error("the stale counts were given after their recount had had countsFresh")
	}
	if _, ok := m.recall(f.countKey(), now.Add(2*countsFresh+time.Millisecond)); !ok {
		t.Error("a second reader counted while the first did")
	}
	later := now.Add(2*countsFresh + 2*time.Millisecond)
	m.remember(f.countKey(), TaskCounts{Total: 999, Capped: false}, later)
	if c, ok := m.recall(f.countKey(), later); !ok || c.Total != 999 {
		t.Errorf("after the recount: %+v, %v; want its counts", c, ok)
	}
	now = later
	// Every field of the filter is in the key: above all the compartments
	// the reader is cleared for.
	yes := true
	for _, g := range []TaskFilter{
		{CentreID: "csr-podgorica", Role: "caseworker", Unassigned: true, Cleared: []string{"dv"}},
		{CentreID: "csr-niksic", Role: "caseworker", Unassigned: true},
		{CentreID: "csr-podgorica", Role: "supervisor", Unassigned: true},
		{CentreID: "csr-podgorica", Role: "caseworker"},
		{CentreID: "csr-podgorica", Role: "caseworker", Unassigned: true, Overdue: &yes},
		{CentreID: "csr-podgorica", Role: "caseworker", Unassigned: true, Assignee: "ana"},
		{CentreID: "csr-podgorica", Role: "caseworker", Unassigned: true, State: "any"},
		{CentreID: "csr-podgorica", Role: "caseworker", Unassigned: true, Type: "review"},
		{CentreID: "csr-podgorica", Role: "caseworker", Unassigned: true, Subject: "x"},
		{CentreID: "csr-podgorica", Role: "caseworker", Unassigned: true, WorkflowID: "w"},
	} {
		if _, ok := m.recall(g.countKey(), now); ok {
			t.Errorf("filter %+v got the counts of %+v", g, f)
		}
	}
	// The page does not change the counts.
	p := f
	p.Limit, p.Offset = 50, 100
	if _, ok := m.recall(p.countKey(), now); !ok {
		t.Error("another page of the same list was counted again")
	}
	// Bounded: past countsKept filters, the stale ones go, then all.
	for i := range countsKept + 10 {
		m.remember(TaskFilter{CentreID: "c", Subject: string(rune('a' + i%26)), Type: time.Duration(i).String()}.countKey(), TaskCounts{}, now)
	}
	if len(m.m) > countsKept {
		t.Errorf("%d counts kept; want at most %d", len(m.m), countsKept)
	}
}
