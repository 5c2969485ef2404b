package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

// placementLog is what a placement's mocked activities saw.
type placementLog struct {
	steps     []string // step:by@institution (seq)
	seqs      []int
	tasks     []string // created: id role centre
	escalated []string // task id -> role
	outcomes  []string
	cancelled int
	reviewAt  []time.Time
}

func placementEnv(t *testing.T, log *placementLog) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t)
	env.SetStartTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	env.RegisterWorkflowWithOptions(workflows.Placement, workflow.RegisterOptions{Name: workflows.NamePlacement})
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.PlacementID(12), TaskQueue: workflows.TaskQueue})
	env.OnActivity(a.RecordPlacementStep, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PlacementStepInput) (activities.PlacementStepResult, error) {
			log.steps = append(log.steps, in.Step+":"+in.By+"@"+in.InstitutionID)
			log.seqs = append(log.seqs, in.Seq)
			if in.Step == activities.PlacementReview {
				log.reviewAt = append(log.reviewAt, env.Now())
			}
			if in.Step == activities.PlacementTransfer {
				return activities.PlacementStepResult{NextPlacementID: 13}, nil
			}
			return activities.PlacementStepResult{}, nil
		})
	env.OnActivity(a.CreateTask, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.CreateTaskInput) error {
		log.tasks = append(log.tasks, in.ID+" "+string(in.CandidateRole)+" "+in.CentreID)
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

// placementStep sends a person's step at delay.
func placementStep(env *testsuite.TestWorkflowEnvironment, delay time.Duration, act workflows.PlacementAction) *updateResult {
	r := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdatePlacementStep, act.Step+act.By+delay.String(), callbacks{r}, act)
	}, delay)
	return r
}

func centreStep(step, by string, role domain.Role) workflows.PlacementAction {
	return workflows.PlacementAction{Step: step, By: by, Role: role, Home: "ME-10", InputID: 1}
}

func instStep(step, by, inst string, role domain.Role) workflows.PlacementAction {
	return workflows.PlacementAction{Step: step, By: by, Role: role, Home: inst, InputID: 2}
}

// TestPlacementWorkflow: the case manager refers the proposal to Bijelo
// Polje, whose social worker is late (the task escalated to the director
// after 7 days) and refuses; Grabovac accepts; the drafter may not approve
// the decision, a supervisor does; the gatekeeper admits; six months on a
// review task goes to the centre and the case manager reviews; after the
// second review the resident is discharged, the open tasks cancelled.
// Steps of the wrong stage, role or organisation are refused and reach no
// activity.
func TestPlacementWorkflow(t *testing.T) {
	log := &placementLog{}
	env := placementEnv(t, log)
	refer := func(inst string, bed int64) workflows.PlacementAction {
		act := centreStep(activities.PlacementRefer, "ana.caseworker", domain.RoleCaseworker)
		act.InstitutionID, act.BedID = inst, bed
		return act
	}
	early := placementStep(env, time.Hour, centreStep(activities.PlacementDraft, "ana.caseworker", domain.RoleCaseworker))
	placementStep(env, 2*time.Hour, refer("dom-bijelo-polje", 5))
	otherHome := placementStep(env, 3*time.Hour, instStep(activities.PlacementAccept, "bojana.social", "dom-grabovac", domain.RoleInstitutionSocialWorker))
	nurse := placementStep(env, 4*time.Hour, instStep(activities.PlacementAccept, "x.nurse", "dom-bijelo-polje", domain.RoleInstitutionMedical))
	placementStep(env, days(8), instStep(activities.PlacementRefuse, "senad.social", "dom-bijelo-polje", domain.RoleInstitutionSocialWorker))
	placementStep(env, days(9), refer("dom-grabovac", 1))
	placementStep(env, days(10), instStep(activities.PlacementAccept, "bojana.social", "dom-grabovac", domain.RoleInstitutionSocialWorker))
	placementStep(env, days(11), centreStep(activities.PlacementDraft, "ana.caseworker", domain.RoleCaseworker))
	drafter := placementStep(env, days(11)+time.Hour, centreStep(activities.PlacementApprove, "ana.caseworker", domain.RoleSupervisor))
	otherCentre := placementStep(env, days(11)+2*time.Hour, workflows.PlacementAction{Step: activities.PlacementApprove, By: "x.supervisor",
		Role: domain.RoleSupervisor, Home: "ME-02"})
	placementStep(env, days(12), centreStep(activities.PlacementApprove, "marko.supervisor", domain.RoleSupervisor))
	admit := instStep(activities.PlacementAdmit, "rade.gate", "dom-grabovac", domain.RoleInstitutionGatekeeper)
	admit.Day = "2026-12-15"
	placementStep(env, days(14), admit)
	placementStep(env, days(14)+days(190), centreStep(activities.PlacementReview, "ana.caseworker", domain.RoleCaseworker))
	var mid workflows.PlacementStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryPlacement)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, days(14)+days(200))
	placementStep(env, days(14)+days(380), centreStep(activities.PlacementReview, "ana.caseworker", domain.RoleCaseworker))
	placementStep(env, days(14)+days(400), centreStep(activities.PlacementDischarge, "ana.caseworker", domain.RoleCaseworker))

	env.ExecuteWorkflow(workflows.NamePlacement, workflows.PlacementInput{PlacementID: 12, CentreID: "ME-10", PersonID: "p-1", Steps: 1})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.PlacementResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.PlacementResult{State: workflows.StageDischarged, Refusals: 1, Reviews: 2}, res)

	for name, r := range map[string]*updateResult{"a draft before acceptance": early, "another home's answer": otherHome, "a nurse's answer": nurse,
		"the drafter's approval": drafter, "another centre's approval": otherCentre} {
		require.True(t, r.rejected, name)
	}
	require.Contains(t, drafter.err.Error(), "four eyes")
	require.Contains(t, nurse.err.Error(), "may not accept")
	require.Equal(t, []string{
		"refer:ana.caseworker@dom-bijelo-polje", "refuse:senad.social@dom-bijelo-polje", "refer:ana.caseworker@dom-grabovac",
		"accept:bojana.social@dom-grabovac", "draft:ana.caseworker@dom-grabovac", "approve:marko.supervisor@dom-grabovac",
		"admit:rade.gate@dom-grabovac", "review:ana.caseworker@dom-grabovac", "review:ana.caseworker@dom-grabovac",
		"discharge:ana.caseworker@dom-grabovac"}, log.steps)
	require.Equal(t, []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, log.seqs)
	require.Equal(t, []string{
		"placement:12:answer-1 institution_social_worker dom-bijelo-polje", "placement:12:answer-2 institution_social_worker dom-grabovac",
		"placement:12:review-1 caseworker ME-10", "placement:12:review-2 caseworker ME-10"}, log.tasks)
	require.Equal(t, []string{"placement:12:answer-1 institution_director"}, log.escalated)
	require.Equal(t, []string{"placement:12:answer-1 refused senad.social", "placement:12:answer-2 accepted bojana.social",
		"placement:12:review-1 reviewed ana.caseworker", "placement:12:review-2 reviewed ana.caseworker"}, log.outcomes)
	require.Equal(t, 1, log.cancelled)
	// The first review came six months after the admission (its task), the
	// status then names the next one six months after that.
	require.Equal(t, workflows.StageAdmitted, mid.Stage)
	require.Equal(t, 1, mid.Reviews)
	require.True(t, strings.HasPrefix(mid.NextReview, "2027-12") || strings.HasPrefix(mid.NextReview, "2028-01"), mid.NextReview)
}

// TestPlacementTransfer: a resident transferred from Grabovac leaves the
// workflow with the new placement's own workflow started.
func TestPlacementTransfer(t *testing.T) {
	log := &placementLog{}
	env := placementEnv(t, log)
	var child workflows.PlacementInput
	env.OnWorkflow(workflows.NamePlacement, mock.Anything, mock.MatchedBy(func(in workflows.PlacementInput) bool { return in.PlacementID == 12 })).
		Return(workflows.Placement)
	env.OnWorkflow(workflows.NamePlacement, mock.Anything, mock.MatchedBy(func(in workflows.PlacementInput) bool { return in.PlacementID == 13 })).
		Return(func(_ workflow.Context, in workflows.PlacementInput) (workflows.PlacementResult, error) {
			child = in
			return workflows.PlacementResult{}, nil
		})
	act := centreStep(activities.PlacementRefer, "ana.caseworker", domain.RoleCaseworker)
	act.InstitutionID, act.BedID = "dom-grabovac", 1
	placementStep(env, time.Hour, act)
	placementStep(env, 2*time.Hour, instStep(activities.PlacementAccept, "bojana.social", "dom-grabovac", domain.RoleInstitutionSocialWorker))
	placementStep(env, 3*time.Hour, centreStep(activities.PlacementDraft, "ana.caseworker", domain.RoleCaseworker))
	placementStep(env, 4*time.Hour, centreStep(activities.PlacementApprove, "marko.supervisor", domain.RoleSupervisor))
	placementStep(env, 5*time.Hour, instStep(activities.PlacementAdmit, "bojana.social", "dom-grabovac", domain.RoleInstitutionSocialWorker))
	placementStep(env, days(30), instStep(activities.PlacementTransfer, "bojana.social", "dom-grabovac", domain.RoleInstitutionSocialWorker))
	env.ExecuteWorkflow(workflows.NamePlacement, workflows.PlacementInput{PlacementID: 12, CentreID: "ME-10", PersonID: "p-1", Steps: 1})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.PlacementResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, workflows.PlacementResult{State: workflows.StageTransferred, TransferredTo: 13}, res)
	require.Equal(t, workflows.PlacementInput{PlacementID: 13, CentreID: "ME-10", PersonID: "p-1", Steps: 1}, child)
}

// TestPlacementStepSentTwice: an answer sent twice at once (a form
// submitted twice) is taken once; the second is refused while the first
// runs or, accepted with it, waits for it and fails on the stage it left
// (on replay as well: the stage is the workflow's own state), reaching no
// activity.
func TestPlacementStepSentTwice(t *testing.T) {
	log := &placementLog{}
	env := placementEnv(t, log)
	act := centreStep(activities.PlacementRefer, "ana.caseworker", domain.RoleCaseworker)
	act.InstitutionID, act.BedID = "dom-grabovac", 1
	placementStep(env, time.Hour, act)
	accept := instStep(activities.PlacementAccept, "bojana.social", "dom-grabovac", domain.RoleInstitutionSocialWorker)
	first, second := &updateResult{}, &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdatePlacementStep, "accept-1", callbacks{first}, accept)
		env.UpdateWorkflow(workflows.UpdatePlacementStep, "accept-2", callbacks{second}, accept)
	}, 2*time.Hour)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, days(1))
	env.ExecuteWorkflow(workflows.NamePlacement, workflows.PlacementInput{PlacementID: 12, CentreID: "ME-10", PersonID: "p-1", Steps: 1})
	require.True(t, first.done && first.err == nil, "the first answer: %v", first.err)
	require.True(t, second.done && second.err != nil, "the second answer must fail")
	require.Regexp(t, "takes no accept step|taking another step", second.err.Error())
	require.Equal(t, []string{"refer:ana.caseworker@dom-grabovac", "accept:bojana.social@dom-grabovac"}, log.steps)
}
