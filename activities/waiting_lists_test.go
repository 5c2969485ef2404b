package activities_test

import (
	"testing"
	"time"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/devstack"
)

// TestRemindWaitingLists: the activity on the real store: on 3 December
// both demo providers (a contract each in force in November, no report)
// are reminded, once however often it runs; on the 6th they are
// escalated, once; a day that is not one is refused without retry.
func TestRemindWaitingLists(t *testing.T) {
	a, _, env := setup(t)
	if _, err := devstack.LoadDemoServices(t.Context(), a.DB, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		day                    string
		reminders, escalations int
	}{{"2026-12-02", 0, 0}, {"2026-12-03", 2, 0}, {"2026-12-03", 0, 0}, {"2026-12-05", 0, 0}, {"2026-12-06", 0, 2}, {"2026-12-06", 0, 0}} {
		v, err := env.ExecuteActivity(a.RemindWaitingLists, activities.WaitingListRemindersInput{Day: c.day})
		if err != nil {
			t.Fatalf("%s: %v", c.day, err)
		}
		var res activities.WaitingListRemindersResult
		if err := v.Get(&res); err != nil || res.Month != "2026-11" || res.Reminders != c.reminders || res.Escalations != c.escalations {
			t.Errorf("%s: %+v, %v; want %d reminders, %d escalations of 2026-11", c.day, res, err, c.reminders, c.escalations)
		}
	}
	if _, err := env.ExecuteActivity(a.RemindWaitingLists, activities.WaitingListRemindersInput{Day: "3 December"}); err == nil {
		t.Error("a bad day accepted")
	}
}
