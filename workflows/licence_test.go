package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/workflows"
)

// licenceLog is what a licence's mocked activities saw.
type licenceLog struct {
	steps    []string
	notices  map[string]time.Time // kind -> when
	issued   int
	granted  bool
	kind     string
	complete bool
}

// licenceEnv mocks the activities of application 7 filed on 1 December
// 2026: the decision grants licences from 1 January 2027 (last day 31
// December 2032) unless log.granted is false.
func licenceEnv(t *testing.T, log *licenceLog) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t)
	env.SetStartTime(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	env.RegisterWorkflowWithOptions(workflows.Licence, workflow.RegisterOptions{Name: workflows.NameLicence})
	log.notices = map[string]time.Time{}
	env.OnActivity(a.CheckLicenceApplication, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.LicenceApplicationInput) (activities.CheckLicenceApplicationResult, error) {
			require.Equal(t, int64(7), in.ApplicationID)
			switch {
			case !log.complete:
				return activities.CheckLicenceApplicationResult{Kind: log.kind, Missing: []string{"premises"}, Stage: providers.StateIncomplete}, nil
			case log.kind == providers.KindDeletion:
				return activities.CheckLicenceApplicationResult{Kind: log.kind, Complete: true, Stage: providers.StateDrafting}, nil
			}
			return activities.CheckLicenceApplicationResult{Kind: log.kind, Complete: true, Stage: providers.StateInspection, InspectionOn: "2026-12-15"}, nil
		})
	record := func(name string) func(context.Context, activities.LicenceStepInput) error {
		return func(_ context.Context, in activities.LicenceStepInput) error {
			log.steps = append(log.steps, name+":"+in.By)
			return nil
		}
	}
	env.OnActivity(a.RecordLicenceInspection, mock.Anything, mock.Anything).Return(record("inspection"))
	env.OnActivity(a.RecordLicenceDraft, mock.Anything, mock.Anything).Return(record("draft"))
	env.OnActivity(a.RecordLicenceApproval, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.LicenceStepInput) error {
			log.steps = append(log.steps, map[bool]string{true: "approve", false: "send_back"}[in.Approve]+":"+in.By)
			return nil
		})
	env.OnActivity(a.IssueLicenceDecision, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.LicenceApplicationInput) (activities.IssueLicenceDecisionResult, error) {
			log.issued++
			if !log.granted || log.kind == providers.KindDeletion {
				return activities.IssueLicenceDecisionResult{Number: "RL-2026-7", Granted: log.granted}, nil
			}
			return activities.IssueLicenceDecisionResult{Number: "RL-2026-7", Granted: true, ValidUntil: "2032-12-31"}, nil
		})
	env.OnActivity(a.LicenceExpiryNotice, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.LicenceNoticeInput) (activities.LicenceNoticeResult, error) {
			log.notices[in.Kind] = env.Now()
			if in.Kind == "expiry_3m" {
				return activities.LicenceNoticeResult{RenewalID: 8}, nil
			}
			return activities.LicenceNoticeResult{}, nil
		})
	return env
}

// step sends an officer's step at delay.
func step(env *testsuite.TestWorkflowEnvironment, delay time.Duration, s, by string, role domain.Role) *updateResult {
	r := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateLicenceStep, s+by+delay.String(), callbacks{r}, workflows.LicenceStep{Step: s, By: by, Role: role})
	}, delay)
	return r
}

func licenceResult(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.LicenceResult {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.LicenceResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return res
}

// TestLicenceGrantedWarnsAndOpensRenewal runs a registration through its
// inspection, a draft sent back once, a second draft approved by another
// officer, skips six years to the warnings six and three months before
// the licences expire, and ends with the renewal opened. Steps out of
// order, by another role, or the drafter approving are refused.
func TestLicenceGrantedWarnsAndOpensRenewal(t *testing.T) {
	log := &licenceLog{granted: true, complete: true, kind: providers.KindRegistration}
	env := licenceEnv(t, log)
	early := step(env, time.Hour, workflows.StepDrafted, "goran.ministry", domain.RoleMinistryOfficer)
	wrongRole := step(env, 2*time.Hour, workflows.StepInspected, "ana.caseworker", domain.RoleCaseworker)
	step(env, days(14), workflows.StepInspected, "goran.ministry", domain.RoleMinistryOfficer)
	step(env, days(15), workflows.StepDrafted, "goran.ministry", domain.RoleMinistryOfficer)
	drafterApproves := step(env, days(15)+time.Hour, workflows.StepApproved, "goran.ministry", domain.RoleMinistryOfficer)
	step(env, days(16), workflows.StepSentBack, "jovana.ministry", domain.RoleMinistryOfficer)
	step(env, days(17), workflows.StepDrafted, "goran.ministry", domain.RoleMinistryOfficer)
	step(env, days(18), workflows.StepApproved, "jovana.ministry", domain.RoleMinistryOfficer)
	var mid workflows.LicenceStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(workflows.QueryLicence)
		require.NoError(t, err)
		require.NoError(t, v.Get(&mid))
	}, days(365))
	env.ExecuteWorkflow(workflows.NameLicence, workflows.LicenceInput{ApplicationID: 7})
	res := licenceResult(t, env)
	require.Equal(t, workflows.LicenceResult{State: providers.StateGranted, Decision: "RL-2026-7", ValidUntil: "2032-12-31", RenewalID: 8}, res)
	require.True(t, early.rejected && strings.Contains(early.err.Error(), "is inspection"), "a draft before the inspection: %v", early.err)
	require.True(t, wrongRole.rejected && strings.Contains(wrongRole.err.Error(), "ministry officer"), "a caseworker: %v", wrongRole.err)
	require.True(t, drafterApproves.rejected && strings.Contains(drafterApproves.err.Error(), "four eyes"), "the drafter approves: %v", drafterApproves.err)
	require.Equal(t, []string{"inspection:goran.ministry", "draft:goran.ministry", "send_back:jovana.ministry", "draft:goran.ministry", "approve:jovana.ministry"}, log.steps)
	require.Equal(t, 1, log.issued)
	require.Equal(t, workflows.LicenceStatus{Stage: providers.StateGranted, DraftedBy: "goran.ministry", ValidUntil: "2032-12-31"}, mid)
	require.Equal(t, "2032-06-30", log.notices["expiry_6m"].Format(time.DateOnly))
	require.Equal(t, "2032-09-30", log.notices["expiry_3m"].Format(time.DateOnly))
}

// TestLicenceRefusedOrIncompleteEnds: a refusal ends after its decision
// without timers; an incomplete application ends at once; a deletion has
// no inspection.
func TestLicenceRefusedOrIncompleteEnds(t *testing.T) {
	log := &licenceLog{complete: true, kind: providers.KindRegistration}
	env := licenceEnv(t, log)
	step(env, days(1), workflows.StepInspected, "goran.ministry", domain.RoleMinistryOfficer)
	step(env, days(2), workflows.StepDrafted, "goran.ministry", domain.RoleMinistryOfficer)
	step(env, days(3), workflows.StepApproved, "jovana.ministry", domain.RoleMinistryOfficer)
	env.ExecuteWorkflow(workflows.NameLicence, workflows.LicenceInput{ApplicationID: 7})
	require.Equal(t, providers.StateRefused, licenceResult(t, env).State)
	require.Empty(t, log.notices)

	log = &licenceLog{kind: providers.KindRegistration}
	env = licenceEnv(t, log)
	env.ExecuteWorkflow(workflows.NameLicence, workflows.LicenceInput{ApplicationID: 7})
	require.Equal(t, providers.StateIncomplete, licenceResult(t, env).State)
	require.Zero(t, log.issued)

	log = &licenceLog{complete: true, kind: providers.KindDeletion, granted: true}
	env = licenceEnv(t, log)
	inspected := step(env, days(1), workflows.StepInspected, "goran.ministry", domain.RoleMinistryOfficer)
	step(env, days(2), workflows.StepDrafted, "goran.ministry", domain.RoleMinistryOfficer)
	step(env, days(3), workflows.StepApproved, "jovana.ministry", domain.RoleMinistryOfficer)
	env.ExecuteWorkflow(workflows.NameLicence, workflows.LicenceInput{ApplicationID: 7})
	require.Equal(t, providers.StateGranted, licenceResult(t, env).State)
	require.True(t, inspected.rejected, "a deletion takes no inspection")
	require.Empty(t, log.notices)
}
