package activities_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var pop = sim.NewPopulation(50)

func setup(t *testing.T) (*activities.Activities, *sim.Server, *testsuite.TestActivityEnvironment) {
	db := storetest.NewDB(t)
	s := sim.NewServer(pop, sim.Faults{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	a := &activities.Activities{
		DB:       db,
		Registry: &xroad.Client{BaseURL: ts.URL, ClientID: "ME/GOV/MRSS/karton", HTTP: &http.Client{Timeout: time.Second}},
		Now:      time.Now,
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return a, s, env
}

func TestFetchEvidenceStoresOnceAndLinksHousehold(t *testing.T) {
	a, _, env := setup(t)
	ctx := context.Background()
	h := pop.Household(1)
	head := h.Members[0]
	addr := h.Address
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(head.JMBG), GivenName: head.GivenName, FamilyName: head.FamilyName, Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	p, err = a.DB.CreatePerson(ctx, p, "caseworker")
	if err != nil {
		t.Fatal(err)
	}
	var sources []domain.Source
	for _, in := range domain.Institutions() {
		sources = append(sources, in.Source)
	}
	if _, err := env.ExecuteActivity(a.MarkEvidencePending, activities.MarkEvidencePendingInput{PersonID: p.ID, WorkflowID: "evidence/x", Sources: sources}); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 2; round++ {
		for _, s := range sources {
			v, err := env.ExecuteActivity(a.FetchEvidence, activities.FetchEvidenceInput{PersonID: p.ID, Source: s, Issue: "CASE-1"})
			if err != nil {
				t.Fatalf("round %d FetchEvidence(%s): %v", round, s, err)
			}
			var res activities.FetchEvidenceResult
			if err := v.Get(&res); err != nil {
				t.Fatal(err)
			}
			if round == 1 && len(res.Changes) != 0 {
				t.Errorf("second fetch of %s changed %v; want nothing new", s, res.Changes)
			}
		}
	}
	ev, err := a.DB.Evidence(ctx, p.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 12 {
		t.Errorf("after two refreshes there are %d evidence records; want 12 (one per kind, no duplicates)", len(ev))
	}
	src, _ := a.DB.EvidenceSources(ctx, p.ID)
	for _, s := range src {
		if s.State != "answered" {
			t.Errorf("source %s is %s; want answered", s.Source, s.State)
		}
	}
	got, _ := a.DB.PersonByID(ctx, p.ID)
	if got.HouseholdID == "" {
		t.Fatal("population answer did not link the household")
	}
	hh, err := a.DB.Household(ctx, got.HouseholdID)
	if err != nil || len(hh.Members) != len(h.Members) {
		t.Fatalf("household = %+v, %v; want %d members", hh, err, len(h.Members))
	}
}

func TestFetchEvidenceFromARegistryThatIsDown(t *testing.T) {
	a, s, env := setup(t)
	ctx := context.Background()
	m := pop.Household(2).Members[0]
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(m.JMBG), GivenName: m.GivenName, FamilyName: m.FamilyName, Address: pop.Household(2).Address})
	p, err := a.DB.CreatePerson(ctx, p, "caseworker")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = env.ExecuteActivity(a.MarkEvidencePending, activities.MarkEvidencePendingInput{PersonID: p.ID, WorkflowID: "w", Sources: []domain.Source{domain.SourceTax}})
	s.SetFaults(sim.Faults{Down: []domain.Source{domain.SourceTax}})
	_, err = env.ExecuteActivity(a.FetchEvidence, activities.FetchEvidenceInput{PersonID: p.ID, Source: domain.SourceTax})
	var ae *temporal.ApplicationError
	if err == nil || (errors.As(err, &ae) && ae.NonRetryable()) {
		t.Fatalf("FetchEvidence from a registry that is down: error = %v; want a retryable error", err)
	}
	v, err := env.ExecuteActivity(a.FetchAllEvidence, activities.FetchAllEvidenceInput{PersonID: p.ID,
		Sources: []domain.Source{domain.SourceTax, domain.SourcePension, domain.SourceHealth}})
	if err != nil {
		t.Fatal(err)
	}
	var all activities.FetchAllEvidenceResult
	_ = v.Get(&all)
	if len(all.Failed) != 1 || all.Failed[0] != domain.SourceTax || all.Answered[1].RequestID == "" || all.Answered[2].RequestID == "" {
		t.Fatalf("FetchAllEvidence with tax down = %+v; want tax failed, pension and health answered", all)
	}
	if s := sourceState(t, a, p.ID, domain.SourceTax); s.State != "pending" || s.LastError == "" {
		t.Fatalf("tax = %+v; want pending with the error noted", s)
	}
	for _, e := range mustEvidence(t, a, p.ID) {
		if e.Source == domain.SourceTax {
			t.Fatalf("a failed fetch recorded evidence %+v", e)
		}
	}
	_, err = env.ExecuteActivity(a.GiveUpSource, activities.GiveUpSourceInput{PersonID: p.ID, Source: domain.SourceTax, Reason: "gave up"})
	if err != nil {
		t.Fatal(err)
	}
	if s := sourceState(t, a, p.ID, domain.SourceTax); s.State != "failed" {
		t.Fatalf("after giving up, tax is %s; want failed", s.State)
	}
}

func mustEvidence(t *testing.T, a *activities.Activities, p domain.PersonID) []domain.Evidence {
	t.Helper()
	ev, err := a.DB.Evidence(context.Background(), p, true)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func sourceState(t *testing.T, a *activities.Activities, p domain.PersonID, source domain.Source) store.SourceStatus {
	t.Helper()
	src, err := a.DB.EvidenceSources(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range src {
		if s.Source == source {
			return s
		}
	}
	t.Fatalf("no state for %s", source)
	return store.SourceStatus{}
}
