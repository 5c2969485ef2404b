package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

// activationLog is what the mocked referral records and agency saw.
type activationLog struct {
	mu        sync.Mutex
	events    []string
	states    []string
	sent      []string // kind/key of what reached the agency
	tries     int
	decisions []activities.IssueActivationDecisionInput
}

// activationEnv runs Activation with the referral records, the agency's
// endpoint (failing agencyFailures times first) and the decision mocked.
func activationEnv(t *testing.T, agencyFailures int) (*testsuite.TestWorkflowEnvironment, *activationLog, *caseLog) {
	env, cl := caseEnv(t)
	env.RegisterWorkflow(workflows.Activation)
	l := &activationLog{}
	env.OnActivity(a.RecordActivation, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ActivationRecordInput) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if in.Event != nil {
			l.events = append(l.events, in.Event.Kind)
		}
		if in.Update != nil && in.Update.State != "" {
			l.states = append(l.states, in.Update.State)
		}
		return nil
	})
	env.OnActivity(a.SendToAgency, mock.Anything, mock.Anything).Return(func(_ context.Context, m activities.AgencySend) (activities.AgencyAck, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.tries++
		if l.tries <= agencyFailures {
			return activities.AgencyAck{}, errors.New("employment agency answered 503")
		}
		l.sent = append(l.sent, m.Kind+"/"+m.Key)
		return activities.AgencyAck{AgencyReference: "ZZZ-PG-77", ReceivedAt: time.Now()}, nil
	})
	env.OnActivity(a.IssueActivationDecision, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.IssueActivationDecisionInput) (activities.IssueActivationDecisionResult, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.decisions = append(l.decisions, in)
		return activities.IssueActivationDecisionResult{DecisionID: "d1", Number: "csr-podgorica/2026/00042", EffectiveFrom: "2026-12"}, nil
	})
	env.SetStartWorkflowOptions(startOptions(workflows.ActivationWorkflowID(referralID)))
	return env, l, cl
}

const referralID = "AKT-2026-000001"

func activationInput() workflows.ActivationInput {
	return workflows.ActivationInput{ReferralID: referralID, PersonID: "person-1", CentreID: "csr-podgorica", ReferredBy: "ana.caseworker",
		StepsWithin: 30 * 24 * time.Hour}
}

// stepIn signals an agency step at delay.
func stepIn(env *testsuite.TestWorkflowEnvironment, delay time.Duration, id, kind, status string) {
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalAgencyStep, workflows.AgencyStep{StepID: id, Kind: kind, Status: status,
			OccurredAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), Sender: "employment-system"})
	}, delay)
}

func decideIn(env *testsuite.TestWorkflowEnvironment, delay time.Duration, step, outcome, by string, role domain.Role, data any) *updateResult {
	return completeIn(env, workflows.ActivationWorkflowID(referralID), delay, step, outcome, by, role, data)
}

// TestActivationNonComplianceLeadsToASanction: the referral reaches the
// agency on its third try; the agency acknowledges, makes a plan and then
// reports a refused job offer, twice (the second is a duplicate and
// changes nothing). The caseworker's first try is malformed; the suspension
// she prepares may not be approved by herself; the supervisor returns the
// first and approves the second; the decision is issued once and its
// outcome goes to the agency; the referral closes as the right stops.
func TestActivationNonComplianceLeadsToASanction(t *testing.T) {
	env, l, _ := activationEnv(t, 2)
	stepIn(env, time.Hour, "ZZZ-1", "acknowledged", "registered")
	stepIn(env, 2*time.Hour, "ZZZ-2", "plan_created", "")
	stepIn(env, 3*time.Hour, "ZZZ-3", "job_offer_refused", "")
	stepIn(env, 3*time.Hour+time.Minute, "ZZZ-3", "job_offer_refused", "")
	suspend := map[string]any{"measure": "suspend", "reasoning": "Refused a suitable job offer without a reason."}
	bad := decideIn(env, 4*time.Hour, "decide-3-1", "submit", "ana.caseworker", domain.RoleCaseworker, map[string]any{"measure": "reduce", "reasoning": "Refused."})
	terminate := decideIn(env, 4*time.Hour+time.Minute, "decide-3-1", "submit", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"measure": "terminate", "reasoning": "The right ends for refusing work."})
	first := decideIn(env, 4*time.Hour+2*time.Minute, "decide-3-1", "submit", "ana.caseworker", domain.RoleCaseworker, suspend)
	self := decideIn(env, 5*time.Hour, "approve-3-1", "approve", "ana.caseworker", domain.RoleSupervisor, nil)
	back := decideIn(env, 5*time.Hour+time.Minute, "approve-3-1", "return", "marko.supervisor", domain.RoleSupervisor, map[string]any{"reason": "Hear her first."})
	second := decideIn(env, 6*time.Hour, "decide-3-2", "submit", "ana.caseworker", domain.RoleCaseworker, suspend)
	approve := decideIn(env, 7*time.Hour, "approve-3-2", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.Activation, activationInput())
	require.NoError(t, env.GetWorkflowError())

	require.ErrorContains(t, bad.err, "percent")
	require.ErrorContains(t, bad.err, "reasoning")
	require.ErrorContains(t, terminate.err, "measure")
	require.NoError(t, first.err)
	require.ErrorContains(t, self.err, "four eyes")
	require.NoError(t, back.err)
	require.NoError(t, second.err)
	require.NoError(t, approve.err)

	var st workflows.ActivationState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, "closed", st.State)
	require.Equal(t, "ZZZ-PG-77", st.AgencyReference)
	require.Equal(t, 3, st.Steps, "the repeated step counts once")
	require.Equal(t, []string{"csr-podgorica/2026/00042"}, st.Decisions)
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Equal(t, 4, l.tries, "two failed tries, then the referral and the outcome")
	require.Equal(t, []string{"referral/referral", "outcome/outcome/1"}, l.sent)
	require.Len(t, l.decisions, 1)
	d := l.decisions[0]
	require.Equal(t, "suspend", d.Measure)
	require.Equal(t, "ana.caseworker", d.PreparedBy)
	require.Equal(t, "marko.supervisor", d.ApprovedBy)
	require.Equal(t, []string{"acknowledged", "active", "decision_pending", "closed"}, l.states)
	require.Contains(t, l.events, "decision_returned")
}

// TestActivationRemindsThenAsksTheCaseworker: the agency acknowledges and
// then says nothing: after 30 days a reminder goes out, after 60 the
// caseworker is asked (and the supervisor when she does not answer), and
// her "wait" starts the count again; a reduction after a missed
// appointment keeps the referral going, and employment leads to the end
// of the right.
func TestActivationRemindsThenAsksTheCaseworker(t *testing.T) {
	env, l, cl := activationEnv(t, 0)
	day := 24 * time.Hour
	stepIn(env, time.Hour, "ZZZ-1", "acknowledged", "registered")
	wait := decideIn(env, 70*day, "follow-up-1", "wait", "ana.caseworker", domain.RoleCaseworker, nil)
	stepIn(env, 75*day, "ZZZ-2", "missed_without_reason", "")
	decideIn(env, 76*day, "decide-2-1", "submit", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"measure": "reduce", "percent": 30, "reasoning": "Did not come to the appointment and gave no reason."})
	decideIn(env, 77*day, "approve-2-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	stepIn(env, 80*day, "ZZZ-3", "employed", "")
	keep := decideIn(env, 81*day, "decide-3-1", "submit", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"measure": "suspend", "reasoning": "Employed at Plantaže from December."})
	decideIn(env, 81*day+time.Minute, "decide-3-1", "submit", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"measure": "terminate", "reasoning": "Employed at Plantaže from December."})
	decideIn(env, 82*day, "approve-3-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.Activation, activationInput())
	require.NoError(t, env.GetWorkflowError())
	require.NoError(t, wait.err)
	require.ErrorContains(t, keep.err, "terminate", "after employment the choice is terminate or none")

	var st workflows.ActivationState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, "employed", st.State)
	require.Equal(t, 1, st.Reminders)
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Equal(t, []string{"referral/referral", "reminder/reminder/1", "outcome/outcome/1", "outcome/outcome/2"}, l.sent)
	require.Len(t, l.decisions, 2)
	require.Equal(t, "reduce", l.decisions[0].Measure)
	require.Equal(t, 30, l.decisions[0].Percent)
	require.Equal(t, 1, l.decisions[0].Seq)
	require.Equal(t, "terminate", l.decisions[1].Measure)
	require.Equal(t, 2, l.decisions[1].Seq)
	require.Equal(t, []string{"acknowledged", "decision_pending", "sanctioned", "decision_pending", "employed"}, l.states)
	cl.mu.Lock()
	defer cl.mu.Unlock()
	require.Contains(t, cl.escalated, "follow-up-1>supervisor")
}

// TestActivationContinuesAsNew: after StepLimit steps the referral goes on
// in a new run with its state and the step ids it took; the new run does
// not send the referral again, ignores a step it took before and acts on
// a new one.
func TestActivationContinuesAsNew(t *testing.T) {
	env, _, _ := activationEnv(t, 0)
	stepIn(env, time.Hour, "ZZZ-1", "acknowledged", "registered")
	for i := 2; i <= 4; i++ {
		stepIn(env, time.Duration(i)*time.Hour, fmt.Sprintf("ZZZ-%d", i), "attended", "")
	}
	in := activationInput()
	in.StepLimit = 4
	env.ExecuteWorkflow(workflows.Activation, in)
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "want continue-as-new, got %v", env.GetWorkflowError())
	payloads := can.Input.GetPayloads()
	require.Len(t, payloads, 1)
	var next workflows.ActivationInput
	require.NoError(t, json.Unmarshal(payloads[0].GetData(), &next))
	require.NotNil(t, next.Carried)
	require.Equal(t, []string{"ZZZ-1", "ZZZ-2", "ZZZ-3", "ZZZ-4"}, next.Carried.Seen)
	require.Equal(t, "active", next.Carried.State.State)
	require.Equal(t, "ZZZ-PG-77", next.Carried.State.AgencyReference)

	env2, l2, _ := activationEnv(t, 0)
	stepIn(env2, time.Hour, "ZZZ-4", "deregistered", "") // taken before: ignored
	stepIn(env2, 2*time.Hour, "ZZZ-5", "deregistered", "")
	env2.ExecuteWorkflow(workflows.Activation, next)
	require.NoError(t, env2.GetWorkflowError())
	var st workflows.ActivationState
	require.NoError(t, env2.GetWorkflowResult(&st))
	require.Equal(t, "closed", st.State)
	require.Equal(t, 5, st.Steps)
	l2.mu.Lock()
	defer l2.mu.Unlock()
	require.Empty(t, l2.sent, "the new run does not send the referral again")
}
