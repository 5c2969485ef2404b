package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// referralTemporal stands in for Temporal: it records the workflows
// started, and takes a step as the ServiceReferral workflow's activity
// does, numbering the steps as the workflow does (the workflow itself,
// its validation and deadlines, is tested in workflows/).
type referralTemporal struct {
	client.Client
	acts    *activities.Activities
	started []string
	steps   map[int64]int
}

func (p *referralTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	p.started = append(p.started, o.ID)
	in := args[0].(workflows.ServiceReferralInput)
	p.steps[in.ReferralID] = in.Steps
	return namedRun{id: o.ID}, nil
}

func (p *referralTemporal) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	var id int64
	if _, err := fmt.Sscanf(o.WorkflowID, "service-referral/%d", &id); err != nil {
		return nil, err
	}
	a := o.Args[0].(workflows.ServiceReferralAction)
	err := p.acts.RecordServiceReferralStep(ctx, activities.ServiceReferralStepInput{ReferralID: id, Seq: p.steps[id] + 1, Step: a.Step, By: a.By,
		Home: a.Home, Provider: a.Role == domain.RoleProviderStaff, Day: a.Day, Reason: a.Reason, InputID: a.InputID})
	if err == nil {
		p.steps[id]++
	}
	return updateDone{}, err
}

// referralChild records a child in an open case of procedure at
// csr-podgorica (ana.caseworker's).
func referralChild(t *testing.T, db *store.DB, number, procedure string, serial int) domain.Person {
	t.Helper()
	ctx := context.Background()
	j, err := domain.MakeJMBG(time.Date(2014, 5, 6, 0, 0, 0, 0, time.UTC), 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 3")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Luka", FamilyName: "Perović", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(ctx, p, "test"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: "csr-podgorica",
		Status: "open", Stage: "plan", Manager: "ana.caseworker", OpenedBy: "ana.caseworker", OpenedAt: time.Now(),
		Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServiceReferralsOverHTTP: ana.caseworker reads a P14 case's
// contracts (Sunce's day care with its free places) and refers the child;
// refusals name the rule: no contract, a contract of another service, a
// procedure that refers to none, another centre's case (403, as every case route), a contract
// with no free place (naming it); Sunce's tamara sees the referral with
// the child's name, Nikšić's provider gets 404; tamara puts the child on
// the waiting list (she may not cancel), starts the service, ana reviews
// and ends it; every answer is the document's; once Podgorica revokes
// its delegation, Sunce no longer finds the referral.
func TestServiceReferralsOverHTTP(t *testing.T) {
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	tc := &referralTemporal{steps: map[int64]int{}}
	ts, db := newServerFor(t, func(d *api.Deps) { d.Temporal, d.Now = tc, func() time.Time { return today } })
	tc.acts = &activities.Activities{DB: db, Now: func() time.Time { return today }}
	if _, err := devstack.LoadDemoServices(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	child := referralChild(t, db, "S-2026-700001", "P14", 110)
	referralChild(t, db, "S-2026-700002", "P01", 111)

	var forms struct {
		Contracts []struct {
			ID           int64
			ProviderName string `json:"provider_name"`
			Free         int
		}
	}
	code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/cases/S-2026-700001/service-referrals", "")
	if code != http.StatusOK || json.Unmarshal(b, &forms) != nil || len(forms.Contracts) != 1 || forms.Contracts[0].Free != 20 {
		t.Fatalf("the case's contracts: %d %s", code, b)
	}
	sunce := forms.Contracts[0].ID
	home, err := db.ContractsInForce(ctx, "home_help_elderly", "csr-podgorica", today)
	if err != nil || len(home) != 1 {
		t.Fatalf("the ministry's home help: %v %v", home, err)
	}
	path := "/api/v1/cases/S-2026-700001/service-referrals"
	for name, tt := range map[string]struct {
		user, path, body string
		status           int
		want             string
	}{
		"no contract":      {"ana.caseworker", path, `{}`, 400, "contract_id"},
		"an unknown one":   {"ana.caseworker", path, `{"contract_id":99999}`, 400, "no contract 99999"},
		"another service":  {"ana.caseworker", path, fmt.Sprintf(`{"contract_id":%d,"service":"home_help_elderly"}`, sunce), 400, "is for day_care_disability"},
		"a wrong contract": {"ana.caseworker", path, fmt.Sprintf(`{"contract_id":%d}`, home[0].ID), 400, "refers only to day_care_disability"},
		"a P01 case":       {"ana.caseworker", "/api/v1/cases/S-2026-700002/service-referrals", fmt.Sprintf(`{"contract_id":%d}`, sunce), 400, "refers to no provider's service"},
		"another centre":   {"jelena.caseworker", path, fmt.Sprintf(`{"contract_id":%d}`, sunce), 403, "may not read this case"},
		"a provider":       {"tamara.sunce", path, fmt.Sprintf(`{"contract_id":%d}`, sunce), 403, "may not create"},
	} {
		if code, b := doAs(t, ts, tt.user, "POST", tt.path, tt.body); code != tt.status || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: %d %s", name, code, b)
		}
	}
	code, b = doAs(t, ts, "ana.caseworker", "POST", path, fmt.Sprintf(`{"contract_id":%d}`, sunce))
	var r struct {
		ID     int64
		State  string
		Person struct{ ID, Name string }
	}
	if code != http.StatusCreated || json.Unmarshal(b, &r) != nil || r.State != "referred" || r.Person.ID != string(child.ID) ||
		len(tc.started) != 1 || tc.started[0] != workflows.ServiceReferralID(r.ID) {
		t.Fatalf("the referral: %d %s (started %v)", code, b, tc.started)
	}
	// The same referral again, still referred, is answered as a retry (its
	// workflow sure to run, nothing new written; TestReferralWorkflowRestarts).
	if code, b := doAs(t, ts, "ana.caseworker", "POST", path, fmt.Sprintf(`{"contract_id":%d}`, sunce)); code != http.StatusOK || !strings.Contains(string(b), fmt.Sprintf(`{"id":%d,`, r.ID)) {
		t.Errorf("the same referral again: %d %s", code, b)
	}
	one := fmt.Sprintf("/api/v1/service-referrals/%d", r.ID)
	if code, b := doAs(t, ts, "tamara.sunce", "GET", "/api/v1/service-referrals?state=referred", ""); code != http.StatusOK || !strings.Contains(string(b), "Luka Perović") ||
		strings.Contains(string(b), "S-2026-700001") {
		t.Errorf("Sunce's new referrals: %d %s", code, b)
	}
	for _, who := range []string{"dusan.pomoc", "jelena.caseworker"} {
		if code, b := doAs(t, ts, who, "GET", one, ""); code != http.StatusNotFound {
			t.Errorf("%s reads Sunce's referral: %d %s", who, code, b)
		}
	}
	if code, b := doAs(t, ts, "dusan.pomoc", "POST", one+"/answer", `{"answer":"wait"}`); code != http.StatusNotFound {
		t.Errorf("another provider answers: %d %s", code, b)
	}
	steps := []struct {
		user, step, body string
		status           int
		want             string
	}{
		{"tamara.sunce", "/answer", `{"answer":"maybe"}`, 400, "accept"},
		{"tamara.sunce", "/answer", `{"answer":"accept"}`, 400, "start_day"},
		{"tamara.sunce", "/answer", `{"answer":"wait"}`, 200, `"state":"waiting"`},
		{"tamara.sunce", "/cancel", ``, 403, "referring centre"},
		{"tamara.sunce", "/start", fmt.Sprintf(`{"day":%q}`, today.Format(time.DateOnly)), 200, `"state":"active"`},
		{"ana.caseworker", "/review", `{"day":"x","outcome":"maybe"}`, 400, "outcome"},
		{"ana.caseworker", "/review", fmt.Sprintf(`{"day":%q,"note":"comes gladly","outcome":"continue"}`, today.Format(time.DateOnly)), 200, "comes gladly"},
		{"ana.caseworker", "/end", `{"day":"2026-13-01","reason":"bored"}`, 400, "reason"},
		{"ana.caseworker", "/end", fmt.Sprintf(`{"day":%q,"reason":"goal_reached"}`, today.Format(time.DateOnly)), 200, `"state":"ended"`},
	}
	for _, s := range steps {
		if code, b := doAs(t, ts, s.user, "POST", one+s.step, s.body); code != s.status || !strings.Contains(string(b), s.want) {
			t.Fatalf("%s %s %s: %d %s", s.user, s.step, s.body, code, b)
		}
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", one, ""); code != http.StatusOK || !strings.Contains(string(b), `"what":"ended"`) {
		t.Errorf("the centre's referral: %d %s", code, b)
	}
	// A second child: Sunce's last place taken refuses the referral, naming the rule.
	if _, err := db.Pool().Exec(ctx, `UPDATE service_contracts SET capacity = 1 WHERE id = $1`, sunce); err != nil {
		t.Fatal(err)
	}
	referralChild(t, db, "S-2026-700003", "P14", 112)
	third := referralChild(t, db, "S-2026-700004", "P14", 113)
	code, b = doAs(t, ts, "ana.caseworker", "POST", "/api/v1/cases/S-2026-700003/service-referrals", fmt.Sprintf(`{"contract_id":%d}`, sunce))
	var r2 struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal(b, &r2) != nil {
		t.Fatalf("the second referral: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "tamara.sunce", "POST", fmt.Sprintf("/api/v1/service-referrals/%d/answer", r2.ID),
		fmt.Sprintf(`{"answer":"accept","start_day":%q}`, today.Format(time.DateOnly))); code != http.StatusOK {
		t.Fatalf("Sunce accepts: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/cases/S-2026-700004/service-referrals", fmt.Sprintf(`{"contract_id":%d,"person_id":%q}`, sunce, third.ID)); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "has no free place: its 1 places are taken") {
		t.Errorf("a full contract: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", fmt.Sprintf("/api/v1/service-referrals/%d/cancel", r2.ID), ""); code != http.StatusConflict {
		t.Errorf("an active service cancelled: %d %s", code, b)
	}
	// With a place again, the third child is referred and the centre withdraws it.
	if _, err := db.Pool().Exec(ctx, `UPDATE service_contracts SET capacity = 5 WHERE id = $1`, sunce); err != nil {
		t.Fatal(err)
	}
	code, b = doAs(t, ts, "ana.caseworker", "POST", "/api/v1/cases/S-2026-700004/service-referrals", fmt.Sprintf(`{"contract_id":%d}`, sunce))
	var r3 struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal(b, &r3) != nil {
		t.Fatalf("the third referral: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", fmt.Sprintf("/api/v1/service-referrals/%d/cancel", r3.ID), ""); code != http.StatusOK ||
		!strings.Contains(string(b), `"state":"cancelled"`) {
		t.Errorf("the centre withdraws a referral: %d %s", code, b)
	}
	// Podgorica revokes its delegation: Sunce no longer finds its referrals.
	ds, err := db.ServiceDelegations(ctx, "csr-podgorica", "")
	if err != nil || len(ds) != 1 {
		t.Fatalf("delegations: %v %v", ds, err)
	}
	if _, err := db.RevokeDelegation(ctx, "csr-podgorica", ds[0].ID, "under review", "sanja.head", time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, b := doAs(t, ts, "tamara.sunce", "GET", fmt.Sprintf("/api/v1/service-referrals/%d", r2.ID), ""); code != http.StatusNotFound {
		t.Errorf("a revoked delegation: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "tamara.sunce", "GET", "/api/v1/service-referrals", ""); code != http.StatusOK || strings.Contains(string(b), "Luka") {
		t.Errorf("Sunce's list after the revocation: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", fmt.Sprintf("/api/v1/service-referrals/%d/cancel", r.ID), ""); code != http.StatusConflict {
		t.Errorf("an ended referral cancelled: %d %s", code, b)
	}
}
