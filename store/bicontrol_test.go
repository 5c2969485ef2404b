package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store/storetest"
)

// TestControlReportsFindPlantedAnomalies: an MO month above the legal
// maximum, a person paid LI and DNJP, MO to a household the agriculture
// register states a farmers' allowance for; the regular payments around
// them are not found.
func TestControlReportsFindPlantedAnomalies(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	a, b, c, d := mustPerson(t, db, mustJMBG(t, 700)), mustPerson(t, db, mustJMBG(t, 701)), mustPerson(t, db, mustJMBG(t, 702)), mustPerson(t, db, mustJMBG(t, 703))
	line := func(id int, person, benefit, amount string) {
		t.Helper()
		_, err := db.Pool().Exec(ctx, `INSERT INTO bi_payment_lines (payment_id, month, period, benefit, benefit_group, payment_type,
				municipality, settlement, centre, person_id, entitlement_id, sex, age_band, amount)
			VALUES ($1, $2, $2, $3, 'social', 'regular', 'ME-16', 'Podgorica', 'csr-podgorica', $4, gen_random_uuid(), 'F', '40-64', $5)`,
			id, nov, benefit, person, amount)
		if err != nil {
			t.Fatal(err)
		}
	}
	line(1, string(a.ID), "MO", "999.00") // above the threshold of five (167.14)
	line(2, string(b.ID), "LI", "297.36")
	line(3, string(b.ID), "DNJP", "87.24") // LI excludes DNJP
	line(4, string(c.ID), "MO", "87.91")
	line(5, string(d.ID), "MO", "87.91")
	line(6, string(d.ID), "DD", "30.00")
	_, err := db.Pool().Exec(ctx, `INSERT INTO evidence (person_id, kind, source, value, valid_from, fetched_at, request_id, response_hash, change)
		VALUES ($1, 'agriculture', 'agriculture', '{"farmer_allowance_monthly": "120.00"}', '2026-01-01', now(), 'r1', 'h', 'initial')`, c.ID)
	if err != nil {
		t.Fatal(err)
	}

	out, err := db.AmountsOutOfRange(ctx, benefits.MustLoadParams(), nov, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].PersonID != string(a.ID) || out[0].Amount.String() != "999" || out[0].Max.String() != "167.14" {
		t.Fatalf("out of range: %+v", out)
	}
	inc, err := db.IncompatibleBenefits(ctx, nov, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(inc) != 1 || inc[0].PersonID != string(b.ID) || len(inc[0].Benefits) != 2 || inc[0].Benefits[0] != "DNJP" || inc[0].Benefits[1] != "LI" {
		t.Fatalf("incompatible: %+v", inc)
	}
	farm, err := db.MOWithFarmersAllowance(ctx, nov, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(farm) != 1 || farm[0].PersonID != string(c.ID) || farm[0].Detail.String() != "120" {
		t.Fatalf("MO with a farmers' allowance: %+v", farm)
	}
	// Another centre's reader finds none of them.
	if out, _ := db.AmountsOutOfRange(ctx, benefits.MustLoadParams(), nov, "csr-bar"); len(out) != 0 {
		t.Fatalf("another centre: %+v", out)
	}
	if ok, err := db.MonthClosed(ctx, nov); err != nil || !ok {
		t.Fatalf("November has facts: closed %v %v", ok, err)
	}
	if ok, _ := db.MonthClosed(ctx, nov.AddDate(0, 1, 0)); ok {
		t.Fatal("December has no payroll")
	}
}
