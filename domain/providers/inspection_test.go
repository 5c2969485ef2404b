package providers

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func fieldsOf(errs []*domain.Error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

// TestCheckFine: a fine needs an amount above zero in euros and cents, at
// most MaxFine, a legal reference, a reason and a due day after today;
// every fault is named.
func TestCheckFine(t *testing.T) {
	today := day("2026-12-01")
	good := Fine{Amount: decimal.RequireFromString("1500.00"), LegalRef: "čl. 185", Reason: "too few staff", DueOn: day("2027-01-31")}
	if errs := CheckFine(good, today); errs != nil {
		t.Errorf("a good fine: %v", errs)
	}
	trailing := good
	trailing.Amount = decimal.RequireFromString("1500.500") // three decimals, the last a zero: cents
	if errs := CheckFine(trailing, today); errs != nil {
		t.Errorf("1500.500: %v", errs)
	}
	for _, c := range []struct {
		amount, ref, reason, due string
		want                     []string
	}{
		{"0", "čl. 185", "x", "2027-01-31", []string{"amount"}},
		{"-5", "čl. 185", "x", "2027-01-31", []string{"amount"}},
		{"12.345", "čl. 185", "x", "2027-01-31", []string{"amount"}},
		{"20000.01", "čl. 185", "x", "2027-01-31", []string{"amount"}},
		{"100", " ", "x", "2027-01-31", []string{"legal_reference"}},
		{"100", "čl. 185", "", "2026-12-01", []string{"reason", "due_on"}},
		{"0", "", "", "", []string{"amount", "legal_reference", "reason", "due_on"}},
	} {
		f := Fine{Amount: decimal.RequireFromString(c.amount), LegalRef: c.ref, Reason: c.reason}
		if c.due != "" {
			f.DueOn = day(c.due)
		}
		if got := fieldsOf(CheckFine(f, today)); !slices.Equal(got, c.want) {
			t.Errorf("CheckFine(%+v) faults on %v; want %v", c, got, c.want)
		}
	}
}

// TestCheckFindings: every point of the checklist once, a note on a fault.
func TestCheckFindings(t *testing.T) {
	var all []Finding
	for _, i := range InspectionChecklist() {
		all = append(all, Finding{Item: i.Code, Compliant: true})
	}
	if errs := CheckFindings(all, "fine"); errs != nil {
		t.Errorf("every point met: %v", errs)
	}
	bad := append([]Finding{{Item: "staffing"}, {Item: "juggling", Compliant: true}}, all[2:]...)
	if got, want := fieldsOf(CheckFindings(bad, "")), []string{"items[0].note", "items[1].item", "items"}; !slices.Equal(got, want) {
		t.Errorf("faults on %v; want %v", got, want)
	}
	twice := append(append([]Finding(nil), all...), all[0])
	if got := fieldsOf(CheckFindings(twice, "")); !slices.Equal(got, []string{"items[5].item"}) {
		t.Errorf("a point answered twice: faults on %v", got)
	}
}

// TestCheckScheduledInspectionAndSuspension: a day not past and within
// the licence, a licence neither withdrawn nor expired.
func TestCheckScheduledInspectionAndSuspension(t *testing.T) {
	today := day("2026-12-01")
	l := Licence{Number: "L-1", Service: "counselling", ValidFrom: day("2025-01-01"), ValidUntil: day("2030-12-31")}
	if errs := CheckScheduledInspection(l, InspectionRegular, day("2026-12-03"), today); errs != nil {
		t.Errorf("a good inspection: %v", errs)
	}
	if got := fieldsOf(CheckScheduledInspection(l, "surprise", day("2031-01-05"), today)); !slices.Equal(got, []string{"kind", "scheduled_on"}) {
		t.Errorf("a bad kind after the licence: faults on %v", got)
	}
	withdrawn := l
	w := day("2026-06-01")
	withdrawn.WithdrawnOn = &w
	if got := fieldsOf(CheckScheduledInspection(withdrawn, InspectionExtraordinary, day("2026-11-01"), today)); !slices.Equal(got, []string{"scheduled_on", "licence"}) {
		t.Errorf("a past day of a withdrawn licence: faults on %v", got)
	}
	if errs := CheckSuspension(l, today, "fire exits", today); errs != nil {
		t.Errorf("a good suspension: %v", errs)
	}
	if got := fieldsOf(CheckSuspension(withdrawn, day("2026-11-30"), "", today)); !slices.Equal(got, []string{"from", "reason", "licence"}) {
		t.Errorf("a bad suspension: faults on %v", got)
	}
}

// TestPlacementServices: only a placement in an institution names a
// provider, of the residential care of its procedure.
func TestPlacementServices(t *testing.T) {
	if got := PlacementServices("P22", "institution_placement"); !slices.Equal(got, []string{"residential_elderly"}) {
		t.Errorf("P22 = %v", got)
	}
	if got := PlacementServices("P03", "institution_placement"); !slices.Equal(got, []string{"residential_children"}) {
		t.Errorf("P03 = %v", got)
	}
	for _, s := range PlacementServices("P03", "institution_placement") {
		if _, ok := ServiceByCode(s); !ok {
			t.Errorf("%s is not in the catalogue", s)
		}
	}
	if got := PlacementServices("P22", "placement_end"); got != nil {
		t.Errorf("an end of placement = %v; want none", got)
	}
}
