package domain

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestFixed2IsStringFixed(t *testing.T) {
	for _, s := range []string{"0", "0.00", "-0.05", "0.5", "-0.5", "12", "-12", "12.3", "12.34", "-12.34", "1234567.89",
		"12.345", "-12.345", "12.344", "0.005", "-0.005", "999999999999.99", "-999999999999.99", "123456789012345678901234.5",
		"1e3", "-1e3", "1.2e5", "0.000001"} {
		d := decimal.RequireFromString(s)
		if got, want := Fixed2(d), d.StringFixed(2); got != want {
			t.Errorf("Fixed2(%s) = %q; StringFixed(2) = %q", s, got, want)
		}
	}
	for _, d := range []decimal.Decimal{decimal.New(5, 0), decimal.New(-7, -1), decimal.New(123, -2), decimal.New(-1, -2), decimal.Zero,
		decimal.NewFromInt(1 << 50), decimal.New(1<<62, -2), decimal.New(-(1 << 62), -2), decimal.New(3, 2)} {
		if got, want := Fixed2(d), d.StringFixed(2); got != want {
			t.Errorf("Fixed2(%s) = %q; StringFixed(2) = %q", d, got, want)
		}
	}
}

func FuzzFixed2IsStringFixed(f *testing.F) {
	f.Add(int64(1234), int32(-2))
	f.Add(int64(-5), int32(-1))
	f.Fuzz(func(t *testing.T, c int64, e int32) {
		if e < -20 || e > 20 {
			return
		}
		d := decimal.New(c, e)
		if got, want := Fixed2(d), d.StringFixed(2); got != want {
			t.Errorf("Fixed2(%s) = %q; StringFixed(2) = %q", d, got, want)
		}
	})
}

func TestMonthStringIsFormat(t *testing.T) {
	for _, y := range []int{1, 999, 1000, 1999, 2024, 2099, 9999, 10000} {
		for mo := time.January; mo <= time.December; mo++ {
			m := MonthOf(time.Date(y, mo, 17, 0, 0, 0, 0, time.UTC))
			if got, want := m.String(), time.Time(m).Format("2006-01"); got != want {
				t.Errorf("Month(%d, %d).String() = %q; want %q", y, mo, got, want)
			}
		}
	}
}
