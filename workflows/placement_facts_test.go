package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/workflows"
)

// TestPlacementFacts: the refresh asks for the day of its clock (the
// schedule passes none) and returns the activity's months and counts; a
// bad day fails at once, before any activity.
func TestPlacementFacts(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2026, 12, 1, 4, 15, 0, 0, time.UTC))
	var a *activities.Activities
	env.RegisterActivity(a)
	want := activities.PlacementFactsResult{Previous: "2026-11", Current: "2026-12", PreviousRows: 7, CurrentRows: 6}
	env.OnActivity(a.RefreshPlacementFacts, mock.Anything, activities.PlacementFactsInput{Day: "2026-12-01"}).Return(want, nil).Once()
	env.ExecuteWorkflow(workflows.PlacementFacts, workflows.PlacementFactsInput{})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("refresh: %v", env.GetWorkflowError())
	}
	var res activities.PlacementFactsResult
	if err := env.GetWorkflowResult(&res); err != nil || res != want {
		t.Errorf("result = %+v %v", res, err)
	}
	env.AssertExpectations(t)

	bad := s.NewTestWorkflowEnvironment()
	bad.RegisterActivity(a)
	bad.ExecuteWorkflow(workflows.PlacementFacts, workflows.PlacementFactsInput{Day: "2026-12-32"})
	if bad.GetWorkflowError() == nil {
		t.Error("a bad day accepted")
	}
}
