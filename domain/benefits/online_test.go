package benefits

import "testing"

// TestOnlineForms: the portal offers MO, child allowance and the newborn
// grant, each implemented (a claim filed online is decided like one filed
// at the counter); every document has a key of its own and its words in
// both languages; the newborn grant names its child, and no benefit the
// portal does not offer has a form.
func TestOnlineForms(t *testing.T) {
	var codes []Code
	keys := map[string]bool{}
	for _, f := range OnlineForms() {
		codes = append(codes, f.Benefit)
		b, ok := Lookup(f.Benefit)
		if !ok || !b.Implemented {
			t.Errorf("%s is offered online but is not an implemented benefit", f.Benefit)
		}
		for _, d := range f.Documents {
			if d.Key == "" || keys[d.Key] || d.NameCnr == "" || d.NameEn == "" || d.WhenCnr == "" || d.WhenEn == "" || d.NameCnr == d.NameEn {
				t.Errorf("%s: document %+v needs a key of its own and its words in both languages", f.Benefit, d)
			}
			keys[d.Key] = true
			if got, ok := f.Document(d.Key); !ok || got != d {
				t.Errorf("%s: Document(%q) = %+v, %v", f.Benefit, d.Key, got, ok)
			}
		}
	}
	if len(codes) != 3 || codes[0] != MO || codes[1] != DD || codes[2] != ND {
		t.Errorf("online benefits = %v; want MO, DD, ND", codes)
	}
	if f, ok := OnlineFormOf(ND); !ok || !f.Subject {
		t.Errorf("the newborn grant's form = %+v, %v; want it to name its child", f, ok)
	}
	if f, ok := OnlineFormOf(DD); !ok || f.Subject {
		t.Errorf("child allowance's form = %+v, %v; want the household's children, no one child", f, ok)
	}
	if _, ok := OnlineFormOf(LI); ok {
		t.Error("personal disability allowance has an online form; it is applied for at the centre")
	}
	if _, ok := OnlineForms()[0].Document("no such"); ok {
		t.Error("Document found a key the form does not have")
	}
}
