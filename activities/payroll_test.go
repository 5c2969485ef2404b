package activities_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/objects"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// TestPayrollPreparesOnceAndWritesAValidFile runs the payroll's activities
// against PostgreSQL and MinIO: arrears and pro rata, the Post for a payee
// without an account, an invalid IBAN to the exceptions, a pain.001 file
// that validates against the EPC schema, and a re-run that writes nothing
// new and the same bytes.
func TestPayrollPreparesOnceAndWritesAValidFile(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	obj := startObjects(t)
	a := &activities.Activities{DB: db, Objects: obj, Now: time.Now}

	right := func(i int, iban string, from time.Time, amount string) {
		t.Helper()
		j, _ := domain.MakeJMBG(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 21, 100+i)
		addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
		p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Đorđe", FamilyName: "Šćepanović", Address: addr})
		p, err := db.CreatePerson(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateClaim(ctx, store.Claim{Benefit: "MO", ApplicantID: p.ID, CentreID: p.CentreID, PayeeIBAN: iban, Consent: true,
			FiledBy: "ana.caseworker", Period: from, Members: []domain.PersonID{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "MO",
			Amount: decimal.RequireFromString(amount), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
			PayeeIBAN: iban, Amount: decimal.RequireFromString(amount), Periodicity: "monthly", ValidFrom: from}); err != nil {
			t.Fatal(err)
		}
	}
	nov := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	right(1, "ME25505000012345678951", nov(1), "87.91")                                       // whole month
	right(2, "ME25505000012345678951", nov(16), "87.91")                                      // half of November: 43.96
	right(3, "ME25505000012345678951", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), "100.00") // arrears: Sep, Oct, Nov
	right(4, "", nov(1), "50.00")                                                             // the Post
	right(5, "ME25505000012345678952", nov(1), "60.00")                                       // invalid IBAN: exception

	in := activities.PreparePayrollInput{PayrollID: "payroll/2026-11", Period: "2026-11"}
	res, err := a.PreparePayroll(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 7 || res.Exceptions != 1 || res.Total.StringFixed(2) != "541.87" {
		t.Fatalf("PreparePayroll = %+v; want 7 payments (1 exception), 541.87 in all", res)
	}
	files, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || len(files.Files) != 2 {
		t.Fatalf("GeneratePayrollFiles = %+v, %v; want the pain.001 and the Post's list", files, err)
	}
	// Again, as after a crash: nothing new, the same bytes.
	again, err := a.PreparePayroll(ctx, in)
	if err != nil || again.New != 0 {
		t.Fatalf("PreparePayroll again = %+v, %v; want no new payment", again, err)
	}
	files2, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || files2.Files[0] != files.Files[0] || files2.Files[1] != files.Files[1] {
		t.Fatalf("files regenerated differ: %+v vs %+v", files2, files)
	}
	xml, err := obj.Get(ctx, "payrolls/2026-11/pain001-2026-11.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<NbOfTxs>5</NbOfTxs>", "<CtrlSum>431.87</CtrlSum>", "43.96", "Djordje Scepanovic"} {
		if !strings.Contains(string(xml), want) {
			t.Errorf("pain.001 lacks %s", want)
		}
	}
	if strings.Contains(string(xml), "ME25505000012345678952") {
		t.Error("an invalid IBAN reached the file")
	}
	csv, _ := obj.Get(ctx, "payrolls/2026-11/post-2026-11.csv")
	if !strings.Contains(string(csv), "50.00") {
		t.Errorf("the Post's list = %s; want the 50.00 payment", csv)
	}
	f := filepath.Join(t.TempDir(), "p.xml")
	_ = os.WriteFile(f, xml, 0o644)
	schema, _ := filepath.Abs(filepath.Join("..", "..", "shared", "standards", "iso20022", "pain.001.001.09.epc-sct-c2psp-2023.xsd"))
	if _, err := os.Stat(schema); err != nil {
		t.Fatalf("the EPC schema is not beside the project: %v", err)
	}
	if out, err := exec.Command("xmllint", "--noout", "--schema", schema, f).CombinedOutput(); err != nil {
		t.Fatalf("pain.001 does not validate: %v %s", err, out)
	}
	v, err := a.VerifyPayrollFiles(ctx, activities.VerifyPayrollFilesInput{PayrollID: in.PayrollID, Files: files.Files})
	if err != nil || !v.Unchanged {
		t.Fatalf("VerifyPayrollFiles = %+v, %v; want unchanged", v, err)
	}
	if _, err := obj.Put(ctx, "payrolls/2026-11/post-2026-11.csv", "text/csv", []byte("tampered")); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.VerifyPayrollFiles(ctx, activities.VerifyPayrollFilesInput{PayrollID: in.PayrollID, Files: files.Files}); v.Unchanged {
		t.Fatal("a changed file was not noticed")
	}
}

// startObjects runs a MinIO for the test and returns its bucket.
func startObjects(t *testing.T) *objects.Store {
	t.Helper()
	m := &devstack.MinIO{Dir: t.TempDir(), AccessKey: "karton", SecretKey: "karton-test-secret"}
	if err := m.Start(context.Background()); err != nil {
		t.Fatalf("start minio: %v", err)
	}
	t.Cleanup(func() { _ = m.Stop() })
	obj, err := objects.Open(objects.Config{Endpoint: m.Endpoint(), AccessKey: "karton", SecretKey: "karton-test-secret", Bucket: "karton"})
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.EnsureBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	return obj
}
