package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
)

// cashDeskPageCases are the cash desk's pages (issue 22 item 4) for
// TestPagesSpeakOneLanguage: the cashier's page, a closing and an entry
// sent back, the month's co-payment charged, a resident's account and
// statement, the director's approvals.
func cashDeskPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "cash desk: cashier", tpl: "cashdesk", run: get(s, "dejan.cashier", "/cash-desk", s.cashDeskPage),
			want: both("Očekivana gotovina u kasi", "Cash expected in the drawer")},
		{name: "cash desk: closing sent back", tpl: "cashdesk", run: post(s, "dejan.cashier", "/cash-desk/closings",
			url.Values{"day": {"2026-12-01"}, "counted": {"5"}}, s.cashCloseDay), want: both("objasnite razliku", "explain the difference")},
		{name: "cash desk: co-payment charged", tpl: "cashdesk", run: post(s, "dejan.cashier", "/cash-desk/co-payments",
			url.Values{"month": {"2026-12"}}, s.cashChargeCopayments), want: both("Učešće nije utvrđeno", "No co-payment set")},
		{name: "cash desk: account", tpl: "cashdesk_account", run: get(s, "dejan.cashier", "/cash-desk/accounts/7", s.cashAccountPage, "placement", "7"),
			want: both("Džeparac", "Pocket money")},
		{name: "cash desk: overdrawn", tpl: "cashdesk_account", run: post(s, "dejan.cashier", "/cash-desk/accounts/7/entries",
			url.Values{"kind": {"pocket_money"}, "amount": {"60"}}, s.cashRecordEntry, "placement", "7"), want: both("premašuje stanje računa", "overdraws the account")},
		{name: "cash desk: statement", tpl: "cashdesk_statement", run: get(s, "bojana.social", "/cash-desk/accounts/7/statement?month=2026-11", s.cashStatementPage, "placement", "7"),
			want: both("Završno stanje", "Closing balance")},
		{name: "cash desk: approvals", tpl: "cashdesk_approvals", run: get(s, "vera.director", "/cash-desk/approvals", s.cashApprovalsPage),
			want: both("Odbij", "Reject")},
	}
}

// cashPick is the cnr or en of a name the API gives in the caller's language.
func cashPick(c *gin.Context, cnr, en string) string {
	if c.Query("lang") == "en" {
		return en
	}
	return cnr
}

const fakeCashAccount = `{"placement_id":7,"person_id":"0190a4c2-0000-7000-8000-000000000007","name":"Milica Kasić","unit":"Odjeljenje A (stambeni dio)","room":"Soba 1","bed":"1/A",
	"admitted_on":"2026-09-01","balance":"100","owed":"20","copayment":"120.00","pending_withdrawals":1}`

func fakeCashEntry(c *gin.Context, id int, kind string, in bool, amount, after string) string {
	names := map[string][2]string{"pension": {"Penzija", "Pension"}, "pocket_money": {"Džeparac", "Pocket money"}, "copayment": {"Učešće u troškovima smještaja", "Co-payment for the placement"}}[kind]
	return fmt.Sprintf(`{"id":%d,"placement_id":7,"kind":%q,"kind_name":%q,"in":%t,"amount":%q,"balance_after":%q,"purpose":"","day":"2026-11-16",
		"receipt":"R-2026-%06d","recorded_by":"dejan.cashier","recorded_by_name":"Dejan Perišić","recorded_at":"2026-11-16T09:00:00Z"}`,
		id, kind, cashPick(c, names[0], names[1]), in, amount, after, id)
}

func fakeCashWithdrawal(c *gin.Context) string {
	return fmt.Sprintf(`{"id":3,"placement_id":7,"name":"Milica Kasić","kind":"withdrawal","kind_name":%q,"amount":"150","purpose":"naočare","state":"pending",
		"state_name":%q,"requested_by":"dejan.cashier","requested_by_name":"Dejan Perišić","requested_at":"2026-11-16T10:00:00Z"}`,
		cashPick(c, "Isplata", "Withdrawal"), cashPick(c, "Čeka odobrenje direktora", "Awaiting the director's approval"))
}

func cashDeskFakeAPI(r *gin.Engine) {
	js := func(status int, body func(*gin.Context) string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(status, "application/json", []byte(body(c))) }
	}
	r.GET("/api/v1/cash-desk/accounts", js(http.StatusOK, func(*gin.Context) string {
		return `{"institution":"dom-grabovac","day":"2026-12-01","withdrawal_limit":"100","accounts":[` + fakeCashAccount + `],"total":"100"}`
	}))
	r.GET("/api/v1/cash-desk/days/:day", js(http.StatusOK, func(c *gin.Context) string {
		return `{"day":"2026-12-01","opening":"0","ins":"250","outs":"150","expected":"100","entries":[` + fakeCashEntry(c, 1, "pension", true, "250", "250") + `],"names":{"7":"Milica Kasić"}}`
	}))
	r.GET("/api/v1/cash-desk/closings", js(http.StatusOK, func(*gin.Context) string {
		return `{"closings":[{"day":"2026-11-30","opening":"0","ins":"10","outs":"0","expected":"10","counted":"9","difference":"-1","explanation":"kovanica",
			"entries":1,"closed_by":"dejan.cashier","closed_by_name":"Dejan Perišić","closed_at":"2026-11-30T18:00:00Z"}]}`
	}))
	r.POST("/api/v1/cash-desk/closings", js(http.StatusBadRequest, func(*gin.Context) string {
		return `{"error":{"code":"invalid","field":"explanation","message":"the cash counted (5.00) differs from the cash expected (100.00) by -95.00: explain the difference"}}`
	}))
	r.POST("/api/v1/cash-desk/co-payments", js(http.StatusOK, func(c *gin.Context) string {
		return fmt.Sprintf(`{"month":"2026-12","lines":[{"placement_id":7,"name":"Milica Kasić","status":"charged","status_name":%q,"due":"120","charged":"100","owed":"20","receipt":"R-2026-000004"},
			{"placement_id":8,"name":"Jovan Kasić","status":"no_copayment","status_name":%q,"due":"0","charged":"0","owed":"0"}]}`,
			cashPick(c, "Naplaćeno", "Charged"), cashPick(c, "Učešće nije utvrđeno", "No co-payment set"))
	}))
	r.GET("/api/v1/cash-desk/accounts/:placement", js(http.StatusOK, func(c *gin.Context) string {
		return `{"account":` + fakeCashAccount + `,"entries":[` + fakeCashEntry(c, 2, "pocket_money", false, "150", "100") + `,` +
			fakeCashEntry(c, 1, "pension", true, "250", "250") + `],"withdrawals":[` + fakeCashWithdrawal(c) + `],"withdrawal_limit":"100"}`
	}))
	r.POST("/api/v1/cash-desk/accounts/:placement/entries", js(http.StatusConflict, func(*gin.Context) string {
		return `{"error":{"code":"conflict","field":"amount","message":"a withdrawal of 60.00 EUR overdraws the account: its balance is 50.00 EUR"}}`
	}))
	r.GET("/api/v1/cash-desk/accounts/:placement/statement", js(http.StatusOK, func(c *gin.Context) string {
		return `{"account":` + fakeCashAccount + `,"month":"2026-11","opening_balance":"0","paid_in":"250","paid_out":"150","closing_balance":"100","entries":[` +
			fakeCashEntry(c, 1, "pension", true, "250", "250") + `,` + fakeCashEntry(c, 2, "copayment", false, "150", "100") + `]}`
	}))
	r.GET("/api/v1/cash-desk/withdrawals", js(http.StatusOK, func(c *gin.Context) string {
		return `{"withdrawals":[` + fakeCashWithdrawal(c) + `]}`
	}))
}

// TestCashDeskPages: on the real API, the cashier of Grabovac records a
// pension on a resident's page (its receipt), is refused a withdrawal that
// overdraws (beside the form, in Montenegrin, naming the balance), asks for
// one above the limit, which waits; the director approves it on the
// approvals page; the receipt's PDF; the statement; the day's closing
// refused without an explanation of a difference, then made with the cash
// counted; the social worker reads the desk and may not close it.
func TestCashDeskPages(t *testing.T) {
	s := newSite(t, true)
	ctx := context.Background()
	for k := range 2 {
		j, _ := domain.MakeJMBG(time.Date(1940+k, 5, 5, 0, 0, 0, 0, time.UTC), 21, 850+k)
		seed(t, s.db, string(j), "Podgorica", "Ljubica", "Kasović")
	}
	if _, err := devstack.LoadDemoInstitutions(ctx, s.db, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	res, err := s.db.Residents(ctx, "dom-grabovac")
	if err != nil || len(res) == 0 {
		t.Fatal(res, err)
	}
	// The demo residents come with their decision; the first stands for a
	// resident whose centre set no co-payment.
	if _, err := s.db.Pool().Exec(ctx, `UPDATE placements SET copayment = NULL, resident_share = NULL WHERE id = $1`, res[0].PlacementID); err != nil {
		t.Fatal(err)
	}
	account := fmt.Sprintf("/cash-desk/accounts/%d", res[0].PlacementID)
	send := func(b *browser, path string, v url.Values, want int) (*http.Response, string) {
		t.Helper()
		if b.cookies[cookieCSRF] == nil {
			b.page("GET", s.ts.URL+"/", nil)
		}
		v.Set("csrf", b.cookies[cookieCSRF].Value)
		resp, body := b.page("POST", s.ts.URL+path, v)
		if resp.StatusCode != want {
			t.Fatalf("POST %s = %d; want %d: %.600s", path, resp.StatusCode, want, body)
		}
		if want == http.StatusSeeOther {
			_, body = b.page("GET", s.ts.URL+resp.Header.Get("Location"), nil)
		}
		return resp, body
	}
	cashier, _ := s.login(t, "dejan.cashier", "/cash-desk")
	_, page := cashier.page("GET", s.ts.URL+"/cash-desk", nil)
	if !strings.Contains(page, res[0].Name) || !strings.Contains(page, "nije utvrđeno (nema šta da se naplati)") {
		t.Fatalf("the cashier's page: %.3000s", page)
	}
	_, page = send(cashier, account+"/entries", url.Values{"kind": {"pension"}, "amount": {"250,00"}}, http.StatusSeeOther)
	if !strings.Contains(page, fmt.Sprintf("R-%d-000001", time.Now().Year())) || !strings.Contains(page, "Promjena je evidentirana") {
		t.Fatalf("after the pension: %.3000s", page)
	}
	_, page = send(cashier, account+"/entries", url.Values{"kind": {"pocket_money"}, "amount": {"60"}}, http.StatusSeeOther)
	if !strings.Contains(page, "190,00 €") {
		t.Fatalf("after the pocket money: %.3000s", page)
	}
	_, page = send(cashier, account+"/entries", url.Values{"kind": {"withdrawal"}, "amount": {"300"}, "purpose": {"obuća"}}, http.StatusConflict)
	if !strings.Contains(page, "isplata od 300,00 € premašuje stanje računa: stanje je 190,00 €") {
		t.Fatalf("an overdraft: %.3000s", page)
	}
	_, page = send(cashier, account+"/entries", url.Values{"kind": {"withdrawal"}, "amount": {"150"}}, http.StatusBadRequest)
	if !strings.Contains(page, "upišite svrhu isplate") {
		t.Fatalf("a withdrawal without purpose: %.3000s", page)
	}
	_, page = send(cashier, account+"/entries", url.Values{"kind": {"withdrawal"}, "amount": {"150"}, "purpose": {"naočare"}}, http.StatusSeeOther)
	if !strings.Contains(page, "čeka odobrenje direktora") {
		t.Fatalf("above the limit: %.3000s", page)
	}
	director, _ := s.login(t, "vera.director", "/cash-desk/approvals")
	_, page = director.page("GET", s.ts.URL+"/cash-desk/approvals", nil)
	ws, _ := s.db.CashWithdrawals(ctx, "dom-grabovac", "pending")
	if len(ws) != 1 || !strings.Contains(page, "naočare") {
		t.Fatalf("the director's approvals (%d pending): %.3000s", len(ws), page)
	}
	_, page = send(director, fmt.Sprintf("/cash-desk/withdrawals/%d/approve", ws[0].ID), url.Values{}, http.StatusSeeOther)
	if !strings.Contains(page, "Isplata je odobrena i isplaćena.") {
		t.Fatalf("approved: %.3000s", page)
	}
	entries, _ := s.db.CashEntries(ctx, "dom-grabovac", res[0].PlacementID)
	if resp, body := cashier.page("GET", fmt.Sprintf("%s%s/entries/%d/receipt.pdf", s.ts.URL, account, entries[0].ID), nil); resp.StatusCode != http.StatusOK ||
		!strings.HasPrefix(body, "%PDF") {
		t.Fatalf("the receipt = %d %.100s", resp.StatusCode, body)
	}
	_, page = cashier.page("GET", s.ts.URL+account+"/statement?month="+time.Now().Format("2006-01"), nil)
	if !strings.Contains(page, "Završno stanje") || !strings.Contains(page, "40,00 €") {
		t.Fatalf("the statement: %.3000s", page)
	}
	today := time.Now().Format(time.DateOnly)
	_, page = send(cashier, "/cash-desk/closings", url.Values{"day": {today}, "counted": {"45"}}, http.StatusBadRequest)
	if !strings.Contains(page, "objasnite razliku") {
		t.Fatalf("a difference unexplained: %.3000s", page)
	}
	_, page = send(cashier, "/cash-desk/closings", url.Values{"day": {today}, "counted": {"40,00"}}, http.StatusSeeOther)
	if !strings.Contains(page, "Dan je zaključen.") {
		t.Fatalf("the day closed: %.3000s", page)
	}
	social, _ := s.login(t, "bojana.social", "/cash-desk")
	_, page = social.page("GET", s.ts.URL+"/cash-desk", nil)
	if !strings.Contains(page, "Dan je zaključio/la Dejan Perišić") || strings.Contains(page, `id="form-closing"`) || strings.Contains(page, `id="form-copayment"`) {
		t.Fatalf("the social worker's view: %.3000s", page)
	}
}
