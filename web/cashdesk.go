package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/institutions"
)

// The cash desk of a residential institution (issue 22 item 4): the
// cashier's page (/cash-desk: the residents' accounts and balances, the
// day's entries and its closing, the month's co-payment), a resident's
// account (its entries with their receipts, an entry recorded, the monthly
// statement) and the director's approvals of withdrawals above the limit.
// Every page calls the API with the user's token: another institution's
// resident is a 404 there and here.

// registerCashDesk adds the cash desk's pages.
func (s *server) registerCashDesk(page, form func(string, gin.HandlerFunc)) {
	page("/cash-desk", s.cashDeskPage)
	page("/cash-desk/approvals", s.cashApprovalsPage)
	page("/cash-desk/accounts/:placement", s.cashAccountPage)
	page("/cash-desk/accounts/:placement/statement", s.cashStatementPage)
	page("/cash-desk/accounts/:placement/statement.pdf", s.cashStatementPDF)
	page("/cash-desk/accounts/:placement/entries/:entry/receipt.pdf", s.cashReceiptPDF)
	form("/cash-desk/accounts/:placement/entries", s.cashRecordEntry)
	form("/cash-desk/co-payments", s.cashChargeCopayments)
	form("/cash-desk/closings", s.cashCloseDay)
	form("/cash-desk/withdrawals/:id/approve", s.cashApprove)
	form("/cash-desk/withdrawals/:id/reject", s.cashReject)
}

// cashKinds are the kinds of entry the cashier records, with their names.
func cashKinds(lang string) []obj {
	var out []obj
	for _, k := range institutions.EntryKinds() {
		if k != institutions.EntryCopayment {
			out = append(out, obj{"code": string(k), "name": t(lang, "cd.kind."+string(k))})
		}
	}
	return out
}

// placementParam is the path's :placement, a number (else 0: the API
// answers 404).
func placementParam(c *gin.Context, name string) string {
	p := c.Param(name)
	if _, err := strconv.ParseInt(p, 10, 64); err != nil {
		return "0"
	}
	return p
}

// cashDeskPage is the cashier's page (the director and the social worker
// read it): the accounts, today's entries and expected cash, the day's
// closing, the month's co-payment.
func (s *server) cashDeskPage(c *gin.Context) {
	s.renderCashDesk(c, http.StatusOK, "", nil, "", nil)
}

func (s *server) renderCashDesk(c *gin.Context, status int, form string, errs map[string]string, summary string, charged obj) {
	lang := s.lang(c)
	var accounts obj
	if r := s.getJSON(c, "/api/v1/cash-desk/accounts?lang="+lang, &accounts); !r.ok() {
		s.refused(c, r)
		return
	}
	var day, closings obj
	s.getJSON(c, "/api/v1/cash-desk/days/today?lang="+lang, &day)
	s.getJSON(c, "/api/v1/cash-desk/closings", &closings)
	u := userOf(c)
	s.render(c, status, "cashdesk", gin.H{"Accounts": accounts["accounts"], "Total": accounts["total"], "Limit": accounts["withdrawal_limit"],
		"Day": day, "Closings": closings["closings"], "MayRecord": may(u, "cash", "create"), "MayClose": may(u, "cash", "close"),
		"MayApprove": may(u, "cash", "approve"), "Month": time.Now().Format("2006-01"), "SentForm": form, "Errs": errs, "Summary": summary,
		"Values": formValues(c), "Charged": charged, "ChargedMonth": monthName(lang, str(charged["month"]))})
}

// cashAccountPage is a resident's account: its entries, an entry to
// record, the statement of a month.
func (s *server) cashAccountPage(c *gin.Context) {
	s.renderCashAccount(c, http.StatusOK, nil, "")
}

func (s *server) renderCashAccount(c *gin.Context, status int, errs map[string]string, summary string) {
	lang := s.lang(c)
	p := placementParam(c, "placement")
	var a obj
	if r := s.getJSON(c, "/api/v1/cash-desk/accounts/"+p+"?lang="+lang, &a); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, status, "cashdesk_account", gin.H{"A": a["account"], "Entries": a["entries"], "Withdrawals": a["withdrawals"], "Limit": a["withdrawal_limit"],
		"Placement": p, "Kinds": cashKinds(lang), "MayRecord": may(userOf(c), "cash", "create"), "Errs": errs, "Summary": summary,
		"Values": formValues(c), "Month": time.Now().Format("2006-01")})
}

// cashRecordEntry sends the cashier's entry; a refusal (overdrawn, the day
// closed, bad input) comes back beside the form; a withdrawal above the
// limit is said to wait for the director.
func (s *server) cashRecordEntry(c *gin.Context) {
	p := placementParam(c, "placement")
	body := obj{"kind": c.PostForm("kind"), "amount": strings.TrimSpace(c.PostForm("amount")), "purpose": strings.TrimSpace(c.PostForm("purpose"))}
	r := s.call(c, http.MethodPost, "/api/v1/cash-desk/accounts/"+p+"/entries", body, "")
	lang := s.lang(c)
	switch {
	case r.status == http.StatusBadRequest || r.status == http.StatusConflict:
		errs, summary := fieldErrors(lang, r, "")
		s.renderCashAccount(c, r.status, errs, summary)
	case r.status == http.StatusAccepted:
		back(c, "/cash-desk/accounts/"+p, t(lang, "cd.waits_for_director"))
	case !r.ok():
		backError(c, "/cash-desk/accounts/"+p, s.say(c, r))
	default:
		back(c, "/cash-desk/accounts/"+p, t(lang, "cd.recorded"))
	}
}

// cashStatementPage is a resident's statement of a month, to print or
// download as a PDF.
func (s *server) cashStatementPage(c *gin.Context) {
	lang := s.lang(c)
	p := placementParam(c, "placement")
	month := c.Query("month")
	if month == "" {
		month = time.Now().Format("2006-01")
	}
	var st obj
	if r := s.getJSON(c, "/api/v1/cash-desk/accounts/"+p+"/statement?lang="+lang+"&month="+url.QueryEscape(month), &st); !r.ok() {
		if r.status == http.StatusBadRequest {
			backError(c, "/cash-desk/accounts/"+p, s.say(c, r))
			return
		}
		s.refused(c, r)
		return
	}
	s.render(c, http.StatusOK, "cashdesk_statement", gin.H{"S": st, "A": st["account"], "Placement": p, "MonthName": monthName(lang, str(st["month"])),
		"MonthCode": str(st["month"])})
}

func (s *server) cashStatementPDF(c *gin.Context) {
	p := placementParam(c, "placement")
	month := c.Query("month")
	if _, err := time.Parse("2006-01", month); err != nil {
		month = time.Now().Format("2006-01")
	}
	s.pdf(c, "/api/v1/cash-desk/accounts/"+p+"/statement.pdf?month="+month, `attachment; filename="izvod-`+p+`-`+month+`.pdf"`)
}

func (s *server) cashReceiptPDF(c *gin.Context) {
	p, e := placementParam(c, "placement"), placementParam(c, "entry")
	s.pdf(c, "/api/v1/cash-desk/accounts/"+p+"/entries/"+e+"/receipt", `attachment; filename="priznanica-`+e+`.pdf"`)
}

// cashChargeCopayments charges the month's co-payment and shows, line by
// line, what each resident was charged.
func (s *server) cashChargeCopayments(c *gin.Context) {
	lang := s.lang(c)
	r := s.call(c, http.MethodPost, "/api/v1/cash-desk/co-payments?lang="+lang, obj{"month": strings.TrimSpace(c.PostForm("month"))}, "")
	switch {
	case r.status == http.StatusBadRequest || r.status == http.StatusConflict:
		errs, summary := fieldErrors(lang, r, "")
		s.renderCashDesk(c, r.status, "copayment", errs, summary, nil)
	case !r.ok():
		backError(c, "/cash-desk", s.say(c, r))
	default:
		var res obj
		if err := json.Unmarshal(r.body, &res); err != nil {
			backError(c, "/cash-desk", t(lang, "err.code.internal"))
			return
		}
		s.renderCashDesk(c, http.StatusOK, "copayment", nil, "", res)
	}
}

// cashCloseDay sends the cashier's count of the drawer; a difference
// without its explanation comes back beside the form.
func (s *server) cashCloseDay(c *gin.Context) {
	lang := s.lang(c)
	body := obj{"day": c.PostForm("day"), "counted": strings.Replace(strings.TrimSpace(c.PostForm("counted")), ",", ".", 1),
		"explanation": strings.TrimSpace(c.PostForm("explanation"))}
	r := s.call(c, http.MethodPost, "/api/v1/cash-desk/closings", body, "")
	switch {
	case r.status == http.StatusBadRequest || r.status == http.StatusConflict:
		errs, summary := fieldErrors(lang, r, "")
		s.renderCashDesk(c, r.status, "closing", errs, summary, nil)
	case !r.ok():
		backError(c, "/cash-desk", s.say(c, r))
	default:
		back(c, "/cash-desk", t(lang, "cd.closed_done"))
	}
}

// cashApprovalsPage is the director's: the withdrawals above the limit
// waiting for approval, and those decided.
func (s *server) cashApprovalsPage(c *gin.Context) {
	lang := s.lang(c)
	var res obj
	if r := s.getJSON(c, "/api/v1/cash-desk/withdrawals?lang="+lang, &res); !r.ok() {
		s.refused(c, r)
		return
	}
	var pending, decided []any
	list, _ := res["withdrawals"].([]any)
	me := userOf(c).Username
	for _, x := range list {
		w, ok := x.(map[string]any)
		if !ok {
			continue
		}
		w["Mine"] = str(w["requested_by"]) == me
		if str(w["state"]) == "pending" {
			pending = append(pending, w)
		} else {
			decided = append(decided, w)
		}
	}
	s.render(c, http.StatusOK, "cashdesk_approvals", gin.H{"Pending": pending, "Decided": decided, "MayApprove": may(userOf(c), "cash", "approve")})
}

func (s *server) cashDecide(c *gin.Context, verb, done string, body obj) {
	id := placementParam(c, "id")
	r := s.call(c, http.MethodPost, "/api/v1/cash-desk/withdrawals/"+id+"/"+verb, body, "")
	if !r.ok() {
		backError(c, "/cash-desk/approvals", s.say(c, r))
		return
	}
	back(c, "/cash-desk/approvals", t(s.lang(c), done))
}

// cashApprove sends the director's approval.
func (s *server) cashApprove(c *gin.Context) { s.cashDecide(c, "approve", "cd.approved", obj{}) }

// cashReject sends the director's rejection with its reason.
func (s *server) cashReject(c *gin.Context) {
	s.cashDecide(c, "reject", "cd.rejected", obj{"reason": strings.TrimSpace(c.PostForm("reason"))})
}
