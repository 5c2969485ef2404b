package benefits_test

import (
	"testing"
	"time"

	"github.com/karton-social/karton/domain/benefits"
)

func revDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestRevisionSchedule(t *testing.T) {
	for _, b := range benefits.Catalogue() {
		r := b.Revision()
		if (b.Periodicity == benefits.Monthly) != (r.Months > 0) || r.Basis == "" {
			t.Errorf("%s (%s): revision %+v", b.Code, b.Periodicity, r)
		}
		if b.Code != benefits.MO && r.Months > 0 && !r.Guess {
			t.Errorf("%s: only MO's interval is in the brief; %+v must be marked GUESS", b.Code, r)
		}
	}
	var def benefits.RevisionSchedule
	if def.Months(benefits.MO) != 6 || def.Months(benefits.DNJP) != 12 || def.Months(benefits.ND) != 0 || def.Months("XX") != 0 {
		t.Errorf("defaults: MO %d, DNJP %d, ND %d", def.Months(benefits.MO), def.Months(benefits.DNJP), def.Months(benefits.ND))
	}
	if first, ok := def.First(benefits.MO, revDay("2024-01-01")); !ok || !first.Equal(revDay("2024-07-01")) {
		t.Errorf("MO granted from January: first revision %v", first)
	}
	if _, ok := def.First(benefits.TS, revDay("2024-01-01")); ok {
		t.Error("a one-off right has no revision")
	}
	// On time: six months after the due date; very late: the cadence kept, after today.
	if next, _ := def.After(benefits.MO, revDay("2024-07-01"), revDay("2024-07-03")); !next.Equal(revDay("2025-01-01")) {
		t.Errorf("after a revision on time: %v", next)
	}
	if next, _ := def.After(benefits.MO, revDay("2024-07-01"), revDay("2025-03-10")); !next.Equal(revDay("2025-07-01")) {
		t.Errorf("after a late revision: %v", next)
	}
	s, err := benefits.ParseRevisionSchedule(" LI=24, MO=3 ,DD=0")
	if err != nil || s.Months(benefits.LI) != 24 || s.Months(benefits.MO) != 3 || s.Months(benefits.DNJP) != 12 || s.Months(benefits.DD) != 0 {
		t.Errorf("overrides: %v, %v", s, err)
	}
	if s.String() != "DD=0,LI=24,MO=3" {
		t.Errorf("String() = %q", s.String())
	}
	for _, bad := range []string{"MO", "MO=x", "XX=6", "MO=-1", "MO=500", "TS=6"} {
		if _, err := benefits.ParseRevisionSchedule(bad); err == nil {
			t.Errorf("ParseRevisionSchedule(%q) accepted", bad)
		}
	}
}
