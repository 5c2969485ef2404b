package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

const wfID = "default-test-workflow-id"

type updateResult struct {
	err      error
	rejected bool
	done     bool
}

type callbacks struct{ r *updateResult }

func (c callbacks) Accept()                   {}
func (c callbacks) Reject(err error)          { c.r.err, c.r.rejected, c.r.done = err, true, true }
func (c callbacks) Complete(_ any, err error) { c.r.err, c.r.done = err, true }

var escalated []string

func claimEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	escalated = nil
	env := newEnv(t)
	env.RegisterWorkflow(workflows.BenefitClaim)
	env.OnActivity(a.MarkEvidencePending, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.SetClaimState, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.EscalateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.EscalateTaskInput) error {
		escalated = append(escalated, in.TaskID+">"+string(in.To))
		return nil
	})
	return env
}

func input() workflows.ClaimInput {
	return workflows.ClaimInput{Number: "Z-2026-000001", Benefit: "MO", CentreID: "csr-podgorica", Members: []domain.PersonID{"p1", "p2"}}
}

// complete sends a task outcome at delay and returns what came of it.
func complete(env *testsuite.TestWorkflowEnvironment, delay time.Duration, step, outcome, by string, role domain.Role, data any) *updateResult {
	r := &updateResult{}
	raw, _ := json.Marshal(data)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, fmt.Sprintf("%s-%s-%v", step, by, delay), callbacks{r}, workflows.TaskCompletion{
			TaskID: workflows.TaskID(wfID, step), Outcome: outcome, Data: raw, By: by, Role: role, CentreID: "csr-podgorica"})
	}, delay)
	return r
}

func mockHappyEvidenceAndDecision(env *testsuite.TestWorkflowEnvironment) {
	mockEvidenceAndDecision(env, nil)
}

func mockEvidenceAndDecision(env *testsuite.TestWorkflowEnvironment, issued *activities.IssueDecisionInput) {
	env.OnActivity(a.FetchAllEvidence, mock.Anything, mock.Anything).Return(fetchAll(nil, nil))
	env.OnActivity(a.CalculateClaim, mock.Anything, mock.Anything).Return(activities.CalculateClaimResult{
		Eligible: true, Amount: decimal.RequireFromString("46.73"), Max: decimal.RequireFromString("126.73")}, nil)
	env.OnActivity(a.IssueDecision, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.IssueDecisionInput) (activities.IssueDecisionResult, error) {
			if in.PreparedBy == in.ApprovedBy {
				return activities.IssueDecisionResult{}, errors.New("four eyes broken")
			}
			if issued != nil {
				*issued = in
			}
			return activities.IssueDecisionResult{DecisionID: "d1", Number: "csr-podgorica/2026/00001", SHA256: "abc"}, nil
		})
	env.OnActivity(a.CreateEntitlement, mock.Anything, mock.Anything).Return(activities.CreateEntitlementResult{EntitlementID: "e1"}, nil)
	env.OnActivity(a.CheckExclusions, mock.Anything, mock.Anything).Return(activities.CheckExclusionsResult{}, nil)
}

func TestClaimFromApplicationToDecision(t *testing.T) {
	env := claimEnv(t)
	var issued activities.IssueDecisionInput
	mockEvidenceAndDecision(env, &issued)
	rv := complete(env, time.Minute, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	ownApproval := complete(env, 2*time.Minute, "approval-1", "approve", "ana.caseworker", domain.RoleCaseworker, nil)
	wrongRole := complete(env, 3*time.Minute, "approval-1", "approve", "ivan.caseworker", domain.RoleCaseworker, nil)
	ap := complete(env, 4*time.Minute, "approval-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	again := complete(env, 5*time.Minute, "approval-1", "send_back", "marko.supervisor", domain.RoleSupervisor, map[string]string{"reason": "x"})
	env.ExecuteWorkflow(workflows.BenefitClaim, input())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.ClaimResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, "approved", res.State)
	require.Equal(t, "e1", res.EntitlementID)
	require.NoError(t, rv.err)
	require.True(t, ownApproval.rejected, "a caseworker may not approve")
	require.True(t, wrongRole.rejected)
	require.NoError(t, ap.err)
	require.False(t, again.done && again.err == nil, "a second outcome after the decision is refused")
	require.Equal(t, "ana.caseworker", issued.PreparedBy)
	require.Equal(t, "marko.supervisor", issued.ApprovedBy)
	require.True(t, issued.Grant)
	require.Equal(t, "46.73", issued.Amount.StringFixed(2))
}

func TestClaimFourEyesAndAdjustRange(t *testing.T) {
	env := claimEnv(t)
	mockHappyEvidenceAndDecision(env)
	defer func() { require.Empty(t, escalated, "nothing was late") }()
	tooMuch := complete(env, time.Minute, "review-1", "adjust", "marko.supervisor", domain.RoleCaseworker, map[string]string{"amount": "500", "reason": "x"})
	noReason := complete(env, 2*time.Minute, "review-1", "adjust", "ana.caseworker", domain.RoleCaseworker, map[string]string{"amount": "100"})
	aboveAmount := complete(env, 150*time.Second, "review-1", "adjust", "ana.caseworker", domain.RoleCaseworker, map[string]string{"amount": "46.74", "reason": "x"})
	adjust := complete(env, 3*time.Minute, "review-1", "adjust", "ana.caseworker", domain.RoleCaseworker, map[string]string{"amount": "40.00", "reason": "rent arrears"})
	twice := complete(env, 4*time.Minute, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	self := complete(env, 5*time.Minute, "approval-1", "approve", "ana.caseworker", domain.RoleSupervisor, nil)
	back := complete(env, 6*time.Minute, "approval-1", "send_back", "marko.supervisor", domain.RoleSupervisor, map[string]string{"reason": "check income"})
	rv2 := complete(env, 7*time.Minute, "review-2", "accept", "ivan.caseworker", domain.RoleCaseworker, nil)
	ap2 := complete(env, 8*time.Minute, "approval-2", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.BenefitClaim, input())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.ClaimResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, "approved", res.State)
	requireCode(t, tooMuch, domain.CodeInvalid)
	requireCode(t, noReason, domain.CodeInvalid)
	requireCode(t, aboveAmount, domain.CodeInvalid) // above the computed 46.73, though below Max 126.73 (issue 16)
	require.NoError(t, adjust.err)
	requireCode(t, twice, domain.CodeConflict)
	requireCode(t, self, domain.CodeForbidden)
	require.NoError(t, back.err)
	require.NoError(t, rv2.err)
	require.NoError(t, ap2.err)
}

// TestClaimAdjustNeverGrantsAnIneligibleClaim: an ineligible calculation
// is rejected or sent back for a document, never adjusted into a grant;
// JNP is set within its cap (issue 16, benefits.CheckAdjustment).
func TestClaimAdjustNeverGrantsAnIneligibleClaim(t *testing.T) {
	zero, cap := decimal.Zero, decimal.RequireFromString("400")
	for _, tc := range []struct {
		name      string
		benefit   string
		calc      activities.CalculateClaimResult
		tries     []string // amounts adjusted to, each refused
		last      string   // the outcome that goes through
		lastData  map[string]any
		wantGrant bool
		wantSum   string
	}{
		{"LI at 79%", "LI", activities.CalculateClaimResult{Eligible: false, Reasons: []string{"below 80%"}, Max: decimal.RequireFromString("158.11"), AdjustMax: &zero},
			[]string{"158.11", "1.00"}, "reject", map[string]any{"reasons": []string{"below 80%"}}, false, "0.00"},
		{"MO, old calculation without AdjustMax, ineligible", "MO", activities.CalculateClaimResult{Eligible: false, Max: decimal.RequireFromString("126.73")},
			[]string{"126.73", "10.00"}, "reject", map[string]any{"reasons": []string{"two dwellings"}}, false, "0.00"},
		{"JNP set within the cap", "JNP", activities.CalculateClaimResult{Eligible: false, Max: cap, AdjustMax: &cap},
			[]string{"400.01", "0"}, "adjust", map[string]any{"amount": "400.00", "reason": "flood damage"}, true, "400.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := claimEnv(t)
			var issued activities.IssueDecisionInput
			env.OnActivity(a.CalculateClaim, mock.Anything, mock.Anything).Return(tc.calc, nil)
			mockEvidenceAndDecision(env, &issued)
			var refused []*updateResult
			for i, amount := range tc.tries {
				refused = append(refused, complete(env, time.Duration(i+1)*time.Minute, "review-1", "adjust", "ana.caseworker", domain.RoleCaseworker,
					map[string]string{"amount": amount, "reason": "the caseworker's judgement"}))
			}
			last := complete(env, 10*time.Minute, "review-1", tc.last, "ana.caseworker", domain.RoleCaseworker, tc.lastData)
			ap := complete(env, 11*time.Minute, "approval-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
			in := input()
			in.Benefit = tc.benefit
			env.ExecuteWorkflow(workflows.BenefitClaim, in)
			require.NoError(t, env.GetWorkflowError())
			for _, r := range refused {
				requireCode(t, r, domain.CodeInvalid)
				require.Contains(t, r.err.Error(), "amount")
			}
			require.NoError(t, last.err)
			require.NoError(t, ap.err)
			require.Equal(t, tc.wantGrant, issued.Grant)
			require.Equal(t, tc.wantSum, issued.Amount.StringFixed(2))
		})
	}
}

// TestClaimExcludedAtApprovalGoesBackToReview: a right granted since the
// claim was filed excludes it (MO beside veterans' MO): the approved grant
// is not decided; the claim goes back to review with the conflicting right
// named, and the caseworker rejects it (issue 16).
func TestClaimExcludedAtApprovalGoesBackToReview(t *testing.T) {
	env := newEnv(t) // claimEnv's mocks, but the claim's states and tasks recorded
	env.RegisterWorkflow(workflows.BenefitClaim)
	env.OnActivity(a.MarkEvidencePending, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(nil)
	var issued activities.IssueDecisionInput
	env.OnActivity(a.CheckExclusions, mock.Anything, mock.Anything).Return(activities.CheckExclusionsResult{Benefit: "B-MO", Claim: "Z-2026-000042"}, nil)
	var states []activities.SetClaimStateInput
	env.OnActivity(a.SetClaimState, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SetClaimStateInput) error {
		states = append(states, in)
		return nil
	})
	var reviewData map[string]string
	env.OnActivity(a.CreateTask, mock.Anything, mock.MatchedBy(func(in activities.CreateTaskInput) bool {
		return in.Type == workflows.TaskReview && in.Data["conflict"] != ""
	})).
		Return(func(_ context.Context, in activities.CreateTaskInput) error { reviewData = in.Data; return nil })
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(nil)
	mockEvidenceAndDecision(env, &issued)
	rv := complete(env, time.Minute, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	ap := complete(env, 2*time.Minute, "approval-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	rj := complete(env, 3*time.Minute, "review-2", "reject", "ana.caseworker", domain.RoleCaseworker, map[string]any{"reasons": []string{"the household receives veterans' MO"}})
	ap2 := complete(env, 4*time.Minute, "approval-2", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.BenefitClaim, input())
	require.NoError(t, env.GetWorkflowError())
	for _, r := range []*updateResult{rv, ap, rj, ap2} {
		require.NoError(t, r.err)
	}
	var res workflows.ClaimResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, "rejected", res.State)
	require.False(t, issued.Grant, "no grant beside the excluding right")
	require.Contains(t, reviewData["conflict"], "Z-2026-000042")
	require.Contains(t, reviewData["conflict"], "Novčana naknada materijalnog obezbjeđenja")
	var reasons []string
	for _, s := range states {
		if s.State == "review" {
			reasons = append(reasons, s.Reason)
		}
	}
	require.Len(t, reasons, 2)
	require.Contains(t, reasons[1], "Z-2026-000042", "the claim's state says why it is back in review")
}

func requireCode(t *testing.T, r *updateResult, code string) {
	t.Helper()
	require.True(t, r.done && r.err != nil, "update was not refused")
	var ae *temporal.ApplicationError
	require.True(t, errors.As(r.err, &ae), "error %v is not an application error", r.err)
	require.Equal(t, code, ae.Type(), ae.Error())
}

func TestClaimDeadlineEscalatesAndKeepsWaiting(t *testing.T) {
	env := claimEnv(t)
	mockHappyEvidenceAndDecision(env)
	in := input()
	in.Deadlines.Review = 4 * time.Hour
	rv := complete(env, 30*time.Hour, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	ap := complete(env, 31*time.Hour, "approval-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	start := env.Now()
	env.ExecuteWorkflow(workflows.BenefitClaim, in)
	require.NoError(t, env.GetWorkflowError())
	require.NoError(t, rv.err)
	require.NoError(t, ap.err)
	require.Equal(t, []string{workflows.TaskID(wfID, "review-1") + ">supervisor"}, escalated, "escalated once, then kept waiting")
	require.GreaterOrEqual(t, env.Now().Sub(start), 31*time.Hour)
}

func TestClaimWithdrawn(t *testing.T) {
	env := claimEnv(t)
	mockHappyEvidenceAndDecision(env)
	cancelled := false
	env.OnActivity(a.CancelTasks, mock.Anything, mock.Anything).Return(func(context.Context, activities.CancelTasksInput) error {
		cancelled = true
		return nil
	})
	r := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateWithdraw, "w", callbacks{r}, workflows.Withdrawal{By: "ana.caseworker", CentreID: "csr-podgorica", Reason: "the family moved abroad"})
	}, time.Hour)
	late := complete(env, 2*time.Hour, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	env.ExecuteWorkflow(workflows.BenefitClaim, input())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.ClaimResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, "withdrawn", res.State)
	require.NoError(t, r.err)
	require.True(t, cancelled)
	require.Empty(t, res.DecisionID)
	_ = late // the workflow has ended; the late outcome reaches nothing
}

func TestClaimWaitsForARegistryThenTheCaseworkerProvidesEvidence(t *testing.T) {
	env := claimEnv(t)
	env.OnActivity(a.FetchAllEvidence, mock.Anything, mock.MatchedBy(func(in activities.FetchAllEvidenceInput) bool { return in.PersonID == "p2" })).
		Return(fetchAll([]domain.Source{domain.SourceTax}, nil))
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.MatchedBy(func(in activities.FetchEvidenceInput) bool {
		return in.Source == domain.SourceTax && in.PersonID == "p2"
	})).Return(activities.FetchEvidenceResult{}, errors.New("registry unavailable"))
	mockHappyEvidenceAndDecision(env)
	env.OnActivity(a.GiveUpSource, mock.Anything, mock.Anything).Return(nil)
	var declared []activities.RecordDeclaredEvidenceInput
	env.OnActivity(a.RecordDeclaredEvidence, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordDeclaredEvidenceInput) error {
		declared = append(declared, in)
		return nil
	})
	in := input()
	in.Deadlines.Evidence = 10 * time.Minute
	bad := complete(env, 3*time.Hour, "obtain-evidence-p2-1", "provided", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"document_id": "doc1", "person_id": "p2", "facts": []map[string]any{{"kind": "registered_income", "value": map[string]any{"salary": 1}}}})
	good := complete(env, 4*time.Hour, "obtain-evidence-p2-1", "provided", "ana.caseworker", domain.RoleCaseworker,
		map[string]any{"document_id": "doc1", "person_id": "p2", "facts": []map[string]any{{"kind": "registered_income", "value": map[string]any{"sources": []any{}, "monthly_total_net": "120.00"}}}})
	complete(env, 5*time.Hour, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, 6*time.Hour, "approval-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.BenefitClaim, in)
	require.NoError(t, env.GetWorkflowError())
	requireCode(t, bad, domain.CodeInvalid)
	require.NoError(t, good.err)
	require.Len(t, declared, 1)
	require.Equal(t, domain.KindIncome, declared[0].Kind)
	require.Equal(t, domain.PersonID("p2"), declared[0].PersonID)
}
