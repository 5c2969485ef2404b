package domain_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestProRata(t *testing.T) {
	nov, _ := domain.ParseMonth("2026-11")
	feb, _ := domain.ParseMonth("2024-02")
	amount := decimal.RequireFromString("87.91")
	end := day("2026-11-10")
	tests := []struct {
		name  string
		from  time.Time
		until *time.Time
		m     domain.Month
		want  string
	}{
		{"whole month", day("2025-01-01"), nil, nov, "87.91"},
		{"starts on the 16th of a 30-day month: 15 days", day("2026-11-16"), nil, nov, "43.96"}, // 43.955 -> 43.96, half away from zero
		{"ends on the 10th: 10 days", day("2025-01-01"), &end, nov, "29.30"},
		{"one day of a leap February", day("2024-02-29"), nil, feb, "3.03"},
		{"starts after the month", day("2026-12-01"), nil, nov, "0.00"},
		{"starts on the first", day("2026-11-01"), nil, nov, "87.91"},
	}
	for _, tt := range tests {
		p := domain.ProRata(amount, tt.from, tt.until, tt.m)
		if p.Amount.StringFixed(2) != tt.want {
			t.Errorf("%s: ProRata = %s; want %s (%v)", tt.name, p.Amount.StringFixed(2), tt.want, p.Lines)
		}
		if len(p.Lines) == 0 {
			t.Errorf("%s: no explanation", tt.name)
		}
	}
}

func TestArrears(t *testing.T) {
	amount := decimal.RequireFromString("100.00")
	nov, _ := domain.ParseMonth("2026-11")
	// A decision in November granting the right from 16 August: August pro
	// rata, September, October and November whole.
	a := domain.Arrears(amount, day("2026-08-16"), nil, nil, nov)
	if len(a) != 4 || a[0].Amount.StringFixed(2) != "51.61" || a[3].Amount.StringFixed(2) != "100.00" {
		t.Fatalf("Arrears = %+v; want Aug 51.61 (16/31), Sep, Oct, Nov 100.00", a)
	}
	sep, _ := domain.ParseMonth("2026-09")
	if a := domain.Arrears(amount, day("2026-08-16"), nil, &sep, nov); len(a) != 2 || a[0].Month.String() != "2026-10" {
		t.Fatalf("Arrears after September was paid = %+v; want October and November", a)
	}
	if a := domain.Arrears(amount, day("2026-08-16"), nil, &nov, nov); len(a) != 0 {
		t.Fatalf("Arrears when all is paid = %+v; want none", a)
	}
	end := day("2026-09-15")
	if a := domain.Arrears(amount, day("2026-08-16"), &end, nil, nov); len(a) != 2 || a[1].Amount.StringFixed(2) != "50.00" {
		t.Fatalf("Arrears of a right that ended on 15 September = %+v; want Aug and half of Sep", a)
	}
	sum := decimal.Zero
	for _, p := range domain.Arrears(decimal.RequireFromString("87.91"), day("2026-01-01"), nil, nil, nov) {
		sum = sum.Add(p.Amount)
	}
	if sum.StringFixed(2) != "967.01" {
		t.Errorf("eleven whole months of 87.91 = %s; want 967.01", sum.StringFixed(2))
	}
}

func TestDeduct(t *testing.T) {
	nov := domain.MonthOf(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	p := domain.ProRata(decimal.RequireFromString("87.91"), nov.First(), nil, nov)
	cases := []struct{ deduct, want string }{
		{"0", "87.91"},      // none
		{"20.00", "67.91"},  // part
		{"87.91", "0.00"},   // all of it
		{"100.00", "0.00"},  // never below zero
		{"10.005", "77.90"}, // the deduction is in cents too: 10.01
	}
	for _, c := range cases {
		got := domain.Deduct(p, decimal.RequireFromString(c.deduct), "recovery")
		if got.Amount.StringFixed(2) != c.want {
			t.Errorf("Deduct(87.91, %s) = %s; want %s", c.deduct, got.Amount.StringFixed(2), c.want)
		}
		if c.deduct != "0" && got.Lines[len(got.Lines)-1].Value != c.want {
			t.Errorf("Deduct(87.91, %s) does not explain itself: %v", c.deduct, got.Lines)
		}
	}
	if len(p.Lines) != 2 {
		t.Errorf("Deduct changed the payment it was given: %v", p.Lines)
	}
}
