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

	// DeathDate is the day the member died, from the population
	// register's identity record; nil while alive. The dead leave the
	// household from the day after death: a calculation for a period that
	// starts later does not count them (Calculate).
	DeathDate *time.Time `json:",omitempty"`

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
	Reasons  []string // why not, when not eligible (in English)
	// Why are the reasons as phrases of the catalogue (explain.go), one
	// per reason, to be said in the reader's language.
	Why    []Phrase
	Amount decimal.Decimal // per month, or once; zero when not eligible
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
// What and Source are in English; Text and From are the same in phrases of
// the catalogue (explain.go), for a reader of another language (In).
type Line struct {
	What   string
	Value  string
	Source string
	Text   Phrase
	From   Phrase
}

// In says the line in lang: what, value and source.
func (l Line) In(lang string) (what, value, source string) {
	if l.Text.Key == "" { // a line recorded before the catalogue
		return l.What, l.Value, l.Source
	}
	return l.Text.In(lang), SayValue(l.Value, lang), l.From.In(lang)
}

type calc struct {
	p   *Params
	s   Situation
	res Result
	err error
	// discretion is JNP's cap when nothing but the amount bars a grant.
	discretion decimal.Decimal
	// applicantDead is the applicant's date of death, before the period.
	applicantDead *time.Time
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
	key, refCnr := "src.param", d.RefCnr
	if d.Guess {
		key = "src.param.guess"
	}
	if refCnr == "" { // a value published through the API: written in Montenegrin
		refCnr = d.Ref
	}
	c.line(Say("param."+name), d.Value.String(), Say(key, name, d.From.Format(time.DateOnly), d.Ref, refCnr, d.From.Format("02.01.2006.")))
	return d.Value
}

// line adds an explanation line: what (a phrase), its value, its source.
func (c *calc) line(what Phrase, value string, source Phrase) {
	c.res.Lines = append(c.res.Lines, Line{What: what.In("en"), Value: value, Source: source.In("en"), Text: what, From: source})
}

// no adds a reason the claim is not eligible, a phrase key with its arguments.
func (c *calc) no(key string, args ...any) {
	p := Say(key, args...)
	c.res.Reasons = append(c.res.Reasons, p.In("en"))
	c.res.Why = append(c.res.Why, p)
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
	switch c.leaveTheDead(); {
	case c.applicantDead != nil:
		// a claim of a person who died before its period grants nothing
	case code == MO:
		c.mo()
	case code == LI:
		c.li()
	case code == DNJP:
		c.dnjp()
	case code == DD:
		c.dd()
	case code == ND:
		c.nd()
	case code == JNP:
		c.jnp()
	case code == TS:
		c.ts()
	case code == NNJ:
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
	c.line(Say("amount"), c.res.Amount.StringFixed(2), Say("src.result"))
	return c.res, nil
}

// leaveTheDead drops from the household every member who died before
// the period (DOMAIN.md §3.1: the dead leave the household from the day
// after death), with a line each; an applicant who died so is a reason.
func (c *calc) leaveTheDead() {
	var living []Member
	for i, m := range c.s.Members {
		if m.DeathDate == nil || !m.DeathDate.Before(c.s.Period) {
			living = append(living, m)
			continue
		}
		c.line(Say("member.dead", m.Name, m.DeathDate.Format("02.01.2006.")), m.DeathDate.Format(time.DateOnly), Say("src.death"))
		if i == 0 {
			c.applicantDead = m.DeathDate
			c.no("no.applicant_dead", m.Name, m.DeathDate.Format("02.01.2006."))
		}
	}
	if c.applicantDead == nil {
		c.s.Members = living
	}
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

func src(m Member, k domain.EvidenceKind) Phrase {
	return sourcePhrase(m.Sources[k])
}

// mo: Art. 31-38. The family's counted income is topped up to the
// threshold for its size (GUESS on the counting rules, DOMAIN.md §3.3 (1)).
func (c *calc) mo() {
	day := c.s.Period
	size := len(c.s.Members)
	c.line(Say("members"), fmt.Sprint(size), Say("src.household"))
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
			c.line(Say(what, m.Name), v.StringFixed(2), src(m, k))
		}
		add("income.net", m.NetIncome, domain.KindIncome)
		add("income.pension", m.Pension, domain.KindPension)
		add("income.unemployment", m.UnemploymentBenefit, domain.KindUnemployment)
		add("income.farmer", m.FarmerAllowance, domain.KindAgriculture)
		add("income.premiums", m.PremiumsYearly.Div(decimal.NewFromInt(12)).Round(2), domain.KindAgriculture)
		for _, v := range m.Vehicles {
			c.line(Say("vehicle", m.Name), v.StringFixed(2), src(m, domain.KindVehicles))
			if v.GreaterThan(vehicleMax) {
				c.no("no.vehicle", m.Name, v.StringFixed(2), vehicleMax.StringFixed(2))
			}
		}
		dwellings += m.Dwellings
		land = land.Add(m.LandM2)
	}
	c.line(Say("dwellings"), fmt.Sprint(dwellings), Say("src.realestate_all"))
	c.line(Say("land"), land.String(), Say("src.realestate_all"))
	if decimal.NewFromInt(int64(dwellings)).GreaterThan(maxDwellings) {
		c.no("no.dwellings", dwellings, maxDwellings)
	}
	if land.GreaterThan(landMax) {
		c.no("no.land", land, landMax)
	}
	c.res.Max = threshold
	c.line(Say("income.total"), income.StringFixed(2), Say("src.sum"))
	if !income.LessThan(threshold) {
		c.no("no.income", income.StringFixed(2), threshold.StringFixed(2))
		return
	}
	c.res.Amount = threshold.Sub(income)
	c.line(Say("mo.topup"), c.res.Amount.StringFixed(2), Say("src.mo_topup"))
}

// li: a person with a disability of at least 80%; not with DNJP.
func (c *calc) li() {
	m, ok := c.subject()
	if !ok {
		c.no("no.subject")
		return
	}
	day := c.s.Period
	minPct := c.param("li.min_disability_percent", day)
	c.line(Say("disability", m.Name), fmt.Sprintf("%d%%", m.DisabilityPercent), Say("src.medical"))
	if decimal.NewFromInt(int64(m.DisabilityPercent)).LessThan(minPct) {
		c.no("no.disability", m.Name, m.DisabilityPercent, minPct)
	}
	if m.ReceivesDNJP {
		c.no("no.li_dnjp", m.Name)
	}
	c.res.Amount = c.param("li.amount", day)
}

// dnjp: a person who needs care and help from another person; not with LI.
func (c *calc) dnjp() {
	m, ok := c.subject()
	if !ok {
		c.no("no.subject")
		return
	}
	c.line(Say("needs_care", m.Name), fmt.Sprint(m.NeedsCare), Say("src.medical"))
	if !m.NeedsCare {
		c.no("no.needs_care", m.Name)
	}
	if m.ReceivesLI {
		c.no("no.dnjp_li", m.Name)
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
		k := child{m: m, rate: universal, why: "@dd.why.universal"}
		if familyMO && rateMO.GreaterThan(k.rate) {
			k.rate, k.why = rateMO, "@dd.why.mo"
		}
		if m.ReceivesDNJP {
			if rateDNJP.IsZero() {
				rateDNJP = c.param("dd.rate.dnjp", day)
			}
			if rateDNJP.GreaterThan(k.rate) {
				k.rate, k.why = rateDNJP, "@dd.why.dnjp"
			}
		}
		if m.ReceivesLI {
			if rateLI.IsZero() {
				rateLI = c.param("dd.rate.li", day)
			}
			if rateLI.GreaterThan(k.rate) {
				k.rate, k.why = rateLI, "@dd.why.li"
			}
		}
		kids = append(kids, k)
	}
	if len(kids) == 0 {
		c.no("no.children", limit)
		return
	}
	sort.SliceStable(kids, func(i, j int) bool { return kids[i].rate.GreaterThan(kids[j].rate) })
	for i, k := range kids {
		if i >= maxChildren {
			c.line(Say("dd.beyond", k.m.Name, ageOn(k.m.BirthDate, day), maxChildren), "0.00", Say("src.param.dd_max"))
			continue
		}
		c.line(Say("dd.child", k.m.Name, ageOn(k.m.BirthDate, day), k.why), k.rate.StringFixed(2), src(k.m, domain.KindIdentity))
		c.res.Amount = c.res.Amount.Add(k.rate)
	}
}

// nd: a one-off grant for a child applied for within a year of birth;
// the amount depends on the child's date of birth and on MO.
func (c *calc) nd() {
	m, ok := c.subject()
	if !ok || c.s.Subject == "" {
		c.no("no.newborn")
		return
	}
	if m.Relation != domain.RelationChild {
		c.no("no.not_child", m.Name)
	}
	c.line(Say("birth", m.Name), m.BirthDate.Format(time.DateOnly), src(m, domain.KindIdentity))
	window := int(c.param("nd.application_days", m.BirthDate).IntPart())
	if c.s.ApplicationDate.After(m.BirthDate.AddDate(0, 0, window)) {
		c.no("no.nd_late", c.s.ApplicationDate.Format(time.DateOnly), window)
	}
	if c.s.ApplicationDate.Before(m.BirthDate) {
		c.no("no.nd_early")
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
	c.line(Say("jnp.set"), req.StringFixed(2), Say("src.declared"))
	c.line(Say("jnp.grants"), fmt.Sprint(c.s.Declared.GrantsThisYear), Say("src.decisions"))
	if !req.IsPositive() {
		c.no("no.jnp_amount")
	}
	if req.GreaterThan(maxAmount) {
		c.no("no.jnp_cap", req.StringFixed(2), maxAmount.StringFixed(2))
	}
	if c.s.Declared.GrantsThisYear >= perYear {
		c.no("no.jnp_year", c.s.Declared.GrantsThisYear, perYear)
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
	c.line(Say("ts.deceased_mo"), fmt.Sprint(c.s.Declared.DeceasedWasMO), Say("src.declared_checked"))
	c.line(Say("ts.costs"), c.s.Declared.FuneralCost.StringFixed(2), Say("src.receipts"))
	if !c.s.Declared.DeceasedWasMO {
		c.no("no.ts_not_mo")
	}
	if !c.s.Declared.FuneralCost.IsPositive() {
		c.no("no.ts_costs")
	}
	c.res.Max = flat
	c.res.Amount = decimal.Min(flat, c.s.Declared.FuneralCost)
	if c.res.Amount.LessThan(flat) {
		c.line(Say("ts.limited"), c.res.Amount.StringFixed(2), Say("src.ts_cap"))
	}
}

// nnj: the parent or guardian who cares for an LI beneficiary.
func (c *calc) nnj() {
	carer := c.s.Members[0]
	m, ok := c.subject()
	if !ok || c.s.Subject == "" || m.ID == carer.ID {
		c.no("no.cared_for")
		return
	}
	c.line(Say("nnj.li", m.Name), fmt.Sprint(m.ReceivesLI), Say("src.decisions"))
	if !m.ReceivesLI {
		c.no("no.nnj_li", m.Name)
	}
	parent := (carer.Relation == domain.RelationHead || carer.Relation == domain.RelationSpouse) && m.Relation == domain.RelationChild
	c.line(Say("nnj.parent", carer.Name), fmt.Sprint(parent || c.s.Declared.Guardian), Say("src.guardian"))
	if !parent && !c.s.Declared.Guardian {
		c.no("no.nnj_parent", carer.Name, m.Name)
	}
	c.res.Amount = c.param("carer.amount", c.s.Period)
}
