package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/store"
)

// TestPayrollOverHTTP runs a month's payroll on the real stack: a finance
// officer starts and submits it, another approves the files by their
// hashes; four eyes and the hashes are enforced over HTTP.
func TestPayrollOverHTTP(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 10, PayrollDay: 10}, 0)
	// The monthly schedule exists, on the 10th.
	desc, err := s.Temporal.ScheduleClient().GetHandle(ctx, "payroll-monthly").Describe(ctx)
	if err != nil || len(desc.Schedule.Spec.Calendars) != 1 || desc.Schedule.Spec.Calendars[0].DayOfMonth[0].Start != 10 {
		t.Fatalf("payroll schedule = %+v, %v; want one on the 10th", desc, err)
	}
	// Two rights granted in August, one of them from mid-month, each paid
	// to its own account; the treasury will reject the first account and
	// see the second's payments returned.
	const rejected, returned = "ME25505123456789500023", "ME25505123456789500120"
	s.Sim.SetFaults(sim.Faults{TreasuryReject: []string{rejected}, TreasuryReturn: []string{returned}})
	accounts := []string{rejected, returned}
	for i, from := range []time.Time{time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 16, 0, 0, 0, 0, time.UTC)} {
		j, _ := domain.MakeJMBG(time.Date(1960, 5, 5, 0, 0, 0, 0, time.UTC), 21, 200+i)
		addr, _ := domain.ParseAddress("Podgorica", "Podgorica", "")
		p, _ := domain.NewPerson(domain.NewPersonInput{JMBG: string(j), GivenName: "Test", FamilyName: "Primalac", Address: addr})
		p, err := s.DB.CreatePerson(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		c, _ := s.DB.CreateClaim(ctx, store.Claim{Benefit: "DNJP", ApplicantID: p.ID, CentreID: p.CentreID, PayeeIBAN: accounts[i],
			Consent: true, FiledBy: "seed", Period: from, Members: []domain.PersonID{p.ID}})
		d, err := s.DB.IssueDecision(ctx, store.Decision{ClaimNumber: c.Number, CentreID: p.CentreID, Kind: "grant", Benefit: "DNJP",
			Amount: decimal.RequireFromString("87.24"), PeriodFrom: from, PreparedBy: "a", ApprovedBy: "b", IssuedAt: from})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: c.Number, DecisionID: d.ID, Benefit: "DNJP", BeneficiaryID: p.ID,
			PayeeIBAN: accounts[i], Amount: decimal.RequireFromString("87.24"), Periodicity: "monthly", ValidFrom: from}); err != nil {
			t.Fatal(err)
		}
	}
	if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/payrolls", `{"period":"2026-09"}`); code != 403 {
		t.Fatalf("a caseworker starting the payroll = %d %s; want 403", code, body)
	}
	if code, body := as(t, "nina.finance", "POST", s.APIURL+"/api/v1/payrolls", `{"period":"November"}`); code != 400 {
		t.Fatalf("a payroll for %q = %d %s; want 400", "November", code, body)
	}
	// A month that has not come is never paid in advance (it once prepared every right up to 2099).
	if code, body := as(t, "nina.finance", "POST", s.APIURL+"/api/v1/payrolls", `{"period":"2099-01"}`); code != 400 || !strings.Contains(string(body), "period") {
		t.Fatalf("a payroll for 2099-01 = %d %s; want 400 on period", code, body)
	}
	for i := 0; i < 2; i++ { // started twice: the same payroll
		if code, body := as(t, "nina.finance", "POST", s.APIURL+"/api/v1/payrolls", `{"period":"2026-09"}`); code != 202 || !strings.Contains(string(body), "payroll/2026-09") {
			t.Fatalf("start payroll = %d %s", code, body)
		}
	}
	var pr struct {
		State   string
		Files   []struct{ Name, SHA256 string }
		Summary []struct {
			State string
			Count int
			Total string
		}
	}
	waitState := func(want string) {
		t.Helper()
		waitForState(t, "payroll", s.APIURL+"/api/v1/payrolls/2026-09", want, 30*time.Second, &pr, func() string { return pr.State })
	}
	waitState("awaiting_submission")
	// August in full, half of August (16 of 31 days), and September for both.
	total := decimal.Zero
	count := 0
	for _, x := range pr.Summary {
		total = total.Add(decimal.RequireFromString(x.Total))
		count += x.Count
	}
	if count != 4 || total.StringFixed(2) != "306.75" || len(pr.Files) != 1 {
		t.Fatalf("payroll = %d payments, %s EUR, %d files; want 4, 306.75 (87.24 + 45.03 + 2 x 87.24), one pain.001", count, total.StringFixed(2), len(pr.Files))
	}
	// The worker dies and another takes over: the payroll goes on from its
	// history, with the same files and no new payment rows.
	if err := s.RestartWorker(); err != nil {
		t.Fatal(err)
	}
	if code, body := as(t, "nina.finance", "POST", s.APIURL+"/api/v1/payrolls/2026-09/submit", ""); code != 200 {
		t.Fatalf("submit = %d %s", code, body)
	}
	waitState("awaiting_approval")
	hashes := fmt.Sprintf(`{"hashes":{%q:%q}}`, pr.Files[0].Name, pr.Files[0].SHA256)
	if code, body := as(t, "nina.finance", "POST", s.APIURL+"/api/v1/payrolls/2026-09/approve", hashes); code != 403 || !strings.Contains(string(body), "four eyes") {
		t.Fatalf("approving one's own payroll = %d %s; want 403", code, body)
	}
	if code, body := as(t, "marija.finance", "POST", s.APIURL+"/api/v1/payrolls/2026-09/approve", strings.Replace(hashes, pr.Files[0].SHA256, strings.Repeat("0", 64), 1)); code != 409 {
		t.Fatalf("approving other hashes = %d %s; want 409", code, body)
	}
	if code, body := as(t, "marija.finance", "POST", s.APIURL+"/api/v1/payrolls/2026-09/approve", hashes); code != 200 {
		t.Fatalf("approve = %d %s", code, body)
	}
	waitState("sent")
	// The treasury answered: the first payee's two payments rejected, the
	// second's two paid and returned.
	states := map[string]int{}
	for _, x := range pr.Summary {
		states[x.State] += x.Count
	}
	if states["rejected"] != 2 || states["returned"] != 2 {
		t.Fatalf("after the treasury's answers: %v; want 2 rejected and 2 returned", states)
	}
	// Each unpaid payment asks the beneficiary's centre to correct the account.
	var inbox struct {
		Tasks []struct{ ID, Subject string }
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(inbox.Tasks) < 4 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, body := as(t, "ana.caseworker", "GET", s.APIURL+"/api/v1/tasks?group=mine&type=payment.correct_account", "")
		_ = json.Unmarshal(body, &inbox)
	}
	if len(inbox.Tasks) != 4 {
		t.Fatalf("correction tasks = %+v; want 4 (two rejected, two returned)", inbox.Tasks)
	}
	var rejectedRight string
	_ = s.DB.Pool().QueryRow(ctx, `SELECT id::text FROM entitlements WHERE payee_iban = $1`, rejected).Scan(&rejectedRight)
	const corrected = "ME25505123456789500217"
	for _, tk := range inbox.Tasks {
		if tk.Subject != rejectedRight {
			continue
		}
		if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+tk.ID+"/complete", `{"outcome":"corrected","data":{"payee_account":"ME00"}}`); code != 400 {
			t.Fatalf("correcting to an invalid IBAN = %d %s; want 400", code, body)
		}
		if code, body := as(t, "ana.caseworker", "POST", s.APIURL+"/api/v1/tasks/"+tk.ID+"/complete", `{"outcome":"corrected","data":{"payee_account":"`+corrected+`"}}`); code != 200 {
			t.Fatalf("correct account = %d %s", code, body)
		}
		break
	}
	deadline = time.Now().Add(10 * time.Second)
	for iban := ""; iban != corrected; {
		if time.Now().After(deadline) {
			t.Fatalf("the right's account is %s; want %s", iban, corrected)
		}
		time.Sleep(100 * time.Millisecond)
		_ = s.DB.Pool().QueryRow(ctx, `SELECT payee_iban FROM entitlements WHERE id = $1`, rejectedRight).Scan(&iban)
	}

	// The e-file shows the beneficiary's payments.
	var pid string
	_ = s.DB.Pool().QueryRow(ctx, `SELECT beneficiary_id::text FROM entitlements WHERE payee_iban = $1`, returned).Scan(&pid)
	if pid == "" {
		t.Fatal("no right paid to the returned account")
	}
	if code, body := as(t, "ana.caseworker", "GET", s.APIURL+"/api/v1/persons/"+pid, ""); code != 200 || !strings.Contains(string(body), `"state":"returned"`) {
		t.Fatalf("e-file payments = %d %s; want the returned payments", code, body)
	}

	// A bank file about payments that are not in the payroll is refused whole.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "pain002.xml")
	p2, _ := iso20022.MarshalPain002("payroll/2026-09", "x", time.Now(), []iso20022.Status{{EndToEndID: "NOT-OURS", Accepted: true}})
	_, _ = fw.Write(p2)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", s.APIURL+"/api/v1/payrolls/2026-09/bank-files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	tok, _ := s.Token("nina.finance")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("an unmatched bank file = %v %v; want 400", resp, err)
	}
	resp.Body.Close()
	// October pays what was not paid again in its payroll, under new ids.
	if code, body := as(t, "nina.finance", "POST", s.APIURL+"/api/v1/payrolls", `{"period":"2026-10"}`); code != 202 {
		t.Fatalf("start October = %d %s", code, body)
	}
	var dec struct {
		Changes []struct{ Kind string }
		State   string
		Summary []struct {
			Count int
			Total string
		}
	}
	deadline = time.Now().Add(30 * time.Second)
	for dec.State != "awaiting_submission" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, body := as(t, "nina.finance", "GET", s.APIURL+"/api/v1/payrolls/2026-10", "")
		_ = json.Unmarshal(body, &dec)
	}
	n, sum := 0, decimal.Zero
	for _, x := range dec.Summary {
		n += x.Count
		sum = sum.Add(decimal.RequireFromString(x.Total))
	}
	// Against September, whose payments were all rejected or returned: both rights are "new" in October.
	if len(dec.Changes) != 2 || dec.Changes[0].Kind != "new" {
		t.Errorf("October's changes = %+v; want both rights new (September paid nothing that stands)", dec.Changes)
	}
	if xml, err := s.Objects.Get(ctx, "payrolls/2026-10/pain001-2026-10.xml"); err != nil || !strings.Contains(string(xml), corrected) || strings.Contains(string(xml), rejected) {
		t.Errorf("October's file does not pay the corrected account instead of the rejected one (%v)", err)
	}
	if n != 6 || sum.StringFixed(2) != "481.23" {
		t.Fatalf("October = %d payments, %s EUR; want the 4 unpaid paid again and 2 for October: 6, 481.23", n, sum.StringFixed(2))
	}
	if code, body := as(t, "nina.finance", "GET", s.APIURL+"/api/v1/payrolls/2026-09/summary.csv", ""); code != 200 || !strings.HasPrefix(string(body), "benefit,municipality") {
		t.Fatalf("summary.csv = %d %s", code, body)
	}
}
