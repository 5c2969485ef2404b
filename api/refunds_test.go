package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/store"
)

// refundPop holds employees of the demo employer.
var refundPop = sim.NewPopulation(60)

// seedLeave records a leave of employer (its centre) for an employee
// serial, from first for 98 days.
func seedLeave(t *testing.T, db *store.DB, pib, centre string, serial int, first string) store.RefundLeave {
	t.Helper()
	e, _ := domain.MakeJMBG(time.Date(1991, 3, 3, 0, 0, 0, 0, time.UTC), 21, 500+serial)
	f, _ := time.Parse(time.DateOnly, first)
	c, _ := domain.MakeJMBG(f.AddDate(0, 0, 30), 21, serial)
	l, err := db.FileRefundLeave(context.Background(), store.Employer{PIB: pib, Name: "Firma " + pib, IBAN: "ME25510000000265528422", CentreID: centre},
		store.RefundLeave{Benefit: "RNZ", Kind: "maternity", EmployeeJMBG: e, ChildJMBG: c, FirstDay: f, LastDay: f.AddDate(0, 0, 97),
			PayeeIBAN: "ME25510000000265528422", FiledBy: "seed", FiledAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func claimMonth(t *testing.T, ts *httptest.Server, user, number string, fields map[string]string, statement []byte) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if statement != nil {
		w, _ := mw.CreateFormFile("statement", "izvod.pdf")
		_, _ = w.Write(statement)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/refund-leaves/"+number+"/claims", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

func fieldOf(b []byte) string {
	var e errBody
	_ = json.Unmarshal(b, &e)
	return e.Error.Field
}

// TestRefundLeavesOverTheAPI: an employer files a leave (every bad field
// named, nothing recorded), reads only its own leaves, claims months and
// ends a leave; a centre's staff read their centre's.
func TestRefundLeavesOverTheAPI(t *testing.T) {
	s := sim.NewServer(refundPop, sim.Faults{})
	reg := httptest.NewServer(s)
	t.Cleanup(reg.Close)
	ts, db := newServerFor(t, func(d *api.Deps) {
		d.Temporal = unreachableTemporal{}
		d.Registry = &xroad.Client{BaseURL: reg.URL, ClientID: "ME/GOV/MRSS/karton", HTTP: &http.Client{Timeout: 2 * time.Second}}
	})
	ctx := context.Background()
	var emp, man, stranger sim.Member
	for i := 0; i < refundPop.Size(); i++ {
		for _, m := range refundPop.Household(i).Members {
			switch {
			case m.EmployerPIB == sim.DemoEmployerPIB && m.Sex == domain.SexFemale && emp.JMBG == "":
				emp = m
			case m.EmployerPIB == sim.DemoEmployerPIB && m.Sex == domain.SexMale && man.JMBG == "":
				man = m
			case m.EmployedNet.IsPositive() && m.EmployerPIB != sim.DemoEmployerPIB && stranger.JMBG == "":
				stranger = m
			}
		}
	}
	child, _ := domain.MakeJMBG(time.Date(2026, 7, 29, 0, 0, 0, 0, time.UTC), 21, 31)
	leave := func(over map[string]string) string {
		body := map[string]string{"employee_jmbg": string(emp.JMBG), "kind": "maternity", "first_day": "2026-07-01", "last_day": "2026-10-06",
			"child_jmbg": string(child), "payee_account": "ME25510000000265528422"}
		for k, v := range over {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		return string(b)
	}
	tests := []struct {
		user, body string
		status     int
		field      string
	}{
		{"employer-02655284", leave(map[string]string{"employer_pib": "02655285"}), 400, "employer_pib"},
		{"employer-02655284", leave(map[string]string{"employer_pib": "02000008"}), 404, "employer_pib"},
		{"employer-02655284", leave(map[string]string{"employee_jmbg": "0101990215001"}), 400, "employee_jmbg"},
		{"employer-02655284", leave(map[string]string{"employee_jmbg": string(stranger.JMBG)}), 400, "employee_jmbg"},
		{"employer-02655284", leave(map[string]string{"employee_jmbg": string(man.JMBG)}), 400, "employee_jmbg"},
		{"employer-02655284", leave(map[string]string{"kind": "sabbatical"}), 400, "kind"},
		{"employer-02655284", leave(map[string]string{"last_day": "2026-10-07"}), 400, "last_day"},
		{"employer-02655284", leave(map[string]string{"first_day": "1 July"}), 400, "first_day"},
		{"employer-02655284", leave(map[string]string{"payee_account": "ME25505000012345678952"}), 400, "payee_account"},
		{"employer-02655284", leave(map[string]string{"child_jmbg": string(emp.JMBG)}), 400, "child_jmbg"},
		{"ana.caseworker", leave(nil), 403, ""},
		{"citizen.demo", leave(nil), 403, ""},
		// Everything right, but Temporal is down: 503, and the leave is taken back.
		{"employer-02655284", leave(nil), 503, ""},
	}
	for _, tt := range tests {
		code, b := doAs(t, ts, tt.user, "POST", "/api/v1/refund-leaves", tt.body)
		if code != tt.status || fieldOf(b) != tt.field {
			t.Errorf("file %s as %s = %d %s; want %d on %q", tt.body, tt.user, code, b, tt.status, tt.field)
		}
	}
	if ls, _ := db.RefundLeaves(ctx, store.RefundLeaveFilter{EmployerPIB: sim.DemoEmployerPIB}); len(ls) != 0 {
		t.Fatalf("%d leaves recorded by refused filings; want none", len(ls))
	}
	// Overlapping an existing leave: 409 on first_day.
	own := seedLeave(t, db, sim.DemoEmployerPIB, "csr-podgorica", 1, "2026-07-01")
	if _, err := db.Pool().Exec(ctx, `UPDATE refund_leaves SET employee_jmbg = $1 WHERE number = $2`, string(emp.JMBG), own.Number); err != nil {
		t.Fatal(err)
	}
	if code, b := doAs(t, ts, "maja.employer", "POST", "/api/v1/refund-leaves", leave(map[string]string{"kind": "parental", "first_day": "2026-09-01",
		"last_day": "2026-12-31"})); code != 409 || fieldOf(b) != "first_day" {
		t.Errorf("overlapping leave = %d %s; want 409 on first_day", code, b)
	}
	other := seedLeave(t, db, "02000008", "csr-niksic", 2, "2026-06-01")

	// Reading: the employer its own (the machine client and its staff alike), 404 for another's.
	for _, user := range []string{"employer-02655284", "maja.employer"} {
		code, b := doAs(t, ts, user, "GET", "/api/v1/refund-leaves", "")
		var list struct{ Leaves []struct{ Number string } }
		_ = json.Unmarshal(b, &list)
		if code != 200 || len(list.Leaves) != 1 || list.Leaves[0].Number != own.Number {
			t.Errorf("%s lists %d %s; want its own leave only", user, code, b)
		}
		if code, _ := doAs(t, ts, user, "GET", "/api/v1/refund-leaves/"+other.Number, ""); code != 404 {
			t.Errorf("%s reads another employer's leave: %d; want 404", user, code)
		}
		if code, _ := doAs(t, ts, user, "GET", "/api/v1/refund-leaves/RN-2026-999999", ""); code != 404 {
			t.Errorf("%s reads a leave that does not exist: %d", user, code)
		}
	}
	code, b := doAs(t, ts, "employer-02655284", "GET", "/api/v1/refund-leaves/"+own.Number, "")
	var view struct {
		Number    string
		State     string
		Claimable []string
		Months    []any
	}
	_ = json.Unmarshal(b, &view)
	if code != 200 || view.State != "assessing" || len(view.Claimable) != 4 || len(view.Months) != 0 {
		t.Errorf("own leave = %d %s", code, b)
	}
	if code, _ := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/refund-leaves/"+own.Number, ""); code != 200 {
		t.Errorf("Podgorica's caseworker reads her centre's leave: %d", code)
	}
	if code, _ := doAs(t, ts, "ana.caseworker", "GET", "/api/v1/refund-leaves/"+other.Number, ""); code != 403 {
		t.Errorf("Podgorica's caseworker reads Nikšić's leave: %d; want 403", code)
	}
	if code, _ := doAs(t, ts, "employer-02655284", "GET", "/api/v1/refund-leaves?centre_id=csr-niksic", ""); code != 404 {
		t.Errorf("an employer lists a centre's leaves: %d; want 404", code)
	}

	// A month's claim: every field checked before anything is kept.
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
	claims := []struct {
		fields    map[string]string
		statement []byte
		status    int
		field     string
	}{
		{map[string]string{"month": "July", "salary_paid": "1240.00"}, pdf, 400, "month"},
		{map[string]string{"month": "2026-06", "salary_paid": "1240.00"}, pdf, 400, "month"},
		{map[string]string{"month": "2099-01", "salary_paid": "1240.00"}, pdf, 400, "month"},
		{map[string]string{"month": "2026-07", "salary_paid": "-1"}, pdf, 400, "salary_paid"},
		{map[string]string{"month": "2026-07", "salary_paid": "10.001"}, pdf, 400, "salary_paid"},
		{map[string]string{"month": "2026-07", "salary_paid": "1240.00"}, nil, 400, "statement"},
		{map[string]string{"month": "2026-07", "salary_paid": "1240.00"}, []byte("just text"), 400, "statement"},
		// Right, but this API has no object store: 503, nothing kept.
		{map[string]string{"month": "2026-07", "salary_paid": "1240.00"}, pdf, 503, ""},
	}
	for _, c := range claims {
		if code, b := claimMonth(t, ts, "employer-02655284", own.Number, c.fields, c.statement); code != c.status || fieldOf(b) != c.field {
			t.Errorf("claim %v = %d %s; want %d on %q", c.fields, code, b, c.status, c.field)
		}
	}
	if code, _ := claimMonth(t, ts, "employer-02655284", other.Number, map[string]string{"month": "2026-07", "salary_paid": "1"}, pdf); code != 404 {
		t.Errorf("a claim on another employer's leave: %d; want 404", code)
	}
	if code, _ := claimMonth(t, ts, "ana.caseworker", own.Number, map[string]string{"month": "2026-07", "salary_paid": "1"}, pdf); code != 403 {
		t.Errorf("a caseworker claims a month: %d; want 403", code)
	}
	// A month claimed already is a conflict.
	if _, err := db.FileRefundClaim(ctx, store.RefundClaim{LeaveNumber: own.Number, Month: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		SalaryPaid: decimal.NewFromInt(1240), StatementKey: "k", StatementSHA256: "s", StatementType: "application/pdf", FiledBy: "seed", FiledAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if code, b := claimMonth(t, ts, "employer-02655284", own.Number, map[string]string{"month": "2026-07", "salary_paid": "1240.00"}, pdf); code != 409 || fieldOf(b) != "month" {
		t.Errorf("July again = %d %s; want 409 on month", code, b)
	}

	// An early end: reasons and days checked; recorded, the months after it no longer claimable.
	for _, tt := range []struct{ body, field string }{
		{`{"last_day":"2026-08-20","reason":"holiday"}`, "reason"},
		{`{"last_day":"2026-10-06","reason":"return_to_work"}`, "last_day"},
		{`{"last_day":"20.08.2026","reason":"return_to_work"}`, "last_day"},
	} {
		if code, b := doAs(t, ts, "employer-02655284", "POST", "/api/v1/refund-leaves/"+own.Number+"/end", tt.body); code != 400 || fieldOf(b) != tt.field {
			t.Errorf("end %s = %d %s; want 400 on %s", tt.body, code, b, tt.field)
		}
	}
	if code, b := doAs(t, ts, "employer-02655284", "POST", "/api/v1/refund-leaves/"+own.Number+"/end", `{"last_day":"2026-08-20","reason":"return_to_work"}`); code != 202 {
		t.Errorf("end = %d %s; want 202 (the end is recorded; the workflow reads it at its next step)", code, b)
	}
	_, b = doAs(t, ts, "employer-02655284", "GET", "/api/v1/refund-leaves/"+own.Number, "")
	_ = json.Unmarshal(b, &view)
	if strings.Join(view.Claimable, ",") != "2026-08" {
		t.Errorf("claimable after the end = %v; want August only", view.Claimable)
	}
	if code, _ := doAs(t, ts, "employer-02655284", "POST", "/api/v1/refund-leaves/"+other.Number+"/end", `{"last_day":"2026-07-20","reason":"return_to_work"}`); code != 404 {
		t.Errorf("ending another employer's leave: %d; want 404", code)
	}
	// The employers' portal is rate-limited per user.
	limited := false
	for i := 0; i < 100 && !limited; i++ {
		code, _ := doAs(t, ts, "maja.employer", "GET", "/api/v1/refund-leaves", "")
		limited = code == http.StatusTooManyRequests
	}
	if !limited {
		t.Error("100 requests at once were all answered; want 429 past the portal's rate")
	}
}
