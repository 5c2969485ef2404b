package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/bi"
)

// The register of beneficiaries (issue 21, item 4), its public face: the
// anonymous count of the persons holding a right of a benefit on a day, by
// municipality, each count under bi.MinPersons suppressed with bi.Suppress
// over the municipality axis, so that the total less the counts shown
// gives no suppressed count away.

type beneficiaryCountView struct {
	Municipality     string `json:"municipality"`
	MunicipalityName string `json:"municipality_name"`
	Count            string `json:"count"` // a number, or "<5"
}

type beneficiaryCountsView struct {
	Benefit        string                 `json:"benefit"`
	On             string                 `json:"on"`
	Municipalities []beneficiaryCountView `json:"municipalities"`
	Total          string                 `json:"total"`
}

// shownCount is a count as the public sees it.
func shownCount(n int64, suppressed bool) string {
	if suppressed || n < bi.MinPersons {
		return "<" + strconv.Itoa(bi.MinPersons)
	}
	return strconv.FormatInt(n, 10)
}

// publicBeneficiaries answers GET /api/v1/public/beneficiaries without
// login: ?benefit= (required), ?on= (a day, default today), ?format=json
// or csv.
func (h *handler) publicBeneficiaries(c *gin.Context) {
	var errs []*domain.Error
	code := strings.TrimSpace(c.Query("benefit"))
	if _, ok := benefits.Lookup(benefits.Code(code)); !ok {
		errs = append(errs, domain.FieldError("benefit", "%q is not a benefit of the catalogue (GET /api/v1/benefits lists them)", printable(code, 20)))
	}
	day := h.now()
	if on := c.Query("on"); on != "" {
		d, err := parseDay("on", printable(on, 20))
		if err != nil {
			errs = append(errs, err.(*domain.Error))
		}
		day = d
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		errs = append(errs, domain.FieldError("format", "%q is neither json nor csv", printable(format, 20)))
	}
	if errs != nil {
		writeError(c, h.log, domain.Invalid(errs))
		return
	}
	bs, err := h.db.BeneficiariesOn(c.Request.Context(), code, day, "")
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	persons := map[string]map[string]bool{} // municipality → person
	for _, b := range bs {
		if persons[b.Municipality] == nil {
			persons[b.Municipality] = map[string]bool{}
		}
		persons[b.Municipality][b.PersonID] = true
	}
	// The whole line: every municipality, so that a municipality without
	// beneficiaries is suppressed like one with few.
	ms := domain.Municipalities()
	cells := make([]bi.Cell, len(ms))
	var total int64
	for i, m := range ms {
		cells[i] = bi.Cell{Keys: []string{m.Code}, Persons: int64(len(persons[m.Code]))}
		total += cells[i].Persons
	}
	bi.Suppress(cells, []bi.Axis{{Dimension: bi.Geography, Level: "municipality"}})
	v := beneficiaryCountsView{Benefit: code, On: day.Format(time.DateOnly), Municipalities: []beneficiaryCountView{}, Total: shownCount(total, false)}
	for i, m := range ms {
		v.Municipalities = append(v.Municipalities, beneficiaryCountView{Municipality: m.Code, MunicipalityName: m.Name,
			Count: shownCount(cells[i].Persons, cells[i].Suppressed || cells[i].Secondary)})
	}
	if format == "json" {
		c.JSON(200, v)
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"municipality", "municipality_name", "count"})
	for _, m := range v.Municipalities {
		_ = w.Write([]string{m.Municipality, m.MunicipalityName, m.Count})
	}
	_ = w.Write([]string{"", "Crna Gora", v.Total})
	w.Flush()
	if err := w.Error(); err != nil {
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeInternal, "internal error"), err))
		return
	}
	c.Header("Content-Disposition", "attachment; filename=karton-beneficiaries-"+code+"-"+v.On+".csv")
	c.Data(200, "text/csv; charset=utf-8", buf.Bytes())
}
