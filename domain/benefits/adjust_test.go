package benefits_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

func date(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }

func adult(id string, rel domain.Relation) benefits.Member {
	return benefits.Member{ID: id, Name: id, BirthDate: date("1970-01-01"), Relation: rel}
}

// TestAdjustWithinTheComputedAmount: the review's "adjust" lowers what
// the law gives and never turns a refusal into a grant; JNP is set within
// its cap (issue 16).
func TestAdjustWithinTheComputedAmount(t *testing.T) {
	params := benefits.MustLoadParams()
	june := date("2024-06-01")
	earner := adult("a", domain.RelationHead)
	earner.NetIncome = decimal.RequireFromString("50")
	twoHomes := []benefits.Member{adult("a", domain.RelationHead), adult("b", domain.RelationSpouse)}
	twoHomes[0].Dwellings, twoHomes[1].Dwellings = 1, 1
	disabled := adult("d", domain.RelationChild)
	disabled.DisabilityPercent = 79
	baby := benefits.Member{ID: "baby", Name: "baby", BirthDate: date("2024-03-01"), Relation: domain.RelationChild}
	jnp := func(req string, grants int) benefits.Situation {
		return benefits.Situation{Period: june, Members: []benefits.Member{adult("a", domain.RelationHead)},
			Declared: benefits.Declared{RequestedAmount: decimal.RequireFromString(req), GrantsThisYear: grants}}
	}
	for _, tc := range []struct {
		name      string
		code      benefits.Code
		s         benefits.Situation
		amount    string
		ok        bool
		complaint string // in the refusal
	}{
		{"MO lowered", benefits.MO, benefits.Situation{Period: june, Members: []benefits.Member{earner}}, "10.00", true, ""},
		{"MO at threshold minus income", benefits.MO, benefits.Situation{Period: june, Members: []benefits.Member{earner}}, "", true, ""},
		{"MO above threshold minus income, below the threshold", benefits.MO, benefits.Situation{Period: june, Members: []benefits.Member{earner}}, "+0.01", false, "only lower"},
		{"MO to a family with two dwellings", benefits.MO, benefits.Situation{Period: june, Members: twoHomes}, "10.00", false, "ineligible"},
		{"LI at 79%", benefits.LI, benefits.Situation{Period: june, Members: []benefits.Member{adult("a", domain.RelationHead), disabled}, Subject: "d"}, "10.00", false, "ineligible"},
		{"ND applied for late", benefits.ND, benefits.Situation{Period: date("2024-03-01"), ApplicationDate: date("2025-03-02"),
			Members: []benefits.Member{adult("m", domain.RelationHead), baby}, Subject: "baby"}, "100.00", false, "ineligible"},
		{"zero", benefits.MO, benefits.Situation{Period: june, Members: []benefits.Member{earner}}, "0", false, "reject"},
		{"three decimals", benefits.MO, benefits.Situation{Period: june, Members: []benefits.Member{earner}}, "10.005", false, "two decimals"},
		{"JNP raised within the cap", benefits.JNP, jnp("150", 0), "400.00", true, ""},
		{"JNP above the cap", benefits.JNP, jnp("150", 0), "400.01", false, "cap"},
		{"JNP amount not set: the caseworker sets it", benefits.JNP, jnp("0", 0), "200.00", true, ""},
		{"JNP asked above the cap: set within it", benefits.JNP, jnp("900", 0), "400.00", true, ""},
		{"JNP after the year's grants", benefits.JNP, jnp("150", 2), "100.00", false, "legal limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := benefits.Calculate(params, tc.code, tc.s)
			if err != nil {
				t.Fatal(err)
			}
			amount := res.Amount
			switch {
			case tc.amount == "":
			case strings.HasPrefix(tc.amount, "+"):
				amount = amount.Add(decimal.RequireFromString(tc.amount[1:]))
			default:
				amount = decimal.RequireFromString(tc.amount)
			}
			err = benefits.CheckAdjustment(tc.code, res.AdjustMax, amount)
			if tc.ok != (err == nil) {
				t.Fatalf("adjust %s of %s (eligible %v, amount %s, max %s, adjust max %s): %v; want ok %v",
					amount, tc.code, res.Eligible, res.Amount, res.Max, res.AdjustMax, err, tc.ok)
			}
			if err == nil {
				return
			}
			var e *domain.Error
			if !strings.Contains(err.Error(), tc.complaint) || domain.ErrorCode(err) != domain.CodeInvalid {
				t.Errorf("refusal %q does not say %q", err, tc.complaint)
			}
			if e, _ = err.(*domain.Error); e == nil || e.Field != "amount" {
				t.Errorf("refusal %v does not name the field amount", err)
			}
		})
	}
}

// TestAdjustMaxOfOldCalculations: a calculation recorded before
// AdjustMax existed is bounded the same way.
func TestAdjustMaxOfOldCalculations(t *testing.T) {
	d := decimal.RequireFromString
	for _, tc := range []struct {
		code             benefits.Code
		eligible         bool
		amount, max, out string
	}{
		{benefits.MO, true, "29.59", "149.59", "29.59"},
		{benefits.MO, false, "0", "149.59", "0"},
		{benefits.JNP, false, "0", "400", "400"},
	} {
		if got := benefits.AdjustMaxOf(tc.code, tc.eligible, d(tc.amount), d(tc.max)); !got.Equal(d(tc.out)) {
			t.Errorf("AdjustMaxOf(%s, %v, %s, %s) = %s; want %s", tc.code, tc.eligible, tc.amount, tc.max, got, tc.out)
		}
	}
}
