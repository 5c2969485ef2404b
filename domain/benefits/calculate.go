package benefits

import (
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Situation is everything a calculation reads: the household as the
// evidence states it, and what the claim declares.
type Situation struct {
	// Period is the first day of the month calculated (monthly benefits)
	// or the day of the event (one-off benefits).
	Period time.Time
	// ApplicationDate is the day the claim was filed.
	ApplicationDate time.Time
	// Members is the household; the first is the applicant.
	Members []Member
	// Subject is the ID of the member the benefit is about, when it is not
	// the applicant: the disabled person (LI, DNJP), the cared-for person
	// (NNJ), the newborn (ND).
	Subject  string
	Declared Declared
}

// Member is one person of the household, with the facts that count.
type Member struct {
	ID        string
	Name      string
	BirthDate time.Time
	Relation  domain.Relation

	NetIncome           decimal.Decimal // monthly, registered with the tax administration
	Pension             decimal.Decimal // monthly
	UnemploymentBenefit decimal.Decimal // monthly
	FarmerAllowance     decimal.Decimal // monthly
	PremiumsYearly      decimal.Decimal // agricultural premiums per year
	Vehicles            []decimal.Decimal
	Dwellings           int
	LandM2              decimal.Decimal

	ReceivesMO   bool
	ReceivesLI   bool
	ReceivesDNJP bool

	DisabilityPercent      int  // from the first-instance medical commission
	NeedsCare              bool // needs care and help from another person (medical finding)
	FormerChildWithoutCare bool

	// Sources names the evidence behind each fact, by kind, for the
	// explanation ("tax/registered_income #42").
	Sources map[domain.EvidenceKind]string
}

// Declared is what the claim itself states.
type Declared struct {
	RequestedAmount decimal.Decimal // JNP: the amount the caseworker sets
	GrantsThisYear  int             // JNP: grants already made to the applicant this year
	FuneralCost     decimal.Decimal // TS: the costs the applicant bore
	DeceasedWasMO   bool            // TS: the deceased received MO
	Guardian        bool            // NNJ: the applicant is the subject's guardian
	FamilyMO        bool            // DD, ND: the family receives MO (when not in the evidence)
}

// Result is a calculation's outcome.
type Result struct {
	Benefit  Code
	Eligible bool
	Reasons  []string        // why not, when not eligible
	Amount   decimal.Decimal // per month, or once; zero when not eligible
	// Max is the law's ceiling for the benefit in this situation: the MO
	// threshold for the household's size, the JNP cap, the TS flat amount;
	// else the amount.
	Max decimal.Decimal
	// AdjustMax is the most a caseworker may set the amount to in the
	// review (adjust.go): the computed amount, JNP's cap, zero when the
	// calculation may not be adjusted into a grant.
	AdjustMax decimal.Decimal
	Lines     []Line
}

// Line is one step of the explanation: what was counted, its value, and
// where it comes from (a parameter with its legal reference, or evidence).
type Line struct {
	What   string
	Value  string
	Source string
}

type calc struct {
	p   *Params
	s   Situation
	res Result
	err error
	// discretion is JNP's cap when nothing but the amount bars a grant.
	discretion decimal.Decimal
}

func (c *calc) param(name string, day time.Time) decimal.Decimal {
	if c.err != nil {
		return decimal.Zero
	}
	d, err := c.p.At(name, day)
	if err != nil {
		c.err = err
		return decimal.Zero
	}
	src := "parameter " + name + " from " + d.From.Format(time.DateOnly) + ": " + d.Ref
	if d.Guess {
		src += " (GUESS)"
	}
	par, _ := c.p.Parameter(name)
	c.line(par.Description, d.Value.String(), src)
	return d.Value
}

func (c *calc) line(what, value, source string) {
	c.res.Lines = append(c.res.Lines, Line{What: what, Value: value, Source: source})
}

func (c *calc) no(format string, args ...any) {
	c.res.Reasons = append(c.res.Reasons, fmt.Sprintf(format, args...))
}

// Calculate decides eligibility and the amount of benefit code in s. It
// returns an error for a benefit that is not implemented, a situation
// without members, or a parameter with no value in the period.
func Calculate(p *Params, code Code, s Situation) (Result, error) {
	b, ok := Lookup(code)
	if !ok {
		return Result{}, domain.Errorf(domain.CodeInvalid, "unknown benefit %q", code)
	}
	if !b.Implemented {
		return Result{}, domain.Errorf(domain.CodeInvalid, "benefit %s (%s) is catalogued but its rules are not implemented", code, b.NameEn)
	}
	if len(s.Members) == 0 {
		return Result{}, domain.Errorf(domain.CodeInvalid, "the household has no members")
	}
	c := &calc{p: p, s: s, res: Result{Benefit: code, Amount: decimal.Zero, Max: decimal.Zero}}
	switch code {
	case MO:
		c.mo()
	case LI:
		c.li()
	case DNJP:
		c.dnjp()
	case DD:
		c.dd()
	case ND:
		c.nd()
	case JNP:
		c.jnp()
	case TS:
		c.ts()
	case NNJ:
		c.nnj()
	}
	if c.err != nil {
		return Result{}, c.err
	}
	c.res.Eligible = len(c.res.Reasons) == 0
	if c.res.Max.IsZero() {
		c.res.Max = c.res.Amount
	}
	c.res.Max = c.res.Max.Round(2)
	if !c.res.Eligible {
		c.res.Amount = decimal.Zero
	}
	c.res.Amount = c.res.Amount.Round(2)
	c.res.AdjustMax = adjustMax(code, c.res, c.discretion.Round(2))
	c.line("amount", c.res.Amount.StringFixed(2), "result")
	return c.res, nil
}

func (c *calc) subject() (Member, bool) {
	if c.s.Subject == "" {
		return c.s.Members[0], true
	}
	for _, m := range c.s.Members {
		if m.ID == c.s.Subject {
			return m, true
		}
	}
	return Member{}, false
}

func src(m Member, k domain.EvidenceKind) string {
	if s, ok := m.Sources[k]; ok {
		return s
	}
	return "declared"
}

// mo: Art. 31-38. The family's counted income is topped up to the
// threshold for its size (GUESS on the counting rules, DOMAIN.md §3.3 (1)).
func (c *calc) mo() {
	day := c.s.Period
	size := len(c.s.Members)
	c.line("household members", fmt.Sprint(size), "population/household")
	capSize := int(c.param("mo.family_size_cap", day).IntPart())
	var threshold decimal.Decimal
	if c.s.Members[0].FormerChildWithoutCare && size == 1 {
		threshold = c.param("mo.threshold.former_child_without_care", day)
	} else {
		threshold = c.param(fmt.Sprintf("mo.threshold.size_%d", min(size, max(capSize, 1))), day)
	}
	vehicleMax := c.param("mo.property.vehicle_value_max", day)
	maxDwellings := c.param("mo.property.max_dwellings", day)
	landMax := c.param("mo.land_m2_max", day)
	income := decimal.Zero
	dwellings, land := 0, decimal.Zero
	for _, m := range c.s.Members {
		add := func(what string, v decimal.Decimal, k domain.EvidenceKind) {
			if v.IsZero() {
				return
			}
			income = income.Add(v)
			c.line(what+" of "+m.Name, v.StringFixed(2), src(m, k))
		}
		add("registered net income", m.NetIncome, domain.KindIncome)
		add("pension", m.Pension, domain.KindPension)
		add("unemployment benefit", m.UnemploymentBenefit, domain.KindUnemployment)
		add("farmers' allowance", m.FarmerAllowance, domain.KindAgriculture)
		add("agricultural premiums (yearly / 12)", m.PremiumsYearly.Div(decimal.NewFromInt(12)).Round(2), domain.KindAgriculture)
		for _, v := range m.Vehicles {
			c.line("vehicle of "+m.Name+" (estimated value)", v.StringFixed(2), src(m, domain.KindVehicles))
			if v.GreaterThan(vehicleMax) {
				c.no("%s owns a vehicle worth %s EUR, more than %s", m.Name, v.StringFixed(2), vehicleMax.StringFixed(2))
			}
		}
		dwellings += m.Dwellings
		land = land.Add(m.LandM2)
	}
	c.line("dwellings owned by the household", fmt.Sprint(dwellings), "realestate/real_estate of each member")
	c.line("agricultural land owned by the household (m2)", land.String(), "realestate/real_estate of each member")
	if decimal.NewFromInt(int64(dwellings)).GreaterThan(maxDwellings) {
		c.no("the household owns %d dwellings, more than %s", dwellings, maxDwellings)
	}
	if land.GreaterThan(landMax) {
		c.no("the household owns %s m2 of land, more than %s", land, landMax)
	}
	c.res.Max = threshold
	c.line("counted monthly income of the household", income.StringFixed(2), "sum of the lines above")
	if !income.LessThan(threshold) {
		c.no("the household's income %s EUR is not below the threshold %s EUR", income.StringFixed(2), threshold.StringFixed(2))
		return
	}
	c.res.Amount = threshold.Sub(income)
	c.line("threshold minus income", c.res.Amount.StringFixed(2), "Art. 38: top-up to the threshold (GUESS on counting rules)")
}

// li: a person with a disability of at least 80%; not with DNJP.
func (c *calc) li() {
	m, ok := c.subject()
	if !ok {
		c.no("the person the claim is about is not a member of the household")
		return
	}
	day := c.s.Period
	minPct := c.param("li.min_disability_percent", day)
	c.line("degree of disability of "+m.Name, fmt.Sprintf("%d%%", m.DisabilityPercent), "finding of the first-instance medical commission (declared)")
	if decimal.NewFromInt(int64(m.DisabilityPercent)).LessThan(minPct) {
		c.no("%s's degree of disability %d%% is below %s%%", m.Name, m.DisabilityPercent, minPct)
	}
	if m.ReceivesDNJP {
		c.no("%s receives the care-and-assistance allowance (DNJP), which LI excludes", m.Name)
	}
	c.res.Amount = c.param("li.amount", day)
}

// dnjp: a person who needs care and help from another person; not with LI.
func (c *calc) dnjp() {
	m, ok := c.subject()
	if !ok {
		c.no("the person the claim is about is not a member of the household")
		return
	}
	c.line("needs care and help from another person: "+m.Name, fmt.Sprint(m.NeedsCare), "finding of the first-instance medical commission (declared)")
	if !m.NeedsCare {
		c.no("%s is not found to need care and help from another person", m.Name)
	}
	if m.ReceivesLI {
		c.no("%s receives the personal disability allowance (LI), which DNJP excludes", m.Name)
	}
	c.res.Amount = c.param("dnjp.amount", c.s.Period)
}

func ageOn(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		age--
	}
	return age
}

func (c *calc) familyMO() bool {
	if c.s.Declared.FamilyMO {
		return true
	}
	for _, m := range c.s.Members {
		if m.ReceivesMO {
			return true
		}
	}
	return false
}

// dd: every child under the age limit, up to five per family, at the
// highest rate that applies to the child.
func (c *calc) dd() {
	day := c.s.Period
	limit := int(c.param("dd.age_limit", day).IntPart())
	maxChildren := int(c.param("dd.max_children", day).IntPart())
	universal := c.param("dd.rate.universal", day)
	familyMO := c.familyMO()
	var rateMO, rateDNJP, rateLI decimal.Decimal
	if familyMO {
		rateMO = c.param("dd.rate.mo", day)
	}
	type child struct {
		m    Member
		rate decimal.Decimal
		why  string
	}
	var kids []child
	for _, m := range c.s.Members {
		if m.Relation != domain.RelationChild {
			continue
		}
		age := ageOn(m.BirthDate, day)
		if age < 0 || age >= limit {
			continue
		}
		k := child{m: m, rate: universal, why: "universal rate"}
		if familyMO && rateMO.GreaterThan(k.rate) {
			k.rate, k.why = rateMO, "family receives MO"
		}
		if m.ReceivesDNJP {
			if rateDNJP.IsZero() {
				rateDNJP = c.param("dd.rate.dnjp", day)
			}
			if rateDNJP.GreaterThan(k.rate) {
				k.rate, k.why = rateDNJP, "child receives DNJP"
			}
		}
		if m.ReceivesLI {
			if rateLI.IsZero() {
				rateLI = c.param("dd.rate.li", day)
			}
			if rateLI.GreaterThan(k.rate) {
				k.rate, k.why = rateLI, "child receives LI"
			}
		}
		kids = append(kids, k)
	}
	if len(kids) == 0 {
		c.no("the household has no child younger than %d", limit)
		return
	}
	sort.SliceStable(kids, func(i, j int) bool { return kids[i].rate.GreaterThan(kids[j].rate) })
	for i, k := range kids {
		if i >= maxChildren {
			c.line(fmt.Sprintf("%s (age %d): beyond the first %d children", k.m.Name, ageOn(k.m.BirthDate, day), maxChildren), "0.00", "parameter dd.max_children")
			continue
		}
		c.line(fmt.Sprintf("%s (age %d): %s", k.m.Name, ageOn(k.m.BirthDate, day), k.why), k.rate.StringFixed(2), src(k.m, domain.KindIdentity))
		c.res.Amount = c.res.Amount.Add(k.rate)
	}
}

// nd: a one-off grant for a child applied for within a year of birth;
// the amount depends on the child's date of birth and on MO.
func (c *calc) nd() {
	m, ok := c.subject()
	if !ok || c.s.Subject == "" {
		c.no("the claim does not name the newborn child among the household members")
		return
	}
	if m.Relation != domain.RelationChild {
		c.no("%s is not a child of the household", m.Name)
	}
	c.line("date of birth of "+m.Name, m.BirthDate.Format(time.DateOnly), src(m, domain.KindIdentity))
	window := int(c.param("nd.application_days", m.BirthDate).IntPart())
	if c.s.ApplicationDate.After(m.BirthDate.AddDate(0, 0, window)) {
		c.no("the claim was filed on %s, more than %d days after the birth", c.s.ApplicationDate.Format(time.DateOnly), window)
	}
	if c.s.ApplicationDate.Before(m.BirthDate) {
		c.no("the claim was filed before the birth")
	}
	if c.familyMO() {
		c.res.Amount = c.param("nd.amount_mo", m.BirthDate)
	} else {
		c.res.Amount = c.param("nd.amount", m.BirthDate)
	}
}

// jnp: the caseworker sets the amount within the legal cap.
func (c *calc) jnp() {
	day := c.s.Period
	maxAmount := c.param("jnp.max_amount", day)
	perYear := int(c.param("jnp.max_per_year", day).IntPart())
	req := c.s.Declared.RequestedAmount
	c.line("amount set by the caseworker", req.StringFixed(2), "declared")
	c.line("grants already made this year", fmt.Sprint(c.s.Declared.GrantsThisYear), "decisions")
	if !req.IsPositive() {
		c.no("the caseworker has not set a positive amount")
	}
	if req.GreaterThan(maxAmount) {
		c.no("the amount %s EUR is above the cap of %s EUR", req.StringFixed(2), maxAmount.StringFixed(2))
	}
	if c.s.Declared.GrantsThisYear >= perYear {
		c.no("%d grants were already made this year; at most %d", c.s.Declared.GrantsThisYear, perYear)
	} else {
		c.discretion = maxAmount
	}
	c.res.Amount = req
	c.res.Max = maxAmount
}

// ts: the funeral of an MO beneficiary, paid to whoever bore the costs, at
// most the costs documented (GUESS on the cap).
func (c *calc) ts() {
	flat := c.param("ts.amount", c.s.Period)
	c.line("the deceased received MO", fmt.Sprint(c.s.Declared.DeceasedWasMO), "declared, checked against decisions")
	c.line("funeral costs borne by the applicant", c.s.Declared.FuneralCost.StringFixed(2), "declared, with receipts")
	if !c.s.Declared.DeceasedWasMO {
		c.no("the deceased was not a beneficiary of MO")
	}
	if !c.s.Declared.FuneralCost.IsPositive() {
		c.no("no funeral costs are documented")
	}
	c.res.Max = flat
	c.res.Amount = decimal.Min(flat, c.s.Declared.FuneralCost)
	if c.res.Amount.LessThan(flat) {
		c.line("limited to the documented costs", c.res.Amount.StringFixed(2), "GUESS: not more than the costs borne")
	}
}

// nnj: the parent or guardian who cares for an LI beneficiary.
func (c *calc) nnj() {
	carer := c.s.Members[0]
	m, ok := c.subject()
	if !ok || c.s.Subject == "" || m.ID == carer.ID {
		c.no("the claim does not name the cared-for person among the household members")
		return
	}
	c.line(m.Name+" receives LI", fmt.Sprint(m.ReceivesLI), "decisions")
	if !m.ReceivesLI {
		c.no("%s does not receive the personal disability allowance (LI)", m.Name)
	}
	parent := (carer.Relation == domain.RelationHead || carer.Relation == domain.RelationSpouse) && m.Relation == domain.RelationChild
	c.line(carer.Name+" is parent or guardian", fmt.Sprint(parent || c.s.Declared.Guardian), "population/household, or guardianship decision")
	if !parent && !c.s.Declared.Guardian {
		c.no("%s is neither a parent nor the guardian of %s", carer.Name, m.Name)
	}
	c.res.Amount = c.param("carer.amount", c.s.Period)
}
