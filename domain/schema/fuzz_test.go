package schema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
	"github.com/karton-social/karton/domain/cases"
	"github.com/karton-social/karton/domain/schema"
	"github.com/karton-social/karton/domain/violence"
)

// form is one JSON Schema a procedure checks documents against.
type form struct {
	name     string
	validate func(json.RawMessage) error
}

// forms are every case-management form (the files the definitions name,
// plus intake, tracking_item and decision of the API) and every message
// of the domestic-violence and activation exchanges.
func forms(tb testing.TB) []form {
	tb.Helper()
	var out []form
	catalogue := cases.MustLoad()
	folder, err := schema.Load(os.DirFS("../cases"), "forms")
	if err != nil {
		tb.Fatal(err)
	}
	for _, name := range folder.Names() {
		if _, ok := catalogue.Form(name); !ok {
			tb.Fatalf("form %s is in domain/cases/forms but not in the catalogue", name)
		}
		out = append(out, form{"cases/" + name, func(data json.RawMessage) error { return catalogue.Validate(name, data) }})
	}
	for _, code := range catalogue.Codes() {
		d, err := catalogue.Get(code, 0)
		if err != nil {
			tb.Fatal(err)
		}
		for _, s := range d.Stages {
			if !folder.Has(s.Form) {
				tb.Fatalf("procedure %s stage %s names form %q, which is not in domain/cases/forms", code, s.Name, s.Form)
			}
		}
	}
	for _, set := range []struct {
		dir string
		s   *schema.Set
	}{{"violence", violence.Schemas}, {"activation", activation.Schemas}} {
		for _, name := range set.s.Names() {
			s := set.s
			out = append(out, form{set.dir + "/" + name, func(data json.RawMessage) error { return s.Validate(name, data) }})
		}
	}
	if len(out) < 19 {
		tb.Fatalf("%d forms; want the 11 case forms and 8 messages at least", len(out))
	}
	return out
}

// valid is a document each form accepts; the fuzzer starts from these.
var valid = map[string]string{
	"cases/intake":              `{"source":"school","description":"The school reports the child lives alone.","urgency":"urgent","outcome":"open_case"}`,
	"cases/opening":             `{"case_manager":"ana.caseworker","team":["ivan.caseworker"],"network":[{"name":"Teacher","relation":"teacher","jmbg":"0101900350008"}]}`,
	"cases/initial_assessment":  `{"safety":"at_risk","findings":"The child is alone most evenings."}`,
	"cases/detailed_assessment": `{"needs":"care","strengths":"school","findings":"Grandmother can help after school.","participated":true,"risk_level":"medium"}`,
	"cases/plan":                `{"goals":[{"goal":"Daily care","service":"day care","responsible":"ana.caseworker","due":"2026-12-31"}]}`,
	"cases/closing":             `{"reason":"goals_achieved","summary":"The family manages on its own now."}`,
	"cases/decision":            `{"kind":"placement","reasoning":"The child needs a foster family.","disposition":"Placed."}`,
	"cases/tracking_item":       `{"kind":"visit","what":"Home visit","due":"2026-12-01"}`,
	"cases/review":              `{"progress":"on_track","findings":"Attends school every day.","next":"continue"}`,
	"cases/risk_assessment":     `{"risk_level":"high","indicators":["threats","weapon"],"findings":"Threats with a knife last week."}`,
	"cases/court_opinion":       `{"court":"Osnovni sud Podgorica","court_reference":"P 123/26","opinion":"The mother should keep custody."}`,
	"violence/notification": `{"police_reference":"UP-PG/2026/0117","occurred_at":"2026-11-29T22:40:00+01:00","place":{"municipality":"Podgorica"},` +
		`"description":"Neighbours called the police after loud fighting.","persons":[{"role":"victim","jmbg":"2101006500003"},` +
		`{"role":"perpetrator","description":"husband, left before the police came"}],"measures":["removal_from_residence"],` +
		`"officer":{"name":"Marko Perić","badge":"4471"}}`,
	"violence/police_update": `{"update_id":"u1","kind":"court_outcome","at":"2026-11-30T10:00:00Z","outcome":"fined"}`,
	"violence/report": `{"occurred_at":"2026-11-29T22:00:00Z","place":{"municipality":"Podgorica"},"description":"The mother told the school.",` +
		`"persons":[{"role":"victim","person_id":"6f1c1d3e-8a4b-4c1e-9d2f-3b5a7c9e1f20"}],"risk_level":"medium"}`,
	"violence/first_contact": `{"contact":"in_person","risk_level":"medium","findings":"Safe at her sister's for now.","open_case":true}`,
	"activation/decision":    `{"measure":"reduce","percent":20,"reasoning":"Missed two appointments without a reason."}`,
	"activation/message":     `{"message_id":"m1","referral_id":"AKT-2026-000001","kind":"reminder","sent_at":"2026-11-01T10:00:00Z"}`,
	"activation/referral": `{"referral_id":"AKT-2026-000001","centre_id":"csr-podgorica","person":{"jmbg":"1101969213359","given_name":"A",` +
		`"family_name":"B"},"referred_at":"2026-11-01T10:00:00Z","steps_url":"/api/v1/activation/referrals/x/steps"}`,
	"activation/step": `{"step_id":"ZZZ-1","kind":"acknowledged","status":"registered","occurred_at":"2026-11-01T10:00:00Z"}`,
}

func TestValidSeedsAreValid(t *testing.T) {
	for _, f := range forms(t) {
		doc, ok := valid[f.name]
		if !ok {
			t.Errorf("form %s has no valid seed document", f.name)
			continue
		}
		if err := f.validate(json.RawMessage(doc)); err != nil {
			t.Errorf("%s: Validate(its seed) = %v", f.name, err)
		}
	}
}

// FuzzValidate sends one document to every form: whatever it is, the
// validation does not panic, and a refusal is a bare *domain.Error of code
// invalid naming the field at fault, or listing several that each name one.
func FuzzValidate(f *testing.F) {
	all := forms(f)
	for _, doc := range valid {
		f.Add([]byte(doc))
	}
	for _, doc := range []string{``, ` `, `{}`, `[]`, `null`, `true`, `1`, `"x"`, `{`, `{"a":1}{}`, `{} x`, `{"source":1}`,
		`{"description":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}`, "{\"description\":\"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\"}",
		`{"persons":[{"role":"victim","birth_year":1e400}]}`, `{"percent":10.5,"measure":"reduce","reasoning":"0123456789"}`,
		`{"goals":[{"due":"2026-02-30"}]}`, `{"occurred_at":"2026-11-29T25:00:00Z"}`, `{"measures":[1,1.0,"a","a"]}`,
		`{"persons":[{"role":"victim","person_id":"not-a-uuid"}]}`, strings.Repeat(`[`, 5000) + strings.Repeat(`]`, 5000),
		`{"kind":"acknowledged","step_id":"../../x","occurred_at":"2026-11-01T10:00:00Z"}`} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, fm := range all {
			err := fm.validate(json.RawMessage(data))
			if err == nil {
				if len(bytes.TrimSpace(data)) > 0 && !json.Valid(data) {
					t.Fatalf("%s accepts %q, which is not JSON", fm.name, data)
				}
				continue
			}
			var e *domain.Error
			if !errors.As(err, &e) || e != err {
				t.Fatalf("%s: Validate(%q) = %T %v; want a *domain.Error", fm.name, data, err, err)
			}
			if e.Code != domain.CodeInvalid || e.Message == "" {
				t.Fatalf("%s: Validate(%q) = code %q message %q; want invalid with a message", fm.name, data, e.Code, e.Message)
			}
			if e.Field == "" && len(e.Fields) < 2 {
				t.Fatalf("%s: Validate(%q) = %v names no field", fm.name, data, err)
			}
			for _, fe := range e.Fields {
				if fe.Code != domain.CodeInvalid || fe.Field == "" || fe.Message == "" {
					t.Fatalf("%s: Validate(%q) lists %+v; want an invalid field with a message", fm.name, data, fe)
				}
			}
		}
	})
}
