// Package refunds is the law of the employers' refunds as code, without
// I/O: the refund of the salary compensation an employer paid during a
// maternity or parental leave (RNZ) and for half-time work (RNZRP),
// DOMAIN.md §3.3 (10) and (11). It checks a leave's kind and dates
// against the child's birth, finds the months of continuous insurance in
// the pension fund's M4 periods and the rate they give, averages the
// gross salary the tax administration's IOPPD/JPR reports state for the
// twelve months before the leave, and works out each month's refund pro
// rata by the days of leave in it, comparing it with what the employer
// says it paid and with the health fund's sick-leave certificates. Every
// figure is explained line by line in Montenegrin and English.
package refunds

import (
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

// Kind is the kind of leave a refund is asked for.
type Kind string

// The kinds of leave (DOMAIN.md §3.3 (10), (11)).
const (
	// Maternity is the mother's leave: 98 days, which may start 45 days
	// before the birth and must start 28 days before the expected birth.
	Maternity Kind = "maternity"
	// Parental is either parent's leave, up to 365 days from the birth.
	Parental Kind = "parental"
	// Transfer is the parental leave the other parent takes over: not
	// before the child is 30 days old, and up to 365 days from the birth.
	Transfer Kind = "parental_transfer"
	// HalfTime is a parent's half-time work to care for the child (form
	// Z-RNZRP): the employer is refunded the half not worked.
	HalfTime Kind = "half_time"
)

// The law's durations.
const (
	MaternityDays      = 98  // a maternity leave's length
	MaternityEarliest  = 45  // days before the birth a maternity leave may start
	ParentalDays       = 365 // a parental leave ends at the latest this many days from the birth
	TransferAfterDays  = 30  // the other parent takes the leave over from the child's 30th day
	HalfTimeYears      = 3   // GUESS: half-time work is refunded until the child's third birthday (conditions not retrieved, DOMAIN.md §3.3 (11))
	ClaimWindowMonths  = 6   // GUESS: a month is claimed within six months after the leave ends; later months lapse
	HalfTimeShareNumer = 1   // half-time work: the employer is refunded one half of the compensation
	HalfTimeShareDenom = 2
)

// Kinds lists every kind in a fixed order.
func Kinds() []Kind { return []Kind{Maternity, Parental, Transfer, HalfTime} }

// Valid reports whether k is a kind of leave.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if k == x {
			return true
		}
	}
	return false
}

// Benefit is the catalogue's benefit a kind of leave is refunded under.
func (k Kind) Benefit() benefits.Code {
	if k == HalfTime {
		return benefits.RNZRP
	}
	return benefits.RNZ
}

// CertificateReason is the reason the health fund's certificate must give
// for a day of this kind of leave to count as certified.
func (k Kind) CertificateReason() string {
	switch k {
	case Maternity:
		return "maternity"
	case HalfTime:
		return "half_time"
	}
	return "parental"
}

// Leave is a leave as the employer filed it, with the child's birth.
type Leave struct {
	Kind     Kind
	FirstDay time.Time
	LastDay  time.Time
	Birth    time.Time  // the child's date of birth
	Employee domain.Sex // the employee's sex (from the JMBG)
}

// Days is the number of days of the leave, both ends counted.
func (l Leave) Days() int { return days(l.FirstDay, l.LastDay) }

// Months lists the calendar months the leave touches, in order.
func (l Leave) Months() []domain.Month {
	var out []domain.Month
	for m := domain.MonthOf(l.FirstDay); !domain.MonthOf(l.LastDay).Before(m); m = m.Next() {
		out = append(out, m)
	}
	return out
}

// Holds reports whether month m has a day of the leave.
func (l Leave) Holds(m domain.Month) bool {
	return !m.Last().Before(l.FirstDay) && !m.First().After(l.LastDay)
}

// DaysIn is the number of days of the leave in month m.
func (l Leave) DaysIn(m domain.Month) int {
	from, to := m.First(), m.Last()
	if l.FirstDay.After(from) {
		from = l.FirstDay
	}
	if l.LastDay.Before(to) {
		to = l.LastDay
	}
	if to.Before(from) {
		return 0
	}
	return days(from, to)
}

// Check validates the leave against the law, naming the field at fault:
// kind, first_day, last_day or employee_jmbg (a maternity leave is the
// mother's). Several faults are returned together.
func (l Leave) Check() error {
	var errs []*domain.Error
	add := func(field, format string, args ...any) {
		errs = append(errs, domain.FieldError(field, format, args...))
	}
	if !l.Kind.Valid() {
		add("kind", "%q is not a kind of leave: one of maternity, parental, parental_transfer, half_time", l.Kind)
		return domain.Invalid(errs)
	}
	if l.LastDay.Before(l.FirstDay) {
		add("last_day", "the leave's last day %s is before its first day %s", day(l.LastDay), day(l.FirstDay))
		return domain.Invalid(errs)
	}
	latest := l.Birth.AddDate(0, 0, ParentalDays-1)
	switch l.Kind {
	case Maternity:
		if l.Employee != domain.SexFemale {
			add("employee_jmbg", "a maternity leave is the mother's; this JMBG is a man's (a parental leave may be either parent's)")
		}
		if earliest := l.Birth.AddDate(0, 0, -MaternityEarliest); l.FirstDay.Before(earliest) {
			add("first_day", "a maternity leave starts at the earliest %d days before the birth (%s), not %s", MaternityEarliest, day(earliest), day(l.FirstDay))
		} else if l.FirstDay.After(l.Birth) {
			add("first_day", "a maternity leave starts before the birth (%s), not %s", day(l.Birth), day(l.FirstDay))
		}
		if n := l.Days(); n > MaternityDays {
			add("last_day", "a maternity leave lasts %d days: from %s it ends by %s, not %s (%d days)", MaternityDays, day(l.FirstDay),
				day(l.FirstDay.AddDate(0, 0, MaternityDays-1)), day(l.LastDay), n)
		}
	case Parental, Transfer:
		first := l.Birth
		if l.Kind == Transfer {
			first = l.Birth.AddDate(0, 0, TransferAfterDays)
		}
		if l.FirstDay.Before(first) {
			if l.Kind == Transfer {
				add("first_day", "a parental leave passes to the other parent once the child is %d days old (%s), not %s", TransferAfterDays, day(first), day(l.FirstDay))
			} else {
				add("first_day", "a parental leave starts on the birth (%s) or later, not %s", day(l.Birth), day(l.FirstDay))
			}
		}
		if l.LastDay.After(latest) {
			add("last_day", "a parental leave ends at the latest %d days from the birth (%s), not %s", ParentalDays, day(latest), day(l.LastDay))
		}
	case HalfTime:
		if l.FirstDay.Before(l.Birth) {
			add("first_day", "half-time work for a child starts on the birth (%s) or later, not %s", day(l.Birth), day(l.FirstDay))
		}
		if end := l.Birth.AddDate(HalfTimeYears, 0, -1); l.LastDay.After(end) {
			add("last_day", "half-time work is refunded until the child is %d (%s), not %s", HalfTimeYears, day(end), day(l.LastDay))
		}
	}
	if len(errs) > 0 {
		return domain.Invalid(errs)
	}
	return nil
}

// Overlap reports whether two leaves share a day.
func Overlap(aFirst, aLast, bFirst, bLast time.Time) bool {
	return !aLast.Before(bFirst) && !bLast.Before(aFirst)
}

// End reasons: why a leave ended before its last day.
const (
	EndReturnToWork = "return_to_work"
	EndChildDeath   = "child_death"
)

// CheckEnd validates an early end: the leave's new last day lies within
// it, before the last day filed, for one of the end reasons.
func (l Leave) CheckEnd(lastDay time.Time, reason string) error {
	if reason != EndReturnToWork && reason != EndChildDeath {
		return domain.FieldError("reason", "%q is not a reason a leave ends early: return_to_work or child_death", reason)
	}
	if lastDay.Before(l.FirstDay.AddDate(0, 0, -1)) || !lastDay.Before(l.LastDay) {
		return domain.FieldError("last_day", "an early end's last day of leave lies between the day before the first (%s) and the day before the last (%s), not %s",
			day(l.FirstDay.AddDate(0, 0, -1)), day(l.LastDay.AddDate(0, 0, -1)), day(lastDay))
	}
	return nil
}

// days counts the days from a to b, both counted.
func days(a, b time.Time) int {
	a = time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	b = time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours()/24) + 1
}

func day(t time.Time) string { return t.Format(time.DateOnly) }
