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
	r.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
	r.RegisterWorkflowWithOptions(workflows.Case, workflow.RegisterOptions{Name: workflows.NameCase})
	r.RegisterWorkflowWithOptions(workflows.ViolenceNotification, workflow.RegisterOptions{Name: workflows.NameViolenceNotification})
	r.RegisterWorkflowWithOptions(workflows.Activation, workflow.RegisterOptions{Name: workflows.NameActivation})
	r.RegisterWorkflowWithOptions(workflows.Appeal, workflow.RegisterOptions{Name: workflows.NameAppeal})
	r.RegisterWorkflowWithOptions(workflows.DecisionFinality, workflow.RegisterOptions{Name: workflows.NameFinality})
	r.RegisterWorkflowWithOptions(workflows.Revision, workflow.RegisterOptions{Name: workflows.NameRevision})
	r.RegisterWorkflowWithOptions(workflows.RevisionSweep, workflow.RegisterOptions{Name: workflows.NameRevisionSweep})
	r.RegisterWorkflowWithOptions(workflows.PollChanges, workflow.RegisterOptions{Name: workflows.NamePollChanges})
	r.RegisterWorkflowWithOptions(workflows.ChangeFollowUp, workflow.RegisterOptions{Name: workflows.NameChangeFollowUp})
	r.RegisterWorkflowWithOptions(workflows.Refund, workflow.RegisterOptions{Name: workflows.NameRefund})
	r.RegisterWorkflowWithOptions(workflows.WaitingListReminders, workflow.RegisterOptions{Name: workflows.NameWaitingListReminders})
	r.RegisterWorkflowWithOptions(workflows.LicenceSweep, workflow.RegisterOptions{Name: workflows.NameLicenceSweep})
	r.RegisterWorkflowWithOptions(workflows.PlacementFacts, workflow.RegisterOptions{Name: workflows.NamePlacementFacts})
	r.RegisterWorkflowWithOptions(workflows.Licence, workflow.RegisterOptions{Name: workflows.NameLicence})
	r.RegisterWorkflowWithOptions(workflows.Placement, workflow.RegisterOptions{Name: workflows.NamePlacement})
	r.RegisterWorkflowWithOptions(workflows.ServiceReferral, workflow.RegisterOptions{Name: workflows.NameServiceReferral})
	r.RegisterWorkflowWithOptions(workflows.AgricultureImport, workflow.RegisterOptions{Name: workflows.NameAgricultureImport})
	r.RegisterWorkflowWithOptions(workflows.AgricultureConflict, workflow.RegisterOptions{Name: workflows.NameAgricultureConflict})
	r.RegisterWorkflowWithOptions(workflows.ElectricityExport, workflow.RegisterOptions{Name: workflows.NameElectricityExport})
	r.RegisterWorkflowWithOptions(workflows.ScheduledElectricity, workflow.RegisterOptions{Name: workflows.NameScheduledElectricity})
	r.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}

// CacheSize is how many workflows the process keeps in memory between
// their steps (Temporal's sticky cache; the SDK's default is 10,000). A
// case waits months on its timers: beyond this many, the least recently
// used are dropped and replayed from their history when they wake, so
// the worker's memory stays flat however many cases are open.
const CacheSize = 2000

// SetCacheSize sizes the cache to CacheSize. The cache is the process's,
// made by its first SDK worker, which in `karton dev` is one of the
// embedded Temporal server's own: call it before anything starts a worker
// (karton worker and devstack/system.Start, which karton dev, the system
// tests and the benchmarks start from, do it first).
func SetCacheSize() { sdkworker.SetStickyWorkflowCacheSize(CacheSize) }

// New returns a worker on Karton's task queue with everything registered.
func New(c client.Client, a *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		MaxConcurrentActivityExecutionSize:     200,
		MaxConcurrentWorkflowTaskExecutionSize: 100,
	})
	Register(w, a)
	return w
}
