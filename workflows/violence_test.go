package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
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

// dvLog is what the mocked register saw.
type dvLog struct {
	mu      sync.Mutex
	events  []string
	updates []activities.DVUpdate
	reports []activities.PoliceReport
	tries   int
	cases   []workflows.CaseInput // the DV cases opened
}

// dvEnv runs ViolenceNotification (and the Case it may open) with the
// register and the police endpoint mocked; the police answer after
// failures failed attempts.
func dvEnv(t *testing.T, failures int) (*testsuite.TestWorkflowEnvironment, *dvLog, *caseLog) {
	env, cl := caseEnv(t)
	env.RegisterWorkflow(workflows.ViolenceNotification)
	l := &dvLog{}
	env.OnActivity(a.RecordDV, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DVRecordInput) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		if in.Event != nil {
			l.events = append(l.events, in.Event.Kind)
		}
		if in.Update != nil {
			l.updates = append(l.updates, *in.Update)
		}
		return nil
	})
	env.OnActivity(a.OpenDVCaseOf, mock.Anything, mock.Anything).Return("", nil)
	// The case a notification opens runs on its own (its own tests); here
	// it only records how it was started.
	env.OnWorkflow(workflows.Case, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in workflows.CaseInput) (workflows.CaseState, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.cases = append(l.cases, in)
		return workflows.CaseState{Number: in.Number, Status: "open"}, nil
	})
	env.OnActivity(a.SendPoliceReport, mock.Anything, mock.Anything).Return(func(_ context.Context, r activities.PoliceReport) (activities.PoliceAck, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.tries++
		if l.tries <= failures {
			return activities.PoliceAck{}, errors.New("police endpoint answered 503")
		}
		l.reports = append(l.reports, r)
		return activities.PoliceAck{PoliceReference: "UP-SIM/2026/0001", ReceivedAt: time.Now()}, nil
	})
	return env, l, cl
}

func notificationInput() workflows.ViolenceInput {
	return workflows.ViolenceInput{Reference: "NS-2026-000001", Direction: "from_police", PoliceReference: "UP-PG/2026/0117",
		CentreID: "csr-podgorica", OccurredAt: time.Date(2026, 11, 29, 22, 40, 0, 0, time.UTC), Municipality: "ME-16",
		Description:  "Neighbours called the police after loud fighting.",
		Victims:      []workflows.ViolencePerson{{PersonID: "victim-1", Role: "victim", Birth: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)}},
		Perpetrators: []domain.PersonID{"perp-1"}}
}

// firstContact completes the notification's urgent task at delay.
func firstContact(env *testsuite.TestWorkflowEnvironment, delay time.Duration, by string, role domain.Role, data any) *updateResult {
	return completeIn(env, workflows.ViolenceWorkflowID("NS-2026-000001"), delay, "first-contact", "submit", by, role, data)
}

var contact = map[string]any{"contact": "in_person", "risk_level": "high", "indicators": []string{"previous_violence"},
	"findings": "The victim is at her sister's; she fears he will come back.", "open_case": true}

// TestPoliceNotificationEscalatesOpensACaseAndReportsBack: nobody takes
// the urgent task: after 3 hours it goes to the supervisor, after 6 to
// the centre's head; a caseworker without the DV role may not answer it;
// the DV caseworker's first contact opens the adult victim's DV case
// (P37); the report goes back to the police, retried until they
// acknowledge it on the third try.
func TestPoliceNotificationEscalatesOpensACaseAndReportsBack(t *testing.T) {
	env, l, cl := dvEnv(t, 2)
	env.SetStartWorkflowOptions(startOptions(workflows.ViolenceWorkflowID("NS-2026-000001")))
	wrongRole := firstContact(env, 7*time.Hour, "ana.caseworker", domain.RoleCaseworker, contact)
	badForm := firstContact(env, 7*time.Hour+time.Minute, "dragana.dv", domain.RoleDVCaseworker, map[string]any{"contact": "telepathy"})
	ok := firstContact(env, 7*time.Hour+2*time.Minute, "dragana.dv", domain.RoleDVCaseworker, contact)
	again := firstContact(env, 7*time.Hour+3*time.Minute, "dragana.dv", domain.RoleDVCaseworker, contact)
	env.ExecuteWorkflow(workflows.ViolenceNotification, notificationInput())
	require.NoError(t, env.GetWorkflowError())
	require.ErrorContains(t, wrongRole.err, "dv_caseworker")
	require.ErrorContains(t, badForm.err, "contact")
	require.ErrorContains(t, badForm.err, "findings")
	require.NoError(t, ok.err)
	require.Error(t, again.err, "a second first contact is refused")

	cl.mu.Lock()
	escalated := append([]string(nil), cl.escalated...)
	cl.mu.Unlock()
	require.Equal(t, []string{"first-contact>supervisor", "first-contact>centre_head"}, escalated)
	var st workflows.ViolenceState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, "reported", st.State)
	require.Equal(t, "S-2026-000099", st.CaseNumber)
	require.Equal(t, "UP-PG/2026/0117", st.PoliceReference, "a notification keeps the police's own reference")

	l.mu.Lock()
	defer l.mu.Unlock()
	require.Equal(t, 3, l.tries, "two failures, then acknowledged")
	require.Len(t, l.reports, 1)
	require.Equal(t, "answer", l.reports[0].Kind)
	require.Equal(t, "high", l.reports[0].RiskLevel)
	require.Equal(t, "S-2026-000099", l.reports[0].CaseNumber)
	require.Equal(t, []string{"first_contact", "case_linked", "report_acknowledged"}, l.events)
	require.Len(t, l.cases, 1)
	require.Equal(t, "P37", l.cases[0].Procedure, "an adult victim's case: DV against an adult")
	require.Equal(t, []activities.CasePerson{{PersonID: "victim-1", Role: "beneficiary"}, {PersonID: "perp-1", Role: "perpetrator"}}, l.cases[0].Persons)
}

// TestChildVictimOpensP05: a child victim's case is P05 (child victim or
// witness), not P37 (issue 16: the routing was swapped).
func TestChildVictimOpensP05(t *testing.T) {
	env, l, _ := dvEnv(t, 0)
	env.SetStartWorkflowOptions(startOptions(workflows.ViolenceWorkflowID("NS-2026-000001")))
	ok := firstContact(env, time.Minute, "dragana.dv", domain.RoleDVCaseworker, contact)
	in := notificationInput()
	in.Victims[0].Birth = time.Date(2014, 5, 5, 0, 0, 0, 0, time.UTC)
	env.ExecuteWorkflow(workflows.ViolenceNotification, in)
	require.NoError(t, env.GetWorkflowError())
	require.NoError(t, ok.err)
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Len(t, l.cases, 1)
	require.Equal(t, "P05", l.cases[0].Procedure, "a child victim's case")
}

// TestUnidentifiedVictimAndPoliceUpdates: the police could not identify
// the victim: opening a case needs the caseworker to name the registered
// person; later police updates are recorded, a repeated one once.
func TestUnidentifiedVictimAndPoliceUpdates(t *testing.T) {
	env, l, _ := dvEnv(t, 0)
	env.SetStartWorkflowOptions(startOptions(workflows.ViolenceWorkflowID("NS-2026-000001")))
	in := notificationInput()
	in.Victims, in.Perpetrators = nil, nil
	noVictim := firstContact(env, time.Hour, "dragana.dv", domain.RoleDVCaseworker, contact)
	named := map[string]any{}
	for k, v := range contact {
		named[k] = v
	}
	named["victim_person_id"] = "8f5b8a3e-3f0e-4c55-9a59-0a1c2b3d4e5f"
	ok := firstContact(env, time.Hour+time.Minute, "dragana.dv", domain.RoleDVCaseworker, named)
	update := workflows.PoliceUpdate{UpdateID: "u-1", Kind: "measures", At: time.Now(), Measures: []string{"restraining_order"}, By: "police-system"}
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalPoliceUpdate, update) }, 2*time.Hour)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalPoliceUpdate, update) }, 3*time.Hour)
	env.ExecuteWorkflow(workflows.ViolenceNotification, in)
	require.NoError(t, env.GetWorkflowError())
	require.ErrorContains(t, noVictim.err, "victim_person_id")
	require.NoError(t, ok.err)
	var st workflows.ViolenceState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, 2, st.Updates, "both deliveries reached the workflow; the register keeps one (its key)")
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Equal(t, domain.PersonID("8f5b8a3e-3f0e-4c55-9a59-0a1c2b3d4e5f"), l.updates[0].VictimPersonID)
	require.Contains(t, l.events, "police_update")
}

// TestCentreReportGoesToThePolice: a centre's own report needs no first
// contact; the police's reference links back.
func TestCentreReportGoesToThePolice(t *testing.T) {
	env, l, _ := dvEnv(t, 1)
	env.SetStartWorkflowOptions(startOptions(workflows.ViolenceWorkflowID("NS-2026-000002")))
	in := workflows.ViolenceInput{Reference: "NS-2026-000002", Direction: "to_police", CentreID: "csr-podgorica", OccurredAt: time.Now(),
		Municipality: "ME-16", Description: "The mother told the school counsellor.", RiskLevel: "medium",
		Persons: []activities.PolicePerson{{Role: "victim", JMBG: "0101990215009"}}}
	env.ExecuteWorkflow(workflows.ViolenceNotification, in)
	require.NoError(t, env.GetWorkflowError())
	var st workflows.ViolenceState
	require.NoError(t, env.GetWorkflowResult(&st))
	require.Equal(t, "UP-SIM/2026/0001", st.PoliceReference)
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Equal(t, "report", l.reports[0].Kind)
	require.Equal(t, "UP-SIM/2026/0001", l.updates[len(l.updates)-1].PoliceReference)
}

func startOptions(id string) client.StartWorkflowOptions { return client.StartWorkflowOptions{ID: id} }

// completeIn completes a task of the workflow id at delay.
func completeIn(env *testsuite.TestWorkflowEnvironment, id string, delay time.Duration, step, outcome, by string, role domain.Role, data any) *updateResult {
	r := &updateResult{}
	raw, _ := json.Marshal(data)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateCompleteTask, fmt.Sprintf("%s-%s-%v", step, by, delay), callbacks{r}, workflows.TaskCompletion{
			TaskID: workflows.TaskID(id, step), Outcome: outcome, Data: raw, By: by, Role: role, CentreID: "csr-podgorica"})
	}, delay)
	return r
}
