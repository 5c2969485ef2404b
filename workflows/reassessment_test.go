package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/workflows"
)

// fakeRights stands for the rights table and the reassessment's cursor:
// a chunk "commits" by moving the cursor, as store.ReassessChunk does.
type fakeRights struct {
	n, committed int
	cursor       string
	rated        map[string]int // right -> times re-rated
	killAfter    map[string]bool
	calls        int
}

func (f *fakeRights) chunk(_ context.Context, in activities.ReassessChunkInput) (activities.ReassessChunkResult, error) {
	f.calls++
	if in.After != f.cursor {
		return activities.ReassessChunkResult{Cursor: f.cursor, Done: f.committed >= f.n, Replayed: true}, nil
	}
	res := activities.ReassessChunkResult{Cursor: f.cursor}
	for i := 0; i < in.Limit && f.committed < f.n; i++ {
		id := fmt.Sprintf("r%04d", f.committed)
		f.rated[id]++
		f.committed++
		res.Rights++
		res.Cursor = id
		if f.committed%3 == 0 {
			res.NoBasis++
		} else {
			res.Rerated++
		}
	}
	res.Done = res.Rights < in.Limit
	f.cursor = res.Cursor
	if f.killAfter[in.After] {
		// The worker dies after the transaction committed, before the
		// answer reached Temporal: the activity is retried.
		delete(f.killAfter, in.After)
		return activities.ReassessChunkResult{}, errors.New("worker killed")
	}
	return res, nil
}

// TestReassessmentChunksAndResume: 23 rights in chunks of 5; the answer
// of the second chunk is lost (the worker died after it committed): the
// retry finds it done and goes on; every right is re-rated once and the
// counts are the committed chunks'.
func TestReassessmentChunksAndResume(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
	f := &fakeRights{n: 23, rated: map[string]int{}, killAfter: map[string]bool{"r0004": true}}
	env.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
	env.ExecuteWorkflow(workflows.Reassessment, workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 5})
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

// TestReassessmentContinuesAsNew: after ChunksPerRun chunks a run hands
// its state to the next.
func TestReassessmentContinuesAsNew(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
	f := &fakeRights{n: 50, rated: map[string]int{}}
	env.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
	env.ExecuteWorkflow(workflows.Reassessment, workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 5, ChunksPerRun: 3})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	require.Equal(t, workflows.NameReassessment, can.WorkflowType.Name)
	require.Equal(t, 15, f.committed)

	// The next run goes on from the carried cursor.
	next := newEnv(t)
	next.RegisterWorkflowWithOptions(workflows.Reassessment, workflow.RegisterOptions{Name: workflows.NameReassessment})
	next.OnActivity(a.ReassessChunk, mock.Anything, mock.Anything).Return(f.chunk)
	carried := workflows.ReassessmentState{Cursor: f.cursor, Chunks: 3, Rights: 15, Runs: 1}
	next.ExecuteWorkflow(workflows.Reassessment, workflows.ReassessmentInput{ReassessmentID: 7, ChunkSize: 5, ChunksPerRun: 100, Carried: &carried})
	require.NoError(t, next.GetWorkflowError())
	var st workflows.ReassessmentState
	require.NoError(t, next.GetWorkflowResult(&st))
	require.True(t, st.Done)
	require.Equal(t, 50, st.Rights)
	require.Equal(t, 50, len(f.rated))
}
