package platform

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/karton-social/karton/workflows"
)

// ChangesScheduleID is the Temporal Schedule that polls the registries'
// feeds of changes.
const ChangesScheduleID = "changes-poll"

// EnsureChangesSchedule creates the Temporal Schedule that starts a poll
// of the registries' feeds of changes (workflows.PollChanges) every every
// (a poll still running when the next falls due: the next is skipped). A
// schedule that exists already is set to every.
func (p *Platform) EnsureChangesSchedule(ctx context.Context, every time.Duration) error {
	if every < time.Second {
		return fmt.Errorf("changes poll every %s: want at least a second", every)
	}
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	_, err := p.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: ChangesScheduleID, Spec: spec, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{ID: workflows.PollChangesID, Workflow: workflows.NamePollChanges, TaskQueue: workflows.TaskQueue,
			Args: []any{workflows.PollChangesInput{}}},
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		err = p.Temporal.ScheduleClient().GetHandle(ctx, ChangesScheduleID).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				s := in.Description.Schedule
				s.Spec = &spec
				return &client.ScheduleUpdate{Schedule: &s}, nil
			}})
	}
	if err != nil {
		return fmt.Errorf("changes schedule: %w", err)
	}
	return nil
}
