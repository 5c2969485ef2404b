package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
)

// Change events (issue 16 item 3): the registries' feeds are polled, each
// change stored once, and applied to every right it touches. What the
// workflows carry is ids only: a change's id, rights' ids, counts.

// PollFeedInput names a feed (a source publishing changes) and how much of
// it one activity reads (0: DefaultFeedPages pages of DefaultFeedPage).
type PollFeedInput struct {
	Feed  domain.Source
	Page  int
	Pages int
}

// Defaults of a poll.
const (
	DefaultFeedPage  = 200
	DefaultFeedPages = 10
)

// PollFeedResult counts what one poll of a feed took.
type PollFeedResult struct {
	Pages     int
	Stored    int  // new changes stored
	More      bool // the feed had more than Pages pages: the next poll goes on
	Conflicts int  // pages another poll took first
}

// PollFeed reads the feed from its stored cursor, page by page, and stores
// each page with the new cursor in one transaction (store.StoreChanges):
// a retried poll, or two at once, take every change exactly once. A
// registry that does not answer is an error worth a retry.
func (a *Activities) PollFeed(ctx context.Context, in PollFeedInput) (PollFeedResult, error) {
	if in.Page <= 0 {
		in.Page = DefaultFeedPage
	}
	if in.Pages <= 0 {
		in.Pages = DefaultFeedPages
	}
	var res PollFeedResult
	for res.Pages < in.Pages {
		since, err := a.DB.FeedCursor(ctx, string(in.Feed))
		if err != nil {
			return res, asTemporal(err)
		}
		page, err := a.Registry.Changes(ctx, in.Feed, since, in.Page)
		if err != nil {
			return res, asTemporal(err)
		}
		res.Pages++
		evs := make([]store.ChangeEvent, len(page.Events))
		for i, e := range page.Events {
			evs[i] = store.ChangeEvent{ID: e.ID, Source: string(e.Source), JMBG: e.JMBG, Kind: e.Kind, OccurredOn: e.OccurredOn, Payload: e.Payload}
		}
		n, err := a.DB.StoreChanges(ctx, string(in.Feed), since, page.Next, evs)
		if domain.ErrorCode(err) == domain.CodeConflict {
			res.Conflicts++ // another poll took it; read on from where it left the cursor
			continue
		}
		if err != nil {
			return res, asTemporal(err)
		}
		res.Stored += n
		if !page.More {
			return res, nil
		}
	}
	res.More = true
	return res, nil
}

// NextChangesInput asks for the changes to apply.
type NextChangesInput struct {
	// Day is today (YYYY-MM-DD), for the daily check of children who came
	// of age; "" skips it.
	Day   string
	Limit int // 0: 100
}

// NextChangesResult lists the ids of changes not yet applied.
type NextChangesResult struct {
	IDs       []string
	Adulthood int // children found to have come of age
	Matched   int // unmatched changes whose person is now known
}

// NextChanges runs the daily check for children who came of age (a change
// "adulthood" for each child of a child allowance who turned the law's age
// limit on or before Day, recorded once), matches the unmatched changes of
// persons registered since, and lists the changes to apply, oldest first.
func (a *Activities) NextChanges(ctx context.Context, in NextChangesInput) (NextChangesResult, error) {
	if in.Limit <= 0 {
		in.Limit = 100
	}
	var res NextChangesResult
	if in.Day != "" {
		day, err := time.Parse(time.DateOnly, in.Day)
		if err != nil {
			return res, asTemporal(domain.FieldError("day", "want YYYY-MM-DD"))
		}
		params, err := a.params(ctx, 0)
		if err != nil {
			return res, err
		}
		limit, err := params.At("dd.age_limit", day)
		if err != nil {
			return res, asTemporal(err)
		}
		if res.Adulthood, err = a.DB.RecordAdulthood(ctx, string(benefits.DD), int(limit.Value.IntPart()), day); err != nil {
			return res, asTemporal(err)
		}
	}
	var err error
	if res.Matched, err = a.DB.MatchChanges(ctx); err != nil {
		return res, asTemporal(err)
	}
	res.IDs, err = a.DB.NewChanges(ctx, in.Limit)
	return res, asTemporal(err)
}

// Task types of a change.
const (
	TaskChangeCloseRight = "change.close_right" // a death ended the right ex officio: close it by decision
)

// ChangeTask is a caseworker's task a change opened (created by
// ApplyChange; the change's workflow waits for it).
type ChangeTask struct {
	ID            string
	Step          string
	EntitlementID string
	PersonID      domain.PersonID
	CentreID      string
}

// ApplyChangeInput names a stored change and the workflow id its tasks
// belong to.
type ApplyChangeInput struct {
	ID         string
	WorkflowID string
}

// ApplyChangeResult is what the change did and what its workflow does next.
type ApplyChangeResult struct {
	// Done: the change was applied before (a second delivery): nothing
	// was done now, and nothing is to follow.
	Done  bool
	State string // applied or proposed, or unmatched
	// Revise lists the rights whose reassessment the change proposes: a
	// Revision with trigger "change" each.
	Revise []string
	// Tasks are the tasks opened (a death: close the right by decision).
	Tasks   []ChangeTask
	Outcome []store.ChangeOutcome
}

// ApplyChange applies a new change to every right it touches: the rights
// the person holds and those of the households the person is a member of.
//   - death: each right the dead person holds ends ex officio from the day
//     after the death (a version reason death, source "change:<id>"): the
//     payroll pays what is owed up to the death, pro rata, and nothing
//     after; a caseworker's task to close the right by decision. The rights
//     of the households the person was a member of are reassessed (the dead
//     leave the household from the day after death).
//   - adulthood: the child's part of the child allowance ends ex officio on
//     the 18th birthday: the family's right re-rated from that day on its
//     basis (or, for a right carried over without one, in proportion to
//     the children counted), ended when no child is left.
//   - anything else: a reassessment of each right, proposed to a caseworker
//     (never an amount changed without one).
//
// Every write is keyed by the change (versions by source, tasks by id), so
// a retry or a second delivery changes nothing more. The change's state is
// recorded by FinishChange once its workflow started what follows.
func (a *Activities) ApplyChange(ctx context.Context, in ApplyChangeInput) (ApplyChangeResult, error) {
	ev, err := a.DB.Change(ctx, in.ID)
	if err != nil {
		return ApplyChangeResult{}, asTemporal(err)
	}
	if ev.State != domain.ChangeNew {
		return ApplyChangeResult{Done: true, State: ev.State, Outcome: ev.Outcome}, nil
	}
	rights, err := a.DB.RightsTouchedBy(ctx, ev.PersonID)
	if err != nil {
		return ApplyChangeResult{}, asTemporal(err)
	}
	res := ApplyChangeResult{State: domain.ChangeApplied, Outcome: []store.ChangeOutcome{}}
	for _, r := range rights {
		var o store.ChangeOutcome
		switch {
		case ev.Kind == domain.ChangeDeath && r.Own:
			o, err = a.endOnDeath(ctx, ev, r, in.WorkflowID, &res)
		case ev.Kind == domain.ChangeAdulthood && !r.Own && r.Benefit == string(benefits.DD):
			o, err = a.comeOfAge(ctx, ev, r)
		default:
			o = store.ChangeOutcome{EntitlementID: r.EntitlementID, Benefit: r.Benefit, Action: "proposed"}
			res.Revise = append(res.Revise, r.EntitlementID)
		}
		if err != nil {
			return ApplyChangeResult{}, asTemporal(err)
		}
		res.Outcome = append(res.Outcome, o)
	}
	if len(res.Revise) > 0 && !ev.Kind.ExOfficio() {
		res.State = domain.ChangeProposed
	}
	return res, nil
}

// endOnDeath ends a right of the dead person from the day after the death
// and opens the task to close it by decision.
func (a *Activities) endOnDeath(ctx context.Context, ev store.ChangeEvent, r store.TouchedRight, workflowID string, res *ApplyChangeResult) (store.ChangeOutcome, error) {
	from := ev.OccurredOn.AddDate(0, 0, 1)
	o := store.ChangeOutcome{EntitlementID: r.EntitlementID, Benefit: r.Benefit, Action: "ended", From: from.Format(time.DateOnly)}
	v, _, err := a.DB.AddVersion(ctx, store.Version{EntitlementID: r.EntitlementID, RightVersion: domain.RightVersion{From: from,
		Amount: decimal.Zero, State: domain.RightEnded, Reason: domain.ReasonDeath, Ref: ev.ID}, Source: "change:" + ev.ID, CreatedBy: "system",
		Lines: []domain.PaymentLine{{What: fmt.Sprintf("the holder died on %s (%s): the right ends from %s", ev.OccurredOn.Format(time.DateOnly),
			ev.Source, from.Format(time.DateOnly)), Value: "0.00"}}})
	if domain.ErrorCode(err) == domain.CodeConflict { // ended before, by something else
		return store.ChangeOutcome{EntitlementID: r.EntitlementID, Benefit: r.Benefit, Action: "unchanged", Note: "already ended"}, nil
	}
	if err != nil {
		return o, err
	}
	o.Version = v.Seq
	step := "close-" + r.EntitlementID
	t := ChangeTask{ID: taskID(workflowID, step), Step: step, EntitlementID: r.EntitlementID, PersonID: r.BeneficiaryID, CentreID: r.CentreID}
	if err := a.CreateTask(ctx, CreateTaskInput{ID: t.ID, WorkflowID: workflowID, Type: TaskChangeCloseRight, Subject: r.EntitlementID,
		PersonID: r.BeneficiaryID, CentreID: r.CentreID, CandidateRole: domain.RoleCaseworker, Priority: 70, Due: a.Now().Add(ChangeTaskDue),
		Data: map[string]string{"change": ev.ID, "entitlement": r.EntitlementID, "benefit": r.Benefit, "from": o.From}}); err != nil {
		return o, err
	}
	o.Task = t.ID
	res.Tasks = append(res.Tasks, t)
	return o, nil
}

// ChangeTaskDue is how long a caseworker has to close a right a death
// ended (GUESS: the brief gives no deadline; a claim's review has 5 days).
const ChangeTaskDue = 5 * 24 * time.Hour

// taskID is workflows.TaskID (activities may not import workflows): the
// workflow id with its slashes as colons, then the step.
func taskID(workflowID, step string) string {
	b := []byte(workflowID)
	for i, c := range b {
		if c == '/' {
			b[i] = ':'
		}
	}
	return string(b) + ":" + step
}

// comeOfAge ends a child's part of a family's child allowance from the
// child's 18th birthday (GUESS: "up to 18", DOMAIN.md §3.3; the part ends
// on the birthday and the month is paid pro rata, as for any change
// within a month).
func (a *Activities) comeOfAge(ctx context.Context, ev store.ChangeEvent, r store.TouchedRight) (store.ChangeOutcome, error) {
	day := ev.OccurredOn
	o := store.ChangeOutcome{EntitlementID: r.EntitlementID, Benefit: r.Benefit, Action: "unchanged", From: day.Format(time.DateOnly)}
	vs, err := a.DB.Versions(ctx, r.EntitlementID)
	if err != nil {
		return o, err
	}
	cur, ok := store.Timeline(vs).On(day)
	if !ok || cur.State != domain.RightActive {
		o.Note = "the right does not pay on the birthday"
		return o, nil
	}
	amount, lines, err := a.childAllowanceWithout(ctx, r, cur.Amount, day)
	if err != nil {
		return o, err
	}
	if amount.GreaterThanOrEqual(cur.Amount) {
		o.Note = "the child was not counted"
		return o, nil
	}
	v := store.Version{EntitlementID: r.EntitlementID, RightVersion: domain.RightVersion{From: day, Amount: amount, State: domain.RightActive,
		Reason: domain.ReasonChange, Ref: ev.ID}, Source: "change:" + ev.ID, CreatedBy: "system", Lines: lines}
	o.Action = "rerated"
	if amount.IsZero() {
		v.State, o.Action = domain.RightEnded, "ended"
	}
	got, _, err := a.DB.AddVersion(ctx, v)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return store.ChangeOutcome{EntitlementID: r.EntitlementID, Benefit: r.Benefit, Action: "unchanged", Note: "already ended"}, nil
	}
	if err != nil {
		return o, err
	}
	o.Version = got.Seq
	return o, nil
}

// childAllowanceWithout is what the family's child allowance pays from day
// on, now that a child has come of age: recalculated on the right's basis
// when the grant recorded one, else (a right carried over from the
// previous system) the amount in proportion to the children counted the
// day before and on the day.
func (a *Activities) childAllowanceWithout(ctx context.Context, r store.TouchedRight, now decimal.Decimal, day time.Time) (decimal.Decimal, []domain.PaymentLine, error) {
	params, err := a.params(ctx, 0) // the law's files with the values the ministry published
	if err != nil {
		return decimal.Zero, nil, err
	}
	if len(r.Basis) > 0 {
		var s benefits.Situation
		if err := json.Unmarshal(r.Basis, &s); err != nil {
			return decimal.Zero, nil, fmt.Errorf("basis of %s: %w", r.EntitlementID, err)
		}
		s.Period = day
		res, err := benefits.Calculate(params, benefits.DD, s)
		if err != nil {
			return decimal.Zero, nil, err
		}
		lines := []domain.PaymentLine{{What: "a child came of age on " + day.Format(time.DateOnly) + ": recalculated on the grant's basis", Value: res.Amount.StringFixed(2)}}
		for _, l := range res.Lines {
			lines = append(lines, domain.PaymentLine{What: l.What + " (" + l.Source + ")", Value: l.Value})
		}
		if !res.Eligible {
			return decimal.Zero, lines, nil
		}
		return res.Amount, lines, nil
	}
	kids, err := a.DB.ChildrenOfRight(ctx, r.EntitlementID)
	if err != nil {
		return decimal.Zero, nil, err
	}
	limit, err := params.At("dd.age_limit", day)
	if err != nil {
		return decimal.Zero, nil, err
	}
	most, err := params.At("dd.max_children", day)
	if err != nil {
		return decimal.Zero, nil, err
	}
	count := func(on time.Time) int64 {
		n := int64(0)
		for _, b := range kids {
			if on.Before(b.AddDate(int(limit.Value.IntPart()), 0, 0)) && !on.Before(b) {
				n++
			}
		}
		return min(n, most.Value.IntPart())
	}
	before, after := count(day.AddDate(0, 0, -1)), count(day)
	if before == 0 {
		return now, nil, errors.New("no child counted before the birthday")
	}
	amount := now.Mul(decimal.NewFromInt(after)).Div(decimal.NewFromInt(before)).Round(2)
	return amount, []domain.PaymentLine{{What: fmt.Sprintf("a child came of age on %s: %d of %d children counted, %s × %d / %d (the right was carried over without its basis)",
		day.Format(time.DateOnly), after, before, now.StringFixed(2), after, before), Value: amount.StringFixed(2)}}, nil
}

// FinishChangeInput records what a change did.
type FinishChangeInput struct {
	ID      string
	State   string
	Outcome []store.ChangeOutcome
}

// FinishChange records the change's state and outcome, once: a change
// already finished keeps its first outcome.
func (a *Activities) FinishChange(ctx context.Context, in FinishChangeInput) error {
	_, err := a.DB.FinishChange(ctx, in.ID, in.State, in.Outcome, a.Now())
	return asTemporal(err)
}
