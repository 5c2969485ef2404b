package web

import (
	"context"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// After an action the API took, the page that follows waits, briefly and
// with a bound, for what it is to show: the workflow's next step written
// to the database. An Update's answer already means the workflow applied
// it; what the workflow does next (records the task's outcome, creates
// the next task, records the payroll's state) follows in moments.
const (
	settleWithin = 5 * time.Second       // past it the page shows what there is, as a reload would
	settleEvery  = 25 * time.Millisecond // how often the database is asked
)

// ready says whether the next page's data is there.
type ready func(ctx context.Context) bool

// settle waits until ready, asking every settleEvery, for at most
// settleWithin (or until the request ends). It reads the database only to
// know when to answer; nothing read is shown, so nothing is audited here.
func (s *server) settle(c *gin.Context, done ready) {
	if done == nil || s.cfg.DB == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), settleWithin)
	defer cancel()
	tick := time.NewTicker(settleEvery)
	defer tick.Stop()
	for !done(ctx) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// gone says whether err means the row is not there (yet); any other error
// ends the wait.
func gone(err error) bool { return domain.ErrorCode(err) == domain.CodeNotFound }

// taskDone: the workflow took the task's outcome and recorded it (the
// task is no longer open), then goes on to its next step.
func (s *server) taskDone(id string) ready {
	return func(ctx context.Context) bool {
		t, err := s.cfg.DB.TaskByID(ctx, id)
		return (err != nil && !gone(err)) || (err == nil && t.State != "open")
	}
}

// caseNow is where a case stands in the database: its status and the
// tasks open in it; ok is false while the case is not recorded.
type caseNow struct {
	ok     bool
	status string
	open   []string
}

func (s *server) caseNow(ctx context.Context, number string) (caseNow, error) {
	x, err := s.cfg.DB.CaseByNumber(ctx, number)
	if gone(err) {
		return caseNow{}, nil
	}
	if err != nil {
		return caseNow{}, err
	}
	ts, _, err := s.cfg.DB.TaskPage(ctx, store.TaskFilter{CentreID: x.CentreID, WorkflowID: workflows.CaseWorkflowID(number), State: "open",
		Cleared: []string{domain.CompartmentDV}, Limit: 500})
	if err != nil {
		return caseNow{}, err
	}
	now := caseNow{ok: true, status: x.Status}
	for _, t := range ts {
		now.open = append(now.open, t.ID)
	}
	slices.Sort(now.open)
	return now, nil
}

// caseWaits: the case is recorded open with a task waiting (its first
// stage, or a reopened case's assessment), or ended (at intake).
func (s *server) caseWaits(number string, ended bool) ready {
	return func(ctx context.Context) bool {
		now, err := s.caseNow(ctx, number)
		return err != nil || (now.ok && now.status == "open" && len(now.open) > 0) || (ended && now.ok && now.status != "open")
	}
}

// caseMoved: the case's status or its open tasks are no longer what they
// were before the action (a task closed, the next one created).
func (s *server) caseMoved(ctx context.Context, number string) ready {
	before, err := s.caseNow(ctx, number)
	if err != nil {
		return nil
	}
	return func(ctx context.Context) bool {
		now, err := s.caseNow(ctx, number)
		return err != nil || now.status != before.status || !slices.Equal(now.open, before.open)
	}
}

// payrollState is a payroll's state in the database; "" while the
// workflow has not recorded it.
func (s *server) payrollState(ctx context.Context, period string) (string, error) {
	p, err := s.cfg.DB.PayrollByID(ctx, workflows.PayrollID(period))
	if gone(err) {
		return "", nil
	}
	return p.State, err
}

// payrollLeft: the payroll's recorded state is no longer from ("": the
// payroll is recorded at all).
func (s *server) payrollLeft(period, from string) ready {
	return func(ctx context.Context) bool {
		st, err := s.payrollState(ctx, period)
		return err != nil || st != from
	}
}

// referralEvent: the referral's timeline has an event (key "" any event).
func (s *server) referralEvent(id, key string) ready {
	return func(ctx context.Context) bool {
		events, err := s.cfg.DB.ReferralEvents(ctx, id)
		if err != nil {
			return true
		}
		return slices.ContainsFunc(events, func(e store.ReferralEvent) bool { return key == "" || e.Key == key })
	}
}
