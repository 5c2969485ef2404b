package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestInboxPagesAndCounts: a group's inbox holds its role's tasks and
// those escalated to it, overdue first, then by due date, a page at a
// time, with the counts of all of them; claimed tasks leave the
// unclaimed list; another centre's tasks never show.
func TestInboxPagesAndCounts(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	now := time.Now().UTC().Truncate(time.Second)
	add := func(id, centre, role string, due time.Duration) {
		t.Helper()
		if _, err := db.CreateTask(ctx, store.Task{ID: id, WorkflowID: "wf/" + id, Type: "claim.review", Subject: id, CentreID: centre,
			CandidateRole: role, Priority: 50, DueAt: now.Add(due)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		add(fmt.Sprintf("sv-%d", i), "csr-podgorica", "supervisor", time.Duration(i)*time.Hour)
	}
	add("cw-late", "csr-podgorica", "caseworker", -time.Hour)
	add("cw-soon", "csr-podgorica", "caseworker", 30*time.Minute)
	add("other-centre", "csr-niksic", "supervisor", time.Minute)
	if err := db.EscalateTask(ctx, "cw-late", "supervisor", now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignTask(ctx, "sv-2", "", "marko.supervisor"); err != nil {
		t.Fatal(err)
	}
	page := func(f store.TaskFilter) ([]string, store.TaskCounts) {
		t.Helper()
		ts, n, err := db.TaskPage(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, x := range ts {
			ids = append(ids, x.ID)
		}
		return ids, n
	}
	f := store.TaskFilter{CentreID: "csr-podgorica", Role: "supervisor", Limit: 3}
	ids, n := page(f)
	if fmt.Sprint(ids) != "[cw-late sv-1 sv-2]" || n.Total != 6 || n.Overdue != 1 {
		t.Errorf("first page = %v %+v; want [cw-late sv-1 sv-2], 6 in all, 1 overdue", ids, n)
	}
	f.Offset = 3
	if ids, n = page(f); fmt.Sprint(ids) != "[sv-3 sv-4 sv-5]" || n.Total != 6 {
		t.Errorf("second page = %v %+v", ids, n)
	}
	f.Offset = 6
	if ids, n = page(f); len(ids) != 0 || n.Total != 6 {
		t.Errorf("past the end = %v %+v; want nothing, still 6 in all", ids, n)
	}
	if ids, n = page(store.TaskFilter{CentreID: "csr-podgorica", Role: "supervisor", Unassigned: true}); fmt.Sprint(ids) != "[cw-late sv-1 sv-3 sv-4 sv-5]" || n.Total != 5 {
		t.Errorf("unclaimed = %v %+v", ids, n)
	}
	if ids, _ = page(store.TaskFilter{CentreID: "csr-podgorica", Role: "caseworker"}); fmt.Sprint(ids) != "[cw-late cw-soon]" {
		t.Errorf("caseworkers' inbox = %v; an escalated task stays in its own group too", ids)
	}
	if ids, n = page(store.TaskFilter{CentreID: "csr-podgorica", Assignee: "marko.supervisor"}); fmt.Sprint(ids) != "[sv-2]" || n.Total != 1 {
		t.Errorf("marko's tasks = %v %+v", ids, n)
	}
}
