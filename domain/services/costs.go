package services

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Monthly cost reports (issue 23 item 5): at a month's end a provider
// claims, per contract, what it delivered to each person referred to it
// (days, visits or hours × the contract's rate), Karton checks the claim
// against the records, the contract and the persons, and two finance
// officers (four eyes) let it be paid in the payroll.

// CostLine is one line of a cost report: a referral's units in the month
// at the contract's rate. Amount is Units × Rate rounded to the cent.
type CostLine struct {
	ReferralID int64
	Units      decimal.Decimal
	Rate       decimal.Decimal
	Amount     decimal.Decimal
}

// CostReport is a provider's claim for one contract and one month.
type CostReport struct {
	Month domain.Month
	Lines []CostLine
	Total decimal.Decimal
}

// MaxUnitsPerLine bounds a line's units: a person's hours in a month (a
// typo's guard; days and visits stay far below it).
var MaxUnitsPerLine = decimal.NewFromInt(31 * 24)

// Cost report states. Karton's own check runs with the submission: a
// report with flagged lines is flagged, one without stays submitted. A
// finance officer checks it (the first pair of eyes), another approves it
// (the second) or rejects it; the payroll pays an approved one. A new
// version from the provider supersedes the one before.
const (
	CostSubmitted  = "submitted"
	CostFlagged    = "flagged"
	CostChecked    = "checked"
	CostApproved   = "approved"
	CostRejected   = "rejected"
	CostPaid       = "paid"
	CostSuperseded = "superseded"
)

// CostStates lists the states in their order.
func CostStates() []string {
	return []string{CostSubmitted, CostFlagged, CostChecked, CostApproved, CostRejected, CostPaid, CostSuperseded}
}

// Sane reports whether d is a number a report may carry: below a billion
// in magnitude, at most 6 decimals. It is checked before any arithmetic:
// a number like 1e1000000000 would take a decimal library's rounding and
// comparisons gigabytes of digits.
func Sane(d decimal.Decimal) bool {
	return d.Exponent() >= -6 && d.Exponent() <= 9 && d.Abs().LessThan(decimal.NewFromInt(1_000_000_000))
}

// LineAmount is what units at rate come to, rounded to the cent.
func LineAmount(units, rate decimal.Decimal) decimal.Decimal { return units.Mul(rate).Round(2) }

// CheckMonthEnded refuses a report for a month that has not ended on today.
func CheckMonthEnded(m domain.Month, today time.Time) *domain.Error {
	if !domain.CalendarDay(today).After(m.Last()) {
		return domain.FieldError("month", "the month %s has not ended yet: its report is due from %s", m,
			m.Next().First().Format(time.DateOnly))
	}
	return nil
}

// CheckAddsUp lists every reason a report does not add up: a line whose
// rate is not the contract's, whose amount is not units × the contract's
// rate, a referral claimed twice, units out of bounds, and a total other
// than the sum of the lines. Nothing of such a report is recorded.
func CheckAddsUp(r CostReport, rate decimal.Decimal) []*domain.Error {
	var errs []*domain.Error
	if len(r.Lines) == 0 {
		errs = append(errs, domain.FieldError("lines", "a cost report claims at least one line"))
	}
	sum := decimal.Zero
	seen := map[int64]int{}
	for i, l := range r.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if !Sane(l.Units) || !Sane(l.Rate) || !Sane(l.Amount) {
			errs = append(errs, domain.FieldError(f, "line %d: units, rate and amount are numbers below a billion with at most 6 decimals", i+1))
			continue
		}
		if l.ReferralID <= 0 {
			errs = append(errs, domain.FieldError(f+".referral_id", "line %d names no referral", i+1))
		} else if j, dup := seen[l.ReferralID]; dup {
			errs = append(errs, domain.FieldError(f+".referral_id", "line %d claims referral %d again (line %d): one line per referral", i+1, l.ReferralID, j+1))
		} else {
			seen[l.ReferralID] = i
		}
		if !l.Units.IsPositive() || l.Units.GreaterThan(MaxUnitsPerLine) || !l.Units.Equal(l.Units.Round(2)) {
			errs = append(errs, domain.FieldError(f+".units", "line %d claims %s units: more than 0, at most %s, in hundredths", i+1, l.Units, MaxUnitsPerLine))
		}
		if !l.Rate.Equal(rate) {
			errs = append(errs, domain.FieldError(f+".rate", "line %d is at EUR %s: the contract's rate is EUR %s", i+1, l.Rate.StringFixed(2), rate.StringFixed(2)))
		}
		if want := LineAmount(l.Units, rate); !l.Amount.Equal(want) {
			errs = append(errs, domain.FieldError(f+".amount", "line %d comes to EUR %s, not %s: %s units × EUR %s", i+1, want.StringFixed(2),
				l.Amount.StringFixed(2), l.Units, rate.StringFixed(2)))
		}
		sum = sum.Add(l.Amount)
	}
	if !Sane(r.Total) {
		errs = append(errs, domain.FieldError("total", "the total is a number below a billion with at most 6 decimals"))
	} else if !r.Total.Equal(sum) {
		errs = append(errs, domain.FieldError("total", "the total is EUR %s, not the lines' sum EUR %s", r.Total.StringFixed(2), sum.StringFixed(2)))
	}
	return errs
}

// UseDay is a referral's effective service-use record on a day (not
// superseded, quantity above 0).
type UseDay struct {
	Day      time.Time
	Quantity decimal.Decimal
}

// LineRecords is what Karton holds behind a line: the referral's dates
// (From nil: the service never started), the person's death (nil: none
// recorded) and the month's effective records.
type LineRecords struct {
	From, Until *time.Time
	DiedOn      *time.Time
	Days        []UseDay
}

// Recorded is the units the records give.
func (r LineRecords) Recorded() decimal.Decimal {
	sum := decimal.Zero
	for _, d := range r.Days {
		sum = sum.Add(d.Quantity)
	}
	return sum
}

// Flag codes: why a line needs a look before it is paid.
const (
	FlagUnits        = "units_differ"     // units claimed ≠ units recorded
	FlagOutside      = "outside_referral" // a record on a day outside the referral's dates
	FlagDeceased     = "deceased"         // the person died before a day claimed
	FlagOverCapacity = "over_capacity"    // on a day more persons recorded under the contract than its capacity
)

// Flag is one finding of Karton's check on a line, in both languages.
type Flag struct {
	Code string `json:"code"`
	CNR  string `json:"cnr"`
	EN   string `json:"en"`
}

// Words is the flag in lang ("en", else Montenegrin).
func (f Flag) Words(lang string) string {
	if lang == "en" {
		return f.EN
	}
	return f.CNR
}

// Bare is the flag as a reader outside the DV compartment reads it on a
// DV referral's line: its code and what kind of finding it is, without
// the days, counts or dates of the person's month.
func (f Flag) Bare() Flag {
	words := map[string][2]string{
		FlagUnits:        {"potraživane jedinice se ne slažu sa evidencijom", "the units claimed differ from those recorded"},
		FlagOutside:      {"evidentirani dani van perioda uputnice", "days recorded outside the referral"},
		FlagDeceased:     {"evidentirani dani poslije smrti korisnika", "days recorded after the person's death"},
		FlagOverCapacity: {"dani preko kapaciteta ugovora", "days over the contract's capacity"},
	}[f.Code]
	if words[0] == "" {
		words = [2]string{"nalaz provjere", "a finding of the check"}
	}
	return Flag{Code: f.Code, CNR: words[0], EN: words[1]}
}

// CheckCosts is Karton's check of a report that adds up: for each line
// the flags its records, the referral's dates, the person's death and the
// contract's capacity raise. recs holds each line's records by referral;
// perDay counts, for each day of the month, the persons recorded under
// the contract (every referral, claimed or not).
func CheckCosts(r CostReport, recs map[int64]LineRecords, capacity int, perDay map[time.Time]int) [][]Flag {
	out := make([][]Flag, len(r.Lines))
	for i, l := range r.Lines {
		rec := recs[l.ReferralID]
		var flags []Flag
		if got := rec.Recorded(); !got.Equal(l.Units) {
			flags = append(flags, Flag{FlagUnits,
				fmt.Sprintf("potraživano %s jedinica, u evidenciji %s", l.Units, got),
				fmt.Sprintf("%s units claimed, %s recorded", l.Units, got)})
		}
		var outside, dead, over []time.Time
		for _, d := range rec.Days {
			if rec.From == nil || d.Day.Before(*rec.From) || (rec.Until != nil && d.Day.After(*rec.Until)) {
				outside = append(outside, d.Day)
			}
			if rec.DiedOn != nil && d.Day.After(*rec.DiedOn) {
				dead = append(dead, d.Day)
			}
			if perDay[d.Day] > capacity {
				over = append(over, d.Day)
			}
		}
		if len(outside) > 0 {
			span := "usluga nije započeta"
			spanEN := "the service never started"
			if rec.From != nil {
				span, spanEN = "uputnica važi od "+cnrDate(*rec.From), "the referral runs from "+rec.From.Format(time.DateOnly)
				if rec.Until != nil {
					span += " do " + cnrDate(*rec.Until)
					spanEN += " to " + rec.Until.Format(time.DateOnly)
				}
			}
			flags = append(flags, Flag{FlagOutside,
				fmt.Sprintf("evidentirani dani van perioda uputnice (%s): %s", span, cnrDates(outside)),
				fmt.Sprintf("days recorded outside the referral (%s): %s", spanEN, enDates(outside))})
		}
		if len(dead) > 0 {
			flags = append(flags, Flag{FlagDeceased,
				fmt.Sprintf("korisnik je preminuo %s; evidentirani dani poslije smrti: %s", cnrDate(*rec.DiedOn), cnrDates(dead)),
				fmt.Sprintf("the person died on %s; days recorded after the death: %s", rec.DiedOn.Format(time.DateOnly), enDates(dead))})
		}
		if len(over) > 0 {
			flags = append(flags, Flag{FlagOverCapacity,
				fmt.Sprintf("kapacitet ugovora je %d korisnika; tih dana evidentirano više: %s", capacity, cnrDates(over)),
				fmt.Sprintf("the contract's capacity is %d persons; more were recorded on: %s", capacity, enDates(over))})
		}
		out[i] = flags
	}
	return out
}

// Explain says how a line's amount comes about: units × rate = amount, in
// Montenegrin and English.
func Explain(l CostLine, u Unit) (cnr, en string) {
	words := map[Unit][2]string{UnitDay: {"dana", "days"}, UnitVisit: {"posjeta", "visits"}, UnitHour: {"sati", "hours"}}[u]
	if words[0] == "" {
		words = [2]string{"jedinica", "units"}
	}
	cnr = fmt.Sprintf("%s %s × %s € = %s €", cnrNumber(l.Units), words[0], cnrNumber(l.Rate.Round(2)), cnrNumber(l.Amount.Round(2)))
	en = fmt.Sprintf("%s %s × EUR %s = EUR %s", l.Units, words[1], l.Rate.StringFixed(2), l.Amount.StringFixed(2))
	return cnr, en
}

func cnrNumber(d decimal.Decimal) string {
	s := d.String()
	if d.Exponent() < 0 {
		s = d.StringFixed(2)
	}
	return strings.Replace(s, ".", ",", 1)
}

func cnrDate(t time.Time) string { return t.Format("02.01.2006.") }

// cnrDates and enDates list days, at most ten of them and how many more.
func cnrDates(ds []time.Time) string {
	return listDays(ds, func(t time.Time) string { return t.Format("02.01.") }, "i još %d")
}

func enDates(ds []time.Time) string {
	return listDays(ds, func(t time.Time) string { return t.Format(time.DateOnly) }, "and %d more")
}

func listDays(ds []time.Time, f func(time.Time) string, more string) string {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b time.Time) int { return a.Compare(b) })
	ds = slices.CompactFunc(ds, func(a, b time.Time) bool { return a.Equal(b) })
	var parts []string
	for i, d := range ds {
		if i == 10 {
			parts = append(parts, fmt.Sprintf(more, len(ds)-10))
			break
		}
		parts = append(parts, f(d))
	}
	return strings.Join(parts, ", ")
}
