package activities_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/refunds"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// refundPop is large enough to hold employees of the demo employer at every rate.
var refundPop = sim.NewPopulation(600)

func rd(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// demoEmployee is a woman the demo employer employs whose insurance, at
// start, gives the rate want.
func demoEmployee(t *testing.T, start time.Time, want int) sim.Member {
	t.Helper()
	for i := 0; i < refundPop.Size(); i++ {
		for _, m := range refundPop.Household(i).Members {
			if m.EmployerPIB != sim.DemoEmployerPIB || m.Sex != domain.SexFemale {
				continue
			}
			var ps []refunds.InsurancePeriod
			for _, p := range sim.InsuredPeriods(m) {
				ip := refunds.InsurancePeriod{EmployerPIB: p.EmployerPIB, From: rd(p.From)}
				if p.To != "" {
					to := rd(p.To)
					ip.To = &to
				}
				ps = append(ps, ip)
			}
			if since, ok := refunds.ContinuousSince(ps, start); ok && refunds.Rate(refunds.FullMonths(since, start)) == want {
				return m
			}
		}
	}
	t.Fatalf("no employee of the demo employer at %d%% on %s", want, start.Format(time.DateOnly))
	return sim.Member{}
}

// TestRefundActivitiesToThePayroll takes a maternity leave through its
// activities against the simulated registries, PostgreSQL and MinIO: the
// assessment (M4, IOPPD, the birth), a month by rule, one with a
// discrepancy, the decisions' PDFs, the child's death ending the leave,
// and the payroll paying the refunds in a batch of their own.
func TestRefundActivitiesToThePayroll(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	s := sim.NewServer(refundPop, sim.Faults{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	a := &activities.Activities{DB: db, Objects: startObjects(t), Now: time.Now,
		Registry: &xroad.Client{BaseURL: ts.URL, ClientID: "ME/GOV/MRSS/karton", HTTP: &http.Client{Timeout: 2 * time.Second}}}
	first, last := rd("2026-07-01"), rd("2026-10-06")
	emp := demoEmployee(t, first, 70)
	child, _ := domain.MakeJMBG(rd("2026-07-29"), 21, 17)
	l, err := db.FileRefundLeave(ctx, store.Employer{PIB: sim.DemoEmployerPIB, Name: "Demo d.o.o.", IBAN: "ME25510000000265528422", CentreID: "csr-podgorica"},
		store.RefundLeave{Benefit: "RNZ", Kind: "maternity", EmployeeJMBG: emp.JMBG, ChildJMBG: child, FirstDay: first, LastDay: last,
			PayeeIBAN: "ME25510000000265528422", FiledBy: "employer-02655284", FiledAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	as, err := a.AssessRefundLeave(ctx, activities.AssessRefundLeaveInput{Leave: l.Number})
	if err != nil || as.Rate != 70 || as.Refused || as.CentreID != "csr-podgorica" {
		t.Fatalf("assessment = %+v, %v; want 70%%", as, err)
	}
	l, _ = db.RefundLeaveByNumber(ctx, l.Number)
	if l.State != "active" || l.BaseGross.Decimal.IsZero() || len(l.Evidence) == 0 || !strings.Contains(string(l.Evidence), "pension_m4") {
		t.Fatalf("leave after the assessment = %+v", l)
	}
	s.IssueSickLeave(emp.JMBG, domain.SickLeaveCertificate{From: "2026-07-01", To: "2026-08-25", Reason: "maternity"})
	claim := func(month string, paid decimal.Decimal) {
		t.Helper()
		if _, err := db.FileRefundClaim(ctx, store.RefundClaim{LeaveNumber: l.Number, Month: rd(month + "-01"), SalaryPaid: paid, StatementKey: "k",
			StatementSHA256: "s", StatementType: "application/pdf", StatementSize: 1, FiledBy: "employer-02655284", FiledAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// July: whole, certified, paid as calculated.
	claim("2026-07", l.BaseGross.Decimal)
	july, err := a.AssessRefundMonth(ctx, activities.AssessRefundMonthInput{Leave: l.Number, Month: "2026-07"})
	want := l.BaseGross.Decimal.Mul(decimal.NewFromInt(70)).Div(decimal.NewFromInt(100)).Round(2)
	if err != nil || july.Discrepancies != 0 || july.Days != 31 || !july.Refund.Equal(want) {
		t.Fatalf("July = %+v, %v; want %s and no discrepancy", july, err, want)
	}
	// August: the certificate stops on the 25th.
	claim("2026-08", l.BaseGross.Decimal)
	aug, err := a.AssessRefundMonth(ctx, activities.AssessRefundMonthInput{Leave: l.Number, Month: "2026-08"})
	if err != nil || aug.Discrepancies != 1 {
		t.Fatalf("August = %+v, %v; want one discrepancy", aug, err)
	}
	c, _ := db.RefundClaimByMonth(ctx, l.Number, rd("2026-08-01"))
	if c.CertifiedDays == nil || *c.CertifiedDays != 25 || !strings.Contains(string(c.Discrepancies), "diff.uncertified") {
		t.Errorf("August's calculation = %+v", c)
	}
	d, err := a.DecideRefund(ctx, activities.DecideRefundInput{Leave: l.Number, Month: "2026-07", Kind: activities.RefundGrant, Amount: july.Refund,
		PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: time.Now()})
	if err != nil || d.SHA256 == "" || !strings.HasPrefix(d.Number, "csr-podgorica/") {
		t.Fatalf("decision = %+v, %v", d, err)
	}
	again, err := a.DecideRefund(ctx, activities.DecideRefundInput{Leave: l.Number, Month: "2026-07", Kind: activities.RefundGrant, Amount: july.Refund,
		PreparedBy: "ana.caseworker", ApprovedBy: "marko.supervisor", IssuedAt: time.Now()})
	if err != nil || again != d {
		t.Errorf("decided again = %+v, %v; want the same decision and document", again, err)
	}
	if _, err := a.DecideRefund(ctx, activities.DecideRefundInput{Leave: l.Number, Month: "2026-08", Kind: activities.RefundAdjusted,
		Amount: decimal.RequireFromString("100.00"), Reason: "25 dana potvrđeno", PreparedBy: "system", ApprovedBy: "ana.caseworker", IssuedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	// The child dies on 10 September: the leave ends that day, September counts 10 days.
	if _, err := s.InjectChange(sim.ChangeInjection{Kind: "death", JMBG: string(child), Date: "2026-09-10"}); err != nil {
		t.Fatal(err)
	}
	claim("2026-09", decimal.RequireFromString("100.00"))
	sep, err := a.AssessRefundMonth(ctx, activities.AssessRefundMonthInput{Leave: l.Number, Month: "2026-09"})
	if err != nil || sep.LastDay != "2026-09-10" || sep.Days != 10 {
		t.Fatalf("September after the death = %+v, %v", sep, err)
	}
	if l, _ = db.RefundLeaveByNumber(ctx, l.Number); l.EndReason != "child_death" {
		t.Errorf("the leave's end = %v %s", l.EndedOn, l.EndReason)
	}
	// The payroll of August pays July and August to the employer, in their own batch.
	in := activities.PayrollMonth{PayrollID: "payroll/2026-08", Period: "2026-08"}
	res, err := a.PreparePayroll(ctx, in)
	if err != nil || res.Refunds != 2 || res.New != 0 {
		t.Fatalf("payroll = %+v, %v; want 2 refunds", res, err)
	}
	files, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || len(files.Files) != 1 {
		t.Fatalf("files = %+v, %v; want one pain.001", files, err)
	}
	xml, err := a.Objects.Get(ctx, "payrolls/2026-08/pain001-2026-08.xml")
	if err != nil {
		t.Fatal(err)
	}
	validate(t, xml)
	msg, err := iso20022.ParsePain001(xml)
	if err != nil || len(msg.Batches) != 1 || msg.Batches[0].Debtor.IBAN != activities.RefundFundingAccount.IBAN || len(msg.Batches[0].Transfers) != 2 ||
		msg.Batches[0].Transfers[0].IBAN != "ME25510000000265528422" {
		t.Fatalf("pain.001 = %+v, %v; want the refunds' batch from their account", msg, err)
	}
	if again, _ := a.PreparePayroll(ctx, activities.PayrollMonth{PayrollID: "payroll/2026-09", Period: "2026-09"}); again.Refunds != 0 {
		t.Errorf("the next payroll pays %d refunds again", again.Refunds)
	}
	if !strings.Contains(string(xml), "Refundacija naknade zarade "+l.Number+" 2026-07") {
		t.Error("the transfer's remittance does not name the leave and the month")
	}
}

// TestRefundLeaveRefused: an employee insured under three months is
// refused, and so is a child the register does not know by that birth.
func TestRefundLeaveRefused(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	s := sim.NewServer(refundPop, sim.Faults{})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	a := &activities.Activities{DB: db, Objects: startObjects(t), Now: time.Now,
		Registry: &xroad.Client{BaseURL: ts.URL, ClientID: "ME/GOV/MRSS/karton", HTTP: &http.Client{Timeout: 2 * time.Second}}}
	first := rd("2025-12-10") // two months after an employment of 2025-11-01 began
	emp := demoEmployee(t, first, 0)
	child, _ := domain.MakeJMBG(rd("2026-01-05"), 21, 17)
	l, err := db.FileRefundLeave(ctx, store.Employer{PIB: sim.DemoEmployerPIB, Name: "Demo d.o.o.", IBAN: "ME25510000000265528422", CentreID: "csr-podgorica"},
		store.RefundLeave{Benefit: "RNZ", Kind: "maternity", EmployeeJMBG: emp.JMBG, ChildJMBG: child, FirstDay: first, LastDay: first.AddDate(0, 0, 97),
			PayeeIBAN: "ME25510000000265528422", FiledBy: "employer-02655284", FiledAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	as, err := a.AssessRefundLeave(ctx, activities.AssessRefundLeaveInput{Leave: l.Number})
	if err != nil || !as.Refused || as.Rate != 0 {
		t.Fatalf("assessment = %+v, %v; want refused", as, err)
	}
	d, err := a.DecideRefund(ctx, activities.DecideRefundInput{Leave: l.Number, Kind: activities.RefundRejection, PreparedBy: "ana.caseworker",
		ApprovedBy: "marko.supervisor", IssuedAt: time.Now()})
	if err != nil || d.SHA256 == "" {
		t.Fatalf("rejection = %+v, %v", d, err)
	}
	if l, _ = db.RefundLeaveByNumber(ctx, l.Number); l.State != "rejected" || !strings.Contains(l.StateReason, "fewer than 3") {
		t.Errorf("leave = %s (%s); want rejected for its insurance", l.State, l.StateReason)
	}
}
