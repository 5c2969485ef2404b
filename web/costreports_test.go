package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// costReportJSON is a flagged report as the API gives it: one line with a
// finding in both languages, the amount explained.
const costReportJSON = `{"id":3,"contract_id":1,"contract_number":"UG-2026-0001","service":"day_care_disability","centre_id":"csr-podgorica",
"provider_pib":"02655284","provider_name":"Dnevni centar Sunce","unit":"day","rate":"12.50","month":"2026-11","version":2,"supersedes":2,
"state":"%s","total":"75.00","flagged_lines":1,"submitted_by":"tamara.sunce","submitted_at":"2026-12-02T09:00:00Z"%s,
"lines":[{"line":1,"referral_id":7,"person_id":"11111111-1111-1111-1111-111111111111","person":"Luka Đukanović","units":"6","rate":"12.50","amount":"75.00",
"units_recorded":"5","explained":{"cnr":"6 dana × 12,50 € = 75,00 €","en":"6 days × EUR 12.50 = EUR 75.00"},
"flags":[{"code":"units_differ","cnr":"potraživano 6 jedinica, u evidenciji 5","en":"6 units claimed, 5 recorded"}]}]}`

// costReportsFakeAPI answers the cost reports' routes for the pages' tests:
// report 3 is flagged, report 4 checked by nina.finance; a submission of
// 6 days is refused as one that does not add up.
func costReportsFakeAPI(r *gin.Engine) {
	js := func(status int, body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(status, "application/json", []byte(strings.ReplaceAll(body, "\n", ""))) }
	}
	one := func(state, extra string) string {
		return strings.Replace(strings.Replace(costReportJSON, "%s", state, 1), "%s", extra, 1)
	}
	listed := one("flagged", "")
	listed = strings.TrimRight(listed[:strings.Index(listed, `"lines":`)], ",\n") + "}"
	r.GET("/api/v1/cost-reports", js(http.StatusOK, `{"reports":[`+listed+`]}`))
	r.GET("/api/v1/cost-reports/:id", func(c *gin.Context) {
		if c.Param("id") == "4" {
			js(http.StatusOK, strings.Replace(one("checked", `,"checked_by":"nina.finance","checked_at":"2026-12-03T10:00:00Z"`), `"id":3`, `"id":4`, 1))(c)
			return
		}
		js(http.StatusOK, one("flagged", ""))(c)
	})
	r.POST("/api/v1/cost-reports", js(http.StatusBadRequest, `{"error":{"code":"invalid","message":"2 fields are invalid","fields":[
{"field":"lines[0].amount","message":"line 1 comes to EUR 62.50, not 75.00: 5 units × EUR 12.50"},
{"field":"total","message":"the total is EUR 75.00, not the lines' sum EUR 62.50"}]}}`))
}

// costReportPageCases are the cost reports' pages for
// TestPagesSpeakOneLanguage: the provider's month with its lines to
// submit and a flagged report's findings; a refused submission; the
// finance officers' list with a report another officer checked.
func costReportPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "provider cost reports", tpl: "cost_reports", run: get(s, "tamara.sunce", "/provider/cost-reports?month=2026-11&report=3", s.providerCostReportsPage),
			want: map[string][]string{"cnr": {"Luka Đukanović", "Podnesi izvještaj", "potraživano 6 jedinica, u evidenciji 5", "6 dana × 12,50 € = 75,00 €",
				"označen: ima nalaze provjere", "novembar 2026", "12,50 € po jedinici"},
				"en": {"Submit the report", "6 units claimed, 5 recorded", "6 days × EUR 12.50 = EUR 75.00", "flagged: findings to correct", "November 2026"}}},
		{name: "provider cost report refused", tpl: "cost_reports", run: post(s, "tamara.sunce", "/provider/cost-reports/submit",
			url.Values{"month": {"2026-11"}, "contract_id": {"1"}, "rate": {"12.50"}, "referral_id": {"7"}, "units": {"6"}}, s.submitCostReport),
			want: map[string][]string{"cnr": {"stavka 1 iznosi 62.50 €, ne 75.00 €", "ukupno je upisano 75.00 €, a zbir stavki je 62.50 €"},
				"en": {"line 1 comes to EUR 62.50, not 75.00", "the total is EUR 75.00, not the lines' sum EUR 62.50"}}},
		{name: "finance cost reports", tpl: "cost_reports", run: get(s, "marija.finance", "/services/cost-reports?report=4", s.costReportsPage),
			want: map[string][]string{"cnr": {"Dnevni centar Sunce", "provjeren (prvi potpis)", "Odobri isplatu (drugi potpis)", "Nina Đukanović"},
				"en": {"checked (first signature)", "Approve payment (second signature)", "Nina Đukanović"}}},
	}
}

// TestCostReportPages: the officer who checked a report is offered no
// approval (four eyes on the page as in the API); the menu links go to
// the provider's staff and to finance, not to a caseworker.
func TestCostReportPages(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cfg: Config{API: fakeAPI(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	html, status := s.request(t, "en", "nina.finance", http.MethodGet, "/services/cost-reports?report=4", nil, nil, s.costReportsPage)
	if status != http.StatusOK || strings.Contains(html, `id="cr-approve"`) || !strings.Contains(html, "Nina Đukanović checked the report; another finance officer approves it.") {
		t.Fatalf("the checker's page = %d %.600s", status, html)
	}
	if strings.Contains(html, "%!") { // a number said through %s (the report's version)
		t.Errorf("the page shows a formatting leftover: %s", html[strings.Index(html, "%!")-80:strings.Index(html, "%!")+40])
	}
	// Units that are not a number: refused beside the form, the line by its number.
	form := url.Values{"month": {"2026-11"}, "contract_id": {"1"}, "rate": {"12.50"}, "referral_id": {"7"}, "units": {"dva"}}
	refused, status := s.request(t, "cnr", "tamara.sunce", http.MethodPost, "/provider/cost-reports/submit", nil, form, s.submitCostReport)
	if status != http.StatusBadRequest || !strings.Contains(refused, "Stavka 1: Jedinice se upisuju kao broj") || strings.Contains(refused, "%!") {
		t.Errorf("units that are not a number = %d %.600s", status, refused[max(0, strings.Index(refused, `id="cr-errors"`)):])
	}
	// A report of the list opens on the same page (not on the template's
	// name, which render puts under "Page").
	if !strings.Contains(html, `href="/services/cost-reports?month=`) || strings.Contains(html, "cost_reports?") {
		t.Errorf("the list's links do not open the report on /services/cost-reports: %.600s", html[strings.Index(html, `id="cr-reports"`):])
	}
	menu := func(user, path string) bool {
		u, _ := domain.DemoUser(user)
		for _, l := range menuOf(u) {
			if l.Path == path {
				return true
			}
		}
		return false
	}
	if !menu("tamara.sunce", "/provider/cost-reports") || !menu("nina.finance", "/services/cost-reports") || !menu("goran.ministry", "/services/cost-reports") ||
		menu("ana.caseworker", "/services/cost-reports") || menu("tamara.sunce", "/services/cost-reports") {
		t.Fatal("the menu's cost-report links go to the wrong roles")
	}
}
