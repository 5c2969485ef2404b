package institutions

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func sumLines(c CoPayment) decimal.Decimal {
	s := decimal.Zero
	for _, l := range c.Lines {
		s = s.Add(l.Amount)
	}
	return s
}

func TestCoPayment(t *testing.T) {
	mo := d("87.91") // protected: 131.87
	cases := []struct {
		name                       string
		in                         CoPaymentInput
		resident, relatives, state string
	}{
		{"pension covers part", CoPaymentInput{MonthlyCost: d("450"), ResidentIncome: d("380.55"), SingleMO: mo}, "304.44", "0", "145.56"},
		{"small income keeps the minimum", CoPaymentInput{MonthlyCost: d("450"), ResidentIncome: d("100"), SingleMO: mo}, "70", "0", "380"},
		{"income below the minimum keeps it all", CoPaymentInput{MonthlyCost: d("450"), ResidentIncome: d("25.10"), SingleMO: mo}, "0", "0", "450"},
		{"no income", CoPaymentInput{MonthlyCost: d("450"), SingleMO: mo}, "0", "0", "450"},
		{"rich resident pays it all", CoPaymentInput{MonthlyCost: d("450"), ResidentIncome: d("2000"), SingleMO: mo}, "450", "0", "0"},
		{"children pay above the protected amount, in order", CoPaymentInput{MonthlyCost: d("500.01"), ResidentIncome: d("200"), SingleMO: mo,
			Relatives: []Relative{
				{Relation: domain.RelationChild, Income: d("231.87")},   // pays 100.00
				{Relation: domain.RelationSibling, Income: d("5000")},   // not obliged
				{Relation: domain.RelationSpouse, Income: d("120")},     // below protected
				{Relation: domain.RelationChild, Income: d("3000.333")}, // pays the rest: 240.01
			}}, "160", "340.01", "0"},
		{"thirds that do not divide", CoPaymentInput{MonthlyCost: d("333.333"), ResidentIncome: d("111.111"), SingleMO: mo,
			Relatives: []Relative{{Relation: domain.RelationChild, Income: d("200.005")}}}, "81.11", "68.14", "184.08"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CoPay(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Resident.Equal(d(c.resident)) || !got.Relatives.Equal(d(c.relatives)) || !got.State.Equal(d(c.state)) {
				t.Errorf("resident %s relatives %s state %s, want %s %s %s", got.Resident, got.Relatives, got.State, c.resident, c.relatives, c.state)
			}
			if s := sumLines(got); !s.Equal(c.in.MonthlyCost.Round(2)) {
				t.Errorf("lines add up to %s, want %s", s, c.in.MonthlyCost.Round(2))
			}
			if !got.Total().Add(got.State).Equal(c.in.MonthlyCost.Round(2)) {
				t.Errorf("shares add up to %s", got.Total().Add(got.State))
			}
			if len(got.Lines) != len(c.in.Relatives)+2 {
				t.Errorf("%d lines, want %d", len(got.Lines), len(c.in.Relatives)+2)
			}
			for _, l := range got.Lines {
				if l.Amount.IsNegative() || l.Amount.Exponent() < -2 || l.Cnr == "" || l.En == "" || l.Cnr == l.En {
					t.Errorf("bad line %+v", l)
				}
			}
		})
	}
}

func TestCoPaymentWords(t *testing.T) {
	got, err := CoPay(CoPaymentInput{MonthlyCost: d("1234.5"), ResidentIncome: d("1500"), SingleMO: d("87.91"),
		Relatives: []Relative{{Relation: domain.RelationSibling, Income: d("10")}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Lines[0].Cnr, "1.200,00 €") || !strings.Contains(got.Lines[0].En, "EUR 1,200.00") {
		t.Errorf("resident's line: %q / %q", got.Lines[0].Cnr, got.Lines[0].En)
	}
	if !strings.Contains(got.Lines[1].Cnr, "nije zakonski obavezan") || !strings.Contains(got.Lines[1].En, "not obliged") {
		t.Errorf("sibling's line: %+v", got.Lines[1])
	}
	if !strings.Contains(got.Lines[2].Cnr, "1.234,50 €") || !got.Lines[2].Amount.Equal(d("34.5")) {
		t.Errorf("state's line: %+v", got.Lines[2])
	}
}

func TestCoPaymentBadInput(t *testing.T) {
	_, err := CoPay(CoPaymentInput{MonthlyCost: d("0"), ResidentIncome: d("-1"), SingleMO: d("87.91"),
		Relatives: []Relative{{Relation: "cousin", Income: d("-5")}}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"monthly_cost", "resident's income", "relatives[0]: income", `"cousin" is not a relation`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %q", err, want)
		}
	}
}
