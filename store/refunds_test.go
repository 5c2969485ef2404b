package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

var demoEmployer = store.Employer{PIB: "02655284", Name: "Demo d.o.o.", IBAN: "ME25505000012345678951", CentreID: "csr-podgorica"}

func rday(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func leaveOf(employee, child int, kind, first, last string) store.RefundLeave {
	e, _ := domain.MakeJMBG(time.Date(1992, 4, 4, 0, 0, 0, 0, time.UTC), 21, 500+employee)
	c, _ := domain.MakeJMBG(time.Date(2026, 8, 12, 0, 0, 0, 0, time.UTC), 21, child)
	return store.RefundLeave{Benefit: "RNZ", Kind: kind, EmployeeJMBG: e, ChildJMBG: c, FirstDay: rday(first), LastDay: rday(last),
		PayeeIBAN: demoEmployer.IBAN, FiledBy: "employer-02655284", FiledAt: rday("2026-11-02")}
}

func code(err error) string { return domain.ErrorCode(err) }

func field(err error) string {
	if e, ok := err.(*domain.Error); ok {
		return e.Field
	}
	return ""
}

func TestRefundLeavesAndClaims(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	l, err := db.FileRefundLeave(ctx, demoEmployer, leaveOf(1, 1, "maternity", "2026-07-15", "2026-10-20"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Number != "RN-2026-000001" || l.State != "assessing" || l.EmployerName != "Demo d.o.o." || l.CentreID != "csr-podgorica" {
		t.Fatalf("leave = %+v", l)
	}
	// The same employee, days shared: refused, naming the leave (the same employer's).
	_, err = db.FileRefundLeave(ctx, demoEmployer, leaveOf(1, 2, "parental", "2026-10-20", "2026-12-31"))
	if code(err) != domain.CodeConflict || field(err) != "first_day" || !strings.Contains(err.Error(), l.Number) {
		t.Errorf("overlapping leave: %v; want a conflict on first_day naming %s", err, l.Number)
	}
	// Another employer's leave of the employee: refused without its number.
	other := store.Employer{PIB: "02000008", Name: "Druga d.o.o.", IBAN: "ME25505000012345678951", CentreID: "csr-niksic"}
	_, err = db.FileRefundLeave(ctx, other, leaveOf(1, 2, "parental", "2026-09-01", "2026-12-31"))
	if code(err) != domain.CodeConflict || strings.Contains(err.Error(), l.Number) {
		t.Errorf("another employer's overlapping leave: %v", err)
	}
	// A second maternity leave of the child; a parental leave of another parent sharing days.
	if _, err = db.FileRefundLeave(ctx, demoEmployer, leaveOf(2, 1, "maternity", "2026-07-15", "2026-10-20")); field(err) != "child_jmbg" {
		t.Errorf("second maternity leave of the child: %v", err)
	}
	p, err := db.FileRefundLeave(ctx, demoEmployer, leaveOf(2, 1, "parental", "2026-10-21", "2027-01-31"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err = db.FileRefundLeave(ctx, demoEmployer, leaveOf(3, 1, "parental_transfer", "2027-01-15", "2027-03-31")); field(err) != "child_jmbg" {
		t.Errorf("two parents' parental leaves at once: %v", err)
	}
	if _, err = db.FileRefundLeave(ctx, demoEmployer, leaveOf(3, 1, "parental_transfer", "2027-02-01", "2027-03-31")); err != nil {
		t.Errorf("the other parent after the first: %v", err)
	}

	// Claims: inside the leave, once a month.
	claim := func(month, paid string) (store.RefundClaim, error) {
		return db.FileRefundClaim(ctx, store.RefundClaim{LeaveNumber: l.Number, Month: rday(month + "-01"), SalaryPaid: decimal.RequireFromString(paid),
			StatementKey: "refunds/x", StatementSHA256: "ab", StatementType: "application/pdf", StatementSize: 3, FiledBy: "employer-02655284", FiledAt: time.Now()})
	}
	if c, err := claim("2026-07", "680.00"); err != nil || c.State != "filed" {
		t.Fatalf("claim July = %+v, %v", c, err)
	}
	if _, err := claim("2026-07", "680.00"); code(err) != domain.CodeConflict || field(err) != "month" {
		t.Errorf("July again: %v; want a conflict on month", err)
	}
	if _, err := claim("2026-06", "680.00"); code(err) != domain.CodeInvalid || field(err) != "month" {
		t.Errorf("June, before the leave: %v; want invalid month", err)
	}
	if _, err := claim("2026-11", "680.00"); field(err) != "month" {
		t.Errorf("November, after the leave: %v", err)
	}
	if _, err := claim("2026-09", "1240.00"); err != nil {
		t.Fatal(err)
	}
	// An early end after a claimed month is refused when the employer reports it...
	if _, err := db.EndRefundLeave(ctx, l.Number, rday("2026-08-20"), "return_to_work", true); code(err) != domain.CodeConflict || field(err) != "last_day" {
		t.Errorf("an end before a claimed month: %v", err)
	}
	// ...and the register's death ends it anyway; the same end again changes nothing, a later one is refused.
	if e, err := db.EndRefundLeave(ctx, l.Number, rday("2026-08-20"), "child_death", false); err != nil || !e.End().Equal(rday("2026-08-20")) {
		t.Fatalf("end = %+v, %v", e, err)
	}
	if _, err := db.EndRefundLeave(ctx, l.Number, rday("2026-08-20"), "child_death", false); err != nil {
		t.Errorf("the same end again: %v", err)
	}
	if _, err := db.EndRefundLeave(ctx, l.Number, rday("2026-09-20"), "return_to_work", true); code(err) != domain.CodeConflict {
		t.Errorf("a later end: %v", err)
	}
	if _, err := claim("2026-10", "680.00"); field(err) != "month" {
		t.Errorf("a month after the end: %v", err)
	}
	// The workflow could not be told: the claim is taken back.
	if err := db.DeleteRefundClaim(ctx, l.Number, rday("2026-09-01")); err != nil {
		t.Fatal(err)
	}
	if cs, _ := db.RefundClaimsOf(ctx, l.Number); len(cs) != 1 {
		t.Errorf("claims after the delete: %d", len(cs))
	}
	// Lists are an employer's or a centre's.
	if ls, err := db.RefundLeaves(ctx, store.RefundLeaveFilter{EmployerPIB: demoEmployer.PIB}); err != nil || len(ls) != 3 {
		t.Errorf("the employer's leaves = %d, %v", len(ls), err)
	}
	if ls, _ := db.RefundLeaves(ctx, store.RefundLeaveFilter{EmployerPIB: other.PIB}); len(ls) != 0 {
		t.Errorf("the other employer sees %d leaves", len(ls))
	}
	if _, err := db.RefundLeaves(ctx, store.RefundLeaveFilter{}); err == nil {
		t.Error("every leave listed")
	}
	// A rejected leave takes no claims.
	if err := db.SetRefundLeaveState(ctx, p.Number, "rejected", "insurance"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FileRefundClaim(ctx, store.RefundClaim{LeaveNumber: p.Number, Month: rday("2026-11-01"), SalaryPaid: decimal.NewFromInt(1),
		StatementKey: "k", StatementSHA256: "s", StatementType: "application/pdf", FiledBy: "x", FiledAt: time.Now()}); code(err) != domain.CodeConflict {
		t.Errorf("a claim of a rejected leave: %v", err)
	}
}

// TestRefundLeavesFiledAtOnce: two filings of overlapping leaves for one
// employee at the same time record one.
func TestRefundLeavesFiledAtOnce(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.FileRefundLeave(ctx, demoEmployer, leaveOf(5, 10+i, "parental", "2026-09-01", "2026-12-31"))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if code(err) != domain.CodeConflict {
			t.Errorf("filing: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of 4 overlapping filings recorded; want 1", ok)
	}
}

func TestRefundDecisionsAndPayments(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	l, err := db.FileRefundLeave(ctx, demoEmployer, leaveOf(1, 1, "maternity", "2026-07-15", "2026-10-20"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"2026-07", "2026-08", "2026-09"} {
		if _, err := db.FileRefundClaim(ctx, store.RefundClaim{LeaveNumber: l.Number, Month: rday(m + "-01"), SalaryPaid: decimal.NewFromInt(1000),
			StatementKey: "k", StatementSHA256: "s", StatementType: "application/pdf", FiledBy: "x", FiledAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	at := rday("2026-11-03")
	issue := func(month, kind, amount string) store.RefundDecision {
		t.Helper()
		m := rday(month + "-01")
		d, err := db.IssueRefundDecision(ctx, store.RefundDecision{LeaveNumber: l.Number, Month: &m, CentreID: l.CentreID, Kind: kind,
			Amount: decimal.RequireFromString(amount), PreparedBy: "system", ApprovedBy: "system", IssuedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	july := issue("2026-07", "grant", "476.00")
	if again := issue("2026-07", "grant", "999.00"); again.ID != july.ID || !again.Amount.Equal(decimal.RequireFromString("476.00")) {
		t.Errorf("issued again: %+v; want the first", again)
	}
	if !strings.HasPrefix(july.Number, "csr-podgorica/2026/") {
		t.Errorf("number %s: want the centre's counter", july.Number)
	}
	issue("2026-08", "grant", "868.00")
	issue("2026-09", "rejection", "0")
	if c, _ := db.RefundClaimByMonth(ctx, l.Number, rday("2026-07-01")); c.State != "decided" {
		t.Errorf("July's claim is %s; want decided", c.State)
	}
	// A payroll for August pays July and August (September's refund is nothing).
	for _, p := range []string{"payroll/2026-08", "payroll/2026-09"} {
		if err := db.EnsurePayroll(ctx, p, rday(p[8:]+"-01")); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(decision string, month time.Time, attempt int) string {
		return "F" + month.Format("200601") + strings.ReplaceAll(decision, "-", "")[:20] + string(rune('0'+attempt))
	}
	n, total, err := db.PrepareRefundPayments(ctx, "payroll/2026-08", rday("2026-08-31"), "ME25505000000000000001", ids)
	if err != nil || n != 2 || !total.Equal(decimal.RequireFromString("1344.00")) {
		t.Fatalf("payments = %d %s %v; want 2, 1344.00", n, total, err)
	}
	if n, _, _ := db.PrepareRefundPayments(ctx, "payroll/2026-08", rday("2026-08-31"), "x", ids); n != 2 {
		t.Errorf("prepared again: %d payments; want the same 2", n)
	}
	// The next payroll pays nothing again; once the bank rejects July, it pays July again, once.
	if n, _, _ := db.PrepareRefundPayments(ctx, "payroll/2026-09", rday("2026-09-30"), "x", ids); n != 0 {
		t.Errorf("a later payroll pays %d again", n)
	}
	ps, _ := db.RefundPaymentsOf(ctx, "payroll/2026-08", "prepared")
	if len(ps) != 2 || ps[0].PayeeName != "Demo d.o.o." || ps[0].PayeeIBAN != demoEmployer.IBAN {
		t.Fatalf("payments = %+v", ps)
	}
	counts, err := db.ApplyBankAnswer(ctx, "payroll/2026-08", domain.BankAnswer{Statuses: []domain.BankStatus{
		{EndToEndID: ps[0].EndToEndID, Accepted: false, Reason: "AC01"}, {EndToEndID: ps[1].EndToEndID, Accepted: true}}, Booked: []string{ps[1].EndToEndID}})
	if err != nil || counts["rejected"] != 1 || counts["paid"] != 1 {
		t.Fatalf("bank answer = %v, %v", counts, err)
	}
	if n, _, _ := db.PrepareRefundPayments(ctx, "payroll/2026-09", rday("2026-09-30"), "x", ids); n != 1 {
		t.Errorf("the rejected month: %d payments in the next payroll; want 1", n)
	}
	all, _ := db.RefundPaymentsOfLeave(ctx, l.Number)
	if len(all) != 3 || all[1].EndToEndID == all[0].EndToEndID {
		t.Errorf("the leave's payments = %+v", all)
	}
	if _, err := db.ApplyBankAnswer(ctx, "payroll/2026-08", domain.BankAnswer{Booked: []string{"NOBODY"}}); err == nil {
		t.Error("an unknown end-to-end id was taken")
	}
}
