package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/workflows"
)

// TestWaitingListReminders: started by its schedule (no day), the run asks
// for the day of its clock: on the 3rd the activity records the month's
// reminders, on the 6th its escalations, and a second run the same day
// returns what the activity found new (nothing: it records each once).
// Time is skipped: a day passes in the test's clock between the runs. A
// bad day fails at once without calling the activity.
func TestWaitingListReminders(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	var a *activities.Activities
	run := func(start time.Time, day string, found activities.WaitingListRemindersResult) activities.WaitingListRemindersResult {
		t.Helper()
		env := s.NewTestWorkflowEnvironment()
		env.SetStartTime(start)
		env.RegisterActivity(a)
		env.OnActivity(a.RemindWaitingLists, mock.Anything, activities.WaitingListRemindersInput{Day: day}).Return(found, nil).Once()
		env.ExecuteWorkflow(workflows.WaitingListReminders, workflows.WaitingListRemindersInput{})
		if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
			t.Fatalf("run of %s: %v", day, env.GetWorkflowError())
		}
		env.AssertExpectations(t)
		var res activities.WaitingListRemindersResult
		if err := env.GetWorkflowResult(&res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	third := time.Date(2026, 12, 3, 5, 45, 0, 0, time.UTC)
	if res := run(third, "2026-12-03", activities.WaitingListRemindersResult{Month: "2026-11", Unreported: 2, Reminders: 2}); res.Reminders != 2 || res.Month != "2026-11" {
		t.Errorf("the 3rd: %+v; want 2 reminders of 2026-11", res)
	}
	if res := run(third.Add(time.Hour), "2026-12-03", activities.WaitingListRemindersResult{Month: "2026-11", Unreported: 2}); res.Reminders != 0 {
		t.Errorf("the 3rd again: %+v; want nothing twice", res)
	}
	sixth := third.AddDate(0, 0, 3)
	if res := run(sixth, "2026-12-06", activities.WaitingListRemindersResult{Month: "2026-11", Unreported: 1, Escalations: 1}); res.Escalations != 1 || res.Reminders != 0 {
		t.Errorf("the 6th: %+v; want 1 escalation", res)
	}

	bad := s.NewTestWorkflowEnvironment()
	bad.RegisterActivity(a)
	bad.ExecuteWorkflow(workflows.WaitingListReminders, workflows.WaitingListRemindersInput{Day: "2026-12-32"})
	if bad.GetWorkflowError() == nil {
		t.Error("a bad day accepted")
	}
}
