package devstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func demoElder(t *testing.T, db *store.DB, born time.Time, serial int) domain.Person {
	t.Helper()
	j, err := domain.MakeJMBG(born, 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := domain.ParseAddress("Kotor", "Risan", "Obala 1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Stana", FamilyName: "Vukić", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	p, err = db.CreatePerson(context.Background(), p, "demo")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDemoInstitutions: the demo's institutions, their beds and residents;
// a bed is held by one placement at a time; free capacity leaves out the
// held beds, other kinds and institutions without a licence in force.
func TestDemoInstitutions(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for k := range 3 {
		demoElder(t, db, time.Date(1938+k, 3, 1, 0, 0, 0, 0, time.UTC), 500+k)
	}
	if n, err := devstack.LoadDemoInstitutions(ctx, db, today); err != nil || n != 3 {
		t.Fatalf("institutions: %d, %v", n, err)
	}
	if n, err := devstack.LoadDemoInstitutions(ctx, db, today); err != nil || n != 0 {
		t.Fatalf("loading again: %d, %v", n, err)
	}
	res, err := db.Residents(ctx, "dom-grabovac")
	if err != nil || len(res) != 3 {
		t.Fatalf("Grabovac's residents: %v, %v", res, err)
	}
	// Each came with the centre's decision: the cost, the co-payment and its lines.
	var decided int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM placements WHERE institution_id = 'dom-grabovac'
		AND monthly_cost = 520 AND copayment > 0 AND jsonb_array_length(copayment_lines) > 0`).Scan(&decided); err != nil || decided != 3 {
		t.Fatalf("demo residents with a decision: %d, %v", decided, err)
	}
	list, err := db.ListInstitutions(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("institutions: %v, %v", list, err)
	}
	for _, s := range list {
		if s.ID == "dom-grabovac" && (s.Beds != 10 || s.Held != 3) {
			t.Errorf("Grabovac: %+v; want 10 beds, 3 held", s)
		}
	}
	free, err := db.FreeBeds(ctx, store.FreeBedFilter{Kind: institutions.KindElderly, Gender: institutions.GenderFemale, Day: today})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range free {
		if b.Kind != institutions.KindElderly || b.Gender == institutions.GenderMale {
			t.Errorf("a free bed of the wrong kind: %+v", b)
		}
	}
	intensive, _ := db.FreeBeds(ctx, store.FreeBedFilter{Kind: institutions.KindElderly, CareLevel: institutions.CareIntensive, Day: today})
	if len(intensive) == 0 || len(intensive) >= len(free)+3 {
		t.Errorf("intensive care beds: %d", len(intensive))
	}
	// A bed held is held: a second placement into it is a conflict.
	p := demoElder(t, db, time.Date(1940, 5, 5, 0, 0, 0, 0, time.UTC), 501)
	if _, err := db.InsertPlacement(ctx, store.Placement{PersonID: p.ID, CentreID: "csr-podgorica", InstitutionID: "dom-grabovac",
		BedID: free[0].BedID, State: store.PlacementAccepted, CreatedBy: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.InsertPlacement(ctx, store.Placement{PersonID: p.ID, CentreID: "csr-podgorica", InstitutionID: "dom-grabovac",
		BedID: free[0].BedID, State: store.PlacementDecided, CreatedBy: "t"}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("a second placement into a held bed: %v; want a conflict", err)
	}
	after, _ := db.FreeBeds(ctx, store.FreeBedFilter{Kind: institutions.KindElderly, Gender: institutions.GenderFemale, Day: today})
	if len(after) != len(free)-1 {
		t.Errorf("free beds after an acceptance: %d, before %d", len(after), len(free))
	}
	// Without a licence in force (before it starts), nothing is free.
	if none, _ := db.FreeBeds(ctx, store.FreeBedFilter{Day: today.AddDate(-2, 0, 0)}); len(none) != 0 {
		t.Errorf("free beds before the licences: %d", len(none))
	}
}
