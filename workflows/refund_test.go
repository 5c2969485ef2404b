package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/refunds"
	"github.com/karton-social/karton/workflows"
)

func rday(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// refundLog is what a refund's mocked activities saw.
type refundLog struct {
	tasks      []string
	decisions  []activities.DecideRefundInput
	assessed   []string // months, once per assessment
	completed  *activities.CompleteRefundLeaveInput
	leave      refunds.Leave
	diff       map[string]int    // discrepancies a month's first assessment finds
	deathOn    string            // the register's death of the child
	paidShort  map[string]string // salary paid, by month
	refused    bool
	assessLeft int // leave assessments that still refuse
}

// refundEnv mocks the activities of a maternity leave of 98 days from 1
// July 2026 (a birth on 29 July), at 70 % of an average gross salary of
// EUR 1,240.00, with every day certified unless log.diff says otherwise.
func refundEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *refundLog) {
	env := newEnv(t)
	env.SetStartTime(time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC))
	env.RegisterWorkflowWithOptions(workflows.Refund, workflow.RegisterOptions{Name: workflows.NameRefund})
	log := &refundLog{diff: map[string]int{}, paidShort: map[string]string{},
		leave: refunds.Leave{Kind: refunds.Maternity, FirstDay: rday("2026-07-01"), LastDay: rday("2026-10-06"), Birth: rday("2026-07-29"), Employee: domain.SexFemale}}
	env.OnActivity(a.AssessRefundLeave, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AssessRefundLeaveInput) (activities.AssessRefundLeaveResult, error) {
			require.Equal(t, "RN-2026-000001", in.Leave)
			refused := log.refused && log.assessLeft > 0
			log.assessLeft--
			rate := 70
			if refused {
				rate = 0
			}
			return activities.AssessRefundLeaveResult{CentreID: "csr-podgorica", FirstDay: "2026-07-01", LastDay: "2026-10-06", Rate: rate, Refused: refused}, nil
		})
	env.OnActivity(a.AssessRefundMonth, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AssessRefundMonthInput) (activities.AssessRefundMonthResult, error) {
			m, _ := domain.ParseMonth(in.Month)
			if log.deathOn != "" && rday(log.deathOn).Before(log.leave.LastDay) {
				log.leave.LastDay = rday(log.deathOn)
			}
			r := refunds.MonthRefund(refunds.MonthInput{Leave: log.leave, Month: m, Base: decimal.RequireFromString("1240.00"), Rate: 70,
				SalaryPaid:   decimal.RequireFromString("1240.00"),
				Certificates: []refunds.Certificate{{From: rday("2026-07-01"), To: rday("2026-10-06"), Reason: "maternity"}}})
			n := 0
			if log.diff[in.Month] > 0 {
				n = 1
				log.diff[in.Month]--
			}
			log.assessed = append(log.assessed, in.Month)
			return activities.AssessRefundMonthResult{Refund: r.Refund, Days: r.Days, Discrepancies: n, LastDay: log.leave.LastDay.Format(time.DateOnly)}, nil
		})
	env.OnActivity(a.SetRefundClaimState, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CreateTaskInput) error {
		require.Equal(t, "csr-podgorica", in.CentreID)
		require.Equal(t, "RN-2026-000001", in.Subject)
		require.Equal(t, "RN-2026-000001", in.Data["refund"], "the task names its leave")
		log.tasks = append(log.tasks, in.Type+" "+in.Data["month"])
		return nil
	})
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.EscalateTask, mock.Anything, mock.Anything).Return(nil)
	env.OnActivity(a.DecideRefund, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DecideRefundInput) (activities.DecideRefundResult, error) {
			if in.PreparedBy == in.ApprovedBy && in.PreparedBy != "system" {
				return activities.DecideRefundResult{}, errors.New("four eyes broken")
			}
			log.decisions = append(log.decisions, in)
			return activities.DecideRefundResult{DecisionID: "d" + in.Month, Number: "csr-podgorica/2026/00001"}, nil
		})
	env.OnActivity(a.CompleteRefundLeave, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CompleteRefundLeaveInput) error {
			log.completed = &in
			return nil
		})
	return env, log
}

// fileMonth is the employer's claim of a month arriving at when.
func fileMonth(env *testsuite.TestWorkflowEnvironment, when time.Duration, month string) {
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalRefundClaim, workflows.RefundClaimFiled{Month: month})
	}, when)
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func refundResult(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.RefundResult {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.RefundResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

// TestRefundWholeMaternityLeave runs a maternity leave of 98 days at 70 %,
// time skipped from July to November: 98 days touch four calendar months,
// each claimed after it ended. The first month's decision has four eyes
// (a caseworker's review, a supervisor's approval, who may not be the
// caseworker); the other three are decided by rule, pro rata by days.
func TestRefundWholeMaternityLeave(t *testing.T) {
	env, log := refundEnv(t)
	fileMonth(env, days(33), "2026-07")
	rv := complete(env, days(34), "review-2026-07-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	own := complete(env, days(35), "approval-2026-07-1", "approve", "ana.caseworker", domain.RoleSupervisor, nil)
	ap := complete(env, days(35)+time.Hour, "approval-2026-07-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	fileMonth(env, days(64), "2026-08")
	fileMonth(env, days(94), "2026-09")
	fileMonth(env, days(124), "2026-10")
	env.ExecuteWorkflow(workflows.Refund, workflows.RefundInput{Leave: "RN-2026-000001"})
	res := refundResult(t, env)
	require.NoError(t, rv.err)
	requireCode(t, own, domain.CodeForbidden)
	require.NoError(t, ap.err)
	require.Equal(t, "completed", res.State)
	require.Equal(t, []string{"2026-07", "2026-08", "2026-09", "2026-10"}, res.Decided)
	require.Equal(t, []string{workflows.TaskRefundReview + " 2026-07", workflows.TaskRefundApprove + " 2026-07"}, log.tasks)
	require.Len(t, log.decisions, 4)
	// 1,240.00 × 70 %: July 31/31, August 31/31, September 30/30, October 6/31 (168.00).
	for i, want := range []string{"868.00", "868.00", "868.00", "168.00"} {
		require.Equal(t, want, log.decisions[i].Amount.StringFixed(2), log.decisions[i].Month)
		require.Equal(t, activities.RefundGrant, log.decisions[i].Kind)
	}
	require.Equal(t, "ana.caseworker", log.decisions[0].PreparedBy)
	require.Equal(t, "marko.supervisor", log.decisions[0].ApprovedBy)
	require.Equal(t, "system", log.decisions[1].PreparedBy, "by rule")
	require.Equal(t, "completed", log.completed.State)
	require.Empty(t, log.completed.Reason)
}

// TestRefundEarlyEnd: the employee returns to work on 21 August; the
// employer reports it, claims August up to the 20th, and the workflow ends
// without waiting for September and October.
func TestRefundEarlyEnd(t *testing.T) {
	env, log := refundEnv(t)
	fileMonth(env, days(33), "2026-07")
	complete(env, days(34), "review-2026-07-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, days(35), "approval-2026-07-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.RegisterDelayedCallback(func() {
		log.leave.LastDay = rday("2026-08-20") // recorded by the API before it signals
		env.SignalWorkflow(workflows.SignalRefundEnd, workflows.RefundEnded{LastDay: "2026-08-20"})
	}, days(52))
	fileMonth(env, days(63), "2026-08")
	env.ExecuteWorkflow(workflows.Refund, workflows.RefundInput{Leave: "RN-2026-000001"})
	res := refundResult(t, env)
	require.Equal(t, "ended", res.State)
	require.Equal(t, []string{"2026-07", "2026-08"}, res.Decided)
	require.Equal(t, "560.00", log.decisions[1].Amount.StringFixed(2), "20 of 31 days: 1,240.00 × 20 / 31 × 70 %")
	require.Equal(t, "ended", log.completed.State)
	require.Less(t, env.Now().Sub(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)), days(70), "ended once August was decided")
}

// TestRefundChildDeath: the population register states the child's death
// on 5 September when September is assessed; the leave ends that day.
func TestRefundChildDeath(t *testing.T) {
	env, log := refundEnv(t)
	log.deathOn = "2026-09-05"
	fileMonth(env, days(33), "2026-07")
	complete(env, days(34), "review-2026-07-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, days(35), "approval-2026-07-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	fileMonth(env, days(64), "2026-08")
	fileMonth(env, days(94), "2026-09")
	env.ExecuteWorkflow(workflows.Refund, workflows.RefundInput{Leave: "RN-2026-000001"})
	res := refundResult(t, env)
	require.Equal(t, "ended", res.State)
	require.Equal(t, []string{"2026-07", "2026-08", "2026-09"}, res.Decided)
	require.Equal(t, "144.67", log.decisions[2].Amount.StringFixed(2), "5 of 30 days: 206.67 × 70 %")
}

// TestRefundDiscrepancyToACaseworker: August's certificates do not cover
// every day: a caseworker decides it alone (the leave's first decision is
// made), refused an adjustment without a reason, then adjusts the amount;
// September's discrepancy is resolved by asking the registries again.
func TestRefundDiscrepancyToACaseworker(t *testing.T) {
	env, log := refundEnv(t)
	log.diff["2026-08"], log.diff["2026-09"] = 2, 1
	fileMonth(env, days(33), "2026-07")
	complete(env, days(34), "review-2026-07-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, days(35), "approval-2026-07-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	fileMonth(env, days(64), "2026-08")
	again := complete(env, days(65), "review-2026-08-1", "reassess", "ivan.caseworker", domain.RoleCaseworker, nil)
	noReason := complete(env, days(66), "review-2026-08-2", "adjust", "ivan.caseworker", domain.RoleCaseworker, map[string]string{"amount": "700.00"})
	badAmount := complete(env, days(66)+time.Hour, "review-2026-08-2", "adjust", "ivan.caseworker", domain.RoleCaseworker,
		map[string]string{"amount": "-3", "reason": "x"})
	adj := complete(env, days(67), "review-2026-08-2", "adjust", "ivan.caseworker", domain.RoleCaseworker,
		map[string]string{"amount": "700.00", "reason": "Doznake pokrivaju 25 dana."})
	fileMonth(env, days(94), "2026-09")
	complete(env, days(95), "review-2026-09-1", "reassess", "ivan.caseworker", domain.RoleCaseworker, nil)
	fileMonth(env, days(124), "2026-10")
	env.ExecuteWorkflow(workflows.Refund, workflows.RefundInput{Leave: "RN-2026-000001"})
	res := refundResult(t, env)
	require.NoError(t, again.err)
	requireCode(t, noReason, domain.CodeInvalid)
	requireCode(t, badAmount, domain.CodeInvalid)
	require.NoError(t, adj.err)
	require.Equal(t, "completed", res.State)
	require.Equal(t, []string{workflows.TaskRefundReview + " 2026-07", workflows.TaskRefundApprove + " 2026-07", workflows.TaskRefundReview + " 2026-08",
		workflows.TaskRefundReview + " 2026-08", workflows.TaskRefundReview + " 2026-09"}, log.tasks, "no approval after the first decision")
	aug := log.decisions[1]
	require.Equal(t, activities.RefundAdjusted, aug.Kind)
	require.Equal(t, "700.00", aug.Amount.StringFixed(2))
	require.Equal(t, "Doznake pokrivaju 25 dana.", aug.Reason)
	require.Equal(t, "system", aug.PreparedBy)
	require.Equal(t, "ivan.caseworker", aug.ApprovedBy)
	require.Equal(t, activities.RefundGrant, log.decisions[2].Kind, "September by rule once the registries agree")
	require.Equal(t, []string{"2026-07", "2026-08", "2026-08", "2026-09", "2026-09", "2026-10"}, log.assessed, "assessed again on reassess")
}

// TestRefundLeaveRefused: no refund is due (under three months of
// insurance): a caseworker has the registries asked again, then accepts,
// a supervisor approves the rejection.
func TestRefundLeaveRefused(t *testing.T) {
	env, log := refundEnv(t)
	log.refused, log.assessLeft = true, 2
	complete(env, time.Hour, "refusal-review-1", "reassess", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, 2*time.Hour, "refusal-review-2", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, 3*time.Hour, "refusal-approval-2", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.Refund, workflows.RefundInput{Leave: "RN-2026-000001"})
	res := refundResult(t, env)
	require.Equal(t, "rejected", res.State)
	require.Len(t, log.decisions, 1)
	require.Equal(t, activities.RefundRejection, log.decisions[0].Kind)
	require.Equal(t, "", log.decisions[0].Month, "the leave's own decision")
	require.Equal(t, "marko.supervisor", log.decisions[0].ApprovedBy)
}

// TestRefundMonthsLapse: only July is claimed; six months after the
// leave's last month the workflow ends, August to October lapsed.
func TestRefundMonthsLapse(t *testing.T) {
	env, log := refundEnv(t)
	fileMonth(env, days(33), "2026-07")
	fileMonth(env, days(33)+time.Minute, "2026-07") // sent twice: decided once
	complete(env, days(34), "review-2026-07-1", "accept", "ana.caseworker", domain.RoleCaseworker, nil)
	complete(env, days(35), "approval-2026-07-1", "approve", "marko.supervisor", domain.RoleSupervisor, nil)
	env.ExecuteWorkflow(workflows.Refund, workflows.RefundInput{Leave: "RN-2026-000001"})
	res := refundResult(t, env)
	require.Equal(t, "completed", res.State)
	require.Equal(t, []string{"2026-08", "2026-09", "2026-10"}, res.Lapsed)
	require.Len(t, log.decisions, 1)
	require.Contains(t, log.completed.Reason, "2026-08")
	require.Equal(t, "2027-05-01", env.Now().Format(time.DateOnly), "six months after October")
}
