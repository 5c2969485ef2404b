package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// medicineHome records an institution id with one room of four beds and
// admits a resident to it (a person of 80); returns the placement.
func medicineHome(t *testing.T, db *store.DB, id string, n int) int64 {
	t.Helper()
	ctx := context.Background()
	p, err := db.CreateProvider(ctx, store.Provider{Name: "Dom " + id, PIB: fmt.Sprintf("0300%04d", n), Street: "Put 1", Municipality: "ME-16",
		FoundedOn: rday("1990-01-01"), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := db.CreateInstitution(ctx, store.Institution{ID: id, Name: "Dom " + id, ProviderID: p.ID, Street: "Put 1", Municipality: "ME-16",
		Units: []store.Unit{{Name: "A", Kind: institutions.KindElderly, CareLevel: 2, Rooms: []store.Room{{Name: "1", Gender: "any",
			Beds: []store.Bed{{Label: "1/A"}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := domain.MakeJMBG(time.Date(1946, 5, 5, 0, 0, 0, 0, time.UTC), 21, 600+n)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "Put 2")
	person, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Milica", FamilyName: "Perović", Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	if person, err = db.CreatePerson(ctx, person, "test"); err != nil {
		t.Fatal(err)
	}
	on := rday("2026-06-01")
	pl, err := db.InsertPlacement(ctx, store.Placement{PersonID: person.ID, CentreID: person.CentreID, InstitutionID: in.ID,
		BedID: in.Units[0].Rooms[0].Beds[0].ID, State: store.PlacementAdmitted, AdmittedOn: &on, CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return pl.ID
}

func medQty(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestMedicineStockByBatch: a catalogue entry once, batches received (a
// number twice is a conflict), stock = received − dispensed − written off,
// the warnings (expired, expiring within 30 days, below the threshold), a
// write-off beyond the stock refused, and another institution's medicine
// not found.
func TestMedicineStockByBatch(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	medicineHome(t, db, "dom-a", 1)
	medicineHome(t, db, "dom-b", 2)
	today := rday("2026-12-01")
	m, err := db.CreateMedicine(ctx, "dom-a", institutions.Medicine{Name: "Metformin", Form: "tablet", Strength: "500 mg", Unit: "piece",
		LowStock: medQty("50")}, "olivera.pharmacist")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateMedicine(ctx, "dom-a", m.Medicine, "olivera.pharmacist"); code(err) != domain.CodeConflict {
		t.Errorf("the same medicine twice: %v", err)
	}
	if _, err := db.CreateMedicine(ctx, "dom-b", m.Medicine, "other"); err != nil {
		t.Errorf("another institution's catalogue: %v", err)
	}
	for _, r := range []institutions.Receipt{
		{Number: "OLD-1", ExpiresOn: rday("2026-11-20"), Quantity: medQty("5")},
		{Number: "SOON-2", ExpiresOn: rday("2026-12-20"), Quantity: medQty("20"), SupplierNote: "Montefarm"},
		{Number: "LATE-3", ExpiresOn: rday("2027-06-30"), Quantity: medQty("20")},
	} {
		if _, err := db.ReceiveBatch(ctx, "dom-a", m.ID, r, today.AddDate(0, -2, 0), "olivera.pharmacist"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ReceiveBatch(ctx, "dom-a", m.ID, institutions.Receipt{Number: "LATE-3", ExpiresOn: rday("2027-01-01"), Quantity: medQty("1")}, today, "x"); code(err) != domain.CodeConflict || !strings.Contains(err.Error(), "LATE-3") {
		t.Errorf("a batch number twice: %v", err)
	}
	if _, err := db.ReceiveBatch(ctx, "dom-b", m.ID, institutions.Receipt{Number: "X", ExpiresOn: rday("2027-01-01"), Quantity: medQty("1")}, today, "x"); code(err) != domain.CodeNotFound {
		t.Errorf("a batch into another institution's medicine: %v", err)
	}
	if _, err := db.WriteOffStock(ctx, "dom-a", m.ID, store.WriteOff{Batch: "SOON-2", Quantity: medQty("21"), Reason: "damaged", WrittenBy: "o"}); code(err) != domain.CodeConflict || !strings.Contains(err.Error(), "has 20 left") {
		t.Errorf("a write-off beyond the stock: %v", err)
	}
	b, err := db.WriteOffStock(ctx, "dom-a", m.ID, store.WriteOff{Batch: "SOON-2", Quantity: medQty("2.5"), Reason: "damaged", Note: "pao na pod", WrittenBy: "o"})
	if err != nil || !b.Stock().Equal(medQty("17.5")) || !b.WrittenOff.Equal(medQty("2.5")) {
		t.Fatalf("write-off: %+v %v", b, err)
	}
	if _, err := db.WriteOffStock(ctx, "dom-b", m.ID, store.WriteOff{Batch: "SOON-2", Quantity: medQty("1"), Reason: "lost", WrittenBy: "o"}); code(err) != domain.CodeNotFound {
		t.Errorf("a write-off from another institution: %v", err)
	}
	if _, err := db.MedicineByID(ctx, "dom-b", m.ID); code(err) != domain.CodeNotFound {
		t.Errorf("another institution's medicine: %v", err)
	}
	list, err := db.Medicines(ctx, "dom-a")
	if err != nil || len(list) != 1 || len(list[0].Batches) != 3 || list[0].Batches[0].Number != "OLD-1" {
		t.Fatalf("catalogue: %+v %v", list, err)
	}
	got := institutions.Warnings(list[0].Medicine, list[0].BatchesOf(), today)
	want := []string{"expired OLD-1 5", "expiring SOON-2 17.5", "low_stock  37.5"}
	if len(got) != len(want) {
		t.Fatalf("warnings: %+v", got)
	}
	for i, w := range got {
		if s := fmt.Sprintf("%s %s %s", w.Kind, w.Batch, w.Stock); s != want[i] {
			t.Errorf("warning %d: %q, want %q", i, s, want[i])
		}
	}
}

// prescribe adds medicine with a batch per (number, expiry, quantity) and
// prescribes it to the resident at 08:00 and 20:00.
func prescribe(t *testing.T, db *store.DB, inst string, placement int64, batches ...institutions.Receipt) store.Prescription {
	t.Helper()
	ctx := context.Background()
	m, err := db.CreateMedicine(ctx, inst, institutions.Medicine{Name: "Enalapril", Form: "tablet", Strength: "10 mg", Unit: "piece"}, "olivera.pharmacist")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range batches {
		if _, err := db.ReceiveBatch(ctx, inst, m.ID, r, rday("2026-10-01"), "olivera.pharmacist"); err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.CreatePrescription(ctx, inst, store.Prescription{PlacementID: placement, MedicineID: m.ID,
		Prescription: institutions.Prescription{Dose: medQty("1"), Times: []string{"08:00", "20:00"}, From: rday("2026-11-01")},
		PrescribedBy: "milan.nurse", CreatedBy: "milan.nurse"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDoseFirstExpiringFirst: a dose comes from the batch expiring first
// that is not expired, unless the nurse names one; a named expired batch
// is refused naming the batch and its expiry; a time of day is given once;
// the round shows each time given or not; a stopped prescription gives no
// more doses; another institution's resident is not found.
func TestDoseFirstExpiringFirst(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	res := medicineHome(t, db, "dom-a", 1)
	other := medicineHome(t, db, "dom-b", 2)
	p := prescribe(t, db, "dom-a", res,
		institutions.Receipt{Number: "E-0", ExpiresOn: rday("2026-11-30"), Quantity: medQty("30")},
		institutions.Receipt{Number: "L-2", ExpiresOn: rday("2027-05-01"), Quantity: medQty("30")},
		institutions.Receipt{Number: "S-1", ExpiresOn: rday("2027-01-15"), Quantity: medQty("30")})
	at := time.Date(2026, 12, 1, 8, 5, 0, 0, time.UTC)
	d, err := db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-a", Placement: res, PrescriptionID: p.ID, DueTime: "08:00", At: at, By: "milan.nurse"})
	if err != nil || d.Batch != "S-1" || !d.Quantity.Equal(medQty("1")) {
		t.Fatalf("FEFO dose: %+v %v", d, err)
	}
	_, err = db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-a", Placement: res, PrescriptionID: p.ID, DueTime: "08:00", At: at, By: "milan.nurse"})
	if code(err) != domain.CodeConflict || !strings.Contains(err.Error(), "already given") {
		t.Errorf("08:00 twice: %v", err)
	}
	_, err = db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-a", Placement: res, PrescriptionID: p.ID, Batch: "E-0", DueTime: "20:00", At: at, By: "milan.nurse"})
	if code(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "batch E-0") || !strings.Contains(err.Error(), "2026-11-30") {
		t.Errorf("a dose from an expired batch: %v", err)
	}
	_, err = db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-a", Placement: res, PrescriptionID: p.ID, DueTime: "12:00", At: at, By: "milan.nurse"})
	if code(err) != domain.CodeInvalid {
		t.Errorf("a time the prescription does not have: %v", err)
	}
	d, err = db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-a", Placement: res, PrescriptionID: p.ID, Batch: "L-2", Quantity: medQty("0.5"), DueTime: "20:00", At: at.Add(12 * time.Hour), By: "milan.nurse"})
	if err != nil || d.Batch != "L-2" {
		t.Fatalf("a named batch: %+v %v", d, err)
	}
	if _, err := db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-b", Placement: res, PrescriptionID: p.ID, At: at, By: "x"}); code(err) != domain.CodeNotFound {
		t.Errorf("another institution's resident: %v", err)
	}
	if _, err := db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-b", Placement: other, PrescriptionID: p.ID, At: at, By: "x"}); code(err) != domain.CodeInvalid {
		t.Errorf("another resident's prescription: %v", err)
	}
	due, err := db.DueDoses(ctx, "dom-a", 0, at)
	if err != nil || len(due) != 2 || due[0].Time != "08:00" || due[0].Given == nil || due[1].Given == nil || due[1].Given.Batch != "L-2" {
		t.Fatalf("the round: %+v %v", due, err)
	}
	if due, _ := db.DueDoses(ctx, "dom-a", 0, at.AddDate(0, 0, 1)); len(due) != 2 || due[0].Given != nil {
		t.Errorf("the next day's round: %+v", due)
	}
	if _, err := db.StopPrescription(ctx, res, p.ID, at.AddDate(0, 0, 1), "milan.nurse"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StopPrescription(ctx, res, p.ID, at.AddDate(0, 0, 1), "milan.nurse"); code(err) != domain.CodeConflict {
		t.Errorf("stopped twice: %v", err)
	}
	if due, _ := db.DueDoses(ctx, "dom-a", 0, at.AddDate(0, 0, 1)); len(due) != 0 {
		t.Errorf("a stopped prescription is due: %+v", due)
	}
	if _, err := db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-a", Placement: res, PrescriptionID: p.ID, At: at.AddDate(0, 0, 2), By: "x"}); code(err) != domain.CodeConflict {
		t.Errorf("a dose of a stopped prescription: %v", err)
	}
	m, _ := db.MedicineByID(ctx, "dom-a", p.MedicineID)
	for _, b := range m.Batches {
		want := map[string]string{"E-0": "30", "S-1": "29", "L-2": "29.5"}[b.Number]
		if b.Stock().String() != want {
			t.Errorf("batch %s: stock %s, want %s", b.Number, b.Stock(), want)
		}
	}
}

// TestDispensingNeverNegative: 40 nurses give a dose at once from a
// medicine with 12 left in two batches (one expired, holding 5 more):
// exactly 12 doses are recorded, the stock ends at exactly 0, the expired
// batch is untouched, and each of the other 28 is a conflict saying the
// medicine is out of stock.
func TestDispensingNeverNegative(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	res := medicineHome(t, db, "dom-a", 1)
	p := prescribe(t, db, "dom-a", res,
		institutions.Receipt{Number: "OLD", ExpiresOn: rday("2026-11-01"), Quantity: medQty("5")},
		institutions.Receipt{Number: "A", ExpiresOn: rday("2027-01-01"), Quantity: medQty("7")},
		institutions.Receipt{Number: "B", ExpiresOn: rday("2027-03-01"), Quantity: medQty("5")})
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	const nurses = 40
	var wg sync.WaitGroup
	errs := make([]error, nurses)
	start := make(chan struct{})
	for i := range nurses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = db.GiveDose(ctx, store.GiveDoseInput{Institution: "dom-a", Placement: res, PrescriptionID: p.ID, At: at, By: fmt.Sprintf("nurse-%d", i)})
		}()
	}
	close(start)
	wg.Wait()
	given := 0
	for _, err := range errs {
		switch {
		case err == nil:
			given++
		case code(err) != domain.CodeConflict || !strings.Contains(err.Error(), "out of stock") || !strings.Contains(err.Error(), "expired on 2026-11-01"):
			t.Errorf("a refused dose: %v", err)
		}
	}
	if given != 12 {
		t.Errorf("%d doses given from 12 in stock", given)
	}
	m, err := db.MedicineByID(ctx, "dom-a", p.MedicineID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range m.Batches {
		want := map[string]string{"OLD": "5", "A": "0", "B": "0"}[b.Number]
		if b.Stock().String() != want || b.Stock().IsNegative() {
			t.Errorf("batch %s: stock %s (dispensed %s), want %s", b.Number, b.Stock(), b.Dispensed, want)
		}
	}
	if d, _ := db.Doses(ctx, res, at); len(d) != 12 {
		t.Errorf("%d doses recorded", len(d))
	}
}
