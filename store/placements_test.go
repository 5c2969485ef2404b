package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// placementPerson records a person born on born (serial 500 and over: a
// woman) in a new open case of centre.
func placementPerson(t *testing.T, db *store.DB, born time.Time, serial int, number, centre string) domain.Person {
	t.Helper()
	ctx := context.Background()
	j, err := domain.MakeJMBG(born, 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := domain.ParseAddress("Kotor", "Risan", "Obala 1")
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
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P22", Version: 1, CentreID: centre, Status: "open",
		Stage: "intake", OpenedBy: "ana.caseworker", OpenedAt: time.Now(), Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	return p
}

// firstBed is the first bed of institution id's room of gender g in a unit
// of kind k.
func firstBed(t *testing.T, db *store.DB, id string, k institutions.Kind, g string) int64 {
	t.Helper()
	in, err := db.InstitutionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range in.Units {
		for _, r := range u.Rooms {
			if u.Kind == k && r.Gender == g {
				return r.Beds[0].ID
			}
		}
	}
	t.Fatalf("no bed of kind %s for %s in %s", k, g, id)
	return 0
}

// TestPlacementSteps takes a placement from the proposal through a
// refusal, an acceptance by another home, the decision (four eyes), the
// admission, a review, to a transfer; bad referrals (a children's bed, a
// bed of another institution, an unlicensed home, a held bed) are 400s
// naming the rule and record nothing; each step is on the case's timeline
// once however often it is retried; another institution does not see the
// placement.
func TestPlacementSteps(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Now()
	if _, err := devstack.LoadDemoInstitutions(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	elder := placementPerson(t, db, today.AddDate(-80, 0, 0), 512, "S-2026-900001", "ME-10")
	id, err := db.ProposePlacement(ctx, store.PlacementProposal{CaseNumber: "S-2026-900001", PersonID: elder.ID, CentreID: "ME-10",
		Needs: "needs help with daily activities", CareLevel: 1, By: "ana.caseworker"}, today)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ProposePlacement(ctx, store.PlacementProposal{CaseNumber: "S-2026-900001", PersonID: elder.ID, CentreID: "ME-02", By: "x"}, today); code(err) != domain.CodeNotFound {
		t.Errorf("another centre's case: %v", err)
	}
	step := func(n int, by string) store.PlacementStep { return store.PlacementStep{Seq: n, By: by, At: today} }

	children := firstBed(t, db, "dom-mladost", institutions.KindChildren, institutions.GenderAny)
	bp := firstBed(t, db, "dom-bijelo-polje", institutions.KindElderly, institutions.GenderAny)
	grab := firstBed(t, db, "dom-grabovac", institutions.KindElderly, institutions.GenderFemale)
	err = db.ReferPlacement(ctx, id, "dom-mladost", children, step(2, "ana.caseworker"))
	if code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "a bed for children admits persons under 15") {
		t.Errorf("a children's bed: %v", err)
	}
	if err := db.ReferPlacement(ctx, id, "dom-mladost", grab, step(2, "ana.caseworker")); code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "not a bed of institution dom-mladost") {
		t.Errorf("another institution's bed: %v", err)
	}
	if f, _ := db.PlacementFileOf(ctx, id); f.State != store.PlacementProposed || len(f.Referrals) != 0 {
		t.Fatalf("a refused referral left %+v", f)
	}
	// Bijelo Polje refuses (another institution may not answer), then Grabovac accepts.
	if err := db.ReferPlacement(ctx, id, "dom-bijelo-polje", bp, step(2, "ana.caseworker")); err != nil {
		t.Fatal(err)
	}
	if err := db.AnswerPlacement(ctx, id, "dom-grabovac", true, "", step(3, "bojana.social")); code(err) != domain.CodeNotFound {
		t.Errorf("another institution answers: %v", err)
	}
	if err := db.AnswerPlacement(ctx, id, "dom-bijelo-polje", false, " ", step(3, "senad.social")); code(err) != domain.CodeInvalid {
		t.Errorf("a refusal without reason: %v", err)
	}
	if err := db.AnswerPlacement(ctx, id, "dom-bijelo-polje", false, "no bed with the care she needs", step(3, "senad.social")); err != nil {
		t.Fatal(err)
	}
	if list, _ := db.Placements(ctx, store.PlacementFilter{InstitutionID: "dom-grabovac"}); len(list) != 0 {
		t.Errorf("Grabovac sees %d placements before any referral to it", len(list))
	}
	if err := db.ReferPlacement(ctx, id, "dom-grabovac", grab, step(4, "ana.caseworker")); err != nil {
		t.Fatal(err)
	}
	if err := db.AnswerPlacement(ctx, id, "dom-grabovac", true, "", step(5, "bojana.social")); err != nil {
		t.Fatal(err)
	}
	if err := db.AnswerPlacement(ctx, id, "dom-grabovac", true, "", step(5, "bojana.social")); err != nil {
		t.Errorf("a retried answer: %v", err)
	}
	if err := db.AnswerPlacement(ctx, id, "dom-grabovac", true, "", step(6, "bojana.social")); code(err) != domain.CodeConflict || !strings.Contains(err.Error(), "is accepted") {
		t.Errorf("a second answer: %v", err)
	}
	// Another person may not take the held bed.
	other := placementPerson(t, db, today.AddDate(-82, 0, 0), 514, "S-2026-900002", "ME-10")
	id2, err := db.ProposePlacement(ctx, store.PlacementProposal{CaseNumber: "S-2026-900002", PersonID: other.ID, CentreID: "ME-10", By: "ana.caseworker"}, today)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ReferPlacement(ctx, id2, "dom-grabovac", grab, step(2, "ana.caseworker")); code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "held by another placement") {
		t.Errorf("a held bed: %v", err)
	}

	cp, err := institutions.CoPay(institutions.CoPaymentInput{MonthlyCost: decimal.RequireFromString("450"), ResidentIncome: decimal.RequireFromString("380.55"), SingleMO: decimal.RequireFromString("87.91")})
	if err != nil {
		t.Fatal(err)
	}
	draft := store.PlacementDraft{MonthlyCost: decimal.RequireFromString("450"), BudgetLine: "maintenance_in_homes", CoPayment: cp}
	if err := db.DraftPlacementDecision(ctx, id, store.PlacementDraft{MonthlyCost: decimal.RequireFromString("-1"), BudgetLine: "x"}, step(6, "ana.caseworker")); code(err) != domain.CodeInvalid ||
		!strings.Contains(err.Error(), "monthly_cost") || !strings.Contains(err.Error(), "budget_line") {
		t.Errorf("a bad draft: %v", err)
	}
	if err := db.DraftPlacementDecision(ctx, id, draft, step(6, "ana.caseworker")); err != nil {
		t.Fatal(err)
	}
	keep := func(f store.PlacementFile) (string, string, error) { return "decisions/p.pdf", "abc", nil }
	if err := db.DecidePlacement(ctx, id, step(7, "ana.caseworker"), keep); code(err) != domain.CodeForbidden {
		t.Errorf("the drafter approves: %v", err)
	}
	if err := db.DecidePlacement(ctx, id, step(7, "marko.supervisor"), keep); err != nil {
		t.Fatal(err)
	}
	if err := db.AdmitPlacement(ctx, id, "dom-bijelo-polje", today, step(8, "x")); code(err) != domain.CodeNotFound {
		t.Errorf("another institution admits: %v", err)
	}
	if err := db.AdmitPlacement(ctx, id, "dom-grabovac", today, step(8, "rade.gate")); err != nil {
		t.Fatal(err)
	}
	if err := db.ReviewPlacement(ctx, id, store.PlacementReview{Day: today, Notes: "settled", Outcome: "maybe"}, step(9, "ana.caseworker")); code(err) != domain.CodeInvalid {
		t.Errorf("a bad outcome: %v", err)
	}
	if err := db.ReviewPlacement(ctx, id, store.PlacementReview{Day: today, Notes: "settled", Outcome: "continue"}, step(9, "ana.caseworker")); err != nil {
		t.Fatal(err)
	}
	f, err := db.PlacementFileOf(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if f.State != store.PlacementAdmitted || !f.MonthlyCost.Equal(decimal.RequireFromString("450")) || !f.CoPayment.Equal(decimal.RequireFromString("304.44")) ||
		f.BudgetLine != "maintenance_in_homes" || f.ApprovedBy != "marko.supervisor" || len(f.Lines) != 2 || len(f.Referrals) != 2 ||
		f.Referrals[0].Answer != "refused" || len(f.Reviews) != 1 || f.InstitutionName == "" || f.BedKind != institutions.KindElderly {
		t.Errorf("file: %+v", f)
	}
	next, err := db.EndPlacement(ctx, id, true, today, "closer to her daughter", step(10, "ana.caseworker"))
	if err != nil || next == 0 {
		t.Fatalf("transfer: %d %v", next, err)
	}
	if again, err := db.EndPlacement(ctx, id, true, today, "closer to her daughter", step(10, "ana.caseworker")); err != nil || again != next {
		t.Errorf("a retried transfer: %d %v, want %d", again, err, next)
	}
	if n, _ := db.PlacementFileOf(ctx, next); n.State != store.PlacementProposed || n.CaseNumber != "S-2026-900001" {
		t.Errorf("the transfer's new placement: %+v", n)
	}
	// The bed is free again.
	if err := db.ReferPlacement(ctx, id2, "dom-grabovac", grab, step(2, "ana.caseworker")); err != nil {
		t.Errorf("the freed bed: %v", err)
	}
	file, err := db.CaseFileOf(ctx, "S-2026-900001")
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for _, e := range file.Events {
		if e.Kind == "placement" {
			events++
		}
	}
	if events != 11 { // 10 steps of the first placement, the proposal of the second
		t.Errorf("%d placement events on the case, want 11", events)
	}
	if list, _ := db.Placements(ctx, store.PlacementFilter{CentreID: "ME-02"}); len(list) != 0 {
		t.Errorf("another centre sees %d placements", len(list))
	}
	if list, _ := db.Placements(ctx, store.PlacementFilter{CentreID: "ME-10"}); len(list) != 3 {
		t.Errorf("the centre sees %d placements, want 3", len(list))
	}
}

// TestPlacementUnlicensed: a home whose provider holds no licence in force
// takes no referral.
func TestPlacementUnlicensed(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Now()
	pr, err := db.CreateProvider(ctx, store.Provider{Name: "Dom bez dozvole", PIB: "03003018", Street: "Ulica 1", Municipality: "ME-16",
		FoundedOn: today.AddDate(-5, 0, 0), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.CreateInstitution(ctx, store.Institution{ID: "dom-bez", Name: "Dom bez dozvole", ProviderID: pr.ID, Street: "Ulica 1", Municipality: "ME-16",
		Units: []store.Unit{{Name: "A", Kind: institutions.KindElderly, CareLevel: 1, Rooms: []store.Room{{Name: "1", Gender: "any", Beds: []store.Bed{{Label: "1"}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	elder := placementPerson(t, db, today.AddDate(-70, 0, 0), 100, "S-2026-900003", "ME-16")
	id, err := db.ProposePlacement(ctx, store.PlacementProposal{CaseNumber: "S-2026-900003", PersonID: elder.ID, CentreID: "ME-16", CareLevel: 2, By: "a"}, today)
	if err != nil {
		t.Fatal(err)
	}
	err = db.ReferPlacement(ctx, id, "dom-bez", in.Units[0].Rooms[0].Beds[0].ID, store.PlacementStep{Seq: 2, By: "a", At: today})
	if code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "no licence in force") || !strings.Contains(err.Error(), "level 1; this person needs level 2") {
		t.Errorf("an unlicensed home, too little care: %v", err)
	}
}
