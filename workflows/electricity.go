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

// Names of the electricity subsidy's monthly exchange (issue 21, item 6).
const (
	NameElectricityExport    = "ElectricityExport"
	NameScheduledElectricity = "ScheduledElectricity" // the monthly schedule starts it
	UpdateElectricitySubmit  = "electricity_submit"
	UpdateElectricityApprove = "electricity_approve"
	// SignalElectricityAnswer tells the workflow that the company's file
	// was uploaded and imported (its payload: the outcome's counts).
	SignalElectricityAnswer = "electricity_answer"
	QueryElectricity        = "electricity"
)

// ElectricityAnswerWait is how long a list sent without an answer waits
// for the company's file to be uploaded.
const ElectricityAnswerWait = 45 * 24 * time.Hour

// ElectricityID is the workflow id of a month's exchange: one per month.
func ElectricityID(month string) string { return "electricity/" + month }

// ElectricityInput names the month (YYYY-MM).
type ElectricityInput struct {
	Month string
}

// ElectricityAction is a finance officer's submission of the month's
// list or another's approval of it, which names the file's SHA-256.
type ElectricityAction struct {
	By     string
	Role   domain.Role
	SHA256 string
}

// ElectricityStatus is where the month's exchange stands (the query's
// answer and the result): ids, counts and hashes only.
type ElectricityStatus struct {
	Month       string
	State       string // preparing, awaiting_submission, awaiting_approval, approved, sent, reconciled, unanswered
	SHA256      string
	Households  int
	Counts      map[string]int
	SubmittedBy string
	ApprovedBy  string
	Outcome     activities.ElectricityOutcome
}

// ElectricityExport is the month's exchange with the power utility: the
// list of households is prepared (a file in the object store), a finance
// officer submits it after looking at its counts by category, a different
// one approves it by its SHA-256 (four eyes), and only then is it sent;
// the company's file of discounts (its answer, or uploaded later) is
// imported and reconciled. Every activity is idempotent, so the workflow
// resumes after a crash anywhere.
//
// Input ElectricityInput; id ElectricityID(month). Updates:
// UpdateElectricitySubmit, UpdateElectricityApprove. Signal:
// SignalElectricityAnswer. Query: QueryElectricity.
func ElectricityExport(ctx workflow.Context, in ElectricityInput) (ElectricityStatus, error) {
	e := &electricityRun{st: ElectricityStatus{Month: in.Month, State: "preparing"}}
	if err := e.listen(ctx); err != nil {
		return e.st, err
	}
	if err := e.prepare(ctx); err != nil {
		return e.st, err
	}
	if err := workflow.Await(ctx, func() bool { return e.submitted != nil }); err != nil {
		return e.st, err
	}
	e.st.SubmittedBy = e.submitted.By
	if err := e.setState(ctx, "awaiting_approval"); err != nil {
		return e.st, err
	}
	if err := workflow.Await(ctx, func() bool { return e.approved != nil }); err != nil {
		return e.st, err
	}
	e.st.ApprovedBy = e.approved.By
	if err := e.setState(ctx, "approved"); err != nil {
		return e.st, err
	}
	if err := e.send(ctx); err != nil {
		return e.st, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return e.st, err
	}
	return e.st, nil
}

// electricityRun is a month's exchange: its status and the officers'
// submission and approval.
type electricityRun struct {
	st                  ElectricityStatus
	submitted, approved *ElectricityAction
}

// electricityOptions: sending retries while the company is down, for as
// long as it takes; a file changed after its approval is not retried.
var electricityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 5 * time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid, domain.CodeConflict, domain.CodeNotFound}},
}

// listen registers the query and the submission and approval updates.
func (e *electricityRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryElectricity, func() (ElectricityStatus, error) { return e.st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateElectricitySubmit, e.submit,
		workflow.UpdateHandlerOptions{Validator: e.validateSubmit}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateElectricityApprove, e.approve,
		workflow.UpdateHandlerOptions{Validator: e.validateApprove})
}

func checkElectricityRole(x ElectricityAction) error {
	if !x.Role.Acts(domain.RoleFinanceOfficer) {
		return rejectf(domain.CodeForbidden, "the electricity list is submitted and approved by finance officers")
	}
	return nil
}

// validateSubmit is UpdateElectricitySubmit's validator.
func (e *electricityRun) validateSubmit(_ workflow.Context, x ElectricityAction) error {
	if e.st.State != "awaiting_submission" {
		return rejectf(domain.CodeConflict, "the electricity list of %s is %s, not awaiting submission", e.st.Month, e.st.State)
	}
	return checkElectricityRole(x)
}

func (e *electricityRun) submit(ctx workflow.Context, x ElectricityAction) error {
	if err := e.validateSubmit(ctx, x); err != nil {
		return err
	}
	e.submitted = &x
	return nil
}

// validateApprove is UpdateElectricityApprove's validator: a finance
// officer other than the one who submitted, approving the file by its
// SHA-256.
func (e *electricityRun) validateApprove(_ workflow.Context, x ElectricityAction) error {
	if e.st.State != "awaiting_approval" {
		return rejectf(domain.CodeConflict, "the electricity list of %s is %s, not awaiting approval", e.st.Month, e.st.State)
	}
	if err := checkElectricityRole(x); err != nil {
		return err
	}
	if x.By == e.st.SubmittedBy {
		return rejectf(domain.CodeForbidden, "four eyes: %s submitted this list and may not approve it", x.By)
	}
	if x.SHA256 != e.st.SHA256 {
		return rejectField(domain.CodeConflict, "sha256", "approve the list by its SHA-256, %s", e.st.SHA256)
	}
	return nil
}

func (e *electricityRun) approve(ctx workflow.Context, x ElectricityAction) error {
	if err := e.validateApprove(ctx, x); err != nil {
		return err
	}
	e.approved = &x
	return nil
}

func (e *electricityRun) setState(ctx workflow.Context, s string) error {
	var a *activities.Activities
	e.st.State = s
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.SetElectricityState,
		activities.SetElectricityStateInput{Month: e.st.Month, State: s, SubmittedBy: e.st.SubmittedBy, ApprovedBy: e.st.ApprovedBy}).Get(ctx, nil)
}

// prepare draws the month's list and waits for its submission.
func (e *electricityRun) prepare(ctx workflow.Context) error {
	var a *activities.Activities
	var list activities.ElectricityList
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, electricityOptions), a.PrepareElectricityList,
		activities.ElectricityMonth{Month: e.st.Month, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID}).Get(ctx, &list); err != nil {
		return err
	}
	e.st.SHA256, e.st.Households, e.st.Counts = list.SHA256, list.Households, list.Counts
	return e.setState(ctx, "awaiting_submission")
}

// send sends the approved list; the company's answer is imported, or the
// workflow waits for its file to be uploaded (SignalElectricityAnswer)
// until ElectricityAnswerWait has passed.
func (e *electricityRun) send(ctx workflow.Context) error {
	var a *activities.Activities
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, electricityOptions), a.SendElectricityList,
		activities.SendElectricityInput{Month: e.st.Month, SHA256: e.st.SHA256}).Get(ctx, &e.st.Outcome); err != nil {
		return err
	}
	if e.st.Outcome.Answered {
		return e.setState(ctx, "reconciled")
	}
	if err := e.setState(ctx, "sent"); err != nil {
		return err
	}
	answered := false
	s := workflow.NewSelector(ctx)
	s.AddReceive(workflow.GetSignalChannel(ctx, SignalElectricityAnswer), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, &e.st.Outcome)
		answered = true
	})
	s.AddFuture(workflow.NewTimer(ctx, ElectricityAnswerWait), func(workflow.Future) {})
	s.Select(ctx)
	if !answered {
		return e.setState(ctx, "unanswered")
	}
	e.st.State = "reconciled" // the upload recorded it
	return nil
}

// ScheduledElectricity starts the exchange of the month it runs in, as a
// workflow of its own with the month's id; if that month's was started
// already (by hand), it does nothing.
func ScheduledElectricity(ctx workflow.Context) (string, error) {
	month := domain.MonthOf(workflow.Now(ctx).UTC()).String()
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            ElectricityID(month),
		TaskQueue:             TaskQueue,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	})
	child := workflow.ExecuteChildWorkflow(cctx, NameElectricityExport, ElectricityInput{Month: month})
	var started workflow.Execution
	err := child.GetChildWorkflowExecution().Get(ctx, &started)
	var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &dup) {
		return ElectricityID(month) + " (already started)", nil
	}
	if err != nil {
		return "", err
	}
	return ElectricityID(month), nil
}
