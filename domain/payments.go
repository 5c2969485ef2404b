package domain

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Month is a payroll period: the first day of a calendar month (UTC).
type Month time.Time

// MonthOf returns the month t falls in.
func MonthOf(t time.Time) Month {
	return Month(time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC))
}

// ParseMonth reads "2026-11".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, FieldError("period", "%q is not a month (YYYY-MM)", s)
	}
	return Month(t), nil
}

func (m Month) String() string {
	y, mo := time.Time(m).Year(), int(time.Time(m).Month())
	if y < 1000 || y > 9999 {
		return time.Time(m).Format("2006-01")
	}
	// Without Format's layout parsing: a payroll names a month in three
	// lines of every payment (issue 24).
	b := [7]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-', byte('0' + mo/10), byte('0' + mo%10)}
	return string(b[:])
}

// First is the month's first day; Last its last.
func (m Month) First() time.Time { return time.Time(m) }

// Last is the month's last day.
func (m Month) Last() time.Time { return time.Time(m).AddDate(0, 1, -1) }

// Days is the number of days in the month.
func (m Month) Days() int { return m.Last().Day() }

// Next is the month after m.
func (m Month) Next() Month { return Month(time.Time(m).AddDate(0, 1, 0)) }

// Before reports whether m is earlier than o.
func (m Month) Before(o Month) bool { return time.Time(m).Before(time.Time(o)) }

// PaymentLine explains one step of a payment.
type PaymentLine struct {
	What  string
	Value string
}

// MonthlyPayment is what a monthly right pays for one month.
type MonthlyPayment struct {
	Month  Month
	Amount decimal.Decimal
	Lines  []PaymentLine
}

// ProRata is the rule for a right that starts or ends within a month: the
// monthly amount times the days the right holds in that month over the
// days of the month, rounded to the cent, half away from zero (GUESS: the
// rulebook's own rule was not retrieved; this is the usual one).
func ProRata(monthly decimal.Decimal, from time.Time, until *time.Time, m Month) MonthlyPayment {
	first, last := m.First(), m.Last()
	start, end := first, last
	if from.After(start) {
		start = from
	}
	if until != nil && until.Before(end) {
		end = *until
	}
	p := MonthlyPayment{Month: m, Amount: decimal.Zero}
	p.Lines = append(p.Lines, PaymentLine{"monthly amount", monthly.StringFixed(2)})
	if end.Before(start) {
		p.Lines = append(p.Lines, PaymentLine{"days the right holds in " + m.String(), "0"})
		return p
	}
	days := int(end.Sub(start).Hours()/24) + 1
	if days == m.Days() {
		p.Amount = monthly.Round(2)
		p.Lines = append(p.Lines, PaymentLine{"whole month " + m.String(), p.Amount.StringFixed(2)})
		return p
	}
	p.Amount = monthly.Mul(decimal.NewFromInt(int64(days))).Div(decimal.NewFromInt(int64(m.Days()))).Round(2)
	p.Lines = append(p.Lines,
		PaymentLine{fmt.Sprintf("days the right holds in %s (%s to %s)", m, start.Format(time.DateOnly), end.Format(time.DateOnly)), fmt.Sprintf("%d of %d", days, m.Days())},
		PaymentLine{"pro rata, rounded to the cent half away from zero", p.Amount.StringFixed(2)})
	return p
}

// Arrears lists what a right owes for the months from its start up to and
// including through that have not been paid yet (paidThrough is the last
// month paid, or nil when none was). A retroactive decision pays its past
// months with the first payroll after it.
func Arrears(monthly decimal.Decimal, from time.Time, until *time.Time, paidThrough *Month, through Month) []MonthlyPayment {
	m := MonthOf(from)
	if paidThrough != nil && !paidThrough.Before(m) {
		m = paidThrough.Next()
	}
	var out []MonthlyPayment
	for ; !through.Before(m); m = m.Next() {
		if until != nil && until.Before(m.First()) {
			break
		}
		out = append(out, ProRata(monthly, from, until, m))
	}
	return out
}

// Deduct takes a deduction a decision ordered (recovery of an overpayment,
// a sanction's reduction) from a month's payment: at most the payment
// itself, so a payment never goes below zero.
func Deduct(p MonthlyPayment, amount decimal.Decimal, reason string) MonthlyPayment {
	if !amount.IsPositive() || !p.Amount.IsPositive() {
		return p
	}
	take := decimal.Min(amount.Round(2), p.Amount)
	p.Amount = p.Amount.Sub(take)
	p.Lines = append(p.Lines[:len(p.Lines):len(p.Lines)],
		PaymentLine{"deduction (" + reason + ")", "-" + take.StringFixed(2)},
		PaymentLine{"to pay", p.Amount.StringFixed(2)})
	return p
}

// BankAnswer is what the bank said about a payroll's transfers, by
// end-to-end id: statuses (pain.002), debits booked and returns (camt.054).
type BankAnswer struct {
	Statuses []BankStatus
	Booked   []string
	Returned []BankStatus
}

// BankStatus is one transfer's status: accepted, or rejected or returned
// with the bank's reason code.
type BankStatus struct {
	EndToEndID string
	Accepted   bool
	Reason     string
}
