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
	// Parts is how many ranges of the rights are walked at once, a chunk
	// of each in flight (0: DefaultReassessmentParts).
	Parts   int
	Carried *ReassessmentState
}

// DefaultReassessmentParts: two chunks in flight keep both cores busy, one
// rating in Go while the other reads or writes in PostgreSQL (bench/reassess).
const DefaultReassessmentParts = 2

// ReassessmentState is where a reassessment stands: the query's answer
// and the result. The counts are the chunks' as the workflow heard them;
// the reassessments table holds the committed ones.
type ReassessmentState struct {
	Cursor                                        string      // the last right done (a reassessment in one part)
	Parts                                         []PartState // where each part stands (nil: one part, Cursor)
	Chunks                                        int
	Rights, Rerated, Unchanged, NoBasis, NotRated int
	Replayed                                      int // chunks found already done (a lost answer)
	Done                                          bool
	Runs                                          int // how many times it continued as new
}

// PartState is where one range of the rights stands.
type PartState struct {
	Cursor string
	Done   bool
}

// reassessmentOptions: a chunk of 5,000 rights takes seconds; a worker
// that dies mid-chunk rolls its transaction back and the retry does it.
var reassessmentOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeForbidden}},
}

// chunkOptions are reassessmentOptions with a heartbeat timeout, from
// version 1 of "reassessment-heartbeat" on. The chunk heartbeats once its
// rights are rated and once they are written, so a dead worker's chunk is
// retried within two minutes, not at the start-to-close timeout's ten: a
// worker stopped mid-chunk could not report its failure, and
// TestIndexationOverHTTP's reassessment waited out its five minutes (a CI
// run, issue 24).
func chunkOptions(ctx workflow.Context) workflow.ActivityOptions {
	o := reassessmentOptions
	if workflow.GetVersion(ctx, "reassessment-heartbeat", workflow.DefaultVersion, 1) == 1 {
		o.HeartbeatTimeout = 2 * time.Minute
	}
	return o
}

// Reassessment re-rates every right a new value of the law's parameters
// affects, ex officio (DOMAIN.md §3.1): it walks the rights in chunks
// (activities.ReassessChunk, keyset over the rights' ids) in Parts ranges
// of the ids at once, a chunk of each range in flight, each chunk done
// exactly once in its own transaction, so that a killed worker resumes at
// each range's first chunk not committed. Never one workflow per right. It
// continues as new every ChunksPerRun chunks. Runs started before parts
// (no "reassessment-parts" version) walk one range, one chunk at a time.
//
// Input ReassessmentInput; id ReassessmentID(id). Query: QueryReassessment.
// Timers: none. Children: none.
func Reassessment(ctx workflow.Context, in ReassessmentInput) (ReassessmentState, error) {
	r := &reassessmentRun{in: in}
	if in.Carried != nil {
		r.st = *in.Carried
	} else if workflow.GetVersion(ctx, "reassessment-parts", workflow.DefaultVersion, 1) == 1 {
		parts := in.Parts
		if parts <= 0 {
			parts = DefaultReassessmentParts
		}
		r.st.Parts = make([]PartState, parts)
	}
	if err := workflow.SetQueryHandler(ctx, QueryReassessment, func() (ReassessmentState, error) { return r.st, nil }); err != nil {
		return r.st, err
	}
	if r.st.Parts != nil {
		return r.inParts(ctx)
	}
	for !r.st.Done {
		if r.mustContinue(ctx) {
			return r.continueAsNew(ctx)
		}
		if err := r.chunk(ctx); err != nil {
			return r.st, err
		}
	}
	return r.st, nil
}

func (r *reassessmentRun) continueAsNew(ctx workflow.Context) (ReassessmentState, error) {
	r.st.Runs++
	next := r.in
	next.Carried = &r.st
	return r.st, workflow.NewContinueAsNewError(ctx, NameReassessment, next)
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

// chunk re-rates the next chunk of a reassessment in one part and adds
// what it did.
func (r *reassessmentRun) chunk(ctx workflow.Context) error {
	var a *activities.Activities
	var res activities.ReassessChunkResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, chunkOptions(ctx)), a.ReassessChunk,
		activities.ReassessChunkInput{ReassessmentID: r.in.ReassessmentID, After: r.st.Cursor, Limit: r.in.ChunkSize}).Get(ctx, &res)
	if err != nil {
		return err
	}
	r.st.Cursor, r.st.Done = res.Cursor, res.Done
	r.add(res)
	return nil
}

// inParts walks the parts at once, a chunk of each in flight; when a
// chunk answers, that part's next one starts. It continues as new once no
// chunk is in flight after ChunksPerRun chunks.
func (r *reassessmentRun) inParts(ctx workflow.Context) (ReassessmentState, error) {
	sel := workflow.NewSelector(ctx)
	var failed error
	var ready []int
	inFlight := 0
	start := func(n int) {
		var a *activities.Activities
		f := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, chunkOptions(ctx)), a.ReassessChunk,
			activities.ReassessChunkInput{ReassessmentID: r.in.ReassessmentID, After: r.st.Parts[n].Cursor, Limit: r.in.ChunkSize,
				Part: n, Parts: len(r.st.Parts)})
		inFlight++
		sel.AddFuture(f, func(f workflow.Future) {
			inFlight--
			var res activities.ReassessChunkResult
			if err := f.Get(ctx, &res); err != nil {
				failed = err
				return
			}
			r.st.Parts[n] = PartState{Cursor: res.Cursor, Done: res.Done}
			r.add(res)
			ready = append(ready, n)
		})
	}
	for n, p := range r.st.Parts {
		if !p.Done {
			start(n)
		}
	}
	for inFlight > 0 {
		sel.Select(ctx)
		if failed != nil {
			return r.st, failed
		}
		for _, n := range ready {
			if !r.st.Parts[n].Done && !r.mustContinue(ctx) {
				start(n)
			}
		}
		ready = ready[:0]
	}
	r.st.Done = true
	for _, p := range r.st.Parts {
		r.st.Done = r.st.Done && p.Done
	}
	if !r.st.Done {
		return r.continueAsNew(ctx)
	}
	return r.st, nil
}

// add counts what a chunk did.
func (r *reassessmentRun) add(res activities.ReassessChunkResult) {
	r.chunks++
	if res.Replayed {
		r.st.Replayed++
		return
	}
	r.st.Chunks++
	r.st.Rights += res.Rights
	r.st.Rerated += res.Rerated
	r.st.Unchanged += res.Unchanged
	r.st.NoBasis += res.NoBasis
	r.st.NotRated += res.NotRated
}
