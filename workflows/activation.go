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
	st := ActivationState{ReferralID: in.ReferralID, State: "referred"}
	if err := workflow.SetQueryHandler(ctx, QueryActivation, func() (ActivationState, error) { return st, nil }); err != nil {
		return st, err
	}
	t := newTasks()
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, t.complete, workflow.UpdateHandlerOptions{Validator: t.validate}); err != nil {
		return st, err
	}
	within := in.StepsWithin
	if within <= 0 {
		within = activation.DefaultStepsWithin
	}
	decideWithin := in.DecideWithin
	if decideWithin <= 0 {
		decideWithin = DefaultDecideWithin
	}
	var a *activities.Activities
	local := workflow.WithLocalActivityOptions(ctx, localOptions)
	record := func(key, kind, by, summary string, data any, delivery string, u *activities.ReferralUpdate) error {
		raw, _ := json.Marshal(data)
		return workflow.ExecuteLocalActivity(local, a.RecordActivation, activities.ActivationRecordInput{ReferralID: in.ReferralID, Update: u,
			Event: &activities.ReferralEvent{Key: key, At: workflow.Now(ctx), Kind: kind, By: by, Summary: summary, Data: raw, Delivery: delivery}}).Get(ctx, nil)
	}
	setState := func(state string) error {
		st.State = state
		return workflow.ExecuteLocalActivity(local, a.RecordActivation, activities.ActivationRecordInput{ReferralID: in.ReferralID,
			Update: &activities.ReferralUpdate{State: state}}).Get(ctx, nil)
	}
	// Every outbound message: a pending line on the timeline, retried with
	// backoff until the agency acknowledges it.
	sctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute}})
	send := func(m activities.AgencySend, summary string) (activities.AgencyAck, error) {
		m.ReferralID, m.SentAt = in.ReferralID, workflow.Now(ctx)
		var ack activities.AgencyAck
		if err := record(m.Key, "to_agency", "", summary, m, "pending", nil); err != nil {
			return ack, err
		}
		err := workflow.ExecuteActivity(sctx, a.SendToAgency, m).Get(ctx, &ack)
		return ack, err
	}

	seen := map[string]bool{} // looked up, never iterated
	var seenList []string
	quiet := 0 // deadlines passed since the last step
	if c := in.Carried; c != nil {
		st, quiet = c.State, c.Quiet
		for _, id := range c.Seen {
			seen[id] = true
		}
		seenList = c.Seen
	} else {
		ack, err := send(activities.AgencySend{Key: "referral", Kind: "referral"}, "referral to the Employment Agency")
		if err != nil {
			return st, err
		}
		st.AgencyReference = ack.AgencyReference
		if err := record("referral-acknowledged", "agency_acknowledged", "", "the agency took the referral as "+ack.AgencyReference, ack, "",
			&activities.ReferralUpdate{AgencyReference: ack.AgencyReference}); err != nil {
			return st, err
		}
	}
	limit, stepsAtStart := in.StepLimit, st.Steps
	if limit <= 0 {
		limit = 200
	}

	steps := workflow.GetSignalChannel(ctx, SignalAgencyStep)

	// decide asks the caseworker what a step means for the financial
	// assistance and, unless nothing, a supervisor to approve it; a
	// returned decision goes back to the caseworker.
	decide := func(cause AgencyStep, allowed []string) (string, error) {
		round := len(st.Decisions) + 1
		what := activation.StepNames[cause.Kind][1]
		for try := 1; ; try++ {
			spec := taskSpec{Step: fmt.Sprintf("decide-%d-%d", st.Steps, try), Type: TaskActivationDecide,
				Subject: in.ReferralID + ": " + what, PersonID: in.PersonID, CentreID: in.CentreID, Role: domain.RoleCaseworker,
				Due: decideWithin, Priority: 60, Outcomes: []string{"submit"},
				Data: map[string]string{"referral": in.ReferralID, "form": "activation_decision", "cause": cause.Kind, "allowed": fmt.Sprint(allowed)}}
			spec.check = func(c TaskCompletion) error {
				if err := activation.Schemas.Validate("decision", c.Data); err != nil {
					return err
				}
				var f activationDecision
				_ = json.Unmarshal(c.Data, &f)
				for _, m := range allowed {
					if m == f.Measure {
						return nil
					}
				}
				return domain.FieldError("measure", "after %q the decision is one of %v, not %q", what, allowed, f.Measure)
			}
			c, err := t.await(ctx, spec, domain.RoleSupervisor)
			if err != nil {
				return "", err
			}
			var f activationDecision
			_ = json.Unmarshal(c.Data, &f)
			if f.Measure == activation.MeasureNone {
				return f.Measure, record(spec.Step, "decision", c.By, "no change to the financial assistance: "+f.Reasoning, f, "", nil)
			}
			if err := record(spec.Step, "decision_prepared", c.By, f.Measure+" prepared", f, "", nil); err != nil {
				return "", err
			}
			approve := taskSpec{Step: fmt.Sprintf("approve-%d-%d", st.Steps, try), Type: TaskActivationApprove,
				Subject: in.ReferralID + ": approve " + f.Measure + " (" + what + ")", PersonID: in.PersonID, CentreID: in.CentreID,
				Role: domain.RoleSupervisor, Due: decideWithin, Priority: 60, Exclude: []string{c.By}, Outcomes: []string{"approve", "return"},
				Data: map[string]string{"referral": in.ReferralID, "measure": f.Measure, "prepared_by": c.By}}
			approve.check = func(c TaskCompletion) error {
				if c.Outcome != "return" {
					return nil
				}
				var r SendBackData
				if err := decodeStrict(c.Data, &r); err != nil || r.Reason == "" {
					return domain.FieldError("data.reason", "say why the decision goes back")
				}
				return nil
			}
			ap, err := t.await(ctx, approve, domain.RoleCentreHead)
			if err != nil {
				return "", err
			}
			if ap.Outcome == "return" {
				var r SendBackData
				_ = json.Unmarshal(ap.Data, &r)
				if err := record(approve.Step, "decision_returned", ap.By, "returned: "+r.Reason, r, "", nil); err != nil {
					return "", err
				}
				continue
			}
			var res activities.IssueActivationDecisionResult
			err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
				RetryPolicy: &temporal.RetryPolicy{MaximumInterval: time.Minute, NonRetryableErrorTypes: []string{domain.CodeInvalid,
					domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}}}),
				a.IssueActivationDecision, activities.IssueActivationDecisionInput{ReferralID: in.ReferralID, Seq: round, Measure: f.Measure,
					Percent: f.Percent, Reasoning: f.Reasoning, Cause: activation.StepNames[cause.Kind][0] + " (" + cause.OccurredAt.Format("02.01.2006.") + ")",
					PreparedBy: c.By, ApprovedBy: ap.By, IssuedAt: workflow.Now(ctx)}).Get(ctx, &res)
			if err != nil {
				return "", err
			}
			st.Decisions = append(st.Decisions, res.Number)
			if err := record(fmt.Sprintf("decision/%d", round), "decision", ap.By, fmt.Sprintf("decision %s: %s from %s", res.Number, f.Measure, res.EffectiveFrom),
				res, "", nil); err != nil {
				return "", err
			}
			_, err = send(activities.AgencySend{Key: fmt.Sprintf("outcome/%d", round), Kind: "outcome", DecisionNumber: res.Number,
				Measure: f.Measure, EffectiveFrom: res.EffectiveFrom, Text: activation.MeasureNames[f.Measure][1] + " from " + res.EffectiveFrom},
				"the centre's decision "+res.Number+" to the agency")
			return f.Measure, err
		}
	}

	for st.State != "closed" && st.State != "employed" && st.State != "not_eligible" {
		// Long: carry the state over to a new run, between steps.
		if (workflow.GetInfo(ctx).GetContinueAsNewSuggested() || st.Steps-stepsAtStart >= limit) && steps.Len() == 0 {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return st, err
			}
			if steps.Len() == 0 {
				next := in
				next.Carried = &ActivationCarry{State: st, Seen: seenList, Quiet: quiet}
				return st, workflow.NewContinueAsNewError(ctx, NameActivation, next)
			}
		}
		var s AgencyStep
		got := false
		tctx, cancel := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(steps, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, &s); got = true })
		sel.AddFuture(workflow.NewTimer(tctx, within), func(workflow.Future) {})
		sel.Select(ctx)
		cancel()
		if !got {
			quiet++
			if quiet == 1 {
				st.Reminders++
				if _, err := send(activities.AgencySend{Key: fmt.Sprintf("reminder/%d", st.Reminders), Kind: "reminder",
					Text: "No step of referral " + in.ReferralID + " has come in the agreed time."}, "reminder to the agency"); err != nil {
					return st, err
				}
				continue
			}
			spec := taskSpec{Step: fmt.Sprintf("follow-up-%d", st.Reminders), Type: TaskActivationFollowUp,
				Subject: in.ReferralID + ": the agency has not reported a step", PersonID: in.PersonID, CentreID: in.CentreID,
				Role: domain.RoleCaseworker, Due: decideWithin, Priority: 40, Outcomes: []string{"wait", "close"},
				Data: map[string]string{"referral": in.ReferralID}}
			c, err := t.await(ctx, spec, domain.RoleSupervisor)
			if err != nil {
				return st, err
			}
			quiet = 0
			if c.Outcome == "close" {
				if err := record(spec.Step, "closed", c.By, "closed: the agency reported nothing", nil, "", nil); err != nil {
					return st, err
				}
				if _, err := send(activities.AgencySend{Key: "closed", Kind: "closed", Text: "The centre closed referral " + in.ReferralID + "."},
					"closing to the agency"); err != nil {
					return st, err
				}
				if err := setState("closed"); err != nil {
					return st, err
				}
			}
			continue
		}
		if seen[s.StepID] { // the agency sent it again: the first stands
			continue
		}
		seen[s.StepID] = true
		seenList = append(seenList, s.StepID)
		quiet = 0
		st.Steps++
		summary := activation.StepNames[s.Kind][1]
		for _, x := range []string{s.Status, s.Measure, s.Employer, s.Note} {
			if x != "" {
				summary += "; " + x
			}
		}
		err := record("step/"+s.StepID, "agency_step", s.Sender, summary, s, "", nil)
		if err != nil {
			return st, err
		}
		switch {
		case s.Kind == activation.StepAcknowledged && s.Status == activation.StatusNotEligible:
			err = setState("not_eligible")
		case s.Kind == activation.StepAcknowledged:
			if st.State == "referred" {
				err = setState("acknowledged")
			}
		case activation.NonCompliance(s.Kind):
			if err = setState("decision_pending"); err != nil {
				return st, err
			}
			var m string
			if m, err = decide(s, []string{activation.MeasureReduce, activation.MeasureSuspend, activation.MeasureNone}); err != nil {
				return st, err
			}
			switch m {
			case activation.MeasureSuspend: // no assistance, nothing to activate for
				err = setState("closed")
			case activation.MeasureReduce:
				err = setState("sanctioned")
			default:
				err = setState("active")
			}
		case s.Kind == activation.StepEmployed:
			if err = setState("decision_pending"); err != nil {
				return st, err
			}
			if _, err = decide(s, []string{activation.MeasureTerminate, activation.MeasureNone}); err != nil {
				return st, err
			}
			err = setState("employed")
		case s.Kind == activation.StepDeregistered:
			err = setState("closed")
		default:
			if st.State == "referred" || st.State == "acknowledged" {
				err = setState("active")
			}
		}
		if err != nil {
			return st, err
		}
	}
	// Steps the agency sent after the end are on the referral (the API
	// recorded them); the workflow has nothing left to do with them.
	for steps.ReceiveAsync(&AgencyStep{}) {
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return st, err
	}
	return st, nil
}
