package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestTrueOverdueWorkloadAndReassignment (issue 17 item 5): a task past its
// deadline is overdue before its workflow escalates it, in the list, the
// filter and the counts; the workload counts every open task of the centre
// by who holds it (the unclaimed by group), not a page of them, and never
// a sealed compartment's to one not cleared; a reassignment hands every
// task or none, keeping who, from whom, when and why on each.
func TestTrueOverdueWorkloadAndReassignment(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	now := time.Now().UTC().Truncate(time.Second)
	add := func(id, centre, role string, due time.Duration, compartment string) {
		t.Helper()
		if _, err := db.CreateTask(ctx, store.Task{ID: id, WorkflowID: "wf/" + id, Type: "claim.review", Subject: id, CentreID: centre,
			CandidateRole: role, Priority: 50, DueAt: now.Add(due), Compartment: compartment, Data: json.RawMessage(`{"case":"S-1"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	add("late", "csr-podgorica", "caseworker", -2*time.Hour, "")
	add("soon", "csr-podgorica", "caseworker", time.Hour, "")
	add("later", "csr-podgorica", "caseworker", 48*time.Hour, "")
	add("dv", "csr-podgorica", "dv_caseworker", -time.Hour, domain.CompartmentDV)
	add("elsewhere", "csr-niksic", "caseworker", -time.Hour, "")
	for _, id := range []string{"soon", "later"} {
		if _, err := db.AssignTask(ctx, id, "", "ana.caseworker"); err != nil {
			t.Fatal(err)
		}
	}
	late, err := db.TaskByID(ctx, "late")
	if err != nil || !late.Overdue {
		t.Fatalf("a task past its deadline, not escalated: overdue %v, %v; want overdue", late.Overdue, err)
	}
	yes, no := true, false
	ts, n, err := db.TaskPage(ctx, store.TaskFilter{CentreID: "csr-podgorica", Role: "caseworker", Overdue: &yes})
	if err != nil || len(ts) != 1 || ts[0].ID != "late" || n.Overdue != 1 {
		t.Errorf("overdue filter = %v %+v %v; want late", ts, n, err)
	}
	if ts, _, err = db.TaskPage(ctx, store.TaskFilter{CentreID: "csr-podgorica", Role: "caseworker", Overdue: &no}); err != nil || len(ts) != 2 {
		t.Errorf("on time = %d tasks, %v; want soon and later", len(ts), err)
	}

	load, err := db.TaskWorkload(ctx, "csr-podgorica", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s:%d/%d %s:%d/%d %d", load[0].Worker, load[0].Open, load[0].Overdue, load[1].Role, load[1].Open, load[1].Overdue, len(load))
	if got != "ana.caseworker:2/0 caseworker:1/1 2" || load[1].Worker != "" {
		t.Errorf("workload = %+v (%s); want ana 2 open none overdue, the caseworkers' group 1 open 1 overdue, nothing of DV or Nikšić", load, got)
	}
	if load, _ = db.TaskWorkload(ctx, "csr-podgorica", []string{domain.CompartmentDV}); len(load) != 3 {
		t.Errorf("workload cleared for DV = %+v; want its group too", load)
	}

	r := store.Reassignment{TaskIDs: []string{"soon", "later"}, To: "ivan.caseworker", By: "marko.supervisor", Reason: "Ana je na odmoru", At: now}
	moved, err := db.ReassignTasks(ctx, r)
	if err != nil || len(moved) != 2 || moved[0].Assignee != "ivan.caseworker" || moved[1].Assignee != "ivan.caseworker" {
		t.Fatalf("reassigned = %+v, %v", moved, err)
	}
	var data map[string]string
	if err := json.Unmarshal(moved[0].Data, &data); err != nil || data["case"] != "S-1" || data["reassigned_reason"] != "Ana je na odmoru" ||
		data["reassigned_by"] != "marko.supervisor" || data["reassigned_from"] != "ana.caseworker" {
		t.Errorf("the task's data after the reassignment = %s, %v; want its own data and who, from whom and why", moved[0].Data, err)
	}
	if err := db.CompleteTaskRecord(ctx, "later", "accept", nil, "ivan.caseworker", now); err != nil {
		t.Fatal(err)
	}
	r.TaskIDs, r.To = []string{"soon", "later"}, "ana.caseworker"
	var de *domain.Error
	if _, err := db.ReassignTasks(ctx, r); !errors.As(err, &de) || de.Code != domain.CodeConflict {
		t.Fatalf("reassigning a completed task = %v; want a conflict", err)
	}
	if soon, _ := db.TaskByID(ctx, "soon"); soon.Assignee != "ivan.caseworker" {
		t.Errorf("after a refused reassignment soon is held by %q; want nothing moved (ivan.caseworker)", soon.Assignee)
	}
	// A task completed after its deadline is not overdue any more.
	if err := db.CompleteTaskRecord(ctx, "late", "accept", nil, "ivan.caseworker", now); err != nil {
		t.Fatal(err)
	}
	ts, n, err = db.TaskPage(ctx, store.TaskFilter{CentreID: "csr-podgorica", Role: "caseworker", State: "any", Overdue: &yes, Limit: 1})
	if err != nil || len(ts) != 0 || n.Overdue != 0 {
		t.Errorf("overdue of any state = %v %+v %v; want none: the late task was completed", ts, n, err)
	}
	if late, _ := db.TaskByID(ctx, "late"); late.Overdue {
		t.Errorf("a completed task reads as overdue")
	}
}
