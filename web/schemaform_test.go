package web

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
)

// Every procedure form renders, and what a caseworker types comes back as
// the JSON its schema accepts; blank optional fields are left out, so a
// blank required one is reported missing by the schema, by name.
func TestSchemaFormsRoundTrip(t *testing.T) {
	cat := cases.MustLoad()
	for _, name := range []string{"intake", "opening", "initial_assessment", "risk_assessment", "detailed_assessment", "plan",
		"review", "closing", "court_opinion", "tracking_item", "decision"} {
		raw, ok := cat.Form(name)
		if !ok {
			t.Fatalf("no form %s", name)
		}
		sch, err := parseSchema(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if v := sch.render(name, nil, nil); len(v.Fields) == 0 || v.Title == "" {
			t.Errorf("%s renders no fields", name)
		}
	}
	raw, _ := cat.Form("plan")
	plan, _ := parseSchema(raw)
	typed := url.Values{"f.goals.0.goal": {"Appoint a guardian"}, "f.goals.0.service": {"guardianship"}, "f.goals.0.responsible": {"Ana"},
		"f.goals.0.due": {"2027-01-31"}, "f.goals.1.goal": {""}, "f.goals.2.provider": {"  "}}
	data := plan.read(typed)
	if err := cat.Validate("plan", data); err != nil {
		t.Fatalf("plan %s: %v", data, err)
	}
	var back struct{ Goals []map[string]string }
	_ = json.Unmarshal(data, &back)
	if len(back.Goals) != 1 || back.Goals[0]["provider"] != "" {
		t.Errorf("plan read back as %s; want the one filled goal without a provider", data)
	}
	// A row typed into the third line keeps its place, with a blank row after it.
	v := plan.render("plan", url.Values{"f.goals.2.goal": {"x"}}, map[string]string{"goals.0.goal": "is too short"})
	if rows := v.Fields[0].Rows; len(rows) != 4 || rows[2][0].Value != "x" || rows[0][0].Error != "is too short" {
		t.Errorf("rows = %+v", rows)
	}

	raw, _ = cat.Form("risk_assessment")
	risk, _ := parseSchema(raw)
	data = risk.read(url.Values{"f.risk_level": {"high"}, "f.indicators": {"weapon", "threats"}, "f.findings": {"  "}})
	err := cat.Validate("risk_assessment", data)
	if err == nil {
		t.Fatalf("a blank finding passed: %s", data)
	}
	errs, _ := fieldErrorsOf(err)
	if _, ok := errs["findings"]; !ok || len(errs) != 1 {
		t.Errorf("errors %v; want only findings", errs)
	}
	if v := risk.render("risk", url.Values{"f.indicators": {"weapon"}}, errs); !v.Fields[1].Values["weapon"] || v.Fields[3].Error == "" {
		t.Errorf("risk form keeps neither the ticked indicator nor the finding's error: %+v", v.Fields)
	}

	raw, _ = cat.Form("detailed_assessment")
	det, _ := parseSchema(raw)
	var d map[string]any
	_ = json.Unmarshal(det.read(url.Values{}), &d)
	if d["participated"] != false {
		t.Errorf("an unticked box reads %v; want false", d["participated"])
	}
}

// fieldErrorsOf shapes a validation error as the API would send it and
// reads it back as the pages do.
func fieldErrorsOf(err error) (map[string]string, string) {
	type f struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	}
	var list []f
	for _, e := range unwrapFields(err) {
		list = append(list, f{"data." + e[0], e[1]})
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{"message": err.Error(), "fields": list}})
	return fieldErrors("en", apiResult{status: 400, body: body}, "data.")
}

func unwrapFields(err error) [][2]string {
	var e *domain.Error
	if !errors.As(err, &e) {
		return nil
	}
	if len(e.Fields) == 0 {
		return [][2]string{{e.Field, e.Message}}
	}
	var out [][2]string
	for _, f := range e.Fields {
		out = append(out, [2]string{f.Field, f.Message})
	}
	return out
}

func TestHintsInTheirLanguage(t *testing.T) {
	for _, c := range []struct{ lang, form, key, def, want string }{
		{"cnr", "activation_decision", "percent", "the share", "dio mjesečnog iznosa koji se zadržava (10 do 50)"},
		{"cnr", "stage:opening:opening", "case_manager", "username", "radnik centra koji vodi slučaj"},
		{"en", "activation_decision", "percent", "x", "the share of the monthly amount withheld (10 to 50)"},
		{"en", "plan", "goals", "the schema's own", "the schema's own"},
		{"cnr", "plan", "goals", "the schema's own", ""}, // never English on a Montenegrin page
	} {
		if got := hint(c.lang, c.form, c.key, c.def); got != c.want {
			t.Errorf("hint(%s, %s, %s) = %q; want %q", c.lang, c.form, c.key, got, c.want)
		}
	}
}
