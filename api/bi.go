package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/bi"
)

// The statistics' pivot (issue 19): GET /api/v1/bi/{fact}?axes=&filter=&measures=&format=.
// Aggregates only, every cell under bi.MinPersons persons suppressed (bi.Suppress).
// The ministry's analysts read every centre; a centre's supervisors and
// head read their own (the pivot filtered to it).

type pivotView struct {
	Fact       string         `json:"fact"`
	Axes       []pivotAxis    `json:"axes"`
	Filters    []pivotFilter  `json:"filters"`
	Measures   []pivotMeasure `json:"measures"`
	Cells      []pivotCell    `json:"cells"`
	MinPersons int            `json:"min_persons"`
	Suppressed int            `json:"suppressed"`
	AsOf       time.Time      `json:"as_of"`
	Note       string         `json:"note,omitempty"`
	query      bi.Query       // for the CSV
}

type pivotAxis struct {
	Axis  string `json:"axis"`
	Label string `json:"label"`
	// Up and Down are the axis one level coarser or finer (drill-up,
	// drill-down), empty at the ends.
	Up   string `json:"up,omitempty"`
	Down string `json:"down,omitempty"`
}

type pivotFilter struct {
	Axis   string   `json:"axis"`
	Values []string `json:"values"`
	Labels []string `json:"labels"`
}

type pivotMeasure struct {
	Measure string `json:"measure"`
	Label   string `json:"label"`
}

// pivotCell is a cell: its members on each axis (codes and names) and
// its measures as text, "<5" for a suppressed cell's.
type pivotCell struct {
	Keys       []string          `json:"keys"`
	Labels     []string          `json:"labels"`
	Values     map[string]string `json:"values"`
	Suppressed bool              `json:"suppressed,omitempty"`
}

// pivot answers GET /api/v1/bi/:fact as JSON, or CSV with format=csv.
func (h *handler) pivot(c *gin.Context) error {
	v, err := h.pivotOf(c)
	if err != nil {
		return err
	}
	if c.Query("format") != "csv" {
		c.JSON(http.StatusOK, v)
		return nil
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=karton-%s.csv", v.Fact))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", pivotCSV(v))
	return nil
}

func (h *handler) pivotOf(c *gin.Context) (*pivotView, error) {
	f, err := bi.FactByName(c.Param("fact"))
	if err != nil {
		return nil, err
	}
	if fmt := c.Query("format"); fmt != "" && fmt != "csv" && fmt != "json" {
		return nil, domain.FieldError("format", "%q is not a format: json or csv", fmt)
	}
	filters := c.QueryArray("filter")
	centre, err := h.pivotCentre(c, filters)
	if err != nil {
		return nil, err
	}
	if centre != "" {
		filters = append(filters, "organisation.centre="+centre)
	}
	q, err := bi.ParseQuery(f, c.Query("axes"), filters, c.Query("measures"))
	if err != nil {
		return nil, err
	}
	cells, err := h.db.Pivot(c.Request.Context(), q)
	if err != nil {
		return nil, err
	}
	v := pivotViewOf(q, cells, h.pivotLanguage(c))
	return v, h.nameInstitutions(c.Request.Context(), v)
}

// pivotCentre is the centre a reader who may not read every centre is
// kept to: their own, filtered to when the query names none; a filter
// naming a centre they may not read is refused.
func (h *handler) pivotCentre(c *gin.Context, filters []string) (string, error) {
	u := userOf(c)
	for _, f := range filters {
		if v, ok := strings.CutPrefix(f, "organisation.centre="); ok {
			return "", h.allow(c, "bi", "read", v)
		}
	}
	// Every centre: the ministry's (scope any). A target no centre has
	// tells the scopes apart.
	if h.enforcer.Allow(string(u.Role), u.CentreID, "-", "bi", "read") {
		return "", nil
	}
	return u.CentreID, h.allow(c, "bi", "read", u.CentreID)
}

// pivotLanguage: ?lang=en|cnr, else the reader's chosen language.
func (h *handler) pivotLanguage(c *gin.Context) string {
	switch c.Query("lang") {
	case "en":
		return "en"
	case "cnr":
		return "cnr"
	}
	return h.language(c)
}

func pivotViewOf(q bi.Query, cells []bi.Cell, lang string) *pivotView {
	v := &pivotView{Fact: q.Fact.Name, MinPersons: bi.MinPersons, AsOf: time.Now().UTC(), Axes: []pivotAxis{}, Filters: []pivotFilter{},
		Cells: []pivotCell{}, query: q}
	for _, a := range q.Axes {
		pa := pivotAxis{Axis: a.String(), Label: bi.Word(a.String(), lang)}
		if up, ok := a.Up(); ok {
			pa.Up = up.String()
		}
		if down, ok := a.Down(); ok {
			pa.Down = down.String()
		}
		v.Axes = append(v.Axes, pa)
	}
	for _, f := range q.Filters {
		pf := pivotFilter{Axis: f.Axis.String(), Values: f.Values}
		for _, x := range f.Values {
			pf.Labels = append(pf.Labels, bi.Label(f.Axis, x, lang))
		}
		v.Filters = append(v.Filters, pf)
	}
	for _, m := range q.Measures {
		v.Measures = append(v.Measures, pivotMeasure{string(m), bi.Word(string(m), lang)})
	}
	for _, cell := range cells {
		pc := pivotCell{Keys: cell.Keys, Labels: make([]string, len(cell.Keys)), Values: map[string]string{}, Suppressed: cell.Suppressed}
		for i, k := range cell.Keys {
			pc.Labels[i] = bi.Label(q.Axes[i], k, lang)
		}
		for _, m := range q.Measures {
			pc.Values[string(m)] = measureText(cell, m)
		}
		if cell.Suppressed {
			v.Suppressed++
		}
		v.Cells = append(v.Cells, pc)
	}
	if v.Suppressed > 0 {
		v.Note = fmt.Sprintf("%d cells of fewer than %d persons, or that would give one away by difference, are shown as <%d", v.Suppressed, bi.MinPersons, bi.MinPersons)
	}
	return v
}

// measureText is a measure of a cell as text: "<5" when suppressed.
func measureText(c bi.Cell, m bi.Measure) string {
	if c.Suppressed {
		return fmt.Sprintf("<%d", bi.MinPersons)
	}
	switch m {
	case bi.Persons:
		return fmt.Sprint(c.Persons)
	case bi.Rights:
		return fmt.Sprint(c.Rights)
	case bi.Payments:
		return fmt.Sprint(c.Payments)
	case bi.Decisions:
		return fmt.Sprint(c.Decisions)
	case bi.Claims:
		return fmt.Sprint(c.Claims)
	case bi.Amount:
		return c.Amount.StringFixed(2)
	case bi.AmountRegular:
		return c.Regular.StringFixed(2)
	case bi.AmountOneOff:
		return c.OneOff.StringFixed(2)
	case bi.AmountInKind:
		return c.InKind.StringFixed(2)
	case bi.DaysToDecide, bi.DaysInStage:
		if c.DaysCount == 0 {
			return ""
		}
		return fmt.Sprintf("%.1f", float64(c.DaysTotal)/float64(c.DaysCount))
	case bi.Cases:
		return fmt.Sprint(c.Persons)
	case bi.StagesDone:
		return fmt.Sprint(c.Stages)
	case bi.StagesOverdue:
		return fmt.Sprint(c.Overdue)
	case bi.Placements:
		return fmt.Sprint(c.Placements)
	case bi.Admissions:
		return fmt.Sprint(c.Admissions)
	case bi.Discharges:
		return fmt.Sprint(c.Discharges)
	case bi.Days:
		return fmt.Sprint(c.Days)
	case bi.Copayment:
		return c.Copayment.StringFixed(2)
	case bi.Net:
		return c.Net.StringFixed(2)
	}
	return ""
}

// pivotCSV: a header of the axes (code and name) and measures, a line a
// cell.
func pivotCSV(v *pivotView) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	var head []string
	for _, a := range v.query.Axes {
		head = append(head, a.String(), a.String()+"_name")
	}
	for _, m := range v.query.Measures {
		head = append(head, string(m))
	}
	_ = w.Write(head)
	for _, c := range v.Cells {
		var line []string
		for i := range c.Keys {
			line = append(line, c.Keys[i], c.Labels[i])
		}
		for _, m := range v.query.Measures {
			line = append(line, c.Values[string(m)])
		}
		_ = w.Write(line)
	}
	w.Flush()
	return buf.Bytes()
}
