package institutions

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func TestCashRules(t *testing.T) {
	d := decimal.RequireFromString
	for _, c := range []struct{ due, balance, charged, owed string }{
		{"80", "100", "80", "0"}, {"80", "80", "80", "0"}, {"80", "30.50", "30.5", "49.5"}, {"80", "0", "0", "80"},
	} {
		ch, ow := Charge(d(c.due), d(c.balance))
		if !ch.Equal(d(c.charged)) || !ow.Equal(d(c.owed)) {
			t.Errorf("Charge(%s, %s) = %s, %s; want %s, %s", c.due, c.balance, ch, ow, c.charged, c.owed)
		}
	}
	if !NeedsApproval(EntryWithdrawal, d("100.01")) || NeedsApproval(EntryWithdrawal, d("100")) || NeedsApproval(EntryPension, d("500")) {
		t.Error("the limit: above 100 EUR, withdrawals only")
	}
	err := EntryInput{Kind: "gift", Amount: d("0.001")}.Check()
	if e, ok := err.(*domain.Error); !ok || len(e.Fields) != 2 {
		t.Errorf("bad entry: %v; want kind and amount", err)
	}
	if err := (EntryInput{Kind: EntryCopayment, Amount: d("1")}).Check(); err == nil {
		t.Error("a co-payment recorded as an entry")
	}
	if err := (EntryInput{Kind: EntryWithdrawal, Amount: d("1"), Purpose: "lijekovi"}).Check(); err != nil {
		t.Error(err)
	}
	c := Closing{Opening: d("10"), Ins: d("5"), Outs: d("3"), Counted: d("11")}
	if !c.Expected().Equal(d("12")) || !c.Difference().Equal(d("-1")) || CheckClosing(c, "") == nil || CheckClosing(c, "kusur") != nil {
		t.Errorf("closing %+v", c)
	}
	if ReceiptNumber(2026, 123) != "R-2026-000123" {
		t.Error(ReceiptNumber(2026, 123))
	}
}
