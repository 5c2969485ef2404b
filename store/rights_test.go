package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func grantedRight(t *testing.T, db *store.DB, from time.Time, amount string) store.Entitlement {
	t.Helper()
	ctx := context.Background()
	j, _ := domain.MakeJMBG(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 21, 321)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Đorđe", FamilyName: "Šćepanović", Address: addr})
	p, err := db.CreatePerson(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true,
		FiledBy: "ana.caseworker", Period: from, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
		Amount: decimal.RequireFromString(amount), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	in := store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString(amount), Periodicity: "monthly", ValidFrom: from, Basis: []byte(`{"Members":[]}`), CreatedBy: "b"}
	e, err := db.CreateEntitlement(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := db.CreateEntitlement(ctx, in); err != nil || again.ID != e.ID {
		t.Fatalf("granting again: %v, %v", again.ID, err)
	}
	return e
}

// TestVersionsOfARight: the grant is version 1; an indexation adds
// version 2 once however often it is retried; a death ends the right and
// only an appeal may change it after that.
func TestVersionsOfARight(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	e := grantedRight(t, db, jan, "76.56")
	vs, err := db.Versions(ctx, e.ID)
	if err != nil || len(vs) != 1 || vs[0].Reason != domain.ReasonGrant || vs[0].Ref == "" || !vs[0].Amount.Equal(decimal.RequireFromString("76.56")) {
		t.Fatalf("after the grant: %+v, %v", vs, err)
	}
	idx := store.Version{EntitlementID: e.ID, RightVersion: domain.RightVersion{From: time.Date(2024, 2, 17, 0, 0, 0, 0, time.UTC),
		Amount: decimal.RequireFromString("87.91"), Reason: domain.ReasonIndexation}, Source: "reassessment:1", CreatedBy: "system"}
	for i := 0; i < 2; i++ {
		v, added, err := db.AddVersion(ctx, idx)
		if err != nil || v.Seq != 2 || added != (i == 0) {
			t.Fatalf("indexation, try %d: %+v, %v, %v", i, v, added, err)
		}
	}
	got, _ := db.EntitlementByID(ctx, e.ID)
	if got.Amount.StringFixed(2) != "87.91" || got.State != "active" {
		t.Fatalf("entitlement after indexation: %+v", got)
	}
	death := store.Version{EntitlementID: e.ID, RightVersion: domain.RightVersion{From: time.Date(2024, 3, 11, 0, 0, 0, 0, time.UTC),
		State: domain.RightEnded, Reason: domain.ReasonDeath}, Source: "change:42", CreatedBy: "system"}
	if _, _, err := db.AddVersion(ctx, death); err != nil {
		t.Fatal(err)
	}
	got, _ = db.EntitlementByID(ctx, e.ID)
	if got.State != "ended" || got.ValidTo == nil || got.ValidTo.Format(time.DateOnly) != "2024-03-10" || got.Amount.StringFixed(2) != "87.91" {
		t.Fatalf("entitlement after death: %+v", got)
	}
	later := idx
	later.Source = "reassessment:2"
	if _, _, err := db.AddVersion(ctx, later); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("an indexation of an ended right: %v; want a conflict", err)
	}
	vs, _ = db.Versions(ctx, e.ID)
	tl := store.Timeline(vs)
	if m := tl.MonthlyOwed(domain.MonthOf(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))); m.Amount.StringFixed(2) != "28.36" { // 87.91*10/31
		t.Fatalf("March owed %s: %v", m.Amount, m.Lines)
	}
	many, err := db.TimelinesOf(ctx, []string{e.ID})
	if err != nil || len(many[e.ID]) != 3 {
		t.Fatalf("TimelinesOf: %v, %v", many, err)
	}
	if _, err := db.Versions(ctx, "not-a-uuid"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown right: %v", err)
	}
	if _, _, err := db.AddVersion(ctx, store.Version{EntitlementID: "0190c0de-0000-7000-8000-000000000000", RightVersion: domain.RightVersion{
		Reason: domain.ReasonChange}, Source: "x"}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a version of an unknown right: %v", err)
	}
}
