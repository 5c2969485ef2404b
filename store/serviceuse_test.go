package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// useToday is the day the service-use tests run on: the demo contracts
// run from 2026-11-01.
var useToday = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

const sunce = "02655284"

// usePerson records a person with a JMBG of serial.
func usePerson(t *testing.T, db *store.DB, given string, serial int) domain.Person {
	t.Helper()
	j, err := domain.MakeJMBG(time.Date(2015, 4, 2, 0, 0, 0, 0, time.UTC), 21, serial)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := domain.ParseAddress("Podgorica", "Podgorica", "Bulevar Svetog Petra Cetinjskog 3")
	if err != nil {
		t.Fatal(err)
	}
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: given, FamilyName: "Radović", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if p, err = db.CreatePerson(context.Background(), p, "test"); err != nil {
		t.Fatal(err)
	}
	return p
}

// useReferral writes a referral of p from Podgorica to the demo day-care
// contract as the ServiceReferral workflow would, started on started (""
// not started).
func useReferral(t *testing.T, db *store.DB, p domain.Person, started string) int64 {
	t.Helper()
	ctx := context.Background()
	in, err := db.ContractsInForce(ctx, "day_care_disability", "csr-podgorica", useToday)
	if err != nil || len(in) != 1 {
		t.Fatalf("the demo day-care contract: %v, %v", in, err)
	}
	state, on := "referred", any(nil)
	if started != "" {
		state, on = "active", started
	}
	var id int64
	if err := db.Pool().QueryRow(ctx, `INSERT INTO service_referrals (case_number, person_id, centre_id, contract_id, service, state, referred_on, started_on, referred_by)
		VALUES ('C-USE-1', $1, 'csr-podgorica', $2, 'day_care_disability', $3, '2026-10-20', $4, 'ana.caseworker') RETURNING id`,
		p.ID, in[0].ID, state, on).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func useDB(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.NewDB(t)
	if _, err := devstack.LoadDemoServices(context.Background(), db, useToday); err != nil {
		t.Fatal(err)
	}
	return db
}

func useCSV(lines ...string) services.UseBatch {
	return services.ParseUseCSV([]byte(strings.Join(append([]string{strings.Join(services.UseHeader, ",")}, lines...), "\n") + "\n"))
}

func countUse(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM service_use`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRecordServiceUse: an upload with bad rows writes nothing and lists
// every bad row (a person not referred to the provider reads as one not on
// the register, a day before the service started, a referral not started,
// a day twice in the file, a row the file's reading refused); the file
// fixed is written whole; a second record of a day names the record to
// correct; a correction supersedes and quantity 0 cancels; another
// provider's staff reach nobody; the month's effective records count.
func TestRecordServiceUse(t *testing.T) {
	ctx := context.Background()
	db := useDB(t)
	ana, bojan, mia := usePerson(t, db, "Ana", 601), usePerson(t, db, "Bojan", 602), usePerson(t, db, "Mia", 603)
	ref := useReferral(t, db, ana, "2026-11-02")
	useReferral(t, db, mia, "")
	bad := useCSV(
		string(ana.JMBG)+",day_care_disability,2026-11-02,1,,",
		string(ana.JMBG)+",day_care_disability,2026-11-01,1,,",
		string(bojan.JMBG)+",day_care_disability,2026-11-02,1,,",
		string(ana.JMBG)+",day_care_disability,2026-11-02,1,again,",
		string(mia.JMBG)+",day_care_disability,2026-11-02,1,,",
		string(ana.JMBG)+",day_care_disability,2026-11-31,1,,",
		"0000000000000,day_care_disability,2026-11-03,1,,",
	)
	report, err := db.RecordServiceUse(ctx, sunce, bad, store.UseByCSV, "b1", "tamara.sunce", useToday)
	want := []string{
		"line 3: day 2026-11-01 is before the service started on 2026-11-02",
		"line 4: no referral of this person to you for day_care_disability",
		"line 5: 2026-11-02 is a second record of this person's day: line 2 records it already",
		"line 6: the service of this referral has not started: nothing is recorded before it starts",
		"line 7: day 2026-11-31 is not a date (YYYY-MM-DD)",
		"line 8: JMBG \"0000000000000\" is not a JMBG",
	}
	var de *domain.Error
	if domain.ErrorCode(err) != domain.CodeInvalid || !errorAs(err, &de) || len(de.Fields) != len(want) {
		t.Fatalf("bad upload: %v", err)
	}
	for i, w := range want {
		if got := de.Fields[i].Field + ": " + de.Fields[i].Message; !strings.HasPrefix(got, w) {
			t.Errorf("problem %d = %q; want %q", i, got, w)
		}
	}
	if n := countUse(t, db); n != 0 || len(report.Persons) != 3 {
		t.Fatalf("a bad upload wrote %d records; persons named %v", n, report.Persons)
	}

	var lines []string
	for d := 2; d <= 6; d++ {
		lines = append(lines, fmt.Sprintf("%s,day_care_disability,2026-11-%02d,1,,", ana.JMBG, d))
	}
	report, err = db.RecordServiceUse(ctx, sunce, useCSV(lines...), store.UseByCSV, "b2", "tamara.sunce", useToday)
	if err != nil || len(report.Written) != 5 || report.Written[0].ReferralID != ref || report.Written[0].Channel != "csv" || report.Written[4].Batch != "b2" {
		t.Fatalf("good upload: %+v, %v", report, err)
	}
	first := report.Written[0]
	_, err = db.RecordServiceUse(ctx, sunce, useCSV(lines[0]), store.UseByCSV, "b3", "tamara.sunce", useToday)
	if !strings.Contains(domain.ErrorMessage(err), fmt.Sprintf("line 2: 2026-11-02 is a second record of this person's day: correct record %d instead", first.ID)) {
		t.Fatalf("a duplicate day: %v", err)
	}
	// Cancel the 2nd, correct the 3rd with a note.
	fix := useCSV(fmt.Sprintf("%s,day_care_disability,2026-11-02,0,was ill,%d", ana.JMBG, first.ID),
		fmt.Sprintf("%s,day_care_disability,2026-11-03,1,left at noon,%d", ana.JMBG, report.Written[1].ID))
	fixed, err := db.RecordServiceUse(ctx, sunce, fix, store.UseByPage, "", "tamara.sunce", useToday)
	if err != nil || len(fixed.Written) != 2 || *fixed.Written[0].Supersedes != first.ID {
		t.Fatalf("corrections: %+v, %v", fixed, err)
	}
	if _, err := db.RecordServiceUse(ctx, sunce, fix, store.UseByPage, "", "tamara.sunce", useToday); !strings.Contains(domain.ErrorMessage(err),
		fmt.Sprintf("record %d was corrected already by record %d", first.ID, fixed.Written[0].ID)) {
		t.Fatalf("the same correction twice: %v", err)
	}
	nov, _ := domain.ParseMonth("2026-11")
	recs, err := db.ServiceUse(ctx, ref, nov)
	if err != nil || len(recs) != 7 || recs[0].ID != first.ID || recs[0].Effective() || *recs[0].SupersededBy != fixed.Written[0].ID || recs[1].Effective() {
		t.Fatalf("the month's records: %+v, %v", recs, err)
	}
	months, err := db.UseByMonth(ctx, sunce, nov)
	if err != nil || len(months) != 1 || months[0].ID != ref || months[0].Days != 4 || !months[0].Quantity.Equal(decimal.NewFromInt(4)) ||
		months[0].GivenName != "Ana" || !months[0].Rate.Equal(decimal.RequireFromString("12.50")) {
		t.Fatalf("UseByMonth: %+v, %v", months, err)
	}
	if _, err := db.RecordServiceUse(ctx, "02000008", useCSV(lines[4]), store.UseByAPI, "", "dusan.pomoc", useToday); !strings.Contains(domain.ErrorMessage(err),
		"line 2: no referral of this person to you for day_care_disability") {
		t.Fatalf("another provider: %v", err)
	}
	if n := countUse(t, db); n != 7 {
		t.Fatalf("%d records; want 7", n)
	}
}

// TestRecordServiceUseConcurrently: two uploads of the same days at once
// (the provider's software and its staff) write each day once: the
// referral's lock makes the later one see the earlier and refuse it.
func TestRecordServiceUseConcurrently(t *testing.T) {
	ctx := context.Background()
	db := useDB(t)
	ana := usePerson(t, db, "Ana", 611)
	useReferral(t, db, ana, "2026-11-02")
	for d := 2; d <= 11; d++ {
		rows := useCSV(fmt.Sprintf("%s,day_care_disability,2026-11-%02d,1,,", ana.JMBG, d))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = db.RecordServiceUse(ctx, sunce, rows, store.UseByAPI, "", "sunce-system", useToday)
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("day %d: errors %v and %v; want exactly one upload written", d, errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil && !strings.Contains(domain.ErrorMessage(err), "is a second record of this person's day") {
				t.Fatalf("day %d: %v", d, err)
			}
		}
	}
	if n := countUse(t, db); n != 10 {
		t.Fatalf("%d records; want 10", n)
	}
}

func errorAs(err error, target **domain.Error) bool {
	e, ok := err.(*domain.Error)
	if ok {
		*target = e
	}
	return ok
}
