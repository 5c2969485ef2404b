package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// The finance officers' payroll pages (issue 17 item 5): the months with
// their payroll's state (none for a month without one, said so), a month's
// payroll with its files to download, its totals by benefit, municipality
// (by name), channel and state and the grand totals, its exceptions, its
// changes against the month before a page at a time and by kind, the
// submission and approval, and the import of the bank's answers.

// payrollChangesPage is how many changes a page of the payroll lists.
const payrollChangesPage = 50

// payrollPage shows the months, and with a period that month's payroll.
func (s *server) payrollPage(c *gin.Context) {
	s.renderPayroll(c, c.Param("period"), http.StatusOK, "")
}

// renderPayroll shows the months and period's payroll ("" none chosen);
// confirmErr is the message beside the approval's confirmation when it was
// sent without it.
func (s *server) renderPayroll(c *gin.Context, period string, status int, confirmErr string) {
	lang := s.lang(c)
	var months obj
	r := s.getJSON(c, "/api/v1/payrolls", &months)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	list := asList(months["months"])
	var startable []string // the months a payroll may be started for: payable, none yet
	for _, m := range list {
		if m["payable"] == true && m["payroll"] == nil {
			startable = append(startable, str(m["period"]))
		}
	}
	data := gin.H{"Months": list, "Startable": startable, "Period": period, "ConfirmErr": confirmErr}
	if period == "" {
		s.render(c, status, "payroll", data)
		return
	}
	if _, err := domain.ParseMonth(period); err != nil {
		s.render(c, http.StatusNotFound, "message", gin.H{"Title": "not_found", "Message": t(lang, "payroll_no_month")})
		return
	}
	data["PeriodName"] = monthName(lang, period)
	kind := c.Query("changes")
	switch kind {
	case "", "new", "stopped", "changed":
	default:
		kind = ""
	}
	page, _ := strconv.Atoi(c.Query("page"))
	page = max(page, 1)
	q := url.Values{"changes_limit": {strconv.Itoa(payrollChangesPage)}, "changes_offset": {strconv.Itoa((page - 1) * payrollChangesPage)}}
	if kind != "" {
		q.Set("changes", kind)
	}
	var p obj
	r = s.getJSON(c, "/api/v1/payrolls/"+url.PathEscape(period)+"?"+q.Encode(), &p)
	switch {
	case r.ok():
		data["P"] = p
	case r.status == http.StatusNotFound: // no payroll for the month: said so, and whether one may be started
		data["None"] = true
		for _, m := range startable {
			data["MayStart"] = data["MayStart"] == true || m == period
		}
		s.render(c, status, "payroll", data)
		return
	default:
		s.refused(c, r)
		return
	}
	counts, _ := p["change_counts"].(map[string]any)
	all := 0
	for _, n := range counts {
		all += int(asFloat(n))
	}
	shown := all
	if kind != "" {
		shown = int(asFloat(counts[kind]))
	}
	link := func(kind string, page int) string {
		v := url.Values{}
		if kind != "" {
			v.Set("changes", kind)
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		u := "/payrolls/" + url.PathEscape(period)
		if len(v) > 0 {
			u += "?" + v.Encode()
		}
		return u + "#h-changes"
	}
	type kindLink struct {
		Kind, Link string
		Count      int
		Current    bool
	}
	kinds := []kindLink{{Kind: "", Link: link("", 1), Count: all, Current: kind == ""}}
	for _, k := range []string{"new", "stopped", "changed"} {
		kinds = append(kinds, kindLink{Kind: k, Link: link(k, 1), Count: int(asFloat(counts[k])), Current: kind == k})
	}
	data["Kinds"], data["Kind"] = kinds, kind
	if n := len(asList(p["changes"])); n > 0 {
		from := (page-1)*payrollChangesPage + 1
		data["ChangesFrom"], data["ChangesTo"], data["ChangesTotal"] = from, from+n-1, shown
	}
	if page > 1 {
		data["ChangesPrev"] = link(kind, page-1)
	}
	if page*payrollChangesPage < shown {
		data["ChangesNext"] = link(kind, page+1)
	}
	s.render(c, status, "payroll", data)
}

// monthName says a month ("2026-10") as the pages say it: "oktobar 2026."
func monthName(lang, period string) string {
	m, err := domain.ParseMonth(period)
	if err != nil {
		return period
	}
	return t(lang, "month."+strconv.Itoa(int(m.First().Month()))) + " " + strconv.Itoa(m.First().Year()) + t(lang, "year_dot")
}

func (s *server) startPayroll(c *gin.Context) {
	period := strings.TrimSpace(c.PostForm("period"))
	if period == "" {
		backError(c, "/payrolls", t(s.lang(c), "payroll_choose_month"))
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/payrolls", obj{"period": period}, "")
	switch {
	case r.status == http.StatusBadRequest && strings.Contains(r.message(), "period: ") && validMonth(period):
		back(c, "/payrolls", t(s.lang(c), "payroll_not_payable")) // domain.PayablePeriod refused it
		return
	case r.status == http.StatusConflict:
		back(c, "/payrolls", t(s.lang(c), "payroll_busy"))
		return
	case !r.ok():
		backError(c, "/payrolls", s.say(c, r))
		return
	}
	s.settle(c, s.payrollLeft(period, "")) // the preparation has started: the payroll is recorded
	back(c, "/payrolls/"+url.PathEscape(period), "")
}

func validMonth(s string) bool {
	_, err := domain.ParseMonth(s)
	return err == nil
}

func (s *server) payrollAction(c *gin.Context) {
	period, action := c.Param("period"), c.Param("action")
	if action == "bank-files" {
		s.importBankFiles(c)
		return
	}
	body := obj{}
	if action == "approve" && c.PostForm("confirm") != "yes" { // the files go to the bank: confirmed on the form
		s.renderPayroll(c, period, http.StatusBadRequest, t(s.lang(c), "confirm_needed"))
		return
	}
	if action == "approve" {
		hashes := obj{}
		_ = c.Request.ParseForm()
		for k, v := range c.Request.PostForm {
			if name, ok := strings.CutPrefix(k, "hash:"); ok && len(v) == 1 {
				hashes[name] = v[0]
			}
		}
		body["hashes"] = hashes
	} else if action != "submit" {
		c.String(http.StatusNotFound, "no such action")
		return
	}
	before, err := s.payrollState(c.Request.Context(), period)
	r := s.call(c, http.MethodPost, "/api/v1/payrolls/"+url.PathEscape(period)+"/"+action, body, "")
	if !r.ok() {
		backError(c, "/payrolls/"+url.PathEscape(period), s.say(c, r))
		return
	}
	if err == nil {
		s.settle(c, s.payrollLeft(period, before)) // the workflow recorded the payroll's next state
	}
	back(c, "/payrolls/"+url.PathEscape(period), t(s.lang(c), "done"))
}

// importBankFiles sends the bank's answers chosen on the page (pain.002,
// camt.054; several at once) to the payroll: what became of the payments
// is said back, or why nothing was applied.
func (s *server) importBankFiles(c *gin.Context) {
	lang := s.lang(c)
	period := c.Param("period")
	page := "/payrolls/" + url.PathEscape(period)
	form, err := c.MultipartForm()
	if err != nil || len(form.File["file"]) == 0 {
		backError(c, page, t(lang, "choose_file"))
		return
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, fh := range form.File["file"] {
		f, err := fh.Open()
		if err != nil {
			backError(c, page, t(lang, "choose_file"))
			return
		}
		w, err := mw.CreateFormFile("file", fh.Filename)
		if err == nil {
			_, err = io.Copy(w, io.LimitReader(f, 64<<20))
		}
		f.Close()
		if err != nil {
			backError(c, page, t(lang, "choose_file"))
			return
		}
	}
	if err := mw.Close(); err != nil {
		backError(c, page, t(lang, "choose_file"))
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/payrolls/"+url.PathEscape(period)+"/bank-files", buf.Bytes(), mw.FormDataContentType())
	if !r.ok() {
		backError(c, page, s.say(c, r))
		return
	}
	var res struct{ Applied map[string]int }
	_ = json.Unmarshal(r.body, &res)
	var parts []string
	for _, st := range []string{"paid", "rejected", "returned", "sent"} {
		if n := res.Applied[st]; n > 0 {
			parts = append(parts, enum(lang, "payment_state", st)+": "+strconv.Itoa(n))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, t(lang, "bank_nothing_changed"))
	}
	back(c, page+"#h-bank", t(lang, "bank_applied")+" "+strings.Join(parts, ", "))
}

func (s *server) payrollCSV(c *gin.Context) {
	r := s.call(c, http.MethodGet, "/api/v1/payrolls/"+url.PathEscape(c.Param("period"))+"/summary.csv", nil, "")
	if !r.ok() {
		s.refused(c, r)
		return
	}
	c.Header("Content-Disposition", "attachment; filename=payroll-"+c.Param("period")+".csv")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", r.body)
}

// paymentFile hands a payment file over to the browser as it was written
// (the API checks it against its SHA-256 and audits the download).
func (s *server) paymentFile(c *gin.Context) {
	name := c.Param("name")
	r := s.call(c, http.MethodGet, "/api/v1/payrolls/"+url.PathEscape(c.Param("period"))+"/files/"+url.PathEscape(name), nil, "")
	if !r.ok() {
		s.refused(c, r)
		return
	}
	contentType := "application/xml"
	if strings.HasSuffix(name, ".csv") {
		contentType = "text/csv; charset=utf-8"
	}
	c.Header("Content-Disposition", `attachment; filename="`+strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r > 0x7e {
			return '_'
		}
		return r
	}, name)+`"`)
	c.Data(http.StatusOK, contentType, r.body)
}
