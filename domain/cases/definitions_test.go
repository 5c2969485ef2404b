package cases

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/karton-social/karton/domain"
)

// TestEveryDefinitionLoads: all 42 procedures load, each with its forms,
// deadlines, roles and sub-procedures, and the stages in their order.
func TestEveryDefinitionLoads(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Codes()); got != 42 {
		t.Fatalf("%d procedures; want the 42 of DOMAIN.md §4.2", got)
	}
	for _, code := range c.Codes() {
		d, err := c.Get(code, 0)
		if err != nil {
			t.Fatal(err)
		}
		if d.Stages[0].Name != StageIntake || d.Stages[len(d.Stages)-1].Name != StageClosing {
			t.Errorf("%s: stages %v; want intake first and closing last", code, d.Stages)
		}
		for _, s := range d.Stages {
			if s.Deadline <= 0 {
				t.Errorf("%s: stage %s has no deadline", code, s.Name)
			}
			if _, ok := c.Form(s.Form); !ok {
				t.Errorf("%s: stage %s: no form %s", code, s.Name, s.Form)
			}
		}
		for _, sub := range d.SubProcedures {
			if _, err := c.Get(sub, 0); err != nil {
				t.Errorf("%s: sub-procedure %s: %v", code, sub, err)
			}
		}
	}
	g, _ := c.Get("P01", 0)
	if s, _ := g.Stage(StagePlan); !s.Approval || s.Deadline != 15*24*time.Hour {
		t.Errorf("guardianship of a minor: plan %+v; want supervisor approval within 15 days", s)
	}
	dv, _ := c.Get("P37", 0)
	if s, _ := dv.Stage(StageInitialAssessment); s.Form != "risk_assessment" || s.Deadline != 24*time.Hour || s.Role != domain.RoleDVCaseworker {
		t.Errorf("DV against an adult: initial assessment %+v; want the risk form within 24 hours by a DV caseworker", s)
	}
	if _, err := c.Get("P99", 0); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("unknown procedure: %v", err)
	}
	if _, err := c.Get("P01", 7); domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "version 7") {
		t.Errorf("unknown version: %v", err)
	}
}

// TestDVProcedures: the procedures marked dv in procedures.yaml, whose
// cases are in the domestic-violence compartment, are the two of domestic
// violence (P05, a child; P37, an adult), every version of them.
func TestDVProcedures(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var dv []string
	for _, code := range c.Codes() {
		for v := 1; ; v++ {
			d, err := c.Get(code, v)
			if err != nil {
				break
			}
			if d.DV {
				dv = append(dv, fmt.Sprintf("%s v%d", code, v))
			}
		}
	}
	if strings.Join(dv, ",") != "P05 v1,P37 v1" {
		t.Errorf("DV procedures %v; want P05 v1 and P37 v1", dv)
	}
}

// TestBrokenDefinitionsFailAtLoad: a reference to a missing form, role,
// stage or sub-procedure, or a bad deadline, fails at load, naming it.
func TestBrokenDefinitionsFailAtLoad(t *testing.T) {
	base, _ := files.ReadFile("procedures.yaml")
	form, _ := files.ReadFile("forms/closing.json")
	all := map[string]string{}
	entries, _ := files.ReadDir("forms")
	for _, e := range entries {
		b, _ := files.ReadFile("forms/" + e.Name())
		all[e.Name()] = string(b)
	}
	_ = form
	cases := map[string]struct{ from, to, want string }{
		"missing form":          {"forms: {initial_assessment: court_opinion}", "forms: {initial_assessment: no_such_form}", `form "no_such_form" does not exist`},
		"missing role":          {"role: dv_caseworker", "role: wizard", `role "wizard" does not exist`},
		"missing stage":         {"skip: [detailed_assessment]", "skip: [meditation]", `stage "meditation" does not exist`},
		"missing sub-procedure": {"subprocedures: [P02, P03, P09]", "subprocedures: [P02, P77]", "sub-procedure P77 is not defined"},
		"bad deadline":          {"deadlines: {initial_assessment: 10d}", "deadlines: {initial_assessment: soon}", `"soon"`},
	}
	for name, x := range cases {
		if !strings.Contains(string(base), x.from) {
			t.Fatalf("%s: the definitions no longer contain %q", name, x.from)
		}
		fsys := fstest.MapFS{"procedures.yaml": {Data: []byte(strings.Replace(string(base), x.from, x.to, 1))}}
		for n, b := range all {
			fsys["forms/"+n] = &fstest.MapFile{Data: []byte(b)}
		}
		_, err := load(fsys)
		if err == nil || !strings.Contains(err.Error(), x.want) {
			t.Errorf("%s: load = %v; want an error naming %s", name, err, x.want)
		}
	}
}

// TestFormsListEveryFailingField: a form that fails its schema names each
// field at fault.
func TestFormsListEveryFailingField(t *testing.T) {
	c := MustLoad()
	if err := c.Validate("plan", json.RawMessage(`{"goals":[{"goal":"School every day","service":"Counselling","responsible":"Ana Radović","due":"2027-01-31"}]}`)); err != nil {
		t.Fatalf("a good plan: %v", err)
	}
	err := c.Validate("plan", json.RawMessage(`{"goals":[{"goal":"x","service":"Counselling","due":"31.1.2027"}],"colour":"red"}`))
	var de *domain.Error
	if !asError(err, &de) || de.Code != domain.CodeInvalid {
		t.Fatalf("a bad plan: %v; want invalid", err)
	}
	fields := map[string]bool{}
	for _, f := range de.Fields {
		fields[f.Field] = true
	}
	for _, want := range []string{"goals.0.goal", "goals.0.responsible", "goals.0.due", "data"} {
		if !fields[want] {
			t.Errorf("fields at fault %v; want %s among them (%v)", fields, want, err)
		}
	}
	if err := c.Validate("closing", json.RawMessage(`not json`)); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("not JSON: %v", err)
	}
}

func asError(err error, target **domain.Error) bool {
	e, ok := err.(*domain.Error)
	if ok {
		*target = e
	}
	return ok
}

// A procedure is offered by the person's age (issue 17): guardianship of a
// minor never to an adult, residential care of an adult never to a child,
// a person in immediate danger at any age.
func TestProceduresForAge(t *testing.T) {
	for _, tt := range []struct {
		code string
		age  int
		want bool
	}{{"P01", 34, false}, {"P01", 9, true}, {"P22", 9, false}, {"P22", 70, true}, {"P38", 9, true}, {"P38", 34, true},
		{"P10", 17, false}, {"P20", 30, true}, {"P01", -1, true}} {
		d, err := Procedures.Get(tt.code, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.ForAge(tt.age); got != tt.want {
			t.Errorf("%s (%s) for age %d = %v; want %v", tt.code, d.Ages, tt.age, got, tt.want)
		}
	}
}
