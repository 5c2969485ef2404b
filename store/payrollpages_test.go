package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestPayrollMonthsFilesAndChangePages (issue 17 item 5): the payrolls are
// listed latest month first with their files' transfers and totals (none
// before their files are written); a payment file is found by its name
// (another's is not found); the changes against the month before come a
// page at a time, of one kind or all, with the counts of every kind
// whatever the page.
func TestPayrollMonthsFilesAndChangePages(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	sep, oct := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 7 {
		p := mustPerson(t, db, mustJMBG(t, 700+i))
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
	for _, p := range []struct {
		id     string
		period time.Time
	}{{"payroll/2026-09", sep}, {"payroll/2026-10", oct}} {
		if err := db.EnsurePayroll(ctx, p.id, p.period); err != nil {
			t.Fatal(err)
		}
	}
	pay := func(payroll string, period time.Time, i int, amount string) store.Payment {
		return store.Payment{PayrollID: payroll, EntitlementID: ids[i], Period: period, Amount: decimal.RequireFromString(amount), Channel: "bank",
			PayeeName: fmt.Sprintf("Payee %d", i), Benefit: "MO", Municipality: "ME-16", EndToEndID: fmt.Sprintf("E%s%d", payroll[8:], i), State: "prepared",
			Kind: "regular"}
	}
	// September pays 0-4; October pays 0 the same, 1 and 2 more, 5 and 6
	// new, and no longer 3 and 4: 2 changed, 2 new, 2 stopped.
	ps := []store.Payment{pay("payroll/2026-09", sep, 0, "100"), pay("payroll/2026-09", sep, 1, "100"), pay("payroll/2026-09", sep, 2, "100"),
		pay("payroll/2026-09", sep, 3, "100"), pay("payroll/2026-09", sep, 4, "100"),
		pay("payroll/2026-10", oct, 0, "100"), pay("payroll/2026-10", oct, 1, "120"), pay("payroll/2026-10", oct, 2, "90"),
		pay("payroll/2026-10", oct, 5, "100"), pay("payroll/2026-10", oct, 6, "100")}
	if _, err := db.InsertPayments(ctx, ps); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.PaymentFile{
		{PayrollID: "payroll/2026-10", Name: "pain001-2026-10-1.xml", Kind: "pain.001", ObjectKey: "payrolls/2026-10/a", SHA256: "aa", Transfers: 3, Total: decimal.RequireFromString("310")},
		{PayrollID: "payroll/2026-10", Name: "post-2026-10.csv", Kind: "post.csv", ObjectKey: "payrolls/2026-10/b", SHA256: "bb", Transfers: 2, Total: decimal.RequireFromString("200")},
	} {
		if err := db.SavePaymentFile(ctx, f); err != nil {
			t.Fatal(err)
		}
	}

	list, err := db.Payrolls(ctx, 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("payrolls = %+v, %v; want two", list, err)
	}
	if got := fmt.Sprintf("%s %d %d %s | %s %d %d %s", list[0].ID, list[0].Files, list[0].Transfers, list[0].Total.StringFixed(2),
		list[1].ID, list[1].Files, list[1].Transfers, list[1].Total.StringFixed(2)); got != "payroll/2026-10 2 5 510.00 | payroll/2026-09 0 0 0.00" {
		t.Errorf("payrolls = %s; want October first with its two files (5 transfers, 510.00), September without files", got)
	}
	if list, _ := db.Payrolls(ctx, 1); len(list) != 1 || list[0].ID != "payroll/2026-10" {
		t.Errorf("the latest payroll only = %+v", list)
	}

	f, err := db.PaymentFileByName(ctx, "payroll/2026-10", "post-2026-10.csv")
	if err != nil || f.Kind != "post.csv" || f.ObjectKey != "payrolls/2026-10/b" || f.SHA256 != "bb" {
		t.Errorf("the Post's file = %+v, %v", f, err)
	}
	var de *domain.Error
	if _, err := db.PaymentFileByName(ctx, "payroll/2026-09", "post-2026-10.csv"); !errors.As(err, &de) || de.Code != domain.CodeNotFound {
		t.Errorf("October's file asked of September = %v; want not found", err)
	}

	page := func(kind string, limit, offset int) string {
		t.Helper()
		ch, counts, err := db.PayrollChangesPage(ctx, store.PayrollChangeFilter{Payroll: "payroll/2026-10", Period: oct, PreviousPayroll: "payroll/2026-09",
			Previous: sep, Kind: kind, Limit: limit, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		if counts["new"] != 2 || counts["stopped"] != 2 || counts["changed"] != 2 {
			t.Errorf("counts of %q from %d = %v; want 2 of each whatever the page", kind, offset, counts)
		}
		s := ""
		for _, c := range ch {
			s += fmt.Sprintf("%s:%s:%s>%s ", c.Kind, c.Payee, c.Before.StringFixed(0), c.Now.StringFixed(0))
		}
		return s
	}
	for _, tt := range []struct {
		kind          string
		limit, offset int
		want          string
	}{
		{"", 50, 0, "changed:Payee 1:100>120 changed:Payee 2:100>90 new:Payee 5:0>100 new:Payee 6:0>100 stopped:Payee 3:100>0 stopped:Payee 4:100>0 "},
		{"", 4, 0, "changed:Payee 1:100>120 changed:Payee 2:100>90 new:Payee 5:0>100 new:Payee 6:0>100 "},
		{"", 4, 4, "stopped:Payee 3:100>0 stopped:Payee 4:100>0 "},
		{"new", 50, 0, "new:Payee 5:0>100 new:Payee 6:0>100 "},
		{"stopped", 1, 1, "stopped:Payee 4:100>0 "},
		{"changed", 50, 5, ""},
	} {
		if got := page(tt.kind, tt.limit, tt.offset); got != tt.want {
			t.Errorf("changes %q limit %d from %d = %q; want %q", tt.kind, tt.limit, tt.offset, got, tt.want)
		}
	}
}

// TestOpenDVCasesOf: the open domestic-violence cases of a centre in which
// any of the persons takes part, with their part; not a closed one, not
// an ordinary case, not another centre's.
func TestOpenDVCasesOf(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	victim, child, other := mustPerson(t, db, mustJMBG(t, 810)), mustPerson(t, db, mustJMBG(t, 811)), mustPerson(t, db, mustJMBG(t, 812))
	record := func(centre, status string, dv bool, persons ...store.CasePerson) string {
		t.Helper()
		number, err := db.NextCaseNumber(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: "P37", Version: 1, CentreID: centre,
			Status: status, Stage: "intake", OpenedBy: "dragana.dv", OpenedAt: time.Now(), DV: dv, Persons: persons}}); err != nil {
			t.Fatal(err)
		}
		return number
	}
	both := record("csr-podgorica", "open", true, store.CasePerson{PersonID: victim.ID, Role: "beneficiary"}, store.CasePerson{PersonID: child.ID, Role: "family"})
	record("csr-podgorica", "closed", true, store.CasePerson{PersonID: victim.ID, Role: "beneficiary"})
	record("csr-podgorica", "open", false, store.CasePerson{PersonID: victim.ID, Role: "beneficiary"})
	record("csr-niksic", "open", true, store.CasePerson{PersonID: victim.ID, Role: "beneficiary"})
	record("csr-podgorica", "open", true, store.CasePerson{PersonID: other.ID, Role: "beneficiary"})
	got, err := db.OpenDVCasesOf(ctx, "csr-podgorica", []domain.PersonID{victim.ID, child.ID})
	if err != nil {
		t.Fatal(err)
	}
	s := ""
	for _, o := range got {
		s += fmt.Sprintf("%s/%s/%s ", o.Number, o.Procedure, o.Role)
	}
	if want := both + "/P37/beneficiary " + both + "/P37/family "; s != want {
		t.Errorf("open DV cases = %q; want %q", s, want)
	}
	if got, err := db.OpenDVCasesOf(ctx, "csr-podgorica", nil); err != nil || len(got) != 0 {
		t.Errorf("no persons = %v, %v; want none", got, err)
	}
}
