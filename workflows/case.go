package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
)

// Names of the case procedure's messages.
const (
	NameCase         = "Case"
	UpdateCaseAction = "case-action"
	SignalChildDone  = "sub-procedure-closed"
	QueryCase        = "case"
)

// CaseWorkflowID is the workflow id of a case.
func CaseWorkflowID(number string) string { return "case/" + number }

// CaseInput starts a case from its intake, or carries a case over:
// continue-as-new (Carried) or reopening (Carried and Reopen).
type CaseInput struct {
	Number    string
	Procedure string
	Version   int // 0: the latest
	CentreID  string
	OpenedBy  string
	Persons   []activities.CasePerson
	Intake    json.RawMessage // the intake form, checked by the API
	Parent    string          // the case that started this one as a sub-procedure
	Carried   *CaseState
	Reopen    bool
	By        string // who reopened
	// EventLimit is how many case events one run records before a quiet
	// case continues as new (0: 500, about 2,000 history events; sooner
	// when the server suggests it).
	EventLimit int
}

// CaseTracking is an item of the tracking list.
type CaseTracking struct {
	Item    int
	Kind    string
	What    string
	Due     time.Time
	Done    bool
	Overdue bool
}

// CaseDecisionRef is a decision of the case: prepared, then issued.
type CaseDecisionRef struct {
	Seq        int
	Kind       string
	PreparedBy string
	State      string // awaiting_approval, issued, returned
	Number     string
	ID         string
}

// CaseState is where a case stands: the query's answer, the result, and
// what continue-as-new carries over.
type CaseState struct {
	Number      string
	Procedure   string
	Version     int
	CentreID    string
	Status      string // open, closed, information_only, benefit_application
	Stage       string
	StageDue    *time.Time
	Manager     string
	Team        []string
	Parent      string
	OpenedBy    string
	OpenedAt    time.Time
	Persons     []activities.CasePerson
	DV          bool
	Forms       map[string]json.RawMessage // the last accepted form of each stage
	StageSeq    int
	Events      int
	Tracking    []CaseTracking
	Decisions   []CaseDecisionRef
	Children    []string // open sub-procedures
	NextReview  *time.Time
	CloseReason string
	Runs        int // how many times the case continued as new
	Pending     []string
}

// CaseAction is something a person does in a case besides completing
// its stage tasks: add or complete a tracking item, prepare a decision,
// start a sub-procedure, transfer the case, write a note, or propose
// closing it.
type CaseAction struct {
	Action   string // add-tracking, complete-tracking, prepare-decision, start-subprocedure, transfer, note, close
	By       string
	Role     domain.Role
	CentreID string
	Data     json.RawMessage
}

// Case runs one case of any procedure from its definition: intake, then
// each stage the procedure uses (opening, initial and detailed assessment,
// plan) as a task with its deadline and an escalation ladder, with a
// supervisor's approval (four eyes) where the definition asks; then
// monitoring: the tracking list (an item past due escalates), decisions
// through four eyes with a PDF, sub-procedures as cases of their own, a
// periodic review on a timer; then closing with a reason and sign-off.
// A long case continues as new with its state carried over.
//
// Input CaseInput; id CaseWorkflowID(number). Updates: UpdateCompleteTask
// (stage tasks), UpdateCaseAction. Signal: SignalChildDone. Query: QueryCase.
func Case(ctx workflow.Context, in CaseInput) (CaseState, error) {
	def, err := cases.Procedures.Get(in.Procedure, in.Version)
	if err != nil {
		return CaseState{}, temporal.NewNonRetryableApplicationError(err.Error(), domain.CodeInvalid, nil)
	}
	c := newCaseRun(ctx, in, def)
	if err := c.listen(ctx); err != nil {
		return c.st, err
	}
	from, ended, err := c.begin(ctx)
	if err != nil || ended {
		return c.st, err
	}
	if err := c.runStages(ctx, from); err != nil {
		return c.st, err
	}
	if err := c.monitor(ctx); err != nil {
		return c.st, err // a long case's continue-as-new too
	}
	return c.close(ctx)
}

// caseRun is one run of a case workflow: the case's state (what the query
// answers and continue-as-new carries) and what the run keeps besides,
// shared by its stages, its message handlers and its goroutines.
type caseRun struct {
	in            CaseInput
	def           cases.Definition
	wfID          string
	person        domain.PersonID // the case's first person, whom its tasks are about
	st            CaseState
	t             *tasks
	eventsAtStart int
	busy          int  // decisions and sub-procedures being started: continue-as-new waits for them
	closeProposed bool // monitoring ends: the case goes to its closing
	reviewing     bool // a review task is open
	reviews       bool // the monitoring stage's review loop runs
	// reviewNow carries a review asked for before its timer.
	reviewNow workflow.Channel
}

func newCaseRun(ctx workflow.Context, in CaseInput, def cases.Definition) *caseRun {
	c := &caseRun{in: in, def: def, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID}
	if in.Carried != nil {
		c.st = *in.Carried
	} else {
		c.st = CaseState{Number: in.Number, Procedure: def.Code, Version: def.Version, CentreID: in.CentreID, Status: "open",
			Stage: cases.StageIntake, Parent: in.Parent, OpenedBy: in.OpenedBy, OpenedAt: workflow.Now(ctx), Persons: in.Persons,
			DV: def.DV, Forms: map[string]json.RawMessage{}}
	}
	if c.st.Forms == nil {
		c.st.Forms = map[string]json.RawMessage{}
	}
	c.t = newTasks()
	c.eventsAtStart = c.st.Events
	c.reviewNow = workflow.NewBufferedChannel(ctx, 1)
	if len(c.st.Persons) > 0 {
		c.person = c.st.Persons[0].PersonID
	}
	return c
}

// listen registers the case's query and updates, and takes the ends of
// its sub-procedures as they are signalled.
func (c *caseRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryCase, c.query); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, c.t.complete, workflow.UpdateHandlerOptions{Validator: c.t.validate}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCaseAction, c.act, workflow.UpdateHandlerOptions{Validator: c.validateAction}); err != nil {
		return err
	}
	childDone := workflow.GetSignalChannel(ctx, SignalChildDone)
	workflow.Go(ctx, func(gctx workflow.Context) { c.childrenClosing(gctx, childDone) })
	return nil
}

// query is QueryCase: the state with the tasks the case waits for.
func (c *caseRun) query() (CaseState, error) {
	out := c.st
	out.Pending = nil
	for id := range c.t.pending {
		out.Pending = append(out.Pending, id)
	}
	slices.Sort(out.Pending)
	return out, nil
}

// childrenClosing takes each sub-procedure that closed off the open ones.
func (c *caseRun) childrenClosing(ctx workflow.Context, done workflow.ReceiveChannel) {
	for {
		var number string
		done.Receive(ctx, &number)
		if i := slices.Index(c.st.Children, number); i >= 0 {
			c.st.Children = slices.Delete(c.st.Children, i, i+1)
			_ = c.record(ctx, caseEvent{kind: "subprocedure_closed", stage: c.st.Stage, summary: number})
		}
	}
}

// caseEvent is an event of a case's history, with the stage run or the
// tracking item it writes.
type caseEvent struct {
	kind, stage, by, summary string
	data                     json.RawMessage
	run                      *activities.CaseStage
	item                     *activities.TrackingItem
}

// record writes the case as it stands, with the event, to the database.
func (c *caseRun) record(ctx workflow.Context, e caseEvent) error {
	var a *activities.Activities
	c.st.Events++
	st := &c.st
	row := activities.CaseRow{Number: st.Number, Procedure: st.Procedure, Version: st.Version, CentreID: st.CentreID, Status: st.Status,
		Stage: st.Stage, Manager: st.Manager, Team: st.Team, Parent: st.Parent, OpenedBy: st.OpenedBy, OpenedAt: st.OpenedAt,
		StageDue: st.StageDue, CloseReason: st.CloseReason, DV: st.DV, Persons: st.Persons}
	if st.Status != "open" {
		now := workflow.Now(ctx)
		row.ClosedAt = &now
	}
	rec := activities.CaseRecord{Case: row, Stage: e.run, Tracking: e.item}
	if e.kind != "" {
		rec.Event = &activities.CaseEvent{Key: fmt.Sprintf("%s/%d", st.Number, st.Events), At: workflow.Now(ctx), Kind: e.kind, Stage: e.stage,
			By: e.by, Summary: e.summary, Data: e.data}
	}
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.RecordCase, rec).Get(ctx, nil)
}

// subject is a task's subject: the procedure, the case and what to do.
func (c *caseRun) subject(what string) string {
	return fmt.Sprintf("%s %s: %s", c.def.Code, c.st.Number, what)
}

// ruleText is the definition's rule for what: who does it.
func (c *caseRun) ruleText(what string, role domain.Role) string {
	return fmt.Sprintf("procedure %s v%d: %s is done by the %s role", c.def.Code, c.def.Version, what, role)
}

// rule refuses what to anyone who does not act in role.
func (c *caseRun) rule(have, role domain.Role, what string) error {
	if !have.Acts(role) {
		return rejectf(domain.CodeForbidden, "%s, not %s", c.ruleText(what, role), have)
	}
	return nil
}

// begin records a new case's intake, or takes up a reopened or carried
// over one. It says the stage the case goes on from, or that it ended at
// intake (information only, or a benefit application).
func (c *caseRun) begin(ctx workflow.Context) (from string, ended bool, err error) {
	if c.in.Carried == nil {
		// Intake: recorded from the form the API checked.
		var intake struct{ Outcome string }
		_ = json.Unmarshal(c.in.Intake, &intake)
		switch intake.Outcome {
		case "information_only", "benefit_application":
			c.st.Status = intake.Outcome
		}
		if err := c.record(ctx, caseEvent{kind: "intake", stage: cases.StageIntake, by: c.in.OpenedBy, summary: "intake: " + intake.Outcome,
			data: c.in.Intake}); err != nil {
			return "", false, err
		}
		if c.st.Status != "open" {
			return "", true, nil
		}
	}
	switch {
	case c.in.Reopen:
		c.st.Status, c.st.CloseReason, c.closeProposed = "open", "", false
		if err := c.record(ctx, caseEvent{kind: "reopened", stage: c.st.Stage, by: c.in.By, summary: "case reopened"}); err != nil {
			return "", false, err
		}
		return cases.StageInitialAssessment, false, nil
	case c.in.Carried != nil:
		for i, it := range c.st.Tracking {
			if !it.Done {
				c.trackItem(ctx, i+1)
			}
		}
		return c.st.Stage, false, nil
	}
	return cases.StageOpening, false, nil
}

// runStages runs the stages up to monitoring, from where the case stands.
func (c *caseRun) runStages(ctx workflow.Context, from string) error {
	for _, s := range c.def.Stages {
		if s.Name == cases.StageIntake || s.Name == cases.StageMonitoring || s.Name == cases.StageClosing {
			continue
		}
		if cases.StageIndex(s.Name) < cases.StageIndex(from) {
			continue
		}
		if _, err := c.runStage(ctx, s.Name); err != nil {
			return err
		}
	}
	return nil
}

// runStage runs one stage: its task with the deadline and the ladder,
// the form checked against its schema, then the approval if asked for;
// a returned stage is done again.
func (c *caseRun) runStage(ctx workflow.Context, name string) (TaskCompletion, error) {
	stage, ok := c.def.Stage(name)
	if !ok {
		return TaskCompletion{}, nil
	}
	for {
		done, seq, err := c.doStage(ctx, stage)
		if err != nil || !stage.Approval {
			return done, err
		}
		approved, err := c.approveStage(ctx, stage, seq, done)
		if err != nil {
			return TaskCompletion{}, err
		}
		if approved {
			return done, nil
		}
	}
}

// doStage opens the stage's task and records its form once submitted.
func (c *caseRun) doStage(ctx workflow.Context, stage cases.Stage) (TaskCompletion, int, error) {
	name := stage.Name
	c.st.Stage = name
	c.st.StageSeq++
	seq := c.st.StageSeq
	started := workflow.Now(ctx)
	due := started.Add(stage.Deadline)
	c.st.StageDue = &due
	run := &activities.CaseStage{Seq: seq, Stage: name, CentreID: c.st.CentreID, Worker: c.st.Manager, StartedAt: started, DueAt: due}
	if err := c.record(ctx, caseEvent{kind: "stage_started", stage: name, summary: fmt.Sprintf("%s due %s", name, due.Format(time.DateOnly)), run: run}); err != nil {
		return TaskCompletion{}, seq, err
	}
	done, err := c.t.awaitLadder(ctx, c.stageTask(stage, seq), c.def.Escalation)
	if err != nil {
		return TaskCompletion{}, seq, err
	}
	c.st.Forms[name] = done.Data
	if name == cases.StageOpening {
		var o struct {
			CaseManager string   `json:"case_manager"`
			Team        []string `json:"team"`
		}
		_ = json.Unmarshal(done.Data, &o)
		c.st.Manager, c.st.Team = o.CaseManager, o.Team
	}
	now := workflow.Now(ctx)
	run.DoneAt, run.Worker = &now, done.By
	if err := c.record(ctx, caseEvent{kind: "stage_completed", stage: name, by: done.By, summary: name + " submitted", data: done.Data, run: run}); err != nil {
		return TaskCompletion{}, seq, err
	}
	return done, seq, nil
}

// stageTask is the task of a stage's seq-th run: its form, checked
// against the form's schema; closing waits for the sub-procedures.
func (c *caseRun) stageTask(stage cases.Stage, seq int) taskSpec {
	name := stage.Name
	spec := taskSpec{Step: fmt.Sprintf("%s-%d", name, seq), Type: "case_" + name, Subject: c.subject(name), PersonID: c.person,
		CentreID: c.st.CentreID, Role: stage.Role, Due: stage.Deadline, Outcomes: []string{"submit"},
		Data: map[string]string{"case": c.st.Number, "stage": name, "form": stage.Form, "procedure": c.def.Code}}
	spec.Rule = c.ruleText("stage "+name, stage.Role)
	if c.def.Urgent {
		spec.Priority = 90
	}
	spec.check = func(done TaskCompletion) error {
		if name == cases.StageClosing && len(c.st.Children) > 0 {
			return domain.Errorf(domain.CodeConflict, "case %s has open sub-procedures: %s; close them first", c.st.Number, strings.Join(c.st.Children, ", "))
		}
		return cases.Procedures.Validate(stage.Form, done.Data)
	}
	return spec
}

// approveStage asks a supervisor other than who did the stage to approve
// it (four eyes); false: it was returned.
func (c *caseRun) approveStage(ctx workflow.Context, stage cases.Stage, seq int, done TaskCompletion) (bool, error) {
	name := stage.Name
	ap := taskSpec{Step: fmt.Sprintf("%s-%d-approval", name, seq), Type: "case_approval", Subject: c.subject("approve " + name),
		PersonID: c.person, CentreID: c.st.CentreID, Role: c.def.Approver, Due: c.def.ApprovalDue, Exclude: []string{done.By},
		Outcomes: []string{"approve", "return"}, Data: map[string]string{"case": c.st.Number, "stage": name}}
	ap.Rule = c.ruleText("approving "+name, c.def.Approver)
	x, err := c.t.awaitLadder(ctx, ap, c.def.Escalation[1:])
	if err != nil {
		return false, err
	}
	kind := name + "_" + map[string]string{"approve": "approved", "return": "returned"}[x.Outcome]
	if err := c.record(ctx, caseEvent{kind: kind, stage: name, by: x.By, summary: name + ": " + x.Outcome, data: x.Data}); err != nil {
		return false, err
	}
	return x.Outcome == "approve", nil
}

// monitor runs the monitoring stage, the plan's implementation, until
// closing is proposed; a long and quiet case continues as new instead
// (the error is the continue-as-new).
func (c *caseRun) monitor(ctx workflow.Context) error {
	if _, ok := c.def.Stage(cases.StageMonitoring); !ok {
		return nil
	}
	if c.st.Stage != cases.StageMonitoring {
		c.st.Stage, c.st.StageDue = cases.StageMonitoring, nil
		if c.def.ReviewEvery > 0 {
			next := workflow.Now(ctx).Add(c.def.ReviewEvery)
			c.st.NextReview = &next
		}
		if err := c.record(ctx, caseEvent{kind: "stage_started", stage: cases.StageMonitoring, summary: "monitoring"}); err != nil {
			return err
		}
	}
	reviewCtx, stopReviews := workflow.WithCancel(ctx)
	if c.st.NextReview != nil || workflow.GetVersion(ctx, "case-review-on-request", workflow.DefaultVersion, 1) == 1 {
		c.reviews = true
		workflow.Go(reviewCtx, c.reviewLoop)
	}
	for {
		if err := workflow.Await(ctx, func() bool {
			return c.closeProposed || (c.long(ctx) && len(c.t.pending) == 0 && c.busy == 0)
		}); err != nil {
			return err
		}
		if c.closeProposed {
			stopReviews()
			return nil
		}
		// Long and quiet: carry the state over to a new run.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		if len(c.t.pending) == 0 && c.busy == 0 && !c.closeProposed {
			stopReviews()
			c.st.Runs++
			next := c.in
			next.Carried, next.Reopen, next.Intake = &c.st, false, nil
			return workflow.NewContinueAsNewError(ctx, Case, next)
		}
	}
}

// long says the run should continue as new: the server suggests it, or
// it recorded more case events than its limit.
func (c *caseRun) long(ctx workflow.Context) bool {
	limit := c.in.EventLimit
	if limit <= 0 {
		limit = 500
	}
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested() || c.st.Events-c.eventsAtStart > limit
}

// reviewLoop holds the monitoring stage's reviews, each when its timer
// fires or when asked for before, until closing is proposed.
func (c *caseRun) reviewLoop(ctx workflow.Context) {
	for !c.closeProposed {
		if err := awaitReview(ctx, c.st.NextReview, c.reviewNow); err != nil {
			return
		}
		if !c.review(ctx) {
			return
		}
	}
}

// review runs one review: its task, its form, and what it decides next
// (go on, revise the plan, or close); false ends the reviews.
func (c *caseRun) review(ctx workflow.Context) bool {
	c.reviewing = true
	monitoring, _ := c.def.Stage(cases.StageMonitoring)
	c.st.StageSeq++
	seq := c.st.StageSeq
	started := workflow.Now(ctx)
	run := &activities.CaseStage{Seq: seq, Stage: "review", CentreID: c.st.CentreID, Worker: c.st.Manager, StartedAt: started, DueAt: started.Add(monitoring.Deadline)}
	if c.record(ctx, caseEvent{kind: "review_due", stage: cases.StageMonitoring, summary: "periodic review", run: run}) != nil {
		return false
	}
	spec := taskSpec{Step: fmt.Sprintf("review-%d", seq), Type: "case_review", Subject: c.subject("review"), PersonID: c.person,
		CentreID: c.st.CentreID, Role: monitoring.Role, Due: monitoring.Deadline, Outcomes: []string{"submit"},
		Data: map[string]string{"case": c.st.Number, "stage": "review", "form": monitoring.Form}}
	spec.Rule = c.ruleText("the review", monitoring.Role)
	spec.check = func(done TaskCompletion) error { return cases.Procedures.Validate(monitoring.Form, done.Data) }
	done, err := c.t.awaitLadder(ctx, spec, c.def.Escalation)
	c.reviewing = false
	if err != nil {
		return false
	}
	now := workflow.Now(ctx)
	run.DoneAt, run.Worker = &now, done.By
	next := now.Add(c.def.ReviewEvery)
	c.st.NextReview = &next
	if c.record(ctx, caseEvent{kind: "reviewed", stage: cases.StageMonitoring, by: done.By, summary: "review", data: done.Data, run: run}) != nil {
		return false
	}
	var r struct{ Next string }
	_ = json.Unmarshal(done.Data, &r)
	switch r.Next {
	case "close":
		c.closeProposed = true
	case "revise_plan":
		if _, err := c.runStage(ctx, cases.StagePlan); err != nil {
			return false
		}
		c.st.Stage, c.st.StageDue = cases.StageMonitoring, nil
	}
	return true
}

// close runs the closing stage (the form with the reason, and the
// sign-off where asked) and tells the parent of a sub-procedure.
func (c *caseRun) close(ctx workflow.Context) (CaseState, error) {
	done, err := c.runStage(ctx, cases.StageClosing)
	if err != nil {
		return c.st, err
	}
	var closing struct{ Reason string }
	_ = json.Unmarshal(done.Data, &closing)
	c.st.Status, c.st.CloseReason, c.st.StageDue = "closed", closing.Reason, nil
	if err := c.record(ctx, caseEvent{kind: "closed", stage: cases.StageClosing, by: done.By, summary: "closed: " + closing.Reason, data: done.Data}); err != nil {
		return c.st, err
	}
	if c.st.Parent != "" {
		_ = workflow.SignalExternalWorkflow(ctx, CaseWorkflowID(c.st.Parent), "", SignalChildDone, c.st.Number).Get(ctx, nil)
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return c.st, err
	}
	return c.st, nil
}

// awaitReview waits for the next periodic review (at next, when the
// procedure has them) or for one asked for before its time, whichever
// comes first.
func awaitReview(ctx workflow.Context, next *time.Time, asked workflow.ReceiveChannel) error {
	tctx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	sel := workflow.NewSelector(ctx)
	var err error
	if next != nil {
		sel.AddFuture(workflow.NewTimer(tctx, next.Sub(workflow.Now(ctx))), func(f workflow.Future) { err = f.Get(ctx, nil) })
	}
	sel.AddReceive(asked, func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) { err = ctx.Err() })
	sel.Select(ctx)
	return err
}

func trackingRow(it CaseTracking, by string) *activities.TrackingItem {
	row := &activities.TrackingItem{Item: it.Item, Kind: it.Kind, What: it.What, Due: it.Due, Overdue: it.Overdue}
	if it.Done {
		row.DoneBy = by
	}
	return row
}
