package devstack

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
)

// demoContracts are the demo contracts with providers (issue 23): the
// Podgorica centre's with the day-care centre Sunce (its staff:
// tamara.sunce, and its software sunce-system), the ministry's with the
// home-help provider of Nikšić (dusan.pomoc). GUESS on the rates: the
// state's normative rates are the ministry's to publish.
var demoContracts = []struct {
	centre, pib, service string
	capacity             int
	unit                 services.Unit
	rate                 string
	normative            bool
	legalRef             string
}{
	{"csr-podgorica", "02655284", "day_care_disability", 20, services.UnitDay, "12.50", true,
		"Zakon o socijalnoj i dječjoj zaštiti, čl. 69; normativ dnevnog boravka"},
	{"", "02000008", "home_help_elderly", 40, services.UnitVisit, "8.00", false,
		"Zakon o socijalnoj i dječjoj zaštiti, čl. 67; ugovor Ministarstva"},
}

// demoDelegations are the centres' delegations to those providers.
var demoDelegations = []services.Delegation{
	{CentreID: "csr-podgorica", ProviderPIB: "02655284", Scope: []string{services.ScopeIdentity, services.ScopeContact, services.ScopePlan}},
	{CentreID: "csr-niksic", ProviderPIB: "02000008", Scope: []string{services.ScopeIdentity, services.ScopeContact}},
}

// LoadDemoServices records the demo providers (LoadDemoProviders) and,
// unless a contract is on record, the demo contracts (from 30 days ago to
// the end of next year) and delegations (for two years); returns how many
// contracts it recorded.
func LoadDemoServices(ctx context.Context, db *store.DB, today time.Time) (int, error) {
	if _, err := LoadDemoProviders(ctx, db, today); err != nil {
		return 0, err
	}
	have, err := db.ServiceContracts(ctx, store.ContractFilter{})
	if err != nil || len(have) > 0 {
		return 0, err
	}
	day := domain.CalendarDay(today)
	from, until := day.AddDate(0, 0, -30), time.Date(day.Year()+1, 12, 31, 0, 0, 0, 0, time.UTC)
	n := 0
	for _, d := range demoContracts {
		c := services.Contract{Service: d.service, CentreID: d.centre, ProviderPIB: domain.PIB(d.pib), Capacity: d.capacity, From: from,
			Until: until, Unit: d.unit, Rate: decimal.RequireFromString(d.rate), Normative: d.normative, LegalRef: d.legalRef,
			PayeeIBAN: string(domain.MakeIBAN("510", uint64(n+1)*7700123))}
		if _, err := db.CreateServiceContract(ctx, c, nil, "demo", today); err != nil {
			return n, fmt.Errorf("demo contract with %s: %w", d.pib, err)
		}
		n++
	}
	for _, d := range demoDelegations {
		d.From, d.Until = from, day.AddDate(2, 0, 0)
		if _, err := db.GrantDelegation(ctx, d, "demo", today); err != nil {
			return n, fmt.Errorf("demo delegation of %s to %s: %w", d.CentreID, d.ProviderPIB, err)
		}
	}
	return n, nil
}
