package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
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
		if err := carryOver(ctx, db, "DD", centre.ID, members, iban, amount, from, nil); err != nil {
			return created, fmt.Errorf("demo right of %s: %w", h.RegisterNumber, err)
		}
		created++
	}
	return created, nil
}

// carryOver records a right carried over from the previous system: a
// claim decided by "migration", its decision and an active monthly right
// from from, paid to the first member.
func carryOver(ctx context.Context, db *store.DB, benefit, centre string, members []domain.PersonID, iban string, amount decimal.Decimal, from time.Time,
	basis []byte) error {
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: benefit, ApplicantID: members[0], SubjectID: members[0], CentreID: centre, PayeeIBAN: iban,
		Consent: true, FiledBy: "migration", Period: from, Members: members})
	if err != nil {
		return err
	}
	if err := db.SetClaimState(ctx, c.Number, "approved", "right carried over from the previous system"); err != nil {
		return err
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: centre, Kind: "grant", Benefit: benefit, Amount: amount,
		PeriodFrom: from, PreparedBy: "migration", ApprovedBy: "migration-check", IssuedAt: from})
	if err != nil {
		return err
	}
	_, err = db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: benefit, BeneficiaryID: members[0],
		PayeeIBAN: iban, Amount: amount, Periodicity: "monthly", ValidFrom: from, Basis: basis})
	return err
}

// LoadDemoAssistance gives the first n demo households (already loaded)
// in which an adult is on the unemployment register and nobody earns a
// wage the financial assistance (MO) they would have from before Karton,
// at the threshold for their size (no income), from the start of the
// current year. Their unemployed adults are the work-capable members a
// centre refers to the employment agency. A household that already has
// it is left alone. Returns how many rights were created.
func LoadDemoAssistance(ctx context.Context, db *store.DB, pop *sim.Population, n int, today time.Time) (int, error) {
	if n < 0 || n > pop.Size() {
		return 0, domain.Errorf(domain.CodeInvalid, "households must be between 0 and %d (the simulated population's size)", pop.Size())
	}
	params, err := benefits.LoadParams()
	if err != nil {
		return 0, err
	}
	from := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	created := 0
	for i := 0; i < n; i++ {
		h := pop.Household(i)
		centre, ok := domain.CentreFor(h.Address.Municipality)
		if _, needs := workCapable(h, today); !needs || !ok {
			continue
		}
		var members []domain.PersonID
		// The basis is the situation the previous system granted the
		// amount on (no income in the household), so that a new value of
		// the law's parameters re-rates the right (issue 16).
		basis := benefits.Situation{Period: from, ApplicationDate: from}
		for _, m := range h.Members {
			p, err := db.PersonByJMBG(ctx, m.JMBG)
			if err != nil {
				return created, fmt.Errorf("demo assistance of %s: %w", h.RegisterNumber, err)
			}
			members = append(members, p.ID)
			basis.Members = append(basis.Members, benefits.Member{ID: string(p.ID), Name: m.GivenName + " " + m.FamilyName, BirthDate: m.BirthDate,
				Relation: m.Relation})
		}
		has, err := db.ActiveBenefits(ctx, members[0])
		if err != nil {
			return created, err
		}
		if slices.Contains(has, "MO") {
			continue
		}
		threshold, err := params.At(fmt.Sprintf("mo.threshold.size_%d", min(len(members), 5)), today)
		if err != nil {
			return created, err
		}
		amount := threshold.Value
		iban := string(domain.MakeIBAN("510", uint64(2000000+i)))
		b, err := json.Marshal(basis)
		if err != nil {
			return created, err
		}
		if err := carryOver(ctx, db, "MO", centre.ID, members, iban, amount, from, b); err != nil {
			return created, fmt.Errorf("demo assistance of %s: %w", h.RegisterNumber, err)
		}
		created++
	}
	return created, nil
}

// workCapable is a household's first adult on the unemployment register,
// and whether the household has financial assistance in the demo: such an
// adult and nobody earning a wage.
func workCapable(h sim.Household, today time.Time) (sim.Member, bool) {
	var found *sim.Member
	for i, m := range h.Members {
		if m.EmployedNet.IsPositive() {
			return sim.Member{}, false
		}
		if found == nil && m.Unemployed && m.BirthDate.AddDate(18, 0, 0).Before(today) {
			found = &h.Members[i]
		}
	}
	if found == nil {
		return sim.Member{}, false
	}
	return *found, true
}

// ActivationExample is a work-capable member of one of the first n demo
// households with financial assistance whose centre is centre: someone to
// refer to the employment agency in the walkthrough.
func ActivationExample(pop *sim.Population, n int, centre string, today time.Time) (sim.Member, bool) {
	for i := 0; i < n && i < pop.Size(); i++ {
		h := pop.Household(i)
		c, ok := domain.CentreFor(h.Address.Municipality)
		if m, needs := workCapable(h, today); needs && ok && c.ID == centre {
			return m, true
		}
	}
	return sim.Member{}, false
}
