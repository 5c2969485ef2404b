package api

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/bi"
	"github.com/karton-social/karton/store"
)

// The standard and control reports of issue 19: named, dated, reproducible
// (the same month gives the same answer: they read the month's facts).

// reportMonth reads ?month=YYYY-MM (the last closed month when absent) and
// refuses a month whose payroll is not approved: its figures are not final.
func (h *handler) reportMonth(c *gin.Context) (time.Time, error) {
	ctx := c.Request.Context()
	s := c.Query("month")
	if s == "" {
		m, err := h.db.LastClosedMonth(ctx)
		if err != nil {
			return time.Time{}, err
		}
		if m.IsZero() {
			return time.Time{}, domain.Errorf(domain.CodeConflict, "no month is closed yet: no payroll has been approved")
		}
		return m, nil
	}
	m, err := domain.ParseMonth(s)
	if err != nil {
		return time.Time{}, domain.FieldError("month", "%q is not a month such as 2026-10", s)
	}
	closed, err := h.db.MonthClosed(ctx, m.First())
	if err != nil {
		return time.Time{}, err
	}
	if !closed {
		return time.Time{}, domain.Errorf(domain.CodeConflict, "the month %s is not closed: its payroll is not approved yet, so its figures are not final", s)
	}
	return m.First(), nil
}

// The standard reports: each a fixed pivot of a closed month.
var standardReports = map[string]func(month string) bi.Query{
	// Report 1: recipients and amounts by benefit, municipality, centre,
	// sex and age band (also the open data).
	"recipients": func(month string) bi.Query {
		return bi.Query{Fact: bi.PaymentFact, Axes: []bi.Axis{{Dimension: bi.Benefit, Level: "benefit"}, {Dimension: bi.Geography, Level: "municipality"},
			{Dimension: bi.Organisation, Level: "centre"}, {Dimension: bi.Sex, Level: "sex"}, {Dimension: bi.Age, Level: "band"}},
			Filters:  []bi.Filter{{Axis: bi.Axis{Dimension: bi.Time, Level: "month"}, Values: []string{month}}},
			Measures: []bi.Measure{bi.Persons, bi.Rights, bi.Amount, bi.AmountRegular, bi.AmountOneOff, bi.AmountInKind}}
	},
	// Report 3: decisions by kind, benefit and centre, with the mean days
	// from filing.
	"decisions": func(month string) bi.Query {
		return bi.Query{Fact: bi.DecisionFact, Axes: []bi.Axis{{Dimension: bi.Kind, Level: "kind"}, {Dimension: bi.Benefit, Level: "benefit"},
			{Dimension: bi.Organisation, Level: "centre"}},
			Filters:  []bi.Filter{{Axis: bi.Axis{Dimension: bi.Time, Level: "month"}, Values: []string{month}}},
			Measures: []bi.Measure{bi.Decisions, bi.Persons, bi.DaysToDecide}}
	},
}

// standardReport answers GET /api/v1/bi/reports/:name?month=&format=csv.
func (h *handler) standardReport(c *gin.Context) error {
	build, ok := standardReports[c.Param("name")]
	if !ok {
		return domain.Errorf(domain.CodeNotFound, "no report %q: there are recipients and decisions", c.Param("name"))
	}
	month, err := h.reportMonth(c)
	if err != nil {
		return err
	}
	q := build(month.Format("2006-01"))
	centre, err := h.pivotCentre(c, nil)
	if err != nil {
		return err
	}
	if centre != "" {
		q.Filters = append(q.Filters, bi.Filter{Axis: bi.Axis{Dimension: bi.Organisation, Level: "centre"}, Values: []string{centre}})
	}
	cells, err := h.db.Pivot(c.Request.Context(), q)
	if err != nil {
		return err
	}
	v := pivotViewOf(q, cells, h.pivotLanguage(c))
	if c.Query("format") == "csv" {
		c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=karton-%s-%s.csv", c.Param("name"), month.Format("2006-01")))
		c.Data(http.StatusOK, "text/csv; charset=utf-8", pivotCSV(v))
		return nil
	}
	c.JSON(http.StatusOK, v)
	return nil
}

// openData answers GET /api/v1/open-data/recipients.csv without login:
// report 1 of the last closed month, suppressed like every pivot
// (docs/open-data.md gives its schema).
func (h *handler) openData(c *gin.Context) {
	month, err := h.db.LastClosedMonth(c.Request.Context())
	if err == nil && month.IsZero() {
		err = domain.Errorf(domain.CodeNotFound, "nothing is published yet: no month is closed")
	}
	var cells []bi.Cell
	q := standardReports["recipients"](month.Format("2006-01"))
	if err == nil {
		cells, err = h.db.Pivot(c.Request.Context(), q)
	}
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=karton-recipients-%s.csv", month.Format("2006-01")))
	c.Header("X-Karton-Month", month.Format("2006-01"))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", pivotCSV(pivotViewOf(q, cells, c.DefaultQuery("lang", "cnr"))))
}

type controlView struct {
	Report string        `json:"report"`
	Month  string        `json:"month"`
	Label  string        `json:"label"`
	Items  []controlItem `json:"items"`
	// ByCentre counts the findings per centre: all a reader who may not
	// see the items (the ministry's analysts) gets.
	ByCentre []controlCount `json:"by_centre"`
}

type controlItem struct {
	Centre      string   `json:"centre_id"`
	CentreName  string   `json:"centre"`
	PersonID    string   `json:"person_id,omitempty"`
	Entitlement string   `json:"entitlement_id,omitempty"`
	ClaimNumber string   `json:"claim_number,omitempty"`
	Benefits    []string `json:"benefits"`
	Amount      string   `json:"amount,omitempty"`
	Min         string   `json:"min,omitempty"`
	Max         string   `json:"max,omitempty"`
	Detail      string   `json:"detail,omitempty"`
	Open        int      `json:"open_claims,omitempty"`
	Oldest      string   `json:"oldest_filed,omitempty"`
}

type controlCount struct {
	Centre     string `json:"centre_id"`
	CentreName string `json:"centre"`
	Findings   int    `json:"findings"`
}

var controlLabels = map[string][2]string{
	"out_of_range":       {"Iznosi van zakonskog raspona", "Amounts outside the legal range"},
	"incompatible":       {"Lica sa nespojivim davanjima", "Persons with incompatible benefits"},
	"mo_with_farmers":    {"Materijalno obezbjeđenje uz naknadu poljoprivrednicima", "Financial assistance with a farmers' allowance"},
	"centres_not_closed": {"Centri sa neriješenim zahtjevima", "Centres with undecided claims"},
}

// controlReport answers GET /api/v1/bi/controls/:name?month=. A centre's
// supervisors and the auditors read the findings (rights and persons by
// id: each person audited); the ministry's analysts their counts by
// centre.
func (h *handler) controlReport(c *gin.Context) (*controlView, error) {
	name := c.Param("name")
	label, ok := controlLabels[name]
	if !ok {
		return nil, domain.Errorf(domain.CodeNotFound, "no control report %q: there are out_of_range, incompatible, mo_with_farmers and centres_not_closed", name)
	}
	month, err := h.reportMonth(c)
	if err != nil {
		return nil, err
	}
	u := userOf(c)
	centre, items := "", true
	switch {
	case h.enforcer.Allow(string(u.Role), u.CentreID, "-", "bi_control", "read"): // every centre's
	case h.enforcer.Allow(string(u.Role), u.CentreID, u.CentreID, "bi_control", "read"):
		centre = u.CentreID
	case h.enforcer.Allow(string(u.Role), u.CentreID, "-", "bi", "read"):
		items = false
	default:
		return nil, h.allow(c, "bi_control", "read", u.CentreID)
	}
	found, err := h.controlFindings(c, name, month, centre)
	if err != nil {
		return nil, err
	}
	lang := h.pivotLanguage(c)
	v := &controlView{Report: name, Month: month.Format("2006-01"), Label: label[langIndex(lang)], Items: []controlItem{}, ByCentre: []controlCount{}}
	counts := map[string]int{}
	for _, f := range found {
		counts[f.Centre] += max(f.Open, 1)
		if !items {
			continue
		}
		f.CentreName = bi.Label(bi.Axis{Dimension: bi.Organisation, Level: "centre"}, f.Centre, lang)
		v.Items = append(v.Items, f)
		if f.PersonID != "" {
			auditPersons(c, domain.PersonID(f.PersonID))
		}
	}
	for id, n := range counts {
		v.ByCentre = append(v.ByCentre, controlCount{id, bi.Label(bi.Axis{Dimension: bi.Organisation, Level: "centre"}, id, lang), n})
	}
	sort.Slice(v.ByCentre, func(i, j int) bool { return v.ByCentre[i].Centre < v.ByCentre[j].Centre })
	return v, nil
}

func langIndex(lang string) int {
	if lang == "en" {
		return 1
	}
	return 0
}

// controlFindings runs the named control over the month's facts.
func (h *handler) controlFindings(c *gin.Context, name string, month time.Time, centre string) ([]controlItem, error) {
	ctx := c.Request.Context()
	var found []store.ControlItem
	var err error
	switch name {
	case "out_of_range":
		var p *benefits.Params
		if p, err = h.currentParams(c); err == nil {
			found, err = h.db.AmountsOutOfRange(ctx, p, month, centre)
		}
	case "incompatible":
		found, err = h.db.IncompatibleBenefits(ctx, month, centre)
	case "mo_with_farmers":
		found, err = h.db.MOWithFarmersAllowance(ctx, month, centre)
	case "centres_not_closed":
		var backlog []store.CentreBacklog
		if backlog, err = h.db.OpenClaimsByCentre(ctx, month.AddDate(0, 1, 0)); err != nil {
			return nil, err
		}
		var out []controlItem
		for _, b := range backlog {
			if centre == "" || b.Centre == centre {
				out = append(out, controlItem{Centre: b.Centre, Open: b.Open, Oldest: b.Oldest.Format(time.DateOnly), Benefits: []string{}})
			}
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]controlItem, 0, len(found))
	for _, f := range found {
		it := controlItem{Centre: f.Centre, PersonID: f.PersonID, Entitlement: f.Entitlement, ClaimNumber: f.ClaimNumber, Benefits: f.Benefits}
		if !f.Amount.IsZero() {
			it.Amount = f.Amount.StringFixed(2)
		}
		if !f.Max.IsZero() {
			it.Min, it.Max = f.Min.StringFixed(2), f.Max.StringFixed(2)
		}
		if !f.Detail.IsZero() {
			it.Detail = f.Detail.StringFixed(2)
		}
		out = append(out, it)
	}
	return out, nil
}

// currentParams are the law's parameters with every value published and
// approved through the API (issue 16).
func (h *handler) currentParams(c *gin.Context) (*benefits.Params, error) {
	values, err := h.db.ApprovedParameterValues(c.Request.Context(), 0)
	if err != nil {
		return nil, err
	}
	p := lawParams
	for _, v := range values {
		if p, err = p.With(v.Name, benefits.Dated{From: v.ValidFrom, Value: v.Value, Ref: v.LegalRef, Note: "published value " + strconv.FormatInt(v.ID, 10)}); err != nil {
			return nil, err
		}
	}
	return p, nil
}
