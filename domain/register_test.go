package domain

import (
	"reflect"
	"testing"
)

func TestRegisterDifferences(t *testing.T) {
	karton := Person{GivenName: "Jovana", FamilyName: "Vujović", Address: Address{Municipality: "ME-16", Settlement: "Podgorica", Street: "Slobode 1"}}
	reg := RegisterValues{
		Identity:  &IdentityFact{GivenName: "Stefan", FamilyName: "Bulatović"},
		Residence: &ResidenceFact{Municipality: "ME-16", Settlement: "Podgorica", Street: "Njegoševa 7"},
	}
	got := reg.Differences(karton)
	want := []RegisterDifference{
		{FieldGivenName, "Jovana", "Stefan"},
		{FieldFamilyName, "Vujović", "Bulatović"},
		{FieldAddress, "Slobode 1, Podgorica, Podgorica", "Njegoševa 7, Podgorica, Podgorica"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Differences = %+v; want %+v", got, want)
	}
	// Case and runs of spaces are no difference; a register that has not
	// answered is none either.
	same := RegisterValues{Identity: &IdentityFact{GivenName: "JOVANA", FamilyName: " Vujović "},
		Residence: &ResidenceFact{Municipality: "ME-16", Settlement: "podgorica", Street: "Slobode  1"}}
	if d := same.Differences(karton); len(d) != 0 {
		t.Errorf("Differences of the same values = %+v; want none", d)
	}
	if d := (RegisterValues{}).Differences(karton); len(d) != 0 {
		t.Errorf("Differences without evidence = %+v; want none", d)
	}
	// Taking the register's values: only the fields asked for, or all.
	p, changed := reg.Apply(karton, []string{FieldFamilyName})
	if p.FamilyName != "Bulatović" || p.GivenName != "Jovana" || !reflect.DeepEqual(changed, []string{FieldFamilyName}) {
		t.Errorf("Apply(family_name) = %+v %v", p, changed)
	}
	p, changed = reg.Apply(karton, nil)
	if p.GivenName != "Stefan" || p.Address.Street != "Njegoševa 7" || len(changed) != 3 || len(reg.Differences(p)) != 0 {
		t.Errorf("Apply(all) = %+v %v; want no difference left", p, changed)
	}
}

func TestCorrect(t *testing.T) {
	p := Person{GivenName: "Jovana", FamilyName: "Vujović", Address: Address{Municipality: "ME-16", Settlement: "Podgorica", Street: "Slobode 1"}}
	got, changed, err := Correct(p, " Jovana ", "Vujović-Bulatović", Address{Municipality: "Podgorica", Settlement: "Podgorica", Street: "Slobode 1"}, "vjenčani list")
	if err != nil || got.FamilyName != "Vujović-Bulatović" || !reflect.DeepEqual(changed, []string{FieldFamilyName}) {
		t.Errorf("Correct = %+v %v %v", got, changed, err)
	}
	for _, tt := range []struct {
		given, family, municipality, reason, field string
	}{
		{"", "X", "Podgorica", "r", "given_name"},
		{"A1", "X", "Podgorica", "r", "given_name"},
		{"A", "X", "Atlantis", "r", "address.municipality"},
		{"A", "X", "Podgorica", " ", "reason"},
	} {
		_, _, err := Correct(p, tt.given, tt.family, Address{Municipality: tt.municipality, Settlement: "S"}, tt.reason)
		var e *Error
		if err == nil || !asError(err, &e) || e.Field != tt.field {
			t.Errorf("Correct(%q, %q, %q, %q) = %v; want an error on %s", tt.given, tt.family, tt.municipality, tt.reason, err, tt.field)
		}
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}
