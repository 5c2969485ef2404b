package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestBeneficiariesOn: a right in force on a day is listed with the amount
// of the version valid that day; a right ended before the day is not.
func TestBeneficiariesOn(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	from := rightsFrom
	person := func(serial int) domain.PersonID { return newTestPerson(t, db, serial) }
	grant := func(benefit string, subject domain.PersonID, members ...domain.PersonID) store.Entitlement {
		return grantTestRight(t, db, benefit, subject, members...)
	}
	mother, child, other := person(601), person(602), person(603)
	mo := grant("MO", "", mother, child)
	ended := grant("MO", "", other)
	if _, _, err := db.AddVersion(ctx, store.Version{EntitlementID: mo.ID, RightVersion: domain.RightVersion{From: from.AddDate(0, 3, 0),
		State: domain.RightActive, Reason: domain.ReasonRevision, Amount: decimal.RequireFromString("150.00")}, Source: "revision:raise", CreatedBy: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AddVersion(ctx, store.Version{EntitlementID: ended.ID, RightVersion: domain.RightVersion{From: from.AddDate(0, 2, 0),
		State: domain.RightEnded, Reason: domain.ReasonRevision}, Source: "revision:end", CreatedBy: "b"}); err != nil {
		t.Fatal(err)
	}
	on := func(day time.Time, centre string) []store.Beneficiary {
		t.Helper()
		bs, err := db.BeneficiariesOn(ctx, "MO", day, centre)
		if err != nil {
			t.Fatal(err)
		}
		return bs
	}
	if bs := on(from.AddDate(0, 1, 0), ""); len(bs) != 2 {
		t.Errorf("in the second month: %d beneficiaries; want both rights", len(bs))
	}
	bs := on(from.AddDate(0, 1, 0), "csr-podgorica")
	for _, b := range bs {
		if b.EntitlementID == mo.ID && !b.Amount.Equal(decimal.RequireFromString("100.00")) {
			t.Errorf("amount before the raise = %s; want 100.00", b.Amount)
		}
		if b.DecisionNumber == "" || b.JMBG == "" || b.Restricted {
			t.Errorf("a line without decision or JMBG, or restricted without a DV report: %+v", b)
		}
	}
	bs = on(from.AddDate(0, 4, 0), "")
	if len(bs) != 1 || bs[0].EntitlementID != mo.ID || !bs[0].Amount.Equal(decimal.RequireFromString("150.00")) {
		t.Errorf("after the end of one right and the raise of the other: %+v; want only MO at 150.00", bs)
	}
	if bs := on(from.AddDate(0, 4, 0), "csr-niksic"); len(bs) != 0 {
		t.Errorf("another centre: %+v; want none", bs)
	}
	if bs := on(from.AddDate(0, -1, 0), ""); len(bs) != 0 {
		t.Errorf("before the rights began: %+v; want none", bs)
	}
}
