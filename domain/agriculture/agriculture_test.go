package agriculture

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

const good = "#karton-agri-v1\r\njmbg;amount;period\r\n0101950215004;207.45;2026-11\r\n1505948255004;207.45;2026-11\r\n#total;2;414.90\r\n"

func TestParseGood(t *testing.T) {
	f, faults := Parse([]byte(good))
	if faults != nil {
		t.Fatalf("Parse(good) faults = %v", faults)
	}
	if f.Format != FormatV1 || f.Period.String() != "2026-11" || len(f.Rows) != 2 || !f.Total.Equal(decimal.RequireFromString("414.90")) {
		t.Errorf("Parse(good) = %+v", f)
	}
	if f.Rows[1].Line != 4 || f.Rows[1].JMBG != "1505948255004" {
		t.Errorf("row 2 = %+v; want line 4", f.Rows[1])
	}
	if f.Hash != Hash([]byte(good)) || len(f.Hash) != 64 {
		t.Errorf("hash = %q", f.Hash)
	}
}

func TestWriteParses(t *testing.T) {
	m, _ := domain.ParseMonth("2026-10")
	rows := []Row{{JMBG: "0101950215004", Amount: decimal.RequireFromString("207.45"), Period: m}}
	f, faults := Parse(Write(rows))
	if faults != nil || len(f.Rows) != 1 || f.Period != m {
		t.Fatalf("Parse(Write) = %+v %v", f, faults)
	}
}

// TestParseListsEveryFault: a file with bad rows names each of them by
// line and field, and nothing of it is usable.
func TestParseListsEveryFault(t *testing.T) {
	bad := strings.Join([]string{
		"#karton-agri-v1",
		"jmbg;amount;period",
		"0101950215005;207.45;2026-11", // check digit
		"1505948255004;-5;2026-11",     // amount
		"1505948255004;207.45;2026-11", // same JMBG again (line 4 failed on its amount, so this is the first)
		"0202951215009;207,45;2026-11", // comma
		"0101950215004;207.45;2026-13", // month
		"0101950215004;99999;2026-11",  // too much
		"0101950215004;207.45",         // fields
		"0303952215003;1.234;2026-11",  // decimals
		"0404953215008;10;2026-10",     // another month
		"#total;9;1000.00",
	}, "\n")
	_, faults := Parse([]byte(bad))
	got := map[string]bool{}
	for _, f := range faults {
		got[f.Field] = true
	}
	for _, want := range []string{"line 3.jmbg", "line 4.amount", "line 6.amount", "line 7.period", "line 8.amount", "line 9", "line 10.amount", "line 11.period"} {
		if !got[want] {
			t.Errorf("no fault on %s; faults: %v", want, faults)
		}
	}
	if got["line 12.rows"] || got["line 12.total"] {
		t.Errorf("the trailer was compared with rows that failed: %v", faults)
	}
}

func TestParseTotals(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		fields     []string
	}{
		{"wrong count and sum", "#karton-agri-v1\njmbg;amount;period\n0101950215004;207.45;2026-11\n#total;2;207.46\n", []string{"line 4.rows", "line 4.total"}},
		{"no trailer", "#karton-agri-v1\njmbg;amount;period\n0101950215004;207.45;2026-11\n", []string{"line 4"}},
		{"unknown version", "#karton-agri-v2\njmbg;amount;period\n#total;0;0\n", []string{"line 1"}},
		{"no version", "jmbg;amount;period\n0101950215004;207.45;2026-11\n#total;1;207.45\n", []string{"line 1"}},
		{"empty", "", []string{"file"}},
		{"no rows", "#karton-agri-v1\njmbg;amount;period\n#total;0;0.00\n", []string{"line 3"}},
		{"bad columns", "#karton-agri-v1\namount;jmbg;period\n0101950215004;207.45;2026-11\n#total;1;207.45\n", []string{"line 2"}},
		{"same JMBG twice", "#karton-agri-v1\njmbg;amount;period\n0101950215004;207.45;2026-11\n0101950215004;207.45;2026-11\n#total;2;414.90\n", []string{"line 4.jmbg"}},
	} {
		_, faults := Parse([]byte(tt.file))
		got := map[string]bool{}
		for _, f := range faults {
			got[f.Field] = true
			if f.Code != domain.CodeInvalid || f.Message == "" {
				t.Errorf("%s: fault %+v", tt.name, f)
			}
		}
		for _, want := range tt.fields {
			if !got[want] {
				t.Errorf("%s: no fault on %s; faults: %v", tt.name, want, faults)
			}
		}
	}
}

func TestFactKeepsPremiums(t *testing.T) {
	cur := &domain.AgricultureFact{FarmerAllowance: decimal.Zero, PremiumsYearly: decimal.NewFromInt(600)}
	f := Fact(decimal.RequireFromString("207.45"), cur)
	if !f.PremiumsYearly.Equal(decimal.NewFromInt(600)) || !f.FarmerAllowance.Equal(decimal.RequireFromString("207.45")) {
		t.Errorf("Fact = %+v", f)
	}
	if f := Fact(decimal.NewFromInt(1), nil); !f.PremiumsYearly.IsZero() {
		t.Errorf("Fact(nil) = %+v", f)
	}
}
