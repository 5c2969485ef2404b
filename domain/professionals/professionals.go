// Package professionals holds the rules of the register of licensed
// professional workers and their e-learning (issue 21, item 2; Serbia's
// Aurora, DOMAIN.md §1.3): the professional exam, the licence to work and
// its period, the training hours a period requires, courses as versioned
// content in both languages, the scoring of a course's test, and when a
// licence is warned of as not renewable for lack of hours. It does no I/O.
package professionals

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// LicenceYears is how long a licence to work runs (GUESS: as a provider's,
// six years from its first day).
const LicenceYears = 6

// RequiredHours is the training a professional must complete within a
// licence period for it to be renewed (GUESS: 60 hours in six years; the
// rulebook's figure is to replace it).
var RequiredHours = decimal.NewFromInt(60)

// WarnDays is how long before a licence's last day a professional short of
// hours is warned (GUESS: 90 days).
const WarnDays = 90

// ValidUntil is the last day of a licence from its first: six years less a day.
func ValidUntil(from time.Time) time.Time { return from.AddDate(LicenceYears, 0, -1) }

// Licence is a professional's licence to work.
type Licence struct {
	Number     string
	ValidFrom  time.Time
	ValidUntil time.Time
}

// InForce reports whether the licence holds on day.
func (l Licence) InForce(day time.Time) bool {
	d := dayOf(day)
	return !d.Before(dayOf(l.ValidFrom)) && !d.After(dayOf(l.ValidUntil))
}

// Current is the licence in force on day among ls, the one starting last
// if several do, and whether there is one.
func Current(ls []Licence, day time.Time) (Licence, bool) {
	var out Licence
	found := false
	for _, l := range ls {
		if l.InForce(day) && (!found || l.ValidFrom.After(out.ValidFrom)) {
			out, found = l, true
		}
	}
	return out, found
}

var licenceNumber = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9/.-]{2,39}$`)

// CheckLicence lists every fault of a licence to be recorded for a
// professional whose exam was passed on exam (nil: not passed): a number
// of 3-40 letters, digits and / . -; a first day on or after the exam;
// a last day neither before the first nor more than six years after it.
func CheckLicence(l Licence, exam *time.Time) []*domain.Error {
	var errs []*domain.Error
	if !licenceNumber.MatchString(l.Number) {
		errs = append(errs, domain.FieldError("number", "%q is not a licence number (3-40 letters, digits, / . -)", printable(l.Number)))
	}
	if exam == nil {
		errs = append(errs, domain.FieldError("exam", "the professional exam is not recorded as passed; a licence needs it"))
	}
	switch {
	case l.ValidFrom.IsZero():
		errs = append(errs, domain.FieldError("valid_from", "is required"))
	case exam != nil && l.ValidFrom.Before(dayOf(*exam)):
		errs = append(errs, domain.FieldError("valid_from", "%s is before the exam was passed (%s)", day(l.ValidFrom), day(*exam)))
	}
	if !l.ValidFrom.IsZero() && !l.ValidUntil.IsZero() {
		if l.ValidUntil.Before(l.ValidFrom) {
			errs = append(errs, domain.FieldError("valid_until", "%s is before valid_from %s", day(l.ValidUntil), day(l.ValidFrom)))
		} else if l.ValidUntil.After(ValidUntil(l.ValidFrom)) {
			errs = append(errs, domain.FieldError("valid_until", "%s is more than %d years after valid_from", day(l.ValidUntil), LicenceYears))
		}
	}
	return errs
}

// CheckExam lists the faults of an exam passed on passed, recorded on today.
func CheckExam(passed, today time.Time) []*domain.Error {
	switch {
	case passed.IsZero():
		return []*domain.Error{domain.FieldError("passed_on", "is required")}
	case dayOf(passed).After(dayOf(today)):
		return []*domain.Error{domain.FieldError("passed_on", "%s is in the future", day(passed))}
	case passed.Year() < 1950:
		return []*domain.Error{domain.FieldError("passed_on", "%s is before 1950", day(passed))}
	}
	return nil
}

// Credit is the hours a passed course credited on a day.
type Credit struct {
	On    time.Time
	Hours decimal.Decimal
}

// HoursIn sums the hours credited within the licence's period.
func HoursIn(l Licence, credits []Credit) decimal.Decimal {
	sum := decimal.Zero
	for _, c := range credits {
		if l.InForce(c.On) {
			sum = sum.Add(c.Hours)
		}
	}
	return sum
}

// Short is how many hours the period still lacks (zero when enough).
func Short(hours decimal.Decimal) decimal.Decimal {
	if hours.GreaterThanOrEqual(RequiredHours) {
		return decimal.Zero
	}
	return RequiredHours.Sub(hours)
}

// WarnFrom is the first day a licence short of hours is warned of.
func WarnFrom(l Licence) time.Time { return dayOf(l.ValidUntil).AddDate(0, 0, -WarnDays) }

// Warn reports whether, on day, the licence is to be warned of as not
// renewable for lack of hours: it is in force, its last day is within
// WarnDays, and the hours credited in its period are fewer than required.
func Warn(l Licence, hours decimal.Decimal, on time.Time) bool {
	return l.InForce(on) && !dayOf(on).Before(WarnFrom(l)) && hours.LessThan(RequiredHours)
}

func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

// printable cuts s to 40 runes and drops control characters, for a message.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// Text is words in both languages of the system.
type Text struct {
	CNR string `json:"cnr"`
	EN  string `json:"en"`
}

// In is the text in lang ("en" English, anything else Montenegrin).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.CNR
}

// Question is one multiple-choice question of a course's test.
type Question struct {
	Text    Text   `json:"text"`
	Options []Text `json:"options"`
	Answer  int    `json:"answer"` // index of the right option
}

// Course is one version of a course: what a professional reads, its test,
// the pass mark (per cent of right answers) and the hours a pass credits.
// A version once published is never edited: a change is a new version,
// and completions stay with the version completed.
type Course struct {
	Code      string          `json:"code"`
	Version   int             `json:"version"`
	Title     Text            `json:"title"`
	Body      Text            `json:"body"`
	Hours     decimal.Decimal `json:"hours"`
	PassMark  int             `json:"pass_mark"`
	Questions []Question      `json:"questions"`
}

var courseCode = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,39}$`)

// CheckCourse lists every fault of a course version: its code, title and
// body in both languages, hours above zero and at most 40, a pass mark of
// 1-100 and 1-20 questions, each with its text in both languages, 2-6
// options in both and a right answer among them.
func CheckCourse(c Course) []*domain.Error {
	var errs []*domain.Error
	if !courseCode.MatchString(c.Code) {
		errs = append(errs, domain.FieldError("code", "%q is not a course code (2-40 lower-case letters, digits, _ -)", printable(c.Code)))
	}
	errs = append(errs, checkText("title", c.Title)...)
	errs = append(errs, checkText("body", c.Body)...)
	if !c.Hours.IsPositive() || c.Hours.GreaterThan(decimal.NewFromInt(40)) {
		errs = append(errs, domain.FieldError("hours", "%s is not between 0 and 40 hours", c.Hours))
	}
	if c.PassMark < 1 || c.PassMark > 100 {
		errs = append(errs, domain.FieldError("pass_mark", "%d is not a per cent from 1 to 100", c.PassMark))
	}
	if len(c.Questions) == 0 || len(c.Questions) > 20 {
		errs = append(errs, domain.FieldError("questions", "a test has 1 to 20 questions, not %d", len(c.Questions)))
	}
	for i, q := range c.Questions {
		at := fmt.Sprintf("questions.%d", i)
		errs = append(errs, checkText(at+".text", q.Text)...)
		if len(q.Options) < 2 || len(q.Options) > 6 {
			errs = append(errs, domain.FieldError(at+".options", "a question has 2 to 6 options, not %d", len(q.Options)))
		}
		for j, o := range q.Options {
			errs = append(errs, checkText(fmt.Sprintf("%s.options.%d", at, j), o)...)
		}
		if q.Answer < 0 || q.Answer >= len(q.Options) {
			errs = append(errs, domain.FieldError(at+".answer", "%d is not one of the question's options", q.Answer))
		}
	}
	return errs
}

func checkText(field string, t Text) []*domain.Error {
	var errs []*domain.Error
	if strings.TrimSpace(t.CNR) == "" {
		errs = append(errs, domain.FieldError(field+".cnr", "is required"))
	}
	if strings.TrimSpace(t.EN) == "" {
		errs = append(errs, domain.FieldError(field+".en", "is required"))
	}
	return errs
}

// Result is a test's score.
type Result struct {
	Right   int  `json:"right"`
	Total   int  `json:"total"`
	Percent int  `json:"percent"`
	Passed  bool `json:"passed"`
}

// Score marks answers (an option's index per question, in order) against
// the course's test. Every answer missing or out of range is a fault; the
// test is passed when the right answers reach the pass mark.
func Score(c Course, answers []int) (Result, []*domain.Error) {
	var errs []*domain.Error
	if len(answers) != len(c.Questions) {
		errs = append(errs, domain.FieldError("answers", "the test has %d questions; %d answers were given", len(c.Questions), len(answers)))
	}
	r := Result{Total: len(c.Questions)}
	for i, a := range answers {
		if i >= len(c.Questions) {
			break
		}
		if a < 0 || a >= len(c.Questions[i].Options) {
			errs = append(errs, domain.FieldError(fmt.Sprintf("answers.%d", i), "%d is not an option of question %d", a, i+1))
			continue
		}
		if a == c.Questions[i].Answer {
			r.Right++
		}
	}
	if errs != nil {
		return Result{}, errs
	}
	if r.Total > 0 {
		r.Percent = r.Right * 100 / r.Total
	}
	r.Passed = r.Total > 0 && r.Right*100 >= c.PassMark*r.Total
	return r, nil
}
