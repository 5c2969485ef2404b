package workflows

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// Names of the appeal procedure and of a decision's finality (issue 16).
const (
	QueryAppeal = "appeal"
	// Task types.
	TaskAppealReview  = "appeal.review"  // the centre: change its own decision, or forward
	TaskAppealApprove = "appeal.approve" // the centre's supervisor approves its change (four eyes)
	TaskAppealDecide  = "appeal.decide"  // the ministry's appeals officer, second instance
	// DefaultAppealReviewWithin is how long the centre has to act on an
	// appeal (GUESS: the administrative procedure's 8 days for the first
	// instance, DOMAIN.md gives none), and its supervisor after.
	DefaultAppealReviewWithin = 8 * 24 * time.Hour
	// DefaultAppealDecideWithin is the ministry's (GUESS: 60 days).
	DefaultAppealDecideWithin = 60 * 24 * time.Hour
)

// AppealWorkflowID is the workflow of an appeal.
func AppealWorkflowID(appeal string) string { return "appeal/" + appeal }

// FinalityWorkflowID is the workflow that waits for a decision to become final.
func FinalityWorkflowID(decision string) string { return "finality/" + decision }

// AppealInput starts an appeal's workflow; the appeal row holds the rest.
type AppealInput struct {
	AppealID       string
	DecisionID     string
	DecisionNumber string
	CentreID       string
	PersonID       domain.PersonID
	// Changeable: the decision granted a right whose amount an outcome
	// may change (else it is upheld or annulled); RightFrom is its start.
	Changeable   bool
	RightFrom    time.Time
	ReviewWithin time.Duration // 0: DefaultAppealReviewWithin
	DecideWithin time.Duration // 0: DefaultAppealDecideWithin
}

// AppealState is what an appeal's workflow knows.
type AppealState struct {
	AppealID string
	Stage    string // first_instance, second_instance, decided
	Instance string // who decided: first or second
	Outcome  string
	Number   string // the outcome's decision
	Version  int    // the right's version the outcome added (0: none)
}

// AppealForm is an instance's outcome: the centre's change (outcome annul
// or change) or the ministry's reasons (and amount for a change).
type AppealForm struct {
	Outcome   string `json:"outcome,omitempty"`
	Amount    string `json:"amount,omitempty"`
	From      string `json:"from,omitempty"` // YYYY-MM-DD; "" : the right's start
	Reasoning string `json:"reasoning"`
}

// Appeal runs an appeal against a decision. Input AppealInput; id
// AppealWorkflowID; Update UpdateCompleteTask; query QueryAppeal. The
// centre that issued the decision reviews it first (a caseworker's task):
// it may change its own decision (annul it or change the amount), with
// its supervisor's approval (four eyes; a return goes back to the
// caseworker), or forward the appeal to the ministry, whose appeals
// officer upholds, annuls or changes it. The outcome is a decision with
// its PDF, and the right follows it retroactively (activities.DecideAppeal).
func Appeal(ctx workflow.Context, in AppealInput) (AppealState, error) {
	r := &appealRun{in: in, st: AppealState{AppealID: in.AppealID, Stage: string(domain.AppealFirstInstance)}}
	if err := r.listen(ctx); err != nil {
		return r.st, err
	}
	decided, err := r.firstInstance(ctx)
	if err == nil && !decided {
		err = r.secondInstance(ctx)
	}
	if err != nil {
		return r.st, err
	}
	return r.st, workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

type appealRun struct {
	in AppealInput
	st AppealState
	t  *tasks
}

// listen registers the query and the task update.
func (r *appealRun) listen(ctx workflow.Context) error {
	if r.in.ReviewWithin <= 0 {
		r.in.ReviewWithin = DefaultAppealReviewWithin
	}
	if r.in.DecideWithin <= 0 {
		r.in.DecideWithin = DefaultAppealDecideWithin
	}
	if err := workflow.SetQueryHandler(ctx, QueryAppeal, func() (AppealState, error) { return r.st, nil }); err != nil {
		return err
	}
	r.t = newTasks()
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, r.t.complete, workflow.UpdateHandlerOptions{Validator: r.t.validate})
}

// firstInstance has the centre review the appeal until it forwards it or
// its change is approved and issued (decided true).
func (r *appealRun) firstInstance(ctx workflow.Context) (bool, error) {
	for try := 1; ; try++ {
		spec := taskSpec{Step: "review-" + strconv.Itoa(try), Type: TaskAppealReview, Subject: r.in.AppealID + ": appeal against " + r.in.DecisionNumber,
			PersonID: r.in.PersonID, CentreID: r.in.CentreID, Role: domain.RoleCaseworker, Due: r.in.ReviewWithin, Priority: 70,
			Outcomes: []string{"forward", "change"}, Data: map[string]string{"appeal": r.in.AppealID, "decision": r.in.DecisionID}}
		spec.check = func(done TaskCompletion) error { return r.checkForm(done, true) }
		done, err := r.t.await(ctx, spec, domain.RoleSupervisor)
		if err != nil {
			return false, err
		}
		if done.Outcome == "forward" {
			var a *activities.Activities
			r.st.Stage = string(domain.AppealSecondInstance)
			return false, workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activationDecisionOptions), a.ForwardAppeal,
				activities.ForwardAppealInput{AppealID: r.in.AppealID, At: workflow.Now(ctx)}).Get(ctx, nil)
		}
		f := form(done)
		approve := taskSpec{Step: "approve-" + strconv.Itoa(try), Type: TaskAppealApprove, Subject: r.in.AppealID + ": approve " + f.Outcome + " of " + r.in.DecisionNumber,
			PersonID: r.in.PersonID, CentreID: r.in.CentreID, Role: domain.RoleSupervisor, Due: r.in.ReviewWithin, Priority: 70,
			Exclude: []string{done.By}, Outcomes: []string{"approve", "return"},
			Data: map[string]string{"appeal": r.in.AppealID, "outcome": f.Outcome, "amount": f.Amount, "prepared_by": done.By}}
		ap, err := r.t.await(ctx, approve, domain.RoleCentreHead)
		if err != nil {
			return false, err
		}
		if ap.Outcome == "approve" {
			return true, r.decide(ctx, "first", f, done.By, ap.By)
		}
	}
}

// secondInstance is the ministry's appeals officer's decision.
func (r *appealRun) secondInstance(ctx workflow.Context) error {
	spec := taskSpec{Step: "decide", Type: TaskAppealDecide, Subject: r.in.AppealID + ": second instance, decision " + r.in.DecisionNumber,
		PersonID: r.in.PersonID, CentreID: "", Role: domain.RoleAppealsOfficer, Due: r.in.DecideWithin, Priority: 60,
		Outcomes: []string{domain.OutcomeUphold, domain.OutcomeAnnul, domain.OutcomeChange},
		Data:     map[string]string{"appeal": r.in.AppealID, "decision": r.in.DecisionID, "centre": r.in.CentreID}}
	spec.check = func(done TaskCompletion) error { return r.checkForm(done, false) }
	done, err := r.t.await(ctx, spec, domain.RoleAppealsOfficer)
	if err != nil {
		return err
	}
	f := form(done)
	f.Outcome = done.Outcome
	return r.decide(ctx, "second", f, done.By, done.By)
}

// decide issues the outcome and has the right follow it.
func (r *appealRun) decide(ctx workflow.Context, instance string, f AppealForm, preparedBy, approvedBy string) error {
	var a *activities.Activities
	in := activities.DecideAppealInput{AppealID: r.in.AppealID, Instance: instance, Outcome: f.Outcome, Reasoning: f.Reasoning,
		PreparedBy: preparedBy, ApprovedBy: approvedBy, IssuedAt: workflow.Now(ctx)}
	if f.Outcome == domain.OutcomeChange {
		in.Amount, _ = decimal.NewFromString(f.Amount)
		if f.From != "" {
			from, _ := time.Parse(time.DateOnly, f.From)
			in.From = &from
		}
	}
	var res activities.DecideAppealResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activationDecisionOptions), a.DecideAppeal, in).Get(ctx, &res); err != nil {
		return err
	}
	r.st.Stage, r.st.Instance, r.st.Outcome, r.st.Number, r.st.Version = "decided", instance, f.Outcome, res.Number, res.Version
	return nil
}

// checkForm validates an instance's outcome: reasons always; the centre
// names annul or change; a change only of a granted right, with an amount
// above zero and a first day not before the right's.
func (r *appealRun) checkForm(done TaskCompletion, first bool) error {
	var f AppealForm
	if err := decodeStrict(done.Data, &f); err != nil {
		return err
	}
	if strings.TrimSpace(f.Reasoning) == "" {
		return domain.FieldError("data.reasoning", "say why")
	}
	outcome := done.Outcome
	if first {
		if done.Outcome == "forward" {
			return nil
		}
		if f.Outcome != domain.OutcomeAnnul && f.Outcome != domain.OutcomeChange {
			return domain.FieldError("data.outcome", "the centre annuls or changes its decision (annul, change), not %q", f.Outcome)
		}
		outcome = f.Outcome
	}
	if outcome != domain.OutcomeChange {
		return nil
	}
	if !r.in.Changeable {
		return domain.FieldError("outcome", "decision %s can be upheld or annulled, not changed", r.in.DecisionNumber)
	}
	if a, err := decimal.NewFromString(f.Amount); err != nil || !a.IsPositive() || a.Exponent() < -2 {
		return domain.FieldError("data.amount", "the new monthly amount, above zero, in euros and cents (e.g. 120.50)")
	}
	if f.From != "" {
		from, err := time.Parse(time.DateOnly, f.From)
		if err != nil || from.Before(r.in.RightFrom) {
			return domain.FieldError("data.from", "a day (YYYY-MM-DD) on or after the right's start, %s", r.in.RightFrom.Format(time.DateOnly))
		}
	}
	return nil
}

func form(done TaskCompletion) AppealForm {
	var f AppealForm
	_ = json.Unmarshal(done.Data, &f)
	return f
}

// FinalityInput names a delivered activation decision and when it
// becomes final without an appeal.
type FinalityInput struct {
	DecisionID string
	FinalOn    time.Time
}

// DecisionFinality waits until a delivered sanction's appeal deadline has
// passed and then has it take effect (from the first month after), unless
// an appeal was filed: then the appeal's outcome decides. Input
// FinalityInput; id FinalityWorkflowID; one durable timer.
func DecisionFinality(ctx workflow.Context, in FinalityInput) (activities.ApplySanctionResult, error) {
	var res activities.ApplySanctionResult
	if wait := in.FinalOn.Sub(workflow.Now(ctx)); wait > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			return res, err
		}
	}
	var a *activities.Activities
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activationDecisionOptions), a.ApplySanction,
		activities.ApplySanctionInput{DecisionID: in.DecisionID, Final: in.FinalOn}).Get(ctx, &res)
	return res, err
}
