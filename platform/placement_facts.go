package platform

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/karton-social/karton/workflows"
)

// EnsurePlacementFactsSchedule creates, once, the Temporal Schedule that
// starts the refresh of the statistics' placements fact
// (workflows.PlacementFacts) every day at 04:15 UTC: the previous and the
// current month of every placement (issue 22 item 6). It starts the
// refresh once when it is created, so a new installation (make run's demo
// residents) has the facts without waiting for the night.
func (p *Platform) EnsurePlacementFactsSchedule(ctx context.Context) error {
	_, err := p.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: "placement-facts-daily",
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			Hour: []client.ScheduleRange{{Start: 4}}, Minute: []client.ScheduleRange{{Start: 15}}, Second: []client.ScheduleRange{{Start: 0}},
			DayOfMonth: []client.ScheduleRange{{Start: 1, End: 31}}, Month: []client.ScheduleRange{{Start: 1, End: 12}},
			DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
		}}},
		TriggerImmediately: true,
		Action: &client.ScheduleWorkflowAction{ID: workflows.PlacementFactsID, Workflow: workflows.NamePlacementFacts, TaskQueue: workflows.TaskQueue,
			Args: []any{workflows.PlacementFactsInput{}}},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create placement facts schedule: %w", err)
	}
	return nil
}
