package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
)

// RevisionSweepID is the sweep's workflow id when started by hand.
const RevisionSweepID = "revision-sweep"

// Defaults of the sweep.
const (
	DefaultSweepBatch         = 500 // rights read and revisions started per page
	DefaultSweepBatchesPerRun = 8   // pages per run before it continues as new (about 12,000 history events)
)

// RevisionSweepInput is one day's sweep, or its continuation.
type RevisionSweepInput struct {
	// Day is the day swept (YYYY-MM-DD); "" is today, by the workflow's clock.
	Day           string
	Batch         int // 0: DefaultSweepBatch
	BatchesPerRun int // 0: DefaultSweepBatchesPerRun
	// Carried over by continue-as-new: the cursor and the counts so far.
	After   activities.DueRight
	Carried RevisionSweepResult
}

// RevisionSweepResult counts what the sweep found and started.
type RevisionSweepResult struct {
	Day     string
	Due     int // rights found due
	Started int // revisions started
	Already int // revisions with the id already running or done
	Runs    int // runs of the sweep (continue-as-new)
}

// RevisionSweep finds the rights whose revision is due on its day (next
// revision on or before it, not ended, no revision running), a page at a
// time in (due date, id) order, and starts a Revision workflow for each
// (id RevisionID: starting it twice starts it once), abandoned to run on
// its own. It continues as new every BatchesPerRun pages, so its history
// stays small however many rights are due.
func RevisionSweep(ctx workflow.Context, in RevisionSweepInput) (RevisionSweepResult, error) {
	s := &sweepRun{in: in, res: in.Carried}
	if s.in.Day == "" {
		s.in.Day = workflow.Now(ctx).UTC().Format(time.DateOnly)
	}
	if s.in.Batch <= 0 {
		s.in.Batch = DefaultSweepBatch
	}
	if s.in.BatchesPerRun <= 0 {
		s.in.BatchesPerRun = DefaultSweepBatchesPerRun
	}
	s.res.Day, s.res.Runs = s.in.Day, s.res.Runs+1
	day, err := time.Parse(time.DateOnly, s.in.Day)
	if err != nil {
		return RevisionSweepResult{}, temporal.NewNonRetryableApplicationError("day "+s.in.Day+": want YYYY-MM-DD", "invalid", nil)
	}
	for page := 0; page < s.in.BatchesPerRun; page++ {
		rights, err := s.next(ctx, day)
		if err != nil {
			return RevisionSweepResult{}, err
		}
		if err := s.startAll(ctx, rights); err != nil {
			return RevisionSweepResult{}, err
		}
		if len(rights) < s.in.Batch {
			return s.res, nil
		}
	}
	next := s.in
	next.Carried = s.res
	return RevisionSweepResult{}, workflow.NewContinueAsNewError(ctx, NameRevisionSweep, next)
}

// sweepRun is a sweep's state: its input (with the cursor) and its counts.
type sweepRun struct {
	in  RevisionSweepInput
	res RevisionSweepResult
}

// next reads the page after the cursor and moves the cursor past it.
func (s *sweepRun) next(ctx workflow.Context, day time.Time) ([]activities.DueRight, error) {
	var a *activities.Activities
	var page activities.DueRevisionsResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, claimActivityOptions), a.DueRevisions,
		activities.DueRevisionsInput{Day: day, After: s.in.After, Limit: s.in.Batch}).Get(ctx, &page)
	if err != nil {
		return nil, err
	}
	if n := len(page.Rights); n > 0 {
		s.in.After = page.Rights[n-1]
	}
	s.res.Due += len(page.Rights)
	return page.Rights, nil
}

// startAll starts a revision of each right and waits until each started
// (or was found started before).
func (s *sweepRun) startAll(ctx workflow.Context, rights []activities.DueRight) error {
	futures := make([]workflow.Future, len(rights))
	for i, r := range rights {
		futures[i] = StartRevisionChild(ctx, RevisionInput{EntitlementID: r.EntitlementID, Due: r.Due.Format(time.DateOnly),
			Trigger: RevisionScheduled, StartedBy: "system"})
	}
	for _, f := range futures {
		err := f.Get(ctx, nil)
		var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
		switch {
		case errors.As(err, &dup):
			s.res.Already++
		case err != nil:
			return err
		default:
			s.res.Started++
		}
	}
	return nil
}
