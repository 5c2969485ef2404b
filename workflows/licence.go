package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// Messages of the licensing procedure (issue 21; its name NameLicence is
// in names.go).
const (
	// UpdateLicenceStep is an officer's step: the inspection report or the
	// draft they saved, or the approval (or sending back) of a draft.
	UpdateLicenceStep = "licence-step"
	QueryLicence      = "licence"
)

// Steps an officer takes on an application.
const (
	StepInspected = "inspected"
	StepDrafted   = "drafted"
	StepApproved  = "approved"
	StepSentBack  = "sent_back"
)

// LicenceID is the workflow id of an application's procedure: one per
// application.
func LicenceID(application int64) string { return fmt.Sprintf("licence/%d", application) }

// LicenceInput names the application; it carries its id only.
type LicenceInput struct {
	ApplicationID int64
}

// LicenceStep is an officer's step as the API sends it: who, in which
// role, nothing of the report or the draft (they are in PostgreSQL).
type LicenceStep struct {
	Step string
	By   string
	Role domain.Role
}

// LicenceStatus is where the procedure stands (the query's answer).
type LicenceStatus struct {
	Stage      string
	DraftedBy  string
	ValidUntil string
	RenewalID  int64
}

// LicenceResult is how the procedure ended.
type LicenceResult struct {
	State      string // incomplete, granted, refused
	Decision   string
	ValidUntil string
	RenewalID  int64
}

// licenceOptions retry while PostgreSQL or the object store is down,
// never a refusal.
var licenceOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 5 * time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}},
}

// Licence runs a provider's e-application (issue 21): the completeness
// check; the inspection (not for a deletion), whose report a ministry
// officer records; the decision's draft by an officer (grant for six
// years, grant with conditions, refuse) and its approval by a different
// officer (four eyes: the drafter is refused), who may send it back; the
// decision issued (its PDF, the register, in one transaction). For a
// grant of licences it then sleeps until six months before they expire
// (a notice to the maintainers and the officers), and three months before
// (a second notice, and the renewal opened, waiting for the maintainer's
// documents), and ends.
//
// Input LicenceInput; id LicenceID(application). Update UpdateLicenceStep
// (validated: the stage, the ministry officer's role, four eyes); query
// QueryLicence. It carries the application's id and usernames only.
func Licence(ctx workflow.Context, in LicenceInput) (LicenceResult, error) {
	r := &licenceRun{in: in, stage: providers.StateSubmitted}
	if err := r.listen(ctx); err != nil {
		return LicenceResult{}, err
	}
	ctx = workflow.WithActivityOptions(ctx, licenceOptions)
	var a *activities.Activities
	var check activities.CheckLicenceApplicationResult
	if err := workflow.ExecuteActivity(ctx, a.CheckLicenceApplication, activities.LicenceApplicationInput{ApplicationID: in.ApplicationID}).Get(ctx, &check); err != nil {
		return LicenceResult{}, err
	}
	r.stage = check.Stage
	if !check.Complete {
		return LicenceResult{State: providers.StateIncomplete}, nil
	}
	if err := r.waitWhile(ctx, providers.StateInspection); err != nil {
		return LicenceResult{}, err
	}
	for r.stage != stageIssuing { // a draft sent back is drafted again
		if err := r.waitWhile(ctx, providers.StateDrafting); err != nil {
			return LicenceResult{}, err
		}
		if err := r.waitWhile(ctx, providers.StateApproval); err != nil {
			return LicenceResult{}, err
		}
	}
	return r.issue(ctx)
}

// stageIssuing is the stage between the approval and the decision issued.
const stageIssuing = "issuing"

// licenceRun is an application's procedure: its stage and who drafted.
type licenceRun struct {
	in         LicenceInput
	stage      string
	busy       bool // a step's activity is running
	draftedBy  string
	validUntil string
	renewal    int64
}

func (r *licenceRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryLicence, func() (LicenceStatus, error) {
		return LicenceStatus{Stage: r.stage, DraftedBy: r.draftedBy, ValidUntil: r.validUntil, RenewalID: r.renewal}, nil
	}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateLicenceStep, r.step, workflow.UpdateHandlerOptions{Validator: r.validate})
}

// stepStage is the stage each step is taken in.
var stepStage = map[string]string{
	StepInspected: providers.StateInspection,
	StepDrafted:   providers.StateDrafting,
	StepApproved:  providers.StateApproval,
	StepSentBack:  providers.StateApproval,
}

// validate refuses a step of the wrong stage, by someone not a ministry
// officer, or an approval by the drafter (four eyes). Nothing it refuses
// reaches the history.
func (r *licenceRun) validate(_ workflow.Context, s LicenceStep) error {
	want, ok := stepStage[s.Step]
	switch {
	case !ok:
		return rejectField(domain.CodeInvalid, "step", "%q is not a step (inspected, drafted, approved, sent_back)", s.Step)
	case s.Role != domain.RoleMinistryOfficer:
		return rejectf(domain.CodeForbidden, "only a ministry officer takes the steps of a licence, not %s", s.Role)
	case r.busy:
		return rejectf(domain.CodeConflict, "application %d is taking another step; try again", r.in.ApplicationID)
	case r.stage != want:
		return rejectf(domain.CodeConflict, "application %d is %s: it takes no %s step", r.in.ApplicationID, r.stage, s.Step)
	case want == providers.StateApproval && s.By == r.draftedBy:
		return rejectf(domain.CodeForbidden, "four eyes: %s drafted this decision and may not approve it or send it back", s.By)
	}
	return nil
}

// step records an accepted step (an activity) and moves the stage on;
// the update answers once the application's record shows it.
func (r *licenceRun) step(ctx workflow.Context, s LicenceStep) error {
	// Steps accepted together run one at a time, the later checked against
	// the stage the earlier left, on replay too (the workflow's own state);
	// the rules only when first run, so that they may change between versions.
	if err := workflow.Await(ctx, func() bool { return !r.busy }); err != nil {
		return err
	}
	if want, ok := stepStage[s.Step]; ok && r.stage != want {
		return rejectf(domain.CodeConflict, "application %d is %s: it takes no %s step", r.in.ApplicationID, r.stage, s.Step)
	}
	if err := r.validate(ctx, s); err != nil && !workflow.IsReplaying(ctx) {
		return err
	}
	r.busy = true
	defer func() { r.busy = false }()
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, licenceOptions)
	in := activities.LicenceStepInput{ApplicationID: r.in.ApplicationID, By: s.By, Approve: s.Step == StepApproved}
	switch s.Step {
	case StepInspected:
		if err := workflow.ExecuteActivity(actx, a.RecordLicenceInspection, in).Get(ctx, nil); err != nil {
			return err
		}
		r.stage = providers.StateDrafting
	case StepDrafted:
		if err := workflow.ExecuteActivity(actx, a.RecordLicenceDraft, in).Get(ctx, nil); err != nil {
			return err
		}
		r.stage, r.draftedBy = providers.StateApproval, s.By
	default:
		if err := workflow.ExecuteActivity(actx, a.RecordLicenceApproval, in).Get(ctx, nil); err != nil {
			return err
		}
		r.stage = providers.StateDrafting
		if s.Step == StepApproved {
			r.stage = stageIssuing
		}
	}
	return nil
}

// waitWhile waits until the stage is no longer stage (a step moved it).
func (r *licenceRun) waitWhile(ctx workflow.Context, stage string) error {
	return workflow.Await(ctx, func() bool { return r.stage != stage && !r.busy })
}

// issue issues the decision and, for licences granted, waits for their
// expiry warnings.
func (r *licenceRun) issue(ctx workflow.Context) (LicenceResult, error) {
	var a *activities.Activities
	var d activities.IssueLicenceDecisionResult
	if err := workflow.ExecuteActivity(ctx, a.IssueLicenceDecision, activities.LicenceApplicationInput{ApplicationID: r.in.ApplicationID}).Get(ctx, &d); err != nil {
		return LicenceResult{}, err
	}
	out := LicenceResult{State: providers.StateRefused, Decision: d.Number, ValidUntil: d.ValidUntil}
	if d.Granted {
		out.State = providers.StateGranted
	}
	r.stage, r.validUntil = out.State, d.ValidUntil
	if !d.Granted || d.ValidUntil == "" {
		return r.finish(ctx, out)
	}
	until, err := time.Parse(time.DateOnly, d.ValidUntil)
	if err != nil {
		return LicenceResult{}, temporal.NewNonRetryableApplicationError("bad valid_until "+d.ValidUntil, domain.CodeInvalid, err)
	}
	first, second := providers.ExpiryWarnings(until)
	if err := r.warn(ctx, first, "expiry_6m", "warned_6m"); err != nil {
		return LicenceResult{}, err
	}
	if err := r.warn(ctx, second, "expiry_3m", "renewal_opened"); err != nil {
		return LicenceResult{}, err
	}
	out.RenewalID = r.renewal
	return r.finish(ctx, out)
}

// warn sleeps until day (at once when it has passed) and records the
// notice of kind; stage is where the procedure then stands.
func (r *licenceRun) warn(ctx workflow.Context, day time.Time, kind, stage string) error {
	if wait := day.Sub(workflow.Now(ctx)); wait > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	var a *activities.Activities
	var n activities.LicenceNoticeResult
	if err := workflow.ExecuteActivity(ctx, a.LicenceExpiryNotice, activities.LicenceNoticeInput{ApplicationID: r.in.ApplicationID, Kind: kind}).Get(ctx, &n); err != nil {
		return err
	}
	r.stage = stage
	if n.RenewalID != 0 {
		r.renewal = n.RenewalID
	}
	return nil
}

// finish waits for every step being handled and ends.
func (r *licenceRun) finish(ctx workflow.Context, out LicenceResult) (LicenceResult, error) {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return LicenceResult{}, err
	}
	return out, nil
}
