package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/annual"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/bi"
)

// xlsxType is the media type of an Excel workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// podgorica is the time zone of the report's date (CET without the zone
// database).
var podgorica = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Podgorica"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}()

// annualReport answers GET /api/v1/bi/annual/:centre?year=&format=pdf|xlsx:
// the unified annual report of a centre (issue 19), its five tables filled
// by the pivots annual.Queries names, so suppressed as every pivot is. Its
// readers are those who may read the centre's statistics.
func (h *handler) annualReport(c *gin.Context) error {
	centre := c.Param("centre")
	if _, ok := domain.CentreByID(centre); !ok {
		return domain.Errorf(domain.CodeNotFound, "no centre %q", centre)
	}
	if err := h.allow(c, "bi", "read", centre); err != nil {
		return err
	}
	format := c.DefaultQuery("format", "pdf")
	if format != "pdf" && format != "xlsx" {
		return domain.FieldError("format", "%q is not a format: pdf or xlsx", format)
	}
	now := h.now().In(podgorica)
	s := c.Query("year")
	year, err := strconv.Atoi(s)
	switch {
	case s == "":
		return domain.FieldError("year", "the year is required, such as %d", now.Year()-1)
	case err != nil || year < 2000:
		return domain.FieldError("year", "%q is not a year such as %d", s, now.Year()-1)
	case year > now.Year():
		return domain.FieldError("year", "%d has not begun: its report cannot be made yet", year)
	}
	f := annual.Figures{Centre: centre, Year: year, Made: now}
	for _, q := range annual.Queries(centre, year) {
		cells, err := h.db.Pivot(c.Request.Context(), q)
		if err != nil {
			return err
		}
		f.Cells = append(f.Cells, cells)
	}
	if f.Empty() {
		return domain.Errorf(domain.CodeConflict, "%s has no statistics for %d: no payment, decision or claim of the year is recorded",
			bi.Label(bi.Axis{Dimension: bi.Organisation, Level: "centre"}, centre, "en"), year)
	}
	r, err := annual.Build(f)
	if err != nil {
		return err
	}
	render, media := annual.PDF, "application/pdf"
	if format == "xlsx" {
		render, media = annual.XLSX, xlsxType
	}
	b, err := render(r)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=karton-godisnji-izvjestaj-%s-%d.%s", centre, year, format))
	c.Data(http.StatusOK, media, b)
	return nil
}
