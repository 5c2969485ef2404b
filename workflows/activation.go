package workflows

import (
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
)

// Names of the activation procedure.
const (
	NameActivation   = "Activation"
	SignalAgencyStep = "agency-step"
	QueryActivation  = "activation"
	// Task types.
	TaskActivationDecide   = "activation.decide"
	TaskActivationApprove  = "activation.approve"
	TaskActivationFollowUp = "activation.follow_up"
	// DefaultDecideWithin is how long a caseworker has to decide on a
	// non-compliance or an employment (GUESS: a working week), and the
	// approver after them.
	DefaultDecideWithin = 5 * 24 * time.Hour
)

// ActivationWorkflowID is the workflow of a referral.
func ActivationWorkflowID(referral string) string { return "activation/" + referral }

// ActivationInput starts a referral's workflow; the referral row holds the rest.
type ActivationInput struct {
	ReferralID string
	PersonID   domain.PersonID
	CentreID   string
	ReferredBy string
	// StepsWithin is how long the agency has for its next step before a
	// reminder, and again before the caseworker is asked (0: 30 days).
	StepsWithin  time.Duration
	DecideWithin time.Duration // 0: DefaultDecideWithin
	// StepLimit is how many steps one run takes before it continues as
	// new (0: 200), or sooner when Temporal suggests it.
	StepLimit int
	// Carried is the state of the run before, when this one continues it.
	Carried *ActivationCarry
}

// ActivationCarry is what a referral's run hands to the next.
type ActivationCarry struct {
	State ActivationState
	Seen  []string // the step ids taken, in order
	Quiet int
}

// AgencyStep is a step the agency reported (the API has checked it
// against the published schema and recorded it once).
type AgencyStep struct {
	StepID          string
	Kind            string
	OccurredAt      time.Time
	Status          string
	AgencyReference string
	Measure         string
	Employer        string
	Note            string
	Sender          string
}

// ActivationState is what a referral's workflow knows.
type ActivationState struct {
	ReferralID      string
	State           string
	AgencyReference string
	Steps           int
	Reminders       int
	Decisions       []string // numbers
}

// activationDecision is the caseworker's form (domain/activation/schemas/decision.json).
type activationDecision struct {
	Measure   string `json:"measure"`
	Percent   int    `json:"percent"`
	Reasoning string `json:"reasoning"`
}

// Activation runs a work-capable recipient's referral to the Employment
// Agency: the referral goes out and is retried until the agency
// acknowledges it; the agency's steps arrive as signals (each step id
// once). A quiet agency gets a reminder after StepsWithin, and after as
// long again the caseworker decides to keep waiting or close. A missed
// appointment or a refused job offer asks the caseworker for a sanction
// (reduce, suspend or none); employment asks for a revision of the right
// (terminate or none). Either, unless none, needs a supervisor's approval
// (four eyes) and becomes a numbered decision that changes the financial
// assistance from the next month; the outcome goes back to the agency.
func Activation(ctx workflow.Context, in ActivationInput) (ActivationState, error) {
	r := &activationRun{in: in, st: ActivationState{ReferralID: in.ReferralID, State: "referred"}}
	if err := r.listen(ctx); err != nil {
		return r.st, err
	}
	if err := r.begin(ctx); err != nil {
		return r.st, err
	}
	for r.st.State != "closed" && r.st.State != "employed" && r.st.State != "not_eligible" {
		// Long: carry the state over to a new run, between steps.
		if r.long(ctx) && r.steps.Len() == 0 {
			if err := r.carryOver(ctx); err != nil {
				return r.st, err
			}
		}
		s, got := r.nextStep(ctx)
		var err error
		if got {
			err = r.takeStep(ctx, s)
		} else {
			err = r.quietAgency(ctx)
		}
		if err != nil {
			return r.st, err
		}
	}
	// Steps the agency sent after the end are on the referral (the API
	// recorded them); the workflow has nothing left to do with them.
	for r.steps.ReceiveAsync(&AgencyStep{}) {
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return r.st, err
	}
	return r.st, nil
}

// activationRun is a referral's workflow: what the query answers and
// continue-as-new carries, and what the run keeps besides.
type activationRun struct {
	in           ActivationInput
	st           ActivationState
	t            *tasks
	within       time.Duration // for the agency's next step
	decideWithin time.Duration
	seen         map[string]bool // the step ids taken; looked up, never iterated
	seenList     []string        // the same, in order
	quiet        int             // deadlines passed since the last step
	stepsAtStart int
	steps        workflow.ReceiveChannel
}

// listen registers the query and the task update, and opens the channel
// of the agency's steps.
func (r *activationRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryActivation, func() (ActivationState, error) { return r.st, nil }); err != nil {
		return err
	}
	r.t = newTasks()
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, r.t.complete, workflow.UpdateHandlerOptions{Validator: r.t.validate}); err != nil {
		return err
	}
	r.within = r.in.StepsWithin
	if r.within <= 0 {
		r.within = activation.DefaultStepsWithin
	}
	r.decideWithin = r.in.DecideWithin
	if r.decideWithin <= 0 {
		r.decideWithin = DefaultDecideWithin
	}
	r.steps = workflow.GetSignalChannel(ctx, SignalAgencyStep)
	return nil
}

// begin sends the referral and records the agency's acknowledgement, or
// takes up the state a previous run carried over.
func (r *activationRun) begin(ctx workflow.Context) error {
	r.seen = map[string]bool{}
	if c := r.in.Carried; c != nil {
		r.st, r.quiet = c.State, c.Quiet
		for _, id := range c.Seen {
			r.seen[id] = true
		}
		r.seenList = c.Seen
	} else {
		ack, err := r.send(ctx, activities.AgencySend{Key: "referral", Kind: "referral"}, "referral to the Employment Agency")
		if err != nil {
			return err
		}
		r.st.AgencyReference = ack.AgencyReference
		if err := r.record(ctx, "referral-acknowledged", "agency_acknowledged", "", "the agency took the referral as "+ack.AgencyReference, ack, "",
			&activities.ReferralUpdate{AgencyReference: ack.AgencyReference}); err != nil {
			return err
		}
	}
	r.stepsAtStart = r.st.Steps
	return nil
}

// record writes an event on the referral's timeline (and a change of the
// referral, if any).
func (r *activationRun) record(ctx workflow.Context, key, kind, by, summary string, data any, delivery string, u *activities.ReferralUpdate) error {
	var a *activities.Activities
	raw, _ := json.Marshal(data)
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.RecordActivation, activities.ActivationRecordInput{
		ReferralID: r.in.ReferralID, Update: u,
		Event: &activities.ReferralEvent{Key: key, At: workflow.Now(ctx), Kind: kind, By: by, Summary: summary, Data: raw, Delivery: delivery}}).Get(ctx, nil)
}

func (r *activationRun) setState(ctx workflow.Context, state string) error {
	var a *activities.Activities
	r.st.State = state
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.RecordActivation, activities.ActivationRecordInput{
		ReferralID: r.in.ReferralID, Update: &activities.ReferralUpdate{State: state}}).Get(ctx, nil)
}

// agencyOptions retry every outbound message with backoff until the
// agency acknowledges it.
var agencyOptions = workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute}}

// send sends a message to the agency: a pending line on the timeline,
// then the message, retried until the agency acknowledges it.
func (r *activationRun) send(ctx workflow.Context, m activities.AgencySend, summary string) (activities.AgencyAck, error) {
	var a *activities.Activities
	m.ReferralID, m.SentAt = r.in.ReferralID, workflow.Now(ctx)
	var ack activities.AgencyAck
	if err := r.record(ctx, m.Key, "to_agency", "", summary, m, "pending", nil); err != nil {
		return ack, err
	}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, agencyOptions), a.SendToAgency, m).Get(ctx, &ack)
	return ack, err
}

// long says the run should continue as new: Temporal suggests it, or it
// took its limit of steps.
func (r *activationRun) long(ctx workflow.Context) bool {
	limit := r.in.StepLimit
	if limit <= 0 {
		limit = 200
	}
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() || r.st.Steps-r.stepsAtStart >= limit
}

// carryOver continues the referral as new once every handler has
// finished, unless a step came in meanwhile (nil: go on in this run).
func (r *activationRun) carryOver(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if r.steps.Len() != 0 {
		return nil
	}
	next := r.in
	next.Carried = &ActivationCarry{State: r.st, Seen: r.seenList, Quiet: r.quiet}
	return workflow.NewContinueAsNewError(ctx, NameActivation, next)
}

// nextStep waits for the agency's next step, or for its deadline (false).
func (r *activationRun) nextStep(ctx workflow.Context) (AgencyStep, bool) {
	var s AgencyStep
	got := false
	tctx, cancel := workflow.WithCancel(ctx)
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(r.steps, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &s); got = true })
	sel.AddFuture(workflow.NewTimer(tctx, r.within), func(workflow.Future) {})
	sel.Select(ctx)
	cancel()
	return s, got
}

// quietAgency acts on a deadline the agency let pass without a step: the
// first time a reminder, then the caseworker keeps waiting or closes.
func (r *activationRun) quietAgency(ctx workflow.Context) error {
	r.quiet++
	if r.quiet == 1 {
		r.st.Reminders++
		_, err := r.send(ctx, activities.AgencySend{Key: fmt.Sprintf("reminder/%d", r.st.Reminders), Kind: "reminder",
			Text: "No step of referral " + r.in.ReferralID + " has come in the agreed time."}, "reminder to the agency")
		return err
	}
	spec := taskSpec{Step: fmt.Sprintf("follow-up-%d", r.st.Reminders), Type: TaskActivationFollowUp,
		Subject: r.in.ReferralID + ": the agency has not reported a step", PersonID: r.in.PersonID, CentreID: r.in.CentreID,
		Role: domain.RoleCaseworker, Due: r.decideWithin, Priority: 40, Outcomes: []string{"wait", "close"},
		Data: map[string]string{"referral": r.in.ReferralID}}
	done, err := r.t.await(ctx, spec, domain.RoleSupervisor)
	if err != nil {
		return err
	}
	r.quiet = 0
	if done.Outcome != "close" {
		return nil
	}
	if err := r.record(ctx, spec.Step, "closed", done.By, "closed: the agency reported nothing", nil, "", nil); err != nil {
		return err
	}
	if _, err := r.send(ctx, activities.AgencySend{Key: "closed", Kind: "closed", Text: "The centre closed referral " + r.in.ReferralID + "."},
		"closing to the agency"); err != nil {
		return err
	}
	return r.setState(ctx, "closed")
}

// takeStep records a step of the agency (a step sent again is taken
// once) and acts on it.
func (r *activationRun) takeStep(ctx workflow.Context, s AgencyStep) error {
	if r.seen[s.StepID] { // the agency sent it again: the first stands
		return nil
	}
	r.seen[s.StepID] = true
	r.seenList = append(r.seenList, s.StepID)
	r.quiet = 0
	r.st.Steps++
	summary := activation.StepNames[s.Kind][1]
	for _, x := range []string{s.Status, s.Measure, s.Employer, s.Note} {
		if x != "" {
			summary += "; " + x
		}
	}
	if err := r.record(ctx, "step/"+s.StepID, "agency_step", s.Sender, summary, s, "", nil); err != nil {
		return err
	}
	switch {
	case s.Kind == activation.StepAcknowledged && s.Status == activation.StatusNotEligible:
		return r.setState(ctx, "not_eligible")
	case s.Kind == activation.StepAcknowledged:
		if r.st.State == "referred" {
			return r.setState(ctx, "acknowledged")
		}
	case activation.NonCompliance(s.Kind):
		return r.sanction(ctx, s)
	case s.Kind == activation.StepEmployed:
		if err := r.setState(ctx, "decision_pending"); err != nil {
			return err
		}
		if _, err := r.decide(ctx, s, []string{activation.MeasureTerminate, activation.MeasureNone}); err != nil {
			return err
		}
		return r.setState(ctx, "employed")
	case s.Kind == activation.StepDeregistered:
		return r.setState(ctx, "closed")
	default:
		if r.st.State == "referred" || r.st.State == "acknowledged" {
			return r.setState(ctx, "active")
		}
	}
	return nil
}

// sanction has the caseworker decide on a non-compliance: a suspension
// closes the referral (no assistance, nothing to activate for).
func (r *activationRun) sanction(ctx workflow.Context, s AgencyStep) error {
	if err := r.setState(ctx, "decision_pending"); err != nil {
		return err
	}
	m, err := r.decide(ctx, s, []string{activation.MeasureReduce, activation.MeasureSuspend, activation.MeasureNone})
	if err != nil {
		return err
	}
	switch m {
	case activation.MeasureSuspend:
		return r.setState(ctx, "closed")
	case activation.MeasureReduce:
		return r.setState(ctx, "sanctioned")
	}
	return r.setState(ctx, "active")
}

// decide asks the caseworker what a step means for the financial
// assistance and, unless nothing, a supervisor to approve it; a
// returned decision goes back to the caseworker.
func (r *activationRun) decide(ctx workflow.Context, cause AgencyStep, allowed []string) (string, error) {
	round := len(r.st.Decisions) + 1
	for try := 1; ; try++ {
		f, by, err := r.askDecision(ctx, cause, allowed, try)
		if err != nil {
			return "", err
		}
		step := r.decisionStep("decide", try)
		if f.Measure == activation.MeasureNone {
			return f.Measure, r.record(ctx, step, "decision", by, "no change to the financial assistance: "+f.Reasoning, f, "", nil)
		}
		if err := r.record(ctx, step, "decision_prepared", by, f.Measure+" prepared", f, "", nil); err != nil {
			return "", err
		}
		ap, err := r.askApproval(ctx, cause, f, by, try)
		if err != nil {
			return "", err
		}
		if ap.Outcome == "approve" {
			return f.Measure, r.issue(ctx, round, cause, f, by, ap.By)
		}
	}
}

// decisionStep names a task of the try-th decision on the latest step.
func (r *activationRun) decisionStep(task string, try int) string {
	return fmt.Sprintf("%s-%d-%d", task, r.st.Steps, try)
}

// askDecision is the caseworker's decision form, one of allowed.
func (r *activationRun) askDecision(ctx workflow.Context, cause AgencyStep, allowed []string, try int) (activationDecision, string, error) {
	what := activation.StepNames[cause.Kind][1]
	spec := taskSpec{Step: r.decisionStep("decide", try), Type: TaskActivationDecide,
		Subject: r.in.ReferralID + ": " + what, PersonID: r.in.PersonID, CentreID: r.in.CentreID, Role: domain.RoleCaseworker,
		Due: r.decideWithin, Priority: 60, Outcomes: []string{"submit"},
		Data: map[string]string{"referral": r.in.ReferralID, "form": "activation_decision", "cause": cause.Kind, "allowed": fmt.Sprint(allowed)}}
	spec.check = func(done TaskCompletion) error {
		if err := activation.Schemas.Validate("decision", done.Data); err != nil {
			return err
		}
		var f activationDecision
		_ = json.Unmarshal(done.Data, &f)
		for _, m := range allowed {
			if m == f.Measure {
				return nil
			}
		}
		return domain.FieldError("measure", "after %q the decision is one of %v, not %q", what, allowed, f.Measure)
	}
	done, err := r.t.await(ctx, spec, domain.RoleSupervisor)
	if err != nil {
		return activationDecision{}, "", err
	}
	var f activationDecision
	_ = json.Unmarshal(done.Data, &f)
	return f, done.By, nil
}

// askApproval asks a supervisor other than the caseworker who prepared
// the decision to approve it (four eyes) or return it with a reason; a
// return is recorded.
func (r *activationRun) askApproval(ctx workflow.Context, cause AgencyStep, f activationDecision, preparedBy string, try int) (TaskCompletion, error) {
	what := activation.StepNames[cause.Kind][1]
	approve := taskSpec{Step: r.decisionStep("approve", try), Type: TaskActivationApprove,
		Subject: r.in.ReferralID + ": approve " + f.Measure + " (" + what + ")", PersonID: r.in.PersonID, CentreID: r.in.CentreID,
		Role: domain.RoleSupervisor, Due: r.decideWithin, Priority: 60, Exclude: []string{preparedBy}, Outcomes: []string{"approve", "return"},
		Data: map[string]string{"referral": r.in.ReferralID, "measure": f.Measure, "prepared_by": preparedBy}}
	approve.check = func(done TaskCompletion) error {
		if done.Outcome != "return" {
			return nil
		}
		var back SendBackData
		if err := decodeStrict(done.Data, &back); err != nil || back.Reason == "" {
			return domain.FieldError("data.reason", "say why the decision goes back")
		}
		return nil
	}
	ap, err := r.t.await(ctx, approve, domain.RoleCentreHead)
	if err != nil || ap.Outcome != "return" {
		return ap, err
	}
	var back SendBackData
	_ = json.Unmarshal(ap.Data, &back)
	return ap, r.record(ctx, approve.Step, "decision_returned", ap.By, "returned: "+back.Reason, back, "", nil)
}

// activationDecisionOptions: issuing a decision is retried unless the
// decision itself is refused.
var activationDecisionOptions = workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
	RetryPolicy: &temporal.RetryPolicy{MaximumInterval: time.Minute, NonRetryableErrorTypes: []string{domain.CodeInvalid,
		domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}}}

// issue has the approved decision numbered and rendered, records it and
// sends the outcome to the agency.
func (r *activationRun) issue(ctx workflow.Context, round int, cause AgencyStep, f activationDecision, preparedBy, approvedBy string) error {
	var a *activities.Activities
	var res activities.IssueActivationDecisionResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, activationDecisionOptions),
		a.IssueActivationDecision, activities.IssueActivationDecisionInput{ReferralID: r.in.ReferralID, Seq: round, Measure: f.Measure,
			Percent: f.Percent, Reasoning: f.Reasoning, Cause: activation.StepNames[cause.Kind][0] + " (" + cause.OccurredAt.Format("02.01.2006.") + ")",
			PreparedBy: preparedBy, ApprovedBy: approvedBy, IssuedAt: workflow.Now(ctx)}).Get(ctx, &res)
	if err != nil {
		return err
	}
	r.st.Decisions = append(r.st.Decisions, res.Number)
	if err := r.record(ctx, fmt.Sprintf("decision/%d", round), "decision", approvedBy, fmt.Sprintf("decision %s: %s from %s", res.Number, f.Measure, res.EffectiveFrom),
		res, "", nil); err != nil {
		return err
	}
	_, err = r.send(ctx, activities.AgencySend{Key: fmt.Sprintf("outcome/%d", round), Kind: "outcome", DecisionNumber: res.Number,
		Measure: f.Measure, EffectiveFrom: res.EffectiveFrom, Text: activation.MeasureNames[f.Measure][1] + " from " + res.EffectiveFrom},
		"the centre's decision "+res.Number+" to the agency")
	return err
}
