package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// RefreshEvidenceInput says whose evidence to refresh.
type RefreshEvidenceInput struct {
	PersonID domain.PersonID
	// Issue is the case number the registries are told (X-Road-Issue).
	Issue string
	// Sources to ask; empty asks every registry.
	Sources []domain.Source
	// GiveUpAfter is how long to keep retrying a registry that does not
	// answer; zero means 24 hours.
	GiveUpAfter time.Duration
}

// RefreshEvidenceResult says which sources answered and which did not.
type RefreshEvidenceResult struct {
	Answered []domain.Source
	Failed   []domain.Source
	Changes  []string // "source/kind:change", in source order
}

// DefaultGiveUpAfter is how long a refresh waits for a registry by default.
const DefaultGiveUpAfter = 24 * time.Hour

// RefreshEvidence asks every registry about one person, in parallel, and
// stores each answer as evidence (a new version only when a value
// changed). A registry that is down is retried with backoff, its source
// shown as pending meanwhile, until GiveUpAfter; then it is marked failed
// and nothing is recorded in its place.
//
// Input RefreshEvidenceInput; id RefreshEvidenceID(person). No signals,
// updates or timers of its own: the activities' retry policy is the wait.
func RefreshEvidence(ctx workflow.Context, in RefreshEvidenceInput) (RefreshEvidenceResult, error) {
	var a *activities.Activities
	sources := in.Sources
	if len(sources) == 0 {
		for _, inst := range domain.Institutions() {
			sources = append(sources, inst.Source)
		}
	}
	giveUp := in.GiveUpAfter
	if giveUp <= 0 {
		giveUp = DefaultGiveUpAfter
	}

	local := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	err := workflow.ExecuteActivity(local, a.MarkEvidencePending, activities.MarkEvidencePendingInput{
		PersonID: in.PersonID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Sources: sources,
	}).Get(ctx, nil)
	if err != nil {
		return RefreshEvidenceResult{}, err
	}

	fetch := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: giveUp,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        500 * time.Millisecond,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound},
		},
	})
	futures := make([]workflow.Future, len(sources))
	for i, s := range sources {
		futures[i] = workflow.ExecuteActivity(fetch, a.FetchEvidence, activities.FetchEvidenceInput{
			PersonID: in.PersonID, Source: s, Issue: in.Issue,
		})
	}
	var res RefreshEvidenceResult
	for i, f := range futures {
		var r activities.FetchEvidenceResult
		if err := f.Get(ctx, &r); err != nil {
			reason := "no answer before the refresh gave up"
			var ae *temporal.ApplicationError
			if errors.As(err, &ae) {
				reason = ae.Error()
			}
			res.Failed = append(res.Failed, sources[i])
			if err := workflow.ExecuteActivity(local, a.GiveUpSource, activities.GiveUpSourceInput{
				PersonID: in.PersonID, Source: sources[i], Reason: reason,
			}).Get(ctx, nil); err != nil {
				return res, err
			}
			continue
		}
		res.Answered = append(res.Answered, sources[i])
		for _, c := range r.Changes {
			res.Changes = append(res.Changes, string(sources[i])+"/"+c)
		}
	}
	return res, nil
}

// Trivial runs one no-op activity: the benchmark's baseline for what a
// workflow costs on this machine.
func Trivial(ctx workflow.Context) error {
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteActivity(ctx, a.Noop).Get(ctx, nil)
}
