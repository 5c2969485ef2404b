package benefits

import (
	"time"

	"github.com/shopspring/decimal"
)

// boundParams are, per benefit paid monthly at amounts the law fixes, the
// parameters whose values on a day are its possible monthly amounts: the
// least and the most of them bound a month's regular payment. MO is paid
// the threshold of the family's size less its income, so from a cent up
// to the threshold of five or more; child allowance is one right for the
// family's children, each at one of the rates.
var boundParams = map[Code][]string{
	MO:   {"mo.threshold.size_5"},
	MORL: {"mo.threshold.size_5"},
	LI:   {"li.amount"},
	DNJP: {"dnjp.amount"},
	NNJ:  {"carer.amount"},
	DD:   {"dd.rate.universal", "dd.rate.mo", "dd.rate.dnjp", "dd.rate.li"},
}

// Bounds are the least and the most a month of the benefit may be on the
// day (issue 19's control report: amounts outside the rule valid on the
// date); ok is false for a benefit whose amounts the law does not fix.
func (p *Params) Bounds(code Code, day time.Time) (lo, hi decimal.Decimal, ok bool) {
	names, known := boundParams[code]
	if !known {
		return decimal.Zero, decimal.Zero, false
	}
	for i, n := range names {
		d, err := p.At(n, day)
		if err != nil {
			return decimal.Zero, decimal.Zero, false
		}
		if i == 0 || d.Value.LessThan(lo) {
			lo = d.Value
		}
		if i == 0 || d.Value.GreaterThan(hi) {
			hi = d.Value
		}
	}
	switch code {
	case MO, MORL:
		lo = decimal.RequireFromString("0.01")
	case DD: // one right for the family's children, at most dd.max_children of them
		n, err := p.At("dd.max_children", day)
		if err != nil {
			return decimal.Zero, decimal.Zero, false
		}
		hi = hi.Mul(n.Value)
	}
	return lo, hi, true
}
