package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// rightsFrom is the day the rights of newTestPerson/grantTestRight begin.
var rightsFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// newTestPerson registers Ana Vuković of Podgorica with a JMBG of the
// serial.
func newTestPerson(t *testing.T, db *store.DB, serial int) domain.PersonID {
	t.Helper()
	j, _ := domain.MakeJMBG(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 21, serial)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Ana", FamilyName: "Vuković", Address: addr})
	p, err := db.CreatePerson(context.Background(), p, "test")
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// grantTestRight files a claim of Podgorica for the members (the first
// the applicant; subject its subject, or none), grants it at 100.00 a month
// from rightsFrom and returns the right: its holder the subject, else the
// applicant.
func grantTestRight(t *testing.T, db *store.DB, benefit string, subject domain.PersonID, members ...domain.PersonID) store.Entitlement {
	t.Helper()
	ctx := context.Background()
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: benefit, ApplicantID: members[0], SubjectID: subject, CentreID: "csr-podgorica",
		Consent: true, FiledBy: "ana.caseworker", Period: rightsFrom, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: "csr-podgorica", Kind: "grant", Benefit: benefit,
		Amount: decimal.RequireFromString("100.00"), PeriodFrom: rightsFrom, PreparedBy: "a", ApprovedBy: "b", IssuedAt: rightsFrom})
	if err != nil {
		t.Fatal(err)
	}
	beneficiary := members[0]
	if subject != "" {
		beneficiary = subject
	}
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: benefit, BeneficiaryID: beneficiary,
		Amount: decimal.RequireFromString("100.00"), Periodicity: "monthly", ValidFrom: rightsFrom, CreatedBy: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetClaimState(ctx, c.Number, "approved", ""); err != nil {
		t.Fatal(err)
	}
	return e
}
