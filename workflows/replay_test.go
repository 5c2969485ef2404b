package workflows_test

import (
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/workflows"
)

// TestReplayRecordedHistories replays histories recorded from the real
// stack (testdata/, written by the whole-system tests with
// KARTON_WRITE_HISTORIES=<dir>) against today's workflow code. A change
// that would break a running procedure fails here; such a change goes
// behind workflow.GetVersion, and the old history stays.
//
// BenefitClaim's histories are not here: the SDK's standalone replayer
// (v1.50) does not deliver its Updates where a live worker does, and reports
// nondeterminism on histories a live worker replays without fault. The
// claim's replay is proved instead by the whole-system test, which drops the
// worker's workflow cache mid-claim (as a restart does) and finishes the
// claim on a full replay.
func TestReplayRecordedHistories(t *testing.T) {
	for file, register := range map[string]func(worker.WorkflowReplayer){
		"testdata/refresh_evidence.json": func(r worker.WorkflowReplayer) {
			r.RegisterWorkflowWithOptions(workflows.RefreshEvidence, workflow.RegisterOptions{Name: workflows.NameRefreshEvidence})
		},
	} {
		r := worker.NewWorkflowReplayer()
		register(r)
		if err := r.ReplayWorkflowHistoryFromJSONFile(nil, file); err != nil {
			t.Errorf("replay %s: %v", file, err)
		}
	}
}
