package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// gateHome records an institution with a unit for the elderly and one for
// children (a bed each), an elder and a child admitted; it returns their
// placements.
func gateHome(t *testing.T, db *store.DB, id, pib string, elderJMBG, childJMBG string) (elder, child int64) {
	t.Helper()
	ctx := context.Background()
	prov, err := db.CreateProvider(ctx, store.Provider{Name: "Dom " + id, PIB: pib, Street: "Ulica 1", Municipality: "ME-16",
		FoundedOn: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.CreateInstitution(ctx, store.Institution{ID: id, Name: "Dom " + id, ProviderID: prov.ID, Street: "Ulica 1", Municipality: "ME-16",
		Units: []store.Unit{
			{Name: "Stari", Kind: institutions.KindElderly, CareLevel: 1, Rooms: []store.Room{{Name: "1", Gender: "any", Beds: []store.Bed{{Label: "1/A"}}}}},
			{Name: "Djeca", Kind: institutions.KindChildren, CareLevel: 1, Rooms: []store.Room{{Name: "2", Gender: "any", Beds: []store.Bed{{Label: "2/A"}}}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	admit := func(jmbg string, bed int64) int64 {
		p := mustPerson(t, db, jmbg)
		on := time.Now().AddDate(0, -1, 0)
		pl, err := db.InsertPlacement(ctx, store.Placement{PersonID: p.ID, CentreID: p.CentreID, InstitutionID: id, BedID: bed,
			State: store.PlacementAdmitted, AdmittedOn: &on, CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return pl.ID
	}
	return admit(elderJMBG, in.Units[0].Rooms[0].Beds[0].ID), admit(childJMBG, in.Units[1].Rooms[0].Beds[0].ID)
}

func gateRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func gateJMBG(t *testing.T, born time.Time, serial int) string {
	t.Helper()
	j, err := domain.MakeJMBG(born, 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// TestGatehouseVisitRules: a visitor the plan excludes (by JMBG; by name
// without diacritics or case when the rule has no JMBG) is refused naming
// the rule and nothing is written; a child lets in only the visitors its
// plan allows; another institution's resident and visits do not exist; a
// visit ends once.
func TestGatehouseVisitRules(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	barred := gateJMBG(t, time.Date(1970, 5, 5, 0, 0, 0, 0, time.UTC), 11)
	mother := gateJMBG(t, time.Date(1985, 6, 6, 0, 0, 0, 0, time.UTC), 512)
	elder, child := gateHome(t, db, "dom-a", "02655284", gateJMBG(t, time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC), 1),
		gateJMBG(t, time.Now().AddDate(-10, 0, 0), 2))
	if err := db.ReplaceVisitRules(ctx, elder, []store.VisitRule{
		{VisitorName: "Marko Đurović", Allowed: false, Reason: "zabrana prilaska, rješenje suda"},
		{VisitorName: "Petar Petrović", VisitorJMBG: barred, Allowed: false, Reason: "court order"},
	}, "bojana.social"); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceVisitRules(ctx, child, []store.VisitRule{
		{VisitorName: "Jelena Šćekić", VisitorJMBG: mother, Allowed: true, Reason: "majka"},
		{VisitorName: "Ivan Ivanović", Allowed: true, Reason: "ujak"},
		{VisitorName: "Goran Šćekić", Allowed: false, Reason: "otac, zabrana"},
	}, "bojana.social"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	visit := func(placement int64, name, jmbg string) (store.Visit, error) {
		return db.RecordVisit(ctx, store.Visit{InstitutionID: "dom-a", PlacementID: placement, VisitorName: name, VisitorJMBG: jmbg,
			VisitorDocument: "AB12345", Relation: "x", ArrivedAt: now, LoggedBy: "rade.gate"})
	}
	for _, c := range []struct {
		name       string
		placement  int64
		visitor    string
		jmbg, want string
	}{
		{"excluded by name, folded", elder, "marko  DJUROVIC", "", "the resident's plan excludes this visitor: zabrana prilaska, rješenje suda"},
		{"excluded by JMBG, another name", elder, "Pero Perić", barred, "the resident's plan excludes this visitor: court order"},
		{"excluded by name, no JMBG given", elder, "petar petrović", "", "court order"},
		{"a child: not in the plan", child, "Neko Drugi", "", "the resident is a child: only a visitor the plan allows"},
		{"a child: allowed by JMBG, other JMBG given", child, "Jelena Šćekić", barred, "the resident is a child"},
		{"a child: excluded", child, "goran scekic", "", "otac, zabrana"},
	} {
		_, err := visit(c.placement, c.visitor, c.jmbg)
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), c.want) {
			t.Errorf("%s: %v; want a conflict saying %q", c.name, err, c.want)
		}
	}
	if n := gateRows(t, db, "gate_visits"); n != 0 {
		t.Fatalf("refused visits wrote %d rows; want none", n)
	}
	v, err := visit(elder, "Petar Petrović", gateJMBG(t, time.Date(1971, 5, 5, 0, 0, 0, 0, time.UTC), 12))
	if err != nil || v.ID == 0 || v.ResidentName != "Ana Perović" {
		t.Fatalf("a namesake with another JMBG: %+v, %v; want let in", v, err)
	}
	for _, ok := range []struct{ name, jmbg string }{{"Jelena Scekic", mother}, {"IVAN IVANOVIC", ""}} {
		if _, err := visit(child, ok.name, ok.jmbg); err != nil {
			t.Errorf("the child's allowed visitor %s: %v", ok.name, err)
		}
	}
	if _, err := db.RecordVisit(ctx, store.Visit{InstitutionID: "dom-b", PlacementID: elder, VisitorName: "X Y", VisitorDocument: "AB12345",
		Relation: "x", ArrivedAt: now, LoggedBy: "z"}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("a visit to another institution's resident: %v; want not found", err)
	}
	if _, err := db.VisitByID(ctx, "dom-b", v.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("another institution's visit: %v; want not found", err)
	}
	if _, err := db.RecordDeparture(ctx, "dom-a", v.ID, now.Add(-time.Hour), "", "rade.gate"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("a departure before the arrival: %v; want invalid", err)
	}
	out, err := db.RecordDeparture(ctx, "dom-a", v.ID, now.Add(time.Minute), "", "rade.gate")
	if err != nil || out.DepartedAt == nil || out.DepartureBy != "rade.gate" {
		t.Fatalf("departure: %+v, %v", out, err)
	}
	if _, err := db.RecordDeparture(ctx, "dom-a", v.ID, now.Add(2*time.Minute), "", "rade.gate"); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a second departure: %v; want a conflict", err)
	}
	list, err := db.Visits(ctx, "dom-a", now.Add(-time.Hour), now.Add(time.Hour), true)
	if err != nil || len(list) != 3 {
		t.Errorf("today's visits: %d, %v; want 3", len(list), err)
	}
	if list, err := db.Visits(ctx, "dom-b", now.Add(-time.Hour), now.Add(time.Hour), true); err != nil || len(list) != 0 {
		t.Errorf("another institution's visits: %d, %v; want none", len(list), err)
	}
}

// TestGatehouseLeaves: a resident leaves and returns; while on leave no
// visit and no second leave; a child leaves only with a person the plan
// allows; an excluded companion is refused with nothing written; a leave
// past its expected return is overdue.
func TestGatehouseLeaves(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	elder, child := gateHome(t, db, "dom-a", "02655284", gateJMBG(t, time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC), 1),
		gateJMBG(t, time.Now().AddDate(-10, 0, 0), 2))
	if err := db.ReplaceVisitRules(ctx, child, []store.VisitRule{
		{VisitorName: "Ivan Ivanović", Allowed: true, Reason: "ujak"},
		{VisitorName: "Goran Šćekić", Allowed: false, Reason: "otac, zabrana"},
	}, "bojana.social"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	leave := func(placement int64, companion string, left, back time.Time) (store.Leave, error) {
		return db.RecordLeave(ctx, store.Leave{InstitutionID: "dom-a", PlacementID: placement, Kind: institutions.LeaveHomeVisit,
			CompanionName: companion, CompanionDocument: "AB12345", LeftAt: left, ExpectedReturn: back, RecordedBy: "rade.gate"})
	}
	if _, err := leave(child, "", now, now.Add(time.Hour)); domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(domain.ErrorMessage(err), "child") {
		t.Errorf("a child alone: %v; want invalid naming the rule", err)
	}
	if _, err := leave(child, "Goran Scekic", now, now.Add(time.Hour)); domain.ErrorCode(err) != domain.CodeConflict ||
		domain.ErrorMessage(err) != "the resident's plan excludes this companion: otac, zabrana" {
		t.Errorf("a child with the excluded father: %v; want the rule named", err)
	}
	if _, err := leave(child, "Neko Drugi", now, now.Add(time.Hour)); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a child with a person not in the plan: %v; want a conflict", err)
	}
	if n := gateRows(t, db, "resident_leaves"); n != 0 {
		t.Fatalf("refused leaves wrote %d rows", n)
	}
	l, err := leave(elder, "", now.Add(-3*time.Hour), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !institutions.Overdue(l.ExpectedReturn, l.ReturnedAt, now) {
		t.Errorf("a leave expected back an hour ago is not overdue")
	}
	if _, err := leave(elder, "", now, now.Add(time.Hour)); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a second leave: %v; want a conflict", err)
	}
	if _, err := db.RecordVisit(ctx, store.Visit{InstitutionID: "dom-a", PlacementID: elder, VisitorName: "Neko", VisitorDocument: "AB12345",
		Relation: "x", ArrivedAt: now, LoggedBy: "rade.gate"}); domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "on leave") {
		t.Errorf("a visit to a resident on leave: %v; want a conflict", err)
	}
	on, err := db.ResidentsOnLeave(ctx, "dom-a")
	if err != nil || on[elder].ID != l.ID || len(on) != 1 {
		t.Errorf("residents on leave: %v, %v", on, err)
	}
	if _, err := db.RecordReturn(ctx, "dom-b", l.ID, now, "", "rade.gate"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("another institution's return: %v; want not found", err)
	}
	back, err := db.RecordReturn(ctx, "dom-a", l.ID, now, "", "rade.gate")
	if err != nil || back.ReturnedAt == nil || institutions.Overdue(back.ExpectedReturn, back.ReturnedAt, now) {
		t.Fatalf("return: %+v, %v", back, err)
	}
	if _, err := db.RecordReturn(ctx, "dom-a", l.ID, now, "", "rade.gate"); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a second return: %v; want a conflict", err)
	}
	if _, err := leave(child, "ivan ivanovic", now, now.Add(2*time.Hour)); err != nil {
		t.Errorf("a child with the uncle the plan allows: %v", err)
	}
	list, err := db.Leaves(ctx, "dom-a", now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil || len(list) != 2 || list[0].PlacementID != child || list[1].ReturnedAt == nil {
		t.Errorf("leaves: %+v, %v; want the child's open leave, then the elder's ended one", list, err)
	}
}
