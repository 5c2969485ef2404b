package services

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func fieldsOf(errs []*domain.Error) string {
	var f []string
	for _, e := range errs {
		f = append(f, e.Field)
	}
	return strings.Join(f, ",")
}

// TestCheckContractListsEveryProblem: every fault of a contract is named
// at once, and a good one passes.
func TestCheckContractListsEveryProblem(t *testing.T) {
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	lic := []LicenceDays{{From: today.AddDate(-1, 0, 0), Until: today.AddDate(2, 0, 0)}}
	good := Contract{Service: "day_care_disability", ProviderPIB: "02655284", Capacity: 20, From: today, Until: today.AddDate(1, 0, 0),
		Unit: UnitDay, Rate: decimal.RequireFromString("12.50"), LegalRef: "čl. 69", PayeeIBAN: string(domain.MakeIBAN("510", 7))}
	if errs := CheckContract(good, lic, today); len(errs) != 0 {
		t.Fatalf("a good contract: %v", errs)
	}
	bad := Contract{Service: "juggling", ProviderPIB: "123", Capacity: 0, From: today, Until: today.AddDate(0, 0, -1), Unit: "week",
		Rate: decimal.RequireFromString("12.505"), PayeeIBAN: "ME00"}
	got := fieldsOf(CheckContract(bad, nil, today))
	if got != "service,provider_pib,capacity,until,unit,rate,legal_ref,payee_iban,provider_pib" {
		t.Fatalf("faults: %s", got)
	}
	late := good
	late.From = today.AddDate(3, 0, 0)
	late.Until = today.AddDate(4, 0, 0)
	if got := fieldsOf(CheckContract(late, lic, today)); got != "provider_pib" {
		t.Fatalf("a contract starting after the licence: %s", got)
	}
}

// TestCheckDelegation: scope, centre and period are checked together.
func TestCheckDelegation(t *testing.T) {
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	d := Delegation{CentreID: "csr-podgorica", ProviderPIB: "02655284", Scope: []string{ScopeIdentity}, From: today, Until: today.AddDate(1, 0, 0)}
	if errs := CheckDelegation(d, today); len(errs) != 0 {
		t.Fatalf("a good delegation: %v", errs)
	}
	d = Delegation{CentreID: "csr-nowhere", ProviderPIB: "02655284", Scope: []string{"benefits"}, From: today, Until: today.AddDate(6, 0, 0)}
	if got := fieldsOf(CheckDelegation(d, today)); got != "centre_id,scope,until" {
		t.Fatalf("faults: %s", got)
	}
}

// TestReferralService: a procedure refers only to its own services.
func TestReferralService(t *testing.T) {
	if err := CheckReferralService("P26", "day_care_disability"); err != nil {
		t.Fatal(err)
	}
	if err := CheckReferralService("P26", "counselling"); err == nil || err.Field != "service" {
		t.Fatalf("day care's case referred to counselling: %v", err)
	}
	if err := CheckReferralService("P08", "counselling"); err == nil || err.Field != "case" {
		t.Fatalf("an adoption's case: %v", err)
	}
}
