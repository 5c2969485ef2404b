package e2e_test

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/workflows"
)

// waitingLists: the demo providers (a contract each since 30 days ago)
// have not reported the previous month's waiting list; the daily run
// (started by hand, as its schedule waiting-list-reports-daily does, for
// this month's 6th) escalates each to it and the centres that referred to
// it (issue 23, item 6).
func (r *recorder) waitingLists(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	day := time.Date(now.Year(), now.Month(), 6, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	run, err := r.s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.WaitingListRemindersID, TaskQueue: workflows.TaskQueue},
		workflows.NameWaitingListReminders, workflows.WaitingListRemindersInput{Day: day})
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Unreported, Escalations int }
	if err := run.Get(ctx, &res); err != nil || res.Unreported < 1 {
		t.Fatalf("waiting-list reminders: %+v, %v", res, err)
	}
	r.saveDone(t, "waiting_list_reminders.json", workflows.WaitingListRemindersID)
}
