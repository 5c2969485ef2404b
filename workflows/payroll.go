package workflows

import (
	"errors"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
)

// Names of the payroll procedure's messages.
const (
	NamePayroll          = "Payroll"
	UpdatePayrollSubmit  = "submit"
	UpdatePayrollApprove = "approve"
	QueryPayroll         = "payroll"
)

// PayrollID is the workflow id of a month's payroll: one per month.
func PayrollID(period string) string { return "payroll/" + period }

// PayrollInput names the month.
type PayrollInput struct {
	Period string // YYYY-MM
}

// PayrollAction is a finance officer's submission or approval. An approval
// names the SHA-256 of every file it approves.
type PayrollAction struct {
	By     string
	Role   domain.Role
	Hashes map[string]string // file name -> SHA-256
}

// PayrollStatus is where a payroll stands (the query's answer and the result).
type PayrollStatus struct {
	State      string // preparing, awaiting_submission, awaiting_approval, approved, sent
	Files      []activities.PayrollFile
	PreparedBy string
	ApprovedBy string
	Voided     int // approvals voided because a file changed after them
	Payments   int64
	Exceptions int
	// Overpayments counts the months found paid above what they owe,
	// recorded to be recovered by a decision.
	Overpayments int
	Outcome      map[string]int // payments by state after the treasury answered
	// Corrections is the number of account corrections opened for payments
	// the bank rejected or returned, and for exceptions (an invalid account).
	Corrections int
}

// Payroll prepares a month's payments and files and binds them to four
// eyes: a finance officer submits, a different one approves the files'
// hashes; if a file changed after the approval, the approval is void and
// another is needed. Then the files go to the treasury and its answers are
// applied: paid, rejected or returned; what was not paid is carried into
// the next month's payroll.
//
// Input PayrollInput; id PayrollID(period). Updates: UpdatePayrollSubmit,
// UpdatePayrollApprove. Query: QueryPayroll.
func Payroll(ctx workflow.Context, in PayrollInput) (PayrollStatus, error) {
	p := &payrollRun{in: in, id: workflow.GetInfo(ctx).WorkflowExecution.ID, st: PayrollStatus{State: "preparing"}}
	if err := p.listen(ctx); err != nil {
		return p.st, err
	}
	if err := p.prepare(ctx); err != nil {
		return p.st, err
	}
	if err := workflow.Await(ctx, func() bool { return p.submitted != nil }); err != nil {
		return p.st, err
	}
	p.st.PreparedBy = p.submitted.By
	if err := p.awaitApproval(ctx); err != nil {
		return p.st, err
	}
	if err := p.send(ctx); err != nil {
		return p.st, err
	}
	if err := p.openCorrections(ctx); err != nil {
		return p.st, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return p.st, err
	}
	return p.st, nil
}

// payrollRun is a month's payroll workflow: its status (the query's
// answer) and the finance officers' submission and approval.
type payrollRun struct {
	in                  PayrollInput
	id                  string
	st                  PayrollStatus
	submitted, approved *PayrollAction
}

// payrollOptions are for the payroll's long activities: they heartbeat.
var payrollOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: 2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{domain.CodeInvalid}},
}

// listen registers the query and the submission and approval updates.
func (p *payrollRun) listen(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryPayroll, func() (PayrollStatus, error) { return p.st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePayrollSubmit, p.submit, workflow.UpdateHandlerOptions{Validator: p.validateSubmit}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdatePayrollApprove, p.approve, workflow.UpdateHandlerOptions{Validator: p.validateApprove})
}

func checkPayrollRole(x PayrollAction) error {
	if !x.Role.Acts(domain.RoleFinanceOfficer) {
		return rejectf(domain.CodeForbidden, "a payroll is submitted and approved by finance officers")
	}
	return nil
}

// validateSubmit is UpdatePayrollSubmit's validator.
func (p *payrollRun) validateSubmit(_ workflow.Context, x PayrollAction) error {
	if p.st.State != "awaiting_submission" {
		return rejectf(domain.CodeConflict, "payroll %s is %s, not awaiting submission", p.id, p.st.State)
	}
	return checkPayrollRole(x)
}

func (p *payrollRun) submit(ctx workflow.Context, x PayrollAction) error {
	if err := p.validateSubmit(ctx, x); err != nil {
		return err
	}
	p.submitted = &x
	return nil
}

// validateApprove is UpdatePayrollApprove's validator: another finance
// officer than the one who submitted, approving every file by its hash.
func (p *payrollRun) validateApprove(_ workflow.Context, x PayrollAction) error {
	if p.st.State != "awaiting_approval" {
		return rejectf(domain.CodeConflict, "payroll %s is %s, not awaiting approval", p.id, p.st.State)
	}
	if err := checkPayrollRole(x); err != nil {
		return err
	}
	if x.By == p.st.PreparedBy {
		return rejectf(domain.CodeForbidden, "four eyes: %s submitted this payroll and may not approve it", x.By)
	}
	if len(x.Hashes) != len(p.st.Files) {
		return rejectField(domain.CodeInvalid, "hashes", "approve every file of the payroll (%d), by name and SHA-256", len(p.st.Files))
	}
	for _, f := range p.st.Files {
		if x.Hashes[f.Name] != f.SHA256 {
			return rejectField(domain.CodeConflict, "hashes", "%s is not the file approved (its SHA-256 is %s)", f.Name, f.SHA256)
		}
	}
	return nil
}

func (p *payrollRun) approve(ctx workflow.Context, x PayrollAction) error {
	if err := p.validateApprove(ctx, x); err != nil {
		return err
	}
	p.approved = &x
	return nil
}

func (p *payrollRun) setState(ctx workflow.Context, s string) error {
	var a *activities.Activities
	p.st.State = s
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, localOptions), a.SetPayrollState, activities.SetPayrollStateInput{
		PayrollID: p.id, State: s, PreparedBy: p.st.PreparedBy, ApprovedBy: p.st.ApprovedBy}).Get(ctx, nil)
}

// prepare creates the month's payments and writes their files.
func (p *payrollRun) prepare(ctx workflow.Context) error {
	var a *activities.Activities
	var prep activities.PreparePayrollResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, payrollOptions), a.PreparePayroll,
		activities.PayrollMonth{PayrollID: p.id, Period: p.in.Period}).Get(ctx, &prep); err != nil {
		return err
	}
	p.st.Payments, p.st.Exceptions, p.st.Overpayments = prep.New, prep.Exceptions, prep.Overpayments
	if err := p.generate(ctx); err != nil {
		return err
	}
	return p.setState(ctx, "awaiting_submission")
}

// generate writes the payroll's files from its payments.
func (p *payrollRun) generate(ctx workflow.Context) error {
	var a *activities.Activities
	var files activities.GeneratePayrollFilesResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, payrollOptions), a.GeneratePayrollFiles,
		activities.PayrollMonth{PayrollID: p.id, Period: p.in.Period}).Get(ctx, &files); err != nil {
		return err
	}
	p.st.Files = files.Files
	return nil
}

// awaitApproval waits for an approval of the files as they still are: an
// approval of files that changed since is void, and the files are written
// again for another.
func (p *payrollRun) awaitApproval(ctx workflow.Context) error {
	var a *activities.Activities
	for {
		if err := p.setState(ctx, "awaiting_approval"); err != nil {
			return err
		}
		if err := workflow.Await(ctx, func() bool { return p.approved != nil }); err != nil {
			return err
		}
		var check activities.VerifyPayrollFilesResult
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, payrollOptions), a.VerifyPayrollFiles,
			activities.VerifyPayrollFilesInput{PayrollID: p.id, Files: p.st.Files}).Get(ctx, &check); err != nil {
			return err
		}
		if check.Unchanged {
			p.st.ApprovedBy = p.approved.By
			return p.setState(ctx, "approved")
		}
		workflow.GetLogger(ctx).Warn("payroll approval void: files changed", "payroll", p.id, "files", strings.Join(check.Changed, ","))
		p.st.Voided++
		p.approved = nil
		if err := p.generate(ctx); err != nil {
			return err
		}
	}
}

// send sends the approved files; the treasury's answers (pain.002,
// camt.054) are applied to the payments. Later answers can be uploaded.
func (p *payrollRun) send(ctx workflow.Context) error {
	var a *activities.Activities
	var sent activities.BankAnswers
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, payrollOptions), a.SendPayrollFiles,
		activities.PayrollMonth{PayrollID: p.id, Period: p.in.Period}).Get(ctx, &sent); err != nil {
		return err
	}
	p.st.Outcome = sent.Counts
	return p.setState(ctx, "sent")
}

// openCorrections opens, for each payment the bank did not pay, a task
// to correct the payee's account, in a procedure of its own that
// outlives the payroll.
func (p *payrollRun) openCorrections(ctx workflow.Context) error {
	var a *activities.Activities
	var unpaid activities.UnpaidResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, payrollOptions), a.ListUnpaid,
		activities.PayrollMonth{PayrollID: p.id, Period: p.in.Period}).Get(ctx, &unpaid); err != nil {
		return err
	}
	for _, u := range unpaid.Payments {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: "correct-account/" + u.EndToEndID, TaskQueue: TaskQueue,
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		child := workflow.ExecuteChildWorkflow(cctx, NameCorrectPayeeAccount, CorrectPayeeAccountInput{EntitlementID: u.EntitlementID,
			PersonID: u.PersonID, CentreID: u.CentreID, Reason: u.State + " " + u.Reason, Amount: u.Amount.StringFixed(2), Period: u.Period.Format("2006-01")})
		var started workflow.Execution
		if err := child.GetChildWorkflowExecution().Get(ctx, &started); err != nil {
			var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
			if !errors.As(err, &dup) {
				return err
			}
		}
		p.st.Corrections++
	}
	return nil
}

// NameScheduledPayroll is the workflow the monthly schedule starts.
const NameScheduledPayroll = "ScheduledPayroll"

// ScheduledPayroll starts the payroll of the month before the one it runs
// in (benefits are paid mid-month for the previous month), as a workflow of
// its own with the month's id; if that payroll was already started by hand,
// it does nothing.
func ScheduledPayroll(ctx workflow.Context) (string, error) {
	now := workflow.Now(ctx).UTC()
	period := domain.MonthOf(now.AddDate(0, 0, -now.Day())).String() // the previous month
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            PayrollID(period),
		TaskQueue:             TaskQueue,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	})
	child := workflow.ExecuteChildWorkflow(cctx, NamePayroll, PayrollInput{Period: period})
	var started workflow.Execution
	err := child.GetChildWorkflowExecution().Get(ctx, &started)
	var dup *temporal.ChildWorkflowExecutionAlreadyStartedError
	if errors.As(err, &dup) {
		return PayrollID(period) + " (already started)", nil
	}
	if err != nil {
		return "", err
	}
	return PayrollID(period), nil
}

// Correction names of the payee-account correction procedure.
const (
	NameCorrectPayeeAccount = "CorrectPayeeAccount"
	TaskCorrectAccount      = "payment.correct_account"
)

// CorrectPayeeAccountInput names the right whose payment the bank did not pay.
type CorrectPayeeAccountInput struct {
	EntitlementID string
	PersonID      domain.PersonID
	CentreID      string
	Reason        string // the bank's reason code
	Amount        string
	Period        string
}

// CorrectPayeeAccount asks a caseworker of the beneficiary's centre for the
// right account (task payment.correct_account, outcome "corrected" with
// payee_account) and records it; the next payroll pays the carried-over
// months there. Id: correct-account/<end-to-end id>.
func CorrectPayeeAccount(ctx workflow.Context, in CorrectPayeeAccountInput) error {
	var a *activities.Activities
	t := newTasks()
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCompleteTask, t.complete,
		workflow.UpdateHandlerOptions{Validator: t.validate}); err != nil {
		return err
	}
	c, err := t.await(ctx, taskSpec{Step: "correct", Type: TaskCorrectAccount, Subject: in.EntitlementID, PersonID: in.PersonID,
		CentreID: in.CentreID, Role: domain.RoleCaseworker, Due: 5 * 24 * time.Hour, Priority: 60, Outcomes: []string{"corrected"},
		Data: map[string]string{"reason": in.Reason, "amount": in.Amount, "period": in.Period},
		check: func(c TaskCompletion) error {
			var d struct {
				PayeeAccount string `json:"payee_account"`
			}
			if err := decodeStrict(c.Data, &d); err != nil {
				return err
			}
			_, err := domain.ParseIBAN("payee_account", d.PayeeAccount)
			return err
		}}, domain.RoleSupervisor)
	if err != nil {
		return err
	}
	var d struct {
		PayeeAccount string `json:"payee_account"`
	}
	_ = decodeStrict(c.Data, &d)
	iban, _ := domain.ParseIBAN("payee_account", d.PayeeAccount)
	local := workflow.WithLocalActivityOptions(ctx, localOptions)
	if err := workflow.ExecuteLocalActivity(local, a.SetPayeeAccount, activities.SetPayeeAccountInput{EntitlementID: in.EntitlementID, IBAN: string(iban)}).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}
