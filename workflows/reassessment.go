package workflows

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// ReassessmentID is the workflow id of a reassessment: one per approved
// parameter value.
func ReassessmentID(id int64) string { return "reassessment/" + strconv.FormatInt(id, 10) }

// ReassessmentInput names the reassessment; Carried is the state a run
// hands to the next (continue-as-new).
type ReassessmentInput struct {
	ReassessmentID int64
	ChunkSize      int // rights per chunk (0: activities.DefaultReassessChunk)
	// ChunksPerRun is how many chunks one run does before it continues as
	// new (0: 100, about 600 history events; sooner when the server
	// suggests it).
	ChunksPerRun int
	Carried      *ReassessmentState
}

// ReassessmentState is where a reassessment stands: the query's answer
// and the result. The counts are the chunks' as the workflow heard them;
// the reassessments table holds the committed ones.
type ReassessmentState struct {
	Cursor                                        string // the last right done
	Chunks                                        int
	Rights, Rerated, Unchanged, NoBasis, NotRated int
	Replayed                                      int // chunks found already done (a lost answer)
	Done                                          bool
	Runs                                          int // how many times it continued as new
}

// reassessmentOptions: a chunk of 5,000 rights takes seconds; a worker
// that dies mid-chunk rolls its transaction back and the retry does it.
var reassessmentOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeForbidden}},
}

// Reassessment re-rates every right a new value of the law's parameters
// affects, ex officio (DOMAIN.md §3.1): it walks the rights in chunks
// (activities.ReassessChunk, keyset over the rights' ids), one chunk at a
// time, each done exactly once in its own transaction, so that a killed
// worker resumes at the first chunk not committed. Never one workflow per
// right. It continues as new every ChunksPerRun chunks.
//
// Input ReassessmentInput; id ReassessmentID(id). Query: QueryReassessment.
// Timers: none. Children: none.
func Reassessment(ctx workflow.Context, in ReassessmentInput) (ReassessmentState, error) {
	r := &reassessmentRun{in: in}
	if in.Carried != nil {
		r.st = *in.Carried
	}
	if err := workflow.SetQueryHandler(ctx, QueryReassessment, func() (ReassessmentState, error) { return r.st, nil }); err != nil {
		return r.st, err
	}
	for !r.st.Done {
		if r.mustContinue(ctx) {
			r.st.Runs++
			next := in
			next.Carried = &r.st
			return r.st, workflow.NewContinueAsNewError(ctx, NameReassessment, next)
		}
		if err := r.chunk(ctx); err != nil {
			return r.st, err
		}
	}
	return r.st, nil
}

// reassessmentRun is one run of a reassessment.
type reassessmentRun struct {
	in     ReassessmentInput
	st     ReassessmentState
	chunks int // in this run
}

func (r *reassessmentRun) mustContinue(ctx workflow.Context) bool {
	limit := r.in.ChunksPerRun
	if limit <= 0 {
		limit = 100
	}
	return r.chunks >= limit || (r.chunks > 0 && workflow.GetInfo(ctx).GetContinueAsNewSuggested())
}

// chunk re-rates the next chunk and adds what it did.
func (r *reassessmentRun) chunk(ctx workflow.Context) error {
	var a *activities.Activities
	var res activities.ReassessChunkResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, reassessmentOptions), a.ReassessChunk,
		activities.ReassessChunkInput{ReassessmentID: r.in.ReassessmentID, After: r.st.Cursor, Limit: r.in.ChunkSize}).Get(ctx, &res)
	if err != nil {
		return err
	}
	r.chunks++
	r.st.Cursor, r.st.Done = res.Cursor, res.Done
	if res.Replayed {
		r.st.Replayed++
		return nil
	}
	r.st.Chunks++
	r.st.Rights += res.Rights
	r.st.Rerated += res.Rerated
	r.st.Unchanged += res.Unchanged
	r.st.NoBasis += res.NoBasis
	r.st.NotRated += res.NotRated
	return nil
}
