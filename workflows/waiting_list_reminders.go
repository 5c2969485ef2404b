package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
)

// NameWaitingListReminders is the daily look for providers late with
// their monthly waiting-list report (issue 23, item 6);
// WaitingListRemindersID its id when started by the Schedule
// waiting-list-reports-daily or by hand.
const (
	NameWaitingListReminders = "WaitingListReminders"
	WaitingListRemindersID   = "waiting-list-reminders"
)

// WaitingListRemindersInput is the day looked at (YYYY-MM-DD); "" is today
// by the workflow's clock.
type WaitingListRemindersInput struct {
	Day string
}

// waitingListReminderOptions: the run reads and writes PostgreSQL only,
// and each reminder is written once per provider, month and kind, so a
// retry is safe.
var waitingListReminderOptions = workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: time.Minute, MaximumAttempts: 10}}

// WaitingListReminders sends, for the day, what is due of the previous
// month's waiting-list reports (activities.RemindWaitingLists): from the
// 3rd a reminder to each provider that has not reported, from the 6th an
// escalation to it and the centres that referred to it, each once. Only
// the day, the month and counts pass through its history.
func WaitingListReminders(ctx workflow.Context, in WaitingListRemindersInput) (activities.WaitingListRemindersResult, error) {
	if in.Day == "" {
		in.Day = workflow.Now(ctx).UTC().Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, in.Day); err != nil {
		return activities.WaitingListRemindersResult{}, temporal.NewNonRetryableApplicationError("day "+in.Day+": want YYYY-MM-DD", "invalid", nil)
	}
	var a *activities.Activities
	var res activities.WaitingListRemindersResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, waitingListReminderOptions), a.RemindWaitingLists,
		activities.WaitingListRemindersInput{Day: in.Day}).Get(ctx, &res)
	return res, err
}
