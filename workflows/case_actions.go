package workflows

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
)

// caseAction is one of the actions of UpdateCaseAction: validate refuses
// it (the validator's refusals never reach the history), apply does it.
type caseAction struct {
	name     string
	validate func(c *caseRun, x CaseAction) error
	apply    func(c *caseRun, ctx workflow.Context, x CaseAction) error
}

// caseActions are what a person does in a case besides its stage tasks,
// each defined once, in the order a refusal of an unknown one lists them.
var caseActions = []caseAction{
	{"note", (*caseRun).validateNote, (*caseRun).note},
	{"add-tracking", (*caseRun).validateAddTracking, (*caseRun).addTracking},
	{"complete-tracking", (*caseRun).validateCompleteTracking, (*caseRun).completeTracking},
	{"prepare-decision", (*caseRun).validatePrepareDecision, (*caseRun).prepareDecision},
	{"start-subprocedure", (*caseRun).validateStartSubprocedure, (*caseRun).startSubprocedure},
	{"transfer", (*caseRun).validateTransfer, (*caseRun).transfer},
	{"close", (*caseRun).validateClose, (*caseRun).proposeClosing},
	{"review", (*caseRun).validateReview, (*caseRun).askForReview},
}

func caseActionNamed(name string) (caseAction, bool) {
	for _, x := range caseActions {
		if x.name == name {
			return x, true
		}
	}
	return caseAction{}, false
}

// validateAction is UpdateCaseAction's validator: the case is open and
// the person's centre's, and the action is one it may take now.
func (c *caseRun) validateAction(_ workflow.Context, x CaseAction) error {
	if c.st.Status != "open" {
		return rejectf(domain.CodeConflict, "case %s is %s", c.st.Number, c.st.Status)
	}
	if x.CentreID != c.st.CentreID {
		return rejectf(domain.CodeForbidden, "case %s belongs to centre %s", c.st.Number, c.st.CentreID)
	}
	action, ok := caseActionNamed(x.Action)
	if !ok {
		names := make([]string, len(caseActions))
		for i, y := range caseActions {
			names[i] = y.name
		}
		return rejectf(domain.CodeInvalid, "action %q is not one of %s", x.Action, strings.Join(names, ", "))
	}
	return action.validate(c, x)
}

// act is UpdateCaseAction's handler: the action, checked again, and the
// case as it then stands.
func (c *caseRun) act(ctx workflow.Context, x CaseAction) (CaseState, error) {
	if err := c.validateAction(ctx, x); err != nil {
		return c.st, err
	}
	action, _ := caseActionNamed(x.Action)
	err := action.apply(c, ctx, x)
	return c.st, err
}

// inMonitoring refuses an action before the monitoring stage, saying why.
func (c *caseRun) inMonitoring(why string) error {
	if c.st.Stage != cases.StageMonitoring {
		return rejectf(domain.CodeConflict, "case %s is in %s; %s", c.st.Number, c.st.Stage, why)
	}
	return nil
}

func (c *caseRun) validateNote(x CaseAction) error {
	var n struct{ Text string }
	if json.Unmarshal(x.Data, &n) != nil || len(strings.TrimSpace(n.Text)) < 3 {
		return rejectField(domain.CodeInvalid, "text", "a note needs some text")
	}
	return c.rule(x.Role, c.def.Role, "writing a note")
}

func (c *caseRun) note(ctx workflow.Context, x CaseAction) error {
	var n struct{ Text string }
	_ = json.Unmarshal(x.Data, &n)
	return c.record(ctx, caseEvent{kind: "note", stage: c.st.Stage, by: x.By, summary: n.Text})
}

func (c *caseRun) validateAddTracking(x CaseAction) error {
	if err := c.inMonitoring("the tracking list starts with monitoring"); err != nil {
		return err
	}
	if err := c.rule(x.Role, c.def.Role, "the tracking list"); err != nil {
		return err
	}
	return reject(cases.Procedures.Validate("tracking_item", x.Data))
}

func (c *caseRun) addTracking(ctx workflow.Context, x CaseAction) error {
	var it struct{ Kind, What, Due string }
	_ = json.Unmarshal(x.Data, &it)
	due, _ := time.Parse(time.DateOnly, it.Due)
	c.st.Tracking = append(c.st.Tracking, CaseTracking{Item: len(c.st.Tracking) + 1, Kind: it.Kind, What: it.What, Due: due})
	i := len(c.st.Tracking)
	if err := c.record(ctx, caseEvent{kind: "tracking_added", stage: c.st.Stage, by: x.By, summary: it.What + " by " + it.Due, data: x.Data,
		item: trackingRow(c.st.Tracking[i-1], "")}); err != nil {
		return err
	}
	c.trackItem(ctx, i)
	return nil
}

func (c *caseRun) validateCompleteTracking(x CaseAction) error {
	var done struct{ Item int }
	if json.Unmarshal(x.Data, &done) != nil || done.Item < 1 || done.Item > len(c.st.Tracking) {
		return rejectf(domain.CodeNotFound, "case %s has no tracking item %d", c.st.Number, done.Item)
	}
	if c.st.Tracking[done.Item-1].Done {
		return rejectf(domain.CodeConflict, "tracking item %d is already done", done.Item)
	}
	return c.rule(x.Role, c.def.Role, "the tracking list")
}

func (c *caseRun) completeTracking(ctx workflow.Context, x CaseAction) error {
	var done struct{ Item int }
	_ = json.Unmarshal(x.Data, &done)
	it := &c.st.Tracking[done.Item-1]
	it.Done = true
	row := trackingRow(*it, x.By)
	now := workflow.Now(ctx)
	row.DoneAt = &now
	return c.record(ctx, caseEvent{kind: "tracking_done", stage: c.st.Stage, by: x.By, summary: it.What, data: x.Data, item: row})
}

// trackItem waits for a tracking item's due date; past it, undone, the
// item is overdue and a task escalates it to the supervisor (then the head).
func (c *caseRun) trackItem(ctx workflow.Context, i int) {
	workflow.Go(ctx, func(gctx workflow.Context) { c.watchItem(gctx, i) })
}

func (c *caseRun) watchItem(ctx workflow.Context, i int) {
	it := c.st.Tracking[i-1]
	wait := it.Due.AddDate(0, 0, 1).Sub(workflow.Now(ctx)) // past due at the end of the due day
	if wait > 0 {
		if _, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return c.st.Tracking[i-1].Done || c.st.Status != "open" }); err != nil {
			return
		}
	}
	if c.st.Tracking[i-1].Done || c.st.Status != "open" || c.st.Tracking[i-1].Overdue {
		return
	}
	c.st.Tracking[i-1].Overdue = true
	if err := c.record(ctx, caseEvent{kind: "tracking_overdue", stage: c.st.Stage, summary: it.What, item: trackingRow(c.st.Tracking[i-1], "")}); err != nil {
		return
	}
	spec := taskSpec{Step: fmt.Sprintf("tracking-%d-overdue", i), Type: "case_tracking_overdue", Subject: c.subject("overdue: " + it.What),
		PersonID: c.person, CentreID: c.st.CentreID, Role: domain.RoleSupervisor, Due: c.def.ApprovalDue, Priority: 80,
		Outcomes: []string{"acknowledge"}, Data: map[string]string{"case": c.st.Number, "item": fmt.Sprint(i)}}
	spec.Rule = c.ruleText("an overdue tracking item", domain.RoleSupervisor)
	if done, err := c.t.awaitLadder(ctx, spec, c.def.Escalation[1:]); err == nil {
		_ = c.record(ctx, caseEvent{kind: "tracking_overdue_acknowledged", stage: c.st.Stage, by: done.By, summary: it.What, data: done.Data})
	}
}

// caseDecision is the decision form (domain/cases/forms/decision.json).
type caseDecision struct{ Kind, Reasoning, Disposition string }

func (c *caseRun) validatePrepareDecision(x CaseAction) error {
	if err := c.inMonitoring("decisions come with the plan's implementation"); err != nil {
		return err
	}
	if err := reject(cases.Procedures.Validate("decision", x.Data)); err != nil {
		return err
	}
	var d caseDecision
	_ = json.Unmarshal(x.Data, &d)
	if _, ok := c.def.Decision(d.Kind); !ok {
		codes := []string{}
		for _, k := range c.def.Decisions {
			codes = append(codes, k.Code)
		}
		return rejectField(domain.CodeInvalid, "kind", "procedure %s issues no decision %q (it issues: %s)", c.def.Code, d.Kind, strings.Join(codes, ", "))
	}
	return c.rule(x.Role, c.def.Role, "preparing a decision")
}

// prepareDecision records the prepared decision; a supervisor's approval
// and its issuing follow on a goroutine of their own.
func (c *caseRun) prepareDecision(ctx workflow.Context, x CaseAction) error {
	var d caseDecision
	_ = json.Unmarshal(x.Data, &d)
	ref := CaseDecisionRef{Seq: len(c.st.Decisions) + 1, Kind: d.Kind, PreparedBy: x.By, State: "awaiting_approval"}
	c.st.Decisions = append(c.st.Decisions, ref)
	if err := c.record(ctx, caseEvent{kind: "decision_prepared", stage: c.st.Stage, by: x.By, summary: d.Kind, data: x.Data}); err != nil {
		return err
	}
	c.busy++
	workflow.Go(ctx, func(gctx workflow.Context) {
		defer func() { c.busy-- }()
		c.issueDecision(gctx, ref, d)
	})
	return nil
}

// issueDecision asks a supervisor other than the preparer to approve the
// decision (four eyes), then has it numbered, rendered and stored.
func (c *caseRun) issueDecision(ctx workflow.Context, ref CaseDecisionRef, d caseDecision) {
	var a *activities.Activities
	i := ref.Seq - 1
	kind, _ := c.def.Decision(d.Kind)
	ap := taskSpec{Step: fmt.Sprintf("decision-%d-approval", ref.Seq), Type: "case_decision_approval", Subject: c.subject("approve decision: " + kind.Name.EN),
		PersonID: c.person, CentreID: c.st.CentreID, Role: c.def.Approver, Due: c.def.ApprovalDue, Exclude: []string{ref.PreparedBy},
		Outcomes: []string{"approve", "return"}, Data: map[string]string{"case": c.st.Number, "decision": d.Kind}}
	ap.Rule = c.ruleText("approving a decision", c.def.Approver)
	done, err := c.t.awaitLadder(ctx, ap, c.def.Escalation[1:])
	if err != nil {
		return
	}
	if done.Outcome != "approve" {
		c.st.Decisions[i].State = "returned"
		_ = c.record(ctx, caseEvent{kind: "decision_returned", stage: c.st.Stage, by: done.By, summary: d.Kind, data: done.Data})
		return
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeNotFound}}})
	var res activities.IssueCaseDecisionResult
	err = workflow.ExecuteActivity(actx, a.IssueCaseDecision, activities.IssueCaseDecisionInput{CaseNumber: c.st.Number, Seq: ref.Seq,
		CentreID: c.st.CentreID, Procedure: c.def.Name.CNR, LegalBasis: c.def.LegalBasis, Kind: d.Kind, KindName: kind.Name.CNR,
		Reasoning: d.Reasoning, Disposition: d.Disposition, PreparedBy: ref.PreparedBy, ApprovedBy: done.By, IssuedAt: workflow.Now(ctx)}).Get(ctx, &res)
	if err != nil {
		return
	}
	c.st.Decisions[i].State, c.st.Decisions[i].Number, c.st.Decisions[i].ID = "issued", res.Number, res.DecisionID
	_ = c.record(ctx, caseEvent{kind: "decision_issued", stage: c.st.Stage, by: done.By, summary: res.Number})
}

func (c *caseRun) validateStartSubprocedure(x CaseAction) error {
	if err := c.inMonitoring("sub-procedures start with the plan's implementation"); err != nil {
		return err
	}
	var s struct{ Procedure string }
	_ = json.Unmarshal(x.Data, &s)
	if !c.def.MayStart(s.Procedure) {
		return rejectField(domain.CodeInvalid, "procedure", "%s may not start %q (it may start: %s)", c.def.Code, s.Procedure, strings.Join(c.def.SubProcedures, ", "))
	}
	return c.rule(x.Role, c.def.Role, "starting a sub-procedure")
}

// startSubprocedure numbers the sub-procedure and starts it as a case of
// its own, which tells this one when it closes.
func (c *caseRun) startSubprocedure(ctx workflow.Context, x CaseAction) error {
	var a *activities.Activities
	var s struct{ Procedure string }
	_ = json.Unmarshal(x.Data, &s)
	c.busy++
	defer func() { c.busy-- }()
	var number string
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.NextCaseNumber, workflow.Now(ctx).Year()).Get(ctx, &number); err != nil {
		return err
	}
	c.st.Children = append(c.st.Children, number)
	if err := c.record(ctx, caseEvent{kind: "subprocedure_started", stage: c.st.Stage, by: x.By, summary: s.Procedure + " " + number, data: x.Data}); err != nil {
		return err
	}
	intake, _ := json.Marshal(map[string]string{"source": "ex_officio", "description": "Sub-procedure of case " + c.st.Number,
		"urgency": "routine", "outcome": "open_case"})
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: CaseWorkflowID(number),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON})
	child := workflow.ExecuteChildWorkflow(cctx, NameCase, CaseInput{Number: number, Procedure: s.Procedure, CentreID: c.st.CentreID,
		OpenedBy: x.By, Persons: c.st.Persons, Intake: intake, Parent: c.st.Number})
	return child.GetChildWorkflowExecution().Get(ctx, nil)
}

// caseTransfer is the transfer's data: the centre that takes the case.
type caseTransfer struct {
	CentreID string `json:"centre_id"`
}

func (c *caseRun) validateTransfer(x CaseAction) error {
	var tr caseTransfer
	_ = json.Unmarshal(x.Data, &tr)
	if _, known := domain.CentreByID(tr.CentreID); !known || tr.CentreID == c.st.CentreID {
		return rejectField(domain.CodeInvalid, "centre_id", "%q is not another centre", tr.CentreID)
	}
	return c.rule(x.Role, domain.RoleSupervisor, "transferring a case")
}

// transfer moves the case, and the tasks it waits for, to another centre.
func (c *caseRun) transfer(ctx workflow.Context, x CaseAction) error {
	var a *activities.Activities
	var tr caseTransfer
	_ = json.Unmarshal(x.Data, &tr)
	from := c.st.CentreID
	if err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.TransferCase,
		activities.TransferCaseInput{Number: c.st.Number, WorkflowID: c.wfID, CentreID: tr.CentreID}).Get(ctx, nil); err != nil {
		return err
	}
	c.st.CentreID = tr.CentreID
	for _, id := range workflow.DeterministicKeys(c.t.pending) {
		spec := c.t.pending[id]
		spec.CentreID = tr.CentreID
		c.t.pending[id] = spec
	}
	return c.record(ctx, caseEvent{kind: "transferred", stage: c.st.Stage, by: x.By, summary: from + " → " + tr.CentreID, data: x.Data})
}

func (c *caseRun) validateClose(x CaseAction) error {
	if err := c.inMonitoring("it closes after its stages"); err != nil {
		return err
	}
	if c.closeProposed {
		return rejectf(domain.CodeConflict, "closing of case %s is already proposed", c.st.Number)
	}
	if len(c.st.Children) > 0 {
		return rejectf(domain.CodeConflict, "case %s has open sub-procedures: %s; close them first", c.st.Number, strings.Join(c.st.Children, ", "))
	}
	return c.rule(x.Role, c.def.Role, "closing")
}

func (c *caseRun) proposeClosing(ctx workflow.Context, x CaseAction) error {
	c.closeProposed = true
	return c.record(ctx, caseEvent{kind: "closing_proposed", stage: c.st.Stage, by: x.By, summary: "closing proposed", data: x.Data})
}

func (c *caseRun) validateReview(x CaseAction) error {
	if err := c.inMonitoring("reviews come with the plan's implementation"); err != nil {
		return err
	}
	if !c.reviews || c.reviewing || c.closeProposed {
		return rejectf(domain.CodeConflict, "case %s already has a review or its closing open", c.st.Number)
	}
	return c.rule(x.Role, c.def.Role, "asking for a review")
}

// askForReview wakes the review loop before the review's timer.
func (c *caseRun) askForReview(ctx workflow.Context, x CaseAction) error {
	c.reviewing = true
	c.reviewNow.SendAsync(x.By)
	return c.record(ctx, caseEvent{kind: "review_requested", stage: c.st.Stage, by: x.By, summary: "review asked for before its time", data: x.Data})
}
