package platform

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/karton-social/karton/workflows"
)

// EnsureElectricitySchedule creates, once, the Temporal Schedule that
// starts the month's exchange with the power utility (the electricity
// subsidy's list, workflows.ElectricityExport) on the first of every month
// at 07:00 UTC; the list then waits for the finance officers' four eyes.
func (p *Platform) EnsureElectricitySchedule(ctx context.Context) error {
	_, err := p.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: "electricity-monthly",
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			DayOfMonth: []client.ScheduleRange{{Start: 1}}, Hour: []client.ScheduleRange{{Start: 7}},
			Minute: []client.ScheduleRange{{Start: 0}}, Second: []client.ScheduleRange{{Start: 0}},
			Month: []client.ScheduleRange{{Start: 1, End: 12}}, DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
		}}},
		Action: &client.ScheduleWorkflowAction{ID: "electricity-scheduled", Workflow: workflows.NameScheduledElectricity, TaskQueue: workflows.TaskQueue},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create electricity schedule: %w", err)
	}
	return nil
}
