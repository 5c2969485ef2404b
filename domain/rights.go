package domain

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// RightState is where a right stands on a day.
type RightState string

// Right states. A suspended right pays nothing until resumed; an ended one
// pays nothing from its end on.
const (
	RightActive    RightState = "active"
	RightSuspended RightState = "suspended"
	RightEnded     RightState = "ended"
)

// VersionReason says why a right's version was made.
type VersionReason string

// Version reasons (DOMAIN.md §3.1, §4.3).
const (
	ReasonGrant      VersionReason = "grant"      // the first-instance decision
	ReasonRevision   VersionReason = "revision"   // the periodic revision
	ReasonChange     VersionReason = "change"     // a change of circumstances
	ReasonIndexation VersionReason = "indexation" // a new value of the law's parameters, ex officio
	ReasonAppeal     VersionReason = "appeal"     // an appeal's outcome
	ReasonSanction   VersionReason = "sanction"   // an activation sanction
	ReasonDeath      VersionReason = "death"      // the holder died
	ReasonCorrection VersionReason = "correction" // a caseworker's correction by decision
)

// Valid reports whether r is a known reason.
func (r VersionReason) Valid() bool {
	switch r {
	case ReasonGrant, ReasonRevision, ReasonChange, ReasonIndexation, ReasonAppeal, ReasonSanction, ReasonDeath, ReasonCorrection:
		return true
	}
	return false
}

// RightVersion is one version of a right: from a day (and until a day, when
// set) the right pays Amount a month in state State. Versions are a layered
// history: where two overlap, the later one (higher Seq) holds. An appeal
// that changes a decision from its start adds a version over the same days;
// nothing already recorded is rewritten.
type RightVersion struct {
	Seq    int
	From   time.Time
	To     *time.Time // last day, inclusive; nil: open
	Amount decimal.Decimal
	State  RightState
	Reason VersionReason
	// Ref names what made the version: a decision's number, a notice, a
	// change event ("" when none).
	Ref string
}

// Covers reports whether the version holds on day (ignoring later ones).
func (v RightVersion) Covers(day time.Time) bool {
	return !day.Before(v.From) && (v.To == nil || !day.After(*v.To))
}

// Timeline is a right's versions.
type Timeline []RightVersion

// On returns the version in force on day: the highest Seq covering it.
func (t Timeline) On(day time.Time) (RightVersion, bool) {
	var best RightVersion
	found := false
	for _, v := range t {
		if v.Covers(day) && (!found || v.Seq > best.Seq) {
			best, found = v, true
		}
	}
	return best, found
}

// Next returns the next Seq to use.
func (t Timeline) Next() int {
	n := 0
	for _, v := range t {
		if v.Seq > n {
			n = v.Seq
		}
	}
	return n + 1
}

// Current returns the version in force from the latest start on: what the
// right pays "from now on" once every version has begun.
func (t Timeline) Current() (RightVersion, bool) {
	if len(t) == 0 {
		return RightVersion{}, false
	}
	var last time.Time
	for _, v := range t {
		if v.From.After(last) {
			last = v.From
		}
	}
	return t.On(last)
}

// MonthlyOwed is what a monthly right owes for month m under its versions:
// the month is cut into runs of days with the same version in force, and
// each run of an active version pays its monthly amount times the run's
// days over the month's days, rounded to the cent half away from zero (the
// ProRata rule). A new value that takes effect mid-month (17 Feb 2024) thus
// pays the old amount for 1-16 February and the new one for 17-29 (GUESS:
// DOMAIN.md does not give the rule for a change within a month; pro rata by
// calendar days is the rule the law gives for a right starting mid-month).
// Every run is one line of the explanation.
func (t Timeline) MonthlyOwed(m Month) MonthlyPayment { return t.monthlyOwed(m, t.HoldsWholeMonth(m)) }

// monthlyOwed is MonthlyOwed; whole says the version in force on the
// month's first day holds all of it, and no day is walked (issue 24: the
// common case, 30 look-ups per right and month in a payroll before).
func (t Timeline) monthlyOwed(m Month, whole bool) MonthlyPayment {
	p := MonthlyPayment{Month: m, Amount: decimal.Zero}
	days := m.Days()
	start, cur, ok := 1, RightVersion{}, false
	flush := func(end int) {
		if !ok {
			return
		}
		n := end - start + 1
		from := m.First().AddDate(0, 0, start-1)
		switch {
		case cur.State != RightActive:
			p.Lines = append(p.Lines, PaymentLine{fmt.Sprintf("%s to %s: right %s (version %d, %s)", from.Format(time.DateOnly),
				from.AddDate(0, 0, n-1).Format(time.DateOnly), cur.State, cur.Seq, cur.Reason), "0.00"})
		case n == days:
			amt := cur.Amount.Round(2)
			p.Amount = p.Amount.Add(amt)
			// Joined, not Sprintf: the line of nearly every payment of a
			// payroll (issue 24).
			p.Lines = append(p.Lines, PaymentLine{"whole month " + m.String() + " at " + Fixed2(cur.Amount) + " a month (version " +
				strconv.Itoa(cur.Seq) + ", " + string(cur.Reason) + refSuffix(cur.Ref) + ")", Fixed2(amt)})
		default:
			amt := cur.Amount.Mul(decimal.NewFromInt(int64(n))).Div(decimal.NewFromInt(int64(days))).Round(2)
			p.Amount = p.Amount.Add(amt)
			p.Lines = append(p.Lines, PaymentLine{fmt.Sprintf("%s to %s: %d of %d days at %s a month (version %d, %s%s)", from.Format(time.DateOnly),
				from.AddDate(0, 0, n-1).Format(time.DateOnly), n, days, cur.Amount.StringFixed(2), cur.Seq, cur.Reason, refSuffix(cur.Ref)), amt.StringFixed(2)})
		}
	}
	if whole {
		cur, ok = t.On(m.First())
	} else {
		for d := 1; d <= days; d++ {
			v, has := t.On(m.First().AddDate(0, 0, d-1))
			if has == ok && (!has || v.Seq == cur.Seq) {
				continue
			}
			flush(d - 1)
			start, cur, ok = d, v, has
		}
	}
	flush(days)
	if len(p.Lines) == 0 {
		p.Lines = append(p.Lines, PaymentLine{"no version of the right holds in " + m.String(), "0.00"})
	}
	p.Lines = append(p.Lines, PaymentLine{"owed for " + m.String(), Fixed2(p.Amount)})
	return p
}

// HoldsWholeMonth reports whether the same versions cover every day of
// month m (none starts after its first day or ends before its last), so
// that the version in force on its first day is in force all month.
func (t Timeline) HoldsWholeMonth(m Month) bool {
	first, last := m.First(), m.Last()
	for _, v := range t {
		if v.From.After(first) && !v.From.After(last) || v.To != nil && !v.To.Before(first) && v.To.Before(last) {
			return false
		}
	}
	return true
}

// OneOffOwed is what a one-off right owes for month m: its amount, in the
// month its first version starts, once.
func (t Timeline) OneOffOwed(m Month) MonthlyPayment {
	p := MonthlyPayment{Month: m, Amount: decimal.Zero}
	first, ok := t.first()
	if !ok || MonthOf(first.From) != m {
		return p
	}
	v, _ := t.On(first.From)
	if v.State == RightActive {
		p.Amount = v.Amount.Round(2)
	}
	p.Lines = append(p.Lines, PaymentLine{fmt.Sprintf("one-off amount (version %d, %s%s)", v.Seq, v.Reason, refSuffix(v.Ref)), p.Amount.StringFixed(2)})
	return p
}

func (t Timeline) first() (RightVersion, bool) {
	if len(t) == 0 {
		return RightVersion{}, false
	}
	s := append(Timeline(nil), t...)
	sort.Slice(s, func(i, j int) bool {
		return s[i].From.Before(s[j].From) || s[i].From.Equal(s[j].From) && s[i].Seq < s[j].Seq
	})
	return s[0], true
}

// Settle compares what a month owes with what was paid for it: a positive
// difference is to pay, a negative one is an overpayment, recovered only
// by a decision.
func Settle(owed MonthlyPayment, paid decimal.Decimal) (toPay, overpaid decimal.Decimal, lines []PaymentLine) {
	diff := owed.Amount.Sub(paid)
	lines = make([]PaymentLine, 0, len(owed.Lines)+2)
	lines = append(append(lines, owed.Lines...), PaymentLine{"already paid for " + owed.Month.String(), Fixed2(paid)})
	switch {
	case diff.IsPositive():
		lines = append(lines, PaymentLine{"difference to pay", Fixed2(diff)})
		return diff, decimal.Zero, lines
	case diff.IsNegative():
		lines = append(lines, PaymentLine{"overpaid (recovered only by a decision)", Fixed2(diff.Neg())})
		return decimal.Zero, diff.Neg(), lines
	}
	return decimal.Zero, decimal.Zero, lines
}

func refSuffix(ref string) string {
	if ref == "" {
		return ""
	}
	return ", " + ref
}

// PayablePeriod checks that a payroll for month m may run on day today: a
// payroll pays a month that has ended, or the current month from its
// payment day on, never a later month (DOMAIN.md §5.4).
func PayablePeriod(m Month, today time.Time, paymentDay int) error {
	cur := MonthOf(today)
	switch {
	case cur.Before(m):
		return FieldError("period", "%s has not come yet: a payroll pays a month that has ended, or the current month from day %d on", m, paymentDay)
	case m == cur && today.Day() < paymentDay:
		return FieldError("period", "%s is paid from %s on (payment day %d)", m, time.Date(today.Year(), today.Month(), paymentDay, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), paymentDay)
	}
	return nil
}
