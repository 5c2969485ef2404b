package workflows_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/worker"
)

var updateCalls = flag.Bool("update-calls", false, "rewrite testdata/*.calls from what today's code does on replay")

// TestReplayRecordedHistories replays every history recorded from the real
// stack (testdata/*.json) against today's workflow code, with the
// workflows registered under the names the worker gives them. A change
// that would break a running procedure (another command, or the same in
// another order) fails here; such a change goes behind
// workflow.GetVersion, and the old history stays.
//
// The replayer compares the commands' kinds and ids, not their arguments,
// so each replay also logs every call the code makes (activities, local
// activities, timers, child workflows, signals, versions, side effects,
// continue-as-new) with its arguments and options, and compares the log
// with testdata/<history>.calls. A refactoring keeps them as they are;
// `go test ./workflows/ -run TestReplay -update-calls` rewrites them after
// a change meant to change them.
//
// The histories are recorded by e2e's TestRecordHistories:
//
//	KARTON_RECORD_HISTORIES=$PWD/workflows/testdata go test ./e2e/ -run TestRecordHistories -count=1 -timeout 30m
//
// (it writes only the histories not yet here; -run 'TestRecordHistories/<procedure>$'
// drives only that procedure; -run 'TestReplayRecordedHistories/^<history>.json$'
// -update-calls writes only that history's calls).
//
// (refresh_evidence.json is older, recorded by TestWholeSystem with
// KARTON_WRITE_HISTORIES before payloads were encrypted.)
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories in testdata/ (%v)", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			calls := replay(t, file)
			golden := strings.TrimSuffix(file, ".json") + ".calls"
			if *updateCalls {
				if err := os.WriteFile(golden, []byte(calls), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./workflows/ -run TestReplay -update-calls writes it)", err)
			}
			if calls != string(want) {
				t.Errorf("replaying %s, the code's calls differ from %s:\n%s", file, golden, firstDifference(calls, string(want)))
			}
		})
	}
}

// replay replays a recorded history and returns the calls the code made.
func replay(t *testing.T, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	// Replayed under its own workflow id (the replayer's default is
	// "ReplayId"): the ids of a workflow's tasks are made from it, and an
	// update naming a task under another id would be refused.
	started := h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
	run := workflow.Execution{ID: started.GetWorkflowId(), RunID: started.GetOriginalExecutionRunId()}
	var calls callLog
	r, err := sdkworker.NewWorkflowReplayerWithOptions(sdkworker.WorkflowReplayerOptions{Interceptors: []interceptor.WorkerInterceptor{&calls}})
	if err != nil {
		t.Fatal(err)
	}
	worker.Register(replayRegistry{WorkflowReplayer: r}, nil)
	if err := r.ReplayWorkflowHistoryWithOptions(nil, h, sdkworker.ReplayWorkflowHistoryOptions{OriginalExecution: run}); err != nil {
		t.Errorf("replay %s (%s): %v", file, run.ID, err)
	}
	return strings.Join(calls.lines, "\n") + "\n"
}

func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			at := 0
			for at < len(gl) && at < len(wl) && gl[at] == wl[at] {
				at++
			}
			from := max(0, at-80)
			return fmt.Sprintf("call %d, from byte %d:\n got: …%s\nwant: …%s", i+1, from, gl[from:], wl[from:])
		}
	}
	return ""
}

// replayRegistry lets worker.Register register the workflows on a
// replayer, which runs no activities.
type replayRegistry struct {
	sdkworker.WorkflowReplayer
	sdkworker.NexusServiceRegistry // nil: Karton registers no Nexus service
}

func (replayRegistry) RegisterActivity(any)                                         {}
func (replayRegistry) RegisterActivityWithOptions(any, activity.RegisterOptions)    {}
func (replayRegistry) RegisterDynamicActivity(any, activity.DynamicRegisterOptions) {}

// callLog is a worker interceptor that logs the calls of the workflows it
// intercepts, one line each.
type callLog struct {
	interceptor.WorkerInterceptorBase
	lines []string
}

func (l *callLog) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &callLogIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, log: l}
}

type callLogIn struct {
	interceptor.WorkflowInboundInterceptorBase
	log *callLog
}

func (i *callLogIn) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&callLogOut{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, log: i.log})
}

type callLogOut struct {
	interceptor.WorkflowOutboundInterceptorBase
	log *callLog
}

func (o *callLogOut) add(kind string, parts ...any) {
	line := kind
	for _, p := range parts {
		b, _ := json.Marshal(p)
		line += " " + string(b)
	}
	o.log.lines = append(o.log.lines, line)
}

func (o *callLogOut) ExecuteActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	o.add("activity", typ, args, workflow.GetActivityOptions(ctx))
	return o.Next.ExecuteActivity(ctx, typ, args...)
}

func (o *callLogOut) ExecuteLocalActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	opts := workflow.GetLocalActivityOptions(ctx)
	if opts.ScheduleToCloseTimeout == 0 { // as the SDK fills it in, in the context's options
		opts.ScheduleToCloseTimeout = opts.StartToCloseTimeout
	}
	o.add("local-activity", typ, args, opts)
	return o.Next.ExecuteLocalActivity(ctx, typ, args...)
}

func (o *callLogOut) ExecuteChildWorkflow(ctx workflow.Context, typ string, args ...any) workflow.ChildWorkflowFuture {
	o.add("child-workflow", typ, args, workflow.GetChildWorkflowOptions(ctx))
	return o.Next.ExecuteChildWorkflow(ctx, typ, args...)
}

func (o *callLogOut) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	o.add("timer", d.String(), opts)
	return o.Next.NewTimerWithOptions(ctx, d, opts)
}

func (o *callLogOut) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	o.add("timer", d.String())
	return o.Next.NewTimer(ctx, d)
}

func (o *callLogOut) SignalExternalWorkflow(ctx workflow.Context, id, runID, name string, arg any) workflow.Future {
	o.add("signal", id, runID, name, arg)
	return o.Next.SignalExternalWorkflow(ctx, id, runID, name, arg)
}

func (o *callLogOut) GetVersion(ctx workflow.Context, id string, min, max workflow.Version) workflow.Version {
	v := o.Next.GetVersion(ctx, id, min, max)
	o.add("version", id, min, max, v)
	return v
}

func (o *callLogOut) SideEffect(ctx workflow.Context, f func(workflow.Context) any) converter.EncodedValue {
	o.add("side-effect")
	return o.Next.SideEffect(ctx, f)
}

func (o *callLogOut) NewContinueAsNewError(ctx workflow.Context, wfn any, args ...any) error {
	name := fmt.Sprint(wfn)
	if v := reflect.ValueOf(wfn); v.Kind() == reflect.Func { // its name, as the SDK takes it, not its address
		name = runtime.FuncForPC(v.Pointer()).Name()
		name = name[strings.LastIndex(name, ".")+1:]
	}
	o.add("continue-as-new", name, args)
	return o.Next.NewContinueAsNewError(ctx, wfn, args...)
}
