package platform

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/karton-social/karton/workflows"
)

// EnsureWaitingListSchedule creates, once, the Temporal Schedule that
// starts workflows.WaitingListReminders every day at 05:45 UTC: providers
// that have not submitted the previous month's waiting-list report are
// reminded from the 3rd and escalated to the referring centres from the
// 6th (issue 23, item 6).
func (p *Platform) EnsureWaitingListSchedule(ctx context.Context) error {
	_, err := p.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: "waiting-list-reports-daily",
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			Hour: []client.ScheduleRange{{Start: 5}}, Minute: []client.ScheduleRange{{Start: 45}}, Second: []client.ScheduleRange{{Start: 0}},
			DayOfMonth: []client.ScheduleRange{{Start: 1, End: 31}}, Month: []client.ScheduleRange{{Start: 1, End: 12}},
			DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
		}}},
		Action: &client.ScheduleWorkflowAction{ID: workflows.WaitingListRemindersID, Workflow: workflows.NameWaitingListReminders,
			TaskQueue: workflows.TaskQueue, Args: []any{workflows.WaitingListRemindersInput{}}},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create waiting-list reminders schedule: %w", err)
	}
	return nil
}
