package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// referralCase records a person in a new open case of procedure at
// centre (dv: in the DV compartment).
func referralCase(t *testing.T, db *store.DB, serial int, number, procedure, centre string, dv bool) domain.Person {
	t.Helper()
	ctx := context.Background()
	j, err := domain.MakeJMBG(time.Date(2012, 3, 4, 0, 0, 0, 0, time.UTC), 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Bulevar 2")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Luka", FamilyName: "Perović", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(ctx, p, "test"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: centre, Status: "open",
		Stage: "plan", Manager: "ana.caseworker", OpenedBy: "ana.caseworker", OpenedAt: time.Now(), DV: dv,
		Persons: []store.CasePerson{{PersonID: p.ID, Role: "beneficiary"}}}}); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServiceReferralSteps: a P14 case of Podgorica refers its child to
// Sunce's day care; refusals name the rule (another centre's case, a
// procedure that refers to another service, a contract of another
// service, a second open referral); Sunce puts the person on its waiting
// list and starts the service, the centre reviews it and ends it; every
// step is once on the case's timeline however often it is retried; the
// contract's places are counted, a full contract refuses with the rule
// and the contracts that have a place; another provider does not find it.
func TestServiceReferralSteps(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Now().UTC()
	if _, err := devstack.LoadDemoServices(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	sunce, err := db.ContractsInForce(ctx, "day_care_disability", "csr-podgorica", today)
	if err != nil || len(sunce) != 1 {
		t.Fatalf("Sunce's contract: %v %v", sunce, err)
	}
	contract := sunce[0].ID
	child := referralCase(t, db, 101, "S-2026-800001", "P14", "csr-podgorica", false)
	req := store.ServiceReferralRequest{CaseNumber: "S-2026-800001", ContractID: contract, CentreID: "csr-podgorica", By: "ana.caseworker"}
	other := req
	other.CentreID = "csr-niksic"
	if _, err := db.ReferToService(ctx, other, today); code(err) != domain.CodeNotFound {
		t.Errorf("another centre's case: %v", err)
	}
	wrong := req
	wrong.Service = "home_help_elderly"
	if _, err := db.ReferToService(ctx, wrong, today); code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "is for day_care_disability") {
		t.Errorf("another service: %v", err)
	}
	referralCase(t, db, 102, "S-2026-800002", "P25", "csr-podgorica", false)
	p25 := req
	p25.CaseNumber = "S-2026-800002"
	if _, err := db.ReferToService(ctx, p25, today); code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "refers only to home_help_elderly") {
		t.Errorf("a procedure of another service: %v", err)
	}
	r, err := db.ReferToService(ctx, req, today)
	if err != nil {
		t.Fatal(err)
	}
	if r.PersonID != child.ID || r.State != services.ReferralReferred || r.ProviderPIB != "02655284" || r.WorkflowID != store.ServiceReferralID(r.ID) {
		t.Fatalf("the referral: %+v", r)
	}
	if _, err := db.ReferToService(ctx, req, today); code(err) != domain.CodeConflict || !strings.Contains(err.Error(), "already has an open referral") {
		t.Errorf("a second open referral: %v", err)
	}
	step := func(n int, by string) store.ServiceReferralStep {
		return store.ServiceReferralStep{Seq: n, By: by, At: today}
	}
	if err := db.AnswerServiceReferral(ctx, r.ID, "02000008", false, today, step(2, "dusan.pomoc")); code(err) != domain.CodeNotFound {
		t.Errorf("another provider answers: %v", err)
	}
	if err := db.AnswerServiceReferral(ctx, r.ID, "02655284", false, today, step(2, "tamara.sunce")); err != nil {
		t.Fatal(err)
	}
	if err := db.AnswerServiceReferral(ctx, r.ID, "02655284", false, today, step(2, "tamara.sunce")); err != nil {
		t.Errorf("a retried answer: %v", err)
	}
	if err := db.StartServiceReferral(ctx, r.ID, "02655284", today.AddDate(0, 0, -30), step(3, "tamara.sunce")); code(err) != domain.CodeInvalid ||
		!strings.Contains(err.Error(), "before the referral") {
		t.Errorf("a start before the referral: %v", err)
	}
	if err := db.StartServiceReferral(ctx, r.ID, "02655284", today, step(3, "tamara.sunce")); err != nil {
		t.Fatal(err)
	}
	if in, _ := db.ContractsInForce(ctx, "day_care_disability", "csr-podgorica", today); in[0].InUse != 1 {
		t.Errorf("places in use: %d", in[0].InUse)
	}
	if err := db.ReviewServiceReferral(ctx, r.ID, "csr-podgorica", store.ServiceReferralReview{Day: today, Outcome: "maybe"}, step(4, "ana.caseworker")); code(err) != domain.CodeInvalid {
		t.Errorf("a review's bad outcome: %v", err)
	}
	if err := db.ReviewServiceReferral(ctx, r.ID, "csr-podgorica", store.ServiceReferralReview{Day: today, Note: "comes gladly", Outcome: "continue"}, step(4, "ana.caseworker")); err != nil {
		t.Fatal(err)
	}
	if err := db.CancelServiceReferral(ctx, r.ID, "csr-podgorica", step(5, "ana.caseworker")); code(err) != domain.CodeConflict || !strings.Contains(err.Error(), "is active") {
		t.Errorf("an active service cancelled: %v", err)
	}
	if err := db.EndServiceReferral(ctx, r.ID, store.ReferralActor{CentreID: "csr-podgorica"}, today, "bored", step(5, "ana.caseworker")); code(err) != domain.CodeInvalid {
		t.Errorf("an end for no reason: %v", err)
	}
	if err := db.EndServiceReferral(ctx, r.ID, store.ReferralActor{CentreID: "csr-podgorica"}, today.AddDate(0, 0, 2), services.EndGoalReached, step(5, "ana.caseworker")); code(err) != domain.CodeInvalid {
		t.Errorf("an end after today: %v", err)
	}
	if err := db.EndServiceReferral(ctx, r.ID, store.ReferralActor{CentreID: "csr-podgorica"}, today, services.EndGoalReached, step(5, "ana.caseworker")); err != nil {
		t.Fatal(err)
	}
	f, err := db.ServiceReferralFileOf(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.State != services.ReferralEnded || f.EndReason != services.EndGoalReached || len(f.Reviews) != 1 || len(f.Events) != 5 || f.WaitingSince == nil {
		t.Fatalf("the ended referral: %+v", f)
	}
	whats := []string{}
	for _, e := range f.Events {
		whats = append(whats, e.What)
	}
	if strings.Join(whats, ",") != "referred,waiting,active,reviewed,ended" {
		t.Errorf("events: %v", whats)
	}
	// The case's history names the service, the review's conclusion and
	// the reason in words, never their codes.
	for _, e := range f.Events {
		for _, raw := range []string{"day_care_disability", "continue", "goal_reached"} {
			if strings.Contains(e.Summary, raw) {
				t.Errorf("the %s event reads %q: the code %s in place of its name", e.What, e.Summary, raw)
			}
		}
	}
	if s := f.Events[0].Summary + f.Events[3].Summary + f.Events[4].Summary; !strings.Contains(s, "Dnevni boravak za djecu sa smetnjama u razvoju") ||
		!strings.Contains(s, "usluga se nastavlja") || !strings.Contains(s, "cilj postignut") {
		t.Errorf("the history: %q", s)
	}
	// A new referral once the first ended; a full contract refuses it.
	if _, err := db.Pool().Exec(ctx, `UPDATE service_contracts SET capacity = 1 WHERE id = $1`, contract); err != nil {
		t.Fatal(err)
	}
	referralCase(t, db, 103, "S-2026-800003", "P14", "csr-podgorica", false)
	r2, err := db.ReferToService(ctx, store.ServiceReferralRequest{CaseNumber: "S-2026-800003", ContractID: contract, CentreID: "csr-podgorica", By: "ana.caseworker"}, today)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AnswerServiceReferral(ctx, r2.ID, "02655284", true, today, step(2, "tamara.sunce")); err != nil {
		t.Fatal(err)
	}
	referralCase(t, db, 104, "S-2026-800004", "P14", "csr-podgorica", false)
	_, err = db.ReferToService(ctx, store.ServiceReferralRequest{CaseNumber: "S-2026-800004", ContractID: contract, CentreID: "csr-podgorica", By: "ana.caseworker"}, today)
	if code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "has no free place: its 1 places are taken") {
		t.Errorf("a full contract: %v", err)
	}
	// A DV case exists only for the DV staff.
	referralCase(t, db, 105, "S-2026-800005", "P14", "csr-podgorica", true)
	dv := store.ServiceReferralRequest{CaseNumber: "S-2026-800005", ContractID: contract, CentreID: "csr-podgorica", By: "ana.caseworker"}
	if _, err := db.ReferToService(ctx, dv, today); code(err) != domain.CodeNotFound {
		t.Errorf("a DV case for a caseworker outside the compartment: %v", err)
	}
	list, err := db.ServiceReferrals(ctx, store.ServiceReferralFilter{ProviderPIB: "02655284"})
	if err != nil || len(list) != 2 {
		t.Errorf("Sunce's referrals: %d %v", len(list), err)
	}
}
