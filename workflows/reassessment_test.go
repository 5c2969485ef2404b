package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/workflows"
)

// fakeRights stands for the rights table and the cursors of the
// reassessment's parts: right i belongs to part i % parts; a chunk
// "commits" by moving its part's cursor, as store.ReassessChunk does.
type fakeRights struct {
	mu        sync.Mutex // the parts' chunks run at once
	n         int
	cursor    map[int]string // part -> last right done
	next      map[int]int    // part -> index of its next right
	rated     map[string]int // right -> times re-rated
	killAfter map[string]bool
	calls     int
	parts     map[int]bool // the Parts the chunks named
}

func newFakeRights(n int, killAfter ...string) *fakeRights {
	f := &fakeRights{n: n, cursor: map[int]string{}, next: map[int]int{}, rated: map[string]int{}, killAfter: map[string]bool{}, parts: map[int]bool{}}
	for _, k := range killAfter {
		f.killAfter[k] = true
	}
	return f
}

func (f *fakeRights) chunk(_ context.Context, in activities.ReassessChunkInput) (activities.ReassessChunkResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.parts[in.Parts] = true
	parts := max(in.Parts, 1)
	if f.next[in.Part] == 0 {
		f.next[in.Part] = in.Part
	}
	if in.After != f.cursor[in.Part] {
		return activities.ReassessChunkResult{Cursor: f.cursor[in.Part], Done: f.next[in.Part] >= f.n, Replayed: true}, nil
	}
	res := activities.ReassessChunkResult{Cursor: f.cursor[in.Part]}
	for i := 0; i < in.Limit && f.next[in.Part] < f.n; i++ {
		id := fmt.Sprintf("r%04d", f.next[in.Part])
		f.rated[id]++
		f.next[in.Part] += parts
		res.Rights++
		res.Cursor = id
		if len(f.rated)%3 == 0 {
			res.NoBasis++
		} else {
			res.Rerated++
		}
	}
	res.Done = res.Rights < in.Limit
	f.cursor[in.Part] = res.Cursor
	if f.killAfter[in.After] {
		// The worker dies after the transaction committed, before the
		// answer reached Temporal: the activity is retried.
		delete(f.killAfter, in.After)
		return activities.ReassessChunkResult{}, errors.New("worker killed")
	}
	return res, nil
}

// TestReassessmentChunksAndResume: 23 rights in chunks of 5, in one part;
// the answer of the second chunk is lost (the worker died after it
// committed): the retry finds it done and goes on; every right is
// re-rated once and the counts are the committed chunks'.
func TestReassessmentChunksAndResume(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
	f := newFakeRights(23, "r0004")
	env.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
	env.ExecuteWorkflow(workflows.Reassessment, workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 5, Parts: 1})
	require.NoError(t, env.GetWorkflowError())
	var st workflows.ReassessmentState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.True(t, st.Done)
	require.Equal(t, 23, len(f.rated))
	for id, n := range f.rated {
		require.Equal(t, 1, n, "right %s re-rated %d times", id, n)
	}
	require.Equal(t, 1, st.Replayed)
	require.Equal(t, 23-5, st.Rights, "the lost chunk's counts are in the table, not in the workflow's state")
	require.Equal(t, 6, f.calls) // 5 chunks, one of them twice
}

// TestReassessmentChunksHeartbeat: each chunk is scheduled with a heartbeat
// timeout of two minutes, so the chunk of a worker that died without
// answering is retried then, not at the ten minutes of its start-to-close
// timeout (TestIndexationOverHTTP's reassessment waited out its five
// minutes in a CI run). Histories from before keep their options
// (TestReplayRecordedHistories, reassessment.calls).
func TestReassessmentChunksHeartbeat(t *testing.T) {
	for _, parts := range []int{1, 3} {
		env := newEnv(t)
		env.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
		f := newFakeRights(23)
		env.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
		var timeouts []time.Duration
		env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
			timeouts = append(timeouts, info.HeartbeatTimeout)
		})
		env.ExecuteWorkflow(workflows.Reassessment, workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 5, Parts: parts})
		require.NoError(t, env.GetWorkflowError())
		require.NotEmpty(t, timeouts)
		for i, d := range timeouts {
			require.Equal(t, 2*time.Minute, d, "%d parts: chunk %d's heartbeat timeout", parts, i)
		}
	}
}

// TestReassessmentContinuesAsNew: after ChunksPerRun chunks a run hands
// its state to the next.
func TestReassessmentContinuesAsNew(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
	f := newFakeRights(50)
	env.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
	env.ExecuteWorkflow(workflows.Reassessment, workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 5, ChunksPerRun: 3, Parts: 1})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	require.Equal(t, workflows.NameReassessment, can.WorkflowType.Name)
	require.Equal(t, 15, len(f.rated))

	// The next run goes on from the carried cursor.
	next := newEnv(t)
	next.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
	next.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
	carried := workflows.ReassessmentState{Parts: []workflows.PartState{{Cursor: f.cursor[0]}}, Chunks: 3, Rights: 15, Runs: 1}
	next.ExecuteWorkflow(workflows.Reassessment, workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 5, ChunksPerRun: 100, Parts: 1, Carried: &carried})
	require.NoError(t, next.GetWorkflowError())
	var st workflows.ReassessmentState
	require.NoError(t, next.GetWorkflowResult(&st))
	require.True(t, st.Done)
	require.Equal(t, 50, st.Rights)
	require.Equal(t, 50, len(f.rated))
}

// TestReassessmentInParts: 3 parts walked at once, with chunks of 4 and a
// run of 5 chunks: one part's answer is lost once and its retry finds it
// done; the runs carry each part's cursor; every right is re-rated once.
func TestReassessmentInParts(t *testing.T) {
	f := newFakeRights(41, "r0010")
	in := workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 4, ChunksPerRun: 5, Parts: 3}
	var st workflows.ReassessmentState
	for runs := 0; ; runs++ {
		require.Less(t, runs, 10, "the reassessment does not end")
		env := newEnv(t)
		env.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
		env.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
		env.ExecuteWorkflow(workflows.Reassessment, in)
		var can *workflow.ContinueAsNewError
		if errors.As(env.GetWorkflowError(), &can) {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			require.Len(t, in.Carried.Parts, 3)
			continue
		}
		require.NoError(t, env.GetWorkflowError())
		require.NoError(t, env.GetWorkflowResult(&st))
		break
	}
	require.True(t, st.Done)
	require.Equal(t, map[int]bool{3: true}, f.parts)
	require.Equal(t, 41, len(f.rated))
	for id, n := range f.rated {
		require.Equal(t, 1, n, "right %s re-rated %d times", id, n)
	}
	require.Equal(t, 1, st.Replayed)
	require.Greater(t, st.Runs, 0)
}

// TestReassessmentDefaultsToParts: a reassessment started without Parts
// walks DefaultReassessmentParts ranges.
func TestReassessmentDefaultsToParts(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
	f := newFakeRights(9)
	env.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
	env.ExecuteWorkflow(workflows.Reassessment, workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 5})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, map[int]bool{workflows.DefaultReassessmentParts: true}, f.parts)
	require.Equal(t, 9, len(f.rated))
}
