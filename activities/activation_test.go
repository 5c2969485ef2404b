package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestActivationDecisionChangesTheRightOnceFinal: a reduction and a
// suspension decided in September name October, but are delivered on
// 16 September, final on 2 October and so take effect in November (the
// first month after final; an appeal suspends a sanction): the payroll
// pays August to October in full, November reduced by 30% for one and
// nothing for the other.
// Issuing a decision again returns the first, with its PDF, and changes
// nothing more; the approver may not be the preparer.
func TestActivationDecisionChangesTheRightOnceFinal(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := &activities.Activities{DB: db, Objects: startObjects(t), Now: time.Now}
	sep := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	decided := time.Date(2026, 9, 15, 11, 0, 0, 0, time.UTC)
	refer := func(i int) (string, string) {
		id := seedRight(t, db, 40+i, "ME25505000012345678951", sep, "100.00")
		e, err := db.EntitlementByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		p, err := db.PersonByID(ctx, e.BeneficiaryID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := db.CreateReferral(ctx, store.Referral{PersonID: p.ID, EntitlementID: id, CentreID: p.CentreID, ReferredBy: "ana.caseworker", ReferredAt: sep})
		if err != nil {
			t.Fatal(err)
		}
		return id, r.ID
	}
	reduced, r1 := refer(1)
	suspended, r2 := refer(2)
	issue := func(referral, measure string, percent int, approver string) (activities.IssueActivationDecisionResult, error) {
		return a.IssueActivationDecision(ctx, activities.IssueActivationDecisionInput{ReferralID: referral, Seq: 1, Measure: measure, Percent: percent,
			Reasoning: "Refused a suitable job offer.", Cause: "Odbio ponudu posla", PreparedBy: "ana.caseworker", ApprovedBy: approver, IssuedAt: decided})
	}
	if _, err := issue(r1, "reduce", 30, "ana.caseworker"); err == nil || !strings.Contains(err.Error(), "prepared") {
		t.Fatalf("the preparer approving: %v", err)
	}
	d1, err := issue(r1, "reduce", 30, "marko.supervisor")
	if err != nil || d1.EffectiveFrom != "2026-10" || d1.Deduction != "30.00" {
		t.Fatalf("reduce = %+v, %v", d1, err)
	}
	again, err := issue(r1, "reduce", 30, "marko.supervisor")
	if err != nil || again.Number != d1.Number {
		t.Fatalf("issued again = %+v, %v; want %s", again, err, d1.Number)
	}
	if _, err := issue(r2, "suspend", 0, "marko.supervisor"); err != nil {
		t.Fatal(err)
	}
	ds, err := db.ActivationDecisions(ctx, r1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("decisions of %s: %+v, %v", r1, ds, err)
	}
	if pdf, err := a.Objects.Get(ctx, ds[0].DocumentKey); err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatalf("the decision's PDF: %v", err)
	}

	if _, err := a.PreparePayroll(ctx, activities.PayrollMonth{PayrollID: "payroll/2026-10", Period: "2026-10"}); err != nil {
		t.Fatal(err)
	}
	delivered := time.Date(2026, 9, 16, 0, 0, 0, 0, time.UTC)
	for _, r := range []string{r1, r2} {
		ds, _ := db.ActivationDecisions(ctx, r)
		if _, err := db.RecordDelivery(ctx, ds[0].ID, delivered, delivered, "ana.caseworker"); err != nil {
			t.Fatal(err)
		}
		res, err := a.ApplySanction(ctx, activities.ApplySanctionInput{DecisionID: ds[0].ID, Final: domain.FinalOn(delivered)})
		if err != nil || res.AppliedFrom != "2026-11-01" {
			t.Fatalf("final on %s: %+v, %v; want from November", domain.FinalOn(delivered).Format(time.DateOnly), res, err)
		}
	}
	if _, err := a.PreparePayroll(ctx, activities.PayrollMonth{PayrollID: "payroll/2026-11", Period: "2026-11"}); err != nil {
		t.Fatal(err)
	}
	paid := func(entitlement string) string {
		rows, err := db.Pool().Query(ctx, `SELECT to_char(period, 'MM') || '=' || amount::text FROM payments WHERE entitlement_id = $1 ORDER BY period`, entitlement)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			out = append(out, s)
		}
		return strings.Join(out, " ")
	}
	if got := paid(reduced); got != "08=100.00 09=100.00 10=100.00 11=70.00" {
		t.Errorf("the reduced right paid %s; want August to October in full, November less 30%%", got)
	}
	if got := paid(suspended); got != "08=100.00 09=100.00 10=100.00" {
		t.Errorf("the suspended right paid %s; want nothing from November", got)
	}
	var lines string
	_ = db.Pool().QueryRow(ctx, `SELECT lines::text FROM payments WHERE entitlement_id = $1 AND period = '2026-11-01'`, reduced).Scan(&lines)
	if !strings.Contains(lines, "activation sanction "+d1.Number) {
		t.Errorf("November's payment does not explain the reduction: %s", lines)
	}
}
