package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

const appealID = "ZLB-2026-000001"

var appealStart = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// appealLog is what the mocked appeal activities saw.
type appealLog struct {
	mu        sync.Mutex
	tasks     []string
	forwarded int
	decided   []activities.DecideAppealInput
	applied   []activities.ApplySanctionInput
}

func appealEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *appealLog) {
	l := &appealLog{}
	env := newEnv(t)
	env.SetStartTime(appealStart)
	env.RegisterWorkflow(workflows.Appeal)
	env.RegisterWorkflow(workflows.DecisionFinality)
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CreateTaskInput) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.tasks = append(l.tasks, in.ID[strings.LastIndex(in.ID, ":")+1:]+"@"+string(in.CandidateRole)+"/"+in.CentreID)
		return nil
	})
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.EscalateTask, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.ForwardAppeal, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ForwardAppealInput) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.forwarded++
		return nil
	})
	env.OnActivity(a.DecideAppeal, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DecideAppealInput) (activities.DecideAppealResult, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.decided = append(l.decided, in)
		res := activities.DecideAppealResult{DecisionID: "o1", Number: "mrss/2026/00001"}
		if in.Outcome != domain.OutcomeUphold {
			res.Version = 2
		}
		return res, nil
	})
	env.OnActivity(a.ApplySanction, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ApplySanctionInput) (activities.ApplySanctionResult, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.applied = append(l.applied, in)
		return activities.ApplySanctionResult{AppliedFrom: domain.SanctionFrom(in.Final, in.Final).Format(time.DateOnly)}, nil
	})
	env.SetStartWorkflowOptions(startOptions(workflows.AppealWorkflowID(appealID)))
	return env, l
}

func appealInput(changeable bool) workflows.AppealInput {
	return workflows.AppealInput{AppealID: appealID, DecisionID: "d1", DecisionNumber: "csr-podgorica/2026/00007", CentreID: "csr-podgorica",
		PersonID: "person-1", Changeable: changeable, RightFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// actIn completes a task of the appeal at delay as by (role, centre).
func actIn(env *testsuite.TestWorkflowEnvironment, delay time.Duration, step, outcome, by string, role domain.Role, centre string, data any) *updateResult {
	r := &updateResult{}
	raw, _ := json.Marshal(data)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, fmt.Sprintf("%s-%s-%v", step, by, delay), callbacks{r}, workflows.TaskCompletion{
			TaskID: workflows.TaskID(workflows.AppealWorkflowID(appealID), step), Outcome: outcome, Data: raw, By: by, Role: role, CentreID: centre})
	}, delay)
	return r
}

func forward(env *testsuite.TestWorkflowEnvironment, delay time.Duration) *updateResult {
	return actIn(env, delay, "review-1", "forward", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica",
		map[string]string{"reasoning": "The decision applied the law; the centre does not change it."})
}

// TestFinalityWithoutAppeal: a sanction delivered on 5 March is final on
// 21 March; the workflow sleeps until then (skipped time) and has it
// applied, from April.
func TestFinalityWithoutAppeal(t *testing.T) {
	env, l := appealEnv(t)
	delivered := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	final := domain.FinalOn(delivered)
	require.Equal(t, "2026-03-21", final.Format(time.DateOnly))
	env.SetStartWorkflowOptions(startOptions(workflows.FinalityWorkflowID("d1")))
	env.ExecuteWorkflow(workflows.DecisionFinality, workflows.FinalityInput{DecisionID: "d1", FinalOn: final})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res activities.ApplySanctionResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, "2026-04-01", res.AppliedFrom)
	require.Len(t, l.applied, 1)
	require.False(t, l.applied[0].ByAppeal)
	require.False(t, env.Now().Before(final), "applied at %s, before final %s", env.Now(), final)
}

// TestAppealUpheld: the centre forwards the appeal; a caseworker cannot
// act as the ministry; the appeals officer upholds it; the outcome is a
// second-instance decision and the right is left as it was.
func TestAppealUpheld(t *testing.T) {
	env, l := appealEnv(t)
	fwd := forward(env, time.Hour)
	wrong := actIn(env, 2*time.Hour, "decide", "uphold", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"reasoning": "x"})
	noReason := actIn(env, 3*time.Hour, "decide", "uphold", "vesna.appeals", domain.RoleAppealsOfficer, "", map[string]string{})
	ok := actIn(env, 20*24*time.Hour, "decide", "uphold", "vesna.appeals", domain.RoleAppealsOfficer, "", map[string]string{"reasoning": "The income was counted as the law says."})
	env.ExecuteWorkflow(workflows.Appeal, appealInput(true))
	require.NoError(t, env.GetWorkflowError())
	require.NoError(t, fwd.err)
	require.True(t, wrong.rejected, "a caseworker deciding as second instance")
	require.True(t, noReason.rejected, "an outcome without reasons")
	require.NoError(t, ok.err)
	require.Equal(t, []string{"review-1@caseworker/csr-podgorica", "decide@appeals_officer/"}, l.tasks)
	require.Equal(t, 1, l.forwarded)
	require.Len(t, l.decided, 1)
	d := l.decided[0]
	require.Equal(t, "second", d.Instance)
	require.Equal(t, domain.OutcomeUphold, d.Outcome)
	require.Equal(t, "vesna.appeals", d.ApprovedBy)
	var st workflows.AppealState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, "decided", st.Stage)
	require.Equal(t, 0, st.Version)
}

// TestAppealChangesTheAmountRetroactively: the centre's caseworker
// proposes to change its own decision; the supervisor may not be the
// caseworker and returns it; the caseworker then forwards; the appeals
// officer's change from before the right began, or of a malformed amount,
// is refused; the change to 120.50 from the right's first day is issued.
func TestAppealChangesTheAmountRetroactively(t *testing.T) {
	env, l := appealEnv(t)
	change := map[string]string{"outcome": "change", "amount": "110.00", "reasoning": "The rent was not counted."}
	actIn(env, time.Hour, "review-1", "change", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", change)
	self := actIn(env, 2*time.Hour, "approve-1", "approve", "ana.caseworker", domain.RoleSupervisor, "csr-podgorica", nil)
	actIn(env, 3*time.Hour, "approve-1", "return", "marko.supervisor", domain.RoleSupervisor, "csr-podgorica", nil)
	actIn(env, 4*time.Hour, "review-2", "forward", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica", map[string]string{"reasoning": "For the ministry."})
	early := actIn(env, 5*time.Hour, "decide", "change", "vesna.appeals", domain.RoleAppealsOfficer, "",
		map[string]string{"amount": "120.50", "from": "2025-12-01", "reasoning": "x"})
	bad := actIn(env, 6*time.Hour, "decide", "change", "vesna.appeals", domain.RoleAppealsOfficer, "",
		map[string]string{"amount": "-3", "reasoning": "x"})
	ok := actIn(env, 7*time.Hour, "decide", "change", "vesna.appeals", domain.RoleAppealsOfficer, "",
		map[string]string{"amount": "120.50", "from": "2026-01-01", "reasoning": "The income of the son who moved out was counted."})
	env.ExecuteWorkflow(workflows.Appeal, appealInput(true))
	require.NoError(t, env.GetWorkflowError())
	require.True(t, self.rejected, "the caseworker approving her own change")
	require.True(t, early.rejected, "a change from before the right began")
	require.True(t, bad.rejected, "a negative amount")
	require.NoError(t, ok.err)
	require.Equal(t, []string{"review-1@caseworker/csr-podgorica", "approve-1@supervisor/csr-podgorica", "review-2@caseworker/csr-podgorica",
		"decide@appeals_officer/"}, l.tasks)
	require.Len(t, l.decided, 1)
	d := l.decided[0]
	require.Equal(t, domain.OutcomeChange, d.Outcome)
	require.Equal(t, "120.5", d.Amount.String())
	require.Equal(t, "2026-01-01", d.From.Format(time.DateOnly))
	var st workflows.AppealState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, 2, st.Version)
}

// TestCentreChangesItsOwnDecision: the centre annuls its own decision on
// appeal with its supervisor's approval: a first-instance decision, no
// ministry. A refusal cannot be changed, only upheld or annulled.
func TestCentreChangesItsOwnDecision(t *testing.T) {
	env, l := appealEnv(t)
	notChangeable := actIn(env, time.Hour, "review-1", "change", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica",
		map[string]string{"outcome": "change", "amount": "50", "reasoning": "x"})
	actIn(env, 2*time.Hour, "review-1", "change", "ana.caseworker", domain.RoleCaseworker, "csr-podgorica",
		map[string]string{"outcome": "annul", "reasoning": "The applicant's household was wrongly composed."})
	actIn(env, 3*time.Hour, "approve-1", "approve", "marko.supervisor", domain.RoleSupervisor, "csr-podgorica", nil)
	env.ExecuteWorkflow(workflows.Appeal, appealInput(false))
	require.NoError(t, env.GetWorkflowError())
	require.True(t, notChangeable.rejected)
	require.Equal(t, 0, l.forwarded)
	require.Len(t, l.decided, 1)
	require.Equal(t, "first", l.decided[0].Instance)
	require.Equal(t, domain.OutcomeAnnul, l.decided[0].Outcome)
	require.Equal(t, "ana.caseworker", l.decided[0].PreparedBy)
	require.Equal(t, "marko.supervisor", l.decided[0].ApprovedBy)
}
