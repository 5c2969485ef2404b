package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// decidedClaim is an MO grant from from, issued on issued, with its right.
func decidedClaim(t *testing.T, db *store.DB, serial int, from, issued time.Time) (store.Decision, store.Entitlement) {
	t.Helper()
	ctx := context.Background()
	j, _ := domain.MakeJMBG(time.Date(1971, 2, 3, 0, 0, 0, 0, time.UTC), 21, serial)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Jovana", FamilyName: "Žugić", Address: addr})
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
		Amount: decimal.RequireFromString("100.00"), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: issued})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		Amount: decimal.RequireFromString("100.00"), Periodicity: "monthly", ValidFrom: from, CreatedBy: "b"})
	if err != nil {
		t.Fatal(err)
	}
	return d, e
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestDeliveryAndAppealDeadline: a decision issued on 2 March and
// delivered on 5 March may be appealed up to 20 March; delivery is
// recorded once (the same day again is fine, another is a conflict, a day
// before the issue is refused); an appeal on the 21st is refused naming the
// deadline; one in time is recorded and a second is a conflict naming the
// pending appeal; an unknown decision is not found.
func TestDeliveryAndAppealDeadline(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := day("2026-04-30")
	d, e := decidedClaim(t, db, 601, day("2026-02-01"), time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))

	if _, err := db.RecordDelivery(ctx, d.ID, day("2026-03-01"), today, "ana.caseworker"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("delivered before the issue: %v; want invalid", err)
	}
	if _, err := db.RecordDelivery(ctx, d.ID, day("2026-05-01"), today, "ana.caseworker"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("delivered tomorrow: %v; want invalid", err)
	}
	ref, err := db.RecordDelivery(ctx, d.ID, day("2026-03-05"), today, "ana.caseworker")
	if err != nil || ref.DeliveredOn == nil || ref.Deadline().Format(time.DateOnly) != "2026-03-20" || ref.EntitlementID != e.ID || ref.Kind != store.DecisionOfClaim {
		t.Fatalf("delivery: %+v, %v", ref, err)
	}
	if _, err := db.RecordDelivery(ctx, d.ID, day("2026-03-05"), today, "ivan.caseworker"); err != nil {
		t.Fatalf("the same delivery again: %v", err)
	}
	if _, err := db.RecordDelivery(ctx, d.ID, day("2026-03-06"), today, "ana.caseworker"); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("another delivery day: %v; want conflict", err)
	}

	_, err = db.FileAppeal(ctx, d.ID, day("2026-03-21"), today, "The income was counted twice.", "ana.caseworker")
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "20.03.2026.") || !strings.Contains(err.Error(), "late") {
		t.Fatalf("a late appeal: %v; want a conflict naming the deadline 20.03.2026.", err)
	}
	a, err := db.FileAppeal(ctx, d.ID, day("2026-03-20"), today, "The income was counted twice.", "ana.caseworker")
	if err != nil || a.State != domain.AppealFirstInstance || a.EntitlementID != e.ID || a.DecisionNumber != d.Number || !strings.HasPrefix(a.ID, "ZLB-2026-") {
		t.Fatalf("an appeal on the last day: %+v, %v", a, err)
	}
	_, err = db.FileAppeal(ctx, d.ID, day("2026-03-20"), today, "Again.", "ana.caseworker")
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), "pending") {
		t.Fatalf("a second appeal: %v; want a conflict naming %s", err, a.ID)
	}
	if _, err := db.FileAppeal(ctx, "0190a0c2-0000-7000-8000-000000000000", today, today, "x", "ana.caseworker"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("an unknown decision: %v", err)
	}
	if _, err := db.FileAppeal(ctx, "nonsense", today, today, "x", "ana.caseworker"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a malformed decision id: %v", err)
	}

	// Forwarded, then changed by the ministry: numbered from its own
	// counter, once however often it is decided.
	if err := db.ForwardAppeal(ctx, a.ID, time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	from := day("2026-02-01")
	out := store.AppealDecision{AppealID: a.ID, Instance: "second", Outcome: domain.OutcomeChange, Amount: decimal.RequireFromString("120.00"),
		EffectiveFrom: &from, Reasoning: "Income counted twice.", PreparedBy: "vesna.appeals", ApprovedBy: "vesna.appeals",
		IssuedAt: time.Date(2026, 4, 10, 9, 0, 0, 0, time.UTC)}
	renders := 0
	render := func(o store.AppealDecision) (string, string, error) { renders++; return "k/" + o.ID, "sha", nil }
	first, err := db.DecideAppeal(ctx, out, render)
	if err != nil || !strings.HasPrefix(first.Number, store.MinistryCounter+"/2026/") {
		t.Fatalf("decide: %+v, %v", first, err)
	}
	again, err := db.DecideAppeal(ctx, out, render)
	if err != nil || again.ID != first.ID || renders != 1 {
		t.Fatalf("decide again: %+v, %v (rendered %d times)", again, err, renders)
	}
	got, err := db.AppealOfDecision(ctx, d.ID)
	if err != nil || got.State != domain.AppealChanged || got.Outcome == nil || !got.Outcome.Amount.Equal(decimal.RequireFromString("120")) ||
		got.ForwardedAt == nil || got.DecidedAt == nil {
		t.Fatalf("the decided appeal: %+v, %v", got, err)
	}
	if _, err := db.FileAppeal(ctx, d.ID, day("2026-03-20"), today, "Again.", "ana.caseworker"); domain.ErrorCode(err) != domain.CodeConflict ||
		!strings.Contains(err.Error(), "decided") {
		t.Fatalf("an appeal after the outcome: %v", err)
	}
}

// TestSanctionAppliesWhenFinal: an activation suspension decided in
// October names November; it changes nothing until it is final. Final on
// 20 November (delivered 4 November), it applies from December; applying
// again changes nothing. A reduction under appeal is not applied by the
// deadline passing; upheld, it applies from the month after the outcome;
// a revoked one is taken off the right.
func TestSanctionAppliesWhenFinal(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	issued := time.Date(2026, 10, 15, 10, 0, 0, 0, time.UTC)
	sanction := func(serial int, measure string) (store.ActivationDecision, string) {
		_, e := decidedClaim(t, db, serial, day("2026-01-01"), day("2026-01-02"))
		r, err := db.CreateReferral(ctx, store.Referral{PersonID: e.BeneficiaryID, EntitlementID: e.ID, CentreID: "csr-podgorica",
			ReferredBy: "ana.caseworker", ReferredAt: day("2026-09-01")})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueActivationDecision(ctx, store.ActivationDecision{ReferralID: r.ID, Seq: 1, EntitlementID: e.ID, Measure: measure,
			Deduction: decimal.RequireFromString("30.00"), EffectiveFrom: day("2026-11-01"), Reasoning: "Refused a job offer.",
			PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: issued}, "csr-podgorica",
			func(store.ActivationDecision) (string, string, error) { return "k", "s", nil })
		if err != nil {
			t.Fatal(err)
		}
		return d, e.ID
	}
	right := func(id string) store.PayableRight {
		var x store.PayableRight
		err := db.Pool().QueryRow(ctx, `SELECT deduction, deduction_from, suspended_from FROM entitlements WHERE id = $1`, id).
			Scan(&x.Deduction, &x.DeductionFrom, &x.SuspendedFrom)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	s, sid := sanction(602, "suspend")
	if r := right(sid); r.SuspendedFrom != nil {
		t.Fatalf("the suspension applied before it was final: %+v", r)
	}
	if _, err := db.RecordDelivery(ctx, s.ID, day("2026-11-04"), day("2026-11-04"), "ana.caseworker"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		from, err := db.ApplySanction(ctx, s.ID, domain.FinalOn(day("2026-11-04")), false)
		if err != nil || from == nil || from.Format(time.DateOnly) != "2026-12-01" {
			t.Fatalf("apply, try %d: %v, %v; want from 2026-12-01", i, from, err)
		}
	}
	if r := right(sid); r.SuspendedFrom == nil || r.SuspendedFrom.Format(time.DateOnly) != "2026-12-01" {
		t.Fatalf("the suspension once final: %+v", r)
	}

	red, rid := sanction(603, "reduce")
	if _, err := db.FileAppeal(ctx, red.ID, day("2026-10-20"), day("2026-10-20"), "I was ill that day.", "ana.caseworker"); err != nil {
		t.Fatal(err)
	}
	if from, err := db.ApplySanction(ctx, red.ID, day("2026-11-05"), false); err != nil || from != nil {
		t.Fatalf("the deadline passing under appeal: %v, %v; want nothing applied", from, err)
	}
	from, err := db.ApplySanction(ctx, red.ID, day("2027-01-10"), true)
	if err != nil || from == nil || from.Format(time.DateOnly) != "2027-02-01" {
		t.Fatalf("upheld on 10 January: %v, %v; want from February", from, err)
	}
	if r := right(rid); !r.Deduction.Equal(decimal.RequireFromString("30")) || r.DeductionFrom == nil || r.DeductionFrom.Format(time.DateOnly) != "2027-02-01" {
		t.Fatalf("the reduction: %+v", r)
	}
	if err := db.RevokeSanction(ctx, red.ID); err != nil {
		t.Fatal(err)
	}
	if r := right(rid); !r.Deduction.IsZero() || r.DeductionFrom != nil {
		t.Fatalf("the revoked reduction: %+v", r)
	}
}
