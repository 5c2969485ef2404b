package professionals

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func course() Course {
	q := func(answer int) Question {
		return Question{Text: Text{"Pitanje?", "Question?"}, Options: []Text{{"Da", "Yes"}, {"Ne", "No"}, {"Možda", "Maybe"}}, Answer: answer}
	}
	return Course{Code: "ethics", Version: 1, Title: Text{"Etika", "Ethics"}, Body: Text{"Tekst", "Text"}, Hours: decimal.NewFromInt(8),
		PassMark: 75, Questions: []Question{q(0), q(1), q(2), q(0)}}
}

// TestScoreCourse: the pass mark decides, every bad answer is named.
func TestScoreCourse(t *testing.T) {
	c := course()
	if errs := CheckCourse(c); errs != nil {
		t.Fatalf("a good course: %v", errs)
	}
	r, errs := Score(c, []int{0, 1, 2, 1})
	if errs != nil || r.Right != 3 || r.Percent != 75 || !r.Passed {
		t.Errorf("3 of 4 with a 75%% mark = %+v %v; want passed", r, errs)
	}
	r, _ = Score(c, []int{0, 1, 0, 1})
	if r.Passed || r.Right != 2 {
		t.Errorf("2 of 4 = %+v; want failed", r)
	}
	if _, errs := Score(c, []int{0, 9, -1}); len(errs) != 3 {
		t.Errorf("3 answers, two out of range: %v; want 3 faults", errs)
	}
	bad := Course{Code: "X", Hours: decimal.Zero, Questions: []Question{{Options: []Text{{"a", ""}}, Answer: 3}}}
	if errs := CheckCourse(bad); len(errs) < 8 {
		t.Errorf("a bad course: %d faults %v; want every one named", len(errs), errs)
	}
}

// TestLicenceRules: the exam comes first; six years at most; a warning
// only within 90 days of the end and only when hours are short.
func TestLicenceRules(t *testing.T) {
	exam := d("2020-05-01")
	l := Licence{Number: "LR-2021-001", ValidFrom: d("2021-01-01"), ValidUntil: ValidUntil(d("2021-01-01"))}
	if errs := CheckLicence(l, &exam); errs != nil {
		t.Fatalf("a good licence: %v", errs)
	}
	if errs := CheckLicence(Licence{Number: "x", ValidFrom: d("2019-01-01"), ValidUntil: d("2030-01-01")}, &exam); len(errs) != 3 {
		t.Errorf("bad number, before the exam, too long: %v", errs)
	}
	if errs := CheckLicence(l, nil); len(errs) != 1 || errs[0].Field != "exam" {
		t.Errorf("no exam: %v", errs)
	}
	if l.ValidUntil != d("2026-12-31") {
		t.Errorf("valid until %v", l.ValidUntil)
	}
	credits := []Credit{{On: d("2020-12-31"), Hours: decimal.NewFromInt(30)}, {On: d("2024-03-01"), Hours: decimal.NewFromInt(40)}}
	hours := HoursIn(l, credits)
	if !hours.Equal(decimal.NewFromInt(40)) {
		t.Errorf("hours in period = %s; want 40 (one credit before it)", hours)
	}
	if Warn(l, hours, d("2026-10-01")) {
		t.Error("warned 91 days before the end")
	}
	if !Warn(l, hours, d("2026-10-02")) {
		t.Error("not warned 90 days before the end with 40 of 60 hours")
	}
	if Warn(l, decimal.NewFromInt(60), d("2026-12-01")) {
		t.Error("warned with the hours complete")
	}
	if Warn(l, hours, d("2027-01-01")) {
		t.Error("warned of an expired licence")
	}
	if !Short(hours).Equal(decimal.NewFromInt(20)) {
		t.Errorf("short %s", Short(hours))
	}
}
