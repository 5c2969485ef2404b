package cluster

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The rolling-upgrade test's workflow: a small one of its own, on a task
// queue of its own, so that no production workflow is changed to test an
// upgrade. Version 1 waits for a signal and runs one step; version 2
// asks workflow.GetVersion first, as a real change would, and takes a new
// branch (two steps and a timer) in executions that began under it, while
// the executions that began under version 1 (no marker in their history)
// keep the old branch when a version 2 worker replays them.
const (
	RollTaskQueue = "cluster-roll"
	RollWorkflow  = "ClusterRoll"
	RollSignal    = "go"
	RollChange    = "roll-branch" // the change id given to GetVersion
	rollStep      = "ClusterRollStep"
)

// rollV1 is the workflow before the change.
func rollV1(ctx workflow.Context) (string, error) {
	workflow.GetSignalChannel(ctx, RollSignal).Receive(ctx, nil)
	var out string
	err := workflow.ExecuteActivity(rollOptions(ctx), rollStep, "old").Get(ctx, &out)
	return out, err
}

// rollV2 is the workflow after the change.
func rollV2(ctx workflow.Context) (string, error) {
	v := workflow.GetVersion(ctx, RollChange, workflow.DefaultVersion, 1)
	workflow.GetSignalChannel(ctx, RollSignal).Receive(ctx, nil)
	var out string
	if v == workflow.DefaultVersion {
		err := workflow.ExecuteActivity(rollOptions(ctx), rollStep, "old").Get(ctx, &out)
		return out, err
	}
	if err := workflow.Sleep(ctx, 100*time.Millisecond); err != nil {
		return "", err
	}
	var first string
	if err := workflow.ExecuteActivity(rollOptions(ctx), rollStep, "new").Get(ctx, &first); err != nil {
		return "", err
	}
	err := workflow.ExecuteActivity(rollOptions(ctx), rollStep, first+"+checked").Get(ctx, &out)
	return out, err
}

func rollOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
}

// rollStepActivity answers with the branch's name.
func rollStepActivity(_ context.Context, branch string) (string, error) { return branch, nil }

// RegisterRoll registers version 1 or 2 of the test workflow on w.
func RegisterRoll(w worker.Worker, version int) {
	fn := rollV1
	if version == 2 {
		fn = rollV2
	}
	w.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: RollWorkflow})
	w.RegisterActivityWithOptions(rollStepActivity, activity.RegisterOptions{Name: rollStep})
}
