package domain

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

func TestMonthlyOwedMidMonthIndexation(t *testing.T) {
	tl := Timeline{
		{Seq: 1, From: day("2024-01-01"), Amount: decimal.RequireFromString("76.56"), State: RightActive, Reason: ReasonGrant, Ref: "CSR-PG/2024/1"},
		{Seq: 2, From: day("2024-02-17"), Amount: decimal.RequireFromString("87.91"), State: RightActive, Reason: ReasonIndexation},
	}
	jan := tl.MonthlyOwed(MonthOf(day("2024-01-01")))
	if jan.Amount.StringFixed(2) != "76.56" {
		t.Fatalf("January: %s", jan.Amount)
	}
	feb := tl.MonthlyOwed(MonthOf(day("2024-02-01")))
	// 76.56*16/29 = 42.24, 87.91*13/29 = 39.41
	if feb.Amount.StringFixed(2) != "81.65" {
		t.Fatalf("February: %s %v", feb.Amount, feb.Lines)
	}
	if !strings.Contains(feb.Lines[0].What, "16 of 29") || !strings.Contains(feb.Lines[1].What, "13 of 29") {
		t.Fatalf("lines: %v", feb.Lines)
	}
	if mar := tl.MonthlyOwed(MonthOf(day("2024-03-01"))); mar.Amount.StringFixed(2) != "87.91" {
		t.Fatalf("March: %s", mar.Amount)
	}
}

func TestLaterVersionOverridesAndEnds(t *testing.T) {
	tl := Timeline{
		{Seq: 1, From: day("2024-01-01"), Amount: decimal.NewFromInt(100), State: RightActive, Reason: ReasonGrant},
		// an appeal changes the decision from its start
		{Seq: 2, From: day("2024-01-01"), Amount: decimal.NewFromInt(120), State: RightActive, Reason: ReasonAppeal},
		// death on 10 March: ended from the 11th
		{Seq: 3, From: day("2024-03-11"), Amount: decimal.Zero, State: RightEnded, Reason: ReasonDeath},
	}
	if got := tl.MonthlyOwed(MonthOf(day("2024-01-01"))).Amount.StringFixed(2); got != "120.00" {
		t.Fatalf("January after appeal: %s", got)
	}
	if got := tl.MonthlyOwed(MonthOf(day("2024-03-01"))).Amount.StringFixed(2); got != "38.71" { // 120*10/31
		t.Fatalf("March: %s", got)
	}
	if got := tl.MonthlyOwed(MonthOf(day("2024-04-01"))).Amount; !got.IsZero() {
		t.Fatalf("April: %s", got)
	}
	if cur, _ := tl.Current(); cur.State != RightEnded {
		t.Fatalf("current: %+v", cur)
	}
	if tl.Next() != 4 {
		t.Fatal(tl.Next())
	}
}

func TestSettle(t *testing.T) {
	owed := MonthlyPayment{Month: MonthOf(day("2024-02-01")), Amount: decimal.RequireFromString("81.65")}
	pay, over, lines := Settle(owed, decimal.RequireFromString("76.56"))
	if pay.StringFixed(2) != "5.09" || !over.IsZero() || len(lines) != 2 {
		t.Fatal(pay, over, lines)
	}
	pay, over, _ = Settle(owed, decimal.RequireFromString("90"))
	if !pay.IsZero() || over.StringFixed(2) != "8.35" {
		t.Fatal(pay, over)
	}
}

func TestOneOffOwedOnce(t *testing.T) {
	tl := Timeline{{Seq: 1, From: day("2024-05-20"), Amount: decimal.RequireFromString("450"), State: RightActive, Reason: ReasonGrant}}
	if got := tl.OneOffOwed(MonthOf(day("2024-05-01"))).Amount.StringFixed(2); got != "450.00" {
		t.Fatal(got)
	}
	if got := tl.OneOffOwed(MonthOf(day("2024-06-01"))).Amount; !got.IsZero() {
		t.Fatal(got)
	}
}

func TestPayablePeriod(t *testing.T) {
	today := day("2026-11-30")
	for _, c := range []struct {
		m  string
		ok bool
	}{{"2026-10", true}, {"2026-11", true}, {"2026-12", false}, {"2099-01", false}} {
		m, _ := ParseMonth(c.m)
		if err := PayablePeriod(m, today, 15); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.m, err)
		}
	}
	m, _ := ParseMonth("2026-11")
	if err := PayablePeriod(m, day("2026-11-10"), 15); err == nil || ErrorCode(err) != CodeInvalid {
		t.Fatalf("before the payment day: %v", err)
	}
}

// TestWholeMonthShortcutIsTheDayWalk: for random timelines (versions
// starting and ending on any day of 2024, some suspended, some closed),
// every month of the year owes the same amount with the same lines as
// walking its days one by one.
func TestWholeMonthShortcutIsTheDayWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 1))
	year := day("2024-01-01")
	states := []RightState{RightActive, RightActive, RightSuspended}
	for i := range 2000 {
		var tl Timeline
		for seq := 1; seq <= 1+rng.IntN(4); seq++ {
			v := RightVersion{Seq: seq, From: year.AddDate(0, 0, rng.IntN(366)), Amount: decimal.New(int64(5000+rng.IntN(20000)), -2),
				State: states[rng.IntN(len(states))], Reason: ReasonGrant}
			if rng.IntN(3) == 0 {
				to := v.From.AddDate(0, 0, rng.IntN(120))
				v.To = &to
			}
			tl = append(tl, v)
		}
		for mo := MonthOf(year); mo.Before(MonthOf(day("2025-01-01"))); mo = mo.Next() {
			got, want := tl.MonthlyOwed(mo), dayWalk(tl, mo)
			if !got.Amount.Equal(want.Amount) || fmt.Sprint(got.Lines) != fmt.Sprint(want.Lines) {
				t.Fatalf("timeline %d %+v, %s: %s %v; the day walk gives %s %v", i, tl, mo, got.Amount, got.Lines, want.Amount, want.Lines)
			}
		}
	}
}

// dayWalk is MonthlyOwed with every day looked at.
func dayWalk(t Timeline, m Month) MonthlyPayment { return t.monthlyOwed(m, false) }
