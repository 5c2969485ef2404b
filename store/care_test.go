package store_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// careHome records an institution with one bed and admits a person to it:
// the resident's placement id.
func careHome(t *testing.T, db *store.DB, id, pib, jmbg string) int64 {
	t.Helper()
	ctx := context.Background()
	prov, err := db.CreateProvider(ctx, store.Provider{Name: "Dom " + id, PIB: pib, Street: "Ulica 1", Municipality: "ME-16",
		FoundedOn: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.CreateInstitution(ctx, store.Institution{ID: id, Name: "Dom " + id, ProviderID: prov.ID, Street: "Ulica 1", Municipality: "ME-16",
		Units: []store.Unit{{Name: "A", Kind: institutions.KindElderly, CareLevel: 1, Rooms: []store.Room{{Name: "1", Gender: "any", Beds: []store.Bed{{Label: "1/A"}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	p := mustPerson(t, db, jmbg)
	on := time.Now().AddDate(0, -1, 0)
	pl, err := db.InsertPlacement(ctx, store.Placement{PersonID: p.ID, CentreID: p.CentreID, InstitutionID: id, BedID: in.Units[0].Rooms[0].Beds[0].ID,
		State: store.PlacementAdmitted, AdmittedOn: &on, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return pl.ID
}

// TestPlanVersionsAndVisitRules: each save of the plan is a new version
// with who saved it, and sets the visit rules in the same transaction; a
// save from a stale version is a conflict, and a save whose visit rules
// fail writes neither the version nor the rules; concurrent saves get
// distinct versions.
func TestPlanVersionsAndVisitRules(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	pl := careHome(t, db, "dom-care", "03000010", "0101940215006")
	if _, err := db.Plan(ctx, pl, 0); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("no plan yet: %v; want not found", err)
	}
	barred := []store.VisitRule{{VisitorName: "Petar Vukić", VisitorJMBG: "0101990210005", Reason: "sudska zabrana"}, {VisitorName: "Ana Vukić", Allowed: true, Reason: "kćerka"}}
	v1, err := db.SavePlan(ctx, pl, 0, json.RawMessage(`{"goals":[{"goal":"Šetnja"}]}`), barred, "bojana.social")
	if err != nil || v1.Version != 1 || v1.SavedBy != "bojana.social" || v1.SavedAt.IsZero() {
		t.Fatalf("first save: %+v, %v", v1, err)
	}
	rules, _ := db.VisitRules(ctx, pl)
	if len(rules) != 2 || rules[0].VisitorName != "Petar Vukić" || rules[0].Allowed || rules[0].SetBy != "bojana.social" || !rules[1].Allowed {
		t.Fatalf("rules after the first save: %+v", rules)
	}
	if _, err := db.SavePlan(ctx, pl, 0, json.RawMessage(`{"goals":[{"goal":"Druga"}]}`), nil, "x"); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("a save from version 0 after version 1: %v; want a conflict", err)
	}
	// A rule naming nobody fails after the version was inserted: nothing of the save is left.
	if _, err := db.SavePlan(ctx, pl, 1, json.RawMessage(`{"goals":[{"goal":"Treća"}]}`), []store.VisitRule{{VisitorName: "Marko", Allowed: true}, {VisitorName: " "}}, "x"); err == nil {
		t.Fatal("a save with a rule naming nobody was recorded")
	}
	if vs, _ := db.PlanVersions(ctx, pl); len(vs) != 1 {
		t.Errorf("versions after the failed save: %+v; want 1", vs)
	}
	if rules, _ := db.VisitRules(ctx, pl); len(rules) != 2 || rules[0].VisitorName != "Petar Vukić" {
		t.Errorf("rules after the failed save: %+v; want the first save's", rules)
	}
	v2, err := db.SavePlan(ctx, pl, 1, json.RawMessage(`{"goals":[{"goal":"Druga"}]}`), nil, "senad.social")
	if err != nil || v2.Version != 2 {
		t.Fatalf("second save: %+v, %v", v2, err)
	}
	if rules, _ := db.VisitRules(ctx, pl); len(rules) != 0 {
		t.Errorf("rules after a plan naming nobody: %+v; want none", rules)
	}
	if p, err := db.Plan(ctx, pl, 1); err != nil || p.Version != 1 || string(p.Data) == "" || p.SavedBy != "bojana.social" {
		t.Errorf("version 1: %+v, %v", p, err)
	}
	if p, err := db.Plan(ctx, pl, 0); err != nil || p.Version != 2 {
		t.Errorf("newest: %+v, %v", p, err)
	}
	if _, err := db.Plan(ctx, pl, 9); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("version 9: %v; want not found", err)
	}
	if _, err := db.SavePlan(ctx, 999999, -1, json.RawMessage(`{}`), nil, "x"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("a placement not on record: %v; want not found", err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.SavePlan(ctx, pl, -1, json.RawMessage(`{"goals":[{"goal":"Isto"}]}`), nil, "x"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if vs, _ := db.PlanVersions(ctx, pl); len(vs) != 6 || vs[0].Version != 6 {
		t.Errorf("versions after 4 concurrent saves: %d; want 6", len(vs))
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE care_plans SET saved_by = 'y'`); err == nil {
		t.Error("a plan version was edited")
	}
}

// TestSocialNotesAndMedicalRecords: notes and records are listed newest
// first and never edited; a correction names a note of the same resident.
func TestSocialNotesAndMedicalRecords(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	pl := careHome(t, db, "dom-care", "03000010", "0101940215006")
	other := careHome(t, db, "dom-care-2", "03001016", "0101945215004")
	day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	n1, err := db.AddSocialNote(ctx, store.SocialNote{PlacementID: pl, Date: day, Text: "Dobro se uklopila.", WrittenBy: "bojana.social"})
	if err != nil || n1.ID == 0 {
		t.Fatal(n1, err)
	}
	on, err := db.AddSocialNote(ctx, store.SocialNote{PlacementID: other, Date: day, Text: "Druga", WrittenBy: "senad.social"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddSocialNote(ctx, store.SocialNote{PlacementID: pl, Date: day, Text: "Ispravka", Corrects: on.ID, WrittenBy: "x"}); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("a correction of another resident's note: %v; want invalid", err)
	}
	n2, err := db.AddSocialNote(ctx, store.SocialNote{PlacementID: pl, Date: day.AddDate(0, 0, 1), Text: "Ispravka: uklopio se.", Corrects: n1.ID, WrittenBy: "bojana.social"})
	if err != nil {
		t.Fatal(err)
	}
	notes, _ := db.SocialNotes(ctx, pl)
	if len(notes) != 2 || notes[0].ID != n2.ID || notes[0].Corrects != n1.ID || notes[1].Text != "Dobro se uklopila." {
		t.Errorf("notes: %+v", notes)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE social_notes SET text = 'x' WHERE id = $1`, n1.ID); err == nil {
		t.Error("a note was edited")
	}
	r, err := db.AddMedicalRecord(ctx, store.MedicalRecord{PlacementID: pl, Date: day, Kind: "diagnosis", Text: "Hipertenzija", WrittenBy: "milan.nurse"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddMedicalRecord(ctx, store.MedicalRecord{PlacementID: pl, Date: day, Kind: "gossip", Text: "x", WrittenBy: "milan.nurse"}); err == nil {
		t.Error("a record of no kind was recorded")
	}
	recs, _ := db.MedicalRecords(ctx, pl)
	if len(recs) != 1 || recs[0].ID != r.ID || recs[0].Kind != "diagnosis" || !recs[0].Date.Equal(day) {
		t.Errorf("records: %+v", recs)
	}
	if recs, _ := db.MedicalRecords(ctx, other); len(recs) != 0 {
		t.Errorf("the other resident's records: %+v", recs)
	}
	if _, err := db.Pool().Exec(ctx, `DELETE FROM medical_records`); err == nil {
		t.Error("a medical record was deleted")
	}
}
