package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/workflows"
)

// referralLog is what a referral's mocked activities saw.
type referralLog struct {
	steps     []string // step:by@home
	seqs      []int
	tasks     []string // id type
	escalated []string
	outcomes  []string
	cancelled int
	reviewAt  []time.Time
}

func referralEnv(t *testing.T, log *referralLog) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t)
	env.SetStartTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	env.RegisterWorkflowWithOptions(workflows.ServiceReferral, workflow.RegisterOptions{Name: workflows.NameServiceReferral})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.ServiceReferralID(7), TaskQueue: workflows.TaskQueue})
	env.OnActivity(a.RecordServiceReferralStep, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ServiceReferralStepInput) error {
		log.steps = append(log.steps, in.Step+":"+in.By+"@"+in.Home)
		log.seqs = append(log.seqs, in.Seq)
		if in.Step == activities.ReferralReview {
			log.reviewAt = append(log.reviewAt, env.Now())
		}
		return nil
	})
	env.OnActivity(a.OpenServiceReferralTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ServiceReferralTaskInput) error {
		log.tasks = append(log.tasks, in.TaskID+" "+in.Type)
		return nil
	})
	env.OnActivity(a.EscalateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.EscalateTaskInput) error {
		log.escalated = append(log.escalated, in.TaskID+" "+string(in.To))
		return nil
	})
	env.OnActivity(a.RecordTaskOutcome, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RecordTaskOutcomeInput) error {
		log.outcomes = append(log.outcomes, in.TaskID+" "+in.Outcome+" "+in.By)
		return nil
	})
	env.OnActivity(a.CancelTasks, mock.Anything, mock.Anything).Return(func(context.Context, activities.CancelTasksInput) error {
		log.cancelled++
		return nil
	})
	return env
}

func referralStep(env *testsuite.TestWorkflowEnvironment, delay time.Duration, act workflows.ServiceReferralAction) *updateResult {
	r := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateServiceReferralStep, act.Step+act.By+delay.String(), callbacks{r}, act)
	}, delay)
	return r
}

func sunce(step, day string) workflows.ServiceReferralAction {
	return workflows.ServiceReferralAction{Step: step, By: "tamara.sunce", Role: domain.RoleProviderStaff, Home: "02655284", Day: day}
}

func centreReferralStep(step, day string) workflows.ServiceReferralAction {
	return workflows.ServiceReferralAction{Step: step, By: "ana.caseworker", Role: domain.RoleCaseworker, Home: "csr-podgorica", Day: day, InputID: 3}
}

var referralInput = workflows.ServiceReferralInput{ReferralID: 7, CentreID: "csr-podgorica", ProviderPIB: "02655284", Steps: 1}

// TestServiceReferralWaitingListToEnd: Sunce puts the person on its
// waiting list, then starts the service; six months on a review task goes
// to the centre and ana reviews; later the service ends (goal reached),
// the open tasks cancelled. Steps by another provider, the wrong role, in
// the wrong stage or without their day or reason are refused and reach no
// activity.
func TestServiceReferralWaitingListToEnd(t *testing.T) {
	log := &referralLog{}
	env := referralEnv(t, log)
	early := referralStep(env, time.Hour, sunce(activities.ReferralStart, "2026-12-02"))
	other := referralStep(env, 2*time.Hour, workflows.ServiceReferralAction{Step: activities.ReferralWait, By: "dusan.pomoc", Role: domain.RoleProviderStaff, Home: "02000008"})
	caseworker := referralStep(env, 3*time.Hour, centreReferralStep(activities.ReferralWait, ""))
	referralStep(env, days(2), sunce(activities.ReferralWait, ""))
	noDay := referralStep(env, days(20), sunce(activities.ReferralStart, ""))
	referralStep(env, days(21), sunce(activities.ReferralStart, "2026-12-22"))
	review := centreReferralStep(activities.ReferralReview, "2027-06-25")
	referralStep(env, days(21)+days(190), review)
	var mid workflows.ServiceReferralStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryServiceReferral)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, days(21)+days(200))
	badReason := centreReferralStep(activities.ReferralEnd, "2027-09-01")
	badReason.Reason = "bored"
	badEnd := referralStep(env, days(21)+days(270), badReason)
	end := centreReferralStep(activities.ReferralEnd, "2027-09-01")
	end.Reason = services.EndGoalReached
	referralStep(env, days(21)+days(275), end)

	env.ExecuteWorkflow(workflows.NameServiceReferral, referralInput)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.ServiceReferralResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.ServiceReferralResult{State: services.ReferralEnded, Reviews: 1}, res)
	for name, r := range map[string]*updateResult{"a start before the answer": early, "another provider's answer": other,
		"a caseworker's answer": caseworker, "a start without its day": noDay, "an end for no reason": badEnd} {
		require.True(t, r.rejected, name)
	}
	require.Contains(t, caseworker.err.Error(), "may not wait")
	require.Contains(t, other.err.Error(), "not found")
	require.Equal(t, []string{"wait:tamara.sunce@02655284", "start:tamara.sunce@02655284", "review:ana.caseworker@csr-podgorica",
		"end:ana.caseworker@csr-podgorica"}, log.steps)
	require.Equal(t, []int{2, 3, 4, 5}, log.seqs)
	require.Equal(t, []string{"service-referral:7:answer service_referral_answer", "service-referral:7:review-1 service_referral_review"}, log.tasks)
	require.Empty(t, log.escalated)
	require.Equal(t, []string{"service-referral:7:answer waiting tamara.sunce", "service-referral:7:review-1 reviewed ana.caseworker"}, log.outcomes)
	require.Equal(t, 1, log.cancelled)
	require.Equal(t, services.ReferralActive, mid.Stage)
	require.Equal(t, 1, mid.Reviews)
	require.Equal(t, "2027-12", mid.NextReview[:7], mid.NextReview)
}

// TestServiceReferralAnswerLate: the provider does not answer in 7 days:
// a task goes to the case's manager (the referral is escalated); Sunce
// then accepts with a first day, both tasks complete; the centre may no
// longer cancel it; the provider ends it (the person moved).
func TestServiceReferralAnswerLate(t *testing.T) {
	log := &referralLog{}
	env := referralEnv(t, log)
	referralStep(env, days(9), sunce(activities.ReferralAccept, "2026-12-12"))
	cancel := referralStep(env, days(10), centreReferralStep(activities.ReferralCancel, ""))
	end := sunce(activities.ReferralEnd, "2027-01-15")
	end.Reason = services.EndMoved
	referralStep(env, days(50), end)
	env.ExecuteWorkflow(workflows.NameServiceReferral, referralInput)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.ServiceReferralResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.ServiceReferralResult{State: services.ReferralEnded, Escalated: true}, res)
	require.True(t, cancel.rejected)
	require.Contains(t, cancel.err.Error(), "takes no cancel step")
	require.Equal(t, []string{"service-referral:7:answer service_referral_answer", "service-referral:7:answer-late service_referral_late"}, log.tasks)
	require.Equal(t, []string{"service-referral:7:answer active tamara.sunce", "service-referral:7:answer-late active tamara.sunce"}, log.outcomes)
	require.Equal(t, []string{"accept:tamara.sunce@02655284", "end:tamara.sunce@02655284"}, log.steps)
}

// TestServiceReferralCancelled: the centre withdraws a referral on the
// waiting list; the workflow ends with its tasks cancelled.
func TestServiceReferralCancelled(t *testing.T) {
	log := &referralLog{}
	env := referralEnv(t, log)
	referralStep(env, days(1), sunce(activities.ReferralWait, ""))
	referralStep(env, days(30), centreReferralStep(activities.ReferralCancel, ""))
	env.ExecuteWorkflow(workflows.NameServiceReferral, referralInput)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.ServiceReferralResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, services.ReferralCancelled, res.State)
	require.Equal(t, 1, log.cancelled)
}
