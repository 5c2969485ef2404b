package devstack

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

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

// LoadDemoRights gives the first n demo households (already loaded) the
// child allowance they would have from before Karton: a claim decided by
// "migration", its decision and an active monthly right from the start of
// the previous year, paid to the head of the household. Every fifth payee
// has no bank account (paid through the Post). A household that already
// has the right is left alone, so loading again is harmless. Returns how
// many rights were created.
func LoadDemoRights(ctx context.Context, db *store.DB, pop *sim.Population, n int, today time.Time) (int, error) {
	if n < 0 || n > pop.Size() {
		return 0, domain.Errorf(domain.CodeInvalid, "households must be between 0 and %d (the simulated population's size)", pop.Size())
	}
	from := time.Date(today.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	rate := decimal.RequireFromString("30.00") // dd.rate.universal
	created := 0
	for i := 0; i < n; i++ {
		h := pop.Household(i)
		var head *sim.Member
		var children []sim.Member
		for j, m := range h.Members {
			switch {
			case m.Relation == domain.RelationHead:
				head = &h.Members[j]
			case m.Relation == domain.RelationChild && m.BirthDate.AddDate(18, 0, 0).After(today):
				children = append(children, m)
			}
		}
		centre, ok := domain.CentreFor(h.Address.Municipality)
		if head == nil || len(children) == 0 || !ok {
			continue
		}
		if len(children) > 5 {
			children = children[:5]
		}
		p, err := db.PersonByJMBG(ctx, head.JMBG)
		if err != nil {
			return created, fmt.Errorf("demo right of %s: %w", h.RegisterNumber, err)
		}
		has, err := db.ActiveBenefits(ctx, p.ID)
		if err != nil {
			return created, err
		}
		if slices.Contains(has, "DD") {
			continue
		}
		iban := ""
		if i%5 != 4 {
			iban = string(domain.MakeIBAN("510", uint64(1000000+i)))
		}
		members := []domain.PersonID{p.ID}
		for _, c := range children {
			cp, err := db.PersonByJMBG(ctx, c.JMBG)
			if err != nil {
				return created, fmt.Errorf("demo right of %s: %w", h.RegisterNumber, err)
			}
			members = append(members, cp.ID)
		}
		amount := rate.Mul(decimal.NewFromInt(int64(len(children))))
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: "DD", ApplicantID: p.ID, SubjectID: p.ID, CentreID: centre.ID, PayeeIBAN: iban,
			Consent: true, FiledBy: "migration", Period: from, Members: members})
		if err != nil {
			return created, fmt.Errorf("demo claim of %s: %w", h.RegisterNumber, err)
		}
		if err := db.SetClaimState(ctx, c.Number, "approved", "right carried over from the previous system"); err != nil {
			return created, err
		}
		d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: centre.ID, Kind: "grant", Benefit: "DD", Amount: amount,
			PeriodFrom: from, PreparedBy: "migration", ApprovedBy: "migration", IssuedAt: from})
		if err != nil {
			return created, err
		}
		if _, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "DD", BeneficiaryID: p.ID,
			PayeeIBAN: iban, Amount: amount, Periodicity: "monthly", ValidFrom: from}); err != nil {
			return created, err
		}
		created++
	}
	return created, nil
}
