//go:build cluster

package cluster_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/devstack/cluster"
)

// TestRollingUpgrade changes a workflow's code behind workflow.GetVersion
// while executions are open on the cluster: two workers of version 1 run
// the test workflow (devstack/cluster/roll.go, on a task queue of its
// own); executions are started; the workers are replaced one by one by
// version 2 (each new one polling before the old one stops, as a rolling
// update with maxUnavailable 0 does); more executions are started during
// and after the roll. Then every execution is signalled and must finish
// on its own branch: those begun under version 1 on the old one (replayed
// by version 2 workers without a non-determinism error), those begun
// after the roll on the new one, and those begun during it on the branch
// their history's version marker says.
func TestRollingUpgrade(t *testing.T) {
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "rollworker")
	build := exec.Command("go", "build", "-o", bin, "./devstack/cluster/rollworker")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the roll worker: %v\n%s", err, out)
	}
	start := func(name string, version int) {
		t.Helper()
		p := &cluster.Proc{Name: name, Path: bin, Env: []string{"TEMPORAL_ADDRESS=" + cl.FrontendAddress(), fmt.Sprintf("ROLL_VERSION=%d", version)}}
		if err := cl.Supervise(p); err != nil {
			t.Fatal(err)
		}
		waitFor(t, time.Minute, name+" polling", func() bool { return cl.Polling(ctx, cluster.RollTaskQueue, p.Pid()) })
	}
	start("roll-v1-a", 1)
	start("roll-v1-b", 1)

	type execution struct {
		id, when string
	}
	var execs []execution
	open := func(when string, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("roll/%s/%d/%d", when, time.Now().UnixNano(), i)
			if _, err := cl.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: cluster.RollTaskQueue}, cluster.RollWorkflow); err != nil {
				t.Fatalf("start %s: %v", id, err)
			}
			execs = append(execs, execution{id, when})
		}
	}
	open("before", 10)
	// Every execution's first workflow task done by a version 1 worker:
	// their histories carry no version marker.
	for _, e := range execs {
		waitFor(t, time.Minute, e.id+"'s first workflow task", func() bool { return hasEvent(t, e.id, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) })
	}
	time.Sleep(time.Second)

	// The roll: one worker at a time, the new one polling before the old
	// one stops.
	start("roll-v2-a", 2)
	open("during", 10)
	cl.StopProc("roll-v1-a")
	open("during", 10)
	start("roll-v2-b", 2)
	cl.StopProc("roll-v1-b")
	// The versions 1 are gone: Temporal drops their pollers from its list
	// after a minute, but no task goes to a stopped process.
	open("after", 10)

	for _, e := range execs {
		if err := cl.Temporal.SignalWorkflow(ctx, e.id, "", cluster.RollSignal, nil); err != nil {
			t.Fatalf("signal %s: %v", e.id, err)
		}
	}
	counts := map[string]map[string]int{}
	for _, e := range execs {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		var out string
		err := cl.Temporal.GetWorkflow(cctx, e.id, "").Get(cctx, &out)
		cancel()
		if err != nil {
			t.Errorf("%s (%s the roll): %v", e.id, e.when, err)
			continue
		}
		marker := hasVersionMarker(t, e.id)
		want := "old"
		if marker {
			want = "new+checked"
		}
		switch {
		case e.when == "before" && (out != "old" || marker):
			t.Errorf("%s, begun under version 1: finished %q (marker %v); want the old branch", e.id, out, marker)
		case e.when == "after" && out != "new+checked":
			t.Errorf("%s, begun after the roll: finished %q; want the new branch", e.id, out)
		case out != want:
			t.Errorf("%s (%s the roll): finished %q with version marker %v; want %q", e.id, e.when, out, marker, want)
		}
		if counts[e.when] == nil {
			counts[e.when] = map[string]int{}
		}
		counts[e.when][out]++
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nRolling upgrade: %d executions of the test workflow, branch each finished on:\n", len(execs))
	for _, when := range []string{"before", "during", "after"} {
		fmt.Fprintf(&sb, "  begun %-6s the roll: %v\n", when, counts[when])
	}
	fmt.Print(sb.String())
	if f := os.Getenv("CLUSTER_RESULTS"); f != "" {
		prev, _ := os.ReadFile(f)
		_ = os.WriteFile(f, append(prev, sb.String()...), 0o644)
	}
	cl.StopProc("roll-v2-a")
	cl.StopProc("roll-v2-b")
}

// hasVersionMarker says whether the execution's history records the
// change's version (it began under version 2).
func hasVersionMarker(t *testing.T, id string) bool {
	return hasEvent(t, id, enumspb.EVENT_TYPE_MARKER_RECORDED)
}

// hasEvent says whether the execution's history has an event of type typ.
func hasEvent(t *testing.T, id string, typ enumspb.EventType) bool {
	t.Helper()
	it := cl.Temporal.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		if ev.GetEventType() == typ {
			return true
		}
	}
	return false
}
