package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// cashDesk is a test institution "dom-kasa" with two residents and
// another institution "dom-drugi" with one.
type cashDesk struct {
	db                *store.DB
	first, second     int64 // placements of dom-kasa
	other             int64 // placement of dom-drugi
	day               time.Time
	cashier, director string
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func newCashDesk(t *testing.T, db *store.DB) cashDesk {
	t.Helper()
	ctx := context.Background()
	admitted := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	serial := 0
	resident := func(inst string, pib string) int64 {
		p, err := db.CreateProvider(ctx, store.Provider{Name: "Dom " + inst, PIB: pib, Street: "Ulica 1", Municipality: "ME-16",
			FoundedOn: admitted.AddDate(-30, 0, 0), CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		in, err := db.CreateInstitution(ctx, store.Institution{ID: inst, Name: "Dom " + inst, ProviderID: p.ID, Street: "Ulica 1", Municipality: "ME-16",
			Units: []store.Unit{{Name: "A", Kind: institutions.KindElderly, CareLevel: 1, Rooms: []store.Room{{Name: "1", Gender: "any",
				Beds: []store.Bed{{Label: "1/A"}, {Label: "1/B"}}}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return in.Units[0].Rooms[0].Beds[0].ID
	}
	place := func(inst string, bed int64) int64 {
		var person domain.Person
		for {
			serial++
			j, err := domain.MakeJMBG(time.Date(1940, 3, serial, 0, 0, 0, 0, time.UTC), 21, serial)
			if err != nil {
				t.Fatal(err)
			}
			addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 1")
			p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Stana", FamilyName: fmt.Sprintf("Vuković %c", 'A'+serial),
				Address: addr})
			if err != nil {
				continue // a JMBG the check digit cannot make
			}
			if person, err = db.CreatePerson(ctx, p, "caseworker"); err != nil {
				t.Fatal(err)
			}
			break
		}
		pl, err := db.InsertPlacement(ctx, store.Placement{PersonID: person.ID, CentreID: "csr-podgorica", InstitutionID: inst, BedID: bed,
			State: store.PlacementAdmitted, AdmittedOn: &admitted, CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return pl.ID
	}
	bed := resident("dom-kasa", "03000010")
	d := cashDesk{db: db, day: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC), cashier: "dejan.cashier", director: "vera.director"}
	d.first = place("dom-kasa", bed)
	d.second = place("dom-kasa", bed+1)
	d.other = place("dom-drugi", resident("dom-drugi", "03001016"))
	return d
}

func (d cashDesk) record(t *testing.T, placement int64, kind institutions.EntryKind, amount string, at time.Time) (store.CashRecorded, error) {
	t.Helper()
	return d.db.RecordCashEntry(context.Background(), "dom-kasa", placement,
		institutions.EntryInput{Kind: kind, Amount: dec(amount), Purpose: "svrha"}, d.cashier, at)
}

func (d cashDesk) mustRecord(t *testing.T, placement int64, kind institutions.EntryKind, amount string, at time.Time) store.CashEntry {
	t.Helper()
	r, err := d.record(t, placement, kind, amount, at)
	if err != nil || r.Entry == nil {
		t.Fatalf("record %s %s: %+v %v", kind, amount, r, err)
	}
	return *r.Entry
}

func balanceOf(t *testing.T, db *store.DB, inst string, placement int64) decimal.Decimal {
	t.Helper()
	a, err := db.CashAccountOf(context.Background(), inst, placement)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

// TestCashDeskEntriesAndOverdraw: income and withdrawals with their
// receipts, a withdrawal that overdraws refused naming the balance and
// leaving nothing, bad input listed, another institution's resident not
// found, entries append-only.
func TestCashDeskEntriesAndOverdraw(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	d := newCashDesk(t, db)
	e := d.mustRecord(t, d.first, institutions.EntryPension, "50.00", d.day)
	if e.Receipt != "R-2026-000001" || !e.BalanceAfter.Equal(dec("50")) || e.RecordedBy != d.cashier {
		t.Fatalf("first entry: %+v", e)
	}
	_, err := d.record(t, d.first, institutions.EntryWithdrawal, "60", d.day)
	if domain.ErrorCode(err) != domain.CodeConflict || domain.ErrorMessage(err) != "a withdrawal of 60.00 EUR overdraws the account: its balance is 50.00 EUR" {
		t.Fatalf("overdraw: %v", err)
	}
	e = d.mustRecord(t, d.first, institutions.EntryPocketMoney, "20.50", d.day)
	if e.Receipt != "R-2026-000002" || !e.BalanceAfter.Equal(dec("29.5")) {
		t.Fatalf("after pocket money: %+v (the refused withdrawal took a receipt number?)", e)
	}
	_, err = db.RecordCashEntry(ctx, "dom-kasa", d.first, institutions.EntryInput{Kind: "gift", Amount: dec("-1.005")}, d.cashier, d.day)
	var de *domain.Error
	if domain.ErrorCode(err) != domain.CodeInvalid || !asDomain(err, &de) || len(de.Fields) != 2 {
		t.Fatalf("bad input: %v; want two fields", err)
	}
	if _, err := db.RecordCashEntry(ctx, "dom-kasa", d.first, institutions.EntryInput{Kind: institutions.EntryWithdrawal, Amount: dec("1")}, d.cashier, d.day); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("a withdrawal without purpose: %v", err)
	}
	if _, err := d.record(t, d.other, institutions.EntryFamily, "10", d.day); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("another institution's resident: %v; want not found", err)
	}
	if _, err := db.CashEntryByID(ctx, "dom-drugi", e.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("an entry read by another institution: %v", err)
	}
	list, err := db.CashEntries(ctx, "dom-kasa", d.first)
	if err != nil || len(list) != 2 {
		t.Fatalf("entries: %+v %v", list, err)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE cash_entries SET amount = 1 WHERE id = $1`, e.ID); err == nil {
		t.Fatal("an entry was changed")
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE cash_accounts SET balance = -1 WHERE placement_id = $1`, d.first); err == nil {
		t.Fatal("a balance went below zero")
	}
}

func asDomain(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

// TestCashDeskReceiptsGaplessUnderConcurrency records entries from many
// goroutines at once, some overdrawing: the receipts of those recorded are
// 1..n without a gap or a repeat and the balance is their sum.
func TestCashDeskReceiptsGaplessUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	d := newCashDesk(t, db)
	d.mustRecord(t, d.second, institutions.EntryFamily, "30", d.day)
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kind, placement := institutions.EntryFamily, d.first
			if i%3 == 0 {
				kind, placement = institutions.EntryPocketMoney, d.second // 8 × 5 EUR from 30: two refused
			}
			amount := "5"
			if kind == institutions.EntryFamily {
				amount = "1.25"
			}
			if _, err := d.record(t, placement, kind, amount, d.day); err != nil && domain.ErrorCode(err) != domain.CodeConflict {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var n, maxSeq, distinct int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*), max(receipt_seq), count(DISTINCT receipt) FROM cash_entries WHERE institution_id = 'dom-kasa'`).
		Scan(&n, &maxSeq, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != 1+16+6 || maxSeq != n || distinct != n {
		t.Fatalf("entries %d, last receipt %d, distinct %d; want 23 numbered 1..23", n, maxSeq, distinct)
	}
	if b := balanceOf(t, db, "dom-kasa", d.second); !b.IsZero() {
		t.Errorf("second's balance %s; want 0", b)
	}
	if b := balanceOf(t, db, "dom-kasa", d.first); !b.Equal(dec("20")) {
		t.Errorf("first's balance %s; want 20", b)
	}
}

// TestCashDeskFourEyes: a withdrawal above the limit waits, moving no
// money; the cashier who asked may not approve it; the director's approval
// moves it with a receipt; decided once; an approval the balance no longer
// covers is refused and the withdrawal stays pending; a refusal.
func TestCashDeskFourEyes(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	d := newCashDesk(t, db)
	d.mustRecord(t, d.first, institutions.EntryPension, "400", d.day)
	r, err := d.record(t, d.first, institutions.EntryWithdrawal, "150", d.day)
	if err != nil || r.Withdrawal == nil || r.Entry != nil || r.Withdrawal.State != store.WithdrawalPending {
		t.Fatalf("above the limit: %+v %v", r, err)
	}
	if _, err := d.record(t, d.first, institutions.EntryWithdrawal, "401", d.day); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("a withdrawal above the limit that overdraws: %v", err)
	}
	if b := balanceOf(t, db, "dom-kasa", d.first); !b.Equal(dec("400")) {
		t.Fatalf("a pending withdrawal moved money: %s", b)
	}
	id := r.Withdrawal.ID
	if _, err := db.DecideCashWithdrawal(ctx, "dom-kasa", id, true, "", d.cashier, d.day); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("the cashier approves their own: %v", err)
	}
	if _, err := db.DecideCashWithdrawal(ctx, "dom-drugi", id, true, "", d.director, d.day); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("another institution's director: %v", err)
	}
	w, err := db.DecideCashWithdrawal(ctx, "dom-kasa", id, true, "", d.director, d.day)
	if err != nil || w.State != store.WithdrawalApproved || w.EntryID == nil {
		t.Fatalf("approve: %+v %v", w, err)
	}
	e, _ := db.CashEntryByID(ctx, "dom-kasa", *w.EntryID)
	if e.ApprovedBy != d.director || e.RecordedBy != d.cashier || !e.BalanceAfter.Equal(dec("250")) {
		t.Fatalf("the approved entry: %+v", e)
	}
	if _, err := db.DecideCashWithdrawal(ctx, "dom-kasa", id, false, "", d.director, d.day); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("decided twice: %v", err)
	}
	a, _ := d.record(t, d.first, institutions.EntryWithdrawal, "200", d.day)
	b, _ := d.record(t, d.first, institutions.EntryWithdrawal, "200", d.day)
	if _, err := db.DecideCashWithdrawal(ctx, "dom-kasa", a.Withdrawal.ID, true, "", d.director, d.day); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideCashWithdrawal(ctx, "dom-kasa", b.Withdrawal.ID, true, "", d.director, d.day); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("an approval that overdraws: %v", err)
	}
	w, err = db.DecideCashWithdrawal(ctx, "dom-kasa", b.Withdrawal.ID, false, "nema pokrića", d.director, d.day)
	if err != nil || w.State != store.WithdrawalRejected || w.EntryID != nil {
		t.Fatalf("reject: %+v %v", w, err)
	}
	if pending, _ := db.CashWithdrawals(ctx, "dom-kasa", store.WithdrawalPending); len(pending) != 0 {
		t.Errorf("pending left: %+v", pending)
	}
}

// TestCashDeskCopayments charges a month's co-payment: once per resident
// and month, what the balance covers charged and the rest owed; a
// resident with no co-payment set is not charged.
func TestCashDeskCopayments(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	d := newCashDesk(t, db)
	if _, err := db.Pool().Exec(ctx, `UPDATE placements SET copayment = 80, resident_share = 80 WHERE id = $1`, d.first); err != nil {
		t.Fatal(err)
	}
	d.mustRecord(t, d.first, institutions.EntryPension, "30", d.day)
	month := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if _, err := db.ChargeCopayments(ctx, "dom-kasa", month.AddDate(0, 1, 0), d.cashier, d.day); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("a month not begun: %v", err)
	}
	for i := range 2 {
		lines, err := db.ChargeCopayments(ctx, "dom-kasa", month, d.cashier, d.day)
		if err != nil || len(lines) != 2 {
			t.Fatalf("charge: %+v %v", lines, err)
		}
		byID := map[int64]store.CopaymentLine{lines[0].PlacementID: lines[0], lines[1].PlacementID: lines[1]}
		f, s := byID[d.first], byID[d.second]
		want := store.CopaymentCharged
		if i == 1 {
			want = store.CopaymentAlready
		}
		if f.Status != want || !f.Charged.Equal(dec("30")) || !f.Owed.Equal(dec("50")) || f.Receipt == "" {
			t.Errorf("charge %d, first: %+v", i, f)
		}
		if s.Status != store.CopaymentNone {
			t.Errorf("charge %d, second (no co-payment set): %+v", i, s)
		}
	}
	a, _ := db.CashAccountOf(ctx, "dom-kasa", d.first)
	if !a.Balance.IsZero() || !a.Owed.Equal(dec("50")) {
		t.Fatalf("after the charge: %+v", a)
	}
	st, err := db.CashStatementOf(ctx, "dom-kasa", d.first, month)
	if err != nil || !st.Opening.IsZero() || !st.Closing.IsZero() || len(st.Entries) != 2 || !st.In.Equal(dec("30")) || !st.Out.Equal(dec("30")) {
		t.Fatalf("statement: %+v %v", st, err)
	}
	st, _ = db.CashStatementOf(ctx, "dom-kasa", d.first, month.AddDate(0, 1, 0))
	if len(st.Entries) != 0 || !st.Opening.IsZero() {
		t.Errorf("next month's statement: %+v", st)
	}
}

// TestCashDeskClosingBalances closes days: the expected cash is the
// opening (the last count) plus the ins less the outs; a difference needs
// its explanation; a closed day takes no more entries and is closed once.
func TestCashDeskClosingBalances(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	d := newCashDesk(t, db)
	d.mustRecord(t, d.first, institutions.EntryPension, "300", d.day)
	d.mustRecord(t, d.second, institutions.EntryFamily, "40", d.day)
	d.mustRecord(t, d.first, institutions.EntryPocketMoney, "25", d.day)
	if _, err := db.CloseCashDay(ctx, "dom-kasa", d.day, dec("310"), " ", d.cashier, d.day); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("a difference unexplained: %v", err)
	}
	if _, err := db.CloseCashDay(ctx, "dom-kasa", d.day.AddDate(0, 0, 1), dec("315"), "", d.cashier, d.day); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("tomorrow closed: %v", err)
	}
	c, err := db.CloseCashDay(ctx, "dom-kasa", d.day, dec("315"), "", d.cashier, d.day)
	if err != nil || !c.Expected().Equal(dec("315")) || !c.Difference().IsZero() || c.Entries != 3 || !c.Ins.Equal(dec("340")) || !c.Outs.Equal(dec("25")) {
		t.Fatalf("close: %+v %v", c, err)
	}
	if _, err := db.CloseCashDay(ctx, "dom-kasa", d.day, dec("315"), "", d.cashier, d.day); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("closed twice: %v", err)
	}
	if _, err := d.record(t, d.first, institutions.EntryFamily, "1", d.day.Add(time.Hour)); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("an entry on a closed day: %v", err)
	}
	next := d.day.AddDate(0, 0, 1)
	d.mustRecord(t, d.first, institutions.EntryWithdrawal, "15", next)
	c, err = db.CloseCashDay(ctx, "dom-kasa", next, dec("299"), "kovanica od 1 EUR nedostaje", d.cashier, next)
	if err != nil || !c.Opening.Equal(dec("315")) || !c.Expected().Equal(dec("300")) || !c.Difference().Equal(dec("-1")) {
		t.Fatalf("next day: %+v %v", c, err)
	}
	if list, _ := db.CashClosings(ctx, "dom-kasa"); len(list) != 2 || !list[0].Day.Equal(domain.CalendarDay(next)) {
		t.Errorf("closings: %+v", list)
	}
	// A day left open: the next closing's opening carries its ins and outs.
	d.mustRecord(t, d.second, institutions.EntryFamily, "50", next.AddDate(0, 0, 1))
	later := next.AddDate(0, 0, 2)
	d.mustRecord(t, d.first, institutions.EntryPocketMoney, "10", later)
	c, err = db.CloseCashDay(ctx, "dom-kasa", later, dec("339"), "", d.cashier, later)
	if err != nil || !c.Opening.Equal(dec("349")) || !c.Expected().Equal(dec("339")) || !c.Difference().IsZero() {
		t.Fatalf("after a day left open: %+v %v", c, err)
	}
}
