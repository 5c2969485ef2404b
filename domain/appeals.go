package domain

import (
	"time"
)

// AppealDays is how long a person has to appeal a decision, counted from
// the day after its delivery (DOMAIN.md §4.4: 15 days after receipt, stated
// for veterans' rights [R14]; GUESS: the same for every decision Karton
// issues, and in calendar days: a deadline that falls on a holiday is not
// moved to the next working day).
const AppealDays = 15

// AppealDeadline is the last day an appeal against a decision delivered on
// delivered is in time: delivered on 1 March, the deadline is 16 March.
func AppealDeadline(delivered time.Time) time.Time {
	return CalendarDay(delivered).AddDate(0, 0, AppealDays)
}

// FinalOn is the day a decision delivered on delivered becomes final when
// nobody appeals it: the day after the deadline.
func FinalOn(delivered time.Time) time.Time {
	return AppealDeadline(delivered).AddDate(0, 0, 1)
}

// CalendarDay is t's calendar day (UTC midnight of its date).
func CalendarDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// SanctionFrom is the first day an activation sanction applies: never
// before the month its decision named, and never before the first month
// after the decision became final (an appeal suspends a sanction;
// docs/rights.md).
func SanctionFrom(named, final time.Time) time.Time {
	from := MonthOf(final).Next().First()
	if n := MonthOf(named).First(); n.After(from) {
		return n
	}
	return from
}

// AppealState is where an appeal stands.
type AppealState string

// Appeal states: with the centre that issued the decision (it may change
// its own decision), with the ministry as second instance, or decided.
const (
	AppealFirstInstance  AppealState = "first_instance"
	AppealSecondInstance AppealState = "second_instance"
	AppealUpheld         AppealState = "upheld"
	AppealAnnulled       AppealState = "annulled"
	AppealChanged        AppealState = "changed"
)

// Pending reports whether the appeal awaits an outcome.
func (s AppealState) Pending() bool { return s == AppealFirstInstance || s == AppealSecondInstance }

// Appeal outcomes, as an instance decides them.
const (
	OutcomeUphold = "uphold" // the appeal is refused: the decision stands
	OutcomeAnnul  = "annul"  // the decision is annulled: the right ends, or never was, from its start
	OutcomeChange = "change" // the decision is changed: a new amount from a date
)
