// Package bi is the ministry's statistics (issue 19, DOMAIN.md §8): the
// dimensions of the star schema and their levels, the measures, a pivot
// query and how it is checked, and the suppression that keeps any person
// from being singled out. It knows nothing of SQL or HTTP.
package bi

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/cases"
)

// Dimension is a conformed dimension of the facts.
type Dimension string

// The dimensions (DOMAIN.md §8.3). The person dimension is sex and age
// band only: facts hold no names.
const (
	Time         Dimension = "time"
	Benefit      Dimension = "benefit"
	Geography    Dimension = "geography"
	Organisation Dimension = "organisation"
	Sex          Dimension = "sex"
	Age          Dimension = "age"
	// Kind is a decision's kind (grant, rejection, ...): decisions only.
	Kind Dimension = "kind"
	// Channel is how a claim came (counter, online): claims only.
	Channel Dimension = "channel"
	// Procedure, Stage and Manager are a case's procedure (P01-P42), the
	// stage done and who did it: cases only.
	Procedure Dimension = "procedure"
	Stage     Dimension = "stage"
	Manager   Dimension = "manager"
	// Institution is the institution a placement is in ("" for a family
	// placement or one outside Montenegro) and BudgetLine the budget line
	// it is paid from: placements only.
	Institution Dimension = "institution"
	BudgetLine  Dimension = "budget_line"
)

// levels are each dimension's levels, coarse to fine; the level above
// the first is the whole (Montenegro, every benefit, the ministry).
var levels = map[Dimension][]string{
	Time:         {"year", "quarter", "month"},
	Benefit:      {"group", "benefit"},
	Geography:    {"municipality", "settlement"},
	Organisation: {"centre"},
	Sex:          {"sex"},
	Age:          {"band"},
	Kind:         {"kind"},
	Channel:      {"channel"},
	Procedure:    {"procedure"},
	Stage:        {"stage"},
	Manager:      {"manager"},
	Institution:  {"institution"},
	BudgetLine:   {"budget_line"},
}

// dimensionOrder lists the dimensions in the order errors name them.
var dimensionOrder = []Dimension{Time, Benefit, Geography, Organisation, Sex, Age, Kind, Channel, Procedure, Stage, Manager, Institution, BudgetLine}

// Axis is a dimension at one of its levels, written "time.month".
type Axis struct {
	Dimension Dimension
	Level     string
}

func (a Axis) String() string { return string(a.Dimension) + "." + a.Level }

// Down is the next finer level (a drill-down), if any.
func (a Axis) Down() (Axis, bool) {
	ls := levels[a.Dimension]
	i := slices.Index(ls, a.Level)
	if i < 0 || i+1 >= len(ls) {
		return Axis{}, false
	}
	return Axis{a.Dimension, ls[i+1]}, true
}

// Up is the next coarser level (a drill-up), if any; above the first level
// the axis is dropped (the whole).
func (a Axis) Up() (Axis, bool) {
	ls := levels[a.Dimension]
	i := slices.Index(ls, a.Level)
	if i <= 0 {
		return Axis{}, false
	}
	return Axis{a.Dimension, ls[i-1]}, true
}

// Measure is what a cell counts or sums.
type Measure string

// The measures. Amounts are split by payment type, as SzocVir records
// them (DOMAIN.md §8.3): regular (a month's amount and its differences),
// one-off and in kind.
const (
	Persons       Measure = "persons"
	Rights        Measure = "rights"
	Payments      Measure = "payments"
	Amount        Measure = "amount"
	AmountRegular Measure = "amount_regular"
	AmountOneOff  Measure = "amount_one_off"
	AmountInKind  Measure = "amount_in_kind"
	Decisions     Measure = "decisions"
	DaysToDecide  Measure = "days_to_decide" // the mean days from filing to the decision
	Claims        Measure = "claims"
	Cases         Measure = "cases"         // distinct cases
	StagesDone    Measure = "stages"        // stages done
	StagesOverdue Measure = "overdue"       // of them, done after their deadline
	DaysInStage   Measure = "days_in_stage" // the mean days a stage took
	// A placement's month (issue 22 item 6): the placements that ran in
	// it, admitted in it, ended in it (discharged or transferred out), their
	// placement-days, and their cost pro rata of the days, the co-payment
	// and what the budget pays (net: the cost less the co-payment).
	Placements Measure = "placements"
	Admissions Measure = "admissions"
	Discharges Measure = "discharges"
	Days       Measure = "days"
	Copayment  Measure = "copayment"
	Net        Measure = "net"
)

// Fact is what a pivot counts: which facts, with which dimensions and
// measures.
type Fact struct {
	Name       string
	Dimensions []Dimension
	Measures   []Measure
}

// The facts a pivot reads.
var (
	PaymentFact = Fact{"payments", []Dimension{Time, Benefit, Geography, Organisation, Sex, Age},
		[]Measure{Persons, Rights, Payments, Amount, AmountRegular, AmountOneOff, AmountInKind}}
	DecisionFact = Fact{"decisions", []Dimension{Time, Benefit, Geography, Organisation, Sex, Age, Kind},
		[]Measure{Persons, Decisions, DaysToDecide}}
	ClaimFact = Fact{"claims", []Dimension{Time, Benefit, Geography, Organisation, Sex, Age, Channel},
		[]Measure{Persons, Claims}}
	// CaseFact is a case's stages done (the DV compartment's never): the
	// timeliness and workload per case manager, centre and procedure. A
	// cell of fewer than 5 cases is suppressed.
	CaseFact = Fact{"cases", []Dimension{Time, Organisation, Procedure, Stage, Manager},
		[]Measure{Cases, StagesDone, StagesOverdue, DaysInStage}}
	// PlacementFact is the placements' months (issue 22 item 6): by the
	// placing centre, the institution, the budget line, the resident's sex
	// and age band; a cell of fewer than 5 persons is suppressed.
	PlacementFact = Fact{"placements", []Dimension{Time, Organisation, Institution, BudgetLine, Sex, Age},
		[]Measure{Persons, Placements, Admissions, Discharges, Days, Amount, Copayment, Net}}
)

// Facts lists the facts by name.
func Facts() []Fact { return []Fact{PaymentFact, DecisionFact, ClaimFact, CaseFact, PlacementFact} }

// FactByName returns the fact named name.
func FactByName(name string) (Fact, error) {
	for _, f := range Facts() {
		if f.Name == name {
			return f, nil
		}
	}
	return Fact{}, domain.Errorf(domain.CodeNotFound, "no facts %q: there are payments, decisions, claims, cases and placements", name)
}

// MaxAxes is how many dimensions a pivot crosses; MaxCells how many cells
// it may answer (more: a 400 with the limit).
const (
	MaxAxes  = 3
	MaxCells = 20000
)

// Filter keeps the facts whose axis has one of Values.
type Filter struct {
	Axis   Axis
	Values []string
}

// Query is a pivot: the facts crossed by up to three axes, kept by the
// filters, each cell with the measures.
type Query struct {
	Fact     Fact
	Axes     []Axis
	Filters  []Filter
	Measures []Measure
}

// ParseQuery reads a pivot: axes "time.month,benefit.benefit", filters
// "geography.municipality=ME-16,ME-02" (one per dimension and level),
// measures "persons,amount" (empty: all of the fact's). Every fault is
// named.
func ParseQuery(f Fact, axes string, filters []string, measures string) (Query, error) {
	q := Query{Fact: f}
	var errs []*domain.Error
	for _, s := range splitList(axes) {
		a, err := parseAxis(f, "axes", s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if slices.ContainsFunc(q.Axes, func(b Axis) bool { return b.Dimension == a.Dimension }) {
			errs = append(errs, domain.FieldError("axes", "%s is crossed twice: one level of a dimension at a time", a.Dimension))
			continue
		}
		q.Axes = append(q.Axes, a)
	}
	if len(q.Axes) > MaxAxes {
		errs = append(errs, domain.FieldError("axes", "%d dimensions crossed: at most %d", len(q.Axes), MaxAxes))
	}
	for _, s := range filters {
		flt, err := parseFilter(f, s)
		if err == nil {
			err = q.checkFilter(flt)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		q.Filters = append(q.Filters, flt)
	}
	for _, s := range splitList(measures) {
		m := Measure(s)
		if !slices.Contains(f.Measures, m) {
			errs = append(errs, domain.FieldError("measures", "unknown measure %q of %s: one of %s", s, f.Name, joinMeasures(f.Measures)))
			continue
		}
		if !slices.Contains(q.Measures, m) {
			q.Measures = append(q.Measures, m)
		}
	}
	if len(q.Measures) == 0 && len(errs) == 0 {
		q.Measures = append(q.Measures, f.Measures...)
	}
	if len(errs) > 0 {
		return Query{}, domain.Invalid(errs)
	}
	return q, nil
}

// checkFilter: one filter per dimension; one value, unless it picks cells
// of an axis at its own level (a set of values of any other filter would
// make a total no pivot shows, and two such totals' difference could single
// a person out); never finer than the axis of its dimension.
func (q Query) checkFilter(f Filter) *domain.Error {
	if slices.ContainsFunc(q.Filters, func(g Filter) bool { return g.Axis.Dimension == f.Axis.Dimension }) {
		return domain.FieldError("filter", "%s is filtered twice: one filter per dimension", f.Axis.Dimension)
	}
	i := slices.IndexFunc(q.Axes, func(a Axis) bool { return a.Dimension == f.Axis.Dimension })
	if i >= 0 && slices.Index(levels[f.Axis.Dimension], f.Axis.Level) > slices.Index(levels[f.Axis.Dimension], q.Axes[i].Level) {
		return domain.FieldError("filter", "%s is finer than the axis %s: drill down to it instead", f.Axis, q.Axes[i])
	}
	if len(f.Values) > 1 && (i < 0 || q.Axes[i] != f.Axis) {
		return domain.FieldError("filter", "%s takes one value here (several only for the cells of the axis %s)", f.Axis, f.Axis)
	}
	return nil
}

func parseAxis(f Fact, field, s string) (Axis, *domain.Error) {
	dim, level, ok := strings.Cut(s, ".")
	d := Dimension(dim)
	ls, known := levels[d]
	if !known || !slices.Contains(f.Dimensions, d) {
		return Axis{}, domain.FieldError(field, "unknown dimension %q of %s: one of %s", dim, f.Name, joinDimensions(f.Dimensions))
	}
	if !ok {
		level = ls[0]
	}
	if !slices.Contains(ls, level) {
		return Axis{}, domain.FieldError(field, "unknown level %q of %s: one of %s", level, dim, strings.Join(ls, ", "))
	}
	return Axis{d, level}, nil
}

func parseFilter(f Fact, s string) (Filter, *domain.Error) {
	axis, values, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(values) == "" {
		return Filter{}, domain.FieldError("filter", "%q is not dimension.level=value[,value]", s)
	}
	a, err := parseAxis(f, "filter", strings.TrimSpace(axis))
	if err != nil {
		return Filter{}, err
	}
	flt := Filter{Axis: a}
	for _, v := range splitList(values) {
		if err := CheckValue(a, v); err != nil {
			return Filter{}, err
		}
		flt.Values = append(flt.Values, v)
	}
	return flt, nil
}

// procedures is the catalogue of case procedures, for their codes and names.
var procedures = cases.MustLoad()

var (
	usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	slugRe     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	yearRe     = regexp.MustCompile(`^(19|20)[0-9]{2}$`)
	quarterRe  = regexp.MustCompile(`^(19|20)[0-9]{2}-Q[1-4]$`)
	monthRe    = regexp.MustCompile(`^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$`)
)

// CheckValue says whether v is a value of the axis: a year "2026", a
// quarter "2026-Q1", a month "2026-03", a benefit or group code, a
// municipality code, a settlement "ME-16/Podgorica", a centre id, M or F,
// an age band, a decision kind, a channel.
func CheckValue(a Axis, v string) *domain.Error {
	bad := func(want string) *domain.Error {
		return domain.FieldError("filter", "%q is not a value of %s: %s", v, a, want)
	}
	switch a.String() {
	case "time.year":
		if !yearRe.MatchString(v) {
			return bad("a year such as 2026")
		}
	case "time.quarter":
		if !quarterRe.MatchString(v) {
			return bad("a quarter such as 2026-Q1")
		}
	case "time.month":
		if !monthRe.MatchString(v) {
			return bad("a month such as 2026-03")
		}
	case "benefit.group":
		if !slices.Contains([]string{string(benefits.GroupSocial), string(benefits.GroupChild), string(benefits.GroupVeterans)}, v) {
			return bad("social, child or veterans")
		}
	case "benefit.benefit":
		if _, ok := benefits.Lookup(benefits.Code(v)); !ok {
			return bad("a benefit's code such as MO or DD")
		}
	case "geography.municipality":
		if _, ok := domain.MunicipalityByCode(v); !ok {
			return bad("a municipality's code such as ME-16")
		}
	case "geography.settlement":
		m, s, ok := strings.Cut(v, "/")
		if _, known := domain.MunicipalityByCode(m); !ok || !known || strings.TrimSpace(s) == "" {
			return bad("a municipality's code and a settlement such as ME-16/Tuzi")
		}
	case "organisation.centre":
		if _, ok := domain.CentreByID(v); !ok {
			return bad("a centre's id such as csr-podgorica")
		}
	case "sex.sex":
		if v != "M" && v != "F" {
			return bad("M or F")
		}
	case "age.band":
		if !slices.Contains(AgeBands(), v) {
			return bad("one of " + strings.Join(AgeBands(), ", "))
		}
	case "kind.kind":
		if !slices.Contains(DecisionKinds(), v) {
			return bad("one of " + strings.Join(DecisionKinds(), ", "))
		}
	case "channel.channel":
		if v != "counter" && v != "online" {
			return bad("counter or online")
		}
	case "procedure.procedure":
		if _, err := procedures.Get(v, 0); err != nil {
			return bad("a procedure's code such as P07")
		}
	case "stage.stage":
		if cases.StageIndex(v) < 0 {
			return bad("a stage such as intake or plan")
		}
	case "manager.manager":
		if !usernameRe.MatchString(v) {
			return bad("a username such as ana.caseworker")
		}
	case "institution.institution":
		if !slugRe.MatchString(v) {
			return bad("an institution's id such as dom-grabovac")
		}
	case "budget_line.budget_line":
		if !slices.Contains(BudgetLines(), v) {
			return bad("one of " + strings.Join(BudgetLines(), ", "))
		}
	}
	return nil
}

// AgeBands are the person dimension's age bands.
func AgeBands() []string {
	return []string{"0-5", "6-14", "15-17", "18-24", "25-39", "40-64", "65+"}
}

// AgeBand is the band of an age in whole years.
func AgeBand(years int) string {
	switch {
	case years < 6:
		return "0-5"
	case years < 15:
		return "6-14"
	case years < 18:
		return "15-17"
	case years < 25:
		return "18-24"
	case years < 40:
		return "25-39"
	case years < 65:
		return "40-64"
	}
	return "65+"
}

// BudgetLines are the budget lines placements are paid from (DOMAIN.md
// §7.1), as the placements table names them.
func BudgetLines() []string {
	return []string{"maintenance_in_homes", "outside_montenegro", "family_placement"}
}

// DecisionKinds are the kinds a benefit decision takes.
func DecisionKinds() []string {
	return []string{"grant", "rejection", "revision_change", "revision_end", "death_end"}
}

// ExactBySum says whether the cells of the payment cube, grouped the
// query's way, can be summed to count persons and rights exactly: a person
// and a right are in one settlement, centre, sex and age band in a month,
// so cells may be summed over those, but not over months (the same person
// paid in two months) or benefits (one person, two benefits). Otherwise the
// count is distinct over the payment lines.
func (q Query) ExactBySum() bool {
	return q.fixed(Axis{Time, "month"}) && q.fixed(Axis{Benefit, "benefit"})
}

// ExactWithoutBenefit says whether the query, fixed to months, neither
// crosses nor filters benefits: the cube across every benefit then counts
// its persons and rights exactly.
func (q Query) ExactWithoutBenefit() bool {
	if !q.fixed(Axis{Time, "month"}) {
		return false
	}
	for _, a := range q.Axes {
		if a.Dimension == Benefit {
			return false
		}
	}
	for _, f := range q.Filters {
		if f.Axis.Dimension == Benefit {
			return false
		}
	}
	return true
}

// fixed: the query groups by the axis, or filters it to one value.
func (q Query) fixed(a Axis) bool {
	if slices.Contains(q.Axes, a) {
		return true
	}
	for _, f := range q.Filters {
		if f.Axis == a && len(f.Values) == 1 {
			return true
		}
	}
	return false
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinDimensions(ds []Dimension) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}

func joinMeasures(ms []Measure) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// Levels lists a dimension's levels, coarse to fine.
func Levels(d Dimension) []string { return append([]string(nil), levels[d]...) }

// Dimensions lists every dimension.
func Dimensions() []Dimension { return append([]Dimension(nil), dimensionOrder...) }

// String says the query in words for logs and reports' titles.
func (q Query) String() string {
	parts := []string{q.Fact.Name}
	for _, a := range q.Axes {
		parts = append(parts, a.String())
	}
	for _, f := range q.Filters {
		parts = append(parts, fmt.Sprintf("%s=%s", f.Axis, strings.Join(f.Values, ",")))
	}
	return strings.Join(parts, " ")
}

// Parent is the value's parent one level up ("" at the first level: the
// whole): a month's quarter, a quarter's year, a settlement's
// municipality, a benefit's group.
func Parent(a Axis, v string) string {
	switch a.String() {
	case "time.month":
		if len(v) == 7 {
			m := (int(v[5]-'0')*10 + int(v[6]-'0') - 1) / 3
			return v[:4] + "-Q" + string(rune('1'+m))
		}
	case "time.quarter":
		if len(v) >= 4 {
			return v[:4]
		}
	case "geography.settlement":
		m, _, _ := strings.Cut(v, "/")
		return m
	case "benefit.benefit":
		if b, ok := benefits.Lookup(benefits.Code(v)); ok {
			return string(b.Group)
		}
	}
	return ""
}

// Ancestor is the value's ancestor at level (itself at its own level).
func Ancestor(a Axis, v, level string) string {
	for a.Level != level {
		v = Parent(a, v)
		up, ok := a.Up()
		if !ok {
			return ""
		}
		a = up
	}
	return v
}

// Plan is how a query is answered without giving a person away: the
// crossing whose cells are suppressed together (the query's axes and each
// filtered dimension that is not one of them, at its filter's level, in
// the dimensions' order, so that the same crossing is suppressed alike
// whatever order the axes were asked in), the filters that keep whole
// lines and so may be applied first (a coarser level of an axis's
// dimension: the months of 2026), and those that must be applied after the
// suppression (a value of an axis at its own level, or of an extra axis).
// So a cell is suppressed alike in every pivot that shows it, whatever the
// filters and the order of the axes.
type Plan struct {
	Crossing []Axis
	Before   []Filter
	After    []Filter
	// Project is, for each of the query's axes, its index in Crossing.
	Project []int
}

// Plan plans the query.
func (q Query) Plan() Plan {
	var p Plan
	crossing := append([]Axis(nil), q.Axes...)
	for _, f := range q.Filters {
		i := slices.IndexFunc(q.Axes, func(a Axis) bool { return a.Dimension == f.Axis.Dimension })
		switch {
		case i >= 0 && f.Axis.Level != q.Axes[i].Level:
			p.Before = append(p.Before, f)
		case i >= 0:
			p.After = append(p.After, f)
		default:
			crossing = append(crossing, f.Axis)
			p.After = append(p.After, f)
		}
	}
	slices.SortStableFunc(crossing, func(x, y Axis) int {
		return slices.Index(dimensionOrder, x.Dimension) - slices.Index(dimensionOrder, y.Dimension)
	})
	p.Crossing = crossing
	for _, a := range q.Axes {
		p.Project = append(p.Project, slices.Index(crossing, a))
	}
	return p
}

// Keep applies the plan's After filters to the crossing's cells and
// projects them onto the query's axes, ordered by them.
func (p Plan) Keep(cells []Cell) []Cell {
	var out []Cell
	for _, c := range cells {
		if p.keeps(c) {
			keys := make([]string, len(p.Project))
			for i, j := range p.Project {
				keys[i] = c.Keys[j]
			}
			c.Keys = keys
			out = append(out, c)
		}
	}
	for i, j := range p.Project {
		if i != j { // the crossing's order is not the query's: sort again
			slices.SortStableFunc(out, func(x, y Cell) int { return slices.Compare(x.Keys, y.Keys) })
			break
		}
	}
	return out
}

func (p Plan) keeps(c Cell) bool {
	for _, f := range p.After {
		i := slices.Index(p.Crossing, f.Axis)
		if i < 0 || !slices.Contains(f.Values, c.Keys[i]) {
			return false
		}
	}
	return true
}
