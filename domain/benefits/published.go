package benefits

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Parameters published by the ministry (issue 16): a new dated value of a
// parameter, proposed and approved by two ministry officers, is merged over
// the embedded files. The files hold what the law said when Karton was
// built; the published values hold what the ministry decided since.

// paramBenefits says which benefits a parameter's name belongs to, by its
// prefix: the benefit whose rules read it, whose rights a new value re-rates.
var paramBenefits = map[string][]Code{
	"mo":    {MO},
	"li":    {LI},
	"dnjp":  {DNJP},
	"carer": {NNJ},
	"dd":    {DD},
	"nd":    {ND},
	"jnp":   {JNP},
	"ts":    {TS},
}

// Affects lists the benefits whose rules read parameter name.
func Affects(name string) []Code {
	prefix, _, _ := strings.Cut(name, ".")
	return append([]Code(nil), paramBenefits[prefix]...)
}

// countUnits are units whose values are whole numbers.
var countUnits = map[string]bool{"persons": true, "children": true, "years": true, "days": true, "grants": true, "dwellings": true, "percent": true}

// Check says whether d may be published as a value of name: a parameter
// the rules know, a legal reference, a value that is not negative (and
// whole for a count). Returns a domain.FieldError naming the field at fault.
func (p *Params) Check(name string, d Dated) error {
	par, ok := p.byName[name]
	if !ok {
		return domain.FieldError("name", "%q is not a parameter of the law Karton knows (GET /api/v1/parameters lists them)", name)
	}
	if strings.TrimSpace(d.Ref) == "" {
		return domain.FieldError("legal_ref", "a value of %s needs its legal reference (the decision and its Official Gazette number)", name)
	}
	if d.From.IsZero() {
		return domain.FieldError("valid_from", "a value of %s needs the day it takes effect", name)
	}
	if d.Value.IsNegative() {
		return domain.FieldError("value", "%s cannot be negative", name)
	}
	if countUnits[par.Unit] && !d.Value.Equal(d.Value.Truncate(0)) {
		return domain.FieldError("value", "%s counts %s: a whole number", name, par.Unit)
	}
	return nil
}

// With returns a copy of p in which d is the value of name from d.From on;
// p itself is unchanged. The rule for a day that already has a value: the
// new one replaces it. A published value is a later act than the one in
// the embedded files (it corrects it), and of two published values for
// the same day the one merged last (approved last) holds. Returns the
// errors of Check.
func (p *Params) With(name string, d Dated) (*Params, error) {
	if err := p.Check(name, d); err != nil {
		return nil, err
	}
	out := &Params{byName: make(map[string]Parameter, len(p.byName))}
	for k, v := range p.byName {
		out.byName[k] = v
	}
	par := out.byName[name]
	values := make([]Dated, 0, len(par.Values)+1)
	for _, v := range par.Values {
		if !v.From.Equal(d.From) {
			values = append(values, v)
		}
	}
	values = append(values, d)
	sort.SliceStable(values, func(i, j int) bool { return values[i].From.Before(values[j].From) })
	par.Values = values
	out.byName[name] = par
	return out, nil
}

// Changes lists the days after day on which a parameter of benefit code
// takes a new value, in order, each once.
func (p *Params) Changes(code Code, after time.Time) []time.Time {
	seen := map[time.Time]bool{}
	var out []time.Time
	for name, par := range p.byName {
		found := false
		for _, c := range Affects(name) {
			found = found || c == code
		}
		if !found {
			continue
		}
		for _, v := range par.Values {
			if v.From.After(after) && !seen[v.From] {
				seen[v.From] = true
				out = append(out, v.From)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// Rerating is what the parameters in force do to one right from a day on:
// the versions to add (active, each over days where the right is active
// and the amount the rules give differs from the one it pays), and the
// explanation of the first change.
type Rerating struct {
	Versions []domain.RightVersion // Seq, Reason and Ref are the caller's
	// Old and New are the amounts before and after the first version.
	Old, New decimal.Decimal
	// Lines explain the first new amount (Calculate's lines), then each
	// version.
	Lines []Line
	// Ineligible, when set, is why the rules no longer grant the right on
	// some day: nothing is changed ex officio, the right needs a revision.
	Ineligible string
}

// Rerate recalculates a right of benefit code from day from on, on the
// situation its amount was granted on (basis), at from and at every later
// day where a parameter of the benefit or a version of the right changes
// (Situation.Period is that day). Only days where the right is active are
// looked at; a version is added where the amount differs, to the cent.
func Rerate(p *Params, code Code, basis Situation, t domain.Timeline, from time.Time) (Rerating, error) {
	bounds := boundaries(p, code, t, from)
	var r Rerating
	for i, start := range bounds {
		v, ok := t.On(start)
		if !ok || v.State != domain.RightActive {
			continue
		}
		s := basis
		s.Period = start
		res, err := Calculate(p, code, s)
		if err != nil {
			return Rerating{}, err
		}
		if !res.Eligible {
			return Rerating{Ineligible: fmt.Sprintf("on %s: %s", start.Format(time.DateOnly), strings.Join(res.Reasons, "; "))}, nil
		}
		if res.Amount.Equal(v.Amount.Round(2)) {
			continue
		}
		var to *time.Time
		if i+1 < len(bounds) {
			end := bounds[i+1].AddDate(0, 0, -1)
			to = &end
		}
		if n := len(r.Versions); n > 0 && r.Versions[n-1].Amount.Equal(res.Amount) && r.Versions[n-1].To != nil && r.Versions[n-1].To.AddDate(0, 0, 1).Equal(start) {
			r.Versions[n-1].To = to
			continue
		}
		if len(r.Versions) == 0 {
			r.Old, r.New, r.Lines = v.Amount.Round(2), res.Amount, res.Lines
		}
		r.Versions = append(r.Versions, domain.RightVersion{From: start, To: to, Amount: res.Amount, State: domain.RightActive, Reason: domain.ReasonIndexation})
	}
	for _, v := range r.Versions {
		until := "on"
		if v.To != nil {
			until = "to " + v.To.Format(time.DateOnly)
		}
		old, _ := t.On(v.From)
		r.Lines = append(r.Lines, Line{What: fmt.Sprintf("from %s %s: %s instead of %s a month", v.From.Format(time.DateOnly), until,
			v.Amount.StringFixed(2), old.Amount.StringFixed(2)), Value: v.Amount.StringFixed(2), Source: "re-rated ex officio, no new decision (DOMAIN.md §3.1)"})
	}
	return r, nil
}

// boundaries are from and every later day on which the calculation or
// the right may change: a parameter's new value, a version's start or the
// day after its end.
func boundaries(p *Params, code Code, t domain.Timeline, from time.Time) []time.Time {
	set := map[time.Time]bool{from: true}
	for _, d := range p.Changes(code, from) {
		set[d] = true
	}
	for _, v := range t {
		if v.From.After(from) {
			set[v.From] = true
		}
		if v.To != nil && v.To.AddDate(0, 0, 1).After(from) {
			set[v.To.AddDate(0, 0, 1)] = true
		}
	}
	out := make([]time.Time, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// RefOn is the legal reference of the values that a parameter of benefit
// code takes on day ("" when none changes that day).
func (p *Params) RefOn(code Code, day time.Time) string {
	var refs []string
	for _, name := range p.Names() {
		found := false
		for _, c := range Affects(name) {
			found = found || c == code
		}
		if !found {
			continue
		}
		for _, v := range p.byName[name].Values {
			if v.From.Equal(day) && !slices.Contains(refs, v.Ref) {
				refs = append(refs, v.Ref)
			}
		}
	}
	return strings.Join(refs, "; ")
}
