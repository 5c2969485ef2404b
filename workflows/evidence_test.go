package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

var a *activities.Activities

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(workflows.RefreshEvidence)
	env.RegisterActivity(a)
	return env
}

func isSource(s domain.Source) func(activities.FetchEvidenceInput) bool {
	return func(in activities.FetchEvidenceInput) bool { return in.Source == s }
}

func TestRefreshEvidenceAsksEveryRegistry(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.MarkEvidencePending, mock.Anything, mock.MatchedBy(func(in activities.MarkEvidencePendingInput) bool {
		return len(in.Sources) == 10 && in.PersonID == "p1"
	})).Return(nil).Once()
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.FetchEvidenceInput) (activities.FetchEvidenceResult, error) {
			if in.Issue != "CASE-7" {
				return activities.FetchEvidenceResult{}, errors.New("issue not passed")
			}
			return activities.FetchEvidenceResult{RequestID: "r-" + string(in.Source), Changes: []string{"x:initial"}}, nil
		}).Times(10)
	env.ExecuteWorkflow(workflows.RefreshEvidence, workflows.RefreshEvidenceInput{PersonID: "p1", Issue: "CASE-7"})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.RefreshEvidenceResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, res.Answered, 10)
	require.Empty(t, res.Failed)
	require.Equal(t, "population/x:initial", res.Changes[0])
	env.AssertExpectations(t)
}

func TestRefreshEvidenceRetriesARegistryThatIsDown(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.MarkEvidencePending, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.MatchedBy(isSource(domain.SourceTax))).
		Return(activities.FetchEvidenceResult{}, errors.New("registry unavailable: tax answered 503")).Times(3)
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.MatchedBy(isSource(domain.SourceTax))).
		Return(activities.FetchEvidenceResult{RequestID: "late"}, nil).Once()
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.Anything).Return(activities.FetchEvidenceResult{RequestID: "r"}, nil)
	start := env.Now()
	env.ExecuteWorkflow(workflows.RefreshEvidence, workflows.RefreshEvidenceInput{PersonID: "p1"})
	require.NoError(t, env.GetWorkflowError())
	var res workflows.RefreshEvidenceResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, res.Answered, 10)
	require.Empty(t, res.Failed)
	// Backoff 0.5 s, 1 s, 2 s: the workflow waited (in skipped time) for the tax registry.
	require.GreaterOrEqual(t, env.Now().Sub(start), 3*time.Second)
	env.AssertExpectations(t)
}

func TestRefreshEvidenceGivesUpWithoutRecordingAnything(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.MarkEvidencePending, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.MatchedBy(isSource(domain.SourcePension))).
		Return(activities.FetchEvidenceResult{}, errors.New("registry unavailable: pension answered 503"))
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.MatchedBy(isSource(domain.SourceEducation))).
		Return(activities.FetchEvidenceResult{}, temporal.NewNonRetryableApplicationError("refused", domain.CodeInvalid, nil)).Once()
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.Anything).Return(activities.FetchEvidenceResult{RequestID: "r"}, nil)
	var gaveUp []domain.Source
	env.OnActivity(a.GiveUpSource, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.GiveUpSourceInput) error {
		gaveUp = append(gaveUp, in.Source)
		return nil
	})
	start := env.Now()
	env.ExecuteWorkflow(workflows.RefreshEvidence, workflows.RefreshEvidenceInput{PersonID: "p1", GiveUpAfter: 10 * time.Minute})
	require.NoError(t, env.GetWorkflowError())
	var res workflows.RefreshEvidenceResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, []domain.Source{domain.SourcePension, domain.SourceEducation}, res.Failed)
	require.ElementsMatch(t, []domain.Source{domain.SourcePension, domain.SourceEducation}, gaveUp)
	require.Len(t, res.Answered, 8)
	// The test environment stops retrying after ten attempts rather than at
	// the schedule-to-close deadline; ten attempts with this backoff span 3 min.
	require.GreaterOrEqual(t, env.Now().Sub(start), 3*time.Minute, "the refresh kept retrying the pension fund before it gave up")
}
