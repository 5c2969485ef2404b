package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// admitToGrabovac registers a person of age born on this day (the first
// valid JMBG from serial on) and admits them, months ago, into a free
// bed of the demo home Grabovac that fits them, as a resident carried
// over; returns the placement. The browser tests of the institution's
// pages start from one (the demo's residents depend on the simulated
// population's ages).
func admitToGrabovac(t *testing.T, db *store.DB, given, family string, age, serial, months int) int64 {
	t.Helper()
	ctx := context.Background()
	addr, err := domain.ParseAddress("Kotor", "Risan", "Obala 5")
	if err != nil {
		t.Fatal(err)
	}
	var p domain.Person
	for ; ; serial++ {
		j, err := domain.MakeJMBG(time.Now().AddDate(-age, 0, 0), 21, serial)
		if err != nil {
			t.Fatal(err)
		}
		if p, err = domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: given, FamilyName: family, Address: addr}); err == nil {
			break
		}
	}
	if p, err = db.CreatePerson(ctx, p, "e2e"); err != nil {
		t.Fatal(err)
	}
	beds, err := db.FreeBeds(ctx, store.FreeBedFilter{Kind: institutions.KindElderly, Gender: institutions.GenderOf(p.Sex), Day: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range beds {
		if b.InstitutionID != "dom-grabovac" {
			continue
		}
		on := time.Now().AddDate(0, -months, 0)
		pl, err := db.InsertPlacement(ctx, store.Placement{PersonID: p.ID, CentreID: p.CentreID, InstitutionID: b.InstitutionID, BedID: b.BedID,
			State: store.PlacementAdmitted, AdmittedOn: &on, CreatedBy: "e2e"})
		if err != nil {
			t.Fatal(err)
		}
		return pl.ID
	}
	t.Fatalf("no free bed in Grabovac for %s %s", given, family)
	return 0
}
