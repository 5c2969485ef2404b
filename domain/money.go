package domain

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// Fixed2 is d.StringFixed(2): the amount with two decimals, rounded half
// away from zero. An amount held in cents or coarser (the exponent of
// numeric(12,2), of sums and of Round(2)) is formatted from its integer
// coefficient; any other goes through StringFixed. A payroll formats five
// amounts a payment, and StringFixed's path through big.Int was half of
// what explaining a payment cost (issue 24).
func Fixed2(d decimal.Decimal) string {
	e := d.Exponent()
	if e < -2 || e > 0 || d.NumDigits() > 15 { // fits in int64 cents with room
		return d.StringFixed(2)
	}
	c := d.CoefficientInt64()
	for ; e > -2; e-- {
		c *= 10
	}
	var b [24]byte
	out := b[:0]
	if c < 0 {
		out = append(out, '-')
		c = -c
	}
	out = strconv.AppendInt(out, c/100, 10)
	out = append(out, '.', byte('0'+c%100/10), byte('0'+c%10))
	return string(out)
}
