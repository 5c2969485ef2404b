package sim_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/karton-social/karton/domain/electricity"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/interop/sim"
)

// TestElectricityCompany sends a month's list to the simulated power
// utility with Karton's client: it answers the discounts it applied, the
// same answer to the same list again (taken once), leaves out the
// households it is told to skip, adds unknown ones, answers 202 when
// deferred, 503 when down, and refuses a list it cannot read with 400.
func TestElectricityCompany(t *testing.T) {
	s := sim.NewServer(sim.NewPopulation(1), sim.Faults{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := counterpart.Electricity{URL: srv.URL}
	ctx := context.Background()
	lines := []electricity.Line{
		{HouseholdID: "h1", JMBG: "0101990210005", GivenName: "Ana", FamilyName: "Vuković", Municipality: "ME-16", Settlement: "Podgorica", Category: electricity.Vulnerable},
		{HouseholdID: "h2", JMBG: "0202985215008", GivenName: "Marko", FamilyName: "Marković", Municipality: "ME-02", Settlement: "Bar", Category: electricity.MO},
		{HouseholdID: "h3", JMBG: "0303970260008", GivenName: "Ivan", FamilyName: "Ivanović", Municipality: "ME-12", Settlement: "Nikšić", Category: electricity.Veteran},
	}
	list := electricity.WriteList("2026-12", lines)
	s.SetElectricityKnobs(sim.ElectricityKnobs{Skip: []string{"h2"}, Unknown: 1})
	a, err := c.SendList(ctx, "electricity/2026-12/aaa", list)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := electricity.ParseDiscounts(a.Discounts, "2026-12")
	if err != nil {
		t.Fatalf("the company's answer does not meet the schema: %v\n%s", err, a.Discounts)
	}
	r := electricity.Reconcile(lines, ds)
	var kinds []string
	for _, m := range r.Mismatches {
		kinds = append(kinds, m.HouseholdID+":"+m.Kind)
	}
	if strings.Join(kinds, " ") != "epcg-unknown-1:unknown h2:not_discounted" || r.Discounted != 3 {
		t.Errorf("the answer reconciled: %v, %d discounted", kinds, r.Discounted)
	}
	again, err := c.SendList(ctx, "electricity/2026-12/aaa", list)
	if err != nil || string(again.Discounts) != string(a.Discounts) || s.ElectricityLists() != 1 {
		t.Errorf("the same list again: %v, %d lists taken; want the same answer, one list", err, s.ElectricityLists())
	}
	s.SetElectricityKnobs(sim.ElectricityKnobs{Deferred: true})
	if d, err := c.SendList(ctx, "electricity/2027-01/bbb", electricity.WriteList("2027-01", lines)); err != nil || d.Discounts != nil {
		t.Errorf("deferred: %v, %q; want 202 without discounts", err, d.Discounts)
	}
	s.SetElectricityKnobs(sim.ElectricityKnobs{Down: true})
	var ce *counterpart.Error
	if _, err := c.SendList(ctx, "electricity/2027-02/ccc", list); !errors.As(err, &ce) || ce.Status != http.StatusServiceUnavailable {
		t.Errorf("down: %v; want a 503", err)
	}
	s.SetElectricityKnobs(sim.ElectricityKnobs{})
	if _, err := c.SendList(ctx, "electricity/2027-03/ddd", []byte("KARTON-EPCG-LIST,1,2027-03\nno header\n")); !errors.As(err, &ce) || ce.Status != http.StatusBadRequest ||
		!strings.Contains(string(ce.Body), "trailer") {
		t.Errorf("a bad list: %v; want a 400 naming the problems", err)
	}
	if counterpart.ElectricityPath != "/epcg/subsidy/lists" {
		t.Errorf("the client posts to %s; the simulator serves /epcg/subsidy/lists", counterpart.ElectricityPath)
	}
}

// TestElectricityDiscountWithinShare: the simulated discounts stay within
// each category's largest share, so the reconciliation of an honest
// answer flags none above it.
func TestElectricityDiscountWithinShare(t *testing.T) {
	for _, c := range electricity.Categories() {
		for i := range 200 {
			d := sim.ElectricityDiscount(electricity.Line{HouseholdID: c.Code + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Category: c.Code})
			if !d.Amount.IsPositive() || d.Amount.GreaterThan(d.Bill.Mul(c.MaxShare).Round(2)) {
				t.Fatalf("%s: a discount of %s on a bill of %s", c.Code, d.Amount, d.Bill)
			}
		}
	}
}
