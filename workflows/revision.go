package workflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// Names of the revision procedure.
const (
	QueryRevisionStage = "stage"
	TaskRevisionReview = "revision.review"
	TaskRevisionApprov = "revision.approve"
)

// What starts a revision (RevisionInput.Trigger).
const (
	RevisionScheduled = "schedule" // the daily sweep: next_revision fell due
	RevisionManual    = "manual"   // a caseworker asked for it
	RevisionChange    = "change"   // a change event touched the right (Ref names it)
)

// How long a revision's people have (GUESS: a revision is not same-day
// work like a claim; DOMAIN.md §4.4 leaves the deadlines to the rulebook).
const (
	RevisionReviewDue   = 5 * 24 * time.Hour
	RevisionApprovalDue = 3 * 24 * time.Hour
)

// RevisionInput starts a revision of a right. It carries ids only.
type RevisionInput struct {
	EntitlementID string
	// Due is the day the revision fell due (the sweep: the right's
	// next_revision) or was asked for, as YYYY-MM-DD.
	Due string
	// Trigger is RevisionScheduled, RevisionManual or RevisionChange; Ref
	// names the change event for RevisionChange ("" otherwise).
	Trigger string
	Ref     string
	// StartedBy is the username who asked, or "system".
	StartedBy string
	// EvidenceWait is how long to wait for registries before the review
	// shows what did not answer (0: Deadlines' default, 2 hours).
	EvidenceWait time.Duration
}

// RevisionID is the workflow id of a revision: one per right and due date
// ("revision/<entitlement id>/<YYYY-MM-DD>"), and one per change event
// ("revision/<entitlement id>/change-<ref>").
func RevisionID(in RevisionInput) string {
	if in.Trigger == RevisionChange {
		return "revision/" + in.EntitlementID + "/change-" + in.Ref
	}
	return "revision/" + in.EntitlementID + "/" + in.Due
}

// RevisionResult is how the revision ended.
type RevisionResult struct {
	State          string // no_change, changed, ended, refused
	Reason         string // why refused
	Proposal       string
	Amount         decimal.Decimal
	From           string // the new version's first day (changed, ended)
	DecisionID     string
	DecisionNumber string
	NextRevision   string
}

// revisionStartOptions start a revision: one per id; a failed or
// terminated one may be started again, a completed one not.
func revisionStartOptions(id string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: id, TaskQueue: TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// Once it completed, the refusal is returned, not that run handed
		// back as if it had started (the SDK's default).
		WorkflowExecutionErrorWhenAlreadyStarted: true}
}

// StartRevision starts a revision from outside a workflow (the API, a
// change-event poller's activity) and returns its id. Asking again while
// it runs joins it; once it completed, the server refuses the id
// (serviceerror.WorkflowExecutionAlreadyStarted).
func StartRevision(ctx context.Context, c client.Client, in RevisionInput) (id string, err error) {
	id = RevisionID(in)
	_, err = c.ExecuteWorkflow(ctx, revisionStartOptions(id), NameRevision, in)
	return id, err
}

// StartRevisionChild starts a revision from a workflow (the sweep, a
// change event's workflow), abandoned to run on its own. The future is
// ready once it started; its error is a
// *temporal.ChildWorkflowExecutionAlreadyStartedError when a revision with
// its id runs or completed. A workflow waits for it before it completes.
func StartRevisionChild(ctx workflow.Context, in RevisionInput) workflow.Future {
	id := RevisionID(in)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: id, TaskQueue: TaskQueue,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY})
	return workflow.ExecuteChildWorkflow(cctx, NameRevision, in).GetChildWorkflowExecution()
}

// Revision revises one right: its members' evidence fetched again, the
// right recalculated for next month, and a proposal: no change (recorded,
// the next date set, nobody's time taken unless a registry did not
// answer), a change of amount, or the end of the right. A change or an end
// goes through a caseworker's review (task revision.review: accept, or
// recalculate after asking the registries again); where the amount falls
// or the right ends, a supervisor other than the caseworker approves
// (revision.approve: approve or send_back with a reason). Then a decision
// with its PDF and a version of the right from the first day of the month
// after the decision (GUESS), reason revision, source "revision:<id>".
//
// Input RevisionInput; id RevisionID(in). Update UpdateCompleteTask;
// query QueryRevisionStage. An unknown right fails the workflow; an ended
// right, or one another revision is revising, ends it as refused.
func Revision(ctx workflow.Context, in RevisionInput) (RevisionResult, error) {
	r := &revisionRun{in: in, t: newTasks(), stage: "starting", id: workflow.GetInfo(ctx).WorkflowExecution.ID}
	if err := r.listen(ctx); err != nil {
		return RevisionResult{}, err
	}
	if err := r.start(ctx); err != nil {
		var ae *temporal.ApplicationError
		if errors.As(err, &ae) && ae.Type() == domain.CodeConflict {
			return r.complete(ctx, RevisionResult{State: "refused", Reason: ae.Message()})
		}
		return RevisionResult{}, err
	}
	for round := 1; ; round++ {
		res, done, err := r.round(ctx, round)
		if err != nil || done {
			return res, err
		}
	}
}

// revisionRun is a revision's state: the right, the proposal of the last
// round, and who prepared and approved it.
type revisionRun struct {
	in       RevisionInput
	id       string
	t        *tasks
	stage    string
	due      time.Time
	right    activities.StartRevisionResult
	failed   []domain.Source
	prop     activities.CalculateRevisionResult
	period   time.Time
	preparer string
	approver string
}

func (r *revisionRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryRevisionStage, func() (string, error) { return r.stage, nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, r.t.complete, workflow.UpdateHandlerOptions{Validator: r.t.validate})
}

func (r *revisionRun) local(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, localOptions)
}

// start records the revision and reads its right.
func (r *revisionRun) start(ctx workflow.Context) error {
	var a *activities.Activities
	due, err := time.Parse(time.DateOnly, r.in.Due)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("due "+r.in.Due+": want YYYY-MM-DD", domain.CodeInvalid, nil)
	}
	r.due = due
	return workflow.ExecuteLocalActivity(r.local(ctx), a.StartRevision, activities.StartRevisionInput{ID: r.id, EntitlementID: r.in.EntitlementID,
		Due: due, Trigger: r.in.Trigger, Ref: r.in.Ref, StartedBy: r.in.StartedBy}).Get(ctx, &r.right)
}

func (r *revisionRun) setStage(ctx workflow.Context, stage string) error {
	var a *activities.Activities
	r.stage = stage
	return workflow.ExecuteLocalActivity(r.local(ctx), a.SetRevisionStage, activities.SetRevisionStageInput{ID: r.id, Stage: stage}).Get(ctx, nil)
}

// round fetches the evidence, recalculates and takes the proposal through
// its tasks; done when the revision ended, not done when a person asked
// for another round.
func (r *revisionRun) round(ctx workflow.Context, round int) (RevisionResult, bool, error) {
	if err := r.recalculate(ctx); err != nil {
		return RevisionResult{}, true, err
	}
	if r.prop.Proposal == activities.ProposalNoChange && len(r.failed) == 0 {
		res, err := r.complete(ctx, RevisionResult{State: "no_change", Proposal: r.prop.Proposal, Amount: r.prop.After})
		return res, true, err
	}
	review, err := r.review(ctx, round)
	if err != nil || review.Outcome == "recalculate" {
		return RevisionResult{}, err != nil, err
	}
	r.preparer = review.By
	if r.prop.Proposal == activities.ProposalNoChange {
		res, err := r.complete(ctx, RevisionResult{State: "no_change", Proposal: r.prop.Proposal, Amount: r.prop.After})
		return res, true, err
	}
	if r.needsFourEyes() {
		approval, err := r.approve(ctx, round)
		if err != nil || approval.Outcome == "send_back" {
			return RevisionResult{}, err != nil, err
		}
		r.approver = approval.By
	} else {
		// A rise is one person's decision: the caseworker approves what
		// the recalculation prepared.
		r.preparer, r.approver = "system", review.By
	}
	res, err := r.decide(ctx)
	return res, true, err
}

// needsFourEyes: the amount falls or the right ends.
func (r *revisionRun) needsFourEyes() bool {
	return r.prop.Proposal == activities.ProposalEnd || r.prop.After.LessThan(r.prop.Before)
}

// recalculate fetches every member's evidence again (as a claim does) and
// recalculates the right for the month after today.
func (r *revisionRun) recalculate(ctx workflow.Context) error {
	var a *activities.Activities
	if err := r.setStage(ctx, "evidence"); err != nil {
		return err
	}
	results, err := refreshEvidence(ctx, r.right.Members, r.id, nil, r.in.EvidenceWait)
	if err != nil {
		return err
	}
	r.failed = nil
	for _, res := range results {
		r.failed = append(r.failed, res.Failed...)
	}
	r.period = firstOfNextMonth(workflow.Now(ctx))
	return workflow.ExecuteLocalActivity(r.local(ctx), a.CalculateRevision, activities.CalculateRevisionInput{ID: r.id, Members: r.right.Members,
		Period: r.period, Failed: r.failed}).Get(ctx, &r.prop)
}

func firstOfNextMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
}

// taskData is what the revision's tasks show: the proposal's figures; its
// explanation is on the revision (GET /api/v1/revisions/{id}).
func (r *revisionRun) taskData() map[string]string {
	failed := make([]string, len(r.failed))
	for i, s := range r.failed {
		failed[i] = string(s)
	}
	return map[string]string{"revision": r.id, "entitlement_id": r.in.EntitlementID, "benefit": r.right.Benefit, "proposal": r.prop.Proposal,
		"amount_before": r.prop.Before.StringFixed(2), "amount_after": r.prop.After.StringFixed(2), "period": r.period.Format(time.DateOnly),
		"failed_sources": strings.Join(failed, ","), "prepared_by": r.preparer}
}

func (r *revisionRun) await(ctx workflow.Context, spec taskSpec) (TaskCompletion, error) {
	spec.Subject, spec.CentreID, spec.PersonID, spec.Data = r.id, r.right.CentreID, r.right.Beneficiary, r.taskData()
	return r.t.await(ctx, spec, domain.RoleSupervisor)
}

// review is the caseworker's look at the proposal: accept it, or have the
// registries asked again and the right recalculated.
func (r *revisionRun) review(ctx workflow.Context, round int) (TaskCompletion, error) {
	if err := r.setStage(ctx, "review"); err != nil {
		return TaskCompletion{}, err
	}
	return r.await(ctx, taskSpec{Step: fmt.Sprintf("review-%d", round), Type: TaskRevisionReview, Role: domain.RoleCaseworker,
		Due: RevisionReviewDue, Priority: 40, Outcomes: []string{"accept", "recalculate"}})
}

// approve is a supervisor's approval of a fall or an end, never by the
// caseworker who accepted it (four eyes); sent back, the revision starts
// a new round.
func (r *revisionRun) approve(ctx workflow.Context, round int) (TaskCompletion, error) {
	if err := r.setStage(ctx, "approval"); err != nil {
		return TaskCompletion{}, err
	}
	return r.await(ctx, taskSpec{Step: fmt.Sprintf("approval-%d", round), Type: TaskRevisionApprov, Role: domain.RoleSupervisor,
		Due: RevisionApprovalDue, Priority: 50, Exclude: []string{r.preparer}, Outcomes: []string{"approve", "send_back"}, check: checkSendBack})
}

// decide issues the decision and the right's new version from the first
// day of the month after the decision, or of the month calculated if that
// is later.
func (r *revisionRun) decide(ctx workflow.Context) (RevisionResult, error) {
	var a *activities.Activities
	r.t.closed = "revision " + r.id + " is decided"
	if err := r.setStage(ctx, "deciding"); err != nil {
		return RevisionResult{}, err
	}
	now := workflow.Now(ctx)
	from := firstOfNextMonth(now)
	if r.period.After(from) {
		from = r.period
	}
	var d activities.DecideRevisionResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, claimActivityOptions), a.DecideRevision, activities.DecideRevisionInput{
		ID: r.id, Proposal: r.prop.Proposal, Amount: r.prop.After, From: from, PreparedBy: r.preparer, ApprovedBy: r.approver, IssuedAt: now,
	}).Get(ctx, &d)
	if err != nil {
		return RevisionResult{}, err
	}
	state := "changed"
	if r.prop.Proposal == activities.ProposalEnd {
		state = "ended"
	}
	return r.complete(ctx, RevisionResult{State: state, Proposal: r.prop.Proposal, Amount: r.prop.After, From: from.Format(time.DateOnly),
		DecisionID: d.DecisionID, DecisionNumber: d.Number})
}

// complete records the outcome and the right's next revision, and waits
// for the handlers in flight.
func (r *revisionRun) complete(ctx workflow.Context, res RevisionResult) (RevisionResult, error) {
	var a *activities.Activities
	r.stage = "done"
	in := activities.CompleteRevisionInput{ID: r.id, State: res.State, DecisionID: res.DecisionID, PreparedBy: r.preparer,
		ApprovedBy: r.approver, At: workflow.Now(ctx)}
	if res.From != "" {
		in.From, _ = time.Parse(time.DateOnly, res.From)
	}
	if res.State != "refused" {
		var out activities.CompleteRevisionResult
		if err := workflow.ExecuteLocalActivity(r.local(ctx), a.CompleteRevision, in).Get(ctx, &out); err != nil {
			return RevisionResult{}, err
		}
		res.NextRevision = out.NextRevision
	}
	r.t.closed = "revision " + r.id + " has ended"
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return RevisionResult{}, err
	}
	return res, nil
}
