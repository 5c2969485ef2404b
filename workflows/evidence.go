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
	res, err := refreshEvidence(ctx, []domain.PersonID{in.PersonID}, in.Issue, in.Sources, in.GiveUpAfter)
	if err != nil {
		return RefreshEvidenceResult{}, err
	}
	return res[0], nil
}

// localOptions is for short database writes: local activities, recorded
// in the history as markers, without a round trip through the server.
var localOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 500 * time.Millisecond, MaximumInterval: 30 * time.Second,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}},
}

// fetchLocalOptions is for the fast path's one call per person that asks
// every registry at once: a local activity since issue 24 (version
// "evidence-fetch-local"), run by the worker inside the workflow task
// that schedules it. A claim to its review task is then one workflow task
// instead of one per member's answer and three round trips through the
// server for each (bench/claims explains one claim's history). A worker
// that dies asks again: its answers are recorded with the task.
var fetchLocalOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second, NonRetryableErrorTypes: []string{domain.CodeNotFound}},
}

// refreshEvidence refreshes several persons' evidence at once. The fast
// path is one call per person that asks every registry in parallel;
// each registry that failed there is then retried on its own with backoff
// until giveUp, and marked failed if it never answers.
func refreshEvidence(ctx workflow.Context, persons []domain.PersonID, issue string, sources []domain.Source, giveUp time.Duration) ([]RefreshEvidenceResult, error) {
	if len(sources) == 0 {
		for _, inst := range domain.Institutions() {
			sources = append(sources, inst.Source)
		}
	}
	if giveUp <= 0 {
		giveUp = DefaultGiveUpAfter
	}
	r := &refresh{persons: persons, issue: issue, sources: sources, local: workflow.WithLocalActivityOptions(ctx, localOptions),
		answered: make([]map[domain.Source]activities.FetchEvidenceResult, len(persons)), failed: make([]map[domain.Source]string, len(persons))}
	if err := r.markPending(ctx); err != nil {
		return nil, err
	}
	if err := r.fetchAll(ctx, giveUp); err != nil {
		return nil, err
	}
	r.awaitRetries(ctx)
	return r.results(ctx)
}

// refresh is one evidence refresh under way: what each person's sources
// answered, and why the others did not.
type refresh struct {
	persons  []domain.PersonID
	issue    string
	sources  []domain.Source
	local    workflow.Context
	answered []map[domain.Source]activities.FetchEvidenceResult
	failed   []map[domain.Source]string
	retries  []sourceRetry
}

// sourceRetry is one source of one person asked again on its own.
type sourceRetry struct {
	person int
	source domain.Source
	f      workflow.Future
}

// markPending marks every person's sources as being fetched, one person
// after the other.
func (r *refresh) markPending(ctx workflow.Context) error {
	var a *activities.Activities
	for _, p := range r.persons {
		err := workflow.ExecuteLocalActivity(r.local, a.MarkEvidencePending, activities.MarkEvidencePendingInput{
			PersonID: p, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Sources: r.sources,
		}).Get(ctx, nil)
		if err != nil {
			return err
		}
	}
	return nil
}

// fetchAll asks every source of every person at once, then asks again,
// each on its own with retries until giveUp, the sources that failed.
func (r *refresh) fetchAll(ctx workflow.Context, giveUp time.Duration) error {
	var a *activities.Activities
	all := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second, NonRetryableErrorTypes: []string{domain.CodeNotFound}},
	})
	fast := make([]workflow.Future, len(r.persons))
	local := workflow.GetVersion(ctx, "evidence-fetch-local", workflow.DefaultVersion, 1) == 1
	for i, p := range r.persons {
		in := activities.FetchAllEvidenceInput{PersonID: p, Sources: r.sources, Issue: r.issue}
		if local {
			fast[i] = workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, fetchLocalOptions), a.FetchAllEvidence, in)
		} else {
			fast[i] = workflow.ExecuteActivity(all, a.FetchAllEvidence, in)
		}
	}
	one := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: giveUp,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        500 * time.Millisecond,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound},
		},
	})
	for i, f := range fast {
		var res activities.FetchAllEvidenceResult
		if err := f.Get(ctx, &res); err != nil {
			return err
		}
		r.answered[i], r.failed[i] = map[domain.Source]activities.FetchEvidenceResult{}, map[domain.Source]string{}
		bad := map[domain.Source]bool{}
		for _, s := range res.Failed {
			bad[s] = true
			r.retries = append(r.retries, sourceRetry{i, s, workflow.ExecuteActivity(one, a.FetchEvidence, activities.FetchEvidenceInput{
				PersonID: r.persons[i], Source: s, Issue: r.issue,
			})})
		}
		for _, s := range res.Refused {
			bad[s] = true
			r.failed[i][s] = "the registry refused the query"
		}
		for j, s := range r.sources {
			if !bad[s] {
				r.answered[i][s] = res.Answered[j]
			}
		}
	}
	return nil
}

// awaitRetries waits for every source asked again: its answer, or why
// there was none.
func (r *refresh) awaitRetries(ctx workflow.Context) {
	for _, rt := range r.retries {
		var res activities.FetchEvidenceResult
		if err := rt.f.Get(ctx, &res); err != nil {
			reason := "no answer before the refresh gave up"
			var ae *temporal.ApplicationError
			if errors.As(err, &ae) {
				reason = ae.Error()
			}
			r.failed[rt.person][rt.source] = reason
			continue
		}
		r.answered[rt.person][rt.source] = res
	}
}

// results says, person by person in source order (not map order), what
// answered and what changed, and records each source given up.
func (r *refresh) results(ctx workflow.Context) ([]RefreshEvidenceResult, error) {
	var a *activities.Activities
	results := make([]RefreshEvidenceResult, len(r.persons))
	for i, p := range r.persons {
		for _, s := range r.sources {
			if res, ok := r.answered[i][s]; ok {
				results[i].Answered = append(results[i].Answered, s)
				for _, c := range res.Changes {
					results[i].Changes = append(results[i].Changes, string(s)+"/"+c)
				}
				continue
			}
			results[i].Failed = append(results[i].Failed, s)
			if err := workflow.ExecuteLocalActivity(r.local, a.GiveUpSource, activities.GiveUpSourceInput{
				PersonID: p, Source: s, Reason: r.failed[i][s],
			}).Get(ctx, nil); err != nil {
				return nil, err
			}
		}
	}
	return results, nil
}

// Trivial runs one no-op activity: the benchmark's baseline for what a
// workflow costs on this machine.
func Trivial(ctx workflow.Context) error {
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteActivity(ctx, a.Noop).Get(ctx, nil)
}
