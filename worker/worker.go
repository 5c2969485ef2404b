// Package worker registers Karton's workflows and activities on a Temporal
// worker. It is wiring only.
package worker

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/workflows"
)

// Register puts every workflow and activity on r.
func Register(r sdkworker.Registry, a *activities.Activities) {
	r.RegisterWorkflowWithOptions(workflows.RefreshEvidence, workflow.RegisterOptions{Name: workflows.NameRefreshEvidence})
	r.RegisterWorkflowWithOptions(workflows.BenefitClaim, workflow.RegisterOptions{Name: workflows.NameBenefitClaim})
	r.RegisterWorkflowWithOptions(workflows.Payroll, workflow.RegisterOptions{Name: workflows.NamePayroll})
	r.RegisterWorkflowWithOptions(workflows.ScheduledPayroll, workflow.RegisterOptions{Name: workflows.NameScheduledPayroll})
	r.RegisterWorkflowWithOptions(workflows.CorrectPayeeAccount, workflow.RegisterOptions{Name: workflows.NameCorrectPayeeAccount})
	r.RegisterWorkflowWithOptions(workflows.Trivial, workflow.RegisterOptions{Name: workflows.NameTrivial})
	r.RegisterWorkflowWithOptions(workflows.Case, workflow.RegisterOptions{Name: workflows.NameCase})
	r.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}

// New returns a worker on Karton's task queue with everything registered.
func New(c client.Client, a *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize:     200,
		MaxConcurrentWorkflowTaskExecutionSize: 100,
	})
	Register(w, a)
	return w
}
