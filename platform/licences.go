package platform

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/karton-social/karton/workflows"
)

// EnsureLicenceSweepSchedule creates, once, the Temporal Schedule that
// starts the licence sweep (workflows.LicenceSweep) every day at 05:30
// UTC: licences to work ending within 90 days and short of training hours
// are warned of to the professional and their centre's heads (issue 21).
func (p *Platform) EnsureLicenceSweepSchedule(ctx context.Context) error {
	_, err := p.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: "licence-sweep-daily",
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			Hour: []client.ScheduleRange{{Start: 5}}, Minute: []client.ScheduleRange{{Start: 30}}, Second: []client.ScheduleRange{{Start: 0}},
			DayOfMonth: []client.ScheduleRange{{Start: 1, End: 31}}, Month: []client.ScheduleRange{{Start: 1, End: 12}},
			DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
		}}},
		Action: &client.ScheduleWorkflowAction{ID: workflows.LicenceSweepID, Workflow: workflows.NameLicenceSweep, TaskQueue: workflows.TaskQueue,
			Args: []any{workflows.LicenceSweepInput{}}},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create licence sweep schedule: %w", err)
	}
	return nil
}
