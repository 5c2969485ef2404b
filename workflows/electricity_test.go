package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

// TestElectricityFourEyesBeforeSending: the list is not sent before a
// finance officer submits it and another approves it by its SHA-256; the
// officer who submitted it cannot approve it, nor can a caseworker, nor
// an approval of another file; the company's answer is reconciled.
func TestElectricityFourEyesBeforeSending(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.ElectricityExport)
	counts := map[string]int{"MO_DNJP_LI": 2, "MO": 5, "CARER": 1, "VETERAN": 0}
	env.OnActivity(a.PrepareElectricityList, mock.Anything, mock.Anything).Return(activities.ElectricityList{SHA256: "aaa", Households: 8, Counts: counts}, nil)
	var states []string
	env.OnActivity(a.SetElectricityState, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SetElectricityStateInput) error {
		states = append(states, in.State)
		return nil
	}).Maybe()
	sent := 0
	env.OnActivity(a.SendElectricityList, mock.Anything, activities.SendElectricityInput{Month: "2026-12", SHA256: "aaa"}).Return(
		func(_ context.Context, _ activities.SendElectricityInput) (activities.ElectricityOutcome, error) {
			sent++
			return activities.ElectricityOutcome{Answered: true, AnswerSHA256: "bbb", Sent: 8, Discounted: 7, Mismatches: 2}, nil
		})
	act := func(delay time.Duration, update, by string, role domain.Role, sha string) *updateResult {
		r := &updateResult{}
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(update, update+by+delay.String(), callbacks{r}, workflows.ElectricityAction{By: by, Role: role, SHA256: sha})
		}, delay)
		return r
	}
	var before workflows.ElectricityStatus
	early := act(time.Minute, workflows.UpdateElectricityApprove, "marija.finance", domain.RoleFinanceOfficer, "aaa")
	caseworker := act(2*time.Minute, workflows.UpdateElectricitySubmit, "ana.caseworker", domain.RoleCaseworker, "")
	submit := act(3*time.Minute, workflows.UpdateElectricitySubmit, "nina.finance", domain.RoleFinanceOfficer, "")
	own := act(4*time.Minute, workflows.UpdateElectricityApprove, "nina.finance", domain.RoleFinanceOfficer, "aaa")
	wrong := act(5*time.Minute, workflows.UpdateElectricityApprove, "marija.finance", domain.RoleFinanceOfficer, "other")
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryElectricity)
		require.NoError(t, err)
		require.NoError(t, v.Get(&before))
	}, 5*time.Minute+time.Second)
	approve := act(6*time.Minute, workflows.UpdateElectricityApprove, "marija.finance", domain.RoleFinanceOfficer, "aaa")
	env.ExecuteWorkflow(workflows.ElectricityExport, workflows.ElectricityInput{Month: "2026-12"})
	require.NoError(t, env.GetWorkflowError())
	var st workflows.ElectricityStatus
	require.NoError(t, env.GetWorkflowResult(&st))
	requireCode(t, early, domain.CodeConflict)
	requireCode(t, caseworker, domain.CodeForbidden)
	require.NoError(t, submit.err)
	requireCode(t, own, domain.CodeForbidden)
	requireCode(t, wrong, domain.CodeConflict)
	require.NoError(t, approve.err)
	require.Equal(t, "awaiting_approval", before.State, "nothing is sent before the approval")
	require.Equal(t, 5, before.Counts["MO"])
	require.Equal(t, 1, sent)
	require.Equal(t, "reconciled", st.State)
	require.Equal(t, "nina.finance", st.SubmittedBy)
	require.Equal(t, "marija.finance", st.ApprovedBy)
	require.Equal(t, 2, st.Outcome.Mismatches)
	require.Equal(t, []string{"awaiting_submission", "awaiting_approval", "approved", "reconciled"}, states)
}

// TestElectricityWaitsForTheUploadedAnswer: a company that answers later
// (202) leaves the list sent until its file is uploaded (the API's
// signal); without one, the month is unanswered after the wait.
func TestElectricityWaitsForTheUploadedAnswer(t *testing.T) {
	for _, uploaded := range []bool{true, false} {
		env := newEnv(t)
		env.RegisterWorkflow(workflows.ElectricityExport)
		env.OnActivity(a.PrepareElectricityList, mock.Anything, mock.Anything).Return(activities.ElectricityList{SHA256: "aaa", Households: 1}, nil)
		env.OnActivity(a.SetElectricityState, mock.Anything, mock.Anything).Return(nil)
		env.OnActivity(a.SendElectricityList, mock.Anything, mock.Anything).Return(activities.ElectricityOutcome{}, nil)
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(workflows.UpdateElectricitySubmit, "s", callbacks{&updateResult{}}, workflows.ElectricityAction{By: "nina.finance", Role: domain.RoleFinanceOfficer})
		}, time.Minute)
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(workflows.UpdateElectricityApprove, "a", callbacks{&updateResult{}}, workflows.ElectricityAction{By: "marija.finance", Role: domain.RoleFinanceOfficer, SHA256: "aaa"})
		}, 2*time.Minute)
		if uploaded {
			env.RegisterDelayedCallback(func() {
				env.SignalWorkflow(workflows.SignalElectricityAnswer, activities.ElectricityOutcome{Answered: true, Sent: 1, Discounted: 1})
			}, 10*24*time.Hour)
		}
		start := env.Now()
		env.ExecuteWorkflow(workflows.ElectricityExport, workflows.ElectricityInput{Month: "2026-12"})
		require.NoError(t, env.GetWorkflowError())
		var st workflows.ElectricityStatus
		require.NoError(t, env.GetWorkflowResult(&st))
		if uploaded {
			require.Equal(t, "reconciled", st.State)
			require.Equal(t, 1, st.Outcome.Discounted)
			require.Less(t, env.Now().Sub(start), 11*24*time.Hour)
		} else {
			require.Equal(t, "unanswered", st.State)
			require.GreaterOrEqual(t, env.Now().Sub(start), workflows.ElectricityAnswerWait)
		}
	}
}

// TestScheduledElectricityStartsTheMonth: the monthly schedule starts the
// exchange of the month it runs in.
func TestScheduledElectricityStartsTheMonth(t *testing.T) {
	env := newEnv(t)
	env.RegisterWorkflow(workflows.ScheduledElectricity)
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.ElectricityInput) (workflows.ElectricityStatus, error) {
		return workflows.ElectricityStatus{}, nil
	}, workflow.RegisterOptions{Name: workflows.NameElectricityExport})
	var month string
	env.OnWorkflow(workflows.NameElectricityExport, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in workflows.ElectricityInput) (workflows.ElectricityStatus, error) {
		month = in.Month
		return workflows.ElectricityStatus{State: "reconciled"}, nil
	})
	env.SetStartTime(time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC))
	env.ExecuteWorkflow(workflows.ScheduledElectricity)
	require.NoError(t, env.GetWorkflowError())
	var id string
	require.NoError(t, env.GetWorkflowResult(&id))
	require.Equal(t, "electricity/2027-01", id)
	require.Equal(t, "2027-01", month)
}
