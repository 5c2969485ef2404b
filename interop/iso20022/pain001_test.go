package iso20022_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/interop/iso20022"
)

func sample() iso20022.Message {
	exec := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	debtor := iso20022.Party{Name: "Ministarstvo socijalnog staranja", IBAN: "ME25505000012345678951", BIC: "CKBCMEPG"}
	return iso20022.Message{ID: "payroll/2026-11", Created: time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC), Initiating: "Ministarstvo",
		Batches: []iso20022.Batch{{ID: "payroll/2026-11/MO", Debtor: debtor, Execution: exec, Transfers: []iso20022.Transfer{
			{EndToEndID: "E-2", Amount: decimal.RequireFromString("87.91"), Creditor: "Jovana Vujović", IBAN: "ME25505000012345678951", Remittance: "MO 2026-11"},
			{EndToEndID: "E-1", Amount: decimal.RequireFromString("149.59"), Creditor: "Đorđe Šćepanović", IBAN: "ME25505000012345678951", Remittance: "MO 2026-11"},
		}}}}
}

// schema is the EPC's pain.001.001.09 schema kept in shared/standards.
func schema(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	for dir := wd; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "standards", "iso20022", "pain.001.001.09.epc-sct-c2psp-2023.xsd")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		p = filepath.Join(filepath.Dir(dir), "shared", "standards", "iso20022", "pain.001.001.09.epc-sct-c2psp-2023.xsd")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("the pain.001 schema (shared/standards/iso20022) is not beside the project")
	return ""
}

func TestPain001ValidatesAndIsDeterministic(t *testing.T) {
	b1, err := iso20022.Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	m := sample()
	m.Batches[0].Transfers[0], m.Batches[0].Transfers[1] = m.Batches[0].Transfers[1], m.Batches[0].Transfers[0]
	b2, _ := iso20022.Marshal(m)
	if !bytes.Equal(b1, b2) {
		t.Fatal("the same payments in another order gave other bytes")
	}
	for _, want := range []string{"<CtrlSum>237.50</CtrlSum>", "<NbOfTxs>2</NbOfTxs>", `<InstdAmt Ccy="EUR">87.91</InstdAmt>`, "Djordje Scepanovic"} {
		if !bytes.Contains(b1, []byte(want)) {
			t.Errorf("file lacks %s", want)
		}
	}
	f := filepath.Join(t.TempDir(), "pain001.xml")
	if err := os.WriteFile(f, b1, 0o644); err != nil {
		t.Fatal(err)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing: `make test` installs libxml2-utils")
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", schema(t), f).CombinedOutput()
	if err != nil {
		t.Fatalf("the file does not validate against the EPC schema: %v\n%s\n%s", err, out, b1)
	}
}

func TestPain001RefusesWhatABankWould(t *testing.T) {
	for name, mut := range map[string]func(*iso20022.Message){
		"zero amount":    func(m *iso20022.Message) { m.Batches[0].Transfers[0].Amount = decimal.Zero },
		"three decimals": func(m *iso20022.Message) { m.Batches[0].Transfers[0].Amount = decimal.RequireFromString("1.005") },
		"long id":        func(m *iso20022.Message) { m.ID = "payroll/2026-11/and-a-very-long-suffix-here" },
	} {
		m := sample()
		mut(&m)
		if _, err := iso20022.Marshal(m); err == nil {
			t.Errorf("%s: Marshal succeeded; want an error", name)
		}
	}
}
