package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestPayableRightsSumWhatOtherPayrollsPaid: rights come in pages, each
// with its versions and, by month, what other payrolls paid: payments
// that stand (prepared, sent, paid) less the overpayments recorded, not
// exceptions, rejected or returned ones, and never the asking payroll's
// own (a rerun computes the same); every payment counts as an attempt.
// An ended right is read while its end is within the window.
func TestPayableRightsSumWhatOtherPayrollsPaid(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 5 {
		p := mustPerson(t, db, mustJMBG(t, 400+i))
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "t", Period: sep,
			Members: []domain.PersonID{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
			Amount: decimal.RequireFromString("100"), PeriodFrom: sep, PreparedBy: "a", ApprovedBy: "b", IssuedAt: sep})
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
			Amount: decimal.RequireFromString("100"), Periodicity: "monthly", ValidFrom: sep})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	for i, id := range []string{"payroll/2026-09", "payroll/2026-10", "payroll/2026-11"} {
		if err := db.EnsurePayroll(ctx, id, sep.AddDate(0, i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	pay := func(payroll, entitlement, state, amount string, n int) store.Payment {
		return store.Payment{PayrollID: payroll, EntitlementID: entitlement, Period: sep, Amount: decimal.RequireFromString(amount), Channel: "bank",
			PayeeName: "x", Benefit: "MO", Municipality: "ME-16", EndToEndID: fmt.Sprintf("T%s%d", entitlement, n), State: state, Lines: nil, Kind: "regular"}
	}
	_, err := db.InsertPayments(ctx, []store.Payment{
		pay("payroll/2026-09", ids[0], "paid", "100.00", 0), pay("payroll/2026-10", ids[0], "prepared", "14.00", 1), // 114 stands
		pay("payroll/2026-09", ids[1], "exception", "100.00", 0), pay("payroll/2026-10", ids[1], "returned", "100.00", 1), // nothing stands
		pay("payroll/2026-09", ids[2], "sent", "100.00", 0),     // 100 paid, 20 of it recorded as overpaid
		pay("payroll/2026-11", ids[3], "prepared", "100.00", 0), // the asking payroll's own: not counted
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RecordOverpayments(ctx, []store.Overpayment{{EntitlementID: ids[2], Period: sep, PayrollID: "payroll/2026-10",
		Amount: decimal.RequireFromString("20.00"), Lines: []domain.PaymentLine{{What: "overpaid", Value: "20.00"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AddVersion(ctx, store.Version{EntitlementID: ids[4], Source: "death:t", CreatedBy: "t",
		RightVersion: domain.RightVersion{From: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), State: domain.RightEnded, Reason: domain.ReasonDeath, Amount: decimal.Zero}}); err != nil {
		t.Fatal(err)
	}
	got := map[string]store.PayableRight{}
	pages := 0
	err = db.EachPayableRights(ctx, "payroll/2026-11", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), 2,
		func(rs []store.PayableRight) error {
			pages++
			for _, r := range rs {
				got[r.EntitlementID] = r
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || pages != 2 {
		t.Fatalf("%d rights in %d pages; want 4 (the right ended in 2022 left out) in pages of 2", len(got), pages)
	}
	m := domain.MonthOf(sep)
	for i, want := range []store.PaidMonth{
		{Paid: decimal.RequireFromString("114"), Standing: 2, Payments: 2},
		{Paid: decimal.Zero, Standing: 0, Payments: 2},
		{Paid: decimal.RequireFromString("80"), Standing: 1, Payments: 1},
		{},
	} {
		r := got[ids[i]]
		pm := r.Paid[m]
		if !pm.Paid.Equal(want.Paid) || pm.Standing != want.Standing || pm.Payments != want.Payments {
			t.Errorf("right %d: September %+v; want %+v", i, pm, want)
		}
		if len(r.Timeline) != 1 || r.Timeline[0].Reason != domain.ReasonGrant {
			t.Errorf("right %d: timeline %+v; want its grant", i, r.Timeline)
		}
	}
	// A page that fails stops the pass: its error comes back, no page
	// after it is handed out, and the reader ahead of it stops.
	stop := errors.New("stop here")
	pages = 0
	err = db.EachPayableRights(ctx, "payroll/2026-11", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), 1,
		func([]store.PayableRight) error { pages++; return stop })
	if !errors.Is(err, stop) || pages != 1 {
		t.Fatalf("a failing page: %v after %d pages; want its error after 1", err, pages)
	}
	// A pass whose context ends while a page is in fn: no page after it is
	// handed out, though the reader had read ahead, and the pass ends with
	// the context's error, not a hang.
	cctx, cancel := context.WithCancel(ctx)
	pages = 0
	err = db.EachPayableRights(cctx, "payroll/2026-11", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), 1,
		func([]store.PayableRight) error {
			pages++
			cancel()
			return nil
		})
	if !errors.Is(err, context.Canceled) || pages != 1 {
		t.Fatalf("a pass cancelled in its first page: %v after %d pages; want context.Canceled", err, pages)
	}
}

func mustJMBG(t *testing.T, serial int) string {
	t.Helper()
	j, err := domain.MakeJMBG(time.Date(1971, 2, 3, 0, 0, 0, 0, time.UTC), 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// TestPaidSumsArePlannedForTheTableAsItIs: the payroll reads what other
// payrolls paid a page at a time while its own COPY fills payments. A
// statement kept prepared on the connection settles, after five runs, on
// the plan made for the table as it was then: on a month's first payroll,
// a sequential scan of an empty table, kept while the payments grew (issue
// 24). PostgreSQL does that (the statement prepared by hand below), and
// the paid sums are not run so: no plan of theirs is kept, and they are
// read by the index once the table has grown.
func TestPaidSumsArePlannedForTheTableAsItIs(t *testing.T) {
	ctx := context.Background()
	db, dbURL := storetest.NewDBURL(t)
	// Analysed empty, as a new system's tables are (bench/payroll analyses
	// its seed so), and left so while it fills, as it is until autovacuum
	// comes round.
	for _, q := range []string{`ANALYZE payments, overpayments`, `ALTER TABLE payments SET (autovacuum_enabled = false)`} {
		if _, err := db.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	one, err := store.Open(ctx, withParam(t, dbURL, "pool_max_conns", "1"))
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	first, last := "00000000-0000-7000-8000-000000000000", "00000000-0000-7000-8000-0000000fffff"
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const payroll = "payroll/2026-11"
	if _, err := one.Pool().Exec(ctx, `PREPARE kept AS `+store.PaidSumsSQL, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatal(err)
	}
	for range 8 { // a payroll's first pages: nothing paid yet
		if _, err := one.Pool().Exec(ctx, `EXECUTE kept($1, $2, $3, $4)`, pgx.QueryExecModeSimpleProtocol, first, payroll, from, last); err != nil {
			t.Fatal(err)
		}
		if _, err := one.PaidOf(ctx, first, last, payroll, from); err != nil {
			t.Fatal(err)
		}
	}
	// The payroll's own payments, 200,000 of them, and one right of the
	// page paid by last month's payroll.
	if _, err := one.Pool().Exec(ctx, `
		INSERT INTO payments (payroll_id, entitlement_id, period, amount, channel, payee_iban, payee_name, benefit, municipality,
			funding_account, end_to_end_id, state, reason, lines)
		SELECT CASE WHEN g = 0 THEN 'payroll/2026-10' ELSE $1 END,
			CASE WHEN g = 0 THEN $2::uuid ELSE ('10000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid END,
			'2026-10-01', 87.24, 'bank', 'ME25505000012345678951', 'Test', 'MO', 'ME-16', 'ME25505000012345678951', 'T' || g, 'paid', '', '[]'
		FROM generate_series(0, 199999) g`, payroll, first); err != nil {
		t.Fatal(err)
	}
	var plan []struct{ Plan planNode }
	if err := one.Pool().QueryRow(ctx, `EXPLAIN (FORMAT JSON) EXECUTE kept($1, $2, $3, $4)`, pgx.QueryExecModeSimpleProtocol,
		first, payroll, from, last).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	seqScan := false // a node scans payments in full
	plan[0].Plan.each(func(n planNode) { seqScan = seqScan || n.NodeType == "Seq Scan" && n.Relation == "payments" })
	if !seqScan {
		t.Errorf("the statement prepared by hand kept no sequential scan of the payments: the test no longer shows the hazard: %+v", plan[0].Plan)
	}
	paid, err := one.PaidOf(ctx, first, last, payroll, from)
	if err != nil {
		t.Fatal(err)
	}
	if got := paid[first][domain.MonthOf(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))]; !got.Paid.Equal(decimal.RequireFromString("87.24")) || got.Payments != 1 {
		t.Errorf("paid for October: %+v; want 87.24 in one payment", got)
	}
	statements, err := one.Pool().Query(ctx, `SELECT name, statement FROM pg_prepared_statements`)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for statements.Next() {
		var name, statement string
		if err := statements.Scan(&name, &statement); err != nil {
			t.Fatal(err)
		}
		if name != "kept" && strings.Contains(statement, "FROM payments WHERE entitlement_id BETWEEN") {
			kept++
		}
	}
	if statements.Close(); statements.Err() != nil {
		t.Fatal(statements.Err())
	}
	if kept != 0 {
		t.Errorf("the paid sums are kept prepared on the connection (%d statements): their plan outlives the table it was made for", kept)
	}
}

// CheckPayments does what the dropped foreign keys did (migration 00007):
// a payroll whose payments name recorded rights passes; a payment naming a
// right that is not recorded is counted, and so is one of a payroll that
// is not recorded.
func TestCheckPaymentsFindsWhatForeignKeysWould(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := grantTestRight(t, db, "MO", "", newTestPerson(t, db, 501))
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := db.EnsurePayroll(ctx, "payroll/2026-11", nov); err != nil {
		t.Fatal(err)
	}
	n := 0
	pay := func(payroll, entitlement string) store.Payment {
		n++
		return store.Payment{PayrollID: payroll, EntitlementID: entitlement, Period: nov, Amount: decimal.RequireFromString("100.00"),
			Channel: "bank", PayeeName: "x", Benefit: "MO", Municipality: "ME-16", EndToEndID: fmt.Sprintf("C%d", n), State: "prepared", Kind: "regular"}
	}
	if _, err := db.InsertPayments(ctx, []store.Payment{pay("payroll/2026-11", a.ID)}); err != nil {
		t.Fatal(err)
	}
	if err := db.CheckPayments(ctx, "payroll/2026-11"); err != nil {
		t.Fatalf("a recorded payroll of a recorded right: %v", err)
	}
	unknown := "01900000-0000-7000-8000-000000000000"
	if _, err := db.InsertPayments(ctx, []store.Payment{pay("payroll/2026-11", unknown), pay("payroll/2026-12", a.ID)}); err != nil {
		t.Fatal(err)
	}
	for _, payroll := range []string{"payroll/2026-11", "payroll/2026-12"} {
		if err := db.CheckPayments(ctx, payroll); err == nil || !strings.Contains(err.Error(), "1 payments name no payroll or no entitlement") {
			t.Errorf("%s: %v; want one payment counted", payroll, err)
		}
	}
}
