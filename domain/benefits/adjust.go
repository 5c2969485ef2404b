package benefits

import (
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// The rule of the review's "adjust" (issue 16): a caseworker may lower
// the amount the law gives, never raise it, and never turn a refusal into
// a grant.
//
//   - Every benefit but JNP: the amount the calculation computed
//     (Result.Amount: for MO the threshold minus the household's income,
//     for TS the flat amount or the lower costs borne) is what the law
//     gives in this situation; an adjustment lies in (0, Result.Amount].
//     Result.Max is not the bound: for MO it is the threshold for the
//     household's size, the ceiling of the benefit in general, not the
//     amount this household is entitled to.
//   - JNP (one-off assistance, Art. 43) is discretionary: the caseworker
//     sets the amount, within the legal cap (Result.Max, jnp.max_amount).
//     A JNP calculation found ineligible only because the amount was not
//     set or is above the cap may be adjusted (that is how the amount is
//     set); one barred by the grants already made this year may not.
//   - An ineligible calculation (a newborn grant applied for late, LI at
//     79%, MO to a family with two dwellings) may only be rejected, or a
//     document requested for a new calculation.
//   - An adjustment to 0 is not a grant: the claim is rejected instead
//     (the brief's [0, amount]; 0 is the refusal, not an adjustment).
//
// Result.AdjustMax carries the bound; CheckAdjustment applies it.

// adjustMax is the most a caseworker may set the amount of res to; zero
// when res may not be adjusted into a grant. discretion is JNP's cap when
// nothing but the amount bars the grant.
func adjustMax(code Code, res Result, discretion decimal.Decimal) decimal.Decimal {
	if code == JNP {
		return discretion
	}
	if !res.Eligible {
		return decimal.Zero
	}
	return res.Amount
}

// AdjustMaxOf is the bound for a calculation recorded before Result
// carried AdjustMax (issue 16): JNP within its cap, an eligible claim up
// to its computed amount, an ineligible one not at all.
func AdjustMaxOf(code Code, eligible bool, amount, max decimal.Decimal) decimal.Decimal {
	switch {
	case code == JNP:
		return max
	case !eligible:
		return decimal.Zero
	}
	return amount
}

// CheckAdjustment refuses an adjusted amount outside (0, limit], or with
// more than two decimals, as a field error on "amount"; limit is the
// calculation's AdjustMax (zero: the calculation may not be adjusted).
func CheckAdjustment(code Code, limit, amount decimal.Decimal) error {
	switch {
	case !limit.IsPositive() && code == JNP:
		return domain.FieldError("amount", "one-off assistance cannot be granted: the grants already made this year reach the legal limit; reject the claim")
	case !limit.IsPositive():
		return domain.FieldError("amount", "the calculation found the claim ineligible: it cannot be adjusted into a grant; reject it, or request a document for a new calculation")
	case !amount.IsPositive():
		return domain.FieldError("amount", "%s: an adjusted amount is more than 0; to grant nothing, reject the claim", amount.StringFixed(2))
	case amount.Round(2).Cmp(amount) != 0:
		return domain.FieldError("amount", "has more than two decimals")
	case amount.GreaterThan(limit) && code == JNP:
		return domain.FieldError("amount", "%s is above the legal cap of one-off assistance, %s", amount.StringFixed(2), limit.StringFixed(2))
	case amount.GreaterThan(limit):
		return domain.FieldError("amount", "%s is more than %s, the amount the law gives in this case; an adjustment may only lower it (at least 0.01, at most %s)",
			amount.StringFixed(2), limit.StringFixed(2), limit.StringFixed(2))
	}
	return nil
}
