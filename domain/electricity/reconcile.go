package electricity

import (
	"sort"

	"github.com/shopspring/decimal"
)

// The kinds of mismatch between the list sent and the discounts applied.
const (
	// NotDiscounted: a household sent that the company's answer leaves out
	// or gives no discount.
	NotDiscounted = "not_discounted"
	// Unknown: a household discounted that was not sent.
	Unknown = "unknown"
	// HolderDiffers: the answer names another JMBG for the household.
	HolderDiffers = "holder_differs"
	// CategoryDiffers: the answer puts the household in another category.
	CategoryDiffers = "category_differs"
	// AboveShare: the discount is more than the category's largest share
	// of the bill (Category.MaxShare).
	AboveShare = "above_share"
)

// Mismatch is one household where the answer and the list disagree.
type Mismatch struct {
	Kind        string
	HouseholdID string
	JMBG        string // as sent; as answered for Unknown
	Sent        string // the category sent ("" for Unknown)
	Answered    string // the category answered ("" for NotDiscounted)
	Amount      decimal.Decimal
	Bill        decimal.Decimal
}

// CategoryTotal is one category's households sent and discounted, and the
// discounts' sum.
type CategoryTotal struct {
	Category   string
	Sent       int
	Discounted int
	Amount     decimal.Decimal
}

// Report is the reconciliation of a month's list with the discounts the
// company applied: the totals by category (of the answer's categories for
// what was discounted) and every mismatch, ordered by household id and kind.
type Report struct {
	Sent       int
	Discounted int
	Amount     decimal.Decimal
	Categories []CategoryTotal
	Mismatches []Mismatch
}

// Reconcile compares the list sent with the discounts applied.
func Reconcile(sent []Line, applied []Discount) Report {
	r := Report{Sent: len(sent), Amount: decimal.Zero, Mismatches: []Mismatch{}}
	totals := map[string]*CategoryTotal{}
	for _, c := range categories {
		totals[c.Code] = &CategoryTotal{Category: c.Code, Amount: decimal.Zero}
		r.Categories = append(r.Categories, CategoryTotal{})
	}
	lines := map[string]Line{}
	for _, l := range sent {
		lines[l.HouseholdID] = l
		if t := totals[l.Category]; t != nil {
			t.Sent++
		}
	}
	answered := map[string]bool{}
	for _, d := range applied {
		answered[d.HouseholdID] = d.Amount.IsPositive()
		r.Mismatches = append(r.Mismatches, check(lines, d)...)
		if !d.Amount.IsPositive() {
			continue
		}
		r.Discounted++
		r.Amount = r.Amount.Add(d.Amount)
		if t := totals[d.Category]; t != nil {
			t.Discounted++
			t.Amount = t.Amount.Add(d.Amount)
		}
	}
	for _, l := range sent {
		if !answered[l.HouseholdID] {
			r.Mismatches = append(r.Mismatches, Mismatch{Kind: NotDiscounted, HouseholdID: l.HouseholdID, JMBG: l.JMBG, Sent: l.Category,
				Answered: answeredCategory(applied, l.HouseholdID), Amount: decimal.Zero, Bill: decimal.Zero})
		}
	}
	for i, c := range categories {
		r.Categories[i] = *totals[c.Code]
	}
	sort.SliceStable(r.Mismatches, func(i, j int) bool {
		a, b := r.Mismatches[i], r.Mismatches[j]
		if a.HouseholdID != b.HouseholdID {
			return a.HouseholdID < b.HouseholdID
		}
		return a.Kind < b.Kind
	})
	return r
}

// check is what is wrong with one discount against the list.
func check(lines map[string]Line, d Discount) []Mismatch {
	m := Mismatch{HouseholdID: d.HouseholdID, JMBG: d.JMBG, Answered: d.Category, Amount: d.Amount, Bill: d.Bill}
	l, ok := lines[d.HouseholdID]
	if !ok {
		if !d.Amount.IsPositive() {
			return nil
		}
		m.Kind = Unknown
		return []Mismatch{m}
	}
	m.Sent, m.JMBG = l.Category, l.JMBG
	var out []Mismatch
	if d.JMBG != l.JMBG {
		x := m
		x.Kind = HolderDiffers
		out = append(out, x)
	}
	if d.Category != l.Category {
		x := m
		x.Kind = CategoryDiffers
		out = append(out, x)
	}
	if c, ok := CategoryByCode(l.Category); ok && d.Amount.GreaterThan(d.Bill.Mul(c.MaxShare).Round(2)) {
		x := m
		x.Kind = AboveShare
		out = append(out, x)
	}
	return out
}

func answeredCategory(ds []Discount, household string) string {
	for _, d := range ds {
		if d.HouseholdID == household {
			return d.Category
		}
	}
	return ""
}
