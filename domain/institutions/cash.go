package institutions

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// The cash desk (issue 22 item 4): each resident's deposit account, kept
// by the institution's cashier. Money comes in (the resident's pension, a
// benefit, money from the family) and goes out (pocket money, the monthly
// co-payment, other withdrawals with their purpose); every entry has a
// receipt number and the balance never goes below zero.

// EntryKind is what a deposit account's entry is.
type EntryKind string

// The kinds of entry.
const (
	EntryPension     EntryKind = "pension"      // the resident's pension paid in
	EntryBenefit     EntryKind = "benefit"      // a benefit paid in
	EntryFamily      EntryKind = "family"       // money from the family
	EntryPocketMoney EntryKind = "pocket_money" // pocket money paid out to the resident
	EntryWithdrawal  EntryKind = "withdrawal"   // another withdrawal, with its purpose
	EntryCopayment   EntryKind = "copayment"    // the month's co-payment charged (only by the monthly charge)
)

// EntryKinds lists the kinds in their order.
func EntryKinds() []EntryKind {
	return []EntryKind{EntryPension, EntryBenefit, EntryFamily, EntryPocketMoney, EntryWithdrawal, EntryCopayment}
}

// Valid reports whether k is one of the kinds.
func (k EntryKind) Valid() bool {
	for _, x := range EntryKinds() {
		if x == k {
			return true
		}
	}
	return false
}

// In reports whether an entry of kind k pays money into the account.
func (k EntryKind) In() bool { return k == EntryPension || k == EntryBenefit || k == EntryFamily }

// WithdrawalLimit is the amount above which a withdrawal waits for the
// director's approval (four eyes). GUESS: EUR 100; the institutions' own
// rules on residents' deposits set it.
var WithdrawalLimit = decimal.NewFromInt(100)

// NeedsApproval reports whether an entry of kind k for amount waits for
// the director: a withdrawal or pocket money above the limit.
func NeedsApproval(k EntryKind, amount decimal.Decimal) bool {
	return !k.In() && k != EntryCopayment && amount.GreaterThan(WithdrawalLimit)
}

// MaxAmount is the largest amount an entry may have: far above any
// resident's deposit, so that balances, debts and a day's totals stay well
// inside the columns' numeric(12,2) however many entries add up.
var MaxAmount = decimal.RequireFromString("1000000.00")

// EntryInput is what a cashier records.
type EntryInput struct {
	Kind    EntryKind
	Amount  decimal.Decimal
	Purpose string
}

// Check lists every problem of an entry the cashier records: an unknown
// kind (or the co-payment, which only the monthly charge records), an
// amount not positive, with more than two decimals or too large, a
// withdrawal without its purpose.
func (in EntryInput) Check() error {
	var errs []*domain.Error
	switch {
	case !in.Kind.Valid():
		errs = append(errs, domain.FieldError("kind", "%q is not a kind of entry (one of %s)", in.Kind, kindList()))
	case in.Kind == EntryCopayment:
		errs = append(errs, domain.FieldError("kind", "the co-payment is charged for a month by the monthly charge, not as an entry"))
	}
	if err := CheckAmount(in.Amount); err != nil {
		errs = append(errs, domain.FieldError("amount", "%s", err))
	}
	if in.Kind == EntryWithdrawal && strings.TrimSpace(in.Purpose) == "" {
		errs = append(errs, domain.FieldError("purpose", "a withdrawal names its purpose"))
	}
	if len(in.Purpose) > 500 {
		errs = append(errs, domain.FieldError("purpose", "is longer than 500 characters"))
	}
	if len(errs) > 0 {
		return domain.Invalid(errs)
	}
	return nil
}

func kindList() string {
	var s []string
	for _, k := range EntryKinds() {
		if k != EntryCopayment {
			s = append(s, string(k))
		}
	}
	return strings.Join(s, ", ")
}

// CheckAmount says what is wrong with an amount of money at the desk.
func CheckAmount(a decimal.Decimal) error {
	switch {
	case !a.IsPositive():
		return fmt.Errorf("%s is not a positive amount", a.String())
	case !a.Equal(a.Round(2)):
		return fmt.Errorf("%s has more than two decimals (cents)", a.String())
	case a.GreaterThan(MaxAmount):
		return fmt.Errorf("%s is too large", a.String())
	}
	return nil
}

// Charge splits a month's co-payment due against the balance there is:
// what is charged now and what the resident owes. GUESS: a balance that
// does not cover the co-payment is charged what there is and the rest is
// recorded as owed, for the centre that placed the resident to collect
// (from the family, or by its own decision); later income does not settle
// it by itself.
func Charge(due, balance decimal.Decimal) (charged, owed decimal.Decimal) {
	if balance.IsNegative() {
		balance = decimal.Zero
	}
	if balance.GreaterThanOrEqual(due) {
		return due, decimal.Zero
	}
	return balance, due.Sub(balance)
}

// ReceiptNumber is an entry's receipt number: R-<year>-<six digits>,
// gapless per institution and year.
func ReceiptNumber(year, seq int) string { return fmt.Sprintf("R-%d-%06d", year, seq) }

// ParseMonth reads a month as YYYY-MM.
func ParseMonth(s string) (time.Time, error) {
	m, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a month (YYYY-MM)", s)
	}
	return m, nil
}

// Closing is a day's closing of the cash desk: the cash in the drawer at
// the day's start (the last closing's count), what came in and went out,
// the cash expected and the cash counted.
type Closing struct {
	Opening, Ins, Outs, Counted decimal.Decimal
}

// Expected is the cash the drawer should hold.
func (c Closing) Expected() decimal.Decimal { return c.Opening.Add(c.Ins).Sub(c.Outs) }

// Difference is the counted cash less the expected (negative: missing).
func (c Closing) Difference() decimal.Decimal { return c.Counted.Sub(c.Expected()) }

// CheckClosing lists what is wrong with a closing the cashier sends: a
// count that is negative or not in cents, a difference without its
// explanation.
func CheckClosing(c Closing, explanation string) error {
	var errs []*domain.Error
	switch {
	case c.Counted.IsNegative():
		errs = append(errs, domain.FieldError("counted", "%s is negative", c.Counted.String()))
	case !c.Counted.Equal(c.Counted.Round(2)) || c.Counted.GreaterThan(MaxAmount):
		errs = append(errs, domain.FieldError("counted", "%s is not an amount in cents", c.Counted.String()))
	}
	if len(errs) == 0 && !c.Difference().IsZero() && strings.TrimSpace(explanation) == "" {
		errs = append(errs, domain.FieldError("explanation", "the cash counted (%s) differs from the cash expected (%s) by %s: explain the difference",
			c.Counted.StringFixed(2), c.Expected().StringFixed(2), c.Difference().StringFixed(2)))
	}
	if len(explanation) > 1000 {
		errs = append(errs, domain.FieldError("explanation", "is longer than 1000 characters"))
	}
	if len(errs) > 0 {
		return domain.Invalid(errs)
	}
	return nil
}
