package platform

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/karton-social/karton/workflows"
)

// AgricultureDay is the day of the month the farmers' allowance schedule
// fetches the month before's file from the Ministry of Agriculture (GUESS:
// the ministry pays its allowance early in the month; a file not there yet
// is asked for again daily, workflows.AgricultureWaits times).
const AgricultureDay = 5

// EnsureAgricultureSchedule creates, once, the Temporal Schedule that
// starts workflows.AgricultureImport for the month before on
// AgricultureDay of every month at 07:00 UTC (a run still going when the
// next falls due: the next is skipped). Each run is idempotent by the
// file's hash: a file imported already changes nothing.
func (p *Platform) EnsureAgricultureSchedule(ctx context.Context) error {
	_, err := p.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: workflows.AgricultureScheduleID,
		Spec: client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{{
			DayOfMonth: []client.ScheduleRange{{Start: AgricultureDay}}, Hour: []client.ScheduleRange{{Start: 7}},
			Minute: []client.ScheduleRange{{Start: 0}}, Second: []client.ScheduleRange{{Start: 0}},
			Month: []client.ScheduleRange{{Start: 1, End: 12}}, DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
		}}},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{ID: workflows.AgricultureScheduledID, Workflow: workflows.NameAgricultureImport,
			TaskQueue: workflows.TaskQueue, Args: []any{workflows.AgricultureImportInput{ReceivedBy: "schedule"}}},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create agriculture schedule: %w", err)
	}
	return nil
}
