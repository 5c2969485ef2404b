package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
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

// Procedures are the case-management definitions, read once from the
// embedded, tested files. A released version is never edited: a change is
// a new version, and a case keeps the version it started with.
var Procedures = cases.MustLoad()

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
	var a *activities.Activities
	local := workflow.WithLocalActivityOptions(ctx, localOptions)
	def, err := Procedures.Get(in.Procedure, in.Version)
	if err != nil {
		return CaseState{}, temporal.NewNonRetryableApplicationError(err.Error(), domain.CodeInvalid, nil)
	}
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	var st CaseState
	if in.Carried != nil {
		st = *in.Carried
	} else {
		st = CaseState{Number: in.Number, Procedure: def.Code, Version: def.Version, CentreID: in.CentreID, Status: "open",
			Stage: cases.StageIntake, Parent: in.Parent, OpenedBy: in.OpenedBy, OpenedAt: workflow.Now(ctx), Persons: in.Persons,
			DV: def.Code == "P05" || def.Code == "P37", Forms: map[string]json.RawMessage{}}
	}
	if st.Forms == nil {
		st.Forms = map[string]json.RawMessage{}
	}
	t := newTasks()
	eventsAtStart := st.Events
	busy := 0 // decisions and sub-procedures being started: continue-as-new waits for them
	closeProposed := false
	reviewing := false                               // a review task is open
	reviews := false                                 // the monitoring stage's review loop runs
	reviewNow := workflow.NewBufferedChannel(ctx, 1) // a review asked for before its timer

	if err := workflow.SetQueryHandler(ctx, QueryCase, func() (CaseState, error) {
		out := st
		out.Pending = nil
		for id := range t.pending {
			out.Pending = append(out.Pending, id)
		}
		slices.Sort(out.Pending)
		return out, nil
	}); err != nil {
		return st, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, t.complete, workflow.UpdateHandlerOptions{Validator: t.validate}); err != nil {
		return st, err
	}

	record := func(ctx workflow.Context, kind, stage, by, summary string, data json.RawMessage, stageRun *activities.CaseStage, item *activities.TrackingItem) error {
		st.Events++
		row := activities.CaseRow{Number: st.Number, Procedure: st.Procedure, Version: st.Version, CentreID: st.CentreID, Status: st.Status,
			Stage: st.Stage, Manager: st.Manager, Team: st.Team, Parent: st.Parent, OpenedBy: st.OpenedBy, OpenedAt: st.OpenedAt,
			StageDue: st.StageDue, CloseReason: st.CloseReason, DV: st.DV, Persons: st.Persons}
		if st.Status != "open" {
			now := workflow.Now(ctx)
			row.ClosedAt = &now
		}
		rec := activities.CaseRecord{Case: row, Stage: stageRun, Tracking: item}
		if kind != "" {
			rec.Event = &activities.CaseEvent{Key: fmt.Sprintf("%s/%d", st.Number, st.Events), At: workflow.Now(ctx), Kind: kind, Stage: stage,
				By: by, Summary: summary, Data: data}
		}
		return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.RecordCase, rec).Get(ctx, nil)
	}
	subject := func(what string) string { return fmt.Sprintf("%s %s: %s", def.Code, st.Number, what) }
	person := domain.PersonID("")
	if len(st.Persons) > 0 {
		person = st.Persons[0].PersonID
	}
	// ruleText is the definition's rule for what: who does it.
	ruleText := func(what string, role domain.Role) string {
		return fmt.Sprintf("procedure %s v%d: %s is done by the %s role", def.Code, def.Version, what, role)
	}
	rule := func(have, role domain.Role, what string) error {
		if !have.Acts(role) {
			return rejectf(domain.CodeForbidden, "%s, not %s", ruleText(what, role), have)
		}
		return nil
	}

	// runStage runs one stage: its task with the deadline and the ladder,
	// the form checked against its schema, then the approval if asked for;
	// a returned stage is done again.
	runStage := func(ctx workflow.Context, name string) (TaskCompletion, error) {
		stage, ok := def.Stage(name)
		if !ok {
			return TaskCompletion{}, nil
		}
		for {
			st.Stage = name
			st.StageSeq++
			seq := st.StageSeq
			started := workflow.Now(ctx)
			due := started.Add(stage.Deadline)
			st.StageDue = &due
			run := &activities.CaseStage{Seq: seq, Stage: name, CentreID: st.CentreID, Worker: st.Manager, StartedAt: started, DueAt: due}
			if err := record(ctx, "stage_started", name, "", fmt.Sprintf("%s due %s", name, due.Format(time.DateOnly)), nil, run, nil); err != nil {
				return TaskCompletion{}, err
			}
			spec := taskSpec{Step: fmt.Sprintf("%s-%d", name, seq), Type: "case_" + name, Subject: subject(name), PersonID: person,
				CentreID: st.CentreID, Role: stage.Role, Due: stage.Deadline, Outcomes: []string{"submit"},
				Data: map[string]string{"case": st.Number, "stage": name, "form": stage.Form, "procedure": def.Code}}
			spec.Rule = ruleText("stage "+name, stage.Role)
			if def.Urgent {
				spec.Priority = 90
			}
			spec.check = func(c TaskCompletion) error {
				if name == cases.StageClosing && len(st.Children) > 0 {
					return domain.Errorf(domain.CodeConflict, "case %s has open sub-procedures: %s; close them first", st.Number, strings.Join(st.Children, ", "))
				}
				return Procedures.Validate(stage.Form, c.Data)
			}
			c, err := t.awaitLadder(ctx, spec, def.Escalation)
			if err != nil {
				return TaskCompletion{}, err
			}
			st.Forms[name] = c.Data
			if name == cases.StageOpening {
				var o struct {
					CaseManager string   `json:"case_manager"`
					Team        []string `json:"team"`
				}
				_ = json.Unmarshal(c.Data, &o)
				st.Manager, st.Team = o.CaseManager, o.Team
			}
			done := workflow.Now(ctx)
			run.DoneAt, run.Worker = &done, c.By
			if err := record(ctx, "stage_completed", name, c.By, name+" submitted", c.Data, run, nil); err != nil {
				return TaskCompletion{}, err
			}
			if !stage.Approval {
				return c, nil
			}
			ap := taskSpec{Step: fmt.Sprintf("%s-%d-approval", name, seq), Type: "case_approval", Subject: subject("approve " + name),
				PersonID: person, CentreID: st.CentreID, Role: def.Approver, Due: def.ApprovalDue, Exclude: []string{c.By},
				Outcomes: []string{"approve", "return"}, Data: map[string]string{"case": st.Number, "stage": name}}
			ap.Rule = ruleText("approving "+name, def.Approver)
			x, err := t.awaitLadder(ctx, ap, def.Escalation[1:])
			if err != nil {
				return TaskCompletion{}, err
			}
			if err := record(ctx, name+"_"+map[string]string{"approve": "approved", "return": "returned"}[x.Outcome], name, x.By, name+": "+x.Outcome, x.Data, nil, nil); err != nil {
				return TaskCompletion{}, err
			}
			if x.Outcome == "approve" {
				return c, nil
			}
		}
	}

	// Actions besides the stage tasks.
	validateAction := func(_ workflow.Context, x CaseAction) error {
		if st.Status != "open" {
			return rejectf(domain.CodeConflict, "case %s is %s", st.Number, st.Status)
		}
		if x.CentreID != st.CentreID {
			return rejectf(domain.CodeForbidden, "case %s belongs to centre %s", st.Number, st.CentreID)
		}
		monitoring := st.Stage == cases.StageMonitoring
		switch x.Action {
		case "note":
			var n struct{ Text string }
			if json.Unmarshal(x.Data, &n) != nil || len(strings.TrimSpace(n.Text)) < 3 {
				return rejectf(domain.CodeInvalid, "text: a note needs some text")
			}
			return rule(x.Role, def.Role, "writing a note")
		case "add-tracking":
			if !monitoring {
				return rejectf(domain.CodeConflict, "case %s is in %s; the tracking list starts with monitoring", st.Number, st.Stage)
			}
			if err := rule(x.Role, def.Role, "the tracking list"); err != nil {
				return err
			}
			return temporalError(Procedures.Validate("tracking_item", x.Data))
		case "complete-tracking":
			var c struct{ Item int }
			if json.Unmarshal(x.Data, &c) != nil || c.Item < 1 || c.Item > len(st.Tracking) {
				return rejectf(domain.CodeNotFound, "case %s has no tracking item %d", st.Number, c.Item)
			}
			if st.Tracking[c.Item-1].Done {
				return rejectf(domain.CodeConflict, "tracking item %d is already done", c.Item)
			}
			return rule(x.Role, def.Role, "the tracking list")
		case "prepare-decision":
			if !monitoring {
				return rejectf(domain.CodeConflict, "case %s is in %s; decisions come with the plan's implementation", st.Number, st.Stage)
			}
			if err := temporalError(Procedures.Validate("decision", x.Data)); err != nil {
				return err
			}
			var d struct{ Kind string }
			_ = json.Unmarshal(x.Data, &d)
			if _, ok := def.Decision(d.Kind); !ok {
				codes := []string{}
				for _, k := range def.Decisions {
					codes = append(codes, k.Code)
				}
				return rejectf(domain.CodeInvalid, "kind: procedure %s issues no decision %q (it issues: %s)", def.Code, d.Kind, strings.Join(codes, ", "))
			}
			return rule(x.Role, def.Role, "preparing a decision")
		case "start-subprocedure":
			if !monitoring {
				return rejectf(domain.CodeConflict, "case %s is in %s; sub-procedures start with the plan's implementation", st.Number, st.Stage)
			}
			var s struct{ Procedure string }
			_ = json.Unmarshal(x.Data, &s)
			if !def.MayStart(s.Procedure) {
				return rejectf(domain.CodeInvalid, "procedure: %s may not start %q (it may start: %s)", def.Code, s.Procedure, strings.Join(def.SubProcedures, ", "))
			}
			return rule(x.Role, def.Role, "starting a sub-procedure")
		case "transfer":
			var tr struct {
				CentreID string `json:"centre_id"`
			}
			_ = json.Unmarshal(x.Data, &tr)
			if _, known := domain.CentreByID(tr.CentreID); !known || tr.CentreID == st.CentreID {
				return rejectf(domain.CodeInvalid, "centre_id: %q is not another centre", tr.CentreID)
			}
			return rule(x.Role, domain.RoleSupervisor, "transferring a case")
		case "close":
			if !monitoring {
				return rejectf(domain.CodeConflict, "case %s is in %s; it closes after its stages", st.Number, st.Stage)
			}
			if closeProposed {
				return rejectf(domain.CodeConflict, "closing of case %s is already proposed", st.Number)
			}
			if len(st.Children) > 0 {
				return rejectf(domain.CodeConflict, "case %s has open sub-procedures: %s; close them first", st.Number, strings.Join(st.Children, ", "))
			}
			return rule(x.Role, def.Role, "closing")
		case "review":
			if !monitoring {
				return rejectf(domain.CodeConflict, "case %s is in %s; reviews come with the plan's implementation", st.Number, st.Stage)
			}
			if !reviews || reviewing || closeProposed {
				return rejectf(domain.CodeConflict, "case %s already has a review or its closing open", st.Number)
			}
			return rule(x.Role, def.Role, "asking for a review")
		}
		return rejectf(domain.CodeInvalid, "action %q is not one of note, add-tracking, complete-tracking, prepare-decision, start-subprocedure, transfer, close, review", x.Action)
	}

	var trackItem func(i int)
	handleAction := func(ctx workflow.Context, x CaseAction) (CaseState, error) {
		if err := validateAction(ctx, x); err != nil {
			return st, err
		}
		switch x.Action {
		case "note":
			var n struct{ Text string }
			_ = json.Unmarshal(x.Data, &n)
			return st, record(ctx, "note", st.Stage, x.By, n.Text, nil, nil, nil)
		case "add-tracking":
			var it struct{ Kind, What, Due string }
			_ = json.Unmarshal(x.Data, &it)
			due, _ := time.Parse(time.DateOnly, it.Due)
			st.Tracking = append(st.Tracking, CaseTracking{Item: len(st.Tracking) + 1, Kind: it.Kind, What: it.What, Due: due})
			i := len(st.Tracking)
			if err := record(ctx, "tracking_added", st.Stage, x.By, it.What+" by "+it.Due, x.Data, nil, trackingRow(st.Tracking[i-1], "")); err != nil {
				return st, err
			}
			trackItem(i)
			return st, nil
		case "complete-tracking":
			var c struct{ Item int }
			_ = json.Unmarshal(x.Data, &c)
			st.Tracking[c.Item-1].Done = true
			row := trackingRow(st.Tracking[c.Item-1], x.By)
			now := workflow.Now(ctx)
			row.DoneAt = &now
			return st, record(ctx, "tracking_done", st.Stage, x.By, st.Tracking[c.Item-1].What, x.Data, nil, row)
		case "prepare-decision":
			var d struct{ Kind, Reasoning, Disposition string }
			_ = json.Unmarshal(x.Data, &d)
			ref := CaseDecisionRef{Seq: len(st.Decisions) + 1, Kind: d.Kind, PreparedBy: x.By, State: "awaiting_approval"}
			st.Decisions = append(st.Decisions, ref)
			if err := record(ctx, "decision_prepared", st.Stage, x.By, d.Kind, x.Data, nil, nil); err != nil {
				return st, err
			}
			busy++
			workflow.Go(ctx, func(gctx workflow.Context) {
				defer func() { busy-- }()
				i := ref.Seq - 1
				kind, _ := def.Decision(d.Kind)
				ap := taskSpec{Step: fmt.Sprintf("decision-%d-approval", ref.Seq), Type: "case_decision_approval", Subject: subject("approve decision: " + kind.Name.EN),
					PersonID: person, CentreID: st.CentreID, Role: def.Approver, Due: def.ApprovalDue, Exclude: []string{x.By},
					Outcomes: []string{"approve", "return"}, Data: map[string]string{"case": st.Number, "decision": d.Kind}}
				ap.Rule = ruleText("approving a decision", def.Approver)
				c, err := t.awaitLadder(gctx, ap, def.Escalation[1:])
				if err != nil {
					return
				}
				if c.Outcome != "approve" {
					st.Decisions[i].State = "returned"
					_ = record(gctx, "decision_returned", st.Stage, c.By, d.Kind, c.Data, nil, nil)
					return
				}
				actx := workflow.WithActivityOptions(gctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
					RetryPolicy: &temporal.RetryPolicy{NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound}}})
				var res activities.IssueCaseDecisionResult
				err = workflow.ExecuteActivity(actx, a.IssueCaseDecision, activities.IssueCaseDecisionInput{CaseNumber: st.Number, Seq: ref.Seq,
					CentreID: st.CentreID, Procedure: def.Name.CNR, LegalBasis: def.LegalBasis, Kind: d.Kind, KindName: kind.Name.CNR,
					Reasoning: d.Reasoning, Disposition: d.Disposition, PreparedBy: x.By, ApprovedBy: c.By, IssuedAt: workflow.Now(gctx)}).Get(gctx, &res)
				if err != nil {
					return
				}
				st.Decisions[i].State, st.Decisions[i].Number, st.Decisions[i].ID = "issued", res.Number, res.DecisionID
				_ = record(gctx, "decision_issued", st.Stage, c.By, res.Number, nil, nil, nil)
			})
			return st, nil
		case "start-subprocedure":
			var s struct{ Procedure string }
			_ = json.Unmarshal(x.Data, &s)
			busy++
			var number string
			if err := workflow.ExecuteLocalActivity(local, a.NextCaseNumber, workflow.Now(ctx).Year()).Get(ctx, &number); err != nil {
				busy--
				return st, err
			}
			st.Children = append(st.Children, number)
			if err := record(ctx, "subprocedure_started", st.Stage, x.By, s.Procedure+" "+number, x.Data, nil, nil); err != nil {
				busy--
				return st, err
			}
			intake, _ := json.Marshal(map[string]string{"source": "ex_officio", "description": "Sub-procedure of case " + st.Number,
				"urgency": "routine", "outcome": "open_case"})
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: CaseWorkflowID(number),
				ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON})
			child := workflow.ExecuteChildWorkflow(cctx, Case, CaseInput{Number: number, Procedure: s.Procedure, CentreID: st.CentreID,
				OpenedBy: x.By, Persons: st.Persons, Intake: intake, Parent: st.Number})
			err := child.GetChildWorkflowExecution().Get(ctx, nil)
			busy--
			return st, err
		case "transfer":
			var tr struct {
				CentreID string `json:"centre_id"`
			}
			_ = json.Unmarshal(x.Data, &tr)
			from := st.CentreID
			if err := workflow.ExecuteLocalActivity(local, a.TransferCase, activities.TransferCaseInput{Number: st.Number, WorkflowID: wfID, CentreID: tr.CentreID}).Get(ctx, nil); err != nil {
				return st, err
			}
			st.CentreID = tr.CentreID
			for id, spec := range t.pending {
				spec.CentreID = tr.CentreID
				t.pending[id] = spec
			}
			return st, record(ctx, "transferred", st.Stage, x.By, from+" → "+tr.CentreID, x.Data, nil, nil)
		case "close":
			closeProposed = true
			return st, record(ctx, "closing_proposed", st.Stage, x.By, "closing proposed", x.Data, nil, nil)
		case "review":
			reviewing = true
			reviewNow.SendAsync(x.By)
			return st, record(ctx, "review_requested", st.Stage, x.By, "review asked for before its time", x.Data, nil, nil)
		}
		return st, nil
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCaseAction, handleAction, workflow.UpdateHandlerOptions{Validator: validateAction}); err != nil {
		return st, err
	}
	childDone := workflow.GetSignalChannel(ctx, SignalChildDone)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var number string
			childDone.Receive(gctx, &number)
			if i := slices.Index(st.Children, number); i >= 0 {
				st.Children = slices.Delete(st.Children, i, i+1)
				_ = record(gctx, "subprocedure_closed", st.Stage, "", number, nil, nil, nil)
			}
		}
	})

	// trackItem waits for a tracking item's due date; past it, undone, the
	// item is overdue and a task escalates it to the supervisor (then the head).
	trackItem = func(i int) {
		workflow.Go(ctx, func(gctx workflow.Context) {
			it := st.Tracking[i-1]
			wait := it.Due.AddDate(0, 0, 1).Sub(workflow.Now(gctx)) // past due at the end of the due day
			if wait > 0 {
				if _, err := workflow.AwaitWithTimeout(gctx, wait, func() bool { return st.Tracking[i-1].Done || st.Status != "open" }); err != nil {
					return
				}
			}
			if st.Tracking[i-1].Done || st.Status != "open" || st.Tracking[i-1].Overdue {
				return
			}
			st.Tracking[i-1].Overdue = true
			if err := record(gctx, "tracking_overdue", st.Stage, "", it.What, nil, nil, trackingRow(st.Tracking[i-1], "")); err != nil {
				return
			}
			spec := taskSpec{Step: fmt.Sprintf("tracking-%d-overdue", i), Type: "case_tracking_overdue", Subject: subject("overdue: " + it.What),
				PersonID: person, CentreID: st.CentreID, Role: domain.RoleSupervisor, Due: def.ApprovalDue, Priority: 80,
				Outcomes: []string{"acknowledge"}, Data: map[string]string{"case": st.Number, "item": fmt.Sprint(i)}}
			spec.Rule = ruleText("an overdue tracking item", domain.RoleSupervisor)
			if c, err := t.awaitLadder(gctx, spec, def.Escalation[1:]); err == nil {
				_ = record(gctx, "tracking_overdue_acknowledged", st.Stage, c.By, it.What, c.Data, nil, nil)
			}
		})
	}

	if in.Carried == nil {
		// Intake: recorded from the form the API checked.
		var intake struct{ Outcome string }
		_ = json.Unmarshal(in.Intake, &intake)
		switch intake.Outcome {
		case "information_only", "benefit_application":
			st.Status = intake.Outcome
		}
		if err := record(ctx, "intake", cases.StageIntake, in.OpenedBy, "intake: "+intake.Outcome, in.Intake, nil, nil); err != nil {
			return st, err
		}
		if st.Status != "open" {
			return st, nil
		}
	}
	from := cases.StageOpening
	switch {
	case in.Reopen:
		st.Status, st.CloseReason, closeProposed = "open", "", false
		if err := record(ctx, "reopened", st.Stage, in.By, "case reopened", nil, nil, nil); err != nil {
			return st, err
		}
		from = cases.StageInitialAssessment
	case in.Carried != nil:
		from = st.Stage
		for i, it := range st.Tracking {
			if !it.Done {
				trackItem(i + 1)
			}
		}
	}
	// The stages up to monitoring, from where the case stands.
	for _, s := range def.Stages {
		if s.Name == cases.StageIntake || s.Name == cases.StageMonitoring || s.Name == cases.StageClosing {
			continue
		}
		if cases.StageIndex(s.Name) < cases.StageIndex(from) {
			continue
		}
		if _, err := runStage(ctx, s.Name); err != nil {
			return st, err
		}
	}
	// Monitoring: the plan's implementation, until closing is proposed.
	if _, ok := def.Stage(cases.StageMonitoring); ok {
		if st.Stage != cases.StageMonitoring {
			st.Stage, st.StageDue = cases.StageMonitoring, nil
			if def.ReviewEvery > 0 {
				next := workflow.Now(ctx).Add(def.ReviewEvery)
				st.NextReview = &next
			}
			if err := record(ctx, "stage_started", cases.StageMonitoring, "", "monitoring", nil, nil, nil); err != nil {
				return st, err
			}
		}
		reviewCtx, stopReviews := workflow.WithCancel(ctx)
		if st.NextReview != nil || workflow.GetVersion(ctx, "case-review-on-request", workflow.DefaultVersion, 1) == 1 {
			reviews = true
			workflow.Go(reviewCtx, func(gctx workflow.Context) {
				for !closeProposed {
					if err := awaitReview(gctx, st.NextReview, reviewNow); err != nil {
						return
					}
					reviewing = true
					monitoring, _ := def.Stage(cases.StageMonitoring)
					st.StageSeq++
					seq := st.StageSeq
					started := workflow.Now(gctx)
					run := &activities.CaseStage{Seq: seq, Stage: "review", CentreID: st.CentreID, Worker: st.Manager, StartedAt: started, DueAt: started.Add(monitoring.Deadline)}
					if record(gctx, "review_due", cases.StageMonitoring, "", "periodic review", nil, run, nil) != nil {
						return
					}
					spec := taskSpec{Step: fmt.Sprintf("review-%d", seq), Type: "case_review", Subject: subject("review"), PersonID: person,
						CentreID: st.CentreID, Role: monitoring.Role, Due: monitoring.Deadline, Outcomes: []string{"submit"},
						Data: map[string]string{"case": st.Number, "stage": "review", "form": monitoring.Form}}
					spec.Rule = ruleText("the review", monitoring.Role)
					spec.check = func(c TaskCompletion) error { return Procedures.Validate(monitoring.Form, c.Data) }
					c, err := t.awaitLadder(gctx, spec, def.Escalation)
					reviewing = false
					if err != nil {
						return
					}
					done := workflow.Now(gctx)
					run.DoneAt, run.Worker = &done, c.By
					next := done.Add(def.ReviewEvery)
					st.NextReview = &next
					if record(gctx, "reviewed", cases.StageMonitoring, c.By, "review", c.Data, run, nil) != nil {
						return
					}
					var r struct{ Next string }
					_ = json.Unmarshal(c.Data, &r)
					switch r.Next {
					case "close":
						closeProposed = true
					case "revise_plan":
						if _, err := runStage(gctx, cases.StagePlan); err != nil {
							return
						}
						st.Stage, st.StageDue = cases.StageMonitoring, nil
					}
				}
			})
		}
		limit := in.EventLimit
		if limit <= 0 {
			limit = 500
		}
		long := func() bool {
			return workflow.GetInfo(ctx).GetContinueAsNewSuggested() || st.Events-eventsAtStart > limit
		}
		for {
			if err := workflow.Await(ctx, func() bool {
				return closeProposed || (long() && len(t.pending) == 0 && busy == 0)
			}); err != nil {
				return st, err
			}
			if closeProposed {
				break
			}
			// Long and quiet: carry the state over to a new run.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return st, err
			}
			if len(t.pending) == 0 && busy == 0 && !closeProposed {
				stopReviews()
				st.Runs++
				next := in
				next.Carried, next.Reopen, next.Intake = &st, false, nil
				return st, workflow.NewContinueAsNewError(ctx, Case, next)
			}
		}
		stopReviews()
	}
	// Closing: the form with the reason, and the sign-off where asked.
	c, err := runStage(ctx, cases.StageClosing)
	if err != nil {
		return st, err
	}
	var closing struct{ Reason string }
	_ = json.Unmarshal(c.Data, &closing)
	st.Status, st.CloseReason, st.StageDue = "closed", closing.Reason, nil
	if err := record(ctx, "closed", cases.StageClosing, c.By, "closed: "+closing.Reason, c.Data, nil, nil); err != nil {
		return st, err
	}
	if st.Parent != "" {
		_ = workflow.SignalExternalWorkflow(ctx, CaseWorkflowID(st.Parent), "", SignalChildDone, st.Number).Get(ctx, nil)
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return st, err
	}
	return st, nil
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
