package sim_test

import (
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

func TestPopulationIsDeterministicAndValid(t *testing.T) {
	a, b := sim.NewPopulation(500), sim.NewPopulation(100)
	seen := map[domain.JMBG]bool{}
	municipalities := map[string]bool{}
	for i := 0; i < a.Size(); i++ {
		h := a.Household(i)
		municipalities[h.Address.Municipality] = true
		if len(h.Members) == 0 || h.Members[0].Relation != domain.RelationHead {
			t.Fatalf("household %d has no head: %+v", i, h)
		}
		for _, m := range h.Members {
			if _, _, err := domain.ParseJMBG(string(m.JMBG)); err != nil {
				t.Fatalf("household %d member JMBG %s: %v", i, m.JMBG, err)
			}
			if seen[m.JMBG] {
				t.Fatalf("JMBG %s appears twice", m.JMBG)
			}
			seen[m.JMBG] = true
			if got, idx := a.Lookup(m.JMBG); got.RegisterNumber != h.RegisterNumber || got.Members[idx].JMBG != m.JMBG {
				t.Fatalf("Lookup(%s) = %s; want %s", m.JMBG, got.RegisterNumber, h.RegisterNumber)
			}
		}
		if i < b.Size() && b.Household(i).Members[0].JMBG != h.Members[0].JMBG {
			t.Fatalf("household %d differs between populations of different sizes", i)
		}
	}
	if len(municipalities) < 20 {
		t.Errorf("500 households cover %d municipalities; want most of the 25", len(municipalities))
	}
}
