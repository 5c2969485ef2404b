package devstack

import (
	"context"
	"fmt"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
)

// demoProviders are the register's demo providers (issue 21): made-up
// names and PIBs (valid check digits), each with its licences; one
// licence withdrawn and one expired, so that the public register shows
// both. Days are relative to today.
var demoProviders = []struct {
	name, pib, street, municipality string
	licences                        []demoLicence
}{
	{"Dnevni centar Sunce", "02655284", "Njegoševa 12", "ME-16", []demoLicence{
		{"L-DEMO-001", "day_care_disability", -400, false},
		{"L-DEMO-002", "counselling", -900, false}}},
	{"Pomoć u kući Nikšić d.o.o.", "02000008", "Njegoševa 3", "ME-12", []demoLicence{
		{"L-DEMO-003", "home_help_elderly", -200, false},
		{"L-DEMO-004", "residential_elderly", -2300, false}}}, // expired
	{"Sigurna kuća Primorje", "02741768", "Obala 5", "ME-02", []demoLicence{
		{"L-DEMO-005", "shelter_violence", -700, true}}}, // withdrawn
	// residential care in force: what placements in an institution (P03, P22) may name
	{"Dom Sunčana obala", "03000001", "Bulevar Svetog Petra Cetinjskog 20", "ME-16", []demoLicence{
		{"L-DEMO-006", "residential_elderly", -100, false},
		{"L-DEMO-007", "residential_children", -100, false}}},
}

type demoLicence struct {
	number, service string
	fromDays        int // valid from, days from today
	withdrawn       bool
}

// LoadDemoProviders records the demo providers and their licences unless
// a provider with the PIB is on record; returns how many it recorded.
func LoadDemoProviders(ctx context.Context, db *store.DB, today time.Time) (int, error) {
	n := 0
	for _, d := range demoProviders {
		p, err := db.CreateProvider(ctx, store.Provider{Name: d.name, PIB: d.pib, Street: d.street, Municipality: d.municipality,
			FoundedOn: today.AddDate(-10, 0, 0), CreatedBy: "demo"})
		if domain.ErrorCode(err) == domain.CodeConflict {
			continue // loaded before
		}
		if err != nil {
			return n, fmt.Errorf("demo provider %s: %w", d.name, err)
		}
		for _, l := range d.licences {
			from := today.AddDate(0, 0, l.fromDays)
			if _, err := db.AddLicence(ctx, p.ID, store.ProviderLicence{Licence: providers.Licence{Number: l.number, Service: l.service,
				ValidFrom: from, ValidUntil: providers.ValidUntil(from)}, RecordedBy: "demo"}); err != nil {
				return n, fmt.Errorf("demo licence %s: %w", l.number, err)
			}
			if l.withdrawn {
				if _, err := db.WithdrawLicence(ctx, p.ID, l.number, today.AddDate(0, 0, -30), "demo: the inspection found the shelter closed", "demo"); err != nil {
					return n, fmt.Errorf("demo withdrawal %s: %w", l.number, err)
				}
			}
		}
		n++
	}
	return n, nil
}
