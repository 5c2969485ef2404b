package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain/bi"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// placementFactLine is a month's rows of one budget line in
// bi_placement_months.
type placementFactLine struct {
	placements, days       int
	amount, copayment, net decimal.Decimal
}

func placementFactLines(t *testing.T, db *store.DB, month string) map[string]placementFactLine {
	t.Helper()
	rows, err := db.Pool().Query(context.Background(), `SELECT budget_line, count(*) FILTER (WHERE days > 0), sum(days), sum(amount), sum(copayment),
		sum(amount - copayment) FROM bi_placement_months WHERE month = $1 GROUP BY budget_line`, rday(month))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]placementFactLine{}
	for rows.Next() {
		var line string
		var l placementFactLine
		if err := rows.Scan(&line, &l.placements, &l.days, &l.amount, &l.copayment, &l.net); err != nil {
			t.Fatal(err)
		}
		out[line] = l
	}
	return out
}

// sameAsStatistics checks that a month's facts sum, for each budget line,
// to the statistics' costs (GET /api/v1/institution-statistics's).
func sameAsStatistics(t *testing.T, db *store.DB, month string) store.MonthStatistics {
	t.Helper()
	st, err := db.Statistics(context.Background(), rday(month), "")
	if err != nil {
		t.Fatal(err)
	}
	facts := placementFactLines(t, db, month)
	for _, l := range st.Costs {
		f, ok := facts[l.Line]
		if !ok {
			f = placementFactLine{amount: decimal.Zero, copayment: decimal.Zero, net: decimal.Zero}
		}
		if f.placements != l.Placements || f.days != l.Days || !f.amount.Equal(l.Cost) || !f.copayment.Equal(l.Copayment) || !f.net.Equal(l.Net) {
			t.Errorf("%s %s: facts %+v; statistics %+v", month, l.Line, f, l)
		}
	}
	return st
}

// TestPlacementFactsAsTheStatistics: a placement decided on 10 October,
// admitted on the 18th and discharged on 12 November has, after each
// step, the rows of its months with the days and the cost pro rata; five
// residents admitted in September (one discharged on 1 November: no day
// of it, its discharge only) are written by the daily refresh. Each
// month's facts sum to the statistics' cost of each budget line to the
// cent, a refresh run again changes nothing, and a pivot by budget line
// and month answers the same totals; a family placement of one person is
// suppressed there (<5), with the line it would give away.
func TestPlacementFactsAsTheStatistics(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	in, ps := capacityHome(t, db, 7)
	bed := in.Units[0].Rooms[0].Beds[0].ID
	day := func(s string, h int) time.Time { return rday(s).Add(time.Duration(h) * time.Hour) }

	p, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[0].ID, CentreID: "csr-kotor", InstitutionID: in.ID, BedID: bed,
		State: store.PlacementAccepted, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := institutions.CoPay(institutions.CoPaymentInput{MonthlyCost: decimal.RequireFromString("700"), ResidentIncome: decimal.RequireFromString("380.55"),
		SingleMO: decimal.RequireFromString("87.91")})
	if err != nil {
		t.Fatal(err)
	}
	draft := store.PlacementDraft{MonthlyCost: decimal.RequireFromString("700"), BudgetLine: store.BudgetMaintenanceInHomes, CoPayment: cp}
	if err := db.DraftPlacementDecision(ctx, p.ID, draft, store.PlacementStep{Seq: 1, By: "ana.caseworker", At: day("2026-10-09", 9)}); err != nil {
		t.Fatal(err)
	}
	keep := func(store.PlacementFile) (string, string, error) { return "decisions/p.pdf", "abc", nil }
	if err := db.DecidePlacement(ctx, p.ID, store.PlacementStep{Seq: 2, By: "marko.supervisor", At: day("2026-10-10", 10)}, keep); err != nil {
		t.Fatal(err)
	}
	row := func(month string) (days int, amount, co string, admitted, ended bool) {
		t.Helper()
		var a, c decimal.Decimal
		err := db.Pool().QueryRow(ctx, `SELECT days, amount, copayment, admitted, ended FROM bi_placement_months WHERE placement_id = $1 AND month = $2`,
			p.ID, rday(month)).Scan(&days, &a, &c, &admitted, &ended)
		if err != nil {
			t.Fatalf("the row of %s: %v", month, err)
		}
		return days, a.StringFixed(2), c.StringFixed(2), admitted, ended
	}
	share := func(days, of int, amount decimal.Decimal) string {
		return store.ProRata(amount, days, of).StringFixed(2)
	}
	// Decided, not yet admitted: from the decision, 22 of October's 31 days.
	if d, a, c, adm, end := row("2026-10-01"); d != 22 || a != share(22, 31, draft.MonthlyCost) || c != share(22, 31, cp.Total()) || adm || end {
		t.Errorf("October after the decision: %d days, %s, %s, %v %v", d, a, c, adm, end)
	}
	if err := db.AdmitPlacement(ctx, p.ID, in.ID, rday("2026-10-18"), store.PlacementStep{Seq: 3, By: "rade.gate", At: day("2026-10-18", 11)}); err != nil {
		t.Fatal(err)
	}
	if d, a, _, adm, end := row("2026-10-01"); d != 14 || a != "316.13" || !adm || end { // 14/31 × 700.00 = 316.129..
		t.Errorf("October after the admission: %d days, %s, %v %v", d, a, adm, end)
	}
	if _, err := db.EndPlacement(ctx, p.ID, false, rday("2026-11-12"), "home", store.PlacementStep{Seq: 4, By: "ana.caseworker", At: day("2026-11-12", 12)}); err != nil {
		t.Fatal(err)
	}
	if d, a, c, adm, end := row("2026-11-01"); d != 11 || a != "256.67" || c != share(11, 30, cp.Total()) || adm || !end { // 11/30 × 700.00
		t.Errorf("November after the discharge: %d days, %s, %s, %v %v", d, a, c, adm, end)
	}

	// Five residents since September, 650.00 a month, 200.00 co-payment;
	// the last discharged on 1 November.
	for k := 1; k <= 5; k++ {
		pl := store.Placement{PersonID: ps[k].ID, CentreID: "csr-kotor", InstitutionID: in.ID, State: store.PlacementAdmitted,
			AdmittedOn: dayp("2026-09-15"), CreatedBy: "test"}
		if k == 5 {
			pl.State, pl.EndedOn = store.PlacementDischarged, dayp("2026-11-01")
		}
		x, err := db.InsertPlacement(ctx, pl)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Pool().Exec(ctx, `UPDATE placements SET monthly_cost = 650, copayment = 200, budget_line = $2, decided_on = '2026-09-10' WHERE id = $1`,
			x.ID, store.BudgetMaintenanceInHomes); err != nil {
			t.Fatal(err)
		}
	}
	months := []string{"2026-09-01", "2026-10-01", "2026-11-01"}
	refresh := func() {
		t.Helper()
		for _, m := range months {
			if _, err := db.RefreshPlacementFacts(ctx, rday(m)); err != nil {
				t.Fatal(err)
			}
		}
	}
	refresh()
	var before string
	snapshot := `SELECT string_agg(concat_ws('|', placement_id, month, institution, budget_line, centre, sex, age_band, admitted, ended, days, amount, copayment), ';'
		ORDER BY placement_id, month) FROM bi_placement_months`
	if err := db.Pool().QueryRow(ctx, snapshot).Scan(&before); err != nil {
		t.Fatal(err)
	}
	refresh()
	var after string
	if err := db.Pool().QueryRow(ctx, snapshot).Scan(&after); err != nil || after != before {
		t.Errorf("a second refresh changed the facts:\n%s\n%s", before, after)
	}
	stats := map[string]store.MonthStatistics{}
	for _, m := range months {
		stats[m[:7]] = sameAsStatistics(t, db, m)
	}

	q, err := bi.ParseQuery(bi.PlacementFact, "budget_line,time.month", []string{"time.year=2026"}, "")
	if err != nil {
		t.Fatal(err)
	}
	cells, err := db.Pivot(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 3 {
		t.Fatalf("pivot: %+v", cells)
	}
	for _, c := range cells {
		st := stats[c.Keys[1]]
		l, inst := st.Costs[0], st.Institutions[0]
		if c.Keys[0] != store.BudgetMaintenanceInHomes || c.Suppressed || !c.Amount.Equal(l.Cost) || !c.Copayment.Equal(l.Copayment) || !c.Net.Equal(l.Net) ||
			c.Days != int64(l.Days) || c.Placements != int64(l.Placements) || c.Admissions != int64(inst.Admissions) || c.Discharges != int64(inst.Discharges) {
			t.Errorf("%v: %+v; statistics %+v %+v", c.Keys, c, l, inst)
		}
	}
	if c := cells[2]; c.Persons != 6 || c.Placements != 5 || c.Discharges != 2 || c.Days != 4*30+11 { // November: the one discharged on the 1st has no day
		t.Errorf("November: %+v", c)
	}

	// A family placement of one person in November: its own cell is
	// suppressed, and so November's other line, which would give it away.
	fam, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[6].ID, CentreID: "csr-kotor", State: store.PlacementDecided, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `UPDATE placements SET monthly_cost = 300, copayment = 0, budget_line = $2, decided_on = '2026-11-21' WHERE id = $1`,
		fam.ID, store.BudgetFamilyPlacement); err != nil {
		t.Fatal(err)
	}
	refresh()
	sameAsStatistics(t, db, "2026-11-01")
	if cells, err = db.Pivot(ctx, q); err != nil || len(cells) != 4 || cells[0].Keys[0] != store.BudgetFamilyPlacement || !cells[0].Suppressed ||
		cells[0].Secondary || !cells[3].Suppressed || !cells[3].Secondary {
		t.Errorf("with a family placement: %+v %v", cells, err)
	}
	inst, err := bi.ParseQuery(bi.PlacementFact, "institution", []string{"time.month=2026-10"}, "persons,amount")
	if err != nil {
		t.Fatal(err)
	}
	if cells, err = db.Pivot(ctx, inst); err != nil || len(cells) != 1 || cells[0].Keys[0] != in.ID || cells[0].Persons != 6 {
		t.Errorf("October by institution: %+v %v", cells, err)
	}
}

// TestPlacementFactsWhileStepsRun: the daily refresh of every placement
// runs again and again while a placement is decided, admitted and
// discharged: neither waits for the other forever (a step locks its
// placement, then the month; the refresh takes the month and no
// placement's lock), and the months end as the statistics count them.
func TestPlacementFactsWhileStepsRun(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	in, ps := capacityHome(t, db, 1)
	p, err := db.InsertPlacement(ctx, store.Placement{PersonID: ps[0].ID, CentreID: "csr-kotor", InstitutionID: in.ID,
		BedID: in.Units[0].Rooms[0].Beds[0].ID, State: store.PlacementAccepted, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := institutions.CoPay(institutions.CoPaymentInput{MonthlyCost: decimal.RequireFromString("610"), ResidentIncome: decimal.RequireFromString("300"),
		SingleMO: decimal.RequireFromString("80")})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for _, m := range []string{"2026-10-01", "2026-11-01", "2026-10-01", "2026-11-01", "2026-10-01", "2026-11-01"} {
			if _, err := db.RefreshPlacementFacts(ctx, rday(m)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	at := func(s string) time.Time { return rday(s).Add(9 * time.Hour) }
	draft := store.PlacementDraft{MonthlyCost: decimal.RequireFromString("610"), BudgetLine: store.BudgetMaintenanceInHomes, CoPayment: cp}
	if err := db.DraftPlacementDecision(ctx, p.ID, draft, store.PlacementStep{Seq: 1, By: "ana.caseworker", At: at("2026-10-02")}); err != nil {
		t.Fatal(err)
	}
	keep := func(store.PlacementFile) (string, string, error) { return "decisions/p.pdf", "abc", nil }
	if err := db.DecidePlacement(ctx, p.ID, store.PlacementStep{Seq: 2, By: "marko.supervisor", At: at("2026-10-05")}, keep); err != nil {
		t.Fatal(err)
	}
	if err := db.AdmitPlacement(ctx, p.ID, in.ID, rday("2026-10-07"), store.PlacementStep{Seq: 3, By: "rade.gate", At: at("2026-10-07")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.EndPlacement(ctx, p.ID, true, rday("2026-11-20"), "closer to her son", store.PlacementStep{Seq: 4, By: "ana.caseworker", At: at("2026-11-20")}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"2026-10-01", "2026-11-01"} {
		if _, err := db.RefreshPlacementFacts(ctx, rday(m)); err != nil {
			t.Fatal(err)
		}
		sameAsStatistics(t, db, m)
	}
	var ended bool
	if err := db.Pool().QueryRow(ctx, `SELECT ended FROM bi_placement_months WHERE placement_id = $1 AND month = '2026-11-01'`, p.ID).Scan(&ended); err != nil || !ended {
		t.Errorf("the transfer in November: %v %v", ended, err)
	}
}
