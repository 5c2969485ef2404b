package benefits_test

import (
	"strings"
	"testing"

	"github.com/karton-social/karton/domain/benefits"
)

// checkPhrases fails on a line or reason whose phrase (or a phrase inside
// it) the catalogue does not know, or whose English is not what the line
// and reason say (TestYAMLCases runs it on every worked case).
func checkPhrases(t *testing.T, res benefits.Result) {
	t.Helper()
	known := func(p benefits.Phrase) {
		if !benefits.Known(p.Key) {
			t.Errorf("phrase %q is not in the catalogue", p.Key)
		}
		for _, a := range p.Args {
			if k, nested := strings.CutPrefix(a, "@"); nested && !benefits.Known(k) {
				t.Errorf("phrase %q inside %q is not in the catalogue", k, p.Key)
			}
		}
	}
	for _, l := range res.Lines {
		known(l.Text)
		known(l.From)
		if l.Text.In("en") != l.What || l.From.In("en") != l.Source {
			t.Errorf("line %q / %q is not its phrases' English %q / %q", l.What, l.Source, l.Text.In("en"), l.From.In("en"))
		}
		if what, _, src := l.In("cnr"); what == l.What && !strings.ContainsAny(what, "čćšžđ") && len(what) > 12 {
			t.Errorf("line %q is the same in Montenegrin (source %q)", what, src)
		}
	}
	if len(res.Why) != len(res.Reasons) {
		t.Fatalf("%d reasons, %d phrases", len(res.Reasons), len(res.Why))
	}
	for i, p := range res.Why {
		known(p)
		if p.In("en") != res.Reasons[i] {
			t.Errorf("reason %q is not its phrase's English %q", res.Reasons[i], p.In("en"))
		}
	}
}

// TestEveryParameterSpeaksMontenegrin: a decision in Montenegrin names
// each parameter and its legal reference in Montenegrin.
func TestEveryParameterSpeaksMontenegrin(t *testing.T) {
	p := benefits.MustLoadParams()
	for _, n := range p.Names() {
		par, _ := p.Parameter(n)
		if strings.TrimSpace(par.DescriptionCnr) == "" {
			t.Errorf("parameter %s has no description_cnr", n)
		}
		for _, v := range par.Values {
			if strings.TrimSpace(v.RefCnr) == "" {
				t.Errorf("parameter %s from %s has no ref_cnr", n, v.From.Format("2006-01-02"))
			}
		}
	}
}

func TestPhrasesInBothLanguages(t *testing.T) {
	p := benefits.Say("src.evidence", "@source.tax", "@kind.registered_income", 42)
	if got := p.In("cnr"); got != "Poreska uprava, prijavljeni prihodi, zapis br. 42" {
		t.Errorf("cnr: %q", got)
	}
	if got := p.In("en"); got != "tax/registered_income #42" {
		t.Errorf("en: %q", got)
	}
	if got := benefits.Say("unknown.key", "Ana").In("cnr"); got != "Ana" {
		t.Errorf("an unknown key is said as its arguments, never as a key: %q", got)
	}
	if got := benefits.SayValue("87.91", "cnr"); got != "87,91" {
		t.Errorf("value: %q", got)
	}
	if got := benefits.Say("param.mo.threshold.size_1").In("cnr"); got != "iznos materijalnog obezbjeđenja za pojedinca" {
		t.Errorf("a parameter's line: %q", got)
	}
}

// TestLegalReferencesInMontenegrin: a decision cites the law in Montenegrin.
func TestLegalReferencesInMontenegrin(t *testing.T) {
	for _, b := range benefits.Catalogue() {
		ref := b.LegalRefCnr()
		for _, en := range []string{"Law", "Art.", "amended", "Government", "child allowance", "abolished"} {
			if strings.Contains(ref, en) {
				t.Errorf("%s: %q says %q", b.Code, ref, en)
			}
		}
	}
	if mo, _ := benefits.Lookup(benefits.MO); mo.LegalRefCnr() != "Zakon o socijalnoj i dječjoj zaštiti (Sl. list CG 27/13 ... 3/23), čl. 31-38" {
		t.Errorf("MO: %q", mo.LegalRefCnr())
	}
}
