package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// payrollPage shows a month's payroll (default: the previous month) to
// finance officers: state, files and hashes, totals, exceptions, changes,
// and the submit or approve action at hand.
func (s *server) payrollPage(c *gin.Context) {
	period := c.Param("period")
	if period == "" {
		period = c.Query("period")
	}
	if period == "" {
		period = domain.MonthOf(time.Now().UTC().AddDate(0, -1, 0)).String()
	}
	s.renderPayroll(c, period, http.StatusOK, "")
}

// renderPayroll shows a month's payroll; confirmErr is the message beside
// the approval's confirmation when it was sent without it.
func (s *server) renderPayroll(c *gin.Context, period string, status int, confirmErr string) {
	data := gin.H{"Period": period, "ConfirmErr": confirmErr}
	var p obj
	r := s.getJSON(c, "/api/v1/payrolls/"+url.PathEscape(period), &p)
	switch {
	case r.ok():
		data["P"] = p
	case r.status == http.StatusForbidden:
		s.refused(c, r)
		return
	}
	s.render(c, status, "payroll", data)
}

func (s *server) startPayroll(c *gin.Context) {
	period := strings.TrimSpace(c.PostForm("period"))
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

func (s *server) payrollCSV(c *gin.Context) {
	r := s.call(c, http.MethodGet, "/api/v1/payrolls/"+url.PathEscape(c.Param("period"))+"/summary.csv", nil, "")
	if !r.ok() {
		s.refused(c, r)
		return
	}
	c.Header("Content-Disposition", "attachment; filename=payroll-"+c.Param("period")+".csv")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", r.body)
}
