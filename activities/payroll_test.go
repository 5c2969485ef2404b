package activities_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

	right := func(i int, iban string, from time.Time, amount string) string {
		return seedRight(t, db, i, iban, from, amount)
	}
	nov := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	right(1, "ME25505000012345678951", nov(1), "87.91")                                       // whole month
	right(2, "ME25505000012345678951", nov(16), "87.91")                                      // half of November: 43.96
	right(3, "ME25505000012345678951", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), "100.00") // arrears: Sep, Oct, Nov
	right(4, "", nov(1), "50.00")                                                             // the Post
	right(5, "ME25505000012345678952", nov(1), "60.00")                                       // invalid IBAN: exception
	deducted := right(6, "ME25505000012345678951", nov(1), "87.91")                           // 20.00 deducted: 67.91
	if err := db.SetDeduction(ctx, deducted, decimal.RequireFromString("20.00"), "recovery of an overpayment"); err != nil {
		t.Fatal(err)
	}
	wholly := right(7, "ME25505000012345678951", nov(1), "30.00") // a deduction larger than the payment: nothing to pay
	if err := db.SetDeduction(ctx, wholly, decimal.RequireFromString("45.00"), "recovery of an overpayment"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetDeduction(ctx, wholly, decimal.RequireFromString("-1"), "x"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Errorf("a negative deduction: %v; want invalid", err)
	}

	in := activities.PayrollMonth{PayrollID: "payroll/2026-11", Period: "2026-11"}
	res, err := a.PreparePayroll(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 8 || res.Exceptions != 1 || res.Total.StringFixed(2) != "609.78" {
		t.Fatalf("PreparePayroll = %+v; want 8 payments (1 exception), 609.78 in all", res)
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
	for _, want := range []string{"<NbOfTxs>6</NbOfTxs>", "<CtrlSum>499.78</CtrlSum>", "43.96", "67.91", "Djordje Scepanovic"} {
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
	validate(t, xml)
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

// seedRight records a decided MO right of amount a month from from, paid
// to iban, and returns its id.
func seedRight(t *testing.T, db *store.DB, i int, iban string, from time.Time, amount string) string {
	ctx := context.Background()
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
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: p.ID,
		PayeeIBAN: iban, Amount: decimal.RequireFromString(amount), Periodicity: "monthly", ValidFrom: from})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// TestPayrollSplitsLargeMonthsIntoFiles: a month with more transfers than
// a file carries is written as numbered files, each a valid pain.001 with
// its own message id, every payment in exactly one file, the same bytes
// when written again.
func TestPayrollSplitsLargeMonthsIntoFiles(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	obj := startObjects(t)
	a := &activities.Activities{DB: db, Objects: obj, Now: time.Now, TransfersPerFile: 2}
	for i := 1; i <= 5; i++ {
		seedRight(t, db, i, "ME25505000012345678951", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "10.00")
	}
	in := activities.PayrollMonth{PayrollID: "payroll/2026-11", Period: "2026-11"}
	if _, err := a.PreparePayroll(ctx, in); err != nil {
		t.Fatal(err)
	}
	files, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || len(files.Files) != 3 {
		t.Fatalf("GeneratePayrollFiles = %+v, %v; want 3 files of at most 2 transfers", files, err)
	}
	seen := map[string]int{}
	for k, f := range files.Files {
		want := fmt.Sprintf("pain001-2026-11-%02d.xml", k+1)
		if f.Name != want {
			t.Errorf("file %d is %s; want %s", k, f.Name, want)
		}
		xml, err := obj.Get(ctx, "payrolls/2026-11/"+f.Name)
		if err != nil {
			t.Fatal(err)
		}
		validate(t, xml)
		if !strings.Contains(string(xml), fmt.Sprintf("<MsgId>payroll/2026-11/%02d</MsgId>", k+1)) {
			t.Errorf("%s lacks its own message id", f.Name)
		}
		for _, id := range regexp.MustCompile(`<EndToEndId>([^<]+)</EndToEndId>`).FindAllStringSubmatch(string(xml), -1) {
			seen[id[1]]++
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d distinct payments in the files; want 5", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("payment %s is in %d files", id, n)
		}
	}
	again, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || fmt.Sprint(again.Files) != fmt.Sprint(files.Files) {
		t.Fatalf("written again: %+v, %v; want the same hashes %+v", again, err, files)
	}
}

// validate checks a pain.001 file against the EPC's schema with xmllint.
func validate(t *testing.T, xml []byte) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "p.xml")
	_ = os.WriteFile(f, xml, 0o644)
	schema, _ := filepath.Abs(filepath.Join("..", "..", "shared", "standards", "iso20022", "pain.001.001.09.epc-sct-c2psp-2023.xsd"))
	if _, err := os.Stat(schema); err != nil {
		t.Fatalf("the EPC schema is not beside the project: %v", err)
	}
	if out, err := exec.Command("xmllint", "--noout", "--schema", schema, f).CombinedOutput(); err != nil {
		t.Fatalf("pain.001 does not validate: %v %s", err, out)
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

// TestPayrollSurvivesACrashMidway stops PreparePayroll after its first
// chunk is stored, as a worker killed mid-way would, and runs it again:
// every right is paid once, and the files are byte-identical to those of
// a run that never crashed.
func TestPayrollSurvivesACrashMidway(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	obj := startObjects(t)
	a := &activities.Activities{DB: db, Objects: obj, Now: time.Now, PaymentsPerChunk: 400, TransfersPerFile: 1000}
	const rights = 2500
	seed := []string{
		`INSERT INTO persons (id, jmbg, given_name, family_name, birth_date, sex, municipality, settlement, centre_id, registered_by)
		 SELECT gen_random_uuid(), '8' || lpad(i::text, 12, '0'), 'Test', 'Primalac ' || i, '1970-01-01', 'F', 'ME-16', 'Podgorica', 'csr-podgorica', 'seed'
		 FROM generate_series(1, ` + fmt.Sprint(rights) + `) i`,
		`INSERT INTO claims (number, benefit, applicant_id, centre_id, consent, filed_by, period, state)
		 SELECT 'S-' || jmbg, 'DNJP', id, 'csr-podgorica', true, 'seed', '2026-10-01', 'approved' FROM persons WHERE registered_by = 'seed'`,
		`INSERT INTO decisions (id, claim_number, number, centre_id, year, seq, kind, benefit, amount, period_from, prepared_by, approved_by, issued_at)
		 SELECT gen_random_uuid(), number, 'seed/' || number, 'seed', 2026, row_number() OVER (), 'grant', 'DNJP', 87.24, '2026-10-01', 'a', 'b', now()
		 FROM claims WHERE filed_by = 'seed'`,
		`INSERT INTO entitlements (id, claim_number, decision_id, benefit, beneficiary_id, payee_iban, amount, periodicity, valid_from)
		 SELECT gen_random_uuid(), d.claim_number, d.id, 'DNJP', c.applicant_id, 'ME25505000012345678951', 87.24, 'monthly', '2026-10-16'
		 FROM decisions d JOIN claims c ON c.number = d.claim_number WHERE d.centre_id = 'seed'`,
	}
	for _, q := range seed {
		if _, err := db.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	in := activities.PayrollMonth{PayrollID: "payroll/2026-11", Period: "2026-11"}
	count := func() (n, distinct int) {
		t.Helper()
		if err := db.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT (entitlement_id, period)) FROM payments`).Scan(&n, &distinct); err != nil {
			t.Fatal(err)
		}
		return n, distinct
	}
	// The crash: the activity's context ends once the first chunk is stored.
	crashCtx, crash := context.WithCancel(ctx)
	go func() {
		for crashCtx.Err() == nil {
			var n int
			if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM payments`).Scan(&n); err == nil && n > 0 {
				crash()
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	if _, err := a.PreparePayroll(crashCtx, in); err == nil {
		t.Fatal("PreparePayroll ran to the end; the crash came too late to test anything")
	}
	crash()
	if n, _ := count(); n == 0 || n >= 2*rights {
		t.Fatalf("%d payments after the crash; want some but not all of %d", n, 2*rights)
	}
	// The rerun: October's half month and November for every right, once.
	if _, err := a.PreparePayroll(ctx, in); err != nil {
		t.Fatal(err)
	}
	if n, distinct := count(); n != 2*rights || distinct != n {
		t.Fatalf("%d payments (%d distinct) after the rerun; want %d, each once", n, distinct, 2*rights)
	}
	files, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || len(files.Files) != 5 {
		t.Fatalf("GeneratePayrollFiles = %+v, %v; want 5 files", files, err)
	}
	// A run that never crashed writes the same bytes.
	if _, err := db.Pool().Exec(ctx, `DELETE FROM payments; DELETE FROM payment_files`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PreparePayroll(ctx, in); err != nil {
		t.Fatal(err)
	}
	clean, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || fmt.Sprint(clean.Files) != fmt.Sprint(files.Files) {
		t.Fatalf("files of a clean run %+v differ from those after the crash %+v (%v)", clean.Files, files.Files, err)
	}
}

// TestEndToEndIDs: at most 35 characters; one per right, month and
// attempt; in the order of the rights' UUIDs within a month, so that a
// month's payments, written in right order, extend the id indexes at their
// end.
func TestEndToEndIDs(t *testing.T) {
	nov, dec := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ids := []string{"00000000-0000-7000-8000-000000000001", "01a22b77-f48a-7383-9cbc-5e50cb9bb85c", "01a22b77-f48a-7383-9cbc-5e50cb9bb85d",
		"7fffffff-ffff-7fff-bfff-ffffffffffff", "ffffffff-ffff-7fff-bfff-ffffffffffff"}
	seen := map[string]bool{}
	prev := ""
	for _, e := range ids {
		id := activities.EndToEndID(e, nov, 0)
		if id <= prev {
			t.Errorf("%s after %s: not in the rights' order", id, prev)
		}
		prev = id
		for _, x := range []string{id, activities.EndToEndID(e, dec, 0), activities.EndToEndID(e, nov, 1), activities.EndToEndID(e, nov, 35),
			activities.EndToEndID(e, nov, 36), activities.EndToEndID(e, nov, 1000)} {
			if len(x) > 35 || seen[x] || !regexp.MustCompile(`^K[0-9A-Z]+$`).MatchString(x) {
				t.Errorf("%q: longer than 35, repeated or not [0-9A-Z]", x)
			}
			seen[x] = true
		}
	}
	if first, again := activities.EndToEndID(ids[1], nov, 0), activities.EndToEndID(ids[1], nov, 0); first != again {
		t.Error("not fixed per right and month")
	}
}
