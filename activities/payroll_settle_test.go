package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/store/storetest"
)

// payrolls runs months' payrolls in turn on a clock of 20 January 2027,
// and reads what they paid.
type payrolls struct {
	t  *testing.T
	a  *activities.Activities
	db *store.DB
}

func newPayrolls(t *testing.T) payrolls {
	db := storetest.NewDB(t)
	now := func() time.Time { return time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC) }
	return payrolls{t: t, db: db, a: &activities.Activities{DB: db, Now: now}}
}

func (p payrolls) run(period string) activities.PreparePayrollResult {
	p.t.Helper()
	res, err := p.a.PreparePayroll(context.Background(), activities.PayrollMonth{PayrollID: "payroll/" + period, Period: period})
	if err != nil {
		p.t.Fatalf("payroll %s: %v", period, err)
	}
	return res
}

// paid lists a right's payments in the order they were made, as
// "payroll month: period amount kind state".
func (p payrolls) paid(entitlement string) string {
	p.t.Helper()
	rows, err := p.db.Pool().Query(context.Background(), `SELECT substr(payroll_id, 9) || ': ' || to_char(period, 'YYYY-MM') || ' ' || amount::text
		|| ' ' || kind || ' ' || state FROM payments WHERE entitlement_id = $1 ORDER BY payroll_id, period`, entitlement)
	if err != nil {
		p.t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func (p payrolls) lines(entitlement, payroll, period string) []domain.PaymentLine {
	p.t.Helper()
	var raw []byte
	err := p.db.Pool().QueryRow(context.Background(), `SELECT lines FROM payments WHERE entitlement_id = $1 AND payroll_id = $2 AND period = $3`,
		entitlement, payroll, period+"-01").Scan(&raw)
	if err != nil {
		p.t.Fatalf("lines of %s %s: %v", payroll, period, err)
	}
	var ls []domain.PaymentLine
	_ = json.Unmarshal(raw, &ls)
	return ls
}

func (p payrolls) version(entitlement, from, amount string, reason domain.VersionReason, source string) {
	p.t.Helper()
	f, _ := time.Parse(time.DateOnly, from)
	_, _, err := p.db.AddVersion(context.Background(), store.Version{EntitlementID: entitlement, Source: source, CreatedBy: "test",
		RightVersion: domain.RightVersion{From: f, Amount: decimal.RequireFromString(amount), State: domain.RightActive, Reason: reason, Ref: source}})
	if err != nil {
		p.t.Fatal(err)
	}
}

const goodIBAN = "ME25505000012345678951"

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

// TestPayrollSettlesEveryMonthAtItsVersions: a version added after a
// month was paid brings that month's difference with the next payroll,
// explained run by run; a lower one records the overpayment once and pays
// nothing back; a right decided late gets its arrears.
func TestPayrollSettlesEveryMonthAtItsVersions(t *testing.T) {
	p := newPayrolls(t)
	raised := seedRight(t, p.db, 61, goodIBAN, day("2026-09-01"), "100.00")
	lowered := seedRight(t, p.db, 62, goodIBAN, day("2026-09-01"), "100.00")
	p.run("2026-09")
	p.version(raised, "2026-09-17", "130.00", domain.ReasonIndexation, "reassessment:t1")
	p.version(lowered, "2026-09-01", "80.00", domain.ReasonCorrection, "correction:t1")
	if res := p.run("2026-10"); res.Overpayments != 1 {
		t.Errorf("October's payroll found %d overpayments; want 1 (September of the lowered right)", res.Overpayments)
	}
	late := seedRight(t, p.db, 63, goodIBAN, day("2026-09-01"), "100.00") // decided in November, from September
	p.run("2026-11")

	// September: 16 of 30 days at 100.00 (53.33) and 14 at 130.00 (60.67) = 114.00; 100.00 paid; 14.00 more.
	if got, want := p.paid(raised), "2026-09: 2026-09 100.00 regular prepared; 2026-10: 2026-09 14.00 difference prepared; 2026-10: 2026-10 130.00 regular prepared; 2026-11: 2026-11 130.00 regular prepared"; got != want {
		t.Errorf("raised right paid\n %s\nwant\n %s", got, want)
	}
	var text []string
	for _, l := range p.lines(raised, "payroll/2026-10", "2026-09") {
		text = append(text, l.What+" = "+l.Value)
	}
	for _, want := range []string{"2026-09-01 to 2026-09-16: 16 of 30 days at 100.00 a month (version 1, grant", "= 53.33",
		"2026-09-17 to 2026-09-30: 14 of 30 days at 130.00 a month (version 2, indexation, reassessment:t1) = 60.67",
		"owed for 2026-09 = 114.00", "already paid for 2026-09 = 100.00", "difference to pay = 14.00"} {
		if !strings.Contains(strings.Join(text, "\n"), want) {
			t.Errorf("September's difference is not explained by %q:\n%s", want, strings.Join(text, "\n"))
		}
	}
	if got, want := p.paid(lowered), "2026-09: 2026-09 100.00 regular prepared; 2026-10: 2026-10 80.00 regular prepared; 2026-11: 2026-11 80.00 regular prepared"; got != want {
		t.Errorf("lowered right paid\n %s\nwant\n %s", got, want)
	}
	over, err := p.db.Overpayments(context.Background(), lowered)
	if err != nil || len(over) != 1 || over[0].Amount.StringFixed(2) != "20.00" || over[0].PayrollID != "payroll/2026-10" || over[0].State != "open" {
		t.Fatalf("overpayments of the lowered right = %+v, %v; want September's 20.00 once, found by October's payroll", over, err)
	}
	if got, want := p.paid(late), "2026-11: 2026-09 100.00 regular prepared; 2026-11: 2026-10 100.00 regular prepared; 2026-11: 2026-11 100.00 regular prepared"; got != want {
		t.Errorf("late right paid\n %s\nwant the arrears\n %s", got, want)
	}
	// Run again (a crash and a retry): nothing new, no second overpayment.
	if res := p.run("2026-11"); res.New != 0 || res.Overpayments != 0 {
		t.Errorf("November again = %+v; want nothing new", res)
	}
}

// TestPayrollPaysUnpaidMonthsOnce: an exception (invalid IBAN) is paid by
// the first payroll after the account is corrected, and a month the bank
// returned after a later month was prepared by the next payroll, each
// exactly once and under an end-to-end id of its own; a one-off benefit
// is paid by the next payroll once.
func TestPayrollPaysUnpaidMonthsOnce(t *testing.T) {
	ctx := context.Background()
	p := newPayrolls(t)
	invalid := seedRight(t, p.db, 71, "ME25505000012345678952", day("2026-10-01"), "50.00")
	returned := seedRight(t, p.db, 72, goodIBAN, day("2026-10-01"), "60.00")
	if res := p.run("2026-10"); res.Exceptions != 1 {
		t.Errorf("October: %d exceptions; want 1", res.Exceptions)
	}
	p.run("2026-11")
	oneOff := seedOneOff(t, p.db, 73, day("2026-11-20"), "900.00")
	// The bank returns October's payment after November's was prepared;
	// the account of the invalid right is corrected.
	ret := activities.EndToEndID(returned, day("2026-10-01"), 0)
	if _, err := p.db.ApplyBankAnswer(ctx, "payroll/2026-10", domain.BankAnswer{Returned: []domain.BankStatus{{EndToEndID: ret, Reason: "AC04"}}}); err != nil {
		t.Fatal(err)
	}
	if err := p.a.SetPayeeAccount(ctx, activities.SetPayeeAccountInput{EntitlementID: invalid, IBAN: "ME25505000012345678951"}); err != nil {
		t.Fatal(err)
	}
	p.run("2026-12")
	p.run("2027-01")
	if got, want := p.paid(invalid), "2026-10: 2026-10 50.00 regular exception; 2026-11: 2026-10 50.00 regular exception; 2026-11: 2026-11 50.00 regular exception; "+
		"2026-12: 2026-10 50.00 regular prepared; 2026-12: 2026-11 50.00 regular prepared; 2026-12: 2026-12 50.00 regular prepared; 2027-01: 2027-01 50.00 regular prepared"; got != want {
		t.Errorf("the right with an invalid account paid\n %s\nwant\n %s", got, want)
	}
	if got, want := p.paid(returned), "2026-10: 2026-10 60.00 regular returned; 2026-11: 2026-11 60.00 regular prepared; 2026-12: 2026-10 60.00 regular prepared; "+
		"2026-12: 2026-12 60.00 regular prepared; 2027-01: 2027-01 60.00 regular prepared"; got != want {
		t.Errorf("the right whose October was returned paid\n %s\nwant\n %s", got, want)
	}
	if got, want := p.paid(oneOff), "2026-12: 2026-11 900.00 one_off prepared"; got != want {
		t.Errorf("the one-off right paid %q; want %q", got, want)
	}
	// Every payment has its own end-to-end id of at most 35 characters;
	// October of the invalid right is its third payment (attempt 2).
	var n, distinct, longest int
	if err := p.db.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT end_to_end_id), max(length(end_to_end_id)) FROM payments`).Scan(&n, &distinct, &longest); err != nil {
		t.Fatal(err)
	}
	if n != distinct || longest > 35 {
		t.Errorf("%d payments, %d distinct end-to-end ids, the longest %d; want one each, at most 35", n, distinct, longest)
	}
	var id string
	_ = p.db.Pool().QueryRow(ctx, `SELECT end_to_end_id FROM payments WHERE entitlement_id = $1 AND payroll_id = 'payroll/2026-12' AND period = '2026-10-01'`, invalid).Scan(&id)
	if id != activities.EndToEndID(invalid, day("2026-10-01"), 2) {
		t.Errorf("October paid after two exceptions has id %s; want attempt 2", id)
	}
}

// TestPreparePayrollRefusesMonthsNotYetPayable: on the activities' clock, a month
// not yet come, or the current one before the payment day, is refused.
func TestPreparePayrollRefusesMonthsNotYetPayable(t *testing.T) {
	db := storetest.NewDB(t)
	a := &activities.Activities{DB: db, Now: func() time.Time { return time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC) }}
	for _, period := range []string{"2099-01", "2026-12", "2026-11"} {
		_, err := a.PreparePayroll(context.Background(), activities.PayrollMonth{PayrollID: "payroll/" + period, Period: period})
		if err == nil || !strings.Contains(err.Error(), "period") {
			t.Errorf("payroll %s on 10 November 2026: %v; want refused on its period", period, err)
		}
	}
	a.PaymentDay = 10 // paid from the 10th: November may be paid that day
	if _, err := a.PreparePayroll(context.Background(), activities.PayrollMonth{PayrollID: "payroll/2026-11", Period: "2026-11"}); err != nil {
		t.Errorf("November on its payment day: %v", err)
	}
	var n int
	_ = db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM payrolls`).Scan(&n)
	if n != 1 {
		t.Errorf("%d payrolls recorded; want only November's", n)
	}
}

// TestChildAllowanceThroughThePost: the grant of a child allowance keeps
// its calculation's situation as the right's basis and pays through the
// Post to the child's address, though the claim names an account; the
// Post's list names the payee and the child's address.
func TestChildAllowanceThroughThePost(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	obj := startObjects(t)
	a := &activities.Activities{DB: db, Objects: obj, Params: benefits.MustLoadParams(), Now: func() time.Time { return time.Date(2026, 12, 20, 10, 0, 0, 0, time.UTC) }}
	person := func(serial int, given string, born time.Time, municipality, settlement, street string) domain.Person {
		j, _ := domain.MakeJMBG(born, 21, serial)
		addr, err := domain.ParseAddress(municipality, settlement, street)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: given, FamilyName: "Đurović", Address: addr})
		if p, err = db.CreatePerson(ctx, p, "test"); err != nil {
			t.Fatal(err)
		}
		return p
	}
	parent := person(301, "Milica", time.Date(1985, 3, 3, 0, 0, 0, 0, time.UTC), "Podgorica", "Podgorica", "Slobode 1")
	older := person(302, "Ana", time.Date(2012, 4, 4, 0, 0, 0, 0, time.UTC), "Tuzi", "Tuzi", "Glavna 5")
	child := person(303, "Luka", time.Date(2019, 5, 5, 0, 0, 0, 0, time.UTC), "Tuzi", "Dinoša", "Školska 7")
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "DD", ApplicantID: parent.ID, CentreID: parent.CentreID, PayeeIBAN: goodIBAN, Consent: true,
		FiledBy: "ana.caseworker", Period: day("2026-11-01"), Members: []domain.PersonID{parent.ID, older.ID, child.ID}})
	if err != nil {
		t.Fatal(err)
	}
	s := benefits.Situation{Period: day("2026-11-01"), Members: []benefits.Member{
		{ID: string(parent.ID), Relation: domain.RelationHead, BirthDate: parent.BirthDate},
		{ID: string(older.ID), Relation: domain.RelationChild, BirthDate: older.BirthDate},
		{ID: string(child.ID), Relation: domain.RelationChild, BirthDate: child.BirthDate}}}
	situation, _ := json.Marshal(s)
	if err := db.SaveCalculation(ctx, c.Number, store.Calculation{Seq: 1, Eligible: true, Amount: decimal.RequireFromString("40.00"),
		MaxAmount: decimal.RequireFromString("40.00"), Reasons: []string{}, Lines: json.RawMessage(`[]`), ComputedAt: time.Now(), Situation: situation}); err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: parent.CentreID, Kind: "grant", Benefit: "DD",
		Amount: decimal.RequireFromString("40.00"), PeriodFrom: c.Period, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.CreateEntitlement(ctx, activities.CreateEntitlementInput{Number: c.Number, DecisionID: d.ID, Amount: decimal.RequireFromString("40.00")})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.EntitlementByID(ctx, res.EntitlementID)
	if err != nil {
		t.Fatal(err)
	}
	var basis benefits.Situation
	if e.Channel != "post" || json.Unmarshal(e.Basis, &basis) != nil || len(basis.Members) != 3 || basis.Members[2].ID != string(child.ID) {
		t.Fatalf("the granted right: channel %q, basis %s; want post and the calculation's situation", e.Channel, e.Basis)
	}
	in := activities.PayrollMonth{PayrollID: "payroll/2026-12", Period: "2026-12"}
	if _, err := a.PreparePayroll(ctx, in); err != nil {
		t.Fatal(err)
	}
	files, err := a.GeneratePayrollFiles(ctx, in)
	if err != nil || len(files.Files) != 1 || files.Files[0].Name != "post-2026-12.csv" {
		t.Fatalf("files = %+v, %v; want only the Post's list", files, err)
	}
	csv, err := obj.Get(ctx, "payrolls/2026-12/post-2026-12.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"payee,settlement,street,municipality", "Milica Đurović,Dinoša,Školska 7,Tuzi,DD,2026-11,regular,40.00",
		"Milica Đurović,Dinoša,Školska 7,Tuzi,DD,2026-12,regular,40.00"} {
		if !strings.Contains(string(csv), want) {
			t.Errorf("the Post's list lacks %q:\n%s", want, csv)
		}
	}
	if strings.Contains(string(csv), "Slobode") || strings.Contains(string(csv), "Glavna") {
		t.Errorf("the Post's list pays to another address than the youngest child's:\n%s", csv)
	}
}

// seedOneOff records a decided one-off newborn grant of amount from day.
func seedOneOff(t *testing.T, db *store.DB, i int, from time.Time, amount string) string {
	t.Helper()
	ctx := context.Background()
	j, _ := domain.MakeJMBG(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 21, 100+i)
	addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
	p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Jelena", FamilyName: "Vuković", Address: addr})
	p, err := db.CreatePerson(ctx, p, "test")
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateClaim(ctx, store.Claim{Benefit: "ND", ApplicantID: p.ID, CentreID: p.CentreID, PayeeIBAN: goodIBAN, Consent: true,
		FiledBy: "ana.caseworker", Period: from, Members: []domain.PersonID{p.ID}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "ND",
		Amount: decimal.RequireFromString(amount), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: from})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "ND", BeneficiaryID: p.ID,
		PayeeIBAN: goodIBAN, Amount: decimal.RequireFromString(amount), Periodicity: "one_off", ValidFrom: from})
	if err != nil {
		t.Fatal(fmt.Errorf("one-off right: %w", err))
	}
	return e.ID
}
