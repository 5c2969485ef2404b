package store_test

import (
	"context"
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func licenceOf(number, service, from string) store.ProviderLicence {
	f := rday(from)
	return store.ProviderLicence{Licence: providers.Licence{Number: number, Service: service, ValidFrom: f, ValidUntil: providers.ValidUntil(f)}, RecordedBy: "milena.ministry"}
}

func TestProvidersAndLicences(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p, err := db.CreateProvider(ctx, store.Provider{Name: "Dnevni centar Sunce", PIB: "02655284", Street: "Njegoševa 1", Municipality: "ME-16",
		FoundedOn: rday("2020-02-01"), CreatedBy: "milena.ministry"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateProvider(ctx, store.Provider{Name: "Copy", PIB: "02655284", Street: "x", Municipality: "ME-02", FoundedOn: rday("2020-01-01"), CreatedBy: "x"}); code(err) != domain.CodeConflict || field(err) != "pib" {
		t.Errorf("a second provider with the same PIB: %v; want a conflict on pib", err)
	}
	if _, err := db.AddLicence(ctx, p.ID, licenceOf("L-2026-001", "day_care_disability", "2026-01-01")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddLicence(ctx, p.ID, licenceOf("L-2026-001", "counselling", "2026-01-01")); code(err) != domain.CodeConflict || field(err) != "number" {
		t.Errorf("a duplicate licence number: %v; want a conflict on number", err)
	}
	// Before the provider was founded and an unknown service: both named, nothing written.
	_, err = db.AddLicence(ctx, p.ID, licenceOf("L-2019-9", "juggling", "2019-01-01"))
	if de, ok := err.(*domain.Error); !ok || de.Code != domain.CodeInvalid || len(de.Fields) != 2 {
		t.Errorf("a bad licence: %v; want two faults", err)
	}
	if _, err := db.AddLicence(ctx, 999999, licenceOf("L-X", "counselling", "2026-01-01")); code(err) != domain.CodeNotFound {
		t.Errorf("a licence of no provider: %v; want not found", err)
	}
	if _, err := db.AddLicence(ctx, p.ID, licenceOf("L-2020-007", "counselling", "2020-03-01")); err != nil {
		t.Fatal(err)
	}
	got, err := db.WithdrawLicence(ctx, p.ID, "L-2020-007", rday("2026-11-30"), "inspection found no staff", "milena.ministry")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Licences) != 2 {
		t.Fatalf("licences = %d; want 2", len(got.Licences))
	}
	if _, err := db.WithdrawLicence(ctx, p.ID, "L-2020-007", rday("2026-12-01"), "again", "milena.ministry"); code(err) != domain.CodeConflict {
		t.Errorf("withdrawing a withdrawn licence: %v; want a conflict", err)
	}
	if _, err := db.WithdrawLicence(ctx, p.ID, "L-NONE", rday("2026-12-01"), "x", "milena.ministry"); code(err) != domain.CodeNotFound {
		t.Errorf("withdrawing no licence: %v; want not found", err)
	}
	today := rday("2026-12-01")
	states := map[string]string{}
	for _, l := range got.Licences {
		states[l.Number] = l.State(today)
	}
	if states["L-2026-001"] != providers.Active || states["L-2020-007"] != providers.Withdrawn {
		t.Errorf("states = %v", states)
	}
	reg, err := db.PublicRegister(ctx, store.RegisterFilter{Municipality: "ME-16", Service: "counselling"})
	if err != nil {
		t.Fatal(err)
	}
	if len(reg) != 1 || reg[0].Licence.Number != "L-2020-007" || reg[0].Licence.WithdrawnOn == nil {
		t.Errorf("register (Podgorica, counselling) = %+v", reg)
	}
	if reg, _ := db.PublicRegister(ctx, store.RegisterFilter{Municipality: "ME-02"}); len(reg) != 0 {
		t.Errorf("register (Bar) = %+v; want none", reg)
	}
}
