package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/bi"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestFactsAfterClaimsDecisionsAndAPayroll: a claim filed, a decision
// issued and a payroll approved each append their facts in the same
// transaction; a payment the bank returns appends a reversal; a pivot
// counts them, the 3 persons of child allowance suppressed, and their
// group's total with them (the other group's cell hidden too).
func TestFactsAfterClaimsDecisionsAndAPayroll(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 10 {
		benefit := "MO"
		if i >= 7 {
			benefit = "DD"
		}
		p := mustPerson(t, db, mustJMBG(t, 600+i))
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: benefit, ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "t",
			Period: sep, Members: []domain.PersonID{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: benefit,
			Amount: decimal.RequireFromString("100"), PeriodFrom: sep, PreparedBy: "a", ApprovedBy: "b", IssuedAt: c.FiledAt.AddDate(0, 0, 3)})
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: benefit, BeneficiaryID: p.ID,
			Amount: decimal.RequireFromString("100"), Periodicity: "monthly", ValidFrom: sep})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	if err := db.EnsurePayroll(ctx, "payroll/2026-09", sep); err != nil {
		t.Fatal(err)
	}
	var ps []store.Payment
	for i, id := range ids {
		benefit := "MO"
		if i >= 7 {
			benefit = "DD"
		}
		ps = append(ps, store.Payment{PayrollID: "payroll/2026-09", EntitlementID: id, Period: sep, Amount: decimal.RequireFromString("100.00"),
			Channel: "bank", PayeeName: "x", Benefit: benefit, Municipality: "ME-16", EndToEndID: fmt.Sprintf("BI%d", i), State: "prepared", Kind: "regular"})
	}
	if _, err := db.InsertPayments(ctx, ps); err != nil {
		t.Fatal(err)
	}
	pivot := func(fact bi.Fact, axes string, filters ...string) []bi.Cell {
		t.Helper()
		q, err := bi.ParseQuery(fact, axes, filters, "")
		if err != nil {
			t.Fatal(err)
		}
		cells, err := db.Pivot(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return cells
	}
	if cells := pivot(bi.PaymentFact, "benefit.benefit"); len(cells) != 0 {
		t.Fatalf("payment facts before the payroll is approved: %+v", cells)
	}
	// Approved twice (a retried activity): the lines once.
	for range 2 {
		if err := db.SetPayrollState(ctx, "payroll/2026-09", "approved", "", "b"); err != nil {
			t.Fatal(err)
		}
	}
	// By benefit: DD's 3 persons hidden, and MO's 7 with them (the total
	// of every benefit less MO would give DD away).
	cells := pivot(bi.PaymentFact, "benefit.benefit", "time.month=2026-09")
	if len(cells) != 2 || cells[0].Keys[0] != "DD" || !cells[0].Suppressed || cells[1].Keys[0] != "MO" || !cells[1].Secondary ||
		cells[1].Persons != 7 || !cells[1].Amount.Equal(decimal.RequireFromString("700")) {
		t.Fatalf("by benefit in September: %+v", cells)
	}
	// By group: social (7) and child (3) sum into the month's total of 10:
	// child hidden, and social with it, or 10 - 7 would give child away.
	cells = pivot(bi.PaymentFact, "benefit.group", "time.month=2026-09")
	if len(cells) != 2 || !cells[0].Suppressed || !cells[1].Suppressed || !cells[1].Secondary {
		t.Fatalf("by group in September: %+v", cells)
	}
	// Every benefit at once, by month: the cube across benefits.
	cells = pivot(bi.PaymentFact, "time.month,geography.municipality")
	if len(cells) != 1 || cells[0].Persons != 10 || !cells[0].Amount.Equal(decimal.RequireFromString("1000")) {
		t.Fatalf("by month over every benefit: %+v", cells)
	}
	// Over the quarter: the lines, persons counted once.
	cells = pivot(bi.PaymentFact, "time.quarter")
	if len(cells) != 1 || cells[0].Keys[0] != "2026-Q3" || cells[0].Persons != 10 || cells[0].Rights != 10 || cells[0].Payments != 10 {
		t.Fatalf("by quarter: %+v", cells)
	}

	// The bank returns one MO payment: a reversal, the month's amount less,
	// and one person and payment less paid (counted from the lines and the cube).
	if _, err := db.ApplyBankAnswer(ctx, "payroll/2026-09", domain.BankAnswer{Returned: []domain.BankStatus{{EndToEndID: "BI0", Reason: "AC04"}}}); err != nil {
		t.Fatal(err)
	}
	cells = pivot(bi.PaymentFact, "benefit.benefit", "time.month=2026-09")
	if cells[1].Keys[0] != "MO" || !cells[1].Amount.Equal(decimal.RequireFromString("600")) || cells[1].Payments != 6 || cells[1].Persons != 6 {
		t.Fatalf("MO after a return: %+v", cells[1])
	}
	cells = pivot(bi.PaymentFact, "time.quarter")
	if len(cells) != 1 || cells[0].Persons != 9 || cells[0].Payments != 9 || !cells[0].Amount.Equal(decimal.RequireFromString("900")) {
		t.Fatalf("the quarter after a return, from the lines: %+v", cells)
	}

	// Decisions and claims: 10 each, decided in 3 days.
	cells = pivot(bi.DecisionFact, "kind.kind")
	if len(cells) != 1 || cells[0].Decisions != 10 || cells[0].DaysCount != 10 || cells[0].DaysTotal != 30 {
		t.Fatalf("decisions: %+v", cells)
	}
	cells = pivot(bi.ClaimFact, "channel.channel", "benefit.benefit=MO")
	if len(cells) != 1 || cells[0].Claims != 7 || cells[0].Keys[0] != "counter" {
		t.Fatalf("claims of MO: %+v", cells)
	}

	// A revision's change of the first right: a decision about its holder,
	// with no days from a filing; issued again (a retry), still one.
	var claim string
	if err := db.Pool().QueryRow(ctx, `SELECT claim_number FROM entitlements WHERE id = $1`, ids[0]).Scan(&claim); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := db.IssueRightDecision(ctx, store.Decision{ClaimNumber: claim, CentreID: "csr-podgorica", Kind: "revision_change", Benefit: "MO",
			Amount: decimal.RequireFromString("80"), PeriodFrom: sep.AddDate(0, 2, 0), PreparedBy: "a", ApprovedBy: "b", IssuedAt: sep.AddDate(0, 2, 0)},
			ids[0], "revision/test"); err != nil {
			t.Fatal(err)
		}
	}
	cells = pivot(bi.DecisionFact, "kind.kind")
	if len(cells) != 2 || cells[1].Keys[0] != "revision_change" || cells[0].Decisions != 10 || cells[1].DaysCount != 0 {
		t.Fatalf("decisions after a revision: %+v", cells)
	}
}

// TestCaseStageFacts: a stage done becomes a fact (late when done after
// its deadline), once; an open stage is none, nor any stage of a DV case.
func TestCaseStageFacts(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	start := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	record := func(number string, dv bool, seq int, done *time.Time) {
		t.Helper()
		err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P07", Version: 1, CentreID: "csr-podgorica",
			Status: "open", Stage: "intake", Manager: "ana.caseworker", OpenedBy: "ana.caseworker", OpenedAt: start, DV: dv},
			Stage: &store.CaseStage{Seq: seq, Stage: "intake", CentreID: "csr-podgorica", Worker: "ana.caseworker", StartedAt: start,
				DueAt: start.AddDate(0, 0, 7), DoneAt: done}})
		if err != nil {
			t.Fatal(err)
		}
	}
	onTime, late := start.AddDate(0, 0, 3), start.AddDate(0, 0, 10)
	for i := range 6 {
		number := fmt.Sprintf("S-2026-9000%02d", i)
		record(number, false, 1, nil) // opened: no fact
		done := &onTime
		if i == 0 {
			done = &late
		}
		record(number, false, 1, done)
		record(number, false, 1, done) // a retry
	}
	record("S-2026-900099", true, 1, &onTime) // the DV compartment's
	q, err := bi.ParseQuery(bi.CaseFact, "manager.manager,procedure", []string{"time.month=2026-10"}, "")
	if err != nil {
		t.Fatal(err)
	}
	cells, err := db.Pivot(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 1 || cells[0].Persons != 6 || cells[0].Stages != 6 || cells[0].Overdue != 1 || cells[0].DaysTotal != 3*5+10 {
		t.Fatalf("stage facts: %+v", cells)
	}
}
