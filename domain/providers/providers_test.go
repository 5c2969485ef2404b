package providers

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestValidUntilIsSixYears(t *testing.T) {
	if got := ValidUntil(day("2026-03-01")).Format(time.DateOnly); got != "2032-02-29" {
		t.Errorf("ValidUntil(2026-03-01) = %s; want 2032-02-29", got)
	}
	if got := ValidUntil(day("2020-01-15")).Format(time.DateOnly); got != "2026-01-14" {
		t.Errorf("ValidUntil(2020-01-15) = %s; want 2026-01-14", got)
	}
}

func TestLicenceStateOnADay(t *testing.T) {
	susp, wd := day("2027-05-01"), day("2028-01-10")
	l := Licence{Number: "L-1", Service: "counselling", ValidFrom: day("2026-01-01"), ValidUntil: ValidUntil(day("2026-01-01"))}
	cases := []struct {
		l    Licence
		day  string
		want string
	}{
		{l, "2025-12-31", Pending},
		{l, "2026-01-01", Active},
		{l, "2031-12-31", Active},
		{l, "2032-01-01", Expired},
		{func() Licence { x := l; x.SuspendedOn = &susp; return x }(), "2027-04-30", Active},
		{func() Licence { x := l; x.SuspendedOn = &susp; return x }(), "2027-05-01", Suspended},
		{func() Licence { x := l; x.SuspendedOn = &susp; x.WithdrawnOn = &wd; return x }(), "2028-01-10", Withdrawn},
		{func() Licence { x := l; x.WithdrawnOn = &wd; return x }(), "2033-01-01", Withdrawn},
	}
	for _, c := range cases {
		if got := c.l.State(day(c.day)); got != c.want {
			t.Errorf("State(%s) = %s; want %s", c.day, got, c.want)
		}
	}
	if !l.InForce(day("2026-06-01").Add(15 * time.Hour)) {
		t.Error("an active licence is not in force in the afternoon")
	}
}

func TestCheckProviderAndLicenceListEveryFault(t *testing.T) {
	bad := Provider{Name: " ", PIB: "02655285", Street: "", Municipality: "ME-99"}
	fields := map[string]bool{}
	for _, e := range CheckProvider(bad) {
		fields[e.Field] = true
	}
	for _, f := range []string{"name", "pib", "address.street", "address.municipality", "founded_on"} {
		if !fields[f] {
			t.Errorf("CheckProvider: no fault on %s (got %v)", f, fields)
		}
	}
	good := Provider{Name: "Dom Zlatibor", PIB: "02655284", Street: "Njegoševa 1", Municipality: "ME-16", Since: day("2020-01-01")}
	if errs := CheckProvider(good); errs != nil {
		t.Errorf("CheckProvider(good) = %v", errs)
	}
	fields = map[string]bool{}
	for _, e := range CheckLicence(good, Licence{Number: "a b", Service: "juggling", ValidFrom: day("2019-06-01"), ValidUntil: day("2019-05-01")}) {
		fields[e.Field] = true
	}
	for _, f := range []string{"number", "service", "valid_from", "valid_until"} {
		if !fields[f] {
			t.Errorf("CheckLicence: no fault on %s (got %v)", f, fields)
		}
	}
	if errs := CheckLicence(good, Licence{Number: "L-2026-1", Service: "counselling", ValidFrom: day("2026-01-01"), ValidUntil: ValidUntil(day("2026-01-01"))}); errs != nil {
		t.Errorf("CheckLicence(good) = %v", errs)
	}
}
