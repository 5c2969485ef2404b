package workflows

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/refunds"
)

// Names of the employers' refund procedure (issue 18).
const (
	NameRefund        = "Refund"
	SignalRefundClaim = "refund-claim" // a month's claim was filed (RefundClaimFiled)
	SignalRefundEnd   = "refund-end"   // the leave ended early (RefundEnded)
	QueryRefund       = "refund"
	TaskRefundReview  = "refund.review"
	TaskRefundApprove = "refund.approve"
)

// How long a refund's people have (GUESS, as a revision's: not same-day work).
const (
	RefundReviewDue   = 5 * 24 * time.Hour
	RefundApprovalDue = 3 * 24 * time.Hour
)

// RefundID is the workflow id of a leave's refunds: one per leave.
func RefundID(leave string) string { return "refund/" + leave }

// RefundInput names the leave; it carries its number only.
type RefundInput struct {
	Leave string
}

// RefundClaimFiled tells the workflow a month's claim is recorded.
type RefundClaimFiled struct {
	Month string // YYYY-MM
}

// RefundEnded tells the workflow the leave ended early (recorded already).
type RefundEnded struct {
	LastDay string // YYYY-MM-DD
}

// RefundStatus is where a leave's refunds stand (the query's answer).
type RefundStatus struct {
	Stage   string
	LastDay string
	Decided []string // months decided, in order
	Queued  []string // months filed, waiting for their turn
}

// RefundResult is how the workflow ended: completed (every month of the
// leave decided, or the months not claimed in time lapsed), ended (an
// early end, the months up to it decided) or rejected (no refund is due).
type RefundResult struct {
	State   string
	Decided []string
	Lapsed  []string
}

// refundOptions are for the refund's activities that ask the registries
// or write a decision: retried while a registry or the object store is
// down, never for a refusal.
var refundOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 5 * time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}},
}

// Refund runs a leave's refunds for months: it assesses the leave from
// the registries (the rate from the months of continuous insurance, the
// base from the average gross salary), then decides each monthly claim as
// it is filed. A month is decided by rule unless the evidence and the
// request disagree beyond the tolerance (domain/refunds.MonthRefund: days
// the health fund's certificates do not cover, a salary paid further than
// 2 %, at least EUR 5.00, from the compensation calculated): then a
// caseworker decides it (task refund.review: accept, adjust with an amount
// and a reason, reject with a reason, or reassess after asking the
// registries again). The first decision of a leave always has four eyes:
// a caseworker's review and a supervisor's approval (refund.approve,
// another person). A leave no refund is due for (under three months of
// insurance, no salary, a birth the register does not confirm) is
// rejected by a decision with four eyes. Every decision is a rješenje with
// its PDF; the payroll pays the granted months to the employer.
//
// An early end (the employer's report of a return to work, or a death the
// population register states) shortens the leave: the workflow ends once
// every month up to it is decided. Months not claimed within
// refunds.ClaimWindowMonths of the leave's end lapse.
//
// Input RefundInput; id RefundID(leave). Signals SignalRefundClaim,
// SignalRefundEnd; Update UpdateCompleteTask; query QueryRefund. It
// carries the leave's number and months only: no personal data.
func Refund(ctx workflow.Context, in RefundInput) (RefundResult, error) {
	r := &refundRun{in: in, t: newTasks(), stage: "assessing", decided: map[string]bool{}, seen: map[string]bool{},
		claims: workflow.GetSignalChannel(ctx, SignalRefundClaim), ends: workflow.GetSignalChannel(ctx, SignalRefundEnd)}
	if err := r.listen(ctx); err != nil {
		return RefundResult{}, err
	}
	refused, err := r.assess(ctx)
	if err != nil {
		return RefundResult{}, err
	}
	if refused {
		return r.refuse(ctx)
	}
	for {
		done, err := r.next(ctx)
		if err != nil {
			return RefundResult{}, err
		}
		if done {
			return r.complete(ctx)
		}
	}
}

// refundRun is a leave's refund workflow: the leave's dates and rate, the
// months filed and decided, whether the leave's first decision is made.
type refundRun struct {
	in           RefundInput
	t            *tasks
	stage        string
	leave        activities.AssessRefundLeaveResult
	first, last  time.Time
	queue        []string        // months filed, not decided, in the order filed
	decided      map[string]bool // looked up only
	decidedList  []string
	seen         map[string]bool
	firstDecided bool
	endedEarly   bool
	lapsed       bool
	claims, ends workflow.ReceiveChannel
}

func (r *refundRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryRefund, func() (RefundStatus, error) {
		return RefundStatus{Stage: r.stage, LastDay: r.last.Format(time.DateOnly), Decided: r.decidedList, Queued: r.queue}, nil
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, r.t.complete, workflow.UpdateHandlerOptions{Validator: r.t.validate})
}

// assess asks the registries about the leave; refused when no refund is due.
func (r *refundRun) assess(ctx workflow.Context) (bool, error) {
	var a *activities.Activities
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, refundOptions), a.AssessRefundLeave,
		activities.AssessRefundLeaveInput{Leave: r.in.Leave}).Get(ctx, &r.leave)
	if err != nil {
		return false, err
	}
	r.first, _ = time.Parse(time.DateOnly, r.leave.FirstDay)
	r.last, _ = time.Parse(time.DateOnly, r.leave.LastDay)
	r.stage = "active"
	return r.leave.Refused, nil
}

// refuse takes a leave no refund is due for to its rejection, with four
// eyes; the caseworker may have the registries asked again instead.
func (r *refundRun) refuse(ctx workflow.Context) (RefundResult, error) {
	for round := 1; ; round++ {
		r.stage = "refusal"
		review, err := r.await(ctx, taskSpec{Step: fmt.Sprintf("refusal-review-%d", round), Type: TaskRefundReview, Role: domain.RoleCaseworker,
			Due: RefundReviewDue, Priority: 40, Outcomes: []string{"accept", "reassess"}}, r.taskData("", decimal.Zero, 0, 0))
		if err != nil {
			return RefundResult{}, err
		}
		if review.Outcome == "reassess" {
			refused, err := r.assess(ctx)
			if err != nil || !refused {
				return r.afterReassessment(ctx, err)
			}
			continue
		}
		approval, err := r.approve(ctx, fmt.Sprintf("refusal-approval-%d", round), review.By, r.taskData("", decimal.Zero, 0, 0))
		if err != nil {
			return RefundResult{}, err
		}
		if approval.Outcome == "send_back" {
			continue
		}
		if _, err := r.decide(ctx, activities.DecideRefundInput{Leave: r.in.Leave, Kind: activities.RefundRejection,
			PreparedBy: review.By, ApprovedBy: approval.By}); err != nil {
			return RefundResult{}, err
		}
		r.stage = "rejected"
		return r.finish(ctx, RefundResult{State: "rejected"})
	}
}

// afterReassessment goes on with a leave the registries, asked again, no
// longer refuse: its months are decided as they come.
func (r *refundRun) afterReassessment(ctx workflow.Context, err error) (RefundResult, error) {
	if err != nil {
		return RefundResult{}, err
	}
	for {
		done, err := r.next(ctx)
		if err != nil {
			return RefundResult{}, err
		}
		if done {
			return r.complete(ctx)
		}
	}
}

// next decides the next month filed; or, when none waits, reports done
// once every month of the leave is decided, or waits for a claim, an early
// end or the end of the time to claim (the months not claimed lapse).
func (r *refundRun) next(ctx workflow.Context) (bool, error) {
	r.drain(ctx)
	if len(r.queue) > 0 {
		month := r.queue[0]
		r.queue = r.queue[1:]
		return false, r.decideMonth(ctx, month)
	}
	if len(r.undecided()) == 0 {
		return true, nil
	}
	r.stage = "waiting"
	deadline := domain.MonthOf(r.last).Next().First().AddDate(0, refunds.ClaimWindowMonths, 0)
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(r.claims, func(c workflow.ReceiveChannel, _ bool) { r.receiveClaim(ctx, c) })
	sel.AddReceive(r.ends, func(c workflow.ReceiveChannel, _ bool) { r.receiveEnd(ctx, c) })
	sel.AddFuture(workflow.NewTimer(tctx, max(deadline.Sub(workflow.Now(ctx)), time.Second)), func(workflow.Future) { r.lapsed = true })
	sel.Select(ctx)
	return r.lapsed, nil
}

// drain takes every signal already received, without waiting: the ends
// first, so that a month filed after an end is seen against it.
func (r *refundRun) drain(workflow.Context) {
	for {
		var e RefundEnded
		if !r.ends.ReceiveAsync(&e) {
			break
		}
		r.ended(e)
	}
	for {
		var c RefundClaimFiled
		if !r.claims.ReceiveAsync(&c) {
			break
		}
		r.filed(c)
	}
}

func (r *refundRun) receiveClaim(ctx workflow.Context, c workflow.ReceiveChannel) {
	var x RefundClaimFiled
	c.Receive(ctx, &x)
	r.filed(x)
}

func (r *refundRun) receiveEnd(ctx workflow.Context, c workflow.ReceiveChannel) {
	var x RefundEnded
	c.Receive(ctx, &x)
	r.ended(x)
}

// filed queues a month once.
func (r *refundRun) filed(c RefundClaimFiled) {
	if r.seen[c.Month] {
		return
	}
	r.seen[c.Month] = true
	r.queue = append(r.queue, c.Month)
}

// ended shortens the leave to an earlier last day.
func (r *refundRun) ended(e RefundEnded) {
	if d, err := time.Parse(time.DateOnly, e.LastDay); err == nil && d.Before(r.last) {
		r.last, r.endedEarly = d, true
	}
}

// undecided lists the months of the leave (as it stands) not decided yet.
func (r *refundRun) undecided() []string {
	var out []string
	for m := domain.MonthOf(r.first); !domain.MonthOf(r.last).Before(m); m = m.Next() {
		if !r.decided[m.String()] {
			out = append(out, m.String())
		}
	}
	return out
}
