package electricity_test

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/electricity"
)

// Valid JMBGs (mod-11 check digit right).
const (
	j1 = "0101990210005"
	j2 = "0202985215008"
	j3 = "0303970260008"
	j4 = "0404960285011"
	j5 = "0505955220000"
)

func holding(person, household string, b benefits.Code, jmbg string) electricity.Holding {
	return electricity.Holding{PersonID: person, HouseholdID: household, Benefit: b, JMBG: jmbg, GivenName: "Ime " + person, FamilyName: "Prezime",
		Municipality: "ME-16", Settlement: "Podgorica", Street: "Njegoševa 1"}
}

// TestHouseholdsByCategory puts each household in the first category that
// fits, one line a household, and counts them.
func TestHouseholdsByCategory(t *testing.T) {
	hs := []electricity.Holding{
		holding("p1", "h1", benefits.MO, j1), holding("p2", "h1", benefits.DNJP, j2), // MO + DNJP in the household: vulnerable
		holding("p3", "h2", benefits.MO, j3),                                        // MO alone
		holding("p4", "h3", benefits.LI, j4),                                        // LI without MO: not on the list
		holding("p5", "h4", benefits.NNJ, j5), holding("p4", "h4", benefits.LI, j4), // a carer's family
		holding("p6", "h5", benefits.BBD, j2),                                                                             // the veterans' supplement
		holding("p7", "h6", benefits.MO, j5), holding("p8", "h6", benefits.LI, j1), holding("p9", "h6", benefits.BBD, j3), // MO + LI wins
	}
	hs[1].Restricted = true
	lines := electricity.Households(hs)
	want := map[string]string{"h1": electricity.Vulnerable, "h2": electricity.MO, "h4": electricity.Carer, "h5": electricity.Veteran, "h6": electricity.Vulnerable}
	if len(lines) != len(want) {
		t.Fatalf("Households = %d lines %+v; want %d", len(lines), lines, len(want))
	}
	for _, l := range lines {
		if want[l.HouseholdID] != l.Category {
			t.Errorf("household %s: category %s; want %s", l.HouseholdID, l.Category, want[l.HouseholdID])
		}
	}
	if lines[0].PersonID != "p1" || !lines[0].Restricted {
		t.Errorf("h1's holder is %s (restricted %v); want p1, the MO holder, restricted by a member", lines[0].PersonID, lines[0].Restricted)
	}
	counts := electricity.Counts(lines)
	if counts[electricity.Vulnerable] != 2 || counts[electricity.MO] != 1 || counts[electricity.Carer] != 1 || counts[electricity.Veteran] != 1 {
		t.Errorf("Counts = %v", counts)
	}
}

// TestListSchema writes a list and reads it back: the version line, the
// header, the lines and the trailer with the counts by category.
func TestListSchema(t *testing.T) {
	lines := electricity.Households([]electricity.Holding{holding("p1", "h1", benefits.MO, j1), holding("p2", "h2", benefits.BBD, j2)})
	lines[0].Street = `Ulica "Slobode", 3`
	data := electricity.WriteList("2026-12", lines)
	rows := strings.Split(strings.TrimSpace(string(data)), "\n")
	if rows[0] != "KARTON-EPCG-LIST,1,2026-12" || rows[1] != strings.Join(electricity.ListHeader, ",") {
		t.Errorf("the list's first lines: %q %q", rows[0], rows[1])
	}
	if got := rows[len(rows)-1]; got != "TRAILER,2,MO_DNJP_LI=0,MO=1,CARER=0,VETERAN=1" {
		t.Errorf("the trailer: %q", got)
	}
	back, err := electricity.ParseList(data, "2026-12")
	if err != nil || len(back) != 2 || back[0].Street != lines[0].Street || back[1].Category != electricity.Veteran {
		t.Fatalf("ParseList = %+v, %v", back, err)
	}
	if _, err := electricity.ParseList(data, "2027-01"); err == nil || !strings.Contains(err.Error(), "not for 2027-01") {
		t.Errorf("a list of another month: %v", err)
	}
}

const goodAnswer = `EPCG-DISCOUNTS,1,2026-12
household_id,jmbg,category,kwh,bill_eur,discount_eur
h1,0101990210005,MO_DNJP_LI,400,40.00,20.00
h2,0303970260008,MO,300,30.00,9.00
h9,0505955220000,MO,250,25.00,7.50
h5,0202985215008,MO,100,10.00,4.50
TRAILER,4,41.00
`

// TestParseDiscountsListsEveryProblem reads a bad answer and names every
// problem by line; a good one is read whole.
func TestParseDiscountsListsEveryProblem(t *testing.T) {
	if ds, err := electricity.ParseDiscounts([]byte(goodAnswer), "2026-12"); err != nil || len(ds) != 4 || !ds[3].Amount.Equal(decimal.RequireFromString("4.5")) {
		t.Fatalf("ParseDiscounts(good) = %+v, %v", ds, err)
	}
	bad := `EPCG-DISCOUNTS,1,2026-11
household_id,jmbg,category,kwh,bill_eur,discount_eur
h1,0101990210004,MO,400,40.00,20.00
h1,0303970260008,GOLD,-3,30.00,9.001
h3,0303970260008,MO,12,10.00,11.00
h4,short
TRAILER,3,1.00
`
	_, err := electricity.ParseDiscounts([]byte(bad), "2026-12")
	if err == nil {
		t.Fatal("a bad answer was read")
	}
	for _, want := range []string{"line 1: the file is for \"2026-11\"", "line 3: JMBG", "line 4: household h1 is on line 3", "line 4: category \"GOLD\"",
		"line 4: kwh", "line 4: discount_eur \"9.001\"", "line 5: the discount 11.00 is more than the bill", "line 6: has 2 fields",
		"trailer: states \"3\" lines; the file has 4", "trailer: states a total of \"1.00\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the problems do not say %q:\n%v", want, err)
		}
	}
	if _, err := electricity.ParseDiscounts([]byte("EPCG-DISCOUNTS,1,2026-12\nhousehold_id,jmbg,category,kwh,bill_eur,discount_eur\n"), "2026-12"); err == nil ||
		!strings.Contains(err.Error(), "no trailer") {
		t.Errorf("an answer without a trailer: %v", err)
	}
}

// TestReconcile finds every kind of mismatch between the list sent and
// the discounts applied, and totals the discounts by category.
func TestReconcile(t *testing.T) {
	sent := []electricity.Line{
		{HouseholdID: "h1", JMBG: j1, Category: electricity.Vulnerable},
		{HouseholdID: "h2", JMBG: j2, Category: electricity.MO},      // answered with another JMBG
		{HouseholdID: "h4", JMBG: j4, Category: electricity.Veteran}, // not discounted
		{HouseholdID: "h5", JMBG: j2, Category: electricity.Carer},   // answered as MO, above the share
	}
	applied, err := electricity.ParseDiscounts([]byte(goodAnswer), "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	r := electricity.Reconcile(sent, applied)
	if r.Sent != 4 || r.Discounted != 4 || !r.Amount.Equal(decimal.RequireFromString("41.00")) {
		t.Errorf("totals: sent %d, discounted %d, %s EUR", r.Sent, r.Discounted, r.Amount)
	}
	var got []string
	for _, m := range r.Mismatches {
		got = append(got, m.HouseholdID+":"+m.Kind)
	}
	want := "h2:holder_differs h4:not_discounted h5:above_share h5:category_differs h9:unknown"
	if strings.Join(got, " ") != want {
		t.Errorf("mismatches %v; want %s", got, want)
	}
	if c := r.Categories[1]; c.Category != electricity.MO || c.Sent != 1 || c.Discounted != 3 || !c.Amount.Equal(decimal.RequireFromString("21.00")) {
		t.Errorf("MO's totals: %+v", c)
	}
}
