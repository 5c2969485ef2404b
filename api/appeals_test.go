package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// appealTemporal starts every workflow it is asked to and remembers its id.
type appealTemporal struct {
	client.Client
	started []string
}

type appealRun struct{ client.WorkflowRun }

func (appealRun) GetID() string    { return "w" }
func (appealRun) GetRunID() string { return "run" }

func (s *appealTemporal) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, _ ...any) (client.WorkflowRun, error) {
	s.started = append(s.started, o.ID)
	return appealRun{}, nil
}

// TestDeliveryAndAppealOverHTTP: delivery is recorded by the centre (a
// malformed day names its field); a decision delivered 20 days ago is
// final and an appeal on it is refused naming the deadline; one delivered
// three days ago takes an appeal (202, the workflow started), a second is
// a conflict; the decision view shows delivery, deadline, finality and
// the appeal; the citizen whose decision it is reads it, another person's
// is not found for them; the appeals officer reads any; an unknown
// decision is 404.
func TestDeliveryAndAppealOverHTTP(t *testing.T) {
	ctx := context.Background()
	tc := &appealTemporal{}
	ts, db := newServerFor(t, func(d *api.Deps) { d.Temporal = tc })
	own := seedPerson(t, db, "2101006500003", "Podgorica", "Jovana", "Vujović")
	other := seedPerson(t, db, "0101900350008", "Nikšić", "Marko", "Perić")
	neighbour := seedPerson(t, db, newJMBG(21), "Podgorica", "Ana", "Lekić")
	issued := time.Now().AddDate(0, 0, -30)
	decide := func(p domain.Person) store.Decision {
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "seed",
			Period: issued, Members: []domain.PersonID{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
			Amount: decimal.RequireFromString("87.91"), PeriodFrom: c.Period, PreparedBy: "a", ApprovedBy: "b", IssuedAt: issued})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
			Amount: d.Amount, Periodicity: "monthly", ValidFrom: c.Period}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	late, open, others := decide(neighbour), decide(own), decide(other)
	day := func(days int) string { return time.Now().AddDate(0, 0, days).Format(time.DateOnly) }

	code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/decisions/"+late.ID+"/delivery", `{"delivered_on":"yesterday"}`)
	if code != 400 || !strings.Contains(string(b), "delivered_on") {
		t.Errorf("a malformed delivery day = %d %s", code, b)
	}
	code, b = doAs(t, ts, "ana.caseworker", "POST", "/api/v1/decisions/"+late.ID+"/delivery", `{"delivered_on":"`+day(-20)+`"}`)
	var view map[string]any
	_ = json.Unmarshal(b, &view)
	if code != 200 || view["finality"] != "final" || view["appeal_deadline"] != day(-5) || view["final_on"] != day(-4) {
		t.Fatalf("delivery 20 days ago = %d %s; want final on %s", code, b, day(-4))
	}
	deadline := time.Now().AddDate(0, 0, -5).Format("02.01.2006.")
	code, b = doAs(t, ts, "ana.caseworker", "POST", "/api/v1/decisions/"+late.ID+"/appeals", `{"filed_on":"`+day(0)+`","grounds":"The rent was not counted."}`)
	if code != 409 || !strings.Contains(string(b), deadline) {
		t.Errorf("a late appeal = %d %s; want 409 naming the deadline %s", code, b, deadline)
	}

	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/decisions/"+open.ID+"/delivery", `{"delivered_on":"`+day(-3)+`"}`); code != 200 ||
		!strings.Contains(string(b), `"finality":"appealable"`) {
		t.Fatalf("delivery 3 days ago = %d %s", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/decisions/"+open.ID+"/appeals", `{"filed_on":"`+day(0)+`"}`); code != 400 ||
		!strings.Contains(string(b), "grounds") {
		t.Errorf("an appeal without grounds = %d %s", code, b)
	}
	code, b = doAs(t, ts, "ana.caseworker", "POST", "/api/v1/decisions/"+open.ID+"/appeals", `{"filed_on":"`+day(0)+`","grounds":"The rent was not counted."}`)
	var ap struct{ ID, State string }
	_ = json.Unmarshal(b, &ap)
	if code != 202 || ap.State != "first_instance" || len(tc.started) != 1 || tc.started[0] != "appeal/"+ap.ID {
		t.Fatalf("an appeal in time = %d %s (started %v)", code, b, tc.started)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/decisions/"+open.ID+"/appeals", `{"filed_on":"`+day(0)+`","grounds":"Again."}`); code != 409 ||
		!strings.Contains(string(b), ap.ID) {
		t.Errorf("a second appeal = %d %s; want 409 naming %s", code, b, ap.ID)
	}
	for _, who := range []string{"ana.caseworker", "citizen.demo", "vesna.appeals"} {
		code, b := doAs(t, ts, who, "GET", "/api/v1/decisions/"+open.ID+"/appeals", "")
		if code != 200 || !strings.Contains(string(b), `"finality":"under_appeal"`) || !strings.Contains(string(b), ap.ID) ||
			!strings.Contains(string(b), `"delivered_on":"`+day(-3)+`"`) {
			t.Errorf("the decision view as %s = %d %s", who, code, b)
		}
	}
	if code, b := doAs(t, ts, "citizen.demo", "GET", "/api/v1/decisions/"+others.ID+"/appeals", ""); code != 404 {
		t.Errorf("the citizen reading another's decision = %d %s; want 404", code, b)
	}
	if code, b := doAs(t, ts, "citizen.demo", "POST", "/api/v1/decisions/"+others.ID+"/appeals", `{"grounds":"Not mine."}`); code != 404 {
		t.Errorf("the citizen appealing another's decision = %d %s; want 404", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/decisions/0190a0c2-0000-7000-8000-000000000000/appeals", ""); code != 404 {
		t.Errorf("an unknown decision = %d %s; want 404", code, b)
	}
	if code, b := doAs(t, ts, "ana.caseworker", "POST", "/api/v1/decisions/0190a0c2-0000-7000-8000-000000000000/appeals",
		`{"filed_on":"`+day(0)+`","grounds":"x y z"}`); code != 404 {
		t.Errorf("an appeal on an unknown decision = %d %s; want 404", code, b)
	}
}
