package devstack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store/storetest"
)

// TestDemoServices: the demo contracts and delegations load once; a
// contract for a service the provider holds no licence for is refused
// with the rule; a provider's staff see a person only through a referral
// to their provider under a delegation in force, and not once it is
// revoked.
func TestDemoServices(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if n, err := devstack.LoadDemoServices(ctx, db, today); err != nil || n != 2 {
		t.Fatalf("demo contracts: %d, %v", n, err)
	}
	if n, err := devstack.LoadDemoServices(ctx, db, today); err != nil || n != 0 {
		t.Fatalf("loading again: %d, %v", n, err)
	}
	in, err := db.ContractsInForce(ctx, "day_care_disability", "csr-podgorica", today)
	if err != nil || len(in) != 1 || in[0].ProviderPIB != "02655284" || in[0].Free() != 20 || in[0].Number != "UG-2026-0001" {
		t.Fatalf("Podgorica's day-care contracts: %+v, %v", in, err)
	}
	if in, err := db.ContractsInForce(ctx, "day_care_disability", "csr-bar", today); err != nil || len(in) != 0 {
		t.Fatalf("Bar has no day-care contract: %+v, %v", in, err)
	}
	if in, err := db.ContractsInForce(ctx, "home_help_elderly", "csr-bar", today); err != nil || len(in) != 1 {
		t.Fatalf("the ministry's home-help contract serves every centre: %+v, %v", in, err)
	}
	// Sunce holds no licence for home help: the contract names the rule.
	_, err = db.CreateServiceContract(ctx, services.Contract{Service: "home_help_elderly", CentreID: "csr-podgorica", ProviderPIB: "02655284",
		Capacity: 5, From: today, Until: today.AddDate(1, 0, 0), Unit: services.UnitVisit, Rate: decimal.RequireFromString("9.00"),
		LegalRef: "čl. 67", PayeeIBAN: string(domain.MakeIBAN("510", 42))}, nil, "sanja.head", today)
	if domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(domain.ErrorMessage(err), "no licence in force") {
		t.Fatalf("a contract without a licence: %v", err)
	}

	person := demoElder(t, db, time.Date(2015, 4, 2, 0, 0, 0, 0, time.UTC), 610)
	if _, ok, err := db.DelegatedAccessTo(ctx, "02655284", person.ID, today); err != nil || ok {
		t.Fatalf("no referral, no access: %v, %v", ok, err)
	}
	if _, err := db.Pool().Exec(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, state, referred_on, referred_by)
		VALUES ('C-TEST-1', $1, 'csr-podgorica', $2, 'day_care_disability', 'active', $3, 'ana.caseworker')`, person.ID, in[0].ID, today); err != nil {
		t.Fatal(err)
	}
	a, ok, err := db.DelegatedAccessTo(ctx, "02655284", person.ID, today)
	if err != nil || !ok || !a.Allows(services.ScopePlan) {
		t.Fatalf("Sunce's access through the referral: %+v, %v, %v", a, ok, err)
	}
	if _, ok, _ := db.DelegatedAccessTo(ctx, "02000008", person.ID, today); ok {
		t.Fatal("another provider sees the person")
	}
	ds, err := db.ServiceDelegations(ctx, "csr-podgorica", "")
	if err != nil || len(ds) != 1 || !ds[0].InForce(domain.CalendarDay(today)) {
		t.Fatalf("Podgorica's delegations: %+v, %v", ds, err)
	}
	if _, err := db.RevokeDelegation(ctx, "csr-podgorica", ds[0].ID, "", "sanja.head", today); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("a revocation without a reason: %v", err)
	}
	if _, err := db.RevokeDelegation(ctx, "csr-podgorica", ds[0].ID, "the contract is under review", "sanja.head", today); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.DelegatedAccessTo(ctx, "02655284", person.ID, today); ok {
		t.Fatal("access outlives the revoked delegation")
	}
	if _, err := db.RevokeDelegation(ctx, "csr-podgorica", ds[0].ID, "again", "sanja.head", today); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("revoked twice: %v", err)
	}
}
