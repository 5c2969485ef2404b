package e2e_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/devstack/issuer"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/refunds"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/workflows"
)

// machineToken is a token of a demo machine client by the OAuth2 client
// credentials flow at the development issuer, as the client's own
// software gets it.
func machineToken(t *testing.T, s *system.System, client string) string {
	t.Helper()
	resp, err := http.PostForm(s.IssuerURL+"/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {client},
		"client_secret": {issuer.ClientSecret(client)}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("client credentials for %s: %d %v", client, resp.StatusCode, err)
	}
	return tok.AccessToken
}

// employeeAt is a woman the demo employer employs whose continuous
// insurance, on the leave's first day, gives the rate want.
func employeeAt(t *testing.T, pop *sim.Population, first time.Time, want int) sim.Member {
	t.Helper()
	for i := 0; i < pop.Size(); i++ {
		for _, m := range pop.Household(i).Members {
			if m.EmployerPIB != sim.DemoEmployerPIB || m.Sex != domain.SexFemale {
				continue
			}
			var ps []refunds.InsurancePeriod
			for _, p := range sim.InsuredPeriods(m) {
				from, _ := time.Parse(time.DateOnly, p.From)
				ip := refunds.InsurancePeriod{EmployerPIB: p.EmployerPIB, From: from}
				if to, err := time.Parse(time.DateOnly, p.To); err == nil {
					ip.To = &to
				}
				ps = append(ps, ip)
			}
			if since, ok := refunds.ContinuousSince(ps, first); ok && refunds.Rate(refunds.FullMonths(since, first)) == want {
				return m
			}
		}
	}
	t.Fatalf("no employee of the demo employer at %d%% on %s", want, first.Format(time.DateOnly))
	return sim.Member{}
}

// employerClient speaks to the API as the employer's payroll software.
type employerClient struct {
	t     *testing.T
	api   string
	token string
}

func (e employerClient) do(method, path, contentType string, body io.Reader) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.api+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (e employerClient) json(method, path, body string) (int, []byte) {
	return e.do(method, path, "application/json", strings.NewReader(body))
}

// claim files a month: the salary compensation paid and a bank statement (a PDF).
func (e employerClient) claim(number, month, paid string) (int, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("month", month)
	_ = mw.WriteField("salary_paid", paid)
	w, _ := mw.CreateFormFile("statement", "izvod-"+month+".pdf")
	fmt.Fprintf(w, "%%PDF-1.4\n%% bank statement %s %s\n1 0 obj\n<<>>\nendobj\n%%%%EOF\n", month, paid)
	_ = mw.Close()
	return e.do("POST", "/refund-leaves/"+number+"/claims", mw.FormDataContentType(), &buf)
}

// refundLeave is a leave as the API shows it.
type refundLeave struct {
	Number        string
	State         string
	Rate          *int
	BaseGross     *string `json:"base_gross"`
	InsuredMonths *int    `json:"insured_months"`
	Assessment    []struct {
		What  struct{ Cnr, En string }
		Value string
	}
	Months []struct {
		Month, State string
		Refund       *string
		Decision     *struct {
			ID, Number, Kind, Amount string
			PreparedBy               string `json:"prepared_by"`
			ApprovedBy               string `json:"approved_by"`
			DocumentSHA256           string `json:"document_sha256"`
			DocumentURL              string `json:"document_url"`
		}
		Payments []struct{ Payroll, Amount, Account, State string }
	}
	Claimable []string
}

func (e employerClient) leave(number string) refundLeave {
	e.t.Helper()
	code, b := e.json("GET", "/refund-leaves/"+number, "")
	if code != 200 {
		e.t.Fatalf("leave %s = %d %s", number, code, b)
	}
	var l refundLeave
	if err := json.Unmarshal(b, &l); err != nil {
		e.t.Fatal(err)
	}
	return l
}

func (e employerClient) waitLeave(number, what string, ok func(refundLeave) bool) refundLeave {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		l := e.leave(number)
		if ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("leave %s: %s did not happen: %+v", number, what, l)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestRefundOverHTTP: the demo employer's payroll software (client
// credentials) files a maternity leave of 98 days at 70 %, then its four
// months, one at a time; the first month's decision is a caseworker's and
// a supervisor's, the others are the rule's; every bad input is a 4xx
// naming its field and records nothing; another employer sees nothing of
// it; the decisions' PDFs are the employer's to read; the month's payroll
// pays the refunds to the employer's account, in their own batch of the
// pain.001 from their own account, once.
func TestRefundOverHTTP(t *testing.T) {
	s := startStack(t, system.Options{SimHouseholds: 300}, 0)
	api := s.APIURL + "/api/v1"
	e := employerClient{t: t, api: api, token: machineToken(t, s, "employer-02655284")}
	now := time.Now().UTC()
	first := domain.MonthOf(now).First().AddDate(0, -5, 0) // 98 days, all of them past
	last := first.AddDate(0, 0, refunds.MaternityDays-1)
	emp := employeeAt(t, s.Population, first, 70)
	child, _ := domain.MakeJMBG(first.AddDate(0, 0, 28), 21, 404)
	// The doctor's certificate of the mother's temporary incapacity, in the health fund.
	s.Sim.IssueSickLeave(emp.JMBG, domain.SickLeaveCertificate{From: first.Format(time.DateOnly), To: last.Format(time.DateOnly), Reason: "maternity"})
	const account = "ME25510000000265528422"
	body := func(over string) string {
		return fmt.Sprintf(`{"employee_jmbg":%q,"kind":"maternity","first_day":%q,"last_day":%q,"child_jmbg":%q,"payee_account":%q,"employer_name":"Demo d.o.o."%s}`,
			emp.JMBG, first.Format(time.DateOnly), last.Format(time.DateOnly), child, account, over)
	}
	// Bad input names its field; nothing is recorded.
	for _, tt := range []struct{ over, field string }{
		{`,"employer_pib":"02655285"`, "employer_pib"},
		{`,"kind":"holiday"`, "kind"},
	} {
		if code, b := e.json("POST", "/refund-leaves", body(tt.over)); code != 400 || !strings.Contains(string(b), `"field":"`+tt.field+`"`) {
			t.Errorf("leave with %s = %d %s; want 400 on %s", tt.over, code, b, tt.field)
		}
	}
	code, b := e.json("POST", "/refund-leaves", body(""))
	if code != 201 {
		t.Fatalf("file the leave = %d %s", code, b)
	}
	var filed struct{ Number string }
	_ = json.Unmarshal(b, &filed)
	n := filed.Number
	if code, b := e.json("POST", "/refund-leaves", body("")); code != 409 || !strings.Contains(string(b), `"field":"first_day"`) {
		t.Errorf("the same leave again = %d %s; want 409 on first_day", code, b)
	}
	if code, b := e.json("GET", "/refund-leaves", ""); code != 200 || strings.Count(string(b), `"number"`) != 1 {
		t.Errorf("the employer's leaves = %d %s; want one", code, b)
	}
	l := e.waitLeave(n, "the assessment", func(l refundLeave) bool { return l.State == "active" })
	if *l.Rate != 70 || l.BaseGross == nil || len(l.Assessment) < 5 {
		t.Fatalf("assessment = %+v; want 70 %% of the average gross salary, explained", l)
	}
	// Another employer sees nothing of it.
	stranger, err := s.Issuer.Token(domain.User{Username: "employer-02000008", Name: "Druga", Role: domain.RoleEmployer, Machine: true, PIB: "02000008"})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := (employerClient{t: t, api: api, token: stranger}).json("GET", "/refund-leaves/"+n, ""); code != 404 {
		t.Errorf("another employer reads the leave: %d; want 404", code)
	}

	months := refunds.Leave{FirstDay: first, LastDay: last}.Months()
	base := decimalOf(t, *l.BaseGross)
	paid := func(m domain.Month) string {
		days := refunds.Leave{FirstDay: first, LastDay: last}.DaysIn(m)
		return base.Mul(decimalInt(days)).Div(decimalInt(m.Days())).Round(2).StringFixed(2)
	}
	// The first month: a caseworker checks it, a supervisor (not her) approves.
	if code, b := e.claim(n, months[0].String(), paid(months[0])); code != 202 {
		t.Fatalf("claim %s = %d %s", months[0], code, b)
	}
	if code, b := e.claim(n, months[0].String(), paid(months[0])); code != 409 || !strings.Contains(string(b), `"field":"month"`) {
		t.Errorf("the month again = %d %s; want 409 on month", code, b)
	}
	if code, b := e.claim(n, domain.Month(first.AddDate(0, -1, 0)).String(), "100.00"); code != 400 || !strings.Contains(string(b), `"field":"month"`) {
		t.Errorf("a month before the leave = %d %s; want 400 on month", code, b)
	}
	review := waitTask(t, s.APIURL, "ana.caseworker", n, "refund.review")
	if code, b := as(t, "ana.caseworker", "POST", api+"/tasks/"+review+"/complete", `{"outcome":"accept"}`); code != 200 {
		t.Fatalf("review = %d %s", code, b)
	}
	approval := waitTask(t, s.APIURL, "marko.supervisor", n, "refund.approve")
	if code, _ := as(t, "ana.caseworker", "POST", api+"/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 403 {
		t.Errorf("the caseworker approves her own: %d; want 403", code)
	}
	if code, b := as(t, "marko.supervisor", "POST", api+"/tasks/"+approval+"/complete", `{"outcome":"approve"}`); code != 200 {
		t.Fatalf("approval = %d %s", code, b)
	}
	// The other months: by rule, as they come.
	for _, m := range months[1:] {
		if code, b := e.claim(n, m.String(), paid(m)); code != 202 {
			t.Fatalf("claim %s = %d %s", m, code, b)
		}
	}
	l = e.waitLeave(n, "every month decided", func(l refundLeave) bool { return l.State == "completed" })
	if len(l.Months) != 4 {
		t.Fatalf("months = %+v", l.Months)
	}
	for i, m := range l.Months {
		d := m.Decision
		wantRefund := decimalOf(t, paid(months[i])).Mul(decimalInt(70)).Div(decimalInt(100)).Round(2).StringFixed(2)
		if d == nil || d.Kind != "grant" || d.Amount != wantRefund || d.DocumentSHA256 == "" {
			t.Fatalf("%s's decision = %+v; want a grant of %s with its PDF", m.Month, d, wantRefund)
		}
	}
	if l.Months[0].Decision.PreparedBy != "ana.caseworker" || l.Months[0].Decision.ApprovedBy != "marko.supervisor" || l.Months[1].Decision.PreparedBy != "system" {
		t.Errorf("who decided: %+v, %+v", l.Months[0].Decision, l.Months[1].Decision)
	}
	// The decision's PDF, as the employer reads it.
	d := l.Months[0].Decision
	code, pdf := e.json("GET", strings.TrimPrefix(d.DocumentURL, "/api/v1"), "")
	sum := sha256.Sum256(pdf)
	if code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) || hex.EncodeToString(sum[:]) != d.DocumentSHA256 {
		t.Errorf("decision PDF = %d, %d bytes; want the PDF of its hash", code, len(pdf))
	}
	if code, _ := (employerClient{t: t, api: api, token: stranger}).json("GET", strings.TrimPrefix(d.DocumentURL, "/api/v1"), ""); code != 404 {
		t.Errorf("another employer reads the decision: %d; want 404", code)
	}

	// The last month's payroll pays the four refunds to the employer, once.
	period := domain.MonthOf(now.AddDate(0, -1, 0)).String()
	payFully(t, api, period)
	l = e.leave(n)
	for _, m := range l.Months {
		if len(m.Payments) != 1 || m.Payments[0].State != "paid" || m.Payments[0].Account != account || m.Payments[0].Amount != m.Decision.Amount {
			t.Errorf("%s's payments = %+v; want one paid to %s", m.Month, m.Payments, account)
		}
	}
	xml, err := s.Objects.Get(t.Context(), "payrolls/"+period+"/pain001-"+period+".xml")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := iso20022.ParsePain001(xml)
	if err != nil {
		t.Fatal(err)
	}
	refundsBatch := 0
	for _, b := range msg.Batches {
		if b.Debtor.IBAN == activities.RefundFundingAccount.IBAN {
			refundsBatch = len(b.Transfers)
		} else if b.Debtor.IBAN != activities.FundingAccount.IBAN {
			t.Errorf("a batch from %s", b.Debtor.IBAN)
		}
	}
	if refundsBatch != 4 {
		t.Errorf("the refunds' batch has %d transfers; want 4, from the refunds' own account", refundsBatch)
	}
}

func decimalOf(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func decimalInt(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }

// refund: a maternity leave at 70 %, filed by the employer's payroll
// software; its first month checked by a caseworker and approved by a
// supervisor; the second month's certificates short of its days, so a
// caseworker adjusts it; the employee back at work after the second
// month, so the leave ends early and its workflow with it.
func (r *recorder) refund(t *testing.T) {
	e := employerClient{t: t, api: r.api, token: machineToken(t, r.s, "employer-02655284")}
	first := domain.MonthOf(time.Now().UTC()).First().AddDate(0, -5, 0)
	last := first.AddDate(0, 0, refunds.MaternityDays-1)
	emp := employeeAt(t, r.s.Population, first, 70)
	child, _ := domain.MakeJMBG(first.AddDate(0, 0, 28), 21, 405)
	months := refunds.Leave{FirstDay: first, LastDay: last}.Months()
	r.s.Sim.IssueSickLeave(emp.JMBG, domain.SickLeaveCertificate{From: first.Format(time.DateOnly), To: months[1].First().AddDate(0, 0, 19).Format(time.DateOnly),
		Reason: "maternity"})
	code, b := e.json("POST", "/refund-leaves", fmt.Sprintf(`{"employee_jmbg":%q,"kind":"maternity","first_day":%q,"last_day":%q,"child_jmbg":%q,`+
		`"payee_account":"ME25510000000265528422"}`, emp.JMBG, first.Format(time.DateOnly), last.Format(time.DateOnly), child))
	if code != 201 {
		t.Fatalf("file the leave = %d %s", code, b)
	}
	var filed struct{ Number string }
	_ = json.Unmarshal(b, &filed)
	n := filed.Number
	l := e.waitLeave(n, "the assessment", func(l refundLeave) bool { return l.State == "active" })
	base := decimalOf(t, *l.BaseGross)
	if code, b := e.claim(n, months[0].String(), base.StringFixed(2)); code != 202 {
		t.Fatalf("claim = %d %s", code, b)
	}
	r.complete(t, "ana.caseworker", waitTask(t, r.s.APIURL, "ana.caseworker", n, workflows.TaskRefundReview), `{"outcome":"accept"}`)
	r.complete(t, "marko.supervisor", waitTask(t, r.s.APIURL, "marko.supervisor", n, workflows.TaskRefundApprove), `{"outcome":"approve"}`)
	e.waitLeave(n, "the first month decided", func(l refundLeave) bool { return len(l.Months) == 1 && l.Months[0].Decision != nil })
	if code, b := e.claim(n, months[1].String(), base.StringFixed(2)); code != 202 {
		t.Fatalf("claim = %d %s", code, b)
	}
	if code, b := e.json("POST", "/refund-leaves/"+n+"/end", fmt.Sprintf(`{"last_day":%q,"reason":"return_to_work"}`,
		months[1].Last().Format(time.DateOnly))); code != 202 {
		t.Fatalf("end = %d %s", code, b)
	}
	review := waitTask(t, r.s.APIURL, "ivan.caseworker", n, workflows.TaskRefundReview)
	r.complete(t, "ivan.caseworker", review, `{"outcome":"adjust","data":{"amount":"500.00","reason":"Doznaka pokriva 20 dana."}}`)
	r.saveDone(t, "refund_ended.json", workflows.RefundID(n))
}
