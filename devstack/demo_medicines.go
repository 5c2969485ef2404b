package devstack

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
)

// demoMedicine is a medicine of the demo home Grabovac's pharmacy with its
// batches (expiring so many days from today, negative: expired) and the
// times of day it is prescribed at to one of the residents.
type demoMedicine struct {
	medicine institutions.Medicine
	batches  []demoBatch
	times    []string
	dose     string
}

type demoBatch struct {
	number   string
	days     int
	quantity string
}

var demoMedicines = []demoMedicine{
	{institutions.Medicine{Name: "Enalapril", Form: "tablet", Strength: "10 mg", Unit: "piece", LowStock: decimal.NewFromInt(20)},
		[]demoBatch{{"E-2025-118", 20, "10"}, {"E-2026-044", 400, "60"}}, []string{"08:00", "20:00"}, "1"},
	{institutions.Medicine{Name: "Metformin", Form: "tablet", Strength: "500 mg", Unit: "piece", LowStock: decimal.NewFromInt(30)},
		[]demoBatch{{"M-2026-007", 300, "25"}}, []string{"08:00", "14:00", "20:00"}, "1"},
	{institutions.Medicine{Name: "Paracetamol", Form: "tablet", Strength: "500 mg", Unit: "piece", LowStock: decimal.NewFromInt(10)},
		[]demoBatch{{"P-2024-301", -10, "6"}, {"P-2026-120", 500, "100"}}, []string{"08:00"}, "1"},
}

// LoadDemoMedicines stocks the demo home Grabovac's pharmacy (an expired
// batch still in stock, one expiring within 30 days, a medicine below its
// threshold: each warning of the pharmacist's page) and prescribes each
// medicine to one of its residents, unless its catalogue has medicines
// already; returns how many medicines it recorded.
func LoadDemoMedicines(ctx context.Context, db *store.DB, today time.Time) (int, error) {
	const home = "dom-grabovac"
	if list, err := db.Medicines(ctx, home); err != nil || len(list) > 0 {
		return 0, err
	}
	residents, err := db.Residents(ctx, home)
	if err != nil {
		return 0, err
	}
	for i, d := range demoMedicines {
		m, err := db.CreateMedicine(ctx, home, d.medicine, "olivera.pharmacist")
		if err != nil {
			return i, fmt.Errorf("demo medicine %s: %w", d.medicine.Name, err)
		}
		for _, b := range d.batches {
			r := institutions.Receipt{Number: b.number, ExpiresOn: today.AddDate(0, 0, b.days), Quantity: decimal.RequireFromString(b.quantity),
				SupplierNote: "Montefarm"}
			if _, err := db.ReceiveBatch(ctx, home, m.ID, r, today.AddDate(0, -2, 0), "olivera.pharmacist"); err != nil {
				return i, fmt.Errorf("demo batch %s: %w", b.number, err)
			}
		}
		if i >= len(residents) {
			continue
		}
		if _, err := db.CreatePrescription(ctx, home, store.Prescription{PlacementID: residents[i].PlacementID, MedicineID: m.ID,
			Prescription: institutions.Prescription{Dose: decimal.RequireFromString(d.dose), Times: d.times, From: today.AddDate(0, 0, -30)},
			PrescribedBy: "milan.nurse", CreatedBy: "milan.nurse"}); err != nil {
			return i, fmt.Errorf("demo prescription: %w", err)
		}
	}
	return len(demoMedicines), nil
}
