package devstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store/storetest"
)

// TestDemoStatisticsPlantTheAnomalies: the demo's carried-over rights get
// their previous payments as facts, and the control reports find exactly
// the anomalies planted in them; loading again adds nothing.
func TestDemoStatisticsPlantTheAnomalies(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	pop := sim.NewPopulation(200)
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if err := devstack.LoadDemo(ctx, db, pop, 200, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := devstack.LoadDemoRights(ctx, db, pop, 200, today); err != nil {
		t.Fatal(err)
	}
	if _, err := devstack.LoadDemoAssistance(ctx, db, pop, 200, today); err != nil {
		t.Fatal(err)
	}
	n, err := devstack.LoadDemoStatistics(ctx, db, today)
	if err != nil || n == 0 {
		t.Fatalf("facts: %d, %v", n, err)
	}
	if again, err := devstack.LoadDemoStatistics(ctx, db, today); err != nil || again != 0 {
		t.Fatalf("loading again: %d, %v", again, err)
	}
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	if closed, _ := db.MonthClosed(ctx, sep); !closed {
		t.Fatal("September 2026 has no facts")
	}
	out, err := db.AmountsOutOfRange(ctx, benefits.MustLoadParams(), sep, "")
	if err != nil || len(out) != 1 || out[0].Amount.String() != "999" {
		t.Fatalf("out of range: %+v %v", out, err)
	}
	inc, err := db.IncompatibleBenefits(ctx, sep, "")
	if err != nil || len(inc) != 1 || inc[0].Benefits[0] != "DNJP" || inc[0].Benefits[1] != "LI" {
		t.Fatalf("incompatible: %+v %v", inc, err)
	}
	farm, err := db.MOWithFarmersAllowance(ctx, sep, "")
	if err != nil || len(farm) != 1 {
		t.Fatalf("MO with a farmers' allowance: %+v %v", farm, err)
	}
	t.Logf("%d payment lines; planted: %s's MO at %s, %s's LI and DNJP, %s's MO with a farmers' allowance", n, out[0].PersonID, out[0].Amount,
		inc[0].PersonID, farm[0].PersonID)
}
