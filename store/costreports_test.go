package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// costFixture is a small day-care contract (2 places, EUR 12.50 a day)
// of the demo provider Sunce with persons referred to it.
type costFixture struct {
	db       *store.DB
	contract store.ServiceContract
	today    time.Time
}

func newCostFixture(t *testing.T) *costFixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if _, err := devstack.LoadDemoServices(ctx, db, today.AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateServiceContract(ctx, services.Contract{Service: "day_care_disability", CentreID: "csr-podgorica", ProviderPIB: "02655284",
		Capacity: 2, From: rday("2026-11-01"), Until: rday("2027-12-31"), Unit: services.UnitDay, Rate: decimal.RequireFromString("12.50"),
		LegalRef: "čl. 69", PayeeIBAN: string(domain.MakeIBAN("510", 990011))}, nil, "sanja.head", today.AddDate(0, -1, 0))
	if err != nil {
		t.Fatal(err)
	}
	return &costFixture{db: db, contract: c, today: today}
}

// refer records a person referred to the contract, the service started on started.
func (f *costFixture) refer(t *testing.T, serial int, started string) (int64, domain.PersonID) {
	t.Helper()
	ctx := context.Background()
	j, _ := domain.MakeJMBG(time.Date(1990, 3, 3, 0, 0, 0, 0, time.UTC), 21, 700+serial)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 1")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Jovan", FamilyName: fmt.Sprintf("Perović%c", 'A'+serial), Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = f.db.CreatePerson(ctx, p, "test"); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := f.db.Pool().QueryRow(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, state, referred_on,
		started_on, referred_by) VALUES ($1, $2, 'csr-podgorica', $3, 'day_care_disability', 'active', $4, $4, 'ana.caseworker') RETURNING id`,
		fmt.Sprintf("C-COST-%d", serial), p.ID, f.contract.ID, rday(started)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id, p.ID
}

// use records days of service (quantity 1 each) and returns their ids.
func (f *costFixture) use(t *testing.T, referral int64, days ...string) []int64 {
	t.Helper()
	var ids []int64
	for _, d := range days {
		var id int64
		if err := f.db.Pool().QueryRow(context.Background(), `INSERT INTO service_use (referral_id, day, quantity, channel, recorded_by)
			VALUES ($1, $2, 1, 'page', 'tamara.sunce') RETURNING id`, referral, rday(d)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// cancelUse corrects a record: a new record of quantity 0 supersedes it.
func (f *costFixture) cancelUse(t *testing.T, id int64) {
	t.Helper()
	if _, err := f.db.Pool().Exec(context.Background(), `INSERT INTO service_use (referral_id, day, quantity, supersedes, channel, recorded_by)
		SELECT referral_id, day, 0, id, 'page', 'tamara.sunce' FROM service_use WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
}

func costLine(referral int64, units string) services.CostLine {
	u := decimal.RequireFromString(units)
	rate := decimal.RequireFromString("12.50")
	return services.CostLine{ReferralID: referral, Units: u, Rate: rate, Amount: services.LineAmount(u, rate)}
}

func costInput(contract int64, lines ...services.CostLine) store.CostReportInput {
	m, _ := domain.ParseMonth("2026-11")
	total := decimal.Zero
	for _, l := range lines {
		total = total.Add(l.Amount)
	}
	return store.CostReportInput{ContractID: contract, Month: m, Lines: lines, Total: total, By: "tamara.sunce"}
}

func flagCodes(l store.CostReportLine) string {
	var cs []string
	for _, f := range l.Flags {
		cs = append(cs, f.Code)
	}
	return strings.Join(cs, ",")
}

// TestCostReportFlaggedCorrectedApprovedPaid takes a month's cost report
// through its life: one that does not add up is refused naming each line
// (nothing recorded); Karton flags the lines of the first version (units
// claimed above the records, a day before the referral started, a day
// after the person's death, a day over the contract's capacity); the
// provider corrects its records and submits a second version, which
// supersedes the first; one finance officer checks it, the same officer
// may not approve it (four eyes), another does; the month cannot be
// reported again; the payroll prepares its payment once, and the bank's
// booking marks the report paid.
func TestCostReportFlaggedCorrectedApprovedPaid(t *testing.T) {
	ctx := context.Background()
	f := newCostFixture(t)
	a, _ := f.refer(t, 1, "2026-11-01")
	b, _ := f.refer(t, 2, "2026-11-04")
	c, cPerson := f.refer(t, 3, "2026-11-01")
	f.use(t, a, "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06")
	bDays := f.use(t, b, "2026-11-03", "2026-11-04", "2026-11-05")
	cDays := f.use(t, c, "2026-11-05")
	if _, err := f.db.Pool().Exec(ctx, `INSERT INTO change_events (id, feed, source, jmbg, person_id, kind, occurred_on)
		SELECT 'death-cost-1', 'crps', 'crps', jmbg, id, 'death', '2026-11-04' FROM persons WHERE id = $1`, cPerson); err != nil {
		t.Fatal(err)
	}
	at := f.today.AddDate(0, 0, 1)

	// Does not add up: a wrong amount, a wrong rate, a wrong total.
	bad := costInput(f.contract.ID, costLine(a, "5"), costLine(b, "3"))
	bad.Lines[0].Amount = decimal.RequireFromString("60.00")
	bad.Lines[1].Rate = decimal.RequireFromString("13.00")
	_, err := f.db.SubmitCostReport(ctx, bad, at)
	if code(err) != domain.CodeInvalid || !strings.Contains(domain.ErrorMessage(err), "line 1 comes to EUR 62.50") ||
		!strings.Contains(domain.ErrorMessage(err), "line 2 is at EUR 13.00") || !strings.Contains(domain.ErrorMessage(err), "the total is EUR") {
		t.Fatalf("a report that does not add up: %v", err)
	}
	if rs, _ := f.db.CostReports(ctx, store.CostReportFilter{ContractID: f.contract.ID}); len(rs) != 0 {
		t.Fatalf("a refused report left %d on record", len(rs))
	}
	// A month not ended yet.
	early := costInput(f.contract.ID, costLine(a, "5"))
	early.Month, _ = domain.ParseMonth("2026-12")
	if _, err := f.db.SubmitCostReport(ctx, early, at); code(err) != domain.CodeInvalid || !strings.Contains(domain.ErrorMessage(err), "has not ended") {
		t.Fatalf("a month not ended: %v", err)
	}

	v1, err := f.db.SubmitCostReport(ctx, costInput(f.contract.ID, costLine(a, "6"), costLine(b, "3"), costLine(c, "1")), at)
	if err != nil {
		t.Fatal(err)
	}
	if v1.State != services.CostFlagged || v1.Version != 1 || v1.FlaggedLines != 3 || len(v1.Lines) != 3 {
		t.Fatalf("the first version = %+v; want flagged, 3 lines flagged", v1)
	}
	for i, want := range []string{"units_differ,over_capacity", "outside_referral,over_capacity", "deceased,over_capacity"} {
		if got := flagCodes(v1.Lines[i]); got != want {
			t.Errorf("line %d flags = %s; want %s (%+v)", i+1, got, want, v1.Lines[i].Flags)
		}
	}
	if w := v1.Lines[2].Flags[0].CNR; !strings.Contains(w, "preminuo 04.11.2026.") {
		t.Errorf("the death's words: %q", w)
	}
	if _, err := f.db.CheckCostReport(ctx, v1.ID, "nina.finance", at); code(err) != domain.CodeConflict {
		t.Fatalf("a flagged report checked: %v", err)
	}

	// The provider corrects: B's day before the start and C's day after the death cancelled.
	f.cancelUse(t, bDays[0])
	f.cancelUse(t, cDays[0])
	v2, err := f.db.SubmitCostReport(ctx, costInput(f.contract.ID, costLine(a, "5"), costLine(b, "2")), at)
	if err != nil {
		t.Fatal(err)
	}
	if v2.State != services.CostSubmitted || v2.Version != 2 || v2.Supersedes == nil || *v2.Supersedes != v1.ID || v2.FlaggedLines != 0 ||
		!v2.Total.Equal(decimal.RequireFromString("87.50")) {
		t.Fatalf("the corrected version = %+v", v2)
	}
	if old, _ := f.db.CostReportByID(ctx, v1.ID); old.State != services.CostSuperseded {
		t.Errorf("the first version is %s; want superseded", old.State)
	}

	if _, err := f.db.ApproveCostReport(ctx, v2.ID, "marija.finance", at); code(err) != domain.CodeConflict {
		t.Fatalf("approved before checked: %v", err)
	}
	if r, err := f.db.CheckCostReport(ctx, v2.ID, "nina.finance", at); err != nil || r.State != services.CostChecked || r.CheckedBy != "nina.finance" {
		t.Fatalf("checked: %+v, %v", r, err)
	}
	if _, err := f.db.ApproveCostReport(ctx, v2.ID, "nina.finance", at); code(err) != domain.CodeForbidden ||
		!strings.Contains(domain.ErrorMessage(err), "four eyes") {
		t.Fatalf("approved by the officer who checked it: %v", err)
	}
	r, err := f.db.ApproveCostReport(ctx, v2.ID, "marija.finance", at)
	if err != nil || r.State != services.CostApproved || r.ApprovedBy != "marija.finance" {
		t.Fatalf("approved: %+v, %v", r, err)
	}
	if _, err := f.db.RejectCostReport(ctx, v2.ID, "late", "nina.finance", at); code(err) != domain.CodeConflict {
		t.Fatalf("an approved report rejected: %v", err)
	}
	if _, err := f.db.SubmitCostReport(ctx, costInput(f.contract.ID, costLine(a, "5")), at); code(err) != domain.CodeConflict ||
		!strings.Contains(domain.ErrorMessage(err), "approved already") {
		t.Fatalf("a month approved reported again: %v", err)
	}

	// The payroll pays it once, from the given account, to the contract's payee.
	e2e := func(report int64, month time.Time, attempt int) string {
		return fmt.Sprintf("S%s%d-%d", month.Format("200601"), report, attempt)
	}
	n, total, err := f.db.PrepareCostReportPayments(ctx, "payroll/2026-11", rday("2026-11-30"), "ME25505000012345678854", e2e)
	if err != nil || n != 1 || !total.Equal(decimal.RequireFromString("87.50")) {
		t.Fatalf("prepared: %d %s %v", n, total, err)
	}
	if n, _, err := f.db.PrepareCostReportPayments(ctx, "payroll/2026-11", rday("2026-11-30"), "ME25505000012345678854", e2e); err != nil || n != 1 {
		t.Fatalf("prepared again: %d, %v; want the one payment", n, err)
	}
	if n, _, err := f.db.PrepareCostReportPayments(ctx, "payroll/2026-12", rday("2026-12-31"), "ME25505000012345678854", e2e); err != nil || n != 0 {
		t.Fatalf("the next payroll: %d, %v; want none", n, err)
	}
	ps, err := f.db.CostReportPaymentsOf(ctx, "payroll/2026-11", "prepared")
	if err != nil || len(ps) != 1 || ps[0].PayeeIBAN != f.contract.PayeeIBAN || ps[0].ReportID != v2.ID || ps[0].FundingAccount != "ME25505000012345678854" {
		t.Fatalf("payments: %+v, %v", ps, err)
	}
	if _, err := f.db.Pool().Exec(ctx, `INSERT INTO service_cost_payments (payroll_id, report_id, contract_id, month, provider_pib, payee_iban,
		payee_name, amount, funding_account, end_to_end_id) VALUES ('payroll/x', $1, $2, '2026-11-01', '02655284', 'x', 'x', 1, 'x', 'dup')`,
		v2.ID, f.contract.ID); err == nil {
		t.Fatal("a second live payment of the report was accepted")
	}
	counts, err := f.db.ApplyBankAnswer(ctx, "payroll/2026-11", domain.BankAnswer{Booked: []string{ps[0].EndToEndID}})
	if err != nil || counts["paid"] != 1 {
		t.Fatalf("the bank's booking: %v, %v", counts, err)
	}
	if r, _ := f.db.CostReportByID(ctx, v2.ID); r.State != services.CostPaid || r.PaidAt == nil {
		t.Fatalf("after the booking the report is %s", r.State)
	}
}

// TestCostReportRefusals: a line naming a referral of another contract is
// a 400 naming it; a rejection needs a reason and lets the provider
// report the month again.
func TestCostReportRefusals(t *testing.T) {
	ctx := context.Background()
	f := newCostFixture(t)
	a, _ := f.refer(t, 1, "2026-11-01")
	f.use(t, a, "2026-11-02")
	at := f.today.AddDate(0, 0, 1)
	other, err := f.db.ServiceContracts(ctx, store.ContractFilter{ProviderPIB: "02000008"})
	if err != nil || len(other) != 1 {
		t.Fatalf("the home-help contract: %+v, %v", other, err)
	}
	in := costInput(other[0].ID, costLine(a, "1"))
	in.Lines[0].Rate, in.Lines[0].Amount, in.Total = other[0].Rate, other[0].Rate, other[0].Rate
	if _, err := f.db.SubmitCostReport(ctx, in, at); code(err) != domain.CodeInvalid || !strings.Contains(domain.ErrorMessage(err), "is not under contract") {
		t.Fatalf("a referral of another contract: %v", err)
	}
	r, err := f.db.SubmitCostReport(ctx, costInput(f.contract.ID, costLine(a, "1")), at)
	if err != nil || r.State != services.CostSubmitted {
		t.Fatalf("submitted: %+v, %v", r, err)
	}
	if _, err := f.db.RejectCostReport(ctx, r.ID, "", "nina.finance", at); code(err) != domain.CodeInvalid {
		t.Fatalf("a rejection without a reason: %v", err)
	}
	if r, err = f.db.RejectCostReport(ctx, r.ID, "the attendance list is missing", "nina.finance", at); err != nil || r.State != services.CostRejected {
		t.Fatalf("rejected: %+v, %v", r, err)
	}
	again, err := f.db.SubmitCostReport(ctx, costInput(f.contract.ID, costLine(a, "1")), at)
	if err != nil || again.Version != 2 || again.Supersedes != nil {
		t.Fatalf("the month after a rejection: %+v, %v", again, err)
	}
	draft, err := f.db.CostReportDraft(ctx, f.contract.ID, domain.MonthOf(again.Month))
	if err != nil || len(draft) != 1 || draft[0].ReferralID != a || !draft[0].Units.Equal(decimal.NewFromInt(1)) {
		t.Fatalf("the draft: %+v, %v", draft, err)
	}
}

// TestCostReportReturnedIsPaidAgain: a payment the bank booked and then
// returned puts its report back to approved and unpaid, and the next
// payroll pays it again under the report's id with R1.
func TestCostReportReturnedIsPaidAgain(t *testing.T) {
	ctx := context.Background()
	f := newCostFixture(t)
	a, _ := f.refer(t, 1, "2026-11-01")
	f.use(t, a, "2026-11-02", "2026-11-03")
	at := f.today.AddDate(0, 0, 1)
	r, err := f.db.SubmitCostReport(ctx, costInput(f.contract.ID, costLine(a, "2")), at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.CheckCostReport(ctx, r.ID, "nina.finance", at); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ApproveCostReport(ctx, r.ID, "marija.finance", at); err != nil {
		t.Fatal(err)
	}
	e2e := func(report int64, month time.Time, attempt int) string {
		id := fmt.Sprintf("S%s%012d", month.Format("200601"), report)
		if attempt > 0 {
			id += fmt.Sprintf("R%d", attempt)
		}
		return id
	}
	const funding = "ME25505000012345678854"
	if n, _, err := f.db.PrepareCostReportPayments(ctx, "payroll/2026-11", rday("2026-11-30"), funding, e2e); err != nil || n != 1 {
		t.Fatalf("prepared: %d, %v", n, err)
	}
	first := e2e(r.ID, rday("2026-11-01"), 0)
	if _, err := f.db.ApplyBankAnswer(ctx, "payroll/2026-11", domain.BankAnswer{Booked: []string{first}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.CostReportByID(ctx, r.ID); got.State != services.CostPaid {
		t.Fatalf("after the booking the report is %s", got.State)
	}
	counts, err := f.db.ApplyBankAnswer(ctx, "payroll/2026-11", domain.BankAnswer{Returned: []domain.BankStatus{{EndToEndID: first, Reason: "AC04"}}})
	if err != nil || counts["returned"] != 1 {
		t.Fatalf("the return: %v, %v", counts, err)
	}
	if got, _ := f.db.CostReportByID(ctx, r.ID); got.State != services.CostApproved || got.PaidAt != nil {
		t.Fatalf("after the return the report is %s, paid at %v; want approved, unpaid", got.State, got.PaidAt)
	}
	if n, total, err := f.db.PrepareCostReportPayments(ctx, "payroll/2026-12", rday("2026-12-31"), funding, e2e); err != nil || n != 1 ||
		!total.Equal(decimal.RequireFromString("25.00")) {
		t.Fatalf("the next payroll: %d %s %v; want the returned report paid again", n, total, err)
	}
	ps, err := f.db.CostReportPaymentsOf(ctx, "payroll/2026-12", "prepared")
	if err != nil || len(ps) != 1 || ps[0].EndToEndID != e2e(r.ID, rday("2026-11-01"), 1) || !strings.HasSuffix(ps[0].EndToEndID, "R1") {
		t.Fatalf("the payment again: %+v, %v; want %s", ps, err, e2e(r.ID, rday("2026-11-01"), 1))
	}
	if _, err := f.db.ApplyBankAnswer(ctx, "payroll/2026-12", domain.BankAnswer{Booked: []string{ps[0].EndToEndID}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.CostReportByID(ctx, r.ID); got.State != services.CostPaid || got.PaidAt == nil {
		t.Fatalf("after the second booking the report is %s", got.State)
	}
}

// TestCostReportFourEyesInTheDatabase: the database refuses a report
// approved that nobody checked, or approved by the one who checked it,
// whatever code writes it.
func TestCostReportFourEyesInTheDatabase(t *testing.T) {
	ctx := context.Background()
	f := newCostFixture(t)
	a, _ := f.refer(t, 1, "2026-11-01")
	f.use(t, a, "2026-11-02")
	r, err := f.db.SubmitCostReport(ctx, costInput(f.contract.ID, costLine(a, "1")), f.today.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Pool().Exec(ctx, `UPDATE service_cost_reports SET state = 'approved', approved_by = 'marija.finance', approved_at = now()
		WHERE id = $1`, r.ID); err == nil {
		t.Fatal("a report nobody checked was approved in the database")
	}
	if _, err := f.db.Pool().Exec(ctx, `UPDATE service_cost_reports SET state = 'approved', checked_by = 'nina.finance', checked_at = now(),
		approved_by = 'nina.finance', approved_at = now() WHERE id = $1`, r.ID); err == nil {
		t.Fatal("a report approved by the officer who checked it")
	}
	if _, err := f.db.Pool().Exec(ctx, `UPDATE service_cost_reports SET state = 'approved', checked_by = 'nina.finance', checked_at = now(),
		approved_by = 'marija.finance', approved_at = now() WHERE id = $1`, r.ID); err != nil {
		t.Fatalf("two officers: %v", err)
	}
}
