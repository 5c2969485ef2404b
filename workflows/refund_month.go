package workflows

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// RefundAdjustData is a caseworker's adjusted refund of a month (outcome
// adjust): the amount and why.
type RefundAdjustData struct {
	Amount string `json:"amount"`
	Reason string `json:"reason"`
}

// RefundRejectData is a caseworker's refusal of a month (outcome reject):
// why, as one text or as lines (the pages send the lines of a claim's
// refusal form).
type RefundRejectData struct {
	Reason  string   `json:"reason"`
	Reasons []string `json:"reasons"`
}

// text is the refusal's reason, its lines joined.
func (d RefundRejectData) text() string {
	parts := []string{}
	if r := strings.TrimSpace(d.Reason); r != "" {
		parts = append(parts, r)
	}
	for _, r := range d.Reasons {
		if r = strings.TrimSpace(r); r != "" {
			parts = append(parts, r)
		}
	}
	return strings.Join(parts, "; ")
}

// checkRefundReview validates a month's review: adjust needs a positive
// amount in cents and a reason, reject a reason.
func checkRefundReview(c TaskCompletion) error {
	switch c.Outcome {
	case "adjust":
		var d RefundAdjustData
		if err := decodeStrict(c.Data, &d); err != nil {
			return err
		}
		amt, err := decimal.NewFromString(strings.TrimSpace(d.Amount))
		if err != nil || !amt.IsPositive() || !amt.Round(2).Equal(amt) {
			return domain.FieldError("amount", "an adjusted refund is a positive amount in euros and cents, not %q", d.Amount)
		}
		if r := strings.TrimSpace(d.Reason); r == "" || len(r) > 1000 {
			return domain.FieldError("reason", "say why the refund is adjusted (at most 1,000 characters)")
		}
	case "reject":
		var d RefundRejectData
		if err := decodeStrict(c.Data, &d); err != nil {
			return err
		}
		if r := d.text(); r == "" || len(r) > 1000 {
			return domain.FieldError("reason", "say why the month is refused (at most 1,000 characters)")
		}
	}
	return nil
}

// decideMonth decides one month's claim: by rule, or by a caseworker
// where the evidence and the request disagree, with a supervisor's
// approval for the leave's first decision.
func (r *refundRun) decideMonth(ctx workflow.Context, month string) error {
	for round := 1; ; round++ {
		r.stage = "assessing " + month
		calc, err := r.assessMonth(ctx, month)
		if err != nil {
			return err
		}
		in := activities.DecideRefundInput{Leave: r.in.Leave, Month: month, Kind: activities.RefundGrant, Amount: calc.Refund,
			PreparedBy: "system", ApprovedBy: "system"}
		if calc.Days == 0 || !calc.Refund.IsPositive() {
			in.Kind = activities.RefundRejection
		}
		if r.firstDecided && calc.Discrepancies == 0 {
			_, err := r.decideAndRecord(ctx, in, month)
			return err
		}
		review, err := r.reviewMonth(ctx, month, round, calc)
		if err != nil {
			return err
		}
		if review.Outcome == "reassess" {
			continue
		}
		applyReview(&in, review)
		if r.firstDecided {
			in.PreparedBy, in.ApprovedBy = "system", review.By
		} else {
			approval, err := r.approve(ctx, fmt.Sprintf("approval-%s-%d", month, round), review.By, r.taskData(month, in.Amount, calc.Days, calc.Discrepancies))
			if err != nil {
				return err
			}
			if approval.Outcome == "send_back" {
				continue
			}
			in.PreparedBy, in.ApprovedBy = review.By, approval.By
		}
		_, err = r.decideAndRecord(ctx, in, month)
		return err
	}
}

// applyReview sets the decision the caseworker chose: the rule's refund
// (accept), another amount (adjust) or a refusal (reject), with the reason.
func applyReview(in *activities.DecideRefundInput, review TaskCompletion) {
	switch review.Outcome {
	case "adjust":
		var d RefundAdjustData
		_ = decodeStrict(review.Data, &d)
		in.Kind, in.Amount, in.Reason = activities.RefundAdjusted, decimal.RequireFromString(strings.TrimSpace(d.Amount)), strings.TrimSpace(d.Reason)
	case "reject":
		var d RefundRejectData
		_ = decodeStrict(review.Data, &d)
		in.Kind, in.Amount, in.Reason = activities.RefundRejection, decimal.Zero, d.text()
	}
}

// assessMonth works the month out from the registries and the claim; a
// death the register states shortens the leave.
func (r *refundRun) assessMonth(ctx workflow.Context, month string) (activities.AssessRefundMonthResult, error) {
	var a *activities.Activities
	var calc activities.AssessRefundMonthResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, refundOptions), a.AssessRefundMonth,
		activities.AssessRefundMonthInput{Leave: r.in.Leave, Month: month}).Get(ctx, &calc)
	if err == nil {
		r.ended(RefundEnded{LastDay: calc.LastDay})
	}
	return calc, err
}

// reviewMonth is the caseworker's look at a month: the leave's first, or
// one whose evidence and request disagree.
func (r *refundRun) reviewMonth(ctx workflow.Context, month string, round int, calc activities.AssessRefundMonthResult) (TaskCompletion, error) {
	if err := r.claimState(ctx, month, "review"); err != nil {
		return TaskCompletion{}, err
	}
	r.stage = "review " + month
	return r.await(ctx, taskSpec{Step: fmt.Sprintf("review-%s-%d", month, round), Type: TaskRefundReview, Role: domain.RoleCaseworker,
		Due: RefundReviewDue, Priority: 40, Outcomes: []string{"accept", "adjust", "reject", "reassess"}, check: checkRefundReview},
		r.taskData(month, calc.Refund, calc.Days, calc.Discrepancies))
}

// approve is a supervisor's approval of the leave's first decision, never
// by the caseworker who prepared it (four eyes).
func (r *refundRun) approve(ctx workflow.Context, step, preparer string, data map[string]string) (TaskCompletion, error) {
	r.stage = "approval"
	if month := data["month"]; month != "" {
		if err := r.claimState(ctx, month, "approval"); err != nil {
			return TaskCompletion{}, err
		}
	}
	data["prepared_by"] = preparer
	return r.await(ctx, taskSpec{Step: step, Type: TaskRefundApprove, Role: domain.RoleSupervisor, Due: RefundApprovalDue, Priority: 50,
		Exclude: []string{preparer}, Outcomes: []string{"approve", "send_back"}, check: checkSendBack}, data)
}

func (r *refundRun) await(ctx workflow.Context, spec taskSpec, data map[string]string) (TaskCompletion, error) {
	spec.Subject, spec.CentreID, spec.Data = r.in.Leave, r.leave.CentreID, data
	return r.t.await(ctx, spec, domain.RoleSupervisor)
}

// taskData is what a refund's task shows: the leave, the month, the
// refund by rule and why a person looks at it; no personal data.
func (r *refundRun) taskData(month string, refund decimal.Decimal, days, discrepancies int) map[string]string {
	return map[string]string{"refund": r.in.Leave, "month": month, "amount": refund.StringFixed(2), "days": strconv.Itoa(days),
		"discrepancies": strconv.Itoa(discrepancies), "rate": strconv.Itoa(r.leave.Rate), "first_decision": strconv.FormatBool(!r.firstDecided)}
}

func (r *refundRun) claimState(ctx workflow.Context, month, state string) error {
	var a *activities.Activities
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.SetRefundClaimState,
		activities.SetRefundClaimStateInput{Leave: r.in.Leave, Month: month, State: state}).Get(ctx, nil)
}

// decideAndRecord issues a month's decision and marks the month decided.
func (r *refundRun) decideAndRecord(ctx workflow.Context, in activities.DecideRefundInput, month string) (activities.DecideRefundResult, error) {
	d, err := r.decide(ctx, in)
	if err != nil {
		return d, err
	}
	r.decided[month] = true
	r.decidedList = append(r.decidedList, month)
	r.firstDecided = true
	return d, nil
}

func (r *refundRun) decide(ctx workflow.Context, in activities.DecideRefundInput) (activities.DecideRefundResult, error) {
	var a *activities.Activities
	var d activities.DecideRefundResult
	in.IssuedAt = workflow.Now(ctx)
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, refundOptions), a.DecideRefund, in).Get(ctx, &d)
	return d, err
}

// complete records how the leave ended and waits for the handlers in flight.
func (r *refundRun) complete(ctx workflow.Context) (RefundResult, error) {
	res := RefundResult{State: "completed", Decided: r.decidedList}
	if r.lapsed {
		res.Lapsed = r.undecided()
	}
	reason := ""
	if len(res.Lapsed) > 0 {
		reason = "not claimed in time: " + strings.Join(res.Lapsed, ", ")
	}
	if r.endedEarly {
		res.State = "ended"
	}
	var a *activities.Activities
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.CompleteRefundLeave,
		activities.CompleteRefundLeaveInput{Leave: r.in.Leave, State: res.State, Reason: reason}).Get(ctx, nil); err != nil {
		return RefundResult{}, err
	}
	r.stage = res.State
	return r.finish(ctx, res)
}

func (r *refundRun) finish(ctx workflow.Context, res RefundResult) (RefundResult, error) {
	r.t.closed = "leave " + r.in.Leave + " is " + res.State
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return RefundResult{}, err
	}
	return res, nil
}
