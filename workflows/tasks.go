package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/temporalerr"
)

// UpdateCompleteTask is the Update a person's outcome of a task arrives by.
const UpdateCompleteTask = "complete-task"

// TaskCompletion is a person's outcome of a task, as the API sends it.
type TaskCompletion struct {
	TaskID   string
	Outcome  string
	Data     json.RawMessage
	By       string // username
	Role     domain.Role
	CentreID string
}

// taskSpec describes a task a workflow waits for.
type taskSpec struct {
	Step     string // unique within the workflow
	Type     string
	Subject  string
	PersonID domain.PersonID
	CentreID string
	Role     domain.Role
	Due      time.Duration
	Priority int
	Exclude  []string // users who may not complete it (four eyes)
	Outcomes []string
	Data     map[string]string
	// Rule, when set, is what a refusal for the wrong role says (the
	// definition's rule).
	Rule string
	// check validates the outcome's data; nil accepts any.
	check func(TaskCompletion) error
}

// tasks is the human-task state of a workflow: what it waits for and what
// came back. Only looked up by key, never iterated, so replay is stable.
type tasks struct {
	pending map[string]taskSpec
	done    map[string]TaskCompletion
	// closed, when set, refuses every outcome with this reason (e.g. the
	// claim was withdrawn).
	closed string
}

func newTasks() *tasks {
	return &tasks{pending: map[string]taskSpec{}, done: map[string]TaskCompletion{}}
}

// rejectf refuses an Update: a validator's (or a handler's, checking
// again) domain error, carried across by temporalerr.ToTemporal.
func rejectf(code, format string, args ...any) error {
	return temporalerr.ToTemporal(domain.Errorf(code, format, args...))
}

// rejectField refuses an Update naming the input field at fault.
func rejectField(code, field, format string, args ...any) error {
	return temporalerr.ToTemporal(&domain.Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)})
}

// validate is the Update's validator: it refuses outcomes that are stale,
// for a task not waited for, from the wrong role, centre or person, or
// malformed. Nothing it refuses reaches the history.
func (t *tasks) validate(_ workflow.Context, c TaskCompletion) error {
	return t.validateOutcome(c, true)
}

// validateOutcome is validate; check says whether the task's own check of
// the outcome's data runs too.
func (t *tasks) validateOutcome(c TaskCompletion, check bool) error {
	if t.closed != "" {
		return rejectf(domain.CodeConflict, "%s", t.closed)
	}
	spec, ok := t.pending[c.TaskID]
	if !ok {
		if _, done := t.done[c.TaskID]; done {
			return rejectf(domain.CodeConflict, "task %s is already completed; the first outcome stands", c.TaskID)
		}
		return rejectf(domain.CodeConflict, "task %s is not waiting for an outcome", c.TaskID)
	}
	if c.CentreID != spec.CentreID {
		return rejectf(domain.CodeForbidden, "task %s belongs to centre %s", c.TaskID, spec.CentreID)
	}
	if !c.Role.Acts(spec.Role) {
		if spec.Rule != "" {
			return rejectf(domain.CodeForbidden, "%s, not %s", spec.Rule, c.Role)
		}
		return rejectf(domain.CodeForbidden, "task %s needs the %s role", c.TaskID, spec.Role)
	}
	for _, u := range spec.Exclude {
		if u == c.By {
			return rejectf(domain.CodeForbidden, "four eyes: %s prepared this decision and may not approve it", c.By)
		}
	}
	allowed := false
	for _, o := range spec.Outcomes {
		allowed = allowed || o == c.Outcome
	}
	if !allowed {
		return rejectf(domain.CodeInvalid, "outcome %q is not one of %v", c.Outcome, spec.Outcomes)
	}
	if check && spec.check != nil {
		if err := spec.check(c); err != nil {
			return reject(err)
		}
	}
	return nil
}

// complete is the Update's handler. On replay it does not check the
// outcome's data again: the SDK skips validators on replay so that their
// rules may change between versions (issue 16 narrowed the claim review's
// "adjust"), and an outcome accepted under the old rules must still be
// accepted when its history replays.
func (t *tasks) complete(ctx workflow.Context, c TaskCompletion) error {
	if err := t.validateOutcome(c, !workflow.IsReplaying(ctx)); err != nil {
		return err
	}
	delete(t.pending, c.TaskID)
	t.done[c.TaskID] = c
	return nil
}

// TaskID is the id of a workflow's task at step: the workflow id with its
// slashes as colons (ids travel in URL paths), then the step.
func TaskID(workflowID, step string) string {
	return strings.ReplaceAll(workflowID, "/", ":") + ":" + step
}

// errClosed ends a wait when the workflow's tasks were closed.
var errClosed = errors.New("tasks closed")

// await creates the task (an activity, keyed by workflow id + step), waits
// for its outcome with a durable timer, escalates once on a missed
// deadline (marked overdue, shown to the escalation role) and goes on
// waiting. It records the accepted outcome on the task row.
func (t *tasks) await(ctx workflow.Context, spec taskSpec, escalateTo domain.Role) (TaskCompletion, error) {
	return t.awaitLadder(ctx, spec, []domain.Role{escalateTo})
}

// awaitLadder is await with an escalation ladder: each missed deadline
// (the task's Due, counted again for each rung) escalates to the next role
// (e.g. the supervisor, then the centre's head); after the last, it waits.
func (t *tasks) awaitLadder(ctx workflow.Context, spec taskSpec, ladder []domain.Role) (TaskCompletion, error) {
	var a *activities.Activities
	actx := workflow.WithLocalActivityOptions(ctx, localOptions)
	id := TaskID(workflow.GetInfo(ctx).WorkflowExecution.ID, spec.Step)
	t.pending[id] = spec
	err := workflow.ExecuteLocalActivity(actx, a.CreateTask, activities.CreateTaskInput{
		ID: id, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Type: spec.Type, Subject: spec.Subject,
		PersonID: spec.PersonID, CentreID: spec.CentreID, CandidateRole: spec.Role, Priority: spec.Priority,
		Due: workflow.Now(ctx).Add(spec.Due), ExcludedUsers: spec.Exclude, Data: spec.Data,
	}).Get(ctx, nil)
	if err != nil {
		return TaskCompletion{}, err
	}
	ready := func() bool {
		_, done := t.done[id]
		return done || t.closed != ""
	}
	waited := false
	for _, rung := range ladder {
		ok, err := workflow.AwaitWithTimeout(ctx, spec.Due, ready)
		if err != nil {
			return TaskCompletion{}, err
		}
		if ok {
			waited = true
			break
		}
		if err := workflow.ExecuteLocalActivity(actx, a.EscalateTask, activities.EscalateTaskInput{TaskID: id, To: rung}).Get(ctx, nil); err != nil {
			return TaskCompletion{}, err
		}
	}
	if !waited {
		if err := workflow.Await(ctx, ready); err != nil {
			return TaskCompletion{}, err
		}
	}
	c, done := t.done[id]
	if !done {
		return TaskCompletion{}, errClosed
	}
	err = workflow.ExecuteLocalActivity(actx, a.RecordTaskOutcome, activities.RecordTaskOutcomeInput{
		TaskID: id, Outcome: c.Outcome, Data: c.Data, By: c.By, At: workflow.Now(ctx),
	}).Get(ctx, nil)
	return c, err
}

// reject refuses an Update with err: a domain error (e.g. a form's
// failing fields) as it is, anything else as invalid input.
func reject(err error) error {
	var de *domain.Error
	if err != nil && !errors.As(err, &de) {
		err = domain.Errorf(domain.CodeInvalid, "%v", err)
	}
	return temporalerr.ToTemporal(err)
}
