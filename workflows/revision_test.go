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
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

// revisionStart is 10 July 2024: the next month is August.
var revisionStart = time.Date(2024, 7, 10, 9, 0, 0, 0, time.UTC)

type revisionLog struct {
	tasks     []string
	calcs     int
	decided   *activities.DecideRevisionInput
	completed *activities.CompleteRevisionInput
	startErr  error
	silent    []domain.Source // registries that do not answer
}

// revisionEnv mocks the activities of a revision whose recalculation
// proposes proposals[i] on round i+1 (the last repeats).
func revisionEnv(t *testing.T, before string, proposals ...activities.CalculateRevisionResult) (*testsuite.TestWorkflowEnvironment, *revisionLog) {
	env := newEnv(t)
	env.SetStartTime(revisionStart)
	env.RegisterWorkflowWithOptions(workflows.Revision, workflow.RegisterOptions{Name: workflows.NameRevision})
	log := &revisionLog{}
	env.OnActivity(a.StartRevision, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.StartRevisionInput) (activities.StartRevisionResult, error) {
			return activities.StartRevisionResult{CentreID: "csr-podgorica", Benefit: "MO", Beneficiary: "p1",
				Members: []domain.PersonID{"p1", "p2"}}, log.startErr
		})
	env.OnActivity(a.MarkEvidencePending, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.FetchAllEvidence, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, in activities.FetchAllEvidenceInput) (activities.FetchAllEvidenceResult, error) {
			return fetchAll(log.silent, nil)(ctx, in)
		})
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.Anything).Return(activities.FetchEvidenceResult{}, errors.New("down"))
	env.OnActivity(a.GiveUpSource, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.SetRevisionStage, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.CalculateRevision, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CalculateRevisionInput) (activities.CalculateRevisionResult, error) {
			require.Equal(t, "2024-08-01", in.Period.Format(time.DateOnly), "calculated for the next month")
			p := proposals[min(log.calcs, len(proposals)-1)]
			log.calcs++
			p.Before = decimal.RequireFromString(before)
			return p, nil
		})
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CreateTaskInput) error {
		require.Equal(t, "csr-podgorica", in.CentreID)
		require.NotEmpty(t, in.Data["amount_after"], "the task shows the proposal")
		log.tasks = append(log.tasks, in.Type)
		return nil
	})
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.EscalateTask, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.DecideRevision, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DecideRevisionInput) (activities.DecideRevisionResult, error) {
			if in.PreparedBy == in.ApprovedBy {
				return activities.DecideRevisionResult{}, errors.New("four eyes broken")
			}
			log.decided = &in
			return activities.DecideRevisionResult{DecisionID: "d2", Number: "csr-podgorica/2024/00002", SHA256: "abc"}, nil
		})
	env.OnActivity(a.CompleteRevision, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CompleteRevisionInput) (activities.CompleteRevisionResult, error) {
			log.completed = &in
			next := "2025-01-01"
			if in.State == "ended" {
				next = ""
			}
			return activities.CompleteRevisionResult{NextRevision: next}, nil
		})
	return env, log
}

func revisionInput() workflows.RevisionInput {
	return workflows.RevisionInput{EntitlementID: "e1", Due: "2024-07-01", Trigger: workflows.RevisionScheduled, StartedBy: "system"}
}

func proposal(p, after string) activities.CalculateRevisionResult {
	return activities.CalculateRevisionResult{Proposal: p, Eligible: p != activities.ProposalEnd, After: decimal.RequireFromString(after)}
}

func revisionResult(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.RevisionResult {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.RevisionResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

// TestRevisionNoChange: the same amount is recorded with the next date,
// without a task or a decision.
func TestRevisionNoChange(t *testing.T) {
	env, log := revisionEnv(t, "87.91", proposal(activities.ProposalNoChange, "87.91"))
	env.ExecuteWorkflow(workflows.Revision, revisionInput())
	res := revisionResult(t, env)
	require.Equal(t, "no_change", res.State)
	require.Equal(t, "2025-01-01", res.NextRevision)
	require.Empty(t, log.tasks, "no change takes nobody's time")
	require.Nil(t, log.decided, "no change, no decision")
	require.Equal(t, "no_change", log.completed.State)
}

// TestRevisionNoChangeWithASilentRegistry: a registry that did not answer
// puts even an unchanged amount before a caseworker, who may ask again.
func TestRevisionNoChangeWithASilentRegistry(t *testing.T) {
	env, log := revisionEnv(t, "87.91", proposal(activities.ProposalNoChange, "87.91"))
	log.silent = []domain.Source{"tax"}
	rv := complete(env, 3*time.Hour, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	in := revisionInput()
	in.EvidenceWait = time.Hour
	env.ExecuteWorkflow(workflows.Revision, in)
	res := revisionResult(t, env)
	require.NoError(t, rv.err)
	require.Equal(t, "no_change", res.State)
	require.Equal(t, []string{workflows.TaskRevisionReview}, log.tasks)
	require.Nil(t, log.decided)
}

// TestRevisionFallWithFourEyes: a lower amount is accepted by a
// caseworker and approved by a supervisor who is not that caseworker,
// days later (time skipped); the decision changes the right from the
// first day of the month after the approval.
func TestRevisionFallWithFourEyes(t *testing.T) {
	env, log := revisionEnv(t, "87.91", proposal(activities.ProposalChange, "50.00"))
	rv := complete(env, 2*24*time.Hour, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	own := complete(env, 3*24*time.Hour, "approval-1", "approve", "ana.caseworker", domain.RoleSupervisor, nil)
	caseworker := complete(env, 3*24*time.Hour+time.Minute, "approval-1", "approve", "ivan.caseworker", domain.RoleCaseworker, nil)
	ap := complete(env, 25*24*time.Hour, "approval-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.Revision, revisionInput())
	res := revisionResult(t, env)
	require.NoError(t, rv.err)
	requireCode(t, own, domain.CodeForbidden)
	requireCode(t, caseworker, domain.CodeForbidden)
	require.NoError(t, ap.err)
	require.Equal(t, []string{workflows.TaskRevisionReview, workflows.TaskRevisionApprov}, log.tasks)
	require.Equal(t, "changed", res.State)
	require.Equal(t, "csr-podgorica/2024/00002", res.DecisionNumber)
	require.Equal(t, "ana.caseworker", log.decided.PreparedBy)
	require.Equal(t, "marko.supervisor", log.decided.ApprovedBy)
	require.Equal(t, "50.00", log.decided.Amount.StringFixed(2))
	// approved on 4 August: the new amount from 1 September
	require.Equal(t, "2024-09-01", log.decided.From.Format(time.DateOnly))
	require.Equal(t, "2024-09-01", res.From)
	require.Equal(t, "changed", log.completed.State)
	require.Equal(t, "d2", log.completed.DecisionID)
}

// TestRevisionEnd: an ineligible household's right ends; the supervisor
// sends it back once (a reason is required), the caseworker has it
// recalculated, and the second round ends the right from next month.
func TestRevisionEnd(t *testing.T) {
	env, log := revisionEnv(t, "87.91", proposal(activities.ProposalEnd, "0"))
	complete(env, time.Hour, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	noReason := complete(env, 2*time.Hour, "approval-1", "send_back", "marko.supervisor", domain.RoleSupervisor, nil)
	back := complete(env, 3*time.Hour, "approval-1", "send_back", "marko.supervisor", domain.RoleSupervisor, map[string]string{"reason": "check the land again"})
	again := complete(env, 4*time.Hour, "review-2", "recalculate", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, 5*time.Hour, "review-3", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, 6*time.Hour, "approval-3", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.Revision, revisionInput())
	res := revisionResult(t, env)
	requireCode(t, noReason, domain.CodeInvalid)
	require.NoError(t, back.err)
	require.NoError(t, again.err)
	require.Equal(t, 3, log.calcs, "calculated on each of three rounds")
	require.Equal(t, "ended", res.State)
	require.Equal(t, "", res.NextRevision)
	require.Equal(t, activities.ProposalEnd, log.decided.Proposal)
	require.Equal(t, "2024-08-01", log.decided.From.Format(time.DateOnly))
}

// TestRevisionRise: a higher amount is the caseworker's decision alone;
// what the recalculation prepared, the caseworker approves.
func TestRevisionRise(t *testing.T) {
	env, log := revisionEnv(t, "50.00", proposal(activities.ProposalChange, "87.91"))
	complete(env, time.Hour, "review-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	env.ExecuteWorkflow(workflows.Revision, revisionInput())
	res := revisionResult(t, env)
	require.Equal(t, "changed", res.State)
	require.Equal(t, []string{workflows.TaskRevisionReview}, log.tasks)
	require.Equal(t, "system", log.decided.PreparedBy)
	require.Equal(t, "ana.caseworker", log.decided.ApprovedBy)
}

// TestRevisionOfAnEndedRight ends as refused with the store's reason.
func TestRevisionOfAnEndedRight(t *testing.T) {
	env, log := revisionEnv(t, "0", proposal(activities.ProposalNoChange, "0"))
	log.startErr = temporal.NewNonRetryableApplicationError("the right e1 has ended on 2024-05-31: there is nothing to revise", domain.CodeConflict, nil)
	env.ExecuteWorkflow(workflows.Revision, revisionInput())
	res := revisionResult(t, env)
	require.Equal(t, "refused", res.State)
	require.Contains(t, res.Reason, "has ended")
	require.Zero(t, log.calcs)
	require.Nil(t, log.completed)
}

func dueRight(id, due string) activities.DueRight {
	d, _ := time.Parse(time.DateOnly, due)
	return activities.DueRight{EntitlementID: id, Due: d}
}

// TestRevisionSweepStartsABatch: the sweep pages through the due rights
// with its cursor and starts one revision per right, with the right's due
// date in the id; after its pages it continues as new with the cursor.
func TestRevisionSweepStartsABatch(t *testing.T) {
	env := newEnv(t)
	env.SetStartTime(revisionStart)
	env.RegisterWorkflowWithOptions(workflows.RevisionSweep, workflow.RegisterOptions{Name: workflows.NameRevisionSweep})
	env.RegisterWorkflowWithOptions(workflows.Revision, workflow.RegisterOptions{Name: workflows.NameRevision})
	pages := [][]activities.DueRight{
		{dueRight("e1", "2024-07-01"), dueRight("e2", "2024-07-01")},
		{dueRight("e3", "2024-07-10")},
	}
	var cursors []string
	env.OnActivity(a.DueRevisions, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DueRevisionsInput) (activities.DueRevisionsResult, error) {
			require.Equal(t, "2024-07-10", in.Day.Format(time.DateOnly))
			require.Equal(t, 2, in.Limit)
			cursors = append(cursors, in.After.EntitlementID)
			return activities.DueRevisionsResult{Rights: pages[len(cursors)-1]}, nil
		})
	var started []string
	env.OnWorkflow(workflows.NameRevision, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in workflows.RevisionInput) (workflows.RevisionResult, error) {
			require.Equal(t, workflows.RevisionScheduled, in.Trigger)
			started = append(started, workflow.GetInfo(ctx).WorkflowExecution.ID)
			return workflows.RevisionResult{State: "no_change"}, nil
		})
	env.ExecuteWorkflow(workflows.RevisionSweep, workflows.RevisionSweepInput{Batch: 2})
	require.NoError(t, env.GetWorkflowError())
	var res workflows.RevisionSweepResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.RevisionSweepResult{Day: "2024-07-10", Due: 3, Started: 3, Runs: 1}, res)
	require.Equal(t, []string{"", "e2"}, cursors, "the second page starts after the first's last right")
	require.ElementsMatch(t, []string{"revision/e1/2024-07-01", "revision/e2/2024-07-01", "revision/e3/2024-07-10"}, started)

	// One page per run: a full page continues as new, carrying the cursor and the counts.
	env = newEnv(t)
	env.SetStartTime(revisionStart)
	env.RegisterWorkflowWithOptions(workflows.Revision, workflow.RegisterOptions{Name: workflows.NameRevision})
	env.OnActivity(a.DueRevisions, mock.Anything, mock.Anything).Return(activities.DueRevisionsResult{Rights: pages[0]}, nil)
	env.OnWorkflow(workflows.NameRevision, mock.Anything, mock.Anything).Return(workflows.RevisionResult{}, nil)
	env.ExecuteWorkflow(workflows.RevisionSweep, workflows.RevisionSweepInput{Batch: 2, BatchesPerRun: 1})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "%v", env.GetWorkflowError())
	var next workflows.RevisionSweepInput
	require.NoError(t, decodeSweepInput(can, &next))
	require.Equal(t, "e2", next.After.EntitlementID)
	require.Equal(t, "2024-07-10", next.Day)
	require.Equal(t, 2, next.Carried.Started)
}

func decodeSweepInput(can *workflow.ContinueAsNewError, out *workflows.RevisionSweepInput) error {
	payloads := can.Input.GetPayloads()
	if len(payloads) != 1 {
		return fmt.Errorf("%d inputs", len(payloads))
	}
	return json.Unmarshal(payloads[0].GetData(), out)
}
