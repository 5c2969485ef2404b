package workflows

import (
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// Names of the change-event procedures (issue 16 item 3).
const (
	// NamePollChanges is the workflow the changes schedule starts
	// (platform.EnsureChangesSchedule) every poll interval.
	NamePollChanges = "PollChanges"
	// NameChangeFollowUp waits for the caseworkers' tasks a change opened.
	NameChangeFollowUp = "ChangeFollowUp"
	// PollChangesID is a poll's workflow id when started by hand.
	PollChangesID = "changes-poll"
)

// ChangeID is the workflow id of a change's follow-up ("change/<id>"); its
// tasks are named after it.
func ChangeID(changeID string) string { return "change/" + changeID }

// DefaultChangesPerRun is how many changes one run of a poll applies
// before it continues as new (about 6 history events each, with a
// revision's start: the history stays well under Temporal's limits).
const DefaultChangesPerRun = 200

// PollChangesInput is one poll, or its continuation.
type PollChangesInput struct {
	// Day is today (YYYY-MM-DD) for the daily adulthood check; "": the
	// workflow's clock.
	Day   string
	Limit int // changes applied per run; 0: DefaultChangesPerRun
	// Carried over by continue-as-new: the counts so far (the feeds are
	// read and the daily check made by the first run only).
	Carried PollChangesResult
}

// PollChangesResult counts what a poll did.
type PollChangesResult struct {
	Stored     int // changes taken from the feeds
	FeedErrors int // feeds that did not answer (read again at the next poll)
	Adulthood  int // children found to have come of age
	Applied    int // changes applied (ex officio or nothing to do)
	Proposed   int // changes that proposed a reassessment
	Revisions  int // revisions started (trigger change)
	FollowUps  int // changes with tasks for caseworkers (a death)
	Failed     int // changes that could not be applied (left new, tried at the next poll)
	Runs       int
}

var (
	// A feed that does not answer is read again at the next poll: a
	// few attempts, not a backlog of retries.
	feedOptions = workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3}}
	changeOptions = workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5}}
)

// PollChanges reads every registry's feed of changes from its stored
// cursor (each page stored with the new cursor in one transaction: every
// change taken exactly once), runs the daily check for children who came
// of age, and applies each new change (activities.ApplyChange): a death
// ends the dead holder's rights ex officio and opens tasks (a
// ChangeFollowUp child, abandoned, waits for them); other changes start a
// Revision of each right they touch (trigger change). The change's state
// is recorded once what follows started. A change that cannot be applied
// stays new for the next poll. Started by a Temporal Schedule (overlap:
// skip); it continues as new after Limit changes.
//
// Input PollChangesInput; no updates, signals or queries; children:
// Revision, ChangeFollowUp (abandoned).
func PollChanges(ctx workflow.Context, in PollChangesInput) (PollChangesResult, error) {
	p := &pollRun{in: in, res: in.Carried}
	if p.in.Limit <= 0 {
		p.in.Limit = DefaultChangesPerRun
	}
	if p.in.Day == "" {
		p.in.Day = workflow.Now(ctx).UTC().Format(time.DateOnly)
	}
	first := p.res.Runs == 0
	p.res.Runs++
	if first {
		p.readFeeds(ctx)
	}
	var next activities.NextChangesResult
	day := ""
	if first {
		day = p.in.Day
	}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, changeOptions), p.a.NextChanges,
		activities.NextChangesInput{Day: day, Limit: p.in.Limit}).Get(ctx, &next); err != nil {
		return p.res, err
	}
	p.res.Adulthood += next.Adulthood
	failedBefore := p.res.Failed
	for _, id := range next.IDs {
		if err := p.apply(ctx, id); err != nil {
			return p.res, err
		}
	}
	// a short page: nothing more waits; a page that failed whole: the same
	// changes would come again, so they wait for the next poll
	if len(next.IDs) < p.in.Limit || p.res.Failed-failedBefore == len(next.IDs) {
		return p.res, nil
	}
	cont := p.in
	cont.Carried = p.res
	return p.res, workflow.NewContinueAsNewError(ctx, NamePollChanges, cont)
}

type pollRun struct {
	a   *activities.Activities
	in  PollChangesInput
	res PollChangesResult
}

// readFeeds polls each feed in turn; one that does not answer is counted
// and left for the next poll.
func (p *pollRun) readFeeds(ctx workflow.Context) {
	actx := workflow.WithActivityOptions(ctx, feedOptions)
	for _, feed := range domain.ChangeFeeds() {
		var r activities.PollFeedResult
		if err := workflow.ExecuteActivity(actx, p.a.PollFeed, activities.PollFeedInput{Feed: feed}).Get(ctx, &r); err != nil {
			p.res.FeedErrors++
			continue
		}
		p.res.Stored += r.Stored
	}
}

// apply applies one change, starts what follows it and records its
// state. Only a failure to start a child fails the poll (the server is
// unwell); a change the activity cannot apply is counted and left.
func (p *pollRun) apply(ctx workflow.Context, id string) error {
	actx := workflow.WithActivityOptions(ctx, changeOptions)
	var res activities.ApplyChangeResult
	if err := workflow.ExecuteActivity(actx, p.a.ApplyChange, activities.ApplyChangeInput{ID: id, WorkflowID: ChangeID(id)}).Get(ctx, &res); err != nil {
		p.res.Failed++
		return nil
	}
	if res.Done {
		return nil
	}
	var started []workflow.Future
	for _, e := range res.Revise {
		started = append(started, StartRevisionChild(ctx, RevisionInput{EntitlementID: e, Due: p.in.Day, Trigger: RevisionChange, Ref: id,
			StartedBy: "system"}))
	}
	if len(res.Tasks) > 0 {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: ChangeID(id), TaskQueue: TaskQueue,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE})
		started = append(started, workflow.ExecuteChildWorkflow(cctx, NameChangeFollowUp, ChangeFollowUpInput{ChangeID: id, Tasks: res.Tasks}).
			GetChildWorkflowExecution())
		p.res.FollowUps++
	}
	for i, f := range started {
		err := f.Get(ctx, nil)
		var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
		if err != nil && !errors.As(err, &dup) {
			return err
		}
		if i < len(res.Revise) && err == nil {
			p.res.Revisions++
		}
	}
	if err := workflow.ExecuteActivity(actx, p.a.FinishChange, activities.FinishChangeInput{ID: id, State: res.State, Outcome: res.Outcome}).Get(ctx, nil); err != nil {
		p.res.Failed++
		return nil
	}
	if res.State == domain.ChangeProposed {
		p.res.Proposed++
	} else {
		p.res.Applied++
	}
	return nil
}

// ChangeFollowUpInput names a change and the tasks it opened.
type ChangeFollowUpInput struct {
	ChangeID string
	Tasks    []activities.ChangeTask
}

// ChangeFollowUp waits for the caseworkers' tasks a change opened: for a
// death, one "close the right by decision" (change.close_right, outcome
// closed) per right the death ended, each escalated to the centre's
// supervisors when its deadline passes; then a supervisor other than the
// caseworker approves (change.approve_close) and the decision closing the
// right is issued with its PDF (activities.CloseRightOnDeath). The right
// already ended ex officio when the task opened. Runs started before the
// "death-close-decision" version end at the caseworker's task.
//
// Input ChangeFollowUpInput; id ChangeID(change). Update: UpdateCompleteTask.
func ChangeFollowUp(ctx workflow.Context, in ChangeFollowUpInput) error {
	f := &followUp{in: in, t: newTasks()}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, f.t.complete,
		workflow.UpdateHandlerOptions{Validator: f.t.validate}); err != nil {
		return err
	}
	f.decide = workflow.GetVersion(ctx, "death-close-decision", workflow.DefaultVersion, 1) == 1
	done := 0
	for _, task := range in.Tasks {
		workflow.Go(ctx, func(gctx workflow.Context) {
			if err := f.close(gctx, task); err != nil && f.failed == nil {
				f.failed = err
			}
			done++
		})
	}
	if err := workflow.Await(ctx, func() bool { return done == len(in.Tasks) }); err != nil {
		return err
	}
	if f.failed != nil {
		return f.failed
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// followUp is a change's follow-up: its tasks and whether a decision
// closes each right.
type followUp struct {
	in     ChangeFollowUpInput
	t      *tasks
	decide bool
	failed error
}

// close takes one right a death ended through its caseworker's task, the
// supervisor's approval and the decision.
func (f *followUp) close(ctx workflow.Context, task activities.ChangeTask) error {
	data := map[string]string{"change": f.in.ChangeID, "entitlement": task.EntitlementID}
	prepared, err := f.t.await(ctx, taskSpec{Step: task.Step, Type: activities.TaskChangeCloseRight, Subject: task.EntitlementID,
		PersonID: task.PersonID, CentreID: task.CentreID, Role: domain.RoleCaseworker, Due: activities.ChangeTaskDue, Priority: 70,
		Outcomes: []string{"closed"}, Data: data}, domain.RoleSupervisor)
	if err != nil || !f.decide {
		return err
	}
	approved, err := f.t.await(ctx, taskSpec{Step: task.Step + "-approve", Type: activities.TaskChangeApproveClose, Subject: task.EntitlementID,
		PersonID: task.PersonID, CentreID: task.CentreID, Role: domain.RoleSupervisor, Due: activities.ChangeTaskDue, Priority: 70,
		Exclude: []string{prepared.By}, Outcomes: []string{"approved"}, Data: data}, domain.RoleSupervisor)
	if err != nil {
		return err
	}
	var a *activities.Activities
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, claimActivityOptions), a.CloseRightOnDeath, activities.CloseRightInput{
		ChangeID: f.in.ChangeID, EntitlementID: task.EntitlementID, PreparedBy: prepared.By, ApprovedBy: approved.By,
		IssuedAt: workflow.Now(ctx)}).Get(ctx, nil)
}
