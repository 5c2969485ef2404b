package benefits

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Revision is how often a right to a benefit is revised (revizija: its
// evidence fetched again and the right recalculated).
type Revision struct {
	// Months between two revisions; 0: never (one-off and in-kind benefits).
	Months int
	// Guess marks an interval the brief does not give (DOMAIN.md §3.3, §4.4).
	Guess bool
	// Basis says where the interval comes from.
	Basis string
}

// revisions are the intervals the brief gives; every other monthly
// benefit takes the default below.
var revisions = map[Code]Revision{
	MO: {Months: 6, Basis: "DOMAIN.md §3.3 (1): MO is re-proved every 6 months [S000]"},
	LI: {Months: 12, Guess: true, Basis: "DOMAIN.md §3.3 (2): medical review as the commission sets it; yearly until it is configured"},
	DD: {Months: 12, Guess: true, Basis: "DOMAIN.md §3.3 (8): recognition and termination are automated through change events; a yearly check of residence"},
}

// Revision returns how often a right to b is revised. Monthly benefits
// without an interval in the brief are revised every 6 months when means
// tested and every 12 otherwise (GUESS, DOMAIN.md §4.4 leaves the review
// deadlines to the rulebook); one-off and in-kind benefits never.
func (b Benefit) Revision() Revision {
	if r, ok := revisions[b.Code]; ok {
		return r
	}
	switch {
	case b.Periodicity != Monthly:
		return Revision{Basis: "paid once or in kind: nothing to revise"}
	case b.MeansTested:
		return Revision{Months: 6, Guess: true, Basis: "means tested, as MO (DOMAIN.md §3.3 (1))"}
	default:
		return Revision{Months: 12, Guess: true, Basis: "DOMAIN.md §4.4: review deadlines not verified; yearly"}
	}
}

// RevisionSchedule is the revision interval in months per benefit: the
// catalogue's (Benefit.Revision), with the overrides configuration gives.
// The zero value is the catalogue's.
type RevisionSchedule map[Code]int

// ParseRevisionSchedule reads overrides such as "MO=6,LI=24" (0 turns a
// benefit's revisions off).
func ParseRevisionSchedule(s string) (RevisionSchedule, error) {
	out := RevisionSchedule{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, months, ok := strings.Cut(part, "=")
		b, known := Lookup(Code(strings.TrimSpace(code)))
		n, err := strconv.Atoi(strings.TrimSpace(months))
		switch {
		case !ok || err != nil:
			return nil, fmt.Errorf("revision schedule %q: want CODE=MONTHS", part)
		case !known:
			return nil, fmt.Errorf("revision schedule %q: %q is not a benefit of the catalogue", part, code)
		case n < 0 || n > 120:
			return nil, fmt.Errorf("revision schedule %q: months must be 0 to 120", part)
		case n > 0 && b.Periodicity != Monthly:
			return nil, fmt.Errorf("revision schedule %q: %s is not paid monthly", part, b.Code)
		}
		out[b.Code] = n
	}
	return out, nil
}

// Months is the interval of code: the override, or the catalogue's.
func (r RevisionSchedule) Months(code Code) int {
	if n, ok := r[code]; ok {
		return n
	}
	b, ok := Lookup(code)
	if !ok {
		return 0
	}
	return b.Revision().Months
}

// First is a new right's first revision: its interval after the first
// month it is paid for; false when the benefit is not revised.
func (r RevisionSchedule) First(code Code, validFrom time.Time) (time.Time, bool) {
	n := r.Months(code)
	if n == 0 {
		return time.Time{}, false
	}
	return validFrom.AddDate(0, n, 0), true
}

// After is the revision after one due on due and done on today: the
// cadence kept (due plus whole intervals), never on or before today, so a
// late revision does not fall due again at once.
func (r RevisionSchedule) After(code Code, due, today time.Time) (time.Time, bool) {
	n := r.Months(code)
	if n == 0 {
		return time.Time{}, false
	}
	next := due.AddDate(0, n, 0)
	for k := 2; !next.After(today); k++ {
		next = due.AddDate(0, k*n, 0)
	}
	return next, true
}

// String lists the schedule's overrides, sorted ("LI=24,MO=6").
func (r RevisionSchedule) String() string {
	parts := make([]string, 0, len(r))
	for c, n := range r {
		parts = append(parts, fmt.Sprintf("%s=%d", c, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
