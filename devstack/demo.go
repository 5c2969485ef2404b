package devstack

import (
	"context"
	"fmt"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store"
)

// LoadDemo registers the first n households of the synthetic population,
// as the population register states them, so that the simulated
// registries and Karton agree on every person. Loading again is harmless.
// progress, if set, is called after each household.
func LoadDemo(ctx context.Context, db *store.DB, pop *sim.Population, n int, progress func(done, total int)) error {
	if n < 0 || n > pop.Size() {
		return domain.Errorf(domain.CodeInvalid, "households must be between 0 and %d (the simulated population's size)", pop.Size())
	}
	for i := 0; i < n; i++ {
		h := pop.Household(i)
		link := store.HouseholdLink{RegisterNumber: h.RegisterNumber, Address: h.Address}
		for _, m := range h.Members {
			link.Members = append(link.Members, store.HouseholdLinkMember{
				JMBG: m.JMBG, GivenName: m.GivenName, FamilyName: m.FamilyName,
				BirthDate: m.BirthDate, Sex: m.Sex, Relation: m.Relation,
			})
		}
		if _, err := db.LinkHousehold(ctx, link); err != nil {
			return fmt.Errorf("load household %s: %w", h.RegisterNumber, err)
		}
		if progress != nil {
			progress(i+1, n)
		}
	}
	return nil
}
