package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
)

// NameServiceReferral is a person's referral from a case to a contracted
// provider's service (service_referral.go, issue 23).
const NameServiceReferral = "ServiceReferral"

// Messages of the ServiceReferral workflow.
const (
	// UpdateServiceReferralStep is a person's step on a referral: the
	// provider's answer, a start from the waiting list, a review, the end,
	// a cancellation.
	UpdateServiceReferralStep = "service-referral-step"
	QueryServiceReferral      = "service-referral"
)

// Deadlines of a referral. GUESS: the provider answers in 7 days (as an
// institution answers a placement), else the case's manager follows it
// up; an active service is reviewed every 6 months with the case's plan,
// the review task due in 30 days (then escalated to a supervisor).
const (
	ServiceReferralAnswerDue    = 7 * 24 * time.Hour
	ServiceReferralReviewDue    = 30 * 24 * time.Hour
	serviceReferralReviewMonths = 6
)

// ServiceReferralID is the workflow id of a referral: one per referral.
func ServiceReferralID(id int64) string { return fmt.Sprintf("service-referral/%d", id) }

// ServiceReferralInput names the referral (recorded by the API: step 1),
// its centre and its provider; ids only.
type ServiceReferralInput struct {
	ReferralID  int64
	CentreID    string
	ProviderPIB string
	Steps       int // steps taken before the workflow started
}

// ServiceReferralAction is a person's step as the API sends it: who, in
// which role and organisation (their centre or their provider's PIB), and
// the step's day, reason code or staged input.
type ServiceReferralAction struct {
	Step    string
	By      string
	Role    domain.Role
	Home    string
	Day     string // a start's or an end's, YYYY-MM-DD
	Reason  string // an end's, one of services.EndReasons
	InputID int64  // a review's
}

// ServiceReferralStatus is where a referral stands (the query's and each
// step's answer).
type ServiceReferralStatus struct {
	Stage      string
	Steps      int
	Reviews    int
	NextReview string
	Escalated  bool
}

// ServiceReferralResult is how a referral ended.
type ServiceReferralResult struct {
	State     string
	Reviews   int
	Escalated bool
}

var serviceReferralOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 5 * time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}},
}

// ServiceReferral follows a person's referral to a provider's service
// (issue 23 item 2): the provider's staff answer within
// ServiceReferralAnswerDue (a task of the provider; when late, a task for
// the case's manager), accepting with a first day or putting the person
// on the waiting list; a waiting referral waits until the provider starts
// it; while the service is active, every six months a review task goes to
// the centre's caseworker, until the centre or the provider ends it. The
// centre may cancel it before it starts. Every step is a case event on the
// referral's case (store/servicereferrals.go).
//
// Input ServiceReferralInput; id ServiceReferralID(referral). Update
// UpdateServiceReferralStep (validated: stage, role, organisation); query
// QueryServiceReferral. It carries ids, codes and usernames only.
func ServiceReferral(ctx workflow.Context, in ServiceReferralInput) (ServiceReferralResult, error) {
	r := &referralRun{in: in, stage: services.ReferralReferred, steps: in.Steps}
	if err := r.listen(ctx); err != nil {
		return ServiceReferralResult{}, err
	}
	if err := r.awaitAnswer(ctx); err != nil {
		return ServiceReferralResult{}, err
	}
	if err := r.waitWhile(ctx, services.ReferralWaiting); err != nil {
		return ServiceReferralResult{}, err
	}
	if err := r.reviewUntilEnd(ctx); err != nil {
		return ServiceReferralResult{}, err
	}
	return r.finish(ctx)
}

// referralRun is a referral's state.
type referralRun struct {
	in         ServiceReferralInput
	stage      string
	busy       bool // a step's activity is running
	steps      int
	reviews    int
	escalated  bool
	lastBy     string
	nextReview string
}

func (r *referralRun) status() ServiceReferralStatus {
	return ServiceReferralStatus{Stage: r.stage, Steps: r.steps, Reviews: r.reviews, NextReview: r.nextReview, Escalated: r.escalated}
}

func (r *referralRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryServiceReferral, func() (ServiceReferralStatus, error) { return r.status(), nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateServiceReferralStep, r.step, workflow.UpdateHandlerOptions{Validator: r.validate})
}

// referralRule is who takes a step and when: the stages it is taken in,
// the roles that take it, and what it must name.
type referralRule struct {
	stages []string
	roles  []domain.Role
	day    bool
	input  bool
}

var referralRules = map[string]referralRule{
	activities.ReferralAccept: {[]string{services.ReferralReferred}, []domain.Role{domain.RoleProviderStaff}, true, false},
	activities.ReferralWait:   {[]string{services.ReferralReferred}, []domain.Role{domain.RoleProviderStaff}, false, false},
	activities.ReferralStart:  {[]string{services.ReferralWaiting}, []domain.Role{domain.RoleProviderStaff}, true, false},
	activities.ReferralReview: {[]string{services.ReferralActive}, []domain.Role{domain.RoleCaseworker}, true, true},
	activities.ReferralEnd:    {[]string{services.ReferralActive}, []domain.Role{domain.RoleCaseworker, domain.RoleProviderStaff}, true, false},
	activities.ReferralCancel: {[]string{services.ReferralReferred, services.ReferralWaiting}, []domain.Role{domain.RoleCaseworker}, false, false},
}

// inStage refuses a step the referral's stage does not take now.
func (r *referralRun) inStage(a ServiceReferralAction) error {
	if rule, ok := referralRules[a.Step]; ok && !slices.Contains(rule.stages, r.stage) {
		return rejectf(domain.CodeConflict, "referral %d is %s: it takes no %s step now", r.in.ReferralID, r.stage, a.Step)
	}
	return nil
}

// validate refuses a step that is not one, taken in the wrong stage, by
// the wrong role or organisation, or missing its day, reason or input.
// Nothing it refuses reaches the history.
func (r *referralRun) validate(_ workflow.Context, a ServiceReferralAction) error {
	rule, ok := referralRules[a.Step]
	if !ok {
		return rejectField(domain.CodeInvalid, "step", "%q is not a step of a referral", a.Step)
	}
	role := false
	for _, want := range rule.roles {
		role = role || a.Role.Acts(want)
	}
	if !role {
		return rejectf(domain.CodeForbidden, "a %s may not %s a referral", a.Role, a.Step)
	}
	home := r.in.CentreID
	if a.Role == domain.RoleProviderStaff {
		home = r.in.ProviderPIB
	}
	switch {
	case a.Home != home:
		return rejectf(domain.CodeNotFound, "referral %d not found", r.in.ReferralID)
	case r.busy:
		return rejectf(domain.CodeConflict, "referral %d is taking another step; try again", r.in.ReferralID)
	case !slices.Contains(rule.stages, r.stage):
		return rejectf(domain.CodeConflict, "referral %d is %s: it takes no %s step now", r.in.ReferralID, r.stage, a.Step)
	case rule.day && a.Day == "":
		return rejectField(domain.CodeInvalid, "day", "the %s step names its day", a.Step)
	case rule.input && a.InputID == 0:
		return rejectField(domain.CodeInvalid, "input", "the %s step names no input", a.Step)
	case a.Step == activities.ReferralEnd && !slices.Contains(services.EndReasons(), a.Reason):
		return rejectField(domain.CodeInvalid, "reason", "a service ends for one of %v, not %q", services.EndReasons(), a.Reason)
	}
	return nil
}

// step takes an accepted step (an activity writes it) and moves the stage;
// the update answers once PostgreSQL shows it. Steps accepted together
// run one at a time, the later checked against the stage the earlier left
// (on replay too); the rules only when first run.
func (r *referralRun) step(ctx workflow.Context, a ServiceReferralAction) (ServiceReferralStatus, error) {
	if err := workflow.Await(ctx, func() bool { return !r.busy }); err != nil {
		return ServiceReferralStatus{}, err
	}
	if err := r.inStage(a); err != nil {
		return ServiceReferralStatus{}, err
	}
	if err := r.validate(ctx, a); err != nil && !workflow.IsReplaying(ctx) {
		return ServiceReferralStatus{}, err
	}
	r.busy = true
	defer func() { r.busy = false }()
	in := activities.ServiceReferralStepInput{ReferralID: r.in.ReferralID, Seq: r.steps + 1, Step: a.Step, By: a.By, Home: a.Home,
		Provider: a.Role == domain.RoleProviderStaff, Day: a.Day, Reason: a.Reason, InputID: a.InputID}
	var act *activities.Activities
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, serviceReferralOptions), act.RecordServiceReferralStep, in).Get(ctx, nil); err != nil {
		return ServiceReferralStatus{}, err
	}
	r.steps, r.lastBy = in.Seq, a.By
	switch a.Step {
	case activities.ReferralAccept, activities.ReferralStart:
		r.stage = services.ReferralActive
	case activities.ReferralWait:
		r.stage = services.ReferralWaiting
	case activities.ReferralReview:
		r.reviews++
	case activities.ReferralEnd:
		r.stage = services.ReferralEnded
	case activities.ReferralCancel:
		r.stage = services.ReferralCancelled
	}
	return r.status(), nil
}

// waitWhile waits until the stage is none of stages (a step moved it).
func (r *referralRun) waitWhile(ctx workflow.Context, stages ...string) error {
	return workflow.Await(ctx, func() bool { return !r.busy && !slices.Contains(stages, r.stage) })
}

func (r *referralRun) closed() bool {
	return r.stage == services.ReferralEnded || r.stage == services.ReferralCancelled
}

// openTask opens task step of kind typ due in due (an activity reading the
// referral's centre, manager and provider) and returns its id.
func (r *referralRun) openTask(ctx workflow.Context, step, typ string, due time.Duration) (string, error) {
	var a *activities.Activities
	wf := workflow.GetInfo(ctx).WorkflowExecution.ID
	id := TaskID(wf, step)
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.OpenServiceReferralTask,
		activities.ServiceReferralTaskInput{ReferralID: r.in.ReferralID, WorkflowID: wf, TaskID: id, Type: typ, Due: workflow.Now(ctx).Add(due)}).Get(ctx, nil)
	return id, err
}

// outcome completes task id with outcome, by who took the last step.
func (r *referralRun) outcome(ctx workflow.Context, id, outcome string) error {
	var a *activities.Activities
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.RecordTaskOutcome,
		activities.RecordTaskOutcomeInput{TaskID: id, Outcome: outcome, By: r.lastBy, At: workflow.Now(ctx)}).Get(ctx, nil)
}

// awaitAnswer is the provider's answer: a task of its staff; when late, a
// task for the case's manager to follow it up; both completed by the
// answer (a cancellation leaves them to CancelTasks).
func (r *referralRun) awaitAnswer(ctx workflow.Context) error {
	answered := func() bool { return !r.busy && r.stage != services.ReferralReferred }
	task, err := r.openTask(ctx, "answer", activities.ReferralTaskAnswer, ServiceReferralAnswerDue)
	if err != nil {
		return err
	}
	ok, err := workflow.AwaitWithTimeout(ctx, ServiceReferralAnswerDue, answered)
	if err != nil {
		return err
	}
	late := ""
	if !ok {
		r.escalated = true
		if late, err = r.openTask(ctx, "answer-late", activities.ReferralTaskLate, ServiceReferralAnswerDue); err != nil {
			return err
		}
		if err := workflow.Await(ctx, answered); err != nil {
			return err
		}
	}
	if r.closed() {
		return nil
	}
	if err := r.outcome(ctx, task, r.stage); err != nil {
		return err
	}
	if late != "" {
		return r.outcome(ctx, late, r.stage)
	}
	return nil
}

// reviewUntilEnd waits for the service to start, then every six months
// opens a review task for the centre's caseworker (escalated to a
// supervisor when late), until the service ends; then cancels the
// referral's open tasks.
func (r *referralRun) reviewUntilEnd(ctx workflow.Context) error {
	for !r.closed() {
		next := workflow.Now(ctx).AddDate(0, serviceReferralReviewMonths, 0)
		r.nextReview = next.Format(time.DateOnly)
		ended, err := workflow.AwaitWithTimeout(ctx, next.Sub(workflow.Now(ctx)), func() bool { return !r.busy && r.closed() })
		if err != nil {
			return err
		}
		if ended {
			break
		}
		if err := r.awaitReview(ctx); err != nil {
			return err
		}
	}
	r.nextReview = ""
	var a *activities.Activities
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.CancelTasks,
		activities.CancelTasksInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}).Get(ctx, nil)
}

// awaitReview is one review's task: done by a review or the end.
func (r *referralRun) awaitReview(ctx workflow.Context) error {
	had := r.reviews
	done := func() bool { return !r.busy && (r.reviews > had || r.closed()) }
	task, err := r.openTask(ctx, fmt.Sprintf("review-%d", had+1), activities.ReferralTaskReview, ServiceReferralReviewDue)
	if err != nil {
		return err
	}
	ok, err := workflow.AwaitWithTimeout(ctx, ServiceReferralReviewDue, done)
	if err != nil {
		return err
	}
	if !ok {
		var a *activities.Activities
		if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.EscalateTask,
			activities.EscalateTaskInput{TaskID: task, To: domain.RoleSupervisor}).Get(ctx, nil); err != nil {
			return err
		}
		if err := workflow.Await(ctx, done); err != nil {
			return err
		}
	}
	if r.reviews == had {
		return nil
	}
	return r.outcome(ctx, task, "reviewed")
}

// finish waits for every step being handled and ends.
func (r *referralRun) finish(ctx workflow.Context) (ServiceReferralResult, error) {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return ServiceReferralResult{}, err
	}
	return ServiceReferralResult{State: r.stage, Reviews: r.reviews, Escalated: r.escalated}, nil
}
