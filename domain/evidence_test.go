package domain_test

import (
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
)

func TestClassifyEvidence(t *testing.T) {
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mar := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cur := &domain.Evidence{ValidFrom: jan}
	tests := []struct {
		name      string
		current   *domain.Evidence
		same      bool
		validFrom time.Time
		write     bool
		change    domain.Change
	}{
		{"first record", nil, false, jan, true, domain.ChangeInitial},
		{"unchanged", cur, true, jan, false, ""},
		{"new value from a later date is a change in the world", cur, false, mar, true, domain.ChangeRealWorld},
		{"new value for the same date is a correction", cur, false, jan, true, domain.ChangeCorrection},
		{"same value, earlier date: the source corrected its dates", cur, true, jan.AddDate(0, -1, 0), true, domain.ChangeCorrection},
	}
	for _, tt := range tests {
		write, change := domain.ClassifyEvidence(tt.current, tt.same, tt.validFrom)
		if write != tt.write || change != tt.change {
			t.Errorf("%s: ClassifyEvidence = %v, %q; want %v, %q", tt.name, write, change, tt.write, tt.change)
		}
	}
}

func TestEveryInstitutionHasKinds(t *testing.T) {
	seen := map[domain.EvidenceKind]domain.Source{}
	for _, in := range domain.Institutions() {
		if len(in.Kinds) == 0 || in.Member == "" || in.Service == "" {
			t.Errorf("institution %s is incomplete: %+v", in.Source, in)
		}
		for _, k := range in.Kinds {
			if other, dup := seen[k]; dup {
				t.Errorf("kind %s supplied by both %s and %s", k, other, in.Source)
			}
			seen[k] = in.Source
		}
	}
	if n := len(domain.Institutions()); n != 10 {
		t.Errorf("len(Institutions()) = %d; want 10 services of nine institutions", n)
	}
}

func TestTerritory(t *testing.T) {
	if n := len(domain.Municipalities()); n != 25 {
		t.Fatalf("len(Municipalities()) = %d; want 25", n)
	}
	for _, m := range domain.Municipalities() {
		if _, ok := domain.CentreFor(m.Code); !ok {
			t.Errorf("no centre covers %s %s", m.Code, m.Name)
		}
	}
	for _, in := range []string{"Podgorica", "podgorica", "ME-16", "me-16", " Podgorica "} {
		if m, err := domain.ParseMunicipality(in); err != nil || m.Code != "ME-16" {
			t.Errorf("ParseMunicipality(%q) = %v, %v; want ME-16", in, m, err)
		}
	}
	if m, err := domain.ParseMunicipality("Niksic"); err != nil || m.Code != "ME-12" {
		t.Errorf("ParseMunicipality(Niksic) = %v, %v; want ME-12", m, err)
	}
	if _, err := domain.ParseMunicipality("Belgrade"); err == nil {
		t.Error("ParseMunicipality(Belgrade) succeeded; want error")
	}
}

func TestNewPerson(t *testing.T) {
	addr, err := domain.ParseAddress("Bar", "Sutomore", "Obala 1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: "0101900350008", GivenName: "Marko", FamilyName: "Marković", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p.CentreID != "csr-bar" || p.Sex != domain.SexMale || p.BirthDate.Year() != 1900 {
		t.Errorf("NewPerson = %+v; want centre csr-bar, male, born 1900", p)
	}
	_, err = domain.NewPerson(domain.NewPersonInput{JMBG: "0101900350008", GivenName: "", FamilyName: "X", Address: addr})
	if err == nil || err.Error() != "given_name: is required" {
		t.Errorf("NewPerson(no given name) error = %v; want given_name: is required", err)
	}
	_, err = domain.NewPerson(domain.NewPersonInput{JMBG: "0101900350008", GivenName: "M4rko", FamilyName: "X", Address: addr})
	if err == nil {
		t.Error("NewPerson(digit in name) succeeded; want error")
	}
}
