package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

func allCompliant() []providers.Finding {
	var out []providers.Finding
	for _, i := range providers.InspectionChecklist() {
		out = append(out, providers.Finding{Item: i.Code, Compliant: true})
	}
	return out
}

// TestInspectionsAndFines schedules an inspection, records its findings,
// proposes a fine (one without a legal reference refused with nothing
// written), has it decided by a second officer only, appealed in time and
// the appeal decided.
func TestInspectionsAndFines(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	p, err := db.CreateProvider(ctx, store.Provider{Name: "Dom Sunce", PIB: "02655284", Street: "Njegoševa 1", Municipality: "ME-16",
		FoundedOn: rday("2020-02-01"), CreatedBy: "goran.ministry"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddLicence(ctx, p.ID, licenceOf("L-1", "residential_elderly", "2025-01-01")); err != nil {
		t.Fatal(err)
	}
	today := rday("2026-12-01")
	if _, err := db.ScheduleInspection(ctx, p.ID, "L-1", "surprise", rday("2026-11-01"), today, "goran.ministry"); code(err) != domain.CodeInvalid {
		t.Errorf("a bad kind in the past: %v; want invalid", err)
	} else if de := err.(*domain.Error); len(de.Fields) != 2 {
		t.Errorf("a bad kind in the past: %v; want two faults", err)
	}
	if _, err := db.ScheduleInspection(ctx, p.ID, "L-NONE", "regular", today, today, "goran.ministry"); code(err) != domain.CodeNotFound {
		t.Errorf("an inspection of no licence: %v; want not found", err)
	}
	i, err := db.ScheduleInspection(ctx, p.ID, "L-1", "regular", rday("2026-12-03"), today, "goran.ministry")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordFindings(ctx, p.ID, "L-1", i.ID, allCompliant(), "", "goran.ministry", today); code(err) != domain.CodeConflict {
		t.Errorf("findings before the day: %v; want a conflict", err)
	}
	inspected := rday("2026-12-03")
	findings := allCompliant()
	findings[0] = providers.Finding{Item: findings[0].Item, Compliant: false}
	if _, err := db.RecordFindings(ctx, p.ID, "L-1", i.ID, findings[:3], "", "goran.ministry", inspected); code(err) != domain.CodeInvalid {
		t.Errorf("findings with a fault and two points missing: %v; want invalid", err)
	}
	findings[0].Note = "two carers for 40 residents at night"
	fine := providers.Fine{Amount: decimal.RequireFromString("1500.00"), LegalRef: "Zakon o socijalnoj i dječjoj zaštiti, čl. 185", Reason: "too few staff", DueOn: rday("2027-01-31")}
	if _, err := db.ProposeFine(ctx, p.ID, "L-1", i.ID, fine, "goran.ministry", inspected); code(err) != domain.CodeConflict {
		t.Errorf("a fine before the findings: %v; want a conflict", err)
	}
	if i, err = db.RecordFindings(ctx, p.ID, "L-1", i.ID, findings, "staffing below the standard", "goran.ministry", inspected); err != nil {
		t.Fatal(err)
	}
	if len(i.Findings) != 5 || i.Findings[0].Compliant || i.InspectedOn == nil {
		t.Errorf("the findings: %+v", i)
	}
	noRef := fine
	noRef.LegalRef = " "
	if _, err := db.ProposeFine(ctx, p.ID, "L-1", i.ID, noRef, "goran.ministry", inspected); field(err) != "legal_reference" {
		t.Errorf("a fine without a legal reference: %v; want a fault on legal_reference", err)
	}
	if i, err = db.ProposeFine(ctx, p.ID, "L-1", i.ID, fine, "goran.ministry", inspected); err != nil {
		t.Fatal(err)
	}
	if len(i.Fines) != 1 || i.Fines[0].State != "proposed" || !i.Fines[0].Amount.Equal(decimal.NewFromInt(1500)) {
		t.Fatalf("the fine: %+v", i.Fines)
	}
	fid := i.Fines[0].ID
	if _, err := db.DecideFine(ctx, p.ID, "L-1", fid, "goran.ministry", inspected); code(err) != domain.CodeForbidden {
		t.Errorf("the proposer decides: %v; want forbidden", err)
	}
	if i, err = db.DecideFine(ctx, p.ID, "L-1", fid, "jovana.ministry", inspected); err != nil {
		t.Fatal(err)
	}
	if f := i.Fines[0]; f.State != "decided" || f.AppealUntil == nil || !f.AppealUntil.Equal(rday("2026-12-18")) {
		t.Errorf("the decided fine: %+v", f)
	}
	if _, err := db.DecideFine(ctx, p.ID, "L-1", fid, "jovana.ministry", inspected); code(err) != domain.CodeConflict {
		t.Errorf("deciding again: %v; want a conflict", err)
	}
	if _, err := db.FileFineAppeal(ctx, p.ID, "L-1", fid, rday("2026-12-19"), "", "goran.ministry", rday("2026-12-20")); field(err) != "filed_on" {
		t.Errorf("an appeal after the deadline: %v; want a fault on filed_on", err)
	}
	if _, err = db.FileFineAppeal(ctx, p.ID, "L-1", fid, rday("2026-12-10"), "staff hired since", "goran.ministry", rday("2026-12-11")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideFineAppeal(ctx, p.ID, "L-1", fid, "changed", decimal.NullDecimal{}, "goran.ministry", rday("2026-12-20")); field(err) != "amount" {
		t.Errorf("changed without an amount: %v; want a fault on amount", err)
	}
	if _, err := db.DecideFineAppeal(ctx, p.ID, "L-1", fid, "upheld", decimal.NullDecimal{}, "jovana.ministry", rday("2026-12-20")); code(err) != domain.CodeForbidden {
		t.Errorf("the officer who decided the fine decides its appeal: %v; want forbidden", err)
	}
	i, err = db.DecideFineAppeal(ctx, p.ID, "L-1", fid, "changed", decimal.NewNullDecimal(decimal.RequireFromString("800")), "goran.ministry", rday("2026-12-20"))
	if err != nil {
		t.Fatal(err)
	}
	if a := i.Fines[0].Appeal; a == nil || a.Outcome != "changed" || !a.Amount.Decimal.Equal(decimal.NewFromInt(800)) {
		t.Errorf("the appeal: %+v", a)
	}
	_, s, err := db.ProviderSupervision(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The licence was recorded today, by the clock, and the rest on the
	// test's days: where the licence falls among them depends on the
	// day the test runs, so it is counted apart.
	var kinds []string
	licences := 0
	for i, e := range s.History {
		if i > 0 && e.Day.Before(s.History[i-1].Day) {
			t.Errorf("history not in order of day: %s on %v after %v", e.Kind, e.Day, s.History[i-1].Day)
		}
		if e.Kind == "licence_recorded" {
			licences++
			continue
		}
		kinds = append(kinds, e.Kind)
	}
	want := []string{"inspection_scheduled", "findings_recorded", "fine_proposed", "fine_decided", "fine_appealed", "appeal_decided"}
	if licences != 1 || !slices.Equal(kinds, want) {
		t.Errorf("history = %v and %d licences; want the licence once and %v", kinds, licences, want)
	}
}

// TestSuspensionAndInForce suspends a licence, lifts it, withdraws
// another, and asks which providers are in force on which day: a
// suspended or withdrawn licence is not, a lifted suspension no more
// covers the days after it.
func TestSuspensionAndInForce(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	a, err := db.CreateProvider(ctx, store.Provider{Name: "Dom A", PIB: "02655284", Street: "Njegoševa 1", Municipality: "ME-16", FoundedOn: rday("2020-02-01"), CreatedBy: "x"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateProvider(ctx, store.Provider{Name: "Dom B", PIB: "02000008", Street: "Slobode 2", Municipality: "ME-02", FoundedOn: rday("2020-02-01"), CreatedBy: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		id     int64
		number string
	}{{a.ID, "L-A"}, {b.ID, "L-B"}} {
		if _, err := db.AddLicence(ctx, x.id, licenceOf(x.number, "residential_elderly", "2025-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	today := rday("2026-12-01")
	inForce := func(day string) []string {
		t.Helper()
		ps, err := db.ProvidersInForce(ctx, []string{"residential_elderly"}, rday(day))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range ps {
			names = append(names, p.Name)
		}
		return names
	}
	if got := inForce("2026-12-01"); len(got) != 2 {
		t.Fatalf("in force = %v; want both", got)
	}
	if _, err := db.SuspendLicence(ctx, a.ID, "L-A", rday("2026-11-01"), "", "goran.ministry", today); code(err) != domain.CodeInvalid {
		t.Errorf("a suspension in the past without a reason: %v; want invalid", err)
	}
	got, err := db.SuspendLicence(ctx, a.ID, "L-A", rday("2026-12-05"), "fire exits blocked", "goran.ministry", today)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Licences[0].State(rday("2026-12-05")); s != providers.Suspended {
		t.Errorf("state on the 5th = %s; want suspended", s)
	}
	if _, err := db.SuspendLicence(ctx, a.ID, "L-A", rday("2026-12-06"), "again", "goran.ministry", today); code(err) != domain.CodeConflict {
		t.Errorf("suspending a suspended licence: %v; want a conflict", err)
	}
	if got := inForce("2026-12-04"); len(got) != 2 {
		t.Errorf("in force the day before the suspension = %v; want both", got)
	}
	if got := inForce("2026-12-05"); len(got) != 1 || got[0] != "Dom B" {
		t.Errorf("in force under the suspension = %v; want Dom B", got)
	}
	if _, ok, err := db.LicenceInForce(ctx, a.ID, []string{"residential_elderly"}, rday("2026-12-05")); err != nil || ok {
		t.Errorf("LicenceInForce under the suspension = %v, %v; want false", ok, err)
	}
	if got, err = db.LiftSuspension(ctx, a.ID, "L-A", "exits cleared", "jovana.ministry", rday("2026-12-09")); err != nil {
		t.Fatal(err)
	}
	if s := got.Licences[0].State(rday("2026-12-09")); s != providers.Active {
		t.Errorf("state after lifting = %s; want active", s)
	}
	if _, err := db.LiftSuspension(ctx, a.ID, "L-A", "", "jovana.ministry", rday("2026-12-10")); code(err) != domain.CodeConflict {
		t.Errorf("lifting twice: %v; want a conflict", err)
	}
	if got := inForce("2026-12-08"); len(got) != 1 {
		t.Errorf("in force on a day of the lifted suspension = %v; want Dom B only", got)
	}
	if got := inForce("2026-12-09"); len(got) != 2 {
		t.Errorf("in force from the lifting = %v; want both", got)
	}
	if _, err := db.WithdrawLicence(ctx, b.ID, "L-B", rday("2026-12-10"), "no staff", "goran.ministry"); err != nil {
		t.Fatal(err)
	}
	if got := inForce("2026-12-10"); len(got) != 1 || got[0] != "Dom A" {
		t.Errorf("in force after B's withdrawal = %v; want Dom A", got)
	}
	if _, ok, err := db.LicenceInForce(ctx, b.ID, []string{"residential_elderly"}, rday("2026-12-10")); err != nil || ok {
		t.Errorf("LicenceInForce of the withdrawn = %v, %v; want false", ok, err)
	}
	if _, ok, err := db.LicenceInForce(ctx, a.ID, []string{"counselling"}, rday("2026-12-10")); err != nil || ok {
		t.Errorf("LicenceInForce for a service A is not licensed for = %v, %v; want false", ok, err)
	}
	if _, _, err := db.LicenceInForce(ctx, 999999, []string{"residential_elderly"}, today); code(err) != domain.CodeNotFound {
		t.Errorf("LicenceInForce of no provider: %v; want not found", err)
	}
	_, s, err := db.ProviderSupervision(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Suspensions) != 1 || s.Suspensions[0].LiftedOn == nil {
		t.Errorf("suspensions = %+v", s.Suspensions)
	}
}
