package benefits

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestBounds(t *testing.T) {
	p := MustLoadParams()
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	lo, hi, ok := p.Bounds(MO, day)
	if !ok || lo.String() != "0.01" || hi.String() != "167.14" {
		t.Errorf("MO in November 2026: %s..%s %v", lo, hi, ok)
	}
	lo, hi, ok = p.Bounds(LI, day)
	if !ok || !lo.Equal(hi) || hi.String() != "297.36" {
		t.Errorf("LI: %s..%s %v", lo, hi, ok)
	}
	if lo, hi, ok = p.Bounds(DD, day); !ok || lo.String() != "30" || hi.LessThan(decimal.RequireFromString("150")) {
		t.Errorf("DD: %s..%s %v", lo, hi, ok)
	}
	if _, _, ok := p.Bounds(JNP, day); ok {
		t.Error("one-off assistance has no fixed bounds")
	}
	if _, _, ok := p.Bounds(MO, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("no bounds before the law's first value")
	}
}
