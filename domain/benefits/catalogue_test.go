package benefits_test

import (
	"testing"
	"time"

	"github.com/karton-social/karton/domain/benefits"
)

func TestCatalogue(t *testing.T) {
	groups := map[benefits.Group]int{}
	implemented := 0
	for _, b := range benefits.Catalogue() {
		groups[b.Group]++
		if b.Implemented {
			implemented++
		}
		if b.NameCnr == "" || b.NameEn == "" || b.LegalRef == "" || b.Periodicity == "" || b.Payee == "" {
			t.Errorf("benefit %s is incomplete: %+v", b.Code, b)
		}
	}
	if n := groups[benefits.GroupSocial] + groups[benefits.GroupChild]; n != 19 {
		t.Errorf("%d material benefits; want the 19 of DOMAIN.md §3.2", n)
	}
	if groups[benefits.GroupVeterans] != 11 {
		t.Errorf("%d veterans' benefits; want 11", groups[benefits.GroupVeterans])
	}
	if implemented != 8 {
		t.Errorf("%d benefits implemented; want 8", implemented)
	}
	if !benefits.Excludes(benefits.LI, benefits.DNJP) || !benefits.Excludes(benefits.DNJP, benefits.LI) || benefits.Excludes(benefits.MO, benefits.DD) {
		t.Error("Excludes: LI and DNJP exclude each other both ways; MO and DD do not")
	}
}

func TestParamsAt(t *testing.T) {
	p, err := benefits.LoadParams()
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.At("mo.threshold.size_1", time.Date(2024, 2, 17, 0, 0, 0, 0, time.UTC))
	if err != nil || d.Value.String() != "87.91" || d.Guess {
		t.Errorf("At(size_1, 2024-02-17) = %+v, %v; want 87.91 from the 2024 decision", d, err)
	}
	d, _ = p.At("mo.threshold.size_1", time.Date(2024, 2, 16, 0, 0, 0, 0, time.UTC))
	if d.Value.String() != "76.56" || !d.Guess {
		t.Errorf("At(size_1, 2024-02-16) = %+v; want 76.56 marked as a guess (its date is)", d)
	}
	if _, err := p.At("ts.amount", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("At(ts.amount, 2020) succeeded; want an error: no value in force")
	}
	if _, err := p.At("no.such", time.Now()); err == nil {
		t.Error("At(no.such) succeeded")
	}
	if len(p.Names()) < 20 {
		t.Errorf("only %d parameters", len(p.Names()))
	}
}

func TestCalculateRefusesWhatItCannot(t *testing.T) {
	p := benefits.MustLoadParams()
	if _, err := benefits.Calculate(p, "XYZ", benefits.Situation{}); err == nil {
		t.Error("Calculate(unknown) succeeded")
	}
	if _, err := benefits.Calculate(p, benefits.RNZ, benefits.Situation{}); err == nil {
		t.Error("Calculate(not implemented) succeeded")
	}
	if _, err := benefits.Calculate(p, benefits.MO, benefits.Situation{}); err == nil {
		t.Error("Calculate(no members) succeeded")
	}
}
