package store_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/professionals"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// testCourse is a course of two questions (the first option right in
// both), passed with both right, crediting hours.
func testCourse(code string, hours int64) professionals.Course {
	q := professionals.Question{Text: professionals.Text{CNR: "Pitanje?", EN: "Question?"},
		Options: []professionals.Text{{CNR: "Da", EN: "Yes"}, {CNR: "Ne", EN: "No"}}}
	return professionals.Course{Code: code, Title: professionals.Text{CNR: "Kurs", EN: "Course"}, Body: professionals.Text{CNR: "Tekst", EN: "Text"},
		Hours: decimal.NewFromInt(hours), PassMark: 100, Questions: []professionals.Question{q, q}}
}

// TestProfessionalsAndLearning: the register (exam before licence, every
// fault named, a duplicate a conflict), courses in versions, enrolment, a
// failed and a passed test (hours credited once, to the version passed).
func TestProfessionalsAndLearning(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p, err := db.CreateProfessional(ctx, store.Professional{Username: "ana.caseworker", CentreID: "csr-podgorica", CreatedBy: "goran.ministry"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateProfessional(ctx, store.Professional{Username: "ana.caseworker", CentreID: "csr-podgorica", CreatedBy: "x"}); code(err) != domain.CodeConflict {
		t.Errorf("registered twice: %v; want a conflict", err)
	}
	lic := store.ProfessionalLicence{Licence: professionals.Licence{Number: "LR-2021-001", ValidFrom: rday("2021-01-01"), ValidUntil: rday("2026-12-31")}, RecordedBy: "goran.ministry"}
	if _, err := db.AddProfessionalLicence(ctx, p.ID, lic); code(err) != domain.CodeInvalid || field(err) != "exam" {
		t.Errorf("a licence without the exam: %v; want invalid on exam", err)
	}
	if _, err := db.RecordExam(ctx, p.ID, rday("2020-06-01"), "goran.ministry"); err != nil {
		t.Fatal(err)
	}
	if p, err = db.AddProfessionalLicence(ctx, p.ID, lic); err != nil || len(p.Licences) != 1 {
		t.Fatalf("licence: %v %+v", err, p.Licences)
	}
	if _, err := db.AddProfessionalLicence(ctx, p.ID, lic); code(err) != domain.CodeConflict || field(err) != "number" {
		t.Errorf("a duplicate licence number: %v", err)
	}
	licensed, err := db.LicensedOn(ctx, "csr-podgorica", rday("2026-12-01"))
	if err != nil || !licensed["ana.caseworker"] || licensed["ivan.caseworker"] {
		t.Errorf("licensed on 2026-12-01 = %v %v", licensed, err)
	}
	if licensed, _ = db.LicensedOn(ctx, "csr-podgorica", rday("2027-01-01")); licensed["ana.caseworker"] {
		t.Error("licensed after the licence ended")
	}

	c1, err := db.PublishCourse(ctx, testCourse("ethics", 8), "goran.ministry")
	if err != nil || c1.Version != 1 {
		t.Fatalf("publish: %v %d", err, c1.Version)
	}
	if _, err := db.RecordAttempt(ctx, "ana.caseworker", "ethics", 1, []int{0, 0}, rday("2026-11-01")); code(err) != domain.CodeConflict {
		t.Errorf("a test without enrolment: %v; want a conflict", err)
	}
	if err := db.Enrol(ctx, "ana.caseworker", "ethics", 1); err != nil {
		t.Fatal(err)
	}
	if err := db.Enrol(ctx, "ana.caseworker", "ethics", 1); err != nil {
		t.Fatalf("enrolling again: %v", err)
	}
	if _, err := db.RecordAttempt(ctx, "ana.caseworker", "ethics", 1, []int{0, 5, 1}, rday("2026-11-01")); code(err) != domain.CodeInvalid {
		t.Errorf("bad answers: %v; want invalid", err)
	}
	a, err := db.RecordAttempt(ctx, "ana.caseworker", "ethics", 1, []int{0, 1}, rday("2026-11-01"))
	if err != nil || a.Result.Passed || !a.Hours.IsZero() {
		t.Errorf("a failed test = %+v %v; want no hours", a, err)
	}
	// A second version changes nothing of the first's completions.
	if c2, err := db.PublishCourse(ctx, testCourse("ethics", 10), "goran.ministry"); err != nil || c2.Version != 2 {
		t.Fatalf("version 2: %v %d", err, c2.Version)
	}
	a, err = db.RecordAttempt(ctx, "ana.caseworker", "ethics", 1, []int{0, 0}, rday("2026-11-02"))
	if err != nil || !a.Result.Passed || !a.Hours.Equal(decimal.NewFromInt(8)) {
		t.Errorf("a passed test of version 1 = %+v %v; want 8 hours", a, err)
	}
	if _, err := db.RecordAttempt(ctx, "ana.caseworker", "ethics", 1, []int{0, 0}, rday("2026-11-03")); code(err) != domain.CodeConflict {
		t.Errorf("passing twice: %v; want a conflict", err)
	}
	latest, err := db.Course(ctx, "ethics", 0)
	if err != nil || latest.Version != 2 || !latest.Hours.Equal(decimal.NewFromInt(10)) {
		t.Errorf("latest = %+v %v", latest, err)
	}
	es, err := db.Enrolments(ctx, "ana.caseworker")
	if err != nil || len(es) != 1 || es[0].Version != 1 || !es[0].Passed || es[0].Attempts != 2 || !es[0].Hours.Equal(decimal.NewFromInt(8)) {
		t.Errorf("enrolments = %+v %v", es, err)
	}
	p, err = db.ProfessionalByUsername(ctx, "ana.caseworker")
	if err != nil {
		t.Fatal(err)
	}
	if _, hours, ok := p.Current(rday("2026-11-05")); !ok || !hours.Equal(decimal.NewFromInt(8)) {
		t.Errorf("hours in the period = %s %v; want 8", hours, ok)
	}
}
