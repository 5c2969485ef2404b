// Package electricity holds the rules of the electricity subsidy's monthly
// exchange with the power utility, EPCG (issue 21, item 6; DOMAIN.md
// §7.3): which households are on the month's list and in which category,
// the list's CSV (schema version 1) that goes to the company, the file of
// discounts the company applied that comes back, and the reconciliation
// of the two. It does no I/O.
package electricity

import (
	"sort"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain/benefits"
)

// The categories of the subsidy (DOMAIN.md §7.3), in the order a household
// takes the first that fits.
const (
	// Vulnerable: a household with MO and a member holding DNJP or LI
	// ("vulnerable customers", 50% up to 600 kWh).
	Vulnerable = "MO_DNJP_LI"
	// MO: a household with MO (30% or 40%, capped).
	MO = "MO"
	// Carer: the family of a carer. Karton has no register of guardians
	// and foster carers yet (issue 21, item 3), so the category is drawn
	// from the carer's allowance (NNJ: a parent or guardian caring for an
	// LI beneficiary). GUESS: to be fed by that register when it exists.
	Carer = "CARER"
	// Veteran: a household holding the veterans' supplement (B-BD).
	Veteran = "VETERAN"
)

// Category is one category of the subsidy: the benefits that put a
// household in it and the largest share of the bill the company may take
// off (the reconciliation flags a discount above it).
type Category struct {
	Code     string
	Name     [2]string // Montenegrin, English
	MaxShare decimal.Decimal
}

// Label is the category's name in lang ("en" English, anything else
// Montenegrin).
func (c Category) Label(lang string) string {
	if lang == "en" {
		return c.Name[1]
	}
	return c.Name[0]
}

// The shares are DOMAIN.md §7.3's discounts: 50% for vulnerable customers,
// up to 40% for MO families; the carers' and veterans' are not known
// (GUESS: as MO's).
var categories = []Category{
	{Vulnerable, [2]string{"Ugroženi kupci (MO i DNJP ili LI)", "Vulnerable customers (MO and DNJP or LI)"}, decimal.RequireFromString("0.50")},
	{MO, [2]string{"Porodice korisnika materijalnog obezbjeđenja", "Families receiving financial assistance (MO)"}, decimal.RequireFromString("0.40")},
	{Carer, [2]string{"Porodice staratelja i hranitelja", "Families of guardians and foster carers"}, decimal.RequireFromString("0.40")},
	{Veteran, [2]string{"Korisnici boračkog dodatka", "Recipients of the veterans' supplement"}, decimal.RequireFromString("0.40")},
}

// Categories lists the categories in the order a household takes them.
func Categories() []Category { return append([]Category(nil), categories...) }

// CategoryByCode returns the category with code code.
func CategoryByCode(code string) (Category, bool) {
	for _, c := range categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// Benefits are the benefits whose holders the list is drawn from.
func Benefits() []benefits.Code {
	return []benefits.Code{benefits.MO, benefits.DNJP, benefits.LI, benefits.NNJ, benefits.BBD}
}

// Holding is one person's right of one of Benefits in force on the list's
// day, with the person's household (the population register's, or the
// person alone: "person:<id>") and address.
type Holding struct {
	PersonID     string
	HouseholdID  string
	Benefit      benefits.Code
	JMBG         string
	GivenName    string
	FamilyName   string
	Municipality string // ISO 3166-2:ME code
	Settlement   string
	Street       string
	// Restricted: the person is in the DV compartment; the line is sent
	// to the company but shown to no one outside the compartment.
	Restricted bool
}

// Line is one household on the month's list: its holder (the person whose
// right puts the household in its category) and the category.
type Line struct {
	HouseholdID  string
	PersonID     string
	JMBG         string
	GivenName    string
	FamilyName   string
	Municipality string
	Settlement   string
	Street       string
	Category     string
	Restricted   bool // the holder's or any member's (see Holding.Restricted)
}

// Households turns the holdings into the list: one line per household, in
// the first category of Categories that fits. The holder is the holder of
// the household's MO for Vulnerable and MO, of NNJ for Carer and of B-BD
// for Veteran; of several, the one with the smallest JMBG. A household with
// DNJP or LI but no MO, NNJ or B-BD is not on the list. Lines are ordered
// by household id.
func Households(hs []Holding) []Line {
	byHousehold := map[string][]Holding{}
	var ids []string
	for _, h := range hs {
		if _, ok := byHousehold[h.HouseholdID]; !ok {
			ids = append(ids, h.HouseholdID)
		}
		byHousehold[h.HouseholdID] = append(byHousehold[h.HouseholdID], h)
	}
	sort.Strings(ids)
	out := []Line{}
	for _, id := range ids {
		if l, ok := householdLine(byHousehold[id]); ok {
			out = append(out, l)
		}
	}
	return out
}

func householdLine(hs []Holding) (Line, bool) {
	holder := func(code benefits.Code) (Holding, bool) {
		var best Holding
		found := false
		for _, h := range hs {
			if h.Benefit == code && (!found || h.JMBG < best.JMBG) {
				best, found = h, true
			}
		}
		return best, found
	}
	has := func(code benefits.Code) bool { _, ok := holder(code); return ok }
	restricted := false
	for _, h := range hs {
		restricted = restricted || h.Restricted
	}
	var h Holding
	var cat string
	if mo, ok := holder(benefits.MO); ok {
		h, cat = mo, MO
		if has(benefits.DNJP) || has(benefits.LI) {
			cat = Vulnerable
		}
	} else if c, ok := holder(benefits.NNJ); ok {
		h, cat = c, Carer
	} else if v, ok := holder(benefits.BBD); ok {
		h, cat = v, Veteran
	} else {
		return Line{}, false
	}
	return Line{HouseholdID: h.HouseholdID, PersonID: h.PersonID, JMBG: h.JMBG, GivenName: h.GivenName, FamilyName: h.FamilyName,
		Municipality: h.Municipality, Settlement: h.Settlement, Street: h.Street, Category: cat, Restricted: restricted}, true
}

// Counts is how many lines there are of each category, every category
// named (zero where none).
func Counts(lines []Line) map[string]int {
	out := map[string]int{}
	for _, c := range categories {
		out[c.Code] = 0
	}
	for _, l := range lines {
		out[l.Category]++
	}
	return out
}
