package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestListCasesFilters: each filter of the case list alone and together
// (centre, manager, procedure, stage, status, DV, overdue by the stage's
// deadline or by a tracking item), the most urgent deadline first, and the
// limit.
func TestListCasesFilters(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		number, procedure, centre, status, stage, manager string
		due                                               int // days from now; 0: none
		dv                                                bool
	}{
		{"L-1", "P01", "csr-podgorica", "open", "plan", "ana", 5, false},
		{"L-2", "P01", "csr-podgorica", "open", "plan", "ana", -2, false}, // overdue by its stage
		{"L-3", "P07", "csr-podgorica", "open", "opening", "mila", 3, false},
		{"L-4", "P01", "csr-podgorica", "closed", "closing", "ana", 0, false},
		{"L-5", "P05", "csr-podgorica", "open", "plan", "ana", 1, true},
		{"L-6", "P01", "csr-niksic", "open", "plan", "ana", -5, false},
		{"L-7", "P07", "csr-podgorica", "open", "monitoring", "mila", 9, false}, // overdue by a tracking item
	} {
		var due any
		if c.due != 0 {
			due = now.AddDate(0, 0, c.due)
		}
		if _, err := db.Pool().Exec(ctx, `INSERT INTO cases (number, procedure, version, centre_id, status, stage, manager, opened_by, opened_at, stage_due, dv)
			VALUES ($1, $2, 1, $3, $4, $5, $6, $6, $7, $8, $9)`, c.number, c.procedure, c.centre, c.status, c.stage, c.manager, now.AddDate(0, -1, 0), due, c.dv); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO case_tracking (case_number, item, kind, what, due) VALUES
		('L-7', 1, 'visit', 'a visit', $1::date), ('L-3', 1, 'report', 'a report', $2::date)`, now.AddDate(0, 0, -1), now.AddDate(0, 0, 4)); err != nil {
		t.Fatal(err)
	}
	list := func(f store.CaseFilter) string {
		t.Helper()
		f.Now = now
		cs, err := db.ListCases(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			out = append(out, c.Number)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name string
		f    store.CaseFilter
		want string
	}{
		{"the centre's open", store.CaseFilter{CentreID: "csr-podgorica", Status: "open"}, "L-2,L-3,L-1,L-7"},
		{"with DV", store.CaseFilter{CentreID: "csr-podgorica", Status: "open", WithDV: true}, "L-2,L-5,L-3,L-1,L-7"},
		{"mine", store.CaseFilter{CentreID: "csr-podgorica", Manager: "ana", Status: "open"}, "L-2,L-1"},
		{"a procedure", store.CaseFilter{CentreID: "csr-podgorica", Procedure: "P07"}, "L-3,L-7"},
		{"a stage", store.CaseFilter{Stage: "plan"}, "L-6,L-2,L-1"},
		{"closed", store.CaseFilter{CentreID: "csr-podgorica", Status: "closed"}, "L-4"},
		{"another status", store.CaseFilter{Status: "information_only"}, ""},
		{"overdue", store.CaseFilter{CentreID: "csr-podgorica", Status: "open", Overdue: true}, "L-2,L-7"},
		{"overdue, every centre", store.CaseFilter{Status: "open", Overdue: true}, "L-6,L-2,L-7"},
		// The page of the overdue is their most urgent, whichever way each is overdue.
		{"overdue, the limit", store.CaseFilter{Status: "open", Overdue: true, Limit: 1}, "L-6"},
		{"overdue, the limit of two", store.CaseFilter{Status: "open", Overdue: true, Limit: 2}, "L-6,L-2"},
		{"the limit", store.CaseFilter{CentreID: "csr-podgorica", Status: "open", Limit: 2}, "L-2,L-3"},
	} {
		if got := list(tc.f); got != tc.want {
			t.Errorf("%s: %s; want %s", tc.name, got, tc.want)
		}
	}
}

// TestListedRowsAreEachTheirOwn: the case list and the inbox scan each row
// in place into the page (appendScanned). Rows that alternate a deadline
// and none, a team of two and of none, data of their own, are each listed
// exactly as the same case or task read alone: nothing of one row is left
// in, or shared with, the next.
func TestListedRowsAreEachTheirOwn(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i := range 6 {
		var due, closed any
		team := []string{}
		if i%2 == 0 {
			due, team = now.AddDate(0, 0, i+1), []string{fmt.Sprintf("worker-%d", i), "mila"}
		} else {
			closed = now
		}
		if _, err := db.Pool().Exec(ctx, `INSERT INTO cases (number, procedure, version, centre_id, status, stage, manager, team, opened_by, opened_at, stage_due, closed_at, close_reason)
			VALUES ($1, 'P01', 1, 'csr-podgorica', 'open', 'plan', 'ana', $2, 'ana', $3, $4, $5, $6)`,
			fmt.Sprintf("R-%d", i), team, now.AddDate(0, 0, -i), due, closed, strings.Repeat("x", i)); err != nil {
			t.Fatal(err)
		}
		task := store.Task{ID: fmt.Sprintf("task-%d", i), WorkflowID: "wf", Type: "claim.review", Subject: fmt.Sprintf("subject %d", i), CentreID: "csr-podgorica",
			CandidateRole: "caseworker", Priority: i, DueAt: now.Add(time.Duration(i) * time.Hour), Data: json.RawMessage(fmt.Sprintf(`{"n":%d,"s":%q}`, i, strings.Repeat("d", 10*i)))}
		if i%2 == 0 {
			task.ExcludedUsers = []string{"ana", fmt.Sprintf("u%d", i)}
		}
		if _, err := db.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := db.ListCases(ctx, store.CaseFilter{CentreID: "csr-podgorica", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 6 {
		t.Fatalf("listed %d cases; want 6", len(cs))
	}
	for _, listed := range cs {
		alone, err := db.CaseByNumber(ctx, listed.Number)
		if err != nil {
			t.Fatal(err)
		}
		alone.Persons = nil
		if !reflect.DeepEqual(listed, alone) {
			t.Errorf("case %s listed as\n %+v\nread alone\n %+v", listed.Number, listed, alone)
		}
	}
	// A page kept from another request (the API's) and listed into again
	// holds the same cases, none of the old ones' fields.
	used := slices.Clone(cs)
	slices.Reverse(used)
	again, err := db.AppendCases(ctx, used[:0], store.CaseFilter{CentreID: "csr-podgorica", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, cs) {
		t.Errorf("listed into a used page:\n %+v\nwant\n %+v", again, cs)
	}
	ts, _, err := db.TaskPage(ctx, store.TaskFilter{CentreID: "csr-podgorica", Role: "caseworker", State: "open"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 6 {
		t.Fatalf("listed %d tasks; want 6", len(ts))
	}
	for _, listed := range ts {
		alone, err := db.TaskByID(ctx, listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(listed, alone) {
			t.Errorf("task %s listed as\n %+v\nread alone\n %+v", listed.ID, listed, alone)
		}
		var data struct{ N int }
		if err := json.Unmarshal(listed.Data, &data); err != nil || fmt.Sprintf("task-%d", data.N) != listed.ID {
			t.Errorf("task %s lists the data %s (%v)", listed.ID, listed.Data, err)
		}
	}
}

// TestACaseListPageIsReadInItsOrder: with 30,000 cases of ten centres, a
// fifth open, each manager at one centre, their deadlines on a few days
// (so that the number decides the order within a day), a page of a
// centre's open cases is read from an index in the list's order: no sort,
// and no more rows read than the page shows (migration 00057; before it,
// the page read every case up to its last deadline and sorted them). For
// a manager's list, PostgreSQL expects about as many cases as there are:
// it knows that the manager decides the centre (before, it expected a
// tenth of them).
func TestACaseListPageIsReadInItsOrder(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO cases (number, procedure, version, centre_id, status, stage, manager, opened_by, opened_at, stage_due)
		SELECT 'Q-' || lpad(i::text, 6, '0'), 'P01', 1, 'csr-' || (i % 10), CASE WHEN (i / 40) % 5 = 0 THEN 'open' ELSE 'closed' END, 'plan',
			'worker-' || (i % 40), 'seed', now() - interval '1 year', date '2026-12-01' + (i % 7)
		FROM generate_series(1, 30000) i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `ANALYZE cases`); err != nil {
		t.Fatal(err)
	}
	type scan struct {
		sorts                    []string
		expected, found, removed float64 // rows of cases: the planner's estimate, found, and read but filtered out
	}
	explain := func(f store.CaseFilter) scan {
		t.Helper()
		q, args := store.CaseListQuery(f)
		var plan []struct{ Plan planNode }
		if err := db.Pool().QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+q, args...).Scan(&plan); err != nil {
			t.Fatal(err)
		}
		var s scan
		plan[0].Plan.each(func(n planNode) {
			if n.NodeType == "Sort" || n.NodeType == "Incremental Sort" {
				s.sorts = append(s.sorts, n.NodeType)
			}
			if n.Relation == "cases" {
				s.expected, s.found, s.removed = s.expected+n.PlanRows, s.found+n.ActualRows, s.removed+n.RemovedByFilter
			}
		})
		return s
	}
	team := explain(store.CaseFilter{CentreID: "csr-0", Status: "open"})
	if len(team.sorts) > 0 || team.found+team.removed > 100 {
		t.Errorf("a centre's page: sorted (%v), or read %v cases for its 100", team.sorts, team.found+team.removed)
	}
	mine := explain(store.CaseFilter{CentreID: "csr-0", Manager: "worker-10", Status: "open"})
	if mine.expected < 150/2 {
		t.Errorf("a manager's list: PostgreSQL expected %v of the manager's 150 open cases", mine.expected)
	}
}

// planNode is a node of EXPLAIN's plan in JSON.
type planNode struct {
	NodeType        string     `json:"Node Type"`
	Relation        string     `json:"Relation Name"`
	PlanRows        float64    `json:"Plan Rows"`
	ActualRows      float64    `json:"Actual Rows"`
	RemovedByFilter float64    `json:"Rows Removed by Filter"`
	Plans           []planNode `json:"Plans"`
}

// each calls fn on n and every node under it, parents first.
func (n planNode) each(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.each(fn)
	}
}
