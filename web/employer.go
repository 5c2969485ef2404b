package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/refunds"
)

// The employers' portal (issue 18): a company's staff, logged in as users
// bound to it, file an employee's leave and its months and follow their
// decisions and payments; a centre's staff read the leaves their centre
// handles and work their tasks from the same leave page. Every page calls
// the API with the user's token: what an employer may not see is a 404
// there and here.

// registerEmployer adds the portal's pages.
func (s *server) registerEmployer(page, form func(string, gin.HandlerFunc)) {
	page("/employer", s.employerHome)
	form("/employer/leaves", s.fileLeave)
	page("/employer/leaves/:number", s.leavePage)
	form("/employer/leaves/:number/claims", s.claimMonth)
	form("/employer/leaves/:number/end", s.endLeave)
	page("/refunds", s.refundsPage)
	page("/refunds/:number", s.leavePage)
	page("/refund-decisions/:id/pdf", s.refundDecisionPDF)
}

// leaveKinds are the kinds of leave the form offers, in order.
var leaveKinds = []string{"maternity", "parental", "parental_transfer", "half_time"}

// employerHome is an employer's page: its leaves, and the form of a new one.
func (s *server) employerHome(c *gin.Context) {
	s.renderEmployerHome(c, http.StatusOK, sentForm{})
}

func (s *server) renderEmployerHome(c *gin.Context, status int, sent sentForm) {
	var res struct{ Leaves []obj }
	if r := s.getJSON(c, "/api/v1/refund-leaves", &res); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, status, "employer_home", gin.H{"Leaves": res.Leaves, "Kinds": leaveKinds, "Sent": sent, "Page": "employer"})
}

// fileLeave files a leave; sent back with what was typed and each message
// beside its field.
func (s *server) fileLeave(c *gin.Context) {
	body := obj{"employee_jmbg": strings.TrimSpace(c.PostForm("employee_jmbg")), "kind": c.PostForm("kind"), "first_day": c.PostForm("first_day"),
		"last_day": c.PostForm("last_day"), "child_jmbg": strings.TrimSpace(c.PostForm("child_jmbg")), "payee_account": c.PostForm("payee_account")}
	r := s.call(c, http.MethodPost, "/api/v1/refund-leaves", body, "")
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict || r.status == http.StatusNotFound {
		errs, _ := fieldErrors(s.lang(c), r, "")
		if len(errs) == 0 {
			errs = map[string]string{"(form)": s.say(c, r)}
		}
		s.renderEmployerHome(c, r.status, sentForm{Name: "leave", Values: formValues(c), Errs: errs})
		return
	}
	if !r.ok() {
		backError(c, "/employer", s.say(c, r))
		return
	}
	var res struct{ Number string }
	_ = json.Unmarshal(r.body, &res)
	back(c, "/employer/leaves/"+url.PathEscape(res.Number), t(s.lang(c), "leave_filed"))
}

// leavePage shows a leave: to its employer with the forms of a month's
// claim and an early end, to the centre's staff with the open tasks.
func (s *server) leavePage(c *gin.Context) {
	s.renderLeave(c, http.StatusOK, sentForm{})
}

func (s *server) renderLeave(c *gin.Context, status int, sent sentForm) {
	var l obj
	r := s.getJSON(c, "/api/v1/refund-leaves/"+url.PathEscape(c.Param("number")), &l)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	lang := s.lang(c)
	sayRefund(l, lang)
	u := userOf(c)
	var open []obj
	for _, tk := range tasksOf(l) {
		role, _, _ := strings.Cut(str(tk["candidate_group"]), "@")
		tk["Mine"] = u.Role.Acts(domain.Role(role))
		open = append(open, tk)
	}
	employer := u.Role == domain.RoleEmployer
	state := str(l["state"])
	back := "/refunds/" + url.PathEscape(str(l["number"]))
	if employer {
		back = "/employer/leaves/" + url.PathEscape(str(l["number"]))
	}
	s.render(c, status, "employer_leave", gin.H{"L": l, "Employer": employer, "Open": open, "Sent": sent, "Page": "leave",
		"Assessing": state == "assessing", "Back": back, "EndReasons": []string{"return_to_work", "child_death"}})
}

// sayRefund says the leave's explanation lines, refusal and discrepancies
// in lang: the API gives them in both languages.
func sayRefund(l obj, lang string) {
	pick := func(v any) string {
		m, _ := v.(map[string]any)
		if lang == "en" {
			return str(m["en"])
		}
		return str(m["cnr"])
	}
	lines := func(list any) {
		for _, x := range asList(list) {
			x["what"], x["source"] = pick(x["what"]), pick(x["source"])
			x["value"] = refunds.SayValue(str(x["value"]), lang)
		}
	}
	lines(l["assessment"])
	if l["refusal"] != nil {
		l["refusal"] = pick(l["refusal"])
	}
	var claimable []obj
	for _, m := range asList2(l["claimable"]) {
		claimable = append(claimable, obj{"value": m, "label": refunds.SayValue(m, lang)})
	}
	l["claimable"] = claimable
	for _, m := range asList(l["months"]) {
		m["label"] = refunds.SayValue(str(m["month"]), lang)
		lines(m["lines"])
		var diffs []string
		ds, _ := m["discrepancies"].([]any)
		for _, d := range ds {
			diffs = append(diffs, pick(d))
		}
		m["discrepancies"] = diffs
	}
}

// claimMonth files a month: the compensation paid and the bank statement,
// passed on to the API as a multipart form.
func (s *server) claimMonth(c *gin.Context) {
	number := c.Param("number")
	paid := strings.TrimSpace(c.PostForm("salary_paid"))
	if !strings.Contains(paid, ".") {
		paid = strings.Replace(paid, ",", ".", 1) // 1240,50 as typed in Montenegrin
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("month", c.PostForm("month"))
	_ = mw.WriteField("salary_paid", paid)
	if fh, err := c.FormFile("statement"); err == nil {
		if f, err := fh.Open(); err == nil {
			w, _ := mw.CreateFormFile("statement", fh.Filename)
			_, _ = io.Copy(w, io.LimitReader(f, 10<<20+1))
			f.Close()
		}
	}
	_ = mw.Close()
	r := s.call(c, http.MethodPost, "/api/v1/refund-leaves/"+url.PathEscape(number)+"/claims", buf.Bytes(), mw.FormDataContentType())
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict {
		errs, _ := fieldErrors(s.lang(c), r, "")
		s.renderLeave(c, r.status, sentForm{Name: "month", Values: formValues(c), Errs: errs})
		return
	}
	s.afterAction(c, r, "/employer/leaves/"+url.PathEscape(number), nil)
}

// endLeave reports that a leave ended early.
func (s *server) endLeave(c *gin.Context) {
	number := c.Param("number")
	r := s.call(c, http.MethodPost, "/api/v1/refund-leaves/"+url.PathEscape(number)+"/end",
		obj{"last_day": c.PostForm("last_day"), "reason": c.PostForm("reason")}, "")
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict {
		errs, _ := fieldErrors(s.lang(c), r, "")
		s.renderLeave(c, r.status, sentForm{Name: "end", Values: formValues(c), Errs: errs})
		return
	}
	s.afterAction(c, r, "/employer/leaves/"+url.PathEscape(number), nil)
}

// refundsPage lists the leaves the user's centre handles.
func (s *server) refundsPage(c *gin.Context) {
	var res struct{ Leaves []obj }
	if r := s.getJSON(c, "/api/v1/refund-leaves", &res); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, http.StatusOK, "employer_refunds", gin.H{"Leaves": res.Leaves, "Page": "refunds"})
}

func (s *server) refundDecisionPDF(c *gin.Context) {
	s.pdf(c, "/api/v1/refund-decisions/"+url.PathEscape(c.Param("id"))+"/document", `attachment; filename="rjesenje-refundacija.pdf"`)
}

// asList2 is a list of strings from a JSON array.
func asList2(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, str(x))
	}
	return out
}
