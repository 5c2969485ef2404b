package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

func TestPayrollFourEyesOnTheFileHashesAndVoiding(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.Payroll)
	env.OnActivity(a.PreparePayroll, mock.Anything, mock.Anything).Return(activities.PreparePayrollResult{New: 3, Total: decimal.RequireFromString("300")}, nil)
	generated := 0
	env.OnActivity(a.GeneratePayrollFiles, mock.Anything, mock.Anything).Return(func(context.Context, activities.PayrollMonth) (activities.GeneratePayrollFilesResult, error) {
		generated++
		return activities.GeneratePayrollFilesResult{Files: []activities.PayrollFile{{Name: "pain001-2026-11.xml", SHA256: "aaa"}}}, nil
	})
	verifications := 0
	env.OnActivity(a.VerifyPayrollFiles, mock.Anything, mock.Anything).Return(func(context.Context, activities.VerifyPayrollFilesInput) (activities.VerifyPayrollFilesResult, error) {
		verifications++
		// The first approval finds a file changed behind its back.
		return activities.VerifyPayrollFilesResult{Unchanged: verifications > 1, Changed: []string{"pain001-2026-11.xml"}}, nil
	})
	env.OnActivity(a.SetPayrollState, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.SendPayrollFiles, mock.Anything, mock.Anything).Return(activities.BankAnswers{Counts: map[string]int{"paid": 3}}, nil)
	env.OnActivity(a.ListUnpaid, mock.Anything, mock.Anything).Return(activities.UnpaidResult{}, nil)
	act := func(delay time.Duration, update, by string, role domain.Role, hash string) *updateResult {
		r := &updateResult{}
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(update, update+by+delay.String(), callbacks{r}, workflows.PayrollAction{By: by, Role: role,
				Hashes: map[string]string{"pain001-2026-11.xml": hash}})
		}, delay)
		return r
	}
	early := act(time.Minute, workflows.UpdatePayrollApprove, "marija.finance", domain.RoleFinanceOfficer, "aaa")
	caseworker := act(2*time.Minute, workflows.UpdatePayrollSubmit, "ana.caseworker", domain.RoleCaseworker, "")
	submit := act(3*time.Minute, workflows.UpdatePayrollSubmit, "nina.finance", domain.RoleFinanceOfficer, "")
	own := act(4*time.Minute, workflows.UpdatePayrollApprove, "nina.finance", domain.RoleFinanceOfficer, "aaa")
	wrong := act(5*time.Minute, workflows.UpdatePayrollApprove, "marija.finance", domain.RoleFinanceOfficer, "bbb")
	first := act(6*time.Minute, workflows.UpdatePayrollApprove, "marija.finance", domain.RoleFinanceOfficer, "aaa")
	second := act(7*time.Minute, workflows.UpdatePayrollApprove, "marija.finance", domain.RoleFinanceOfficer, "aaa")
	env.ExecuteWorkflow(workflows.Payroll, workflows.PayrollInput{Period: "2026-11"})
	require.NoError(t, env.GetWorkflowError())
	var st workflows.PayrollStatus
	require.NoError(t, env.GetWorkflowResult(&st))
	requireCode(t, early, domain.CodeConflict)
	requireCode(t, caseworker, domain.CodeForbidden)
	require.NoError(t, submit.err)
	requireCode(t, own, domain.CodeForbidden)
	requireCode(t, wrong, domain.CodeConflict)
	require.NoError(t, first.err)
	require.NoError(t, second.err)
	require.Equal(t, "sent", st.State)
	require.Equal(t, 3, st.Outcome["paid"])
	require.Equal(t, 1, st.Voided, "the first approval was void: a file had changed")
	require.Equal(t, 2, generated)
	require.Equal(t, "nina.finance", st.PreparedBy)
	require.Equal(t, "marija.finance", st.ApprovedBy)
}

func TestScheduledPayrollStartsThePreviousMonth(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.ScheduledPayroll)
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.PayrollInput) (workflows.PayrollStatus, error) {
		return workflows.PayrollStatus{}, nil
	}, workflow.RegisterOptions{Name: workflows.NamePayroll})
	var period string
	env.OnWorkflow(workflows.NamePayroll, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in workflows.PayrollInput) (workflows.PayrollStatus, error) {
		period = in.Period
		return workflows.PayrollStatus{State: "sent"}, nil
	})
	env.SetStartTime(time.Date(2027, 1, 10, 6, 0, 0, 0, time.UTC))
	env.ExecuteWorkflow(workflows.ScheduledPayroll)
	require.NoError(t, env.GetWorkflowError())
	var id string
	require.NoError(t, env.GetWorkflowResult(&id))
	require.Equal(t, "payroll/2026-12", id)
	require.Equal(t, "2026-12", period)
}
