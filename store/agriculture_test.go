package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/agriculture"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// agriFile renders rows (JMBG, amount) for month m and parses them.
func agriFile(t *testing.T, m string, rows ...[2]string) ([]byte, agriculture.File, []*domain.Error) {
	t.Helper()
	month, err := domain.ParseMonth(m)
	if err != nil {
		t.Fatal(err)
	}
	var rs []agriculture.Row
	for _, r := range rows {
		rs = append(rs, agriculture.Row{JMBG: domain.JMBG(r[0]), Amount: decimal.RequireFromString(r[1]), Period: month})
	}
	b := agriculture.Write(rs)
	f, faults := agriculture.Parse(b)
	return b, f, faults
}

func month(t *testing.T, s string) domain.Month {
	t.Helper()
	m, err := domain.ParseMonth(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func jmbgOf(t *testing.T, db *store.DB, id domain.PersonID) string {
	t.Helper()
	p, err := db.PersonByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return string(p.JMBG)
}

func agricultureEvidence(t *testing.T, db *store.DB, p domain.PersonID) (domain.AgricultureFact, time.Time, int) {
	t.Helper()
	ev, err := db.Evidence(context.Background(), p, true)
	if err != nil {
		t.Fatal(err)
	}
	var cur domain.AgricultureFact
	var from time.Time
	n := 0
	for _, e := range ev {
		if e.Kind != domain.KindAgriculture {
			continue
		}
		n++
		if n == 1 { // newest first
			if err := json.Unmarshal(e.Value, &cur); err != nil {
				t.Fatal(err)
			}
			from = e.ValidFrom
		}
	}
	return cur, from, n
}

// TestImportAgriculture: a file with faults is refused whole and every
// fault is listed; a good file imports the allowances as evidence with a
// conflict for the MO holder; the same file again is a no-op; another file
// for the same month is refused; the next month ends the allowance of
// whoever it no longer pays.
func TestImportAgriculture(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	holder, farmer := newTestPerson(t, db, 101), newTestPerson(t, db, 102)
	right := grantTestRight(t, db, "MO", "", holder)
	unknown, _ := domain.MakeJMBG(time.Date(1950, 3, 3, 0, 0, 0, 0, time.UTC), 26, 333)
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

	// Bad rows: an unknown JMBG (found by the store) and an amount with
	// three decimals (found by Parse): both listed, nothing imported.
	b, _, _ := agriFile(t, "2026-11", [2]string{jmbgOf(t, db, holder), "207.45"}, [2]string{string(unknown), "207.45"})
	b = []byte(strings.Replace(string(b), jmbgOf(t, db, holder)+";207.45", jmbgOf(t, db, holder)+";207.455", 1))
	f, faults := agriculture.Parse(b)
	_, err := db.ImportAgriculture(ctx, store.AgricultureImport{File: f, Faults: faults, ObjectKey: "k0", ReceivedBy: "test", At: at, RecordRefusal: true})
	de, ok := err.(*domain.Error)
	if !ok || de.Code != domain.CodeInvalid {
		t.Fatalf("a bad file: %v; want invalid", err)
	}
	fields := map[string]bool{}
	for _, x := range de.Fields {
		fields[x.Field] = true
	}
	if !fields["line 3.amount"] || !fields["line 4.jmbg"] {
		t.Errorf("faults = %v; want line 3.amount and line 4.jmbg", de.Fields)
	}
	if _, imported, _ := db.AgricultureImported(ctx, month(t, "2026-11")); imported {
		t.Error("a refused file left the month imported")
	}
	if _, _, n := agricultureEvidence(t, db, holder); n != 0 {
		t.Errorf("a refused file wrote %d evidence records", n)
	}
	files, err := db.AgricultureFiles(ctx)
	if err != nil || len(files) != 1 || files[0].State != "refused" || len(files[0].Faults) != len(de.Fields) {
		t.Fatalf("files = %+v, %v; want the refused one with its report", files, err)
	}

	// A good file: two allowances, one conflict (the MO holder).
	_, good, faults := agriFile(t, "2026-11", [2]string{jmbgOf(t, db, holder), "207.45"}, [2]string{jmbgOf(t, db, farmer), "207.45"})
	res, err := db.ImportAgriculture(ctx, store.AgricultureImport{File: good, Faults: faults, ObjectKey: "k1", ReceivedBy: "test", At: at})
	if err != nil || res.Duplicate || res.File.State != "imported" || res.File.Rows != 2 || !res.File.Total.Equal(decimal.RequireFromString("414.90")) {
		t.Fatalf("a good file = %+v, %v", res, err)
	}
	if len(res.Conflicts) != 1 || res.Conflicts[0].PersonID != holder || res.Conflicts[0].CentreID != "csr-podgorica" ||
		res.Conflicts[0].EntitlementID != right.ID || res.Conflicts[0].Period.String() != "2026-11" {
		t.Errorf("conflicts = %+v; want the holder's MO right", res.Conflicts)
	}
	fact, from, n := agricultureEvidence(t, db, farmer)
	if n != 1 || !fact.FarmerAllowance.Equal(decimal.RequireFromString("207.45")) || from.Format(time.DateOnly) != "2026-11-01" {
		t.Errorf("the farmer's evidence = %+v from %s (%d records)", fact, from, n)
	}

	// The same file again: nothing new.
	again, err := db.ImportAgriculture(ctx, store.AgricultureImport{File: good, ObjectKey: "k1", ReceivedBy: "test", At: at.Add(time.Hour)})
	if err != nil || !again.Duplicate || again.File.ID != res.File.ID || len(again.Conflicts) != 1 {
		t.Errorf("the same file again = %+v, %v; want the first import", again, err)
	}
	if _, _, n := agricultureEvidence(t, db, farmer); n != 1 {
		t.Errorf("the same file again wrote evidence: %d records", n)
	}

	// Another file for November: refused on its period.
	_, other, _ := agriFile(t, "2026-11", [2]string{jmbgOf(t, db, farmer), "210.00"})
	_, err = db.ImportAgriculture(ctx, store.AgricultureImport{File: other, ObjectKey: "k2", ReceivedBy: "test", At: at})
	if code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "imported already") {
		t.Errorf("another file for the same month: %v; want refused on its period", err)
	}

	// December pays only the holder: the farmer's allowance ends.
	_, dec, _ := agriFile(t, "2026-12", [2]string{jmbgOf(t, db, holder), "207.45"})
	if _, err := db.ImportAgriculture(ctx, store.AgricultureImport{File: dec, ObjectKey: "k3", ReceivedBy: "schedule", At: at}); err != nil {
		t.Fatal(err)
	}
	fact, from, _ = agricultureEvidence(t, db, farmer)
	if !fact.FarmerAllowance.IsZero() || from.Format(time.DateOnly) != "2026-12-01" {
		t.Errorf("the farmer's evidence after December = %+v from %s; want no allowance from December", fact, from)
	}
}
