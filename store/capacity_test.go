package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// capacityHome records a licensed home for the elderly with one unit of
// one room of four beds, and n persons to place.
func capacityHome(t *testing.T, db *store.DB, n int) (store.Institution, []domain.Person) {
	t.Helper()
	ctx := context.Background()
	p, err := db.CreateProvider(ctx, store.Provider{Name: "Dom Test", PIB: "03000010", Street: "Ulica 1", Municipality: "ME-10",
		FoundedOn: rday("2000-01-01"), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddLicence(ctx, p.ID, store.ProviderLicence{Licence: providers.Licence{Number: "L-CAP-1", Service: "residential_elderly",
		ValidFrom: rday("2025-01-01"), ValidUntil: providers.ValidUntil(rday("2025-01-01"))}, RecordedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	in, err := db.CreateInstitution(ctx, store.Institution{ID: "dom-test", Name: "Dom Test", ProviderID: p.ID, Street: "Ulica 1", Municipality: "ME-10",
		Units: []store.Unit{{Name: "A", Kind: institutions.KindElderly, CareLevel: 2, Rooms: []store.Room{{Name: "Soba 1", Gender: institutions.GenderAny,
			Beds: []store.Bed{{Label: "1"}, {Label: "2"}, {Label: "3"}, {Label: "4"}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var persons []domain.Person
	for k := range n {
		j, err := domain.MakeJMBG(time.Date(1940+k, 3, 1, 0, 0, 0, 0, time.UTC), 21, 600+k)
		if err != nil {
			t.Fatal(err)
		}
		addr, _ := domain.ParseAddress("Kotor", "Risan", "Obala 1")
		pe, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Stana", FamilyName: "Vukić", Address: addr})
		if err != nil {
			t.Fatal(err)
		}
		if pe, err = db.CreatePerson(ctx, pe, "test"); err != nil {
			t.Fatal(err)
		}
		persons = append(persons, pe)
	}
	return in, persons
}

func dayp(s string) *time.Time { d := rday(s); return &d }

// TestOccupancyByDay: residents admitted and discharged mid-month occupy
// the days from their admission up to the day before they left; a bed
// held for a person not yet admitted is reserved; a bed out of service
// from a day on is not in service from that day; a held bed cannot go out
// of service; the holders of the beds are named.
func TestOccupancyByDay(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	in, ps := capacityHome(t, db, 3)
	beds := in.Units[0].Rooms[0].Beds
	// Stays the whole month and beyond; admitted on the 10th; admitted on the 3rd and discharged on the 6th.
	if _, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[0].ID, CentreID: ps[0].CentreID, InstitutionID: in.ID, BedID: beds[0].ID,
		State: store.PlacementAdmitted, AdmittedOn: dayp("2026-10-15"), CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[1].ID, CentreID: ps[1].CentreID, InstitutionID: in.ID, BedID: beds[1].ID,
		State: store.PlacementAdmitted, AdmittedOn: dayp("2026-11-10"), CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[2].ID, CentreID: ps[2].CentreID, InstitutionID: in.ID,
		State: store.PlacementDischarged, AdmittedOn: dayp("2026-11-03"), EndedOn: dayp("2026-11-06"), CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	reserved, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[2].ID, CentreID: ps[2].CentreID, InstitutionID: in.ID, BedID: beds[2].ID,
		State: store.PlacementAccepted, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE placements SET created_at = '2026-11-25T10:00:00Z' WHERE id = $1`, reserved.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetBedOutOfService(ctx, in.ID, beds[2].ID, true, rday("2026-11-20"), "vera.director"); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a reserved bed out of service: %v; want a conflict", err)
	}
	if _, err := db.SetBedOutOfService(ctx, "dom-other", beds[3].ID, true, rday("2026-11-20"), "vera.director"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("another institution's bed: %v; want not found", err)
	}
	if b, err := db.SetBedOutOfService(ctx, in.ID, beds[3].ID, true, rday("2026-11-20"), "vera.director"); err != nil || !b.OutOfService {
		t.Fatalf("out of service: %+v %v", b, err)
	}
	holders, err := db.BedHolders(ctx, in.ID)
	if err != nil || len(holders) != 3 || holders[beds[0].ID].Name != "Stana Vukić" || holders[beds[2].ID].PlacementID != reserved.ID {
		t.Errorf("holders: %+v %v", holders, err)
	}
	days, err := db.Occupancy(ctx, in.ID, rday("2026-11-01"), rday("2026-11-30"))
	if err != nil || len(days) != 30 {
		t.Fatalf("occupancy: %d days, %v", len(days), err)
	}
	on := func(d int) store.DayOccupancy { return days[d-1] }
	for _, c := range []struct{ day, inService, occupied int }{
		{1, 4, 1}, {2, 4, 1}, {3, 4, 2}, {5, 4, 2}, {6, 4, 1}, {9, 4, 1}, {10, 4, 2}, {19, 4, 2}, {20, 3, 2}, {30, 3, 2},
	} {
		if o := on(c.day); o.InService != c.inService || o.Occupied != c.occupied {
			t.Errorf("11-%02d: in service %d, occupied %d; want %d, %d", c.day, o.InService, o.Occupied, c.inService, c.occupied)
		}
	}
	if today := days[len(days)-1]; today.Reserved != 1 || today.Free != 0 {
		t.Errorf("the 30th: reserved %d, free %d; want 1 and 0 (3 in service: 2 occupied, 1 reserved)", today.Reserved, today.Free)
	}
	st, err := db.Statistics(ctx, rday("2026-11-01"), in.ID)
	if err != nil || len(st.Institutions) != 1 {
		t.Fatalf("statistics: %+v %v", st, err)
	}
	m := st.Institutions[0]
	// 4 beds for 19 days and 3 for 11; 30 + 21 + 3 occupied bed-days.
	if m.BedDaysAvailable != 4*19+3*11 || m.BedDaysOccupied != 30+21+3 || m.Admissions != 2 || m.Discharges != 1 || m.ResidentsAtMonthEnd != 2 {
		t.Errorf("the month: %+v; want 109 available, 54 occupied, 2 admissions, 1 discharge, 2 residents at its end", m)
	}
	if _, err := db.AddRoom(ctx, "dom-other", in.Units[0].ID, store.Room{Name: "X", Gender: "any"}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("a room in another institution's unit: %v; want not found", err)
	}
	if _, err := db.AddUnit(ctx, in.ID, store.Unit{Name: "A", Kind: institutions.KindElderly, CareLevel: 1}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a unit's name twice: %v; want a conflict", err)
	}
}

// TestPlacementCostsProRata: a month's placement costs by budget line,
// each placement pro rata to the days of the month it ran, to the cent.
func TestPlacementCostsProRata(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	in, ps := capacityHome(t, db, 3)
	beds := in.Units[0].Rooms[0].Beds
	// The whole of November: 650.00, co-payment 200.00.
	whole, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[0].ID, CentreID: ps[0].CentreID, InstitutionID: in.ID, BedID: beds[0].ID,
		State: store.PlacementAdmitted, AdmittedOn: dayp("2026-10-01"), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	// Admitted on 11-18: 13 of 30 days of 700.00 = 303.333.. → 303.33; co-payment 13/30 of 100.00 = 43.33.
	part, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[1].ID, CentreID: ps[1].CentreID, InstitutionID: in.ID, BedID: beds[1].ID,
		State: store.PlacementAdmitted, AdmittedOn: dayp("2026-11-18"), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	// A family placement decided on 11-21 and ended on 11-26: 5 days of 300.00 = 50.00.
	family, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[2].ID, CentreID: ps[2].CentreID, State: store.PlacementDischarged,
		EndedOn: dayp("2026-11-26"), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id        int64
		cost, co  string
		line      string
		decidedOn string
	}{{whole.ID, "650.00", "200.00", store.BudgetMaintenanceInHomes, "2026-09-20"}, {part.ID, "700.00", "100.00", store.BudgetMaintenanceInHomes, "2026-11-10"},
		{family.ID, "300.00", "0", store.BudgetFamilyPlacement, "2026-11-21"}} {
		if _, err := db.Pool().Exec(ctx, `UPDATE placements SET monthly_cost = $2, copayment = $3, budget_line = $4, decided_on = $5 WHERE id = $1`,
			c.id, c.cost, c.co, c.line, c.decidedOn); err != nil {
			t.Fatal(err)
		}
	}
	st, err := db.Statistics(ctx, rday("2026-11-01"), "")
	if err != nil || len(st.Costs) != 3 || st.DaysInMonth != 30 {
		t.Fatalf("statistics: %+v %v", st, err)
	}
	want := map[string][4]string{
		store.BudgetMaintenanceInHomes: {"953.33", "243.33", "710.00", "2"},
		store.BudgetOutsideMontenegro:  {"0", "0", "0", "0"},
		store.BudgetFamilyPlacement:    {"50.00", "0", "50.00", "1"},
	}
	for _, l := range st.Costs {
		w := want[l.Line]
		if !l.Cost.Equal(decimal.RequireFromString(w[0])) || !l.Copayment.Equal(decimal.RequireFromString(w[1])) || !l.Net.Equal(decimal.RequireFromString(w[2])) ||
			decimal.NewFromInt(int64(l.Placements)).String() != w[3] {
			t.Errorf("%s: cost %s, co-payment %s, net %s, %d placements; want %v", l.Line, l.Cost, l.Copayment, l.Net, l.Placements, w)
		}
	}
	// One institution's: the family placement is not of it.
	st, err = db.Statistics(ctx, rday("2026-11-01"), in.ID)
	if err != nil || !st.Costs[2].Cost.IsZero() || !st.Costs[0].Cost.Equal(decimal.RequireFromString("953.33")) {
		t.Errorf("the institution's costs: %+v %v", st.Costs, err)
	}
	// February of a leap year: 10 of 29 days of 100.00 = 34.48 (34.482..).
	if got := store.ProRata(decimal.RequireFromString("100.00"), 10, 29); !got.Equal(decimal.RequireFromString("34.48")) {
		t.Errorf("pro rata 10/29 of 100.00 = %s; want 34.48", got)
	}
	if got := store.ProRata(decimal.RequireFromString("100.00"), 1, 8); !got.Equal(decimal.RequireFromString("12.50")) {
		t.Errorf("pro rata 1/8 of 100.00 = %s; want 12.50", got)
	}
}
