package institutions

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
)

// TestParsePlan: a plan that fits its form and rules gives its visit
// rules, barred first; every fault is named by its path in the form.
func TestParsePlan(t *testing.T) {
	good := `{"goals":[{"goal":"Samostalno kretanje","due":"2027-03-01"}],"activities":[{"activity":"Šetnja","frequency":"svaki dan"}],
		"contacts":[{"name":"Ana Vukić","relation":"kćerka","phone":"+382 67 123 456"}],
		"visitors_barred":[{"name":"Petar Vukić","jmbg":"0101990210005","reason":"sudska zabrana prilaska"}],
		"visitors_allowed":[{"name":"Ana Vukić","relation":"kćerka"}]}`
	p, err := ParsePlan(json.RawMessage(good), false)
	if err != nil {
		t.Fatalf("good plan: %v", err)
	}
	v := p.Visitors()
	if len(v) != 2 || v[0].Allowed || v[0].Name != "Petar Vukić" || v[0].Reason != "sudska zabrana prilaska" || !v[1].Allowed || v[1].Reason != "kćerka" {
		t.Errorf("visitors = %+v", v)
	}
	if _, err := ParsePlan(json.RawMessage(`{"goals":[{"goal":"Škola"}]}`), true); err == nil || !strings.Contains(err.Error(), "child's plan") {
		t.Errorf("a child's plan naming no visitor: %v", err)
	}
	for name, tc := range map[string]struct {
		data   string
		fields []string
	}{
		"no goals": {`{"activities":[]}`, []string{"goals"}},
		"bad jmbg and both": {`{"goals":[{"goal":"Cilj"}],"visitors_barred":[{"name":"Petar  vukić","jmbg":"0101990210008","reason":"zabrana"}],
			"visitors_allowed":[{"name":"Petar Vukić","relation":"sin"}]}`, []string{"visitors_allowed.0.name", "visitors_barred.0.jmbg"}},
		"schema and rule together": {`{"goals":[{"goal":"x"}],"visitors_barred":[{"name":"Marko Marković","reason":"nasilje"}],
			"visitors_allowed":[{"name":"marko marković","relation":"otac"}]}`, []string{"goals.0.goal", "visitors_allowed.0.name"}},
		"same jmbg": {`{"goals":[{"goal":"Cilj"}],"visitors_barred":[{"name":"P. V.","jmbg":"0101990210005","reason":"zabrana"}],
			"visitors_allowed":[{"name":"Petar Vukić","jmbg":"0101990210005","relation":"sin"}]}`, []string{"visitors_allowed.0.name"}},
		"unknown field": {`{"goals":[{"goal":"Cilj"}],"colour":"red"}`, []string{"data"}},
		"not an object": {`[1]`, []string{"data"}},
	} {
		_, err := ParsePlan(json.RawMessage(tc.data), false)
		e, ok := err.(*domain.Error)
		if !ok || e.Code != domain.CodeInvalid {
			t.Errorf("%s: %v; want invalid", name, err)
			continue
		}
		var got []string
		if e.Fields == nil {
			got = []string{e.Field}
		}
		for _, f := range e.Fields {
			got = append(got, f.Field)
		}
		if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("%s: fields %v (%v); want %v", name, got, err, tc.fields)
		}
	}
	// Two people of one name with different JMBGs are two people.
	if _, err := ParsePlan(json.RawMessage(`{"goals":[{"goal":"Cilj"}],"visitors_barred":[{"name":"Petar Vukić","jmbg":"0101990210005","reason":"zabrana"}],
		"visitors_allowed":[{"name":"Petar Vukić","jmbg":"0202985210006","relation":"unuk"}]}`), false); err != nil && strings.Contains(err.Error(), "both") {
		t.Errorf("namesakes: %v", err)
	}
}
