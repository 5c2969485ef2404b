package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// waitingPerson records a person named given Vukić (serial: a unique JMBG).
func waitingPerson(t *testing.T, db *store.DB, given string, serial int) domain.Person {
	t.Helper()
	j, err := domain.MakeJMBG(time.Date(2016, 5, 3, 0, 0, 0, 0, time.UTC), 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := domain.ParseAddress("Podgorica", "Podgorica", "Njegoševa 2")
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: given, FamilyName: "Vukić", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(context.Background(), p, "test"); err != nil {
		t.Fatal(err)
	}
	return p
}

// insertReferral writes a referral as the ServiceReferral workflow would
// (the referral helper owns its transitions): of person from centre to the
// demo contract of service, in state, waiting since the day given ("" none).
func insertReferral(t *testing.T, db *store.DB, p domain.Person, centre, service, state, since string, dv bool) int64 {
	t.Helper()
	var id int64
	var waiting *string
	if since != "" {
		waiting = &since
	}
	err := db.Pool().QueryRow(context.Background(), `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, dv, state,
			referred_on, waiting_since, started_on, referred_by)
		SELECT 'S-TEST-' || $1::text, $1::uuid, $2, c.id, $3, $6, $4, coalesce($5::date, '2026-10-01'), $5::date,
			CASE WHEN $4 = 'active' THEN '2026-10-15'::date END, 'ana.caseworker'
		FROM service_contracts c WHERE c.service = $3 RETURNING id`, p.ID, centre, service, state, waiting, dv).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var waitingToday = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// TestWaitingListOrderPositionsAndDays: the referrals waiting for Sunce's
// day care in the order they came (waiting since, then id), with their
// positions and days waiting, the count and the longest wait; an active
// referral is not on it; Pomoć's home help is a list of its own. The
// provider's staff see by name only whom DelegatedAccessTo lets them (not
// Nikšić's, which gave Sunce no delegation); Podgorica's caseworker sees
// Podgorica's persons by name and the others as a count; a DV referral
// exists only for the DV staff of its centre (and a provider whose
// delegation covers DV): not in anyone else's entries, positions nor
// counts; the ministry counts only.
func TestWaitingListOrderPositionsAndDays(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	if _, err := devstack.LoadDemoServices(ctx, db, waitingToday); err != nil {
		t.Fatal(err)
	}
	ana, bojan, ceca, dara, eva, fil := waitingPerson(t, db, "Ana", 1), waitingPerson(t, db, "Bojan", 2), waitingPerson(t, db, "Ceca", 503),
		waitingPerson(t, db, "Dara", 504), waitingPerson(t, db, "Eva", 505), waitingPerson(t, db, "Filip", 6)
	second := insertReferral(t, db, bojan, "csr-podgorica", "day_care_disability", "waiting", "2026-11-10", false)
	first := insertReferral(t, db, ana, "csr-podgorica", "day_care_disability", "waiting", "2026-10-20", false)
	third := insertReferral(t, db, ceca, "csr-niksic", "day_care_disability", "waiting", "2026-11-10", false) // same day as Bojan: after him (id)
	fourth := insertReferral(t, db, dara, "csr-podgorica", "day_care_disability", "waiting", "2026-11-20", true)
	insertReferral(t, db, eva, "csr-podgorica", "day_care_disability", "active", "2026-10-01", false)
	insertReferral(t, db, fil, "csr-niksic", "home_help_elderly", "waiting", "2026-11-30", false)

	all, err := db.WaitingList(ctx, store.WaitingListViewer{CentreID: "csr-podgorica", DV: true}, "", "", waitingToday)
	if err != nil || len(all) != 2 {
		t.Fatalf("every list: %+v, %v", all, err)
	}
	sunce := all[0]
	if sunce.ProviderPIB != "02655284" || sunce.Service != "day_care_disability" || sunce.Count != 4 || sunce.LongestDays != 42 {
		t.Fatalf("Sunce's list: %s %s count %d longest %d; want 02655284 day care, 4, 42", sunce.ProviderPIB, sunce.Service, sunce.Count, sunce.LongestDays)
	}
	want := []struct {
		id   int64
		pos  int
		days int
	}{{first, 1, 42}, {second, 2, 21}, {fourth, 4, 11}} // Ceca (3rd) is Nikšić's: counted only
	if len(sunce.Entries) != len(want) || sunce.Others != 1 {
		t.Fatalf("Podgorica's DV caseworker sees %d entries and %d others; want 3 and 1", len(sunce.Entries), sunce.Others)
	}
	for i, w := range want {
		e := sunce.Entries[i]
		if e.ReferralID != w.id || e.Position != w.pos || e.Days != w.days || !e.Named || e.ContractNumber == "" {
			t.Errorf("entry %d = referral %d at %d, %d days, named %v; want %d at %d, %d days", i, e.ReferralID, e.Position, e.Days, e.Named, w.id, w.pos, w.days)
		}
	}
	if all[1].ProviderPIB != "02000008" || all[1].Count != 1 || all[1].Others != 1 || len(all[1].Entries) != 0 {
		t.Errorf("Pomoć's home help for Podgorica: %+v", all[1])
	}

	// For a caseworker outside the DV compartment Dara's referral does not exist.
	cw, err := db.WaitingList(ctx, store.WaitingListViewer{CentreID: "csr-podgorica"}, "02655284", "day_care_disability", waitingToday)
	if err != nil || len(cw) != 1 || len(cw[0].Entries) != 2 || cw[0].Others != 1 || cw[0].Count != 3 {
		t.Fatalf("Podgorica's caseworker: %+v, %v", cw, err)
	}

	// Sunce's staff: their list without Dara (a DV referral their
	// delegation does not cover), Ceca (no delegation from Nikšić)
	// unnamed; asking for another provider's list still answers their own.
	staff, err := db.WaitingList(ctx, store.WaitingListViewer{ProviderPIB: "02655284"}, "02000008", "", waitingToday)
	if err != nil || len(staff) != 1 || len(staff[0].Entries) != 3 || staff[0].Count != 3 {
		t.Fatalf("Sunce's staff: %+v, %v", staff, err)
	}
	for _, e := range staff[0].Entries {
		named := e.ReferralID != third
		if e.ReferralID == fourth {
			t.Errorf("Sunce's staff see the DV referral %d", fourth)
		}
		if e.Named != named || (e.GivenName != "") != named || (e.PersonID != "") != named {
			t.Errorf("Sunce's staff: referral %d named %v (%q %q); want named %v", e.ReferralID, e.Named, e.GivenName, e.PersonID, named)
		}
	}
	if staff[0].Entries[2].Position != 3 || staff[0].Entries[2].CentreID != "csr-niksic" {
		t.Errorf("Ceca's entry for Sunce: %+v", staff[0].Entries[2])
	}

	// The ministry: counts and the longest wait only.
	min, err := db.WaitingList(ctx, store.WaitingListViewer{}, "", "day_care_disability", waitingToday)
	if err != nil || len(min) != 1 || min[0].Count != 3 || min[0].LongestDays != 42 || min[0].Entries != nil {
		t.Fatalf("the ministry: %+v, %v", min, err)
	}
}

// TestWaitingListReport: a month not ended, no confirmation and
// differences without a note are one 400 naming each; November reported
// on 3 December holds Karton's list of 30 November (referral ids,
// positions, days; no names) and is on time; reported again: 409; Pomoć's
// report on 7 December is late; a month before the contract owes no
// report (400); the status of November says who reported
// and who is late.
func TestWaitingListReport(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	if _, err := devstack.LoadDemoServices(ctx, db, waitingToday); err != nil {
		t.Fatal(err)
	}
	ana, bojan := waitingPerson(t, db, "Ana", 11), waitingPerson(t, db, "Bojan", 12)
	first := insertReferral(t, db, ana, "csr-podgorica", "day_care_disability", "waiting", "2026-10-20", false)
	insertReferral(t, db, bojan, "csr-podgorica", "day_care_disability", "waiting", "2026-12-01", false) // after November
	no, yes := false, true

	dec3 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	_, err := db.SubmitWaitingListReport(ctx, "02655284", store.WaitingListSubmission{Month: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, "tamara.sunce", dec3)
	if domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "has not ended") || !strings.Contains(err.Error(), "matches") {
		t.Fatalf("December on 3 December without a confirmation: %v", err)
	}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if _, err := db.SubmitWaitingListReport(ctx, "02655284", store.WaitingListSubmission{Month: nov, Matches: &no}, "tamara.sunce", dec3); domain.ErrorCode(err) != domain.CodeInvalid ||
		!strings.Contains(err.Error(), "differences") {
		t.Fatalf("differences without a note: %v", err)
	}
	r, err := db.SubmitWaitingListReport(ctx, "02655284", store.WaitingListSubmission{Month: nov, Matches: &yes}, "tamara.sunce", dec3)
	if err != nil || r.Late || !r.DueOn.Equal(time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)) || len(r.Services) != 1 {
		t.Fatalf("November's report: %+v, %v", r, err)
	}
	s := r.Services[0]
	if s.Service != "day_care_disability" || s.Count != 1 || len(s.Entries) != 1 || s.Entries[0].ReferralID != first || s.Entries[0].Position != 1 || s.Entries[0].Days != 41 {
		t.Errorf("November's list as submitted: %+v; want referral %d at 1, 41 days", s, first)
	}
	if _, err := db.SubmitWaitingListReport(ctx, "02655284", store.WaitingListSubmission{Month: nov, Matches: &yes}, "sunce-system", dec3); domain.ErrorCode(err) != domain.CodeConflict ||
		!strings.Contains(err.Error(), "tamara.sunce") {
		t.Fatalf("November reported twice: %v", err)
	}
	if _, err := db.SubmitWaitingListReport(ctx, "02655284", store.WaitingListSubmission{Month: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Matches: &yes},
		"tamara.sunce", dec3); domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "no contract in force in 2026-09") {
		t.Fatalf("September, before the contract: %v", err)
	}
	dec7 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	status, err := db.WaitingListStatus(ctx, "", nov, dec7)
	if err != nil || len(status) != 2 {
		t.Fatalf("November's status: %+v, %v", status, err)
	}
	for _, st := range status {
		if reported := st.ProviderPIB == "02655284"; (st.Report != nil) != reported || st.Overdue == reported {
			t.Errorf("%s: reported %v, overdue %v", st.ProviderPIB, st.Report != nil, st.Overdue)
		}
	}
	late, err := db.SubmitWaitingListReport(ctx, "02000008", store.WaitingListSubmission{Month: nov, Matches: &no,
		Differences: "Jedna korisnica je odustala 28. novembra."}, "dusan.pomoc", dec7)
	if err != nil || !late.Late || late.Differences == "" || len(late.Services) != 0 {
		t.Fatalf("Pomoć's late report: %+v, %v", late, err)
	}
	if rs, err := db.WaitingListReports(ctx, "", nov); err != nil || len(rs) != 2 {
		t.Errorf("November's reports: %d, %v", len(rs), err)
	}
}

// TestWaitingListReminders: nothing on the 2nd; on the 3rd a reminder to
// each provider with a contract that has not reported the previous
// month; run again that day and the next: nothing twice; from the 6th an
// escalation, to the provider and the centres that referred to it, of the
// provider still not reported only; nothing twice again.
func TestWaitingListReminders(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	if _, err := devstack.LoadDemoServices(ctx, db, waitingToday); err != nil {
		t.Fatal(err)
	}
	insertReferral(t, db, waitingPerson(t, db, "Filip", 21), "csr-niksic", "home_help_elderly", "waiting", "2026-11-30", false)
	day := func(d int) time.Time { return time.Date(2026, 12, d, 5, 45, 0, 0, time.UTC) }
	run := func(d, reminders, escalations int) {
		t.Helper()
		res, err := db.RemindWaitingLists(ctx, day(d))
		if err != nil || res.Reminders != reminders || res.Escalations != escalations || res.Month.Format("2006-01") != "2026-11" {
			t.Fatalf("%d December: %+v, %v; want %d reminders, %d escalations of 2026-11", d, res, err, reminders, escalations)
		}
	}
	run(2, 0, 0)
	run(3, 2, 0)
	run(3, 0, 0)
	run(4, 0, 0)
	yes := true
	if _, err := db.SubmitWaitingListReport(ctx, "02655284", store.WaitingListSubmission{Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Matches: &yes},
		"tamara.sunce", day(4)); err != nil {
		t.Fatal(err)
	}
	run(6, 0, 1)
	run(7, 0, 0)
	ms, err := db.WaitingListReminders(ctx, "02000008", "")
	if err != nil || len(ms) != 2 || ms[0].Kind != store.ReminderKindEscalation || strings.Join(ms[0].SentTo, ",") != "provider:02000008,centre:csr-niksic" ||
		ms[1].Kind != store.ReminderKindReminder || strings.Join(ms[1].SentTo, ",") != "provider:02000008" {
		t.Fatalf("Pomoć's reminders: %+v, %v", ms, err)
	}
	if ms, err := db.WaitingListReminders(ctx, "", "csr-niksic"); err != nil || len(ms) != 1 {
		t.Errorf("Nikšić's escalations: %+v, %v", ms, err)
	}
	if ms, err := db.WaitingListReminders(ctx, "02655284", ""); err != nil || len(ms) != 1 || ms[0].Kind != store.ReminderKindReminder {
		t.Errorf("Sunce reported after its reminder, not escalated: %+v, %v", ms, err)
	}
}

// TestWaitingListOfDVOnly: a list on which only a DV referral waits does
// not exist outside the compartment — no empty row for the caseworker
// outside DV, the ministry or the provider without a DV delegation (it
// would say a hidden referral waits there) — and is not reported; the
// centre's DV caseworker sees it.
func TestWaitingListOfDVOnly(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	if _, err := devstack.LoadDemoServices(ctx, db, waitingToday); err != nil {
		t.Fatal(err)
	}
	insertReferral(t, db, waitingPerson(t, db, "Dara", 21), "csr-podgorica", "home_help_elderly", "waiting", "2026-11-20", true)
	for name, viewer := range map[string]store.WaitingListViewer{
		"the caseworker outside DV": {CentreID: "csr-podgorica"}, "the ministry": {}, "Pomoć's staff": {ProviderPIB: "02000008"},
	} {
		lists, err := db.WaitingList(ctx, viewer, "", "", waitingToday)
		if err != nil || len(lists) != 0 {
			t.Errorf("%s: %+v, %v; want no list", name, lists, err)
		}
	}
	dv, err := db.WaitingList(ctx, store.WaitingListViewer{CentreID: "csr-podgorica", DV: true}, "", "", waitingToday)
	if err != nil || len(dv) != 1 || dv[0].Count != 1 || len(dv[0].Entries) != 1 {
		t.Errorf("the DV caseworker: %+v, %v; want the list of one", dv, err)
	}
}
