package refunds

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Certificate is one of the health fund's sick-leave certificates (the
// proof of temporary incapacity, doznaka): the days it covers and why.
type Certificate struct {
	Number string
	From   time.Time
	To     time.Time
	Reason string // maternity, parental, half_time, illness
}

// MonthInput is one monthly claim with what the registries and the
// leave's assessment give.
type MonthInput struct {
	// Leave is the leave as it stands: its last day is the early end's
	// when it ended early.
	Leave        Leave
	Month        domain.Month
	Base         decimal.Decimal // the average gross salary
	Rate         int             // percent
	SalaryPaid   decimal.Decimal // the compensation the employer says it paid for the month
	Certificates []Certificate
}

// MonthResult is the month's refund by rule, the lines that explain it,
// and where the evidence and the request disagree.
type MonthResult struct {
	Days, MonthDays, Certified int
	Compensation               decimal.Decimal // what the employee is owed for the month
	Refund                     decimal.Decimal // what the employer is refunded
	Tolerance                  decimal.Decimal
	Lines                      []Line
	// Discrepancies are where the evidence and the request disagree by
	// more than the tolerance: each sends the month to a caseworker.
	Discrepancies []Phrase
}

// Tolerance is how far the compensation the employer paid may lie from
// the one calculated before a caseworker looks at the month: 2 % of the
// calculated compensation, at least EUR 5.00 (GUESS: rounding, a day's
// difference in a salary's accrual; the rulebook names none).
func Tolerance(compensation decimal.Decimal) decimal.Decimal {
	t := compensation.Mul(decimal.RequireFromString("0.02")).Round(2)
	if floor := decimal.RequireFromString("5.00"); t.LessThan(floor) {
		return floor
	}
	return t
}

// MonthRefund works out the month's refund: the compensation is the
// average gross salary times the days of leave in the month over the
// month's days (half of it for half-time work), the refund that times
// the rate, each rounded to the cent. The days of leave the health fund's
// certificates (of the kind's reason) do not cover, and a paid
// compensation further from the calculated one than the tolerance, are
// discrepancies.
func MonthRefund(in MonthInput) MonthResult {
	m, l := in.Month, in.Leave
	r := MonthResult{Days: l.DaysIn(m), MonthDays: m.Days(), Compensation: decimal.Zero, Refund: decimal.Zero, Tolerance: decimal.Zero}
	if r.Days == 0 {
		r.Lines = append(r.Lines, Line{What: say("month.none", m.String()), Value: "0", Source: say("src.leave")})
		return r
	}
	from, to := m.First(), m.Last()
	if l.FirstDay.After(from) {
		from = l.FirstDay
	}
	if l.LastDay.Before(to) {
		to = l.LastDay
	}
	r.Certified = certified(in.Certificates, l.Kind.CertificateReason(), from, to)
	r.Lines = append(r.Lines,
		Line{What: say("month.days", m.String(), day(from), day(to)), Value: strconv.Itoa(r.Days), Source: say("src.leave")},
		Line{What: say("month.days_total", m.String()), Value: strconv.Itoa(r.MonthDays), Source: say("src.calc")},
		Line{What: say("month.certified"), Value: strconv.Itoa(r.Certified), Source: say("src.health")})
	comp := in.Base.Mul(decimal.NewFromInt(int64(r.Days))).Div(decimal.NewFromInt(int64(r.MonthDays)))
	r.Lines = append(r.Lines, Line{What: say("month.compensation", r.Days, r.MonthDays), Value: comp.Round(2).StringFixed(2), Source: say("src.calc")})
	if l.Kind == HalfTime {
		comp = comp.Mul(decimal.NewFromInt(HalfTimeShareNumer)).Div(decimal.NewFromInt(HalfTimeShareDenom))
		r.Lines = append(r.Lines, Line{What: say("month.half"), Value: comp.Round(2).StringFixed(2), Source: say("src.law")})
	}
	r.Compensation = comp.Round(2)
	r.Refund = r.Compensation.Mul(decimal.NewFromInt(int64(in.Rate))).Div(decimal.NewFromInt(100)).Round(2)
	r.Tolerance = Tolerance(r.Compensation)
	r.Lines = append(r.Lines,
		Line{What: say("month.refund", in.Rate), Value: r.Refund.StringFixed(2), Source: say("src.law")},
		Line{What: say("month.paid", m.String()), Value: in.SalaryPaid.StringFixed(2), Source: say("src.employer")},
		Line{What: say("month.tolerance"), Value: r.Tolerance.StringFixed(2), Source: say("src.calc")})
	if r.Certified < r.Days {
		r.Discrepancies = append(r.Discrepancies, say("diff.uncertified", r.Certified, r.Days))
	}
	if diff := in.SalaryPaid.Sub(r.Compensation).Abs(); diff.GreaterThan(r.Tolerance) {
		r.Discrepancies = append(r.Discrepancies, say("diff.salary", in.SalaryPaid.StringFixed(2), r.Compensation.StringFixed(2),
			diff.StringFixed(2), r.Tolerance.StringFixed(2)))
	}
	return r
}

// certified counts the days from from to to that a certificate of reason
// covers.
func certified(cs []Certificate, reason string, from, to time.Time) int {
	n := 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		for _, c := range cs {
			if c.Reason == reason && !d.Before(c.From) && !d.After(c.To) {
				n++
				break
			}
		}
	}
	return n
}
