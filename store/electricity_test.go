package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/electricity"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestElectricityExchange reads the subsidy's holdings by household, saves
// a month's list once, and imports the company's answer once: not before
// the list is sent, the same file again changing nothing, another file
// refused.
func TestElectricityExchange(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	mother, son, alone := newTestPerson(t, db, 1), newTestPerson(t, db, 2), newTestPerson(t, db, 3)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO households (id, municipality, settlement) VALUES ('6a1c1d2e-0000-4000-8000-000000000001', 'ME-16', 'Podgorica')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE persons SET household_id = '6a1c1d2e-0000-4000-8000-000000000001', street = 'Njegoševa 1' WHERE id IN ($1, $2)`, mother, son); err != nil {
		t.Fatal(err)
	}
	grantTestRight(t, db, "MO", "", mother, son)
	grantTestRight(t, db, "DNJP", son, mother)
	grantTestRight(t, db, "B-BD", "", alone)
	grantTestRight(t, db, "ZZ", "", alone) // not a benefit of the subsidy
	hs, err := db.ElectricityHoldings(ctx, rday("2026-12-01"))
	if err != nil {
		t.Fatal(err)
	}
	lines := electricity.Households(hs)
	if len(lines) != 2 || lines[0].Category != electricity.Vulnerable || lines[0].PersonID != string(mother) || lines[0].Street != "Njegoševa 1" ||
		lines[1].Category != electricity.Veteran || lines[1].HouseholdID != "person:"+string(alone) {
		t.Fatalf("the list's lines: %+v", lines)
	}
	month := rday("2026-12-01")
	e := store.ElectricityExport{Month: month, WorkflowID: "electricity/2026-12", State: "preparing", ListKey: "electricity/2026-12/list.csv",
		ListSHA256: "aaa", Counts: electricity.Counts(lines), PreparedAt: time.Now()}
	saved, created, err := db.SaveElectricityList(ctx, e, lines)
	if err != nil || !created || saved.Households != 2 || saved.Counts[electricity.Veteran] != 1 {
		t.Fatalf("SaveElectricityList = %+v, %v, %v", saved, created, err)
	}
	e.ListSHA256 = "bbb"
	if again, created, err := db.SaveElectricityList(ctx, e, lines[:1]); err != nil || created || again.ListSHA256 != "aaa" {
		t.Errorf("SaveElectricityList again = %+v, %v, %v; want the first list kept", again, created, err)
	}
	ds := []electricity.Discount{{HouseholdID: lines[0].HouseholdID, JMBG: lines[0].JMBG, Category: electricity.Vulnerable, KWh: 300,
		Bill: decimal.RequireFromString("30.00"), Amount: decimal.RequireFromString("15.00")}}
	if _, err := db.ImportElectricityDiscounts(ctx, month, "ccc", "k", "epcg", time.Now(), ds); code(err) != domain.CodeConflict {
		t.Errorf("an answer before the list is sent: %v; want a conflict", err)
	}
	if err := db.MarkElectricitySent(ctx, month, time.Now()); err != nil {
		t.Fatal(err)
	}
	if imported, err := db.ImportElectricityDiscounts(ctx, month, "ccc", "k", "epcg", time.Now(), ds); err != nil || !imported {
		t.Fatalf("ImportElectricityDiscounts = %v, %v", imported, err)
	}
	if imported, err := db.ImportElectricityDiscounts(ctx, month, "ccc", "k", "epcg", time.Now(), ds); err != nil || imported {
		t.Errorf("the same answer again = %v, %v; want nothing imported", imported, err)
	}
	if _, err := db.ImportElectricityDiscounts(ctx, month, "ddd", "k", "epcg", time.Now(), ds); code(err) != domain.CodeConflict {
		t.Errorf("another answer: %v; want a conflict", err)
	}
	got, err := db.ElectricityDiscounts(ctx, month)
	if err != nil || len(got) != 1 || !got[0].Amount.Equal(decimal.RequireFromString("15")) {
		t.Errorf("ElectricityDiscounts = %+v, %v", got, err)
	}
	sent, err := db.ElectricityLines(ctx, month)
	if err != nil || len(sent) != 2 || sent[0].GivenName != "Ana" || sent[0].CentreID == "" {
		t.Errorf("ElectricityLines = %+v, %v", sent, err)
	}
	if x, err := db.ElectricityExportOf(ctx, month); err != nil || x.State != "reconciled" || x.AnswerSHA256 != "ccc" || x.SentAt == nil {
		t.Errorf("ElectricityExportOf = %+v, %v", x, err)
	}
}
