package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
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

// fetchAll answers every source but those in failed (unavailable) and
// refused (4xx), as the FetchAllEvidence activity does.
func fetchAll(failed, refused []domain.Source) func(context.Context, activities.FetchAllEvidenceInput) (activities.FetchAllEvidenceResult, error) {
	return func(_ context.Context, in activities.FetchAllEvidenceInput) (activities.FetchAllEvidenceResult, error) {
		out := activities.FetchAllEvidenceResult{Answered: make([]activities.FetchEvidenceResult, len(in.Sources))}
		for i, s := range in.Sources {
			switch {
			case slices.Contains(failed, s):
				out.Failed = append(out.Failed, s)
			case slices.Contains(refused, s):
				out.Refused = append(out.Refused, s)
			default:
				out.Answered[i] = activities.FetchEvidenceResult{RequestID: "r-" + string(s), Changes: []string{"x:initial"}}
			}
		}
		return out, nil
	}
}

func TestRefreshEvidenceAsksEveryRegistry(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.MarkEvidencePending, mock.Anything, mock.MatchedBy(func(in activities.MarkEvidencePendingInput) bool {
		return len(in.Sources) == 10 && in.PersonID == "p1"
	})).Return(nil).Once()
	env.OnActivity(a.FetchAllEvidence, mock.Anything, mock.MatchedBy(func(in activities.FetchAllEvidenceInput) bool {
		return in.Issue == "CASE-7" && len(in.Sources) == 10
	})).Return(fetchAll(nil, nil)).Once()
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
	env.OnActivity(a.FetchAllEvidence, mock.Anything, mock.Anything).Return(fetchAll([]domain.Source{domain.SourceTax}, nil))
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.MatchedBy(isSource(domain.SourceTax))).
		Return(activities.FetchEvidenceResult{}, errors.New("registry unavailable: tax answered 503")).Times(3)
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.MatchedBy(isSource(domain.SourceTax))).
		Return(activities.FetchEvidenceResult{RequestID: "late"}, nil).Once()
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
	env.OnActivity(a.FetchAllEvidence, mock.Anything, mock.Anything).Return(fetchAll([]domain.Source{domain.SourcePension}, []domain.Source{domain.SourceEducation}))
	env.OnActivity(a.FetchEvidence, mock.Anything, mock.MatchedBy(isSource(domain.SourcePension))).
		Return(activities.FetchEvidenceResult{}, errors.New("registry unavailable: pension answered 503"))
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
	require.Equal(t, []domain.Source{domain.SourcePension, domain.SourceEducation}, gaveUp)
	require.Len(t, res.Answered, 8)
	// The test environment stops retrying after ten attempts rather than at
	// the schedule-to-close deadline; ten attempts with this backoff span 3 min.
	require.GreaterOrEqual(t, env.Now().Sub(start), 3*time.Minute, "the refresh kept retrying the pension fund before it gave up")
}
