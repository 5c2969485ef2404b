package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/workflows"
)

// TestLicenceSweep: the sweep asks for the day of its clock (the schedule
// passes none) and returns the activity's counts; a bad day fails at once.
func TestLicenceSweep(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2026, 10, 2, 5, 30, 0, 0, time.UTC))
	var a *activities.Activities
	env.RegisterActivity(a)
	env.OnActivity(a.WarnShortLicences, mock.Anything, activities.LicenceWarningsInput{Day: "2026-10-02"}).
		Return(activities.LicenceWarningsResult{Ending: 2, Short: 1, Warnings: 2}, nil).Once()
	env.ExecuteWorkflow(workflows.LicenceSweep, workflows.LicenceSweepInput{})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("sweep: %v", env.GetWorkflowError())
	}
	var res activities.LicenceWarningsResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Warnings != 2 || res.Short != 1 {
		t.Errorf("result = %+v %v", res, err)
	}
	env.AssertExpectations(t)

	bad := s.NewTestWorkflowEnvironment()
	bad.RegisterActivity(a)
	bad.ExecuteWorkflow(workflows.LicenceSweep, workflows.LicenceSweepInput{Day: "2026-13-01"})
	if bad.GetWorkflowError() == nil {
		t.Error("a bad day accepted")
	}
}
