package activities_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestEveryImplementedBenefitToADecision takes a claim of each of the eight
// implemented benefits through the activities the claim workflow runs
// (calculation, decision with its PDF in a real MinIO, entitlement) against
// a real PostgreSQL. The human steps between them are the same for every
// benefit and are tested in the workflow's tests.
func TestEveryImplementedBenefitToADecision(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	obj := startObjects(t)
	a := &activities.Activities{DB: db, Objects: obj, Params: benefits.MustLoadParams(), Now: time.Now}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	serial := 0
	newHousehold := func(number string, members ...struct {
		rel  domain.Relation
		born time.Time
	}) []domain.PersonID {
		t.Helper()
		link := store.HouseholdLink{RegisterNumber: number, Address: domain.Address{Municipality: "ME-16", Settlement: "Podgorica", Street: "Slobode 2"}}
		for _, mm := range members {
			serial++
			j, err := domain.MakeJMBG(mm.born, 21, serial)
			if err != nil {
				t.Fatal(err)
			}
			link.Members = append(link.Members, store.HouseholdLinkMember{JMBG: j, GivenName: "Test", FamilyName: fmt.Sprintf("Član %d", serial),
				BirthDate: mm.born, Sex: domain.SexMale, Relation: mm.rel})
		}
		if _, err := db.LinkHousehold(ctx, link); err != nil {
			t.Fatal(err)
		}
		var ids []domain.PersonID
		for _, lm := range link.Members {
			p, err := db.PersonByJMBG(ctx, lm.JMBG)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		return ids
	}
	type member = struct {
		rel  domain.Relation
		born time.Time
	}
	adult := func(years int) member { return member{domain.RelationHead, today.AddDate(-years, 0, -3)} }
	child := func(days int) member { return member{domain.RelationChild, today.AddDate(0, 0, -days)} }

	type claimCase struct {
		benefit  benefits.Code
		members  []member
		subject  int // index of the subject member, -1 for none
		declared func(ids []domain.PersonID) map[string]any
		amount   string
	}
	cases := []claimCase{
		{benefits.MO, []member{adult(50), {domain.RelationSpouse, today.AddDate(-48, 0, 0)}}, -1, nil, "105.57"},
		{benefits.LI, []member{adult(40)}, -1, func(ids []domain.PersonID) map[string]any {
			return map[string]any{"members": map[string]any{string(ids[0]): map[string]any{"disability_percent": 90}}}
		}, "297.36"},
		{benefits.DNJP, []member{adult(45), {domain.RelationParent, today.AddDate(-80, 0, 0)}}, 1, func(ids []domain.PersonID) map[string]any {
			return map[string]any{"members": map[string]any{string(ids[1]): map[string]any{"needs_care": true}}}
		}, "87.24"},
		{benefits.DD, []member{adult(35), child(3000), child(800)}, -1, nil, "60.00"},
		{benefits.ND, []member{adult(30), child(30)}, 1, nil, "900.00"},
		{benefits.JNP, []member{adult(60)}, -1, func([]domain.PersonID) map[string]any { return map[string]any{"requested_amount": "150.00"} }, "150.00"},
		{benefits.TS, []member{adult(55)}, -1, func([]domain.PersonID) map[string]any {
			return map[string]any{"deceased_was_mo": true, "funeral_cost": "600.00"}
		}, "436.30"},
	}
	for i, tc := range cases {
		ids := newHousehold(fmt.Sprintf("T-%d", i), tc.members...)
		var subject domain.PersonID
		if tc.subject >= 0 {
			subject = ids[tc.subject]
		}
		var declared json.RawMessage
		if tc.declared != nil {
			declared, _ = json.Marshal(tc.declared(ids))
		}
		b, _ := benefits.Lookup(tc.benefit)
		period := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
		if b.Periodicity != benefits.Monthly {
			period = today
		}
		claim, err := db.CreateClaim(ctx, store.Claim{Benefit: string(tc.benefit), ApplicantID: ids[0], SubjectID: subject, CentreID: "csr-podgorica",
			PayeeIBAN: "ME25505000012345678951", Consent: true, Declared: declared, FiledBy: "ana.caseworker", Period: period, Members: ids})
		if err != nil {
			t.Fatalf("%s: CreateClaim: %v", tc.benefit, err)
		}
		calc, err := a.CalculateClaim(ctx, activities.CalculateClaimInput{Number: claim.Number, Seq: 1})
		if err != nil {
			t.Fatalf("%s: CalculateClaim: %v", tc.benefit, err)
		}
		if !calc.Eligible || calc.Amount.StringFixed(2) != tc.amount {
			t.Fatalf("%s: calculation = %+v; want eligible for %s", tc.benefit, calc, tc.amount)
		}
		d, err := a.IssueDecision(ctx, activities.IssueDecisionInput{Number: claim.Number, Grant: true, Amount: calc.Amount,
			PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: today})
		if err != nil {
			t.Fatalf("%s: IssueDecision: %v", tc.benefit, err)
		}
		again, err := a.IssueDecision(ctx, activities.IssueDecisionInput{Number: claim.Number, Grant: true, Amount: calc.Amount,
			PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: today})
		if err != nil || again != d {
			t.Fatalf("%s: issuing again = %+v, %v; want the same decision and document %+v", tc.benefit, again, err, d)
		}
		if want := fmt.Sprintf("csr-podgorica/%d/%05d", today.Year(), i+1); d.Number != want {
			t.Errorf("%s: decision number %s; want %s (gapless)", tc.benefit, d.Number, want)
		}
		pdf, err := obj.Get(ctx, fmt.Sprintf("decisions/%d/%s.pdf", today.Year(), d.DecisionID))
		sum := sha256.Sum256(pdf)
		if err != nil || hex.EncodeToString(sum[:]) != d.SHA256 {
			t.Fatalf("%s: decision PDF %v; hash mismatch", tc.benefit, err)
		}
		e, err := a.CreateEntitlement(ctx, activities.CreateEntitlementInput{Number: claim.Number, DecisionID: d.DecisionID, Amount: calc.Amount})
		if err != nil {
			t.Fatalf("%s: CreateEntitlement: %v", tc.benefit, err)
		}
		ent, _ := db.EntitlementOfClaim(ctx, claim.Number)
		if ent.ID != e.EntitlementID || !ent.Amount.Equal(decimal.RequireFromString(tc.amount)) || ent.Periodicity != string(b.Periodicity) {
			t.Errorf("%s: entitlement %+v", tc.benefit, ent)
		}
		if tc.benefit == benefits.LI {
			// NNJ: the parent who cares for an LI beneficiary, now that the LI right exists.
			if err := db.SetClaimState(ctx, claim.Number, "approved", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	// NNJ last: a parent of a child who receives LI.
	ids := newHousehold("T-NNJ", adult(45), child(4000))
	liClaim, err := db.CreateClaim(ctx, store.Claim{Benefit: "LI", ApplicantID: ids[0], SubjectID: ids[1], CentreID: "csr-podgorica", Consent: true,
		FiledBy: "ana.caseworker", Period: today, Members: ids, Declared: json.RawMessage(fmt.Sprintf(`{"members":{%q:{"disability_percent":100}}}`, ids[1]))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CalculateClaim(ctx, activities.CalculateClaimInput{Number: liClaim.Number, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	d, err := a.IssueDecision(ctx, activities.IssueDecisionInput{Number: liClaim.Number, Grant: true, Amount: decimal.RequireFromString("297.36"),
		PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: today})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateEntitlement(ctx, activities.CreateEntitlementInput{Number: liClaim.Number, DecisionID: d.DecisionID, Amount: decimal.RequireFromString("297.36")}); err != nil {
		t.Fatal(err)
	}
	nnj, err := db.CreateClaim(ctx, store.Claim{Benefit: "NNJ", ApplicantID: ids[0], SubjectID: ids[1], CentreID: "csr-podgorica", Consent: true,
		FiledBy: "ana.caseworker", Period: time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC), Members: ids})
	if err != nil {
		t.Fatal(err)
	}
	calc, err := a.CalculateClaim(ctx, activities.CalculateClaimInput{Number: nnj.Number, Seq: 1})
	if err != nil || !calc.Eligible || calc.Amount.StringFixed(2) != "193.00" {
		t.Fatalf("NNJ calculation = %+v, %v; want 193.00 for the parent of an LI child", calc, err)
	}
	// Four eyes holds in the activity too.
	if _, err := a.IssueDecision(ctx, activities.IssueDecisionInput{Number: nnj.Number, Grant: true, Amount: calc.Amount,
		PreparedBy: "ana.caseworker", ApprovedBy: "ana.caseworker", IssuedAt: today}); err == nil {
		t.Fatal("IssueDecision approved by its preparer succeeded")
	}
}
