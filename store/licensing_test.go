package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestLicenceApplicationToRegister files a registration with its
// documents (a failing keep leaves nothing), takes it through inspection,
// draft and approval (the drafter may not approve), records the decision
// twice (the second changes nothing), then the expiry notices and the
// renewal they open (once).
func TestLicenceApplicationToRegister(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	founded, start := rday("2024-01-10"), rday("2027-01-01")
	app := store.LicenceApplication{Kind: providers.KindRegistration, PIB: "03111008", Name: "Centar Oslonac", Street: "Bulevar 5",
		Municipality: "ME-16", FoundedOn: &founded, Services: []string{"counselling", "supported_housing"}, StartOn: &start, FiledBy: "nikola.maintainer"}
	if _, err := db.FileLicenceApplication(ctx, app, func(int64) ([]store.LicenceDocument, error) { return nil, errors.New("object store down") }); err == nil {
		t.Fatal("a filing whose documents failed was recorded")
	}
	if list, _ := db.LicenceApplications(ctx, store.ApplicationFilter{}); len(list) != 0 {
		t.Fatalf("a failed filing left %d applications", len(list))
	}
	a, err := db.FileLicenceApplication(ctx, app, func(id int64) ([]store.LicenceDocument, error) {
		return []store.LicenceDocument{{Kind: "statute", ObjectKey: "k/1", FileName: "s.pdf", ContentType: "application/pdf", Size: 3, SHA256: "x"}}, nil
	})
	if err != nil || a.State != providers.StateSubmitted || len(a.Documents) != 1 {
		t.Fatalf("file: %+v %v", a, err)
	}
	if list, _ := db.LicenceApplications(ctx, store.ApplicationFilter{PIB: "02655284"}); len(list) != 0 {
		t.Errorf("another PIB sees %d applications", len(list))
	}
	day := rday("2026-12-15")
	if _, err := db.MoveLicenceApplication(ctx, a.ID, []string{providers.StateSubmitted}, providers.StateInspection, &day); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveLicenceDraft(ctx, a.ID, providers.Draft{Outcome: "grant"}, "goran.ministry"); code(err) != domain.CodeConflict {
		t.Errorf("a draft before the inspection: %v; want a conflict", err)
	}
	if err := db.RecordLicenceInspection(ctx, a.ID, "goran.ministry"); code(err) != domain.CodeConflict {
		t.Errorf("an inspection accepted before its report: %v; want a conflict", err)
	}
	if err := db.SaveLicenceInspection(ctx, a.ID, json.RawMessage(`{"findings":"ok"}`), "goran.ministry"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := db.RecordLicenceInspection(ctx, a.ID, "goran.ministry"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SaveLicenceDraft(ctx, a.ID, providers.Draft{Outcome: "grant", ValidFrom: "2027-01-01"}, "goran.ministry"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordLicenceDraft(ctx, a.ID, "goran.ministry"); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordLicenceApproval(ctx, a.ID, true, "goran.ministry"); code(err) != domain.CodeForbidden {
		t.Errorf("the drafter approves: %v; want forbidden", err)
	}
	if err := db.RecordLicenceApproval(ctx, a.ID, true, "jovana.ministry"); err != nil {
		t.Fatal(err)
	}
	until := providers.ValidUntil(start)
	d := store.LicenceDecision{Number: "RL-1", Key: "licensing/1/decision.pdf", SHA256: "y", At: time.Now(), ValidFrom: start, ValidUntil: until}
	for range 2 {
		if a, err = db.RecordLicenceDecision(ctx, a.ID, d); err != nil {
			t.Fatal(err)
		}
	}
	if a.State != providers.StateGranted || len(a.Licences) != 2 || a.ProviderID == nil {
		t.Fatalf("decided: %+v", a)
	}
	reg, err := db.PublicRegister(ctx, store.RegisterFilter{})
	if err != nil || len(reg) != 2 || reg[0].Name != "Centar Oslonac" || !reg[0].Licence.ValidUntil.Equal(until) {
		t.Fatalf("the register after the decision: %+v %v", reg, err)
	}
	if _, err := db.RecordLicenceNotice(ctx, a.ID, "expiry_6m"); err != nil {
		t.Fatal(err)
	}
	var renewal int64
	for range 2 {
		if renewal, err = db.RecordLicenceNotice(ctx, a.ID, "expiry_3m"); err != nil || renewal == 0 {
			t.Fatalf("second notice: %d %v", renewal, err)
		}
	}
	notices, err := db.LicenceNotices(ctx, "03111008")
	if err != nil || len(notices) != 2 || notices[0].ProviderName != "Centar Oslonac" {
		t.Errorf("notices: %+v %v", notices, err)
	}
	r, err := db.LicenceApplicationByID(ctx, renewal)
	if err != nil || r.Kind != providers.KindRenewal || r.State != providers.StateAwaitingDocuments || r.StartOn.Format(time.DateOnly) != until.AddDate(0, 0, 1).Format(time.DateOnly) {
		t.Fatalf("renewal: %+v %v", r, err)
	}
	if list, _ := db.LicenceApplications(ctx, store.ApplicationFilter{PIB: "03111008"}); len(list) != 2 {
		t.Errorf("the maintainer's applications: %d; want 2 (the registration and its renewal)", len(list))
	}
	if _, err := db.SubmitRenewal(ctx, renewal, func(int64) ([]store.LicenceDocument, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SubmitRenewal(ctx, renewal, func(int64) ([]store.LicenceDocument, error) { return nil, nil }); code(err) != domain.CodeConflict {
		t.Errorf("a renewal submitted twice: %v", err)
	}
}
