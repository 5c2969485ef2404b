package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// TestPollChangesAppliesEachChangeOnce: a poll reads every feed (one down
// is counted and left for the next poll), makes the day's adulthood check
// once, applies each change, starts a revision for a proposal and a
// follow-up for a death's tasks, records each change's state, and
// continues as new when a page was full; a change that fails stays for the
// next poll.
func TestPollChangesAppliesEachChangeOnce(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.PollChanges)
	env.SetStartTime(time.Date(2026, 3, 16, 1, 0, 0, 0, time.UTC))
	var revisions []workflows.RevisionInput
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.RevisionInput) (workflows.RevisionResult, error) {
		revisions = append(revisions, in)
		return workflows.RevisionResult{State: "no_change"}, nil
	}, workflow.RegisterOptions{Name: workflows.NameRevision})
	var followUps []workflows.ChangeFollowUpInput
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.ChangeFollowUpInput) error {
		followUps = append(followUps, in)
		return nil
	}, workflow.RegisterOptions{Name: workflows.NameChangeFollowUp})
	feeds := map[domain.Source]int{}
	env.OnActivity(a.PollFeed, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PollFeedInput) (activities.PollFeedResult, error) {
		feeds[in.Feed]++
		if in.Feed == domain.SourceTax {
			return activities.PollFeedResult{}, context.DeadlineExceeded
		}
		return activities.PollFeedResult{Stored: 1}, nil
	})
	var days []string
	env.OnActivity(a.NextChanges, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.NextChangesInput) (activities.NextChangesResult, error) {
		days = append(days, in.Day)
		if len(days) == 1 {
			return activities.NextChangesResult{IDs: []string{"death-1", "income-1", "broken-1"}, Adulthood: 1}, nil
		}
		return activities.NextChangesResult{IDs: []string{"again-1"}}, nil
	})
	env.OnActivity(a.ApplyChange, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ApplyChangeInput) (activities.ApplyChangeResult, error) {
		require.Equal(t, workflows.ChangeID(in.ID), in.WorkflowID)
		switch in.ID {
		case "death-1":
			return activities.ApplyChangeResult{State: domain.ChangeApplied, Tasks: []activities.ChangeTask{{ID: "change:death-1:close-e1", Step: "close-e1",
				EntitlementID: "e1", PersonID: "p1", CentreID: "csr-podgorica"}}, Revise: []string{"e2"},
				Outcome: []store.ChangeOutcome{{EntitlementID: "e1", Action: "ended"}, {EntitlementID: "e2", Action: "proposed"}}}, nil
		case "income-1":
			return activities.ApplyChangeResult{State: domain.ChangeProposed, Revise: []string{"e3"}}, nil
		case "again-1":
			return activities.ApplyChangeResult{Done: true, State: domain.ChangeApplied}, nil
		}
		return activities.ApplyChangeResult{}, context.Canceled
	})
	finished := map[string]string{}
	env.OnActivity(a.FinishChange, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FinishChangeInput) error {
		finished[in.ID] = in.State
		return nil
	})
	// the first run's page is full (Limit 3): it continues as new
	env.ExecuteWorkflow(workflows.PollChanges, workflows.PollChangesInput{Limit: 3})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	var cont *workflow.ContinueAsNewError
	require.ErrorAs(t, err, &cont, "a full page continues as new")
	var next workflows.PollChangesInput
	require.NoError(t, converterOf(cont, &next))
	res := next.Carried
	require.Equal(t, "2026-03-16", next.Day)
	require.Len(t, feeds, len(domain.ChangeFeeds()), "every feed read once")
	require.Equal(t, []string{"2026-03-16"}, days, "the adulthood check made on the day")
	require.Equal(t, workflows.PollChangesResult{Stored: len(domain.ChangeFeeds()) - 1, FeedErrors: 1, Adulthood: 1, Applied: 1, Proposed: 1,
		Revisions: 2, FollowUps: 1, Failed: 1, Runs: 1}, res)
	require.Equal(t, map[string]string{"death-1": domain.ChangeApplied, "income-1": domain.ChangeProposed}, finished)
	require.Len(t, followUps, 1)
	require.Equal(t, "death-1", followUps[0].ChangeID)
	require.Len(t, revisions, 2)
	require.Equal(t, workflows.RevisionChange, revisions[0].Trigger)
	require.Equal(t, "death-1", revisions[0].Ref)
	require.Equal(t, "e3", revisions[1].EntitlementID)

	// the continuation reads no feed again and makes no second check
	env2 := newEnv(t)
	env2.RegisterWorkflow(workflows.PollChanges)
	env2.OnActivity(a.NextChanges, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.NextChangesInput) (activities.NextChangesResult, error) {
		require.Empty(t, in.Day, "the continuation makes no adulthood check")
		return activities.NextChangesResult{IDs: []string{"again-1"}}, nil
	})
	env2.OnActivity(a.ApplyChange, mock.Anything, mock.Anything).Return(activities.ApplyChangeResult{Done: true}, nil)
	env2.ExecuteWorkflow(workflows.PollChanges, next)
	require.NoError(t, env2.GetWorkflowError())
	var final workflows.PollChangesResult
	require.NoError(t, env2.GetWorkflowResult(&final))
	require.Equal(t, 2, final.Runs)
	require.Equal(t, 1, final.Applied, "a second delivery is not counted again")
}

// TestChangeFollowUpEscalatesAndCloses: the task to close a right a death
// ended waits; five days on it is escalated to the supervisors; a
// caseworker's "closed" completes it (time skipped); the approval is a
// supervisor's other than the caseworker (four eyes), then the decision
// closing the right is issued by the two.
func TestChangeFollowUpEscalatesAndCloses(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.ChangeFollowUp)
	var created []activities.CreateTaskInput
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CreateTaskInput) error {
		created = append(created, in)
		return nil
	})
	var escalatedTo []domain.Role
	env.OnActivity(a.EscalateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.EscalateTaskInput) error {
		escalatedTo = append(escalatedTo, in.To)
		return nil
	})
	var outcomes []string
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordTaskOutcomeInput) error {
		outcomes = append(outcomes, in.Outcome)
		return nil
	})
	var decided []activities.CloseRightInput
	env.OnActivity(a.CloseRightOnDeath, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CloseRightInput) (activities.CloseRightResult, error) {
		decided = append(decided, in)
		return activities.CloseRightResult{Number: "CSR-PG/2026/7"}, nil
	})
	env.SetStartTime(time.Date(2026, 3, 16, 1, 0, 0, 0, time.UTC))
	env.SetStartWorkflowOptions(startOptions(workflows.ChangeID("death-1")))
	id := workflows.TaskID(workflows.ChangeID("death-1"), "close-e1")
	approve := workflows.TaskID(workflows.ChangeID("death-1"), "close-e1-approve")
	wrong, closed, self, approved := &updateResult{}, &updateResult{}, &updateResult{}, &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, "u1", callbacks{wrong}, workflows.TaskCompletion{TaskID: id, Outcome: "approve",
			By: "ana.caseworker", Role: domain.RoleCaseworker, CentreID: "csr-podgorica"})
	}, 24*time.Hour)
	var escalatedBefore []domain.Role
	env.RegisterDelayedCallback(func() {
		escalatedBefore = append(escalatedBefore, escalatedTo...)
		env.UpdateWorkflow(workflows.UpdateCompleteTask, "u2", callbacks{closed}, workflows.TaskCompletion{TaskID: id, Outcome: "closed",
			By: "ana.caseworker", Role: domain.RoleCaseworker, CentreID: "csr-podgorica"})
	}, 6*24*time.Hour)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, "u3", callbacks{self}, workflows.TaskCompletion{TaskID: approve, Outcome: "approved",
			By: "ana.caseworker", Role: domain.RoleSupervisor, CentreID: "csr-podgorica"})
		env.UpdateWorkflow(workflows.UpdateCompleteTask, "u4", callbacks{approved}, workflows.TaskCompletion{TaskID: approve, Outcome: "approved",
			By: "marko.supervisor", Role: domain.RoleSupervisor, CentreID: "csr-podgorica"})
	}, 7*24*time.Hour)
	env.ExecuteWorkflow(workflows.ChangeFollowUp, workflows.ChangeFollowUpInput{ChangeID: "death-1", Tasks: []activities.ChangeTask{{ID: id,
		Step: "close-e1", EntitlementID: "e1", PersonID: "p1", CentreID: "csr-podgorica"}}})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, []domain.Role{domain.RoleSupervisor}, escalatedBefore, "escalated after five days")
	requireCode(t, wrong, domain.CodeInvalid)
	require.NoError(t, closed.err)
	requireCode(t, self, domain.CodeForbidden)
	require.NoError(t, approved.err)
	require.Equal(t, []string{"closed", "approved"}, outcomes)
	require.Len(t, created, 2)
	require.Equal(t, id, created[0].ID)
	require.Equal(t, activities.TaskChangeCloseRight, created[0].Type)
	require.Equal(t, approve, created[1].ID)
	require.Equal(t, activities.TaskChangeApproveClose, created[1].Type)
	require.Equal(t, domain.RoleSupervisor, created[1].CandidateRole)
	require.Equal(t, []activities.CloseRightInput{{ChangeID: "death-1", EntitlementID: "e1", PreparedBy: "ana.caseworker",
		ApprovedBy: "marko.supervisor", IssuedAt: decided[0].IssuedAt}}, decided)
}

func converterOf(c *workflow.ContinueAsNewError, out any) error {
	return converter.GetDefaultDataConverter().FromPayloads(c.Input, out)
}
