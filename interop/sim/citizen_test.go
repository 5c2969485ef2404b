package sim

import "testing"

// TestDemoCitizenHasAFamily: the demo citizen is found with his wife and
// two small children, each of them found in the same household (so that
// a refresh of any member links them together), outside the households
// the demo loader loads.
func TestDemoCitizenHasAFamily(t *testing.T) {
	p := NewPopulation(50)
	h, m := p.Lookup(DemoCitizenJMBG)
	if m != 0 || len(h.Members) != 4 || h.Members[0].JMBG != DemoCitizenJMBG || h.Address.Municipality != "ME-16" {
		t.Fatalf("the demo citizen's household = %+v (member %d)", h, m)
	}
	children := 0
	for i, x := range h.Members {
		got, idx := p.Lookup(x.JMBG)
		if got.RegisterNumber != h.RegisterNumber || idx != i {
			t.Errorf("Lookup(%s) = %s member %d; want %s member %d", x.JMBG, got.RegisterNumber, idx, h.RegisterNumber, i)
		}
		if x.Relation == "child" && ageAt(x.BirthDate, AsOf) < 3 {
			children++
		}
	}
	if children != 2 {
		t.Errorf("the demo citizen has %d small children; want 2", children)
	}
	if p.Size() != 50 {
		t.Errorf("Size() = %d; want the 50 generated households only", p.Size())
	}
	for i := 0; i < p.Size(); i++ {
		if p.Household(i).RegisterNumber == h.RegisterNumber {
			t.Fatalf("the demo citizen's household is among the loaded ones (%d)", i)
		}
	}
}
