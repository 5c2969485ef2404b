package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
	"github.com/karton-social/karton/temporalerr"
	"github.com/karton-social/karton/workflows"
)

// caseLog is what the mocked activities saw; the test environment runs
// local activities on goroutines of its own, hence the lock.
type caseLog struct {
	mu        sync.Mutex
	events    []string // kind/stage
	escalated []string
	tasks     []string // created task steps
	decisions []activities.IssueCaseDecisionInput
	transfers []string
}

func caseEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *caseLog) {
	l := &caseLog{}
	env := newEnv(t)
	env.RegisterWorkflow(workflows.Case)
	env.OnActivity(a.RecordCase, mock.Anything, mock.Anything).Return(func(_ context.Context, r activities.CaseRecord) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if r.Event != nil {
			l.events = append(l.events, r.Event.Kind+"/"+r.Event.Stage)
		}
		return nil
	})
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CreateTaskInput) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.tasks = append(l.tasks, in.ID[strings.LastIndex(in.ID, ":")+1:]+"@"+string(in.CandidateRole))
		return nil
	})
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.EscalateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.EscalateTaskInput) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.escalated = append(l.escalated, in.TaskID[strings.LastIndex(in.TaskID, ":")+1:]+">"+string(in.To))
		return nil
	})
	env.OnActivity(a.IssueCaseDecision, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.IssueCaseDecisionInput) (activities.IssueCaseDecisionResult, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if in.PreparedBy == in.ApprovedBy {
			return activities.IssueCaseDecisionResult{}, errors.New("four eyes broken")
		}
		l.decisions = append(l.decisions, in)
		return activities.IssueCaseDecisionResult{DecisionID: "d1", Number: fmt.Sprintf("csr-podgorica/2026/%05d", len(l.decisions)), SHA256: "abc"}, nil
	})
	env.OnActivity(a.TransferCase, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.TransferCaseInput) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.transfers = append(l.transfers, in.CentreID)
		return nil
	})
	env.OnActivity(a.NextCaseNumber, mock.Anything, mock.Anything).Return("S-2026-000099", nil)
	return env, l
}

func caseInput(procedure string) workflows.CaseInput {
	intake, _ := json.Marshal(map[string]string{"source": "school", "description": "The school reports a child left without care.", "urgency": "urgent", "outcome": "open_case"})
	return workflows.CaseInput{Number: "S-2026-000001", Procedure: procedure, CentreID: "csr-podgorica", OpenedBy: "ana.caseworker",
		Persons: []activities.CasePerson{{PersonID: "p1", Role: "beneficiary"}}, Intake: intake}
}

// stage completes a case's stage task at delay.
func stage(env *testsuite.TestWorkflowEnvironment, delay time.Duration, step, outcome, by string, role domain.Role, data any) *updateResult {
	return complete(env, delay, step, outcome, by, role, data)
}

// act sends a case action at delay.
func act(env *testsuite.TestWorkflowEnvironment, delay time.Duration, action, by string, role domain.Role, centre string, data any) *updateResult {
	r := &updateResult{}
	raw, _ := json.Marshal(data)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCaseAction, fmt.Sprintf("%s-%s-%v", action, by, delay), callbacks{r}, workflows.CaseAction{
			Action: action, By: by, Role: role, CentreID: centre, Data: raw})
	}, delay)
	return r
}

var (
	opening    = map[string]any{"case_manager": "ana.caseworker", "team": []string{"ivan.caseworker"}}
	initial    = map[string]any{"safety": "at_risk", "findings": "The child is alone since the mother's death."}
	detailed   = map[string]any{"needs": "a guardian", "strengths": "an aunt nearby", "findings": "The aunt is willing to be the guardian.", "participated": true}
	plan       = map[string]any{"goals": []map[string]string{{"goal": "Appoint a guardian", "service": "guardianship", "responsible": "Ana Radović", "due": "2027-01-31"}}}
	closingDue = map[string]any{"reason": "goals_achieved", "summary": "The aunt was appointed guardian and the child is safe."}
)

// TestGuardianshipFromIntakeToClosing: every stage of a guardianship of a
// minor, four eyes on opening, plan, decision and closing, a tracking item
// done in time, a decision issued, and the case closed with its reason.
func TestGuardianshipFromIntakeToClosing(t *testing.T) {
	env, l := caseEnv(t)
	m := time.Minute
	op := stage(env, 1*m, "opening-1", "submit", "ana.caseworker", domain.RoleCaseworker, opening)
	selfApprove := stage(env, 2*m, "opening-1-approval", "approve", "ana.caseworker", domain.RoleSupervisor, nil)
	opAp := stage(env, 3*m, "opening-1-approval", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	badForm := stage(env, 4*m, "initial_assessment-2", "submit", "ana.caseworker", domain.RoleCaseworker, map[string]any{"safety": "fine"})
	wrongRole := stage(env, 5*m, "initial_assessment-2", "submit", "nina.finance", domain.RoleFinanceOfficer, initial)
	ia := stage(env, 6*m, "initial_assessment-2", "submit", "ana.caseworker", domain.RoleCaseworker, initial)
	da := stage(env, 7*m, "detailed_assessment-3", "submit", "ana.caseworker", domain.RoleCaseworker, detailed)
	pl := stage(env, 8*m, "plan-4", "submit", "ana.caseworker", domain.RoleCaseworker, plan)
	back := stage(env, 9*m, "plan-4-approval", "return", "marko.supervisor", domain.RoleSupervisor, map[string]string{"reason": "add the school"})
	pl2 := stage(env, 10*m, "plan-5", "submit", "ana.caseworker", domain.RoleCaseworker, plan)
	plAp := stage(env, 11*m, "plan-5-approval", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	track := act(env, 12*m, "add-tracking", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"kind": "visit", "what": "Home visit", "due": "2030-01-10"})
	badKind := act(env, 13*m, "prepare-decision", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"kind": "adoption", "reasoning": "The aunt is fit to be the guardian."})
	prep := act(env, 14*m, "prepare-decision", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"kind": "guardian_appointment", "reasoning": "The aunt is fit to be the guardian."})
	decAp := stage(env, 15*m, "decision-1-approval", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	done := act(env, 16*m, "complete-tracking", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]int{"item": 1})
	cl := act(env, 17*m, "close", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", nil)
	clForm := stage(env, 18*m, "closing-6", "submit", "ana.caseworker", domain.RoleCaseworker, closingDue)
	clAp := stage(env, 19*m, "closing-6-approval", "approve", "marko.supervisor", domain.RoleSupervisor, nil)

	env.ExecuteWorkflow(workflows.Case, caseInput("P01"))
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NoError(t, env.GetWorkflowError())
	var st workflows.CaseState
	require.NoError(t, env.GetWorkflowResult(&st))
	for _, r := range []*updateResult{op, opAp, ia, da, pl, back, pl2, plAp, track, prep, decAp, done, cl, clForm, clAp} {
		require.NoError(t, r.err)
	}
	requireCode(t, selfApprove, domain.CodeForbidden)
	requireCode(t, badForm, domain.CodeInvalid)
	require.Contains(t, badForm.err.Error(), "findings", "every failing field is named")
	requireCode(t, wrongRole, domain.CodeForbidden)
	require.Contains(t, wrongRole.err.Error(), "procedure P01 v1: stage initial_assessment is done by the caseworker role")
	requireCode(t, badKind, domain.CodeInvalid)
	var bad *domain.Error
	require.ErrorAs(t, temporalerr.FromTemporal(badKind.err), &bad)
	require.Equal(t, "kind", bad.Field, "a validator's refusal names its field")
	require.Equal(t, "closed", st.Status)
	require.Equal(t, "goals_achieved", st.CloseReason)
	require.Equal(t, "ana.caseworker", st.Manager)
	require.Len(t, l.decisions, 1)
	require.Equal(t, "ana.caseworker", l.decisions[0].PreparedBy)
	require.Equal(t, "marko.supervisor", l.decisions[0].ApprovedBy)
	require.Equal(t, "issued", st.Decisions[0].State)
	require.True(t, st.Tracking[0].Done)
	require.Empty(t, l.escalated, "nothing was late")
	require.Contains(t, l.events, "plan_returned/plan")
	require.Equal(t, "closed/closing", l.events[len(l.events)-1])
}

// TestCaseDeadlineEscalatesUpTheLadder: an urgent DV initial assessment
// missed goes to the supervisor after 24 hours, then to the centre's head.
func TestCaseDeadlineEscalatesUpTheLadder(t *testing.T) {
	env, l := caseEnv(t)
	op := stage(env, time.Minute, "opening-1", "submit", "dragana.dv", domain.RoleDVCaseworker, opening)
	plain := stage(env, 2*time.Minute, "initial_assessment-2", "submit", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"risk_level": "high", "findings": "Threats with a weapon, children present."})
	ia := stage(env, 60*time.Hour, "initial_assessment-2", "submit", "dragana.dv", domain.RoleDVCaseworker,
		map[string]any{"risk_level": "high", "findings": "Threats with a weapon, children present."})
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 61*time.Hour)
	env.ExecuteWorkflow(workflows.Case, caseInput("P37"))
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NoError(t, op.err)
	requireCode(t, plain, domain.CodeForbidden) // the DV procedure is done by DV caseworkers
	require.NoError(t, ia.err)
	require.Equal(t, []string{"initial_assessment-2>supervisor", "initial_assessment-2>centre_head"}, l.escalated)
}

// monitored brings a foster-care case to monitoring (plan approved) by minute 6.
func monitored(env *testsuite.TestWorkflowEnvironment) {
	m := time.Minute
	stage(env, 1*m, "opening-1", "submit", "ana.caseworker", domain.RoleCaseworker, opening)
	stage(env, 2*m, "initial_assessment-2", "submit", "ana.caseworker", domain.RoleCaseworker, initial)
	stage(env, 3*m, "detailed_assessment-3", "submit", "ana.caseworker", domain.RoleCaseworker, detailed)
	stage(env, 4*m, "plan-4", "submit", "ana.caseworker", domain.RoleCaseworker, plan)
	stage(env, 5*m, "plan-4-approval", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
}

// TestTrackingItemOverdueEscalatesAndReviewTimerCloses: a monitoring visit
// past due escalates to the supervisor; the 90-day review comes on its
// timer and its "close" leads to closing.
func TestTrackingItemOverdueEscalatesAndReviewTimerCloses(t *testing.T) {
	env, l := caseEnv(t)
	monitored(env)
	due := env.Now().Add(48 * time.Hour).Format(time.DateOnly)
	track := act(env, 6*time.Minute, "add-tracking", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"kind": "visit", "what": "Visit the foster family", "due": due})
	ack := stage(env, 80*time.Hour, "tracking-1-overdue", "acknowledge", "marko.supervisor", domain.RoleSupervisor, nil)
	review := stage(env, 91*24*time.Hour, "review-5", "submit", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"progress": "achieved", "findings": "The child is settled with the family.", "next": "close"})
	cl := stage(env, 92*24*time.Hour, "closing-6", "submit", "ana.caseworker", domain.RoleCaseworker, closingDue)
	clAp := stage(env, 92*24*time.Hour+time.Hour, "closing-6-approval", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.Case, caseInput("P02"))
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NoError(t, env.GetWorkflowError())
	for _, r := range []*updateResult{track, ack, review, cl, clAp} {
		require.NoError(t, r.err)
	}
	require.Contains(t, l.tasks, "tracking-1-overdue@supervisor")
	require.Contains(t, l.events, "tracking_overdue/monitoring")
	require.Contains(t, l.tasks, "review-5@caseworker")
	var st workflows.CaseState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, "closed", st.Status)
	require.True(t, st.Tracking[0].Overdue)
}

// TestReviewAskedForBeforeItsTime: the case manager asks for a review a
// week into monitoring, long before the 90-day timer; a second request
// while it is open is refused; the review revises the plan (approved
// again), and the next periodic review counts from it.
func TestReviewAskedForBeforeItsTime(t *testing.T) {
	env, l := caseEnv(t)
	monitored(env)
	day := 24 * time.Hour
	ask := act(env, 7*day, "review", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", nil)
	again := act(env, 7*day+time.Minute, "review", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", nil)
	review := stage(env, 7*day+time.Hour, "review-5", "submit", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"progress": "partly", "findings": "The school reports the child misses classes.", "next": "revise_plan"})
	revised := stage(env, 7*day+2*time.Hour, "plan-6", "submit", "ana.caseworker", domain.RoleCaseworker, plan)
	revisedAp := stage(env, 7*day+3*time.Hour, "plan-6-approval", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	// The next periodic review: 90 days after the one asked for.
	periodic := stage(env, 98*day, "review-7", "submit", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"progress": "achieved", "findings": "The child attends school every day.", "next": "close"})
	cl := stage(env, 99*day, "closing-8", "submit", "ana.caseworker", domain.RoleCaseworker, closingDue)
	clAp := stage(env, 99*day+time.Hour, "closing-8-approval", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.Case, caseInput("P02"))
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NoError(t, env.GetWorkflowError())
	for _, r := range []*updateResult{ask, review, revised, revisedAp, periodic, cl, clAp} {
		require.NoError(t, r.err)
	}
	require.ErrorContains(t, again.err, "already has a review")
	require.Contains(t, l.events, "review_requested/monitoring")
	require.Equal(t, 2, slices.Index(l.tasks, "review-7@caseworker")-slices.Index(l.tasks, "review-5@caseworker")-1,
		"between the two reviews: the revised plan and its approval (%v)", l.tasks)
	var st workflows.CaseState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, "closed", st.Status)
}

// TestCaseTransferAndOpenSubProcedures: a supervisor transfers the case;
// the old centre can no longer act, the new one can; closing with an open
// sub-procedure is refused, naming it.
func TestCaseTransferAndOpenSubProcedures(t *testing.T) {
	env, l := caseEnv(t)
	monitored(env)
	byCaseworker := act(env, 6*time.Minute, "transfer", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"centre_id": "csr-niksic"})
	tr := act(env, 7*time.Minute, "transfer", "marko.supervisor", domain.RoleSupervisor, "csr-podgorica", map[string]string{"centre_id": "csr-niksic"})
	oldCentre := act(env, 8*time.Minute, "note", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"text": "still ours?"})
	note := act(env, 9*time.Minute, "note", "jelena.caseworker", domain.RoleCaseworker, "csr-niksic", map[string]string{"text": "Took over the case."})
	notAllowed := act(env, 10*time.Minute, "start-subprocedure", "jelena.caseworker", domain.RoleCaseworker, "csr-niksic", map[string]string{"procedure": "P24"})
	sub := act(env, 11*time.Minute, "start-subprocedure", "jelena.caseworker", domain.RoleCaseworker, "csr-niksic", map[string]string{"procedure": "P13"})
	cl := act(env, 12*time.Minute, "close", "jelena.caseworker", domain.RoleCaseworker, "csr-niksic", nil)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, time.Hour)
	env.ExecuteWorkflow(workflows.Case, caseInput("P02"))
	l.mu.Lock()
	defer l.mu.Unlock()
	requireCode(t, byCaseworker, domain.CodeForbidden)
	require.NoError(t, tr.err)
	requireCode(t, oldCentre, domain.CodeForbidden)
	require.NoError(t, note.err)
	requireCode(t, notAllowed, domain.CodeInvalid)
	require.NoError(t, sub.err)
	requireCode(t, cl, domain.CodeConflict)
	require.Contains(t, cl.err.Error(), "S-2026-000099")
	require.Equal(t, []string{"csr-niksic"}, l.transfers)
}

// TestLongCaseContinuesAsNewWithItsState: past its history limit, a quiet
// case in monitoring continues as new, carrying its manager, forms and
// tracking list; the new run re-arms the item's timer.
func TestLongCaseContinuesAsNewWithItsState(t *testing.T) {
	env, _ := caseEnv(t)
	monitored(env)
	act(env, 6*time.Minute, "add-tracking", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica",
		map[string]string{"kind": "report", "what": "Guardian's report", "due": "2031-01-31"})
	for i := 0; i < 10; i++ {
		act(env, time.Duration(7+i)*time.Minute, "note", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"text": fmt.Sprintf("note %d", i)})
	}
	in := caseInput("P02")
	in.EventLimit = 15
	env.ExecuteWorkflow(workflows.Case, in)
	err := env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can), "want continue-as-new, got %v", err)
	var next workflows.CaseInput
	require.NoError(t, decodeInput(can, &next))
	require.NotNil(t, next.Carried)
	require.Equal(t, "ana.caseworker", next.Carried.Manager)
	require.Equal(t, "monitoring", next.Carried.Stage)
	require.Len(t, next.Carried.Tracking, 1)
	require.Contains(t, next.Carried.Forms, "plan")
	require.Equal(t, 1, next.Carried.Runs)
	require.True(t, slices.Contains([]string{"P02"}, next.Procedure))

	// The new run goes on from monitoring, with the item and a close.
	env2, l2 := caseEnv(t)
	cl := act(env2, time.Minute, "close", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", nil)
	form := stage(env2, 2*time.Minute, fmt.Sprintf("closing-%d", next.Carried.StageSeq+1), "submit", "ana.caseworker", domain.RoleCaseworker, closingDue)
	ap := stage(env2, 3*time.Minute, fmt.Sprintf("closing-%d-approval", next.Carried.StageSeq+1), "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env2.ExecuteWorkflow(workflows.Case, next)
	l2.mu.Lock()
	defer l2.mu.Unlock()
	require.NoError(t, env2.GetWorkflowError())
	require.NoError(t, cl.err)
	require.NoError(t, form.err)
	require.NoError(t, ap.err)
	require.NotContains(t, l2.events, "intake/intake", "a carried case does not start again")
}

func decodeInput(can *workflow.ContinueAsNewError, out *workflows.CaseInput) error {
	payloads := can.Input.GetPayloads()
	if len(payloads) != 1 {
		return fmt.Errorf("%d inputs", len(payloads))
	}
	return json.Unmarshal(payloads[0].GetData(), out)
}

// TestEveryProcedureStarts: each of the 42 procedures starts from an
// intake and waits for its opening, as its definition's case-manager role.
func TestEveryProcedureStarts(t *testing.T) {
	codes := cases.Procedures.Codes()
	require.Len(t, codes, 42)
	for _, code := range codes {
		env, l := caseEnv(t)
		env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, time.Minute)
		env.ExecuteWorkflow(workflows.Case, caseInput(code))
		d, _ := cases.Procedures.Get(code, 0)
		l.mu.Lock()
		require.Equal(t, []string{"opening-1@" + string(d.Role)}, l.tasks, "procedure %s", code)
		require.Equal(t, []string{"intake/intake", "stage_started/opening"}, l.events, "procedure %s", code)
		l.mu.Unlock()
	}
}
