package workflows

import (
	"errors"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// Names of the farmers' allowance exchange (issue 21 item 6).
const (
	// NameAgricultureImport imports one month's file of the farmers'
	// old-age allowance: fetched from the ministry (the monthly schedule,
	// platform.EnsureAgricultureSchedule) or uploaded (the API).
	NameAgricultureImport = "AgricultureImport"
	// NameAgricultureConflict waits for the centre's task about a person
	// paid the allowance while holding an MO right.
	NameAgricultureConflict = "AgricultureConflict"
	// AgricultureScheduleID is the monthly schedule; its runs' ids start
	// with AgricultureScheduledID.
	AgricultureScheduleID  = "agriculture-monthly"
	AgricultureScheduledID = "agriculture-scheduled"
)

// AgricultureImportID is the workflow id of an uploaded file's import:
// one per file, by its hash.
func AgricultureImportID(hash string) string { return "agriculture/" + hash }

// AgricultureConflictID is the workflow id of a conflict: one per person
// and month. A person of the DV compartment's conflict is under "dv/", so
// that its task is sealed in the compartment (store.CompartmentOfWorkflow).
func AgricultureConflictID(c activities.AgricultureConflictRef) string {
	id := "agriculture-conflict/" + string(c.PersonID) + "/" + c.Period
	if c.Restricted {
		return "dv/" + id
	}
	return id
}

// AgricultureConflictDue is how long the centre has for a conflict's task
// (GUESS: the rulebook sets no deadline; two weeks, then its supervisors).
const AgricultureConflictDue = 14 * 24 * time.Hour

// AgricultureWaits is how many times, a day apart, the import asks again
// for a month the ministry has not published yet before it gives up.
const AgricultureWaits = 10

// AgricultureImportInput is a month to fetch, or a file already kept.
type AgricultureImportInput struct {
	// Period is the month to fetch (YYYY-MM); "": the month before the
	// run's start (the schedule). Ignored when File is set.
	Period string
	// File is an uploaded file, kept in the object store; nil: fetch.
	File       *activities.AgricultureFileRef
	ReceivedBy string // a username, or "schedule"
}

// AgricultureImportResult is what became of the file.
type AgricultureImportResult struct {
	FileID       int64
	State        string // imported, refused, or not_published
	Period       string
	Duplicate    bool // the same file was imported before: nothing changed
	Rows         int
	Faults       int
	Conflicts    int
	Tasks        int // conflicts whose task this run opened (a conflict known before keeps its own)
	NotPublished bool
}

var (
	agricultureFetchOptions = workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: 5 * time.Minute, MaximumAttempts: 6,
			NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}}}
	agricultureImportOptions = workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumInterval: 5 * time.Minute,
			NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden}}}
)

// AgricultureImport imports one month's file of the farmers' old-age
// allowance: it fetches the month's file from the ministry (asking again a
// day later, up to AgricultureWaits times, while it is not published) or
// takes the uploaded one, which the object store keeps by its hash; then
// activities.ImportAgricultureFile checks it and imports it whole, or
// records it refused with its report (the history holds counts and ids,
// never a row). Each conflict with an MO right starts an
// AgricultureConflict child (abandoned, one per person and month). Every
// step is idempotent by the file's hash, so a run resumed after a crash,
// or the same file again, changes nothing twice.
//
// Input AgricultureImportInput; no updates, signals or queries; timers:
// the daily wait for an unpublished month; children: AgricultureConflict.
func AgricultureImport(ctx workflow.Context, in AgricultureImportInput) (AgricultureImportResult, error) {
	r := &agricultureRun{in: in}
	ref, err := r.file(ctx)
	if err != nil || ref == nil {
		return r.res, err
	}
	var imp activities.ImportAgricultureFileResult
	err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, agricultureImportOptions), r.a.ImportAgricultureFile,
		activities.ImportAgricultureFileInput{Key: ref.Key, Hash: ref.Hash, ReceivedBy: in.ReceivedBy,
			WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}).Get(ctx, &imp)
	if err != nil {
		return r.res, err
	}
	r.res.FileID, r.res.State, r.res.Period, r.res.Duplicate = imp.FileID, imp.State, imp.Period, imp.Duplicate
	r.res.Rows, r.res.Faults, r.res.Conflicts = imp.Rows, imp.Faults, len(imp.Conflicts)
	return r.res, r.openConflicts(ctx, imp.FileID, imp.Conflicts)
}

// agricultureRun is one import's state.
type agricultureRun struct {
	a   *activities.Activities
	in  AgricultureImportInput
	res AgricultureImportResult
}

// file returns the file to import: the uploaded one, or the month's
// fetched; nil when the month was not published in time.
func (r *agricultureRun) file(ctx workflow.Context) (*activities.AgricultureFileRef, error) {
	if r.in.File != nil {
		return r.in.File, nil
	}
	period := r.in.Period
	if period == "" {
		now := workflow.Now(ctx).UTC()
		period = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
	}
	r.res.Period = period
	actx := workflow.WithActivityOptions(ctx, agricultureFetchOptions)
	for try := 1; ; try++ {
		var ref activities.AgricultureFileRef
		err := workflow.ExecuteActivity(actx, r.a.FetchAgricultureFile, activities.FetchAgricultureFileInput{Period: period}).Get(ctx, &ref)
		if err == nil {
			return &ref, nil
		}
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) || ae.Type() != domain.CodeNotFound {
			return nil, err
		}
		if try >= AgricultureWaits {
			r.res.State, r.res.NotPublished = "not_published", true
			return nil, nil
		}
		if err := workflow.Sleep(ctx, 24*time.Hour); err != nil {
			return nil, err
		}
	}
}

// openConflicts starts a conflict's child for each conflict, abandoned;
// one started before (the same person and month) is left as it is.
func (r *agricultureRun) openConflicts(ctx workflow.Context, fileID int64, cs []activities.AgricultureConflictRef) error {
	started := make([]workflow.Future, len(cs))
	for i, c := range cs {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: AgricultureConflictID(c), TaskQueue: TaskQueue,
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE})
		started[i] = workflow.ExecuteChildWorkflow(cctx, NameAgricultureConflict, AgricultureConflictInput{Conflict: c, FileID: fileID}).
			GetChildWorkflowExecution()
	}
	for _, f := range started {
		err := f.Get(ctx, nil)
		var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
		switch {
		case err == nil:
			r.res.Tasks++
		case !errors.As(err, &dup):
			return err
		}
	}
	return nil
}

// AgricultureConflictInput is a conflict by ids.
type AgricultureConflictInput struct {
	Conflict activities.AgricultureConflictRef
	FileID   int64
}

// AgricultureConflictResult is the centre's outcome; Revision is the
// revision the caseworker started ("" for no_action).
type AgricultureConflictResult struct {
	Outcome  string
	By       string
	Revision string
}

// AgricultureConflict opens the task agriculture.mo_conflict for the
// centre of the person's MO right (caseworkers; escalated to the
// supervisors after AgricultureConflictDue) and waits for its outcome:
// "revise" starts a Revision of the right (manual, by the caseworker,
// abandoned), "no_action" ends it.
//
// Input AgricultureConflictInput; id AgricultureConflictID. Update:
// UpdateCompleteTask. Children: Revision (abandoned).
func AgricultureConflict(ctx workflow.Context, in AgricultureConflictInput) (AgricultureConflictResult, error) {
	t := newTasks()
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, t.complete,
		workflow.UpdateHandlerOptions{Validator: t.validate}); err != nil {
		return AgricultureConflictResult{}, err
	}
	c := in.Conflict
	done, err := t.await(ctx, taskSpec{Step: "review", Type: activities.TaskAgricultureConflict, Subject: c.EntitlementID,
		PersonID: c.PersonID, CentreID: c.CentreID, Role: domain.RoleCaseworker, Due: AgricultureConflictDue, Priority: 60,
		Outcomes: []string{"revise", "no_action"},
		Data:     map[string]string{"period": c.Period, "entitlement": c.EntitlementID, "file": strconv.FormatInt(in.FileID, 10)}},
		domain.RoleSupervisor)
	if err != nil {
		return AgricultureConflictResult{}, err
	}
	res := AgricultureConflictResult{Outcome: done.Outcome, By: done.By}
	if done.Outcome == "revise" {
		rin := RevisionInput{EntitlementID: c.EntitlementID, Due: workflow.Now(ctx).UTC().Format(time.DateOnly), Trigger: RevisionManual,
			StartedBy: done.By}
		err := StartRevisionChild(ctx, rin).Get(ctx, nil)
		var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
		if err != nil && !errors.As(err, &dup) {
			return res, err
		}
		res.Revision = RevisionID(rin)
	}
	return res, workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}
