package services_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
)

func costDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func costDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func costDayPtr(s string) *time.Time {
	t := costDay(s)
	return &t
}

func costNovember() domain.Month { m, _ := domain.ParseMonth("2026-11"); return m }

// TestCostReportAddsUp: a report adds up when each line's amount is its
// units × the contract's rate (to the cent) and the total is the lines'
// sum; otherwise every line at fault is named, and the total.
func TestCostReportAddsUp(t *testing.T) {
	rate := costDec("12.50")
	good := services.CostReport{Month: costNovember(), Lines: []services.CostLine{
		{ReferralID: 1, Units: costDec("20"), Rate: rate, Amount: costDec("250.00")},
		{ReferralID: 2, Units: costDec("2.5"), Rate: rate, Amount: costDec("31.25")},
	}, Total: costDec("281.25")}
	if errs := services.CheckAddsUp(good, rate); len(errs) != 0 {
		t.Fatalf("a report that adds up: %v", errs)
	}
	bad := services.CostReport{Month: costNovember(), Lines: []services.CostLine{
		{ReferralID: 1, Units: costDec("20"), Rate: rate, Amount: costDec("251.00")},
		{ReferralID: 2, Units: costDec("3"), Rate: costDec("13.00"), Amount: costDec("37.50")},
		{ReferralID: 1, Units: costDec("1"), Rate: rate, Amount: costDec("12.50")},
		{ReferralID: 3, Units: costDec("0"), Rate: rate, Amount: costDec("0")},
	}, Total: costDec("100")}
	errs := services.CheckAddsUp(bad, rate)
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	want := "lines[0].amount lines[1].rate lines[2].referral_id lines[3].units total"
	if got := strings.Join(fields, " "); got != want {
		t.Fatalf("faults = %s; want %s (%v)", got, want, errs)
	}
	if !strings.Contains(errs[0].Message, "line 1 comes to EUR 250.00, not 251.00: 20 units × EUR 12.50") {
		t.Errorf("the amount's fault: %s", errs[0].Message)
	}
	huge := services.CostReport{Month: costNovember(), Lines: []services.CostLine{{ReferralID: 1, Units: costDec("1e9999"), Rate: rate,
		Amount: costDec("1e-9999")}}, Total: costDec("1e9999")}
	if errs := services.CheckAddsUp(huge, rate); len(errs) != 2 || errs[0].Field != "lines[0]" || errs[1].Field != "total" {
		t.Errorf("numbers no report carries: %v", errs)
	}
	if errs := services.CheckAddsUp(services.CostReport{Month: costNovember()}, rate); len(errs) != 1 || errs[0].Field != "lines" {
		t.Errorf("an empty report: %v", errs)
	}
}

// TestCostMonthEnded: a month is reported from the first day after it.
func TestCostMonthEnded(t *testing.T) {
	if err := services.CheckMonthEnded(costNovember(), costDay("2026-11-30")); err == nil || !strings.Contains(err.Message, "due from 2026-12-01") {
		t.Fatalf("on the month's last day: %v", err)
	}
	if err := services.CheckMonthEnded(costNovember(), costDay("2026-12-01")); err != nil {
		t.Fatalf("the day after: %v", err)
	}
}

// TestCostFlags: each kind of flag, alone, on the line it concerns.
func TestCostFlags(t *testing.T) {
	one := decimal.NewFromInt(1)
	days := func(ds ...string) []services.UseDay {
		var out []services.UseDay
		for _, d := range ds {
			out = append(out, services.UseDay{Day: costDay(d), Quantity: one})
		}
		return out
	}
	rate := costDec("10")
	line := func(id int64, units string) services.CostLine {
		return services.CostLine{ReferralID: id, Units: costDec(units), Rate: rate, Amount: services.LineAmount(costDec(units), rate)}
	}
	r := services.CostReport{Month: costNovember(), Lines: []services.CostLine{line(1, "2"), line(2, "3"), line(3, "2"), line(4, "2"), line(5, "1")}}
	recs := map[int64]services.LineRecords{
		1: {From: costDayPtr("2026-11-01"), Days: days("2026-11-02", "2026-11-03")},                                   // clean
		2: {From: costDayPtr("2026-11-01"), Days: days("2026-11-02", "2026-11-03")},                                   // claims 3, 2 recorded
		3: {From: costDayPtr("2026-11-10"), Until: costDayPtr("2026-11-20"), Days: days("2026-11-09", "2026-11-21")},  // both outside
		4: {From: costDayPtr("2026-11-01"), DiedOn: costDayPtr("2026-11-12"), Days: days("2026-11-12", "2026-11-13")}, // the 13th after the death
		5: {From: costDayPtr("2026-11-01"), Days: days("2026-11-25")},                                                 // a crowded day
	}
	perDay := map[time.Time]int{costDay("2026-11-25"): 3, costDay("2026-11-02"): 2}
	flags := services.CheckCosts(r, recs, 2, perDay)
	want := []string{"", "units_differ", "outside_referral", "deceased", "over_capacity"}
	for i, w := range want {
		var codes []string
		for _, f := range flags[i] {
			codes = append(codes, f.Code)
			if f.CNR == "" || f.EN == "" || f.CNR == f.EN {
				t.Errorf("line %d flag %s: words %q / %q", i+1, f.Code, f.CNR, f.EN)
			}
		}
		if got := strings.Join(codes, ","); got != w {
			t.Errorf("line %d flags = %s; want %s", i+1, got, w)
		}
	}
	if en := flags[1][0].EN; en != "3 units claimed, 2 recorded" {
		t.Errorf("units' words: %q", en)
	}
	if en := flags[2][0].EN; !strings.Contains(en, "2026-11-09, 2026-11-21") || !strings.Contains(en, "from 2026-11-10 to 2026-11-20") {
		t.Errorf("outside's words: %q", en)
	}
	if cnr := flags[3][0].Words("cnr"); !strings.Contains(cnr, "preminuo 12.11.2026.") || !strings.Contains(cnr, "13.11.") || strings.Contains(cnr, "12.11.,") {
		t.Errorf("death's words: %q", cnr)
	}
	// A referral that never started: every day is outside it.
	never := services.CheckCosts(services.CostReport{Lines: []services.CostLine{line(9, "1")}},
		map[int64]services.LineRecords{9: {Days: days("2026-11-02")}}, 5, nil)
	if len(never[0]) != 1 || never[0][0].Code != services.FlagOutside || !strings.Contains(never[0][0].EN, "never started") {
		t.Errorf("a referral never started: %+v", never)
	}
}

// TestCostExplain: every amount says how it comes about.
func TestCostExplain(t *testing.T) {
	cnr, en := services.Explain(services.CostLine{Units: costDec("22"), Rate: costDec("12.5"), Amount: costDec("275")}, services.UnitDay)
	if cnr != "22 dana × 12,50 € = 275,00 €" || en != "22 days × EUR 12.50 = EUR 275.00" {
		t.Fatalf("Explain = %q, %q", cnr, en)
	}
}
