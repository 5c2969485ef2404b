package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// Messages of the Placement workflow (issue 22; its name NamePlacement is
// in names.go).
const (
	// UpdatePlacementStep is a person's step on a placement: the referral,
	// the institution's answer, the decision's draft and approval, the
	// admission, a review, the discharge or transfer.
	UpdatePlacementStep = "placement-step"
	QueryPlacement      = "placement"
)

// Deadlines of a placement. GUESS: the institution answers a referral in
// 5 working days, 7 calendar days here; a placement is reviewed every six
// months, the review task due in 30 days.
const (
	PlacementAnswerDue    = 7 * 24 * time.Hour
	PlacementReviewDue    = 30 * 24 * time.Hour
	placementReviewMonths = 6
)

// Stages of a placement: the placements table's states, and "drafted"
// (accepted, its decision drafted and waiting for approval).
const (
	StageProposed    = "proposed"
	StageReferred    = "referred"
	StageRefused     = "refused"
	StageAccepted    = "accepted"
	StageDrafted     = "drafted"
	StageDecided     = "decided"
	StageAdmitted    = "admitted"
	StageDischarged  = "discharged"
	StageTransferred = "transferred"
)

// PlacementID is the workflow id of a placement: one per placement.
func PlacementID(id int64) string { return fmt.Sprintf("placement/%d", id) }

// PlacementInput names the placement (proposed by the API: step 1 done),
// its centre and person; ids only.
type PlacementInput struct {
	PlacementID int64
	CentreID    string
	PersonID    domain.PersonID
	Steps       int // steps taken before the workflow started
}

// PlacementAction is a person's step as the API sends it: who, in which
// role and organisation (their centre or institution), and the step's
// ids; what they typed is staged in PostgreSQL (InputID).
type PlacementAction struct {
	Step          string
	By            string
	Role          domain.Role
	Home          string
	InstitutionID string // a referral's
	BedID         int64  // a referral's
	InputID       int64
	Day           string // an admission's or an end's, YYYY-MM-DD
}

// PlacementStatus is where a placement stands (the query's and each
// step's answer).
type PlacementStatus struct {
	Stage         string
	InstitutionID string
	DraftedBy     string
	Steps         int
	Referrals     int
	Refusals      int
	Reviews       int
	NextReview    string
	TransferredTo int64
}

// PlacementResult is how a placement ended.
type PlacementResult struct {
	State         string
	TransferredTo int64
	Refusals      int
	Reviews       int
}

var placementOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 5 * time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}},
}

// Placement runs a person's placement in a residential institution (issue
// 22, DOMAIN.md §7.1): the case manager refers the proposal to a bed of an
// institution, whose social worker answers within PlacementAnswerDue (a
// task; escalated to the institution's director when late); a refusal
// sends it back to the case manager, who refers it elsewhere. Accepted,
// a caseworker drafts the centre's decision (cost, budget line, the
// co-payment) and a supervisor who did not draft it approves it (its PDF
// issued); the institution's gatekeeper or social worker admits the
// resident; every six months a review task goes to the centre's case
// manager, until the centre or the institution discharges the resident or
// transfers them: a transfer proposes a new placement from the same case
// and starts its own Placement workflow.
//
// Input PlacementInput; id PlacementID(placement). Update
// UpdatePlacementStep (validated: stage, role, organisation, four eyes);
// query QueryPlacement. It carries ids and usernames only.
func Placement(ctx workflow.Context, in PlacementInput) (PlacementResult, error) {
	r := &placementRun{in: in, stage: StageProposed, steps: in.Steps}
	if err := r.listen(ctx); err != nil {
		return PlacementResult{}, err
	}
	for r.stage != StageAccepted {
		if err := r.waitWhile(ctx, StageProposed, StageRefused); err != nil {
			return PlacementResult{}, err
		}
		if err := r.awaitAnswer(ctx); err != nil {
			return PlacementResult{}, err
		}
	}
	if err := r.waitWhile(ctx, StageAccepted, StageDrafted); err != nil {
		return PlacementResult{}, err
	}
	if err := r.reviewUntilEnd(ctx); err != nil {
		return PlacementResult{}, err
	}
	return r.finish(ctx)
}

// placementRun is a placement's state.
type placementRun struct {
	in          PlacementInput
	stage       string
	busy        bool // a step's activity is running
	steps       int
	institution string
	draftedBy   string
	answeredBy  string
	referrals   int
	refusals    int
	reviews     int
	lastBy      string // who took the last step
	nextReview  string
	next        int64 // the placement a transfer proposed
}

func (r *placementRun) status() PlacementStatus {
	return PlacementStatus{Stage: r.stage, InstitutionID: r.institution, DraftedBy: r.draftedBy, Steps: r.steps, Referrals: r.referrals,
		Refusals: r.refusals, Reviews: r.reviews, NextReview: r.nextReview, TransferredTo: r.next}
}

func (r *placementRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryPlacement, func() (PlacementStatus, error) { return r.status(), nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdatePlacementStep, r.step, workflow.UpdateHandlerOptions{Validator: r.validate})
}

// placementRule is who takes a step and when: the stages it is taken in,
// the roles that take it, and whether they act for the centre, the
// institution, or either (the role says which).
type placementRule struct {
	stages []string
	roles  []domain.Role
	input  bool // the step names a staged input
}

var placementRules = map[string]placementRule{
	activities.PlacementRefer:     {[]string{StageProposed, StageRefused}, []domain.Role{domain.RoleCaseworker}, false},
	activities.PlacementAccept:    {[]string{StageReferred}, []domain.Role{domain.RoleInstitutionSocialWorker}, false},
	activities.PlacementRefuse:    {[]string{StageReferred}, []domain.Role{domain.RoleInstitutionSocialWorker}, true},
	activities.PlacementDraft:     {[]string{StageAccepted, StageDrafted}, []domain.Role{domain.RoleCaseworker}, true},
	activities.PlacementApprove:   {[]string{StageDrafted}, []domain.Role{domain.RoleSupervisor}, false},
	activities.PlacementAdmit:     {[]string{StageDecided}, []domain.Role{domain.RoleInstitutionGatekeeper, domain.RoleInstitutionSocialWorker}, false},
	activities.PlacementReview:    {[]string{StageAdmitted}, []domain.Role{domain.RoleCaseworker}, true},
	activities.PlacementDischarge: {[]string{StageAdmitted}, []domain.Role{domain.RoleCaseworker, domain.RoleInstitutionSocialWorker}, true},
	activities.PlacementTransfer:  {[]string{StageAdmitted}, []domain.Role{domain.RoleCaseworker, domain.RoleInstitutionSocialWorker}, true},
}

// inStage refuses a step the placement's stage does not take now.
func (r *placementRun) inStage(a PlacementAction) error {
	if rule, ok := placementRules[a.Step]; ok && !slices.Contains(rule.stages, r.stage) {
		return rejectf(domain.CodeConflict, "placement %d is %s: it takes no %s step now", r.in.PlacementID, r.stage, a.Step)
	}
	return nil
}

// validate refuses a step that is not one, taken in the wrong stage, by
// the wrong role or organisation, an approval by the drafter (four eyes),
// or one missing its ids. Nothing it refuses reaches the history.
func (r *placementRun) validate(_ workflow.Context, a PlacementAction) error {
	rule, ok := placementRules[a.Step]
	if !ok {
		return rejectField(domain.CodeInvalid, "step", "%q is not a step of a placement", a.Step)
	}
	role := false
	for _, want := range rule.roles {
		role = role || a.Role.Acts(want)
	}
	if !role {
		return rejectf(domain.CodeForbidden, "a %s may not %s a placement", a.Role, a.Step)
	}
	home := r.in.CentreID
	if a.Role.Institution() {
		home = r.institution
	}
	stage := false
	for _, s := range rule.stages {
		stage = stage || s == r.stage
	}
	switch {
	case a.Home != home:
		return rejectf(domain.CodeNotFound, "placement %d not found", r.in.PlacementID)
	case r.busy:
		return rejectf(domain.CodeConflict, "placement %d is taking another step; try again", r.in.PlacementID)
	case !stage:
		return rejectf(domain.CodeConflict, "placement %d is %s: it takes no %s step now", r.in.PlacementID, r.stage, a.Step)
	case a.Step == activities.PlacementApprove && a.By == r.draftedBy:
		return rejectf(domain.CodeForbidden, "four eyes: %s drafted this decision and may not approve it", a.By)
	case rule.input && a.InputID == 0:
		return rejectField(domain.CodeInvalid, "input", "the %s step names no input", a.Step)
	case a.Step == activities.PlacementRefer && (a.InstitutionID == "" || a.BedID == 0):
		return rejectField(domain.CodeInvalid, "bed_id", "a referral names an institution and a bed")
	}
	return nil
}

// step takes an accepted step (an activity writes it) and moves the stage;
// the update answers once PostgreSQL shows it.
func (r *placementRun) step(ctx workflow.Context, a PlacementAction) (PlacementStatus, error) {
	// Steps accepted together (a form sent twice) run one at a time: the
	// later waits for the earlier and is checked against the stage it left.
	// The stage is checked on replay too (it is the workflow's own state);
	// the rules (roles, four eyes) only when first run, so that they may
	// change between versions.
	if err := workflow.Await(ctx, func() bool { return !r.busy }); err != nil {
		return PlacementStatus{}, err
	}
	if err := r.inStage(a); err != nil {
		return PlacementStatus{}, err
	}
	if err := r.validate(ctx, a); err != nil && !workflow.IsReplaying(ctx) {
		return PlacementStatus{}, err
	}
	r.busy = true
	defer func() { r.busy = false }()
	inst := r.institution
	if a.Step == activities.PlacementRefer {
		inst = a.InstitutionID
	}
	in := activities.PlacementStepInput{PlacementID: r.in.PlacementID, Seq: r.steps + 1, Step: a.Step, By: a.By, InstitutionID: inst,
		BedID: a.BedID, InputID: a.InputID, Day: a.Day}
	var act *activities.Activities
	var res activities.PlacementStepResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, placementOptions), act.RecordPlacementStep, in).Get(ctx, &res); err != nil {
		return PlacementStatus{}, err
	}
	r.steps, r.lastBy = in.Seq, a.By
	r.apply(a, res)
	return r.status(), nil
}

// apply moves the stage after step a was taken.
func (r *placementRun) apply(a PlacementAction, res activities.PlacementStepResult) {
	switch a.Step {
	case activities.PlacementRefer:
		r.stage, r.institution = StageReferred, a.InstitutionID
		r.referrals++
	case activities.PlacementAccept:
		r.stage, r.answeredBy = StageAccepted, a.By
	case activities.PlacementRefuse:
		r.stage, r.answeredBy = StageRefused, a.By
		r.refusals++
	case activities.PlacementDraft:
		r.stage, r.draftedBy = StageDrafted, a.By
	case activities.PlacementApprove:
		r.stage = StageDecided
	case activities.PlacementAdmit:
		r.stage = StageAdmitted
	case activities.PlacementReview:
		r.reviews++
	case activities.PlacementDischarge:
		r.stage = StageDischarged
	case activities.PlacementTransfer:
		r.stage, r.next = StageTransferred, res.NextPlacementID
	}
}

// waitWhile waits until the stage is none of stages (a step moved it).
func (r *placementRun) waitWhile(ctx workflow.Context, stages ...string) error {
	return workflow.Await(ctx, func() bool {
		if r.busy {
			return false
		}
		for _, s := range stages {
			if r.stage == s {
				return false
			}
		}
		return true
	})
}

// awaitTask creates a task, waits up to due for done, escalates it to
// escalate when late and waits on; then records its outcome, or (the
// placement ended first) leaves it to CancelTasks.
func (r *placementRun) awaitTask(ctx workflow.Context, step, typ, centre string, role, escalate domain.Role, due time.Duration, done func() bool) error {
	var a *activities.Activities
	actx := workflow.WithLocalActivityOptions(ctx, localOptions)
	wf := workflow.GetInfo(ctx).WorkflowExecution.ID
	id := TaskID(wf, step)
	err := workflow.ExecuteLocalActivity(actx, a.CreateTask, activities.CreateTaskInput{ID: id, WorkflowID: wf, Type: typ,
		Subject: fmt.Sprintf("placement %d", r.in.PlacementID), PersonID: r.in.PersonID, CentreID: centre, CandidateRole: role,
		Priority: 50, Due: workflow.Now(ctx).Add(due), Data: map[string]string{"placement": strconv.FormatInt(r.in.PlacementID, 10)}}).Get(ctx, nil)
	if err != nil {
		return err
	}
	ok, err := workflow.AwaitWithTimeout(ctx, due, done)
	if err != nil {
		return err
	}
	if !ok {
		if err := workflow.ExecuteLocalActivity(actx, a.EscalateTask, activities.EscalateTaskInput{TaskID: id, To: escalate}).Get(ctx, nil); err != nil {
			return err
		}
		if err := workflow.Await(ctx, done); err != nil {
			return err
		}
	}
	if r.ended() {
		return nil
	}
	outcome := r.stage
	if typ == "placement_review" {
		outcome = "reviewed"
	}
	return workflow.ExecuteLocalActivity(actx, a.RecordTaskOutcome, activities.RecordTaskOutcomeInput{TaskID: id, Outcome: outcome,
		By: r.lastBy, At: workflow.Now(ctx)}).Get(ctx, nil)
}

// awaitAnswer is the institution's answer to the referral: a task of its
// social workers, escalated to its director when late.
func (r *placementRun) awaitAnswer(ctx workflow.Context) error {
	return r.awaitTask(ctx, fmt.Sprintf("answer-%d", r.referrals), "placement_answer", r.institution,
		domain.RoleInstitutionSocialWorker, domain.RoleInstitutionDirector, PlacementAnswerDue,
		func() bool { return !r.busy && r.stage != StageReferred })
}

func (r *placementRun) ended() bool { return r.stage == StageDischarged || r.stage == StageTransferred }

// reviewUntilEnd waits for the admission, then every six months opens a
// review task for the centre's case manager (escalated to a supervisor
// when late), until the resident is discharged or transferred.
func (r *placementRun) reviewUntilEnd(ctx workflow.Context) error {
	if err := r.waitWhile(ctx, StageDecided); err != nil {
		return err
	}
	for !r.ended() {
		next := workflow.Now(ctx).AddDate(0, placementReviewMonths, 0)
		r.nextReview = next.Format(time.DateOnly)
		ended, err := workflow.AwaitWithTimeout(ctx, next.Sub(workflow.Now(ctx)), func() bool { return !r.busy && r.ended() })
		if err != nil {
			return err
		}
		if ended {
			break
		}
		had := r.reviews
		if err := r.awaitTask(ctx, fmt.Sprintf("review-%d", had+1), "placement_review", r.in.CentreID, domain.RoleCaseworker,
			domain.RoleSupervisor, PlacementReviewDue, func() bool { return !r.busy && (r.reviews > had || r.ended()) }); err != nil {
			return err
		}
	}
	r.nextReview = ""
	var a *activities.Activities
	actx := workflow.WithLocalActivityOptions(ctx, localOptions)
	if err := workflow.ExecuteLocalActivity(actx, a.CancelTasks, activities.CancelTasksInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}).Get(ctx, nil); err != nil {
		return err
	}
	return r.startTransfer(ctx)
}

// startTransfer starts the Placement workflow of the placement a transfer
// proposed (abandoned: it lives on when this one ends).
func (r *placementRun) startTransfer(ctx workflow.Context) error {
	if r.next == 0 {
		return nil
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: PlacementID(r.next), TaskQueue: TaskQueue,
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE})
	err := workflow.ExecuteChildWorkflow(cctx, NamePlacement, PlacementInput{PlacementID: r.next, CentreID: r.in.CentreID, PersonID: r.in.PersonID, Steps: 1}).
		GetChildWorkflowExecution().Get(ctx, nil)
	var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
	if err != nil && !errors.As(err, &dup) {
		return err
	}
	return nil
}

// finish waits for every step being handled and ends.
func (r *placementRun) finish(ctx workflow.Context) (PlacementResult, error) {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return PlacementResult{}, err
	}
	return PlacementResult{State: r.stage, TransferredTo: r.next, Refusals: r.refusals, Reviews: r.reviews}, nil
}
