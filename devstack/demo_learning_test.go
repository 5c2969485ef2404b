package devstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/store/storetest"
)

// TestDemoLearning: the demo's courses and professionals load once; Ana's
// licence, ending in 59 days with 8 of 60 hours, is warned of to her and
// her head; Ivan holds no licence.
func TestDemoLearning(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if n, err := devstack.LoadDemoLearning(ctx, db, today); err != nil || n != 5 {
		t.Fatalf("professionals: %d, %v", n, err)
	}
	if n, err := devstack.LoadDemoLearning(ctx, db, today); err != nil || n != 0 {
		t.Fatalf("loading again: %d, %v", n, err)
	}
	for _, user := range []string{"ana.caseworker", "sanja.head"} {
		if ws, err := db.WarningsFor(ctx, user); err != nil || len(ws) != 1 || ws[0].Username != "ana.caseworker" {
			t.Errorf("%s's warnings: %+v %v", user, ws, err)
		}
	}
	licensed, err := db.LicensedOn(ctx, "csr-podgorica", today)
	if err != nil || !licensed["ana.caseworker"] || licensed["ivan.caseworker"] || !licensed["dragana.dv"] {
		t.Errorf("licensed in Podgorica: %v %v", licensed, err)
	}
	cs, err := db.Courses(ctx)
	if err != nil || len(cs) != 3 {
		t.Errorf("courses: %d %v", len(cs), err)
	}
}
