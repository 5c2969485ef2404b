package carers_test

import (
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/carers"
)

func TestAppointsAndEnds(t *testing.T) {
	for _, tc := range []struct {
		kind            string
		appoints, ends  carers.Role
		isApp, isEnding bool
	}{
		{"guardian_appointment", carers.Guardian, "", true, false},
		{"foster_placement", carers.FosterCarer, "", true, false},
		{"family_placement", carers.FosterCarer, "", true, false},
		{"guardianship_end", "", carers.Guardian, false, true},
		{"placement_end", "", carers.FosterCarer, false, true},
		{"property_approval", "", "", false, false},
	} {
		r, ok := carers.Appoints(tc.kind)
		if r != tc.appoints || ok != tc.isApp {
			t.Errorf("Appoints(%q) = %q, %t; want %q, %t", tc.kind, r, ok, tc.appoints, tc.isApp)
		}
		r, ok = carers.Ends(tc.kind)
		if r != tc.ends || ok != tc.isEnding {
			t.Errorf("Ends(%q) = %q, %t; want %q, %t", tc.kind, r, ok, tc.ends, tc.isEnding)
		}
	}
}

func TestCheckNamed(t *testing.T) {
	a, b, c, ward := domain.PersonID("a"), domain.PersonID("b"), domain.PersonID("c"), domain.PersonID("w")
	for _, tc := range []struct {
		kind   string
		carers []domain.PersonID
		fields []string // the fields at fault, none when valid
	}{
		{"guardian_appointment", []domain.PersonID{a}, nil},
		{"foster_placement", []domain.PersonID{a, b}, nil},
		{"property_approval", nil, nil},
		{"guardian_appointment", nil, []string{"carers"}},
		{"guardian_appointment", []domain.PersonID{a, b}, []string{"carers"}},
		{"foster_placement", []domain.PersonID{a, b, c}, []string{"carers"}},
		{"foster_placement", []domain.PersonID{a, a}, []string{"carers.1"}},
		{"foster_placement", []domain.PersonID{ward, a}, []string{"carers.0"}},
		{"guardianship_end", []domain.PersonID{a}, []string{"carers"}},
		{"guardian_appointment", []domain.PersonID{ward, ward}, []string{"carers", "carers.0", "carers.1", "carers.1"}},
	} {
		err := carers.CheckNamed(tc.kind, tc.carers, []domain.PersonID{ward})
		if got := fields(err); !equal(got, tc.fields) {
			t.Errorf("CheckNamed(%q, %v) faults %v (%v); want %v", tc.kind, tc.carers, got, err, tc.fields)
		}
	}
}

func TestAssessmentCheck(t *testing.T) {
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		a      carers.Assessment
		fields []string
	}{
		{carers.Assessment{Kind: "suitability", Role: carers.FosterCarer, HeldOn: day("2026-11-20"), Outcome: "suitable"}, nil},
		{carers.Assessment{Kind: "training", Role: carers.Guardian, HeldOn: day("2026-11-20"), Outcome: "completed", Hours: 24}, nil},
		{carers.Assessment{Kind: "training", Role: carers.Guardian, HeldOn: day("2026-11-20"), Outcome: "suitable"}, []string{"outcome", "hours"}},
		{carers.Assessment{Kind: "suitability", Role: "uncle", HeldOn: day("2027-01-01"), Outcome: "suitable", Hours: 3}, []string{"role", "held_on", "hours"}},
		{carers.Assessment{Kind: "party", Outcome: "x"}, []string{"kind", "role", "held_on"}},
	} {
		if got := fields(tc.a.Check(today)); !equal(got, tc.fields) {
			t.Errorf("%+v.Check faults %v; want %v", tc.a, got, tc.fields)
		}
	}
}

func fields(err error) []string {
	if err == nil {
		return nil
	}
	e := err.(*domain.Error)
	if len(e.Fields) == 0 {
		return []string{e.Field}
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
