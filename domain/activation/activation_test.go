package activation

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func TestDecideTakesEffectNextMonth(t *testing.T) {
	monthly := decimal.RequireFromString("87.91")
	decided := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	c, err := Decide(MeasureReduce, 30, monthly, decided)
	if err != nil {
		t.Fatal(err)
	}
	// 87.91 × 30% = 26.373 → 26.37
	if c.From.String() != "2026-12" || c.Deduction.StringFixed(2) != "26.37" {
		t.Fatalf("reduce: from %s, deduction %s", c.From, c.Deduction)
	}
	if last := c.Lines[len(c.Lines)-1]; last.Value != "61.54" {
		t.Fatalf("lines %v", c.Lines)
	}
	c, err = Decide(MeasureReduce, 50, decimal.RequireFromString("0.01"), decided)
	if err != nil || c.Deduction.StringFixed(2) != "0.01" { // half away from zero
		t.Fatalf("half a cent: %v %v", c.Deduction, err)
	}
	c, err = Decide(MeasureSuspend, 0, monthly, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil || c.From.String() != "2027-01" || !c.Deduction.IsZero() {
		t.Fatalf("suspend: %+v %v", c, err)
	}
	for _, p := range []int{0, 9, 51, 100} {
		if _, err := Decide(MeasureReduce, p, monthly, decided); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("reduce %d%%: %v", p, err)
		}
	}
	if _, err := Decide("fine", 0, monthly, decided); err == nil {
		t.Error("an unknown measure was taken")
	}
}

func TestSchemas(t *testing.T) {
	for _, name := range []string{"referral", "step", "message", "decision"} {
		if !Schemas.Has(name) {
			t.Fatalf("no schema %s", name)
		}
	}
	ok := `{"step_id":"ZZZ-1","kind":"acknowledged","status":"registered","occurred_at":"2026-11-30T10:00:00Z"}`
	if err := Schemas.Validate("step", json.RawMessage(ok)); err != nil {
		t.Fatal(err)
	}
	err := Schemas.Validate("step", json.RawMessage(`{"step_id":"ZZZ-1","kind":"acknowledged","occurred_at":"yesterday"}`))
	msg := err.Error()
	if !strings.Contains(msg, "status") || !strings.Contains(msg, "occurred_at") {
		t.Fatalf("step without status, bad time: %v", err)
	}
	if err := Schemas.Validate("decision", json.RawMessage(`{"measure":"reduce","reasoning":"Refused a suitable job offer."}`)); err == nil || !strings.Contains(err.Error(), "percent") {
		t.Fatalf("reduce without percent: %v", err)
	}
	for kind := range StepNames {
		raw, _ := json.Marshal(map[string]string{"step_id": "x", "kind": kind, "occurred_at": "2026-11-30T10:00:00Z", "status": "registered", "employer": "Plantaže"})
		if err := Schemas.Validate("step", raw); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}
