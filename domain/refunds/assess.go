package refunds

import (
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// InsurancePeriod is one period of insurance in the pension fund's M4
// record: with which employer, from when, until when (nil: still open).
type InsurancePeriod struct {
	EmployerPIB string
	From        time.Time
	To          *time.Time
}

// covers reports whether the period holds day d.
func (p InsurancePeriod) covers(d time.Time) bool {
	return !d.Before(p.From) && (p.To == nil || !d.After(*p.To))
}

// EmployedBy reports whether the M4 periods show the employee insured
// through employer pib on day d.
func EmployedBy(periods []InsurancePeriod, pib string, d time.Time) bool {
	for _, p := range periods {
		if p.EmployerPIB == pib && p.covers(d) {
			return true
		}
	}
	return false
}

// ContinuousSince is the first day of the unbroken insurance that holds
// the day before start (periods that follow each other without a free day
// join, whoever the employer), and false when the employee was not
// insured that day.
func ContinuousSince(periods []InsurancePeriod, start time.Time) (time.Time, bool) {
	ps := append([]InsurancePeriod(nil), periods...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].From.Before(ps[j].From) })
	eve := start.AddDate(0, 0, -1)
	var runFrom time.Time
	var runTo *time.Time // nil: open
	found := false
	for i, p := range ps {
		joins := i > 0 && (runTo == nil || !p.From.After(runTo.AddDate(0, 0, 1)))
		if !joins {
			if found {
				break // the run holding the eve has ended
			}
			runFrom, runTo = p.From, p.To
		} else if runTo != nil && (p.To == nil || p.To.After(*runTo)) {
			runTo = p.To
		}
		if !eve.Before(runFrom) && (runTo == nil || !eve.After(*runTo)) {
			found = true
		}
	}
	return runFrom, found
}

// FullMonths counts the whole months from from to to: 15 January to 15
// July is six, to 14 July five.
func FullMonths(from, to time.Time) int {
	n := (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month())
	if to.Day() < from.Day() {
		n--
	}
	return max(n, 0)
}

// Rate is the refund's share, in percent, for months of continuous
// insurance before the leave (DOMAIN.md §3.3 (10)): 100 from 12 months,
// 70 from 6, 50 from 3, nothing under 3.
func Rate(months int) int {
	switch {
	case months >= 12:
		return 100
	case months >= 6:
		return 70
	case months >= 3:
		return 50
	}
	return 0
}

// SalaryReport is one month's gross salary in the tax administration's
// IOPPD/JPR reports, from one employer.
type SalaryReport struct {
	Month       domain.Month
	EmployerPIB string
	Gross       decimal.Decimal
}

// AverageGross averages the gross salary of the twelve months before
// month first: a month's reports are added up (two employers, two
// reports); months without a report do not count. It returns the
// average (rounded to the cent), the months counted and one line per
// month plus the average's.
func AverageGross(reports []SalaryReport, first domain.Month) (decimal.Decimal, int, []Line) {
	from := domain.Month(first.First().AddDate(-1, 0, 0))
	byMonth := map[string]decimal.Decimal{}
	for _, r := range reports {
		if r.Month.Before(from) || !r.Month.Before(first) {
			continue
		}
		byMonth[r.Month.String()] = byMonth[r.Month.String()].Add(r.Gross)
	}
	var lines []Line
	sum, n := decimal.Zero, 0
	var firstSeen, lastSeen domain.Month
	for m := from; m.Before(first); m = m.Next() {
		g, ok := byMonth[m.String()]
		if !ok {
			continue
		}
		if n == 0 {
			firstSeen = m
		}
		lastSeen = m
		sum, n = sum.Add(g), n+1
		lines = append(lines, Line{What: say("leave.salary_month", m.String()), Value: g.StringFixed(2), Source: say("src.tax")})
	}
	if n == 0 {
		return decimal.Zero, 0, nil
	}
	avg := sum.Div(decimal.NewFromInt(int64(n))).Round(2)
	lines = append(lines, Line{What: say("leave.salary_average", n, firstSeen.String(), lastSeen.String()), Value: avg.StringFixed(2), Source: say("src.calc")})
	return avg, n, lines
}

// Assessment is what the registries give a leave: the months of
// continuous insurance, the rate, the base (the average gross salary),
// the lines that explain them and, when no refund is due, why.
type Assessment struct {
	InsuredMonths int
	InsuredSince  time.Time
	Rate          int
	Base          decimal.Decimal
	SalaryMonths  int
	Lines         []Line
	Refusal       *Phrase // nil: the refund is due at Rate of Base
}

// Assess works out a leave's rate and base from the M4 periods and the
// salary reports; registeredBirth is the child's birth the population
// register states (zero: the register does not know the child).
func Assess(l Leave, periods []InsurancePeriod, reports []SalaryReport, registeredBirth time.Time) Assessment {
	var a Assessment
	a.Lines = append(a.Lines, Line{What: say("leave.period", day(l.FirstDay), day(l.LastDay), "@leave.kind."+string(l.Kind)),
		Value: strconv.Itoa(l.Days()), Source: say("src.leave")})
	if registeredBirth.IsZero() || !registeredBirth.Equal(l.Birth) {
		r := say("leave.refused.birth", day(l.Birth))
		a.Refusal = &r
		return a
	}
	a.Lines = append(a.Lines, Line{What: say("leave.birth"), Value: day(registeredBirth), Source: say("src.register")})
	since, ok := ContinuousSince(periods, l.FirstDay)
	if ok {
		a.InsuredSince = since
		a.InsuredMonths = FullMonths(since, l.FirstDay)
		a.Lines = append(a.Lines, Line{What: say("leave.insured_since"), Value: day(since), Source: say("src.pension")})
	}
	a.Lines = append(a.Lines, Line{What: say("leave.insured_months", day(l.FirstDay)), Value: strconv.Itoa(a.InsuredMonths), Source: say("src.pension")})
	a.Rate = Rate(a.InsuredMonths)
	a.Lines = append(a.Lines, Line{What: say("leave.rate"), Value: strconv.Itoa(a.Rate), Source: say("src.law")})
	if a.Rate == 0 {
		r := say("leave.refused.insurance", a.InsuredMonths)
		a.Refusal = &r
		return a
	}
	avg, n, lines := AverageGross(reports, domain.MonthOf(l.FirstDay))
	a.Base, a.SalaryMonths = avg, n
	a.Lines = append(a.Lines, lines...)
	if n == 0 {
		r := say("leave.refused.salary")
		a.Refusal = &r
	}
	return a
}
