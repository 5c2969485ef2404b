package main

import (
	"context"
	"sync"
	"sync/atomic"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/workflows"
)

// armedTimers counts the open cases whose workflow waits on an armed
// timer (its history, read backwards from its end, has a TimerStarted
// that no TimerFired or TimerCanceled answers). Every open case in
// PostgreSQL is looked at, eight at a time.
func armedTimers(ctx context.Context, s *system.System) (int, error) {
	rows, err := s.DB.Pool().Query(ctx, `SELECT number FROM cases WHERE status = 'open'`)
	if err != nil {
		return 0, err
	}
	var numbers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, err
		}
		numbers = append(numbers, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var armed atomic.Int64
	var firstErr error
	var once sync.Once
	work := make(chan string)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for n := range work {
				ok, err := timerArmed(ctx, s, workflows.CaseWorkflowID(n))
				if err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				if ok {
					armed.Add(1)
				}
			}
		})
	}
	for _, n := range numbers {
		work <- n
	}
	close(work)
	wg.Wait()
	return int(armed.Load()), firstErr
}

// timerArmed reads a workflow's history from its end: true when a timer
// was started and has neither fired nor been cancelled since.
func timerArmed(ctx context.Context, s *system.System, id string) (bool, error) {
	settled := map[int64]bool{} // timers fired or cancelled, by their start event
	var token []byte
	for {
		resp, err := s.Temporal.WorkflowService().GetWorkflowExecutionHistoryReverse(ctx, &workflowservice.GetWorkflowExecutionHistoryReverseRequest{
			Namespace: "default", // the embedded server's (devstack/system)
			Execution: &commonpb.WorkflowExecution{WorkflowId: id}, MaximumPageSize: 20, NextPageToken: token})
		if err != nil {
			return false, err
		}
		for _, e := range resp.GetHistory().GetEvents() {
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
