package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestServiceContractLife: a licence withdrawn suspends the provider's
// contracts for the service in the same transaction (and only those); a
// suspended contract resumes only with a licence in force again; a
// renewal ends the old contract the day before the new one starts, in one
// transaction (a renewal refused writes nothing); an end moves the last
// day, once; an expired licence shows on read (ContractStatuses), not in
// the row.
func TestServiceContractLife(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := rday("2026-12-01")
	p, err := db.CreateProvider(ctx, store.Provider{Name: "Dnevni centar Sunce", PIB: "02655284", Street: "Njegoševa 1", Municipality: "ME-16",
		FoundedOn: rday("2020-02-01"), CreatedBy: "milena.ministry"})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []store.ProviderLicence{licenceOf("L-1", "day_care_disability", "2026-01-01"), licenceOf("L-2", "counselling", "2026-01-01")} {
		if _, err := db.AddLicence(ctx, p.ID, l); err != nil {
			t.Fatal(err)
		}
	}
	contract := func(service string, from, until string) services.Contract {
		return services.Contract{Service: service, CentreID: "csr-podgorica", ProviderPIB: "02655284", Capacity: 2, From: rday(from), Until: rday(until),
			Unit: services.UnitDay, Rate: decimal.RequireFromString("12.50"), Normative: true, LegalRef: "Zakon, čl. 69",
			PayeeIBAN: string(domain.MakeIBAN("510", 7700123))}
	}
	day, err := db.CreateServiceContract(ctx, contract("day_care_disability", "2026-12-01", "2027-12-31"), nil, "sanja.head", today)
	if err != nil {
		t.Fatal(err)
	}
	talk, err := db.CreateServiceContract(ctx, contract("counselling", "2026-12-01", "2027-06-30"), nil, "sanja.head", today)
	if err != nil {
		t.Fatal(err)
	}

	// Withdrawn: the day-care contract is suspended with it, counselling not.
	if _, err := db.WithdrawLicence(ctx, p.ID, "L-1", today, "no staff", "milena.ministry"); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.ServiceContractByID(ctx, day.ID); c.State != services.ContractSuspended {
		t.Errorf("day care after the withdrawal: %s; want suspended", c.State)
	}
	if c, _ := db.ServiceContractByID(ctx, talk.ID); c.State != services.ContractActive {
		t.Errorf("counselling after day care's withdrawal: %s; want active", c.State)
	}
	if _, err := db.ResumeServiceContract(ctx, day.ID, today); code(err) != domain.CodeConflict {
		t.Errorf("resuming without a licence: %v; want a conflict", err)
	}
	if _, err := db.ResumeServiceContract(ctx, talk.ID, today); code(err) != domain.CodeConflict {
		t.Errorf("resuming a contract in force: %v; want a conflict", err)
	}
	if _, _, err := db.RenewServiceContract(ctx, day.ID, contract("", "2027-01-01", "2027-12-31"), "sanja.head", today); code(err) != domain.CodeConflict {
		t.Errorf("renewing a suspended contract: %v; want a conflict", err)
	}
	if _, err := db.AddLicence(ctx, p.ID, licenceOf("L-3", "day_care_disability", "2026-12-01")); err != nil {
		t.Fatal(err)
	}
	if c, err := db.ResumeServiceContract(ctx, day.ID, today); err != nil || c.State != services.ContractActive {
		t.Errorf("resuming with a new licence: %v %v; want active", c.State, err)
	}

	// A suspension of the counselling licence suspends its contract.
	if _, err := db.SuspendLicence(ctx, p.ID, "L-2", today, "inspection found no psychologist", "milena.ministry", today); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.ServiceContractByID(ctx, talk.ID); c.State != services.ContractSuspended {
		t.Errorf("counselling after the suspension: %s; want suspended", c.State)
	}

	// Renewal: a start outside the old period is refused, nothing written.
	if _, _, err := db.RenewServiceContract(ctx, day.ID, contract("", "2028-02-01", "2028-12-31"), "sanja.head", today); code(err) != domain.CodeInvalid || field(err) != "from" {
		t.Errorf("a renewal after a gap: %v; want 400 on from", err)
	}
	if _, _, err := db.RenewServiceContract(ctx, day.ID, contract("", "2027-03-01", "2026-12-31"), "sanja.head", today); code(err) != domain.CodeInvalid {
		t.Errorf("a renewal ending before it starts: %v; want 400", err)
	}
	if c, _ := db.ServiceContractByID(ctx, day.ID); c.EndedOn != nil || !c.Until.Equal(rday("2027-12-31")) {
		t.Errorf("a refused renewal changed the old contract: %+v", c)
	}
	old, renewal, err := db.RenewServiceContract(ctx, day.ID, contract("ignored", "2027-03-01", "2028-12-31"), "sanja.head", today)
	if err != nil {
		t.Fatal(err)
	}
	if !old.Until.Equal(rday("2027-02-28")) || old.EndedOn == nil || !old.EndedOn.Equal(rday("2027-02-28")) {
		t.Errorf("the renewed contract ends %v (%v); want 2027-02-28", old.Until, old.EndedOn)
	}
	if renewal.RenewsID == nil || *renewal.RenewsID != day.ID || renewal.Service != "day_care_disability" || renewal.CentreID != "csr-podgorica" {
		t.Errorf("the renewal: %+v; want the old one's service and centre, renews_id", renewal)
	}
	st, err := db.ContractStatuses(ctx, []int64{day.ID, talk.ID, renewal.ID}, today)
	if err != nil {
		t.Fatal(err)
	}
	if st[day.ID].RenewedBy != renewal.Number || !st[day.ID].Licensed || st[talk.ID].Licensed {
		t.Errorf("statuses = %+v", st)
	}
	if _, _, err := db.RenewServiceContract(ctx, day.ID, contract("", "2027-02-01", "2027-12-31"), "sanja.head", today); code(err) != domain.CodeConflict {
		t.Errorf("renewing twice: %v; want a conflict", err)
	}
	// An expired licence: the row stays active, the status says unlicensed.
	if st, _ := db.ContractStatuses(ctx, []int64{renewal.ID}, providersValidUntil("2026-12-01").AddDate(0, 0, 1)); st[renewal.ID].Licensed {
		t.Errorf("licensed after the licence expired")
	}

	// End: not in the past, not after the last day, with a reason; once.
	_, err = db.EndServiceContract(ctx, renewal.ID, rday("2026-11-01"), "", today)
	if de, ok := err.(*domain.Error); !ok || len(de.Fields) != 3 {
		t.Errorf("an end in the past before the first day without reason: %v; want three faults", err)
	}
	ended, err := db.EndServiceContract(ctx, renewal.ID, rday("2027-06-30"), "the centre's budget", today)
	if err != nil || !ended.Until.Equal(rday("2027-06-30")) || ended.EndReason != "the centre's budget" {
		t.Errorf("ended: %+v %v", ended, err)
	}
	if _, err := db.EndServiceContract(ctx, renewal.ID, rday("2027-05-30"), "again", today); code(err) != domain.CodeConflict {
		t.Errorf("ending twice: %v; want a conflict", err)
	}
	if in, _ := db.ContractsInForce(ctx, "day_care_disability", "csr-podgorica", rday("2027-07-01")); len(in) != 0 {
		t.Errorf("in force after its end: %d contracts", len(in))
	}
}

func providersValidUntil(from string) time.Time {
	return licenceOf("x", "counselling", from).ValidUntil
}
