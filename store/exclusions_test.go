package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestActiveRightsOf: a person's rights not ended, found through the
// claim's members as well as the beneficiary; an ended right is not held.
func TestActiveRightsOf(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	from := rightsFrom
	person := func(serial int) domain.PersonID { return newTestPerson(t, db, serial) }
	grant := func(benefit string, subject domain.PersonID, members ...domain.PersonID) store.Entitlement {
		return grantTestRight(t, db, benefit, subject, members...)
	}
	mother, child, stranger := person(501), person(502), person(503)
	mo := grant("MO", "", mother, child)
	li := grant("LI", child, mother, child)
	ended := grant("DD", "", mother, child)
	if _, _, err := db.AddVersion(ctx, store.Version{EntitlementID: ended.ID, RightVersion: domain.RightVersion{From: from.AddDate(0, 2, 0),
		State: domain.RightEnded, Reason: domain.ReasonRevision}, Source: "revision:test", CreatedBy: "b"}); err != nil {
		t.Fatal(err)
	}

	held, err := db.ActiveRightsOf(ctx, []domain.PersonID{child})
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 || held[0].EntitlementID != mo.ID || held[1].EntitlementID != li.ID {
		t.Fatalf("rights of the child = %+v; want MO (as a member) and LI (as beneficiary), not the ended DD", held)
	}
	if h := held[0]; h.ClaimNumber != mo.ClaimNumber || h.Benefit != "MO" || len(h.Members) != 2 || h.Members[0] != mother || h.SubjectID != "" {
		t.Errorf("MO held = %+v; want its claim, the mother first", h)
	}
	if h := held[1]; h.SubjectID != child || h.BeneficiaryID != child {
		t.Errorf("LI held = %+v; want the child as subject and beneficiary", h)
	}
	if held, err := db.ActiveRightsOf(ctx, []domain.PersonID{stranger}); err != nil || len(held) != 0 {
		t.Errorf("rights of a stranger = %+v %v; want none", held, err)
	}
}

// TestReserveGrant: a grant reserved for a household counts as held until
// its right exists: a second claim's reservation sees it; two concurrent
// reservations of excluding claims: exactly one passes; a withdrawn
// claim's reservation no longer counts.
func TestReserveGrant(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	j, _ := domain.MakeJMBG(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 21, 611)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Ana", FamilyName: "Vuković", Address: addr})
	p, err := db.CreatePerson(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	claim := func(benefit string) string {
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: benefit, ApplicantID: p.ID, CentreID: "csr-podgorica", Consent: true,
			FiledBy: "ana.caseworker", Period: from, Members: []domain.PersonID{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return c.Number
	}
	// MO and veterans' MO (BMO) exclude each other: any other held or
	// reserved excludes the grant
	reserve := func(number string) bool {
		ok, err := db.ReserveGrant(ctx, number, []domain.PersonID{p.ID}, func(rights []store.HeldRight) bool {
			for _, r := range rights {
				if r.ClaimNumber != number && (r.Benefit == "MO" || r.Benefit == "BMO") {
					return true
				}
			}
			return false
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	first, second := claim("MO"), claim("BMO")
	if !reserve(first) {
		t.Fatal("the first claim's grant is not reserved")
	}
	if again := reserve(first); !again {
		t.Fatal("the first claim's grant is not reserved again")
	}
	if reserve(second) {
		t.Fatal("a second MO reserved beside the first's reservation")
	}
	if err := db.SetClaimState(ctx, first, "withdrawn", "test"); err != nil {
		t.Fatal(err)
	}
	if !reserve(second) {
		t.Fatal("a withdrawn claim's reservation still excludes")
	}

	// two at once: one passes
	if err := db.SetClaimState(ctx, second, "withdrawn", "test"); err != nil {
		t.Fatal(err)
	}
	a, b := claim("MO"), claim("BMO")
	results := make(chan bool, 2)
	for _, n := range []string{a, b} {
		go func() { results <- reserve(n) }()
	}
	if x, y := <-results, <-results; x == y {
		t.Fatalf("concurrent reservations: %v and %v; want exactly one", x, y)
	}
}
