package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// placement: a woman of 80 in a P22 case of csr-podgorica (recorded in
// the database as the case stands: the Case workflow is not the subject)
// is proposed for a placement by ana.caseworker over the API (issue 22,
// item 2); Bijelo Polje's senad.social refuses the referral, Grabovac's
// bojana.social accepts the next; ana drafts the decision, marko approves
// it, rade.gate admits her, ana records a review and bojana discharges
// her: the Placement workflow ends (placement_discharged.json).
func (r *recorder) placement(t *testing.T) {
	ctx := context.Background()
	db := r.s.DB
	j, err := domain.MakeJMBG(time.Now().AddDate(-80, 0, -3), 21, 777)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 1")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Stana", FamilyName: "Vukić", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(ctx, p, "recorder"); err != nil {
		t.Fatal(err)
	}
	number, err := db.NextCaseNumber(ctx, time.Now().Year())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P22", Version: 1, CentreID: "csr-podgorica",
		Status: "open", Stage: "plan", Manager: "ana.caseworker", OpenedBy: "ana.caseworker", OpenedAt: time.Now(),
		Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	var created struct{ ID int64 }
	r.placementAct(t, "ana.caseworker", "", fmt.Sprintf(`{"case_number":%q,"person_id":%q,"needs":"needs help to walk"}`, number, p.ID), http.StatusCreated, &created)
	id := created.ID
	r.placementAct(t, "ana.caseworker", fmt.Sprintf("/%d/referral", id), fmt.Sprintf(`{"institution_id":"dom-bijelo-polje","bed_id":%d}`,
		recorderBed(t, db, "dom-bijelo-polje", institutions.GenderAny)), http.StatusOK, nil)
	r.placementAct(t, "senad.social", fmt.Sprintf("/%d/answer", id), `{"answer":"refuse","reason":"no bed with the care she needs"}`, http.StatusOK, nil)
	r.placementAct(t, "ana.caseworker", fmt.Sprintf("/%d/referral", id), fmt.Sprintf(`{"institution_id":"dom-grabovac","bed_id":%d}`,
		recorderBed(t, db, "dom-grabovac", institutions.GenderFemale)), http.StatusOK, nil)
	r.placementAct(t, "bojana.social", fmt.Sprintf("/%d/answer", id), `{"answer":"accept"}`, http.StatusOK, nil)
	r.placementAct(t, "ana.caseworker", fmt.Sprintf("/%d/decision", id), `{"monthly_cost":"450","budget_line":"maintenance_in_homes","resident_income":"380.55"}`, http.StatusOK, nil)
	r.placementAct(t, "marko.supervisor", fmt.Sprintf("/%d/decision/approve", id), "", http.StatusOK, nil)
	today := time.Now().Format(time.DateOnly)
	r.placementAct(t, "rade.gate", fmt.Sprintf("/%d/admission", id), fmt.Sprintf(`{"day":%q}`, today), http.StatusOK, nil)
	r.placementAct(t, "ana.caseworker", fmt.Sprintf("/%d/reviews", id), fmt.Sprintf(`{"day":%q,"notes":"settled in","outcome":"continue"}`, today), http.StatusOK, nil)
	r.placementAct(t, "bojana.social", fmt.Sprintf("/%d/discharge", id), fmt.Sprintf(`{"day":%q,"reason":"back home with her daughter"}`, today), http.StatusOK, nil)
	r.saveDone(t, "placement_discharged.json", workflows.PlacementID(id))
}

// placementAct posts body to the placement route path as user, wants
// status, and decodes the answer into into (when not nil).
func (r *recorder) placementAct(t *testing.T, user, path, body string, status int, into any) {
	t.Helper()
	code, b := as(t, user, "POST", r.api+"/placements"+path, body)
	if code != status {
		t.Fatalf("POST /placements%s as %s = %d %s", path, user, code, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
	}
}

// recorderBed is the first free bed of an institution's elderly unit in a
// room of gender.
func recorderBed(t *testing.T, db *store.DB, inst, gender string) int64 {
	t.Helper()
	beds, err := db.FreeBeds(context.Background(), store.FreeBedFilter{Kind: institutions.KindElderly, Day: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range beds {
		if b.InstitutionID == inst && b.Gender == gender {
			return b.BedID
		}
	}
	t.Fatalf("no free bed in %s for %s", inst, gender)
	return 0
}
