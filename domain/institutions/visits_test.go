package institutions

import (
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
)

func TestFoldName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Marko Đurović", "marko djurovic"},
		{"  MARKO   djurović ", "marko djurovic"},
		{"Šćekić Žana", "scekic zana"},
		{"Džana Čolić", "dzana colic"},
	} {
		if got := FoldName(c.in); got != c.want {
			t.Errorf("FoldName(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

// TestCheckCaller: an excluding rule matches by JMBG, or by name when the
// rule or the caller has no JMBG; it wins over an allowing rule; a child
// lets in only the persons the plan allows (by JMBG when the rule has one).
func TestCheckCaller(t *testing.T) {
	rules := []VisitRule{
		{Name: "Marko Đurović", Allowed: false, Reason: "zabrana prilaska"},
		{Name: "Petar Petrović", JMBG: "0505970210011", Allowed: false, Reason: "court order"},
		{Name: "Jelena Šćekić", JMBG: "0606985215125", Allowed: true, Reason: "majka"},
		{Name: "Ivan Ivanović", Allowed: true},
	}
	for _, c := range []struct {
		name  string
		p     Caller
		child bool
		want  string // "" allowed
	}{
		{"excluded by folded name", Caller{Name: "marko djurovic"}, false, "the resident's plan excludes this visitor: zabrana prilaska"},
		{"excluded by JMBG under another name", Caller{Name: "Pero", JMBG: "0505970210011"}, false, "court order"},
		{"excluded by name, no JMBG given", Caller{Name: "PETAR PETROVIC"}, false, "court order"},
		{"a namesake with another JMBG", Caller{Name: "Petar Petrović", JMBG: "0101980215009"}, false, ""},
		{"an adult's unknown visitor", Caller{Name: "Neko Drugi"}, false, ""},
		{"a child's unknown visitor", Caller{Name: "Neko Drugi"}, true, "the resident is a child: only a visitor the plan allows"},
		{"a child's allowed visitor by JMBG", Caller{Name: "Jelena Scekic", JMBG: "0606985215125"}, true, ""},
		{"a child's allowed visitor without the JMBG", Caller{Name: "Jelena Šćekić"}, true, "the resident is a child"},
		{"a child's allowed visitor by name", Caller{Name: "ivan ivanovic"}, true, ""},
		{"a child's excluded visitor", Caller{Name: "Marko Đurović"}, true, "zabrana prilaska"},
	} {
		err := CheckCaller(rules, c.p, c.child, AsVisitor, "visitor_name")
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v; want let in", c.name, err)
		case c.want != "" && (domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), c.want)):
			t.Errorf("%s: %v; want a conflict saying %q", c.name, err, c.want)
		}
	}
	if err := CheckCaller([]VisitRule{{Name: "X Y", Allowed: false}}, Caller{Name: "x y"}, false, AsCompanion, "companion_name"); domain.ErrorMessage(err) !=
		"the resident's plan excludes this companion: no reason given" {
		t.Errorf("a rule without a reason: %v", err)
	}
}

func TestEventTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	if got, err := EventTime("at", nil, now, "", "reason"); err != nil || !got.Equal(now) {
		t.Errorf("no time: %v, %v; want now", got, err)
	}
	for _, c := range []struct {
		name   string
		at     *time.Time
		reason string
		field  string // "" ok
	}{
		{"a minute ahead (clock skew)", at(30 * time.Second), "", ""},
		{"an hour ahead", at(time.Hour), "", "at"},
		{"two minutes ago", at(-2 * time.Minute), "", ""},
		{"three hours ago without a reason", at(-3 * time.Hour), "", "reason"},
		{"three hours ago with a reason", at(-3 * time.Hour), "gužva", ""},
		{"two months ago", at(-60 * 24 * time.Hour), "zaboravljeno", "at"},
	} {
		_, err := EventTime("at", c.at, now, c.reason, "reason")
		var f string
		if err != nil {
			f = err.Field
		}
		if f != c.field {
			t.Errorf("%s: %v; want an error on %q", c.name, err, c.field)
		}
	}
}

func TestParseVisitor(t *testing.T) {
	_, errs := ParseVisitor("visitor_", "relation", Visitor{Name: "Ana 2", JMBG: "123", Document: "A-1"}, true)
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if strings.Join(fields, ",") != "visitor_name,visitor_jmbg,visitor_document,relation" {
		t.Errorf("every problem of a bad visitor: %v", errs)
	}
	v, errs := ParseVisitor("visitor_", "relation", Visitor{Name: "  Ana   Jovanović ", Document: "AB12345", Relation: "kći"}, true)
	if len(errs) > 0 || v.Name != "Ana Jovanović" {
		t.Errorf("a good visitor: %+v, %v", v, errs)
	}
	if !Overdue(time.Now().Add(-time.Hour), nil, time.Now()) || Overdue(time.Now().Add(time.Hour), nil, time.Now()) {
		t.Errorf("Overdue")
	}
}
