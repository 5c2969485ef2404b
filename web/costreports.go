package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain/services"
)

// The monthly cost reports (issue 23 item 5): a provider's staff prepare
// a contract's month on /provider/cost-reports (the lines filled in from
// their service-use records, the units theirs to check), submit it, and
// read Karton's findings per line in words; the finance officers read
// every report on /services/cost-reports with its findings, check it,
// and another approves it (the page names who checked) or rejects it with
// a reason; the ministry reads. Everything goes through the API as the
// user (api/costreports.go).

// registerCostReports adds the pages and their forms.
func (s *server) registerCostReports(page, form func(string, gin.HandlerFunc)) {
	page("/provider/cost-reports", s.onlyFor("cost_report", "create", "cr.not_yours", s.providerCostReportsPage))
	form("/provider/cost-reports/submit", s.onlyFor("cost_report", "create", "cr.not_yours", s.submitCostReport))
	page("/services/cost-reports", s.onlyFor("cost_report", "read", "cr.not_yours", s.costReportsPage))
	form("/services/cost-reports/:id/:step", s.onlyFor("cost_report", "approve", "cr.not_yours", s.costReportStep))
}

// costContract is a contract as GET /api/v1/service-contracts gives it.
type costContract struct {
	ID          int64  `json:"id"`
	Number      string `json:"number"`
	Service     string `json:"service"`
	ServiceName string `json:"service_name"`
	CentreID    string `json:"centre_id"`
	Unit        string `json:"unit"`
	Rate        string `json:"rate"`
	State       string `json:"state"`
	Lines       []costDraftLine
}

// costDraftLine is a line the provider's form offers: a referral of the
// contract with its month's recorded units.
type costDraftLine struct {
	ReferralID int64  `json:"referral_id"`
	Person     string `json:"person"`
	CentreID   string `json:"centre_id"`
	Service    string `json:"service"`
	Quantity   string `json:"quantity"`
}

// costReport is a report as the API gives it.
type costReport struct {
	ID             int64  `json:"id"`
	ContractNumber string `json:"contract_number"`
	Service        string `json:"service"`
	ProviderName   string `json:"provider_name"`
	Unit           string `json:"unit"`
	Rate           string `json:"rate"`
	Month          string `json:"month"`
	Version        int    `json:"version"`
	State          string `json:"state"`
	Total          string `json:"total"`
	FlaggedLines   int    `json:"flagged_lines"`
	SubmittedBy    string `json:"submitted_by"`
	SubmittedAt    string `json:"submitted_at"`
	CheckedBy      string `json:"checked_by"`
	CheckedAt      string `json:"checked_at"`
	ApprovedBy     string `json:"approved_by"`
	ApprovedAt     string `json:"approved_at"`
	RejectedBy     string `json:"rejected_by"`
	RejectedAt     string `json:"rejected_at"`
	RejectReason   string `json:"reject_reason"`
	PaidAt         string `json:"paid_at"`
	Lines          []struct {
		Line          int    `json:"line"`
		ReferralID    int64  `json:"referral_id"`
		Person        string `json:"person"`
		Units         string `json:"units"`
		Amount        string `json:"amount"`
		UnitsRecorded string `json:"units_recorded"`
		Explained     struct {
			CNR string `json:"cnr"`
			EN  string `json:"en"`
		} `json:"explained"`
		Flags []struct {
			Code string `json:"code"`
			CNR  string `json:"cnr"`
			EN   string `json:"en"`
		} `json:"flags"`
	} `json:"lines"`
	Payments []struct {
		PayrollID string `json:"payroll_id"`
		Amount    string `json:"amount"`
		PayeeIBAN string `json:"payee_iban"`
		State     string `json:"state"`
	} `json:"payments"`
}

// costMonth is the page's month: ?month=, else the month before this one.
func costMonth(c *gin.Context) string {
	m := c.Query("month")
	if m == "" {
		m = c.PostForm("month")
	}
	if _, err := time.Parse("2006-01", m); err != nil {
		m = time.Now().In(montenegro).AddDate(0, -1, 0).Format("2006-01")
	}
	return m
}

func (s *server) providerCostReportsPage(c *gin.Context) {
	s.renderProviderCosts(c, http.StatusOK, nil)
}

// renderProviderCosts shows the provider's contracts with the month's
// lines to submit, its reports, and one report (?report=) with its
// findings; problems are a refused submission's, in the reader's words.
func (s *server) renderProviderCosts(c *gin.Context, status int, problems []string) {
	month := costMonth(c)
	var contracts struct{ Contracts []costContract }
	if r := s.getJSON(c, "/api/v1/service-contracts?state=active", &contracts); !r.ok() {
		s.refused(c, r)
		return
	}
	var use struct{ Referrals []costDraftLine }
	if r := s.getJSON(c, "/api/v1/service-use?month="+url.QueryEscape(month), &use); !r.ok() {
		s.refused(c, r)
		return
	}
	for i, k := range contracts.Contracts {
		for _, l := range use.Referrals {
			if l.Service == k.Service && (k.CentreID == "" || k.CentreID == l.CentreID) {
				contracts.Contracts[i].Lines = append(contracts.Contracts[i].Lines, l)
			}
		}
	}
	var reports struct{ Reports []costReport }
	if r := s.getJSON(c, "/api/v1/cost-reports", &reports); !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"Provider": true, "ListPath": "/provider/cost-reports", "Month": month, "Contracts": contracts.Contracts, "Reports": reports.Reports,
		"Problems": problems, "Services": serviceNames(s.lang(c))}
	if !s.addCostReport(c, data) {
		return
	}
	s.render(c, status, "cost_reports", data)
}

// addCostReport puts the report ?report= names on the page; false when
// the API refused it (the refusal is rendered).
func (s *server) addCostReport(c *gin.Context, data gin.H) bool {
	id, err := strconv.ParseInt(c.Query("report"), 10, 64)
	if err != nil || id <= 0 {
		return true
	}
	var r costReport
	if res := s.getJSON(c, fmt.Sprintf("/api/v1/cost-reports/%d", id), &r); !res.ok() {
		s.refused(c, res)
		return false
	}
	data["Report"] = r
	return true
}

// submitCostReport sends a contract's month: each line's units as the
// staff left them, the amount units × the contract's rate and the total
// their sum, so a report from this form adds up.
func (s *server) submitCostReport(c *gin.Context) {
	lang := s.lang(c)
	month := costMonth(c)
	contract, _ := strconv.ParseInt(c.PostForm("contract_id"), 10, 64)
	rate, err := decimal.NewFromString(c.PostForm("rate"))
	if err != nil || !services.Sane(rate) {
		rate = decimal.Zero
	}
	refs, units := c.PostFormArray("referral_id"), c.PostFormArray("units")
	var lines []obj
	total := decimal.Zero
	var problems []string
	for i, ref := range refs {
		id, _ := strconv.ParseInt(ref, 10, 64)
		u := ""
		if i < len(units) {
			u = strings.ReplaceAll(strings.TrimSpace(units[i]), ",", ".")
		}
		if u == "" || u == "0" {
			continue // a line left empty is not claimed
		}
		d, err := decimal.NewFromString(u)
		if err != nil || !services.Sane(d) {
			problems = append(problems, tf(lang, "cr.line_units", i+1)+": "+t(lang, "cr.units_invalid"))
			continue
		}
		amount := d.Mul(rate).Round(2)
		total = total.Add(amount)
		lines = append(lines, obj{"referral_id": id, "units": d.String(), "rate": rate.StringFixed(2), "amount": amount.StringFixed(2)})
	}
	if len(problems) > 0 {
		s.renderProviderCosts(c, http.StatusBadRequest, problems)
		return
	}
	if lines == nil {
		lines = []obj{}
	}
	r := s.call(c, http.MethodPost, "/api/v1/cost-reports", obj{"contract_id": contract, "month": month, "lines": lines,
		"total": total.StringFixed(2)}, "")
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict {
		s.renderProviderCosts(c, r.status, costProblems(lang, r))
		return
	}
	if !r.ok() {
		backError(c, "/provider/cost-reports?month="+url.QueryEscape(month), s.say(c, r))
		return
	}
	var done costReport
	_ = json.Unmarshal(r.body, &done)
	back(c, fmt.Sprintf("/provider/cost-reports?month=%s&report=%d", url.QueryEscape(month), done.ID), t(lang, "cr.submitted"))
}

// costProblems are the API's refusal in lang, each fault on its own.
func costProblems(lang string, r apiResult) []string {
	e := r.apiError()
	if len(e.Fields) == 0 {
		return []string{sayMessage(lang, e.Code, e.Field, e.Message)}
	}
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = sayMessage(lang, e.Code, f.Field, f.Message)
	}
	return out
}

// costReportsPage is the finance officers' (and the ministry's) list, by
// ?state=, with one report (?report=) and its forms.
func (s *server) costReportsPage(c *gin.Context) { s.renderCostReports(c, http.StatusOK, nil) }

func (s *server) renderCostReports(c *gin.Context, status int, problems []string) {
	state := c.Query("state")
	path := "/api/v1/cost-reports"
	if state != "" {
		path += "?state=" + url.QueryEscape(state)
	}
	var reports struct{ Reports []costReport }
	if r := s.getJSON(c, path, &reports); !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"ListPath": "/services/cost-reports", "Reports": reports.Reports, "State": state, "Problems": problems, "Services": serviceNames(s.lang(c)),
		"States":     []string{"submitted", "flagged", "checked", "approved", "rejected", "paid"},
		"MayApprove": may(userOf(c), "cost_report", "approve"), "Me": userOf(c).Username}
	if !s.addCostReport(c, data) {
		return
	}
	s.render(c, status, "cost_reports", data)
}

// costReportStep is a finance officer's check, approval or rejection.
func (s *server) costReportStep(c *gin.Context) {
	lang := s.lang(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	step := c.Param("step")
	if err != nil || id <= 0 || (step != "check" && step != "approve" && step != "reject") {
		s.render(c, http.StatusNotFound, "message", gin.H{"Title": "not_found", "Message": t(lang, "not_found")})
		return
	}
	var body any
	if step == "reject" {
		body = obj{"reason": strings.TrimSpace(c.PostForm("reason"))}
	}
	page := fmt.Sprintf("/services/cost-reports?report=%d", id)
	r := s.call(c, http.MethodPost, fmt.Sprintf("/api/v1/cost-reports/%d/%s", id, step), body, "")
	if !r.ok() {
		backError(c, page, s.say(c, r))
		return
	}
	back(c, page, t(lang, "cr.done_"+step))
}
