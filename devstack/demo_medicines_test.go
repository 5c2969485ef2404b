package devstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store/storetest"
)

// TestDemoMedicines: Grabovac's pharmacy has each warning to show (an
// expired batch, one expiring, a medicine below its threshold), each of
// its residents a prescription due today, and loading again adds nothing.
func TestDemoMedicines(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	today := time.Now().UTC()
	for k := range 3 {
		demoElder(t, db, time.Date(1938+k, 3, 1, 0, 0, 0, 0, time.UTC), 520+k)
	}
	if _, err := devstack.LoadDemoInstitutions(ctx, db, today); err != nil {
		t.Fatal(err)
	}
	if n, err := devstack.LoadDemoMedicines(ctx, db, today); err != nil || n != 3 {
		t.Fatalf("medicines: %d %v", n, err)
	}
	if n, err := devstack.LoadDemoMedicines(ctx, db, today); err != nil || n != 0 {
		t.Fatalf("loading again: %d %v", n, err)
	}
	list, err := db.Medicines(ctx, "dom-grabovac")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, m := range list {
		for _, w := range institutions.Warnings(m.Medicine, m.BatchesOf(), today) {
			kinds[w.Kind] = true
		}
	}
	if !kinds[institutions.WarnExpired] || !kinds[institutions.WarnExpiring] || !kinds[institutions.WarnLowStock] {
		t.Errorf("warnings: %v", kinds)
	}
	due, err := db.DueDoses(ctx, "dom-grabovac", 0, today)
	if err != nil || len(due) != 6 {
		t.Errorf("due today: %d %v", len(due), err)
	}
}
