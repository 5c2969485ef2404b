package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain/professionals"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func pday(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestLicenceWarningForLackOfHours: two caseworkers' licences end on
// 2026-12-31 with 60 hours required. Ana has 20 hours: 90 days before the
// end she and her centre's head are warned, once however often the sweep
// runs. Ivan passes a 60-hour course in time and is not warned; a day
// before the window nobody is.
func TestLicenceWarningForLackOfHours(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a := &activities.Activities{DB: db, Now: time.Now}
	q := professionals.Question{Text: professionals.Text{CNR: "Pitanje?", EN: "Question?"},
		Options: []professionals.Text{{CNR: "Da", EN: "Yes"}, {CNR: "Ne", EN: "No"}}}
	course := func(code string, hours int64) {
		c := professionals.Course{Code: code, Title: professionals.Text{CNR: "Kurs", EN: "Course"}, Body: professionals.Text{CNR: "Tekst", EN: "Text"},
			Hours: decimal.NewFromInt(hours), PassMark: 50, Questions: []professionals.Question{q}}
		if _, err := db.PublishCourse(ctx, c, "goran.ministry"); err != nil {
			t.Fatal(err)
		}
	}
	course("ethics", 20)
	course("assessment", 40)
	pass := func(user, code, on string) {
		if err := db.Enrol(ctx, user, code, 1); err != nil {
			t.Fatal(err)
		}
		if at, err := db.RecordAttempt(ctx, user, code, 1, []int{0}, pday(on)); err != nil || !at.Result.Passed {
			t.Fatalf("%s passing %s: %+v %v", user, code, at, err)
		}
	}
	for i, user := range []string{"ana.caseworker", "ivan.caseworker"} {
		p, err := db.CreateProfessional(ctx, store.Professional{Username: user, CentreID: "csr-podgorica", CreatedBy: "goran.ministry"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordExam(ctx, p.ID, pday("2020-06-01"), "goran.ministry"); err != nil {
			t.Fatal(err)
		}
		l := store.ProfessionalLicence{Licence: professionals.Licence{Number: []string{"LR-A", "LR-I"}[i], ValidFrom: pday("2021-01-01"),
			ValidUntil: pday("2026-12-31")}, RecordedBy: "goran.ministry"}
		if _, err := db.AddProfessionalLicence(ctx, p.ID, l); err != nil {
			t.Fatal(err)
		}
		pass(user, "ethics", "2023-03-01")
	}
	sweep := func(day string) activities.LicenceWarningsResult {
		t.Helper()
		res, err := a.WarnShortLicences(ctx, activities.LicenceWarningsInput{Day: day})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := sweep("2026-10-01"); res.Warnings != 0 {
		t.Errorf("91 days before the end: %+v; want no warning", res)
	}
	// Ivan completes the 40-hour course: 60 hours, enough.
	pass("ivan.caseworker", "assessment", "2026-09-15")
	if res := sweep("2026-10-02"); res.Short != 1 || res.Warnings != 2 {
		t.Errorf("90 days before the end: %+v; want Ana and her head warned", res)
	}
	if res := sweep("2026-10-03"); res.Warnings != 0 {
		t.Errorf("the next day: %+v; want nothing new", res)
	}
	for user, want := range map[string]int{"ana.caseworker": 1, "sanja.head": 1, "ivan.caseworker": 0, "marko.supervisor": 0} {
		ws, err := db.WarningsFor(ctx, user)
		if err != nil || len(ws) != want {
			t.Errorf("%s has %d warnings (%v); want %d", user, len(ws), err, want)
		}
		if want == 1 && (ws[0].Username != "ana.caseworker" || ws[0].Licence != "LR-A" || !ws[0].Hours.Equal(decimal.NewFromInt(20))) {
			t.Errorf("%s's warning = %+v", user, ws[0])
		}
	}
	if _, err := a.WarnShortLicences(ctx, activities.LicenceWarningsInput{Day: "2026-13-01"}); err == nil {
		t.Error("a bad day accepted")
	}
}
