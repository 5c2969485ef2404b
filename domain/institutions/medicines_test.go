package institutions

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func medDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func medQty(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestPickBatch: first expiring first among the batches not expired that
// hold the dose; a named batch is taken if it may be (expired: invalid,
// naming it and its expiry; too little: a conflict); no stock left: a
// conflict saying what is.
func TestPickBatch(t *testing.T) {
	batches := []Batch{
		{ID: 1, Number: "LATE", ExpiresOn: medDay("2027-06-01"), Received: medQty("10")},
		{ID: 2, Number: "OLD", ExpiresOn: medDay("2026-11-30"), Received: medQty("10")},
		{ID: 3, Number: "SOON", ExpiresOn: medDay("2026-12-10"), Received: medQty("10"), Dispensed: medQty("9.5")},
		{ID: 4, Number: "EMPTY", ExpiresOn: medDay("2026-12-05"), Received: medQty("3"), WrittenOff: medQty("3")},
	}
	today := medDay("2026-12-01")
	for _, tc := range []struct {
		name, named, qty, want, code, says string
	}{
		{"fefo skips expired, empty and too little", "", "1", "LATE", "", ""},
		{"fefo takes what holds the dose", "", "0.5", "SOON", "", ""},
		{"named", "LATE", "1", "LATE", "", ""},
		{"named expired", "OLD", "1", "", domain.CodeInvalid, "batch OLD of M expired on 2026-11-30"},
		{"named too little", "SOON", "1", "", domain.CodeConflict, "has 0.5 left; the dose needs 1"},
		{"named unknown", "X", "1", "", domain.CodeInvalid, `"X" is not a batch of M`},
		{"more than any batch", "", "11", "", domain.CodeConflict, "no batch of M holds the dose of 11: 10.5 left in all"},
	} {
		b, err := PickBatch("M", batches, medQty(tc.qty), today, tc.named)
		if tc.code == "" && (err != nil || b.Number != tc.want) {
			t.Errorf("%s: %s %v; want %s", tc.name, b.Number, err, tc.want)
		}
		if tc.code != "" && (domain.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.says)) {
			t.Errorf("%s: %v; want %s saying %q", tc.name, err, tc.code, tc.says)
		}
	}
	if _, err := PickBatch("M", batches[1:2], medQty("1"), today, ""); !strings.Contains(err.Error(), "only batch OLD is left, which expired on 2026-11-30") {
		t.Errorf("only expired stock: %v", err)
	}
	if _, err := PickBatch("M", nil, medQty("1"), today, ""); err == nil || err.Error() != "M is out of stock" {
		t.Errorf("no stock: %v", err)
	}
	// The day of expiry itself is still good.
	if b, err := PickBatch("M", batches[1:2], medQty("1"), medDay("2026-11-30"), ""); err != nil || b.Number != "OLD" {
		t.Errorf("on the expiry day: %v", err)
	}
}

// TestWarnings: expired batches with stock, then those expiring within 30
// days, then usable stock below the threshold; empty batches warn of
// nothing.
func TestWarnings(t *testing.T) {
	got := Warnings(Medicine{LowStock: medQty("25")}, []Batch{
		{ID: 1, Number: "B", ExpiresOn: medDay("2026-12-31"), Received: medQty("10")},
		{ID: 2, Number: "A", ExpiresOn: medDay("2026-11-01"), Received: medQty("4")},
		{ID: 3, Number: "C", ExpiresOn: medDay("2027-01-01"), Received: medQty("10")},
		{ID: 4, Number: "D", ExpiresOn: medDay("2026-12-02"), Received: medQty("1"), Dispensed: medQty("1")},
	}, medDay("2026-12-01"))
	var s []string
	for _, w := range got {
		s = append(s, w.Kind+":"+w.Batch+":"+w.Stock.String())
	}
	if want := "expired:A:4 expiring:B:10 low_stock::20"; strings.Join(s, " ") != want {
		t.Errorf("warnings %q, want %q", strings.Join(s, " "), want)
	}
}

func TestCheckReceiptAndTimes(t *testing.T) {
	errs := CheckReceipt(Receipt{Number: "a/b", ExpiresOn: medDay("2026-11-30"), Quantity: medQty("0.001")}, medDay("2026-12-01"))
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if strings.Join(fields, ",") != "batch,expires_on,quantity" {
		t.Errorf("receipt faults: %v", errs)
	}
	times, errs := ParseTimes([]string{"20:00", "08:00", "8:00", "20:00"})
	if strings.Join(times, ",") != "08:00,20:00" || len(errs) != 2 || errs[0].Field != "times.2" || errs[1].Field != "times.3" {
		t.Errorf("times %v, faults %v", times, errs)
	}
	p := Prescription{From: medDay("2026-12-01"), StoppedOn: medPtr(medDay("2026-12-05"))}
	if p.InForce(medDay("2026-11-30")) || !p.InForce(medDay("2026-12-04")) || p.InForce(medDay("2026-12-05")) {
		t.Error("in force from its first day to the day before it was stopped")
	}
}

func medPtr[T any](v T) *T { return &v }
