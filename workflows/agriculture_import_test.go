package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

var notPublished = temporal.NewNonRetryableApplicationError("the file of 2026-11 is not published yet", domain.CodeNotFound, nil)

// TestAgricultureImportScheduled: the schedule's run asks for last month's
// file, waits a day at a time while it is not published, imports it by
// ids (the history holds the object's key and counts, no row) and opens a
// conflict's child for each MO holder, the DV compartment's under "dv/".
func TestAgricultureImportScheduled(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.AgricultureImport)
	var children []string
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.AgricultureConflictInput) (workflows.AgricultureConflictResult, error) {
		children = append(children, workflow.GetInfo(ctx).WorkflowExecution.ID)
		require.Equal(t, int64(7), in.FileID)
		return workflows.AgricultureConflictResult{}, nil
	}, workflow.RegisterOptions{Name: workflows.NameAgricultureConflict})
	start := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	env.SetStartTime(start)
	fetches := 0
	env.OnActivity(a.FetchAgricultureFile, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FetchAgricultureFileInput) (activities.AgricultureFileRef, error) {
		require.Equal(t, "2026-11", in.Period)
		fetches++
		if fetches < 3 {
			return activities.AgricultureFileRef{}, notPublished
		}
		return activities.AgricultureFileRef{Key: activities.AgricultureFileKey("ab12"), Hash: "ab12", Size: 90}, nil
	})
	conflicts := []activities.AgricultureConflictRef{
		{PersonID: "p1", CentreID: "csr-podgorica", Period: "2026-11", EntitlementID: "e1"},
		{PersonID: "p2", CentreID: "csr-bar", Period: "2026-11", EntitlementID: "e2", Restricted: true},
	}
	env.OnActivity(a.ImportAgricultureFile, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ImportAgricultureFileInput) (activities.ImportAgricultureFileResult, error) {
		require.Equal(t, "exchanges/agriculture/ab12.csv", in.Key)
		require.Equal(t, "schedule", in.ReceivedBy)
		return activities.ImportAgricultureFileResult{FileID: 7, State: "imported", Period: "2026-11", Rows: 120, Conflicts: conflicts}, nil
	})
	env.ExecuteWorkflow(workflows.AgricultureImport, workflows.AgricultureImportInput{ReceivedBy: "schedule"})
	require.NoError(t, env.GetWorkflowError())
	var res workflows.AgricultureImportResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.AgricultureImportResult{FileID: 7, State: "imported", Period: "2026-11", Rows: 120, Conflicts: 2, Tasks: 2}, res)
	require.Equal(t, 3, fetches)
	require.Equal(t, 48*time.Hour, env.Now().Sub(start).Truncate(time.Hour), "asked again a day later, twice")
	require.ElementsMatch(t, []string{"agriculture-conflict/p1/2026-11", "dv/agriculture-conflict/p2/2026-11"}, children)
}

// TestAgricultureImportNotPublished: a month never published ends the run
// after AgricultureWaits days, saying so.
func TestAgricultureImportNotPublished(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.AgricultureImport)
	env.SetStartTime(time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC))
	env.OnActivity(a.FetchAgricultureFile, mock.Anything, mock.Anything).Return(activities.AgricultureFileRef{}, notPublished).Times(workflows.AgricultureWaits)
	env.ExecuteWorkflow(workflows.AgricultureImport, workflows.AgricultureImportInput{Period: "2026-11", ReceivedBy: "schedule"})
	require.NoError(t, env.GetWorkflowError())
	var res workflows.AgricultureImportResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.True(t, res.NotPublished)
	require.Equal(t, "not_published", res.State)
	env.AssertExpectations(t)
}

// TestAgricultureImportUploadedRefused: an uploaded file is not fetched;
// a refused file is a result with its count of faults, and no conflict.
func TestAgricultureImportUploadedRefused(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.AgricultureImport)
	env.OnActivity(a.ImportAgricultureFile, mock.Anything, mock.Anything).Return(activities.ImportAgricultureFileResult{FileID: 3, State: "refused", Faults: 4}, nil)
	ref := &activities.AgricultureFileRef{Key: activities.AgricultureFileKey("cd34"), Hash: "cd34"}
	env.ExecuteWorkflow(workflows.AgricultureImport, workflows.AgricultureImportInput{File: ref, ReceivedBy: "fiona.finance"})
	require.NoError(t, env.GetWorkflowError())
	var res workflows.AgricultureImportResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.AgricultureImportResult{FileID: 3, State: "refused", Faults: 4}, res)
}

// TestAgricultureConflict: the centre's caseworkers get the task, escalated
// to the supervisors after two weeks; another centre is refused; "revise"
// starts a revision of the MO right.
func TestAgricultureConflict(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.AgricultureConflict)
	var revisions []workflows.RevisionInput
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.RevisionInput) (workflows.RevisionResult, error) {
		revisions = append(revisions, in)
		return workflows.RevisionResult{State: "no_change"}, nil
	}, workflow.RegisterOptions{Name: workflows.NameRevision})
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
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(nil)
	c := activities.AgricultureConflictRef{PersonID: "p1", CentreID: "csr-podgorica", Period: "2026-11", EntitlementID: "e1"}
	id := workflows.AgricultureConflictID(c)
	env.SetStartTime(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	env.SetStartWorkflowOptions(startOptions(id))
	task := workflows.TaskID(id, "review")
	other, revise := &updateResult{}, &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, "u1", callbacks{other}, workflows.TaskCompletion{TaskID: task, Outcome: "revise",
			By: "bojan.caseworker", Role: domain.RoleCaseworker, CentreID: "csr-bar"})
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, "u2", callbacks{revise}, workflows.TaskCompletion{TaskID: task, Outcome: "revise",
			By: "ana.caseworker", Role: domain.RoleCaseworker, CentreID: "csr-podgorica"})
	}, 15*24*time.Hour)
	env.ExecuteWorkflow(workflows.AgricultureConflict, workflows.AgricultureConflictInput{Conflict: c, FileID: 7})
	require.NoError(t, env.GetWorkflowError())
	requireCode(t, other, domain.CodeForbidden)
	require.NoError(t, revise.err)
	require.Len(t, created, 1)
	require.Equal(t, activities.TaskAgricultureConflict, created[0].Type)
	require.Equal(t, "csr-podgorica", created[0].CentreID)
	require.Equal(t, domain.PersonID("p1"), created[0].PersonID)
	require.Equal(t, domain.RoleCaseworker, created[0].CandidateRole)
	require.Equal(t, []domain.Role{domain.RoleSupervisor}, escalatedTo)
	require.Len(t, revisions, 1)
	require.Equal(t, "e1", revisions[0].EntitlementID)
	require.Equal(t, workflows.RevisionManual, revisions[0].Trigger)
	require.Equal(t, "ana.caseworker", revisions[0].StartedBy)
	var res workflows.AgricultureConflictResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, "revise", res.Outcome)
	require.Equal(t, "revision/e1/2026-12-21", res.Revision)
}
