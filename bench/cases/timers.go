package main

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/workflows"
)

// armedTimers counts the open cases whose workflow is running and waits
// on an armed timer (its history, read backwards from its end, does not
// end in the workflow's close and has a TimerStarted that no TimerFired or
// TimerCanceled answers). Every open case in PostgreSQL is looked at,
// eight at a time; unread counts the histories that could not be read.
func armedTimers(ctx context.Context, s *system.System) (armed, unread int, err error) {
	rows, err := s.DB.Pool().Query(ctx, `SELECT number FROM cases WHERE status = 'open'`)
	if err != nil {
		return 0, 0, err
	}
	numbers, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, 0, err
	}
	var nArmed, nUnread atomic.Int64
	work := make(chan string)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for n := range work {
				ok, err := timerArmed(ctx, s, workflows.CaseWorkflowID(n))
				switch {
				case err != nil:
					nUnread.Add(1)
				case ok:
					nArmed.Add(1)
				}
			}
		})
	}
	for _, n := range numbers {
		work <- n
	}
	close(work)
	wg.Wait()
	return int(nArmed.Load()), int(nUnread.Load()), nil
}

// timerArmed reads a workflow's history from its end: true when a timer
// was started and has neither fired nor been cancelled since.
func timerArmed(ctx context.Context, s *system.System, id string) (bool, error) {
	settled := map[int64]bool{} // timers fired or cancelled, by their start event
	var token []byte            // empty on the first page, which holds the last event
	for {
		resp, err := s.Temporal.WorkflowService().GetWorkflowExecutionHistoryReverse(ctx, &workflowservice.GetWorkflowExecutionHistoryReverseRequest{
			Namespace: "default", // the embedded server's (devstack/system)
			Execution: &commonpb.WorkflowExecution{WorkflowId: id}, MaximumPageSize: 20, NextPageToken: token})
		if err != nil {
			return false, err
		}
		for i, e := range resp.GetHistory().GetEvents() {
			if i == 0 && len(token) == 0 && closes(e.GetEventType()) {
				return false, nil // the workflow has ended: its timers went with it
			}
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_TIMER_FIRED:
				settled[e.GetTimerFiredEventAttributes().GetStartedEventId()] = true
			case enumspb.EVENT_TYPE_TIMER_CANCELED:
				settled[e.GetTimerCanceledEventAttributes().GetStartedEventId()] = true
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				if !settled[e.GetEventId()] {
					return true, nil
				}
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
				return false, nil
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return false, nil
		}
	}
}

// closes reports whether an event ends a workflow run.
func closes(t enumspb.EventType) bool {
	switch t {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		return true
	}
	return false
}
