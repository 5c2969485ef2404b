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
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// placementTemporal stands in for Temporal: it records the workflows
// started, and takes a step as the Placement workflow's activity does,
// numbering the steps as the workflow does (the workflow itself, its
// validation and deadlines, is tested in workflows/).
type placementTemporal struct {
	client.Client
	acts    *activities.Activities
	started []string
	steps   map[int64]int
}

func (p *placementTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	p.started = append(p.started, o.ID)
	in := args[0].(workflows.PlacementInput)
	p.steps[in.PlacementID] = in.Steps
	return namedRun{id: o.ID}, nil
}

func (p *placementTemporal) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	var id int64
	if _, err := fmt.Sscanf(o.WorkflowID, "placement/%d", &id); err != nil {
		return nil, err
	}
	a := o.Args[0].(workflows.PlacementAction)
	f, err := p.acts.DB.PlacementFileOf(ctx, id)
	if err != nil {
		return nil, err
	}
	inst := f.InstitutionID
	if a.Step == activities.PlacementRefer {
		inst = a.InstitutionID
	}
	_, err = p.acts.RecordPlacementStep(ctx, activities.PlacementStepInput{PlacementID: id, Seq: p.steps[id] + 1, Step: a.Step, By: a.By,
		InstitutionID: inst, BedID: a.BedID, InputID: a.InputID, Day: a.Day})
	if err == nil {
		p.steps[id]++
	}
	return updateDone{}, err
}

// placementCase records an 80-year-old woman in an open P22 case of
// csr-podgorica (ana.caseworker's), and one of procedure code in another.
func placementCase(t *testing.T, db *store.DB, number, procedure string, serial int) domain.Person {
	t.Helper()
	ctx := context.Background()
	j, err := domain.MakeJMBG(time.Now().AddDate(-80, 0, 0), 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Stana", FamilyName: "Vukić", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(ctx, p, "test"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: "csr-podgorica",
		Status: "open", Stage: "intake", OpenedBy: "ana.caseworker", OpenedAt: time.Now(),
		Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	return p
}

func bedOf(t *testing.T, db *store.DB, inst string, k institutions.Kind, gender string) int64 {
	t.Helper()
	in, err := db.InstitutionByID(context.Background(), inst)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range in.Units {
		for _, r := range u.Rooms {
			if u.Kind == k && r.Gender == gender {
				return r.Beds[0].ID
			}
		}
	}
	t.Fatalf("no %s bed for %s in %s", k, gender, inst)
	return 0
}

// TestPlacementsOverHTTP: ana.caseworker proposes a placement from a P22
// case (a bad proposal is a 400 naming each field, a case of a procedure
// that places nobody a 400); a referral to a children's bed is a 400
// naming the rule; Bijelo Polje's senad.social refuses (a refusal without
// reason is a 400), Grabovac's bojana.social accepts (she sees the name,
// birth date and needs, not the case, nor the decision's incomes; before
// the referral she saw nothing); the drafter may not approve, marko does
// (the PDF); rade.gate admits; ana reviews; bojana discharges. Another
// centre's caseworker and the other institutions never see it; every
// read is audited with the person.
func TestPlacementsOverHTTP(t *testing.T) {
	ctx := context.Background()
	m := &devstack.MinIO{Dir: t.TempDir(), AccessKey: "karton", SecretKey: "karton-test-secret"}
	if err := m.Start(ctx); err != nil {
		t.Fatalf("start minio: %v", err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	obj, err := objects.Open(objects.Config{Endpoint: m.Endpoint(), AccessKey: "karton", SecretKey: "karton-test-secret", Bucket: "karton"})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	tc := &placementTemporal{steps: map[int64]int{}}
	ts, db := newServerFor(t, func(d *api.Deps) { d.Objects, d.Temporal, d.Now = obj, tc, func() time.Time { return today } })
	tc.acts = &activities.Activities{DB: db, Objects: obj, Now: func() time.Time { return today }}
	if _, err := devstack.LoadDemoInstitutions(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	stana := placementCase(t, db, "S-2026-800001", "P22", 600)
	other := placementCase(t, db, "S-2026-800002", "P01", 602)

	const path = "/api/v1/placements"
	if code, b := doAs(t, ts, "ana.caseworker", "POST", path, `{"care_level":7}`); code != http.StatusBadRequest ||
		!strings.Contains(string(b), `"field":"case_number"`) || !strings.Contains(string(b), `"field":"person_id"`) || !strings.Contains(string(b), `"field":"care_level"`) {
		t.Errorf("a bad proposal: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", path, fmt.Sprintf(`{"case_number":"S-2026-800002","person_id":%q}`, other.ID)); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "decides no placement") {
		t.Errorf("a case of P01: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "jelena.caseworker", "POST", path, fmt.Sprintf(`{"case_number":"S-2026-800001","person_id":%q}`, stana.ID)); code != http.StatusNotFound {
		t.Errorf("another centre's case: %d %s", code, b)
	}
	code, b := doAs(t, ts, "ana.caseworker", "POST", path, fmt.Sprintf(`{"case_number":"S-2026-800001","person_id":%q,"needs":"needs help to walk","care_level":1}`, stana.ID))
	if code != http.StatusCreated {
		t.Fatalf("a proposal: %d %s", code, b)
	}
	var p struct {
		ID         int64
		State      string
		CaseNumber string `json:"case_number"`
		Decision   *struct {
			Resident string
			Lines    []institutions.Line
		}
		HasDocument bool `json:"has_document"`
	}
	if err := json.Unmarshal(b, &p); err != nil || p.State != "proposed" || len(tc.started) != 1 || tc.started[0] != workflows.PlacementID(p.ID) {
		t.Fatalf("the proposal: %v %s, started %v", err, b, tc.started)
	}
	one := fmt.Sprintf("%s/%d", path, p.ID)
	for _, who := range []string{"bojana.social", "senad.social", "jelena.caseworker"} {
		if code, b := doAs(t, ts, who, "GET", one, ""); code != http.StatusNotFound && code != http.StatusForbidden {
			t.Errorf("%s reads a proposal not theirs: %d %s", who, code, b)
		}
	}
	children := bedOf(t, db, "dom-mladost", institutions.KindChildren, institutions.GenderAny)
	if code, b := doAs(t, ts, "ana.caseworker", "POST", one+"/referral", fmt.Sprintf(`{"institution_id":"dom-mladost","bed_id":%d}`, children)); code != http.StatusBadRequest ||
		!strings.Contains(string(b), "a bed for children admits persons under 15") {
		t.Errorf("a children's bed: %d %s", code, b)
	}
	bp := bedOf(t, db, "dom-bijelo-polje", institutions.KindElderly, institutions.GenderAny)
	if code, b := doAs(t, ts, "ana.caseworker", "POST", one+"/referral", fmt.Sprintf(`{"institution_id":"dom-bijelo-polje","bed_id":%d}`, bp)); code != http.StatusOK {
		t.Fatalf("a referral to Bijelo Polje: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "bojana.social", "POST", one+"/answer", `{"answer":"accept"}`); code != http.StatusNotFound {
		t.Errorf("Grabovac answers Bijelo Polje's referral: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "senad.social", "POST", one+"/answer", `{"answer":"refuse"}`); code != http.StatusBadRequest || !strings.Contains(string(b), "reason") {
		t.Errorf("a refusal without reason: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "senad.social", "POST", one+"/answer", `{"answer":"refuse","reason":"no bed with the care she needs"}`); code != http.StatusOK ||
		!strings.Contains(string(b), `"state":"refused"`) {
		t.Fatalf("Bijelo Polje refuses: %d %s", code, b)
	}
	grab := bedOf(t, db, "dom-grabovac", institutions.KindElderly, institutions.GenderFemale)
	if code, b := doAs(t, ts, "ana.caseworker", "POST", one+"/referral", fmt.Sprintf(`{"institution_id":"dom-grabovac","bed_id":%d}`, grab)); code != http.StatusOK {
		t.Fatalf("a referral to Grabovac: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "senad.social", "GET", one, ""); code != http.StatusNotFound {
		t.Errorf("Bijelo Polje reads it after its refusal: %d %s", code, b)
	}
	code, b = doAs(t, ts, "bojana.social", "GET", one, "")
	if code != http.StatusOK || !strings.Contains(string(b), "Stana Vukić") || !strings.Contains(string(b), "needs help to walk") ||
		strings.Contains(string(b), "S-2026-800001") || strings.Contains(string(b), "dom-bijelo-polje") || strings.Contains(string(b), string(stana.JMBG)) {
		t.Errorf("Grabovac reads the referral: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "bojana.social", "POST", one+"/answer", `{"answer":"accept"}`); code != http.StatusOK || !strings.Contains(string(b), `"state":"accepted"`) {
		t.Fatalf("Grabovac accepts: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", one+"/decision", `{"monthly_cost":"-5","budget_line":"pocket"}`); code != http.StatusBadRequest ||
		!strings.Contains(string(b), `"field":"monthly_cost"`) || !strings.Contains(string(b), `"field":"budget_line"`) {
		t.Errorf("a bad draft: %d %s", code, b)
	}
	code, b = doAs(t, ts, "ana.caseworker", "POST", one+"/decision", `{"monthly_cost":"450","budget_line":"maintenance_in_homes","resident_income":"380.55",
		"relatives":[{"relation":"child","income":"231.87"}],"reasoning":"She can no longer live alone."}`)
	if err := json.Unmarshal(b, &p); code != http.StatusOK || err != nil || p.Decision == nil || p.Decision.Resident != "304.44" || len(p.Decision.Lines) != 3 {
		t.Fatalf("a draft: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "bojana.social", "GET", one, ""); code != http.StatusOK || strings.Contains(string(b), "231.87") || strings.Contains(string(b), `"lines"`) {
		t.Errorf("the institution reads the family's incomes: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", one+"/decision/approve", ""); code != http.StatusForbidden {
		t.Errorf("a caseworker approves: %d %s", code, b)
	}
	code, b = doAs(t, ts, "marko.supervisor", "POST", one+"/decision/approve", "")
	if err := json.Unmarshal(b, &p); code != http.StatusOK || err != nil || p.State != "decided" || !p.HasDocument {
		t.Fatalf("the approval: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", one+"/decision", ""); code != http.StatusOK || !strings.HasPrefix(string(b), "%PDF") {
		t.Errorf("the decision's PDF: %d %.40s", code, b)
	}
	if code, b := doAs(t, ts, "rade.gate", "POST", one+"/admission", `{"day":"yesterday"}`); code != http.StatusBadRequest {
		t.Errorf("a bad admission day: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "rade.gate", "POST", one+"/admission", fmt.Sprintf(`{"day":%q}`, today.Format(time.DateOnly))); code != http.StatusOK ||
		!strings.Contains(string(b), `"state":"admitted"`) {
		t.Fatalf("the admission: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", one+"/reviews", `{"day":"2027-06-01","notes":"settled in","outcome":"continue"}`); code != http.StatusOK {
		t.Fatalf("a review: %d %s", code, b)
	}
	if code, b := doAs(t, ts, "bojana.social", "POST", one+"/discharge", `{"day":"2027-07-01","reason":"back home with her daughter"}`); code != http.StatusOK ||
		!strings.Contains(string(b), `"state":"discharged"`) {
		t.Fatalf("the discharge: %d %s", code, b)
	}
	for who, want := range map[string]bool{"ana.caseworker": true, "bojana.social": true, "senad.social": false, "ivana.social": false, "jelena.caseworker": false} {
		code, b := doAs(t, ts, who, "GET", path, "")
		if code != http.StatusOK || strings.Contains(string(b), "Stana") != want {
			t.Errorf("%s's list: %d %s", who, code, b)
		}
	}
	file, err := db.CaseFileOf(ctx, "S-2026-800001")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range file.Events {
		if e.Kind == "placement" {
			n++
		}
	}
	if n != 10 {
		t.Errorf("%d placement events on the case, want 10", n)
	}
	var audited int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE username = 'bojana.social' AND $1::uuid = ANY(person_ids)`, string(stana.ID)).Scan(&audited); err != nil || audited < 3 {
		t.Errorf("bojana's reads audited with the person: %d %v", audited, err)
	}
}
