package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestCostReportInThePayroll: a provider's cost report for November,
// checked by one finance officer and approved by another, is paid by the
// November payroll once, in a batch of its own debited to the cost
// reports' funding account, to the contract's payee; the pain.001 passes
// the EPC's schema, and the next payroll pays it no more.
func TestCostReportInThePayroll(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	if _, err := devstack.LoadDemoServices(ctx, db, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	cs, err := db.ServiceContracts(ctx, store.ContractFilter{ProviderPIB: "02655284"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("Sunce's contract: %+v, %v", cs, err)
	}
	c := cs[0]
	j, _ := domain.MakeJMBG(time.Date(1988, 6, 6, 0, 0, 0, 0, time.UTC), 21, 811)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Bulevar 5")
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Marko", FamilyName: "Lekić", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(ctx, p, "test"); err != nil {
		t.Fatal(err)
	}
	var ref int64
	if err := db.Pool().QueryRow(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, state, referred_on,
		started_on, referred_by) VALUES ('C-1', $1, 'csr-podgorica', $2, 'day_care_disability', 'active', '2026-11-02', '2026-11-02', 'ana.caseworker')
		RETURNING id`, p.ID, c.ID).Scan(&ref); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO service_use (referral_id, day, quantity, channel, recorded_by)
		SELECT $1, d, 1, 'page', 'tamara.sunce' FROM generate_series('2026-11-02'::date, '2026-11-21'::date, '1 day') d`, ref); err != nil {
		t.Fatal(err)
	}
	m, _ := domain.ParseMonth("2026-11")
	amount := services.LineAmount(decimal.NewFromInt(20), c.Rate)
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	r, err := db.SubmitCostReport(ctx, store.CostReportInput{ContractID: c.ID, Month: m, Total: amount, By: "tamara.sunce",
		Lines: []services.CostLine{{ReferralID: ref, Units: decimal.NewFromInt(20), Rate: c.Rate, Amount: amount}}}, at)
	if err != nil || r.State != services.CostSubmitted {
		t.Fatalf("submitted: %+v, %v", r, err)
	}
	if _, err := db.CheckCostReport(ctx, r.ID, "nina.finance", at); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ApproveCostReport(ctx, r.ID, "marija.finance", at); err != nil {
		t.Fatal(err)
	}

	a := &activities.Activities{DB: db, Objects: startObjects(t), Now: func() time.Time { return time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC) }}
	in := activities.PayrollMonth{PayrollID: "payroll/2026-11", Period: "2026-11"}
	res, err := a.PreparePayroll(ctx, in)
	if err != nil || res.CostReports != 1 {
		t.Fatalf("payroll = %+v, %v; want 1 cost report", res, err)
	}
	files, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || len(files.Files) != 1 {
		t.Fatalf("files = %+v, %v; want one pain.001", files, err)
	}
	xml, err := a.Objects.Get(ctx, "payrolls/2026-11/pain001-2026-11.xml")
	if err != nil {
		t.Fatal(err)
	}
	validate(t, xml)
	msg, err := iso20022.ParsePain001(xml)
	if err != nil || len(msg.Batches) != 1 {
		t.Fatalf("pain.001 = %+v, %v; want one batch", msg, err)
	}
	b := msg.Batches[0]
	if b.Debtor.IBAN != activities.CostReportFundingAccount.IBAN || len(b.Transfers) != 1 || b.Transfers[0].IBAN != c.PayeeIBAN ||
		!b.Transfers[0].Amount.Equal(decimal.RequireFromString("250")) || b.Transfers[0].EndToEndID != activities.CostReportEndToEndID(r.ID, m.First(), 0) {
		t.Fatalf("the cost reports' batch = %+v", b)
	}
	if !strings.Contains(string(xml), "Usluge po ugovoru "+c.Number+" za 2026-11") {
		t.Error("the transfer's remittance does not name the contract and the month")
	}
	a.Now = func() time.Time { return time.Date(2027, 1, 20, 9, 0, 0, 0, time.UTC) }
	if again, err := a.PreparePayroll(ctx, activities.PayrollMonth{PayrollID: "payroll/2026-12", Period: "2026-12"}); err != nil || again.CostReports != 0 {
		t.Errorf("the next payroll: %+v, %v; want no cost report paid again", again, err)
	}
}
