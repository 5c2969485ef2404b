package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/providers"
)

// fakeSupervision answers GET /api/v1/providers/:id/supervision as the API
// would, the names of services and checklist points in the language asked.
func fakeSupervision(c *gin.Context) {
	lang := c.Query("lang")
	sv, _ := providers.ServiceByCode("residential_elderly")
	item := func(code string) string {
		i, _ := providers.InspectionItemByCode(code)
		return i.Label(lang)
	}
	prov := `{"id":7,"name":"Dom Sunce","pib":"02655284","address":{"street":"Njegoševa 1","municipality":"ME-16","municipality_name":"Podgorica"},` +
		`"founded_on":"2020-02-01","created_by":"goran.ministry","licences":[{"number":"L-1","service":"residential_elderly","service_name":"` + sv.Label(lang) +
		`","valid_from":"2025-01-01","valid_until":"2030-12-31","state":"suspended","recorded_by":"goran.ministry"}]}`
	insp := `{"id":3,"provider_id":7,"licence_number":"L-1","kind":"regular","scheduled_on":"2026-12-03","scheduled_by":"goran.ministry",` +
		`"findings":[{"item":"staffing","item_name":"` + item("staffing") + `","compliant":false,"note":"2/40"},{"item":"premises","item_name":"` + item("premises") + `","compliant":true}],` +
		`"inspected_by":"goran.ministry","inspected_on":"2026-12-03","fines":[{"id":5,"amount":"1500.00","legal_reference":"185","reason":"2/40","due_on":"2027-01-31",` +
		`"state":"decided","proposed_by":"goran.ministry","proposed_on":"2026-12-03","decided_by":"jovana.ministry","decided_on":"2026-12-03","appeal_until":"2026-12-18",` +
		`"appeal":{"filed_on":"2026-12-05","filed_by":"goran.ministry","outcome":"changed","amount":"800.00","decided_by":"goran.ministry","decided_on":"2026-12-20"}}]}`
	second := `{"id":4,"provider_id":7,"licence_number":"L-1","kind":"extraordinary","scheduled_on":"2026-12-20","scheduled_by":"goran.ministry","findings":[],"fines":[]}`
	history := `[{"day":"2025-01-01","licence_number":"L-1","kind":"licence_recorded","by":"goran.ministry","detail":"residential_elderly"},` +
		`{"day":"2026-12-03","licence_number":"L-1","kind":"inspection_scheduled","by":"goran.ministry","ref":3,"detail":"regular"},` +
		`{"day":"2026-12-03","licence_number":"L-1","kind":"fine_decided","by":"jovana.ministry","ref":5,"detail":"1500.00"},` +
		`{"day":"2026-12-20","licence_number":"L-1","kind":"appeal_decided","by":"goran.ministry","ref":5,"detail":"changed"},` +
		`{"day":"2026-12-21","licence_number":"L-1","kind":"suspended","by":"goran.ministry","detail":"2/40"}]`
	c.Data(http.StatusOK, "application/json", []byte(`{"provider":`+prov+`,"inspections":[`+insp+`,`+second+`],`+
		`"suspensions":[{"licence_number":"L-1","from":"2026-12-21","reason":"2/40","suspended_by":"goran.ministry"}],"history":`+history+`}`))
}

// fakeProvidersInForce answers GET /api/v1/providers: one provider in
// force for residential care of the elderly, none for another service.
func fakeProvidersInForce(c *gin.Context) {
	if c.Query("service") != "residential_elderly" {
		c.Data(http.StatusOK, "application/json", []byte(`{"on":"2026-12-01","providers":[]}`))
		return
	}
	sv, _ := providers.ServiceByCode("residential_elderly")
	c.Data(http.StatusOK, "application/json", []byte(`{"on":"2026-12-01","providers":[{"id":7,"name":"Dom Sunce","street":"Njegoševa 1","municipality":"ME-16",`+
		`"municipality_name":"Podgorica","licence_number":"L-1","service":"residential_elderly","service_name":"`+sv.Label(c.Query("lang"))+`","valid_until":"2030-12-31"}]}`))
}

// TestPlacementOffersProvidersInForce: the decision form of a P22 case
// in monitoring offers the providers in force by name and licence, not a
// number to type.
func TestPlacementOffersProvidersInForce(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cfg: Config{API: fakeAPI(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	body, status := s.request(t, "en", "ana.caseworker", http.MethodGet, "/cases/"+caseMonitored, gin.Params{{Key: "number", Value: caseMonitored}}, nil, s.casePage)
	if status != http.StatusOK {
		t.Fatalf("case page: %d", status)
	}
	for _, want := range []string{`<option value="7"`, "Dom Sunce, Podgorica (L-1)", "Choose a provider whose licence is in force"} {
		if !strings.Contains(body, want) {
			t.Errorf("the decision form does not offer %q", want)
		}
	}
}

// inspectionPageCases are the officer's provider page in each language.
func inspectionPageCases(s *server) []pageCase {
	return []pageCase{{name: "provider: supervision", tpl: "provider", run: get(s, "goran.ministry", "/providers/7", s.providerPage, "id", "7"),
		want: map[string][]string{"cnr": {"Smještaj starih lica", "Stručni radnici", "kazna izmijenjena na", "privremeno oduzeta", "1.500,00 €"},
			"en": {"Residential care for the elderly", "Qualified staff", "fine changed to", "suspended", "€1,500.00"}}},
		{name: "providers: the officer's list", tpl: "providers", run: get(s, "goran.ministry", "/providers", s.providersList),
			want: map[string][]string{"cnr": {"Dnevni centar Sunce", "oduzeta", `href="/providers/1"`}, "en": {"Day care for children with disabilities", "withdrawn"}}}}
}

// TestProviderFormsSendWhatWasChosen: the page's forms reach the API's
// routes of the licence, the inspection and the fine with what was filled
// in (a decimal comma made a point; the checklist's answers as booleans),
// and a refusal comes back as the page's error.
func TestProviderFormsSendWhatWasChosen(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	api := &boardsAPI{got: map[string][]byte{}, code: map[string]int{
		"POST /api/v1/providers/7/licences/L-1/inspections/3/fines":    201,
		"POST /api/v1/providers/7/licences/L-1/inspections/3/findings": 200,
		"POST /api/v1/providers/7/licences/L-1/suspend":                400,
	}, body: map[string]string{
		"POST /api/v1/providers/7/licences/L-1/inspections/3/fines":    `{}`,
		"POST /api/v1/providers/7/licences/L-1/inspections/3/findings": `{}`,
		"POST /api/v1/providers/7/licences/L-1/suspend":                `{"error":{"code":"invalid","field":"from","message":"2026-11-01 is in the past"}}`,
	}}
	s := &server{cfg: Config{API: api, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	params := gin.Params{{Key: "id", Value: "7"}}

	w := s.send("goran.ministry", "POST", "/providers/7/act", url.Values{"do": {"fine"}, "licence": {"L-1"}, "inspection": {"3"},
		"amount": {"1500,50"}, "legal_reference": {"čl. 185"}, "reason": {"x"}, "due_on": {"2027-01-31"}}, params, s.providerAct)
	var fine map[string]string
	if err := json.Unmarshal(api.got["POST /api/v1/providers/7/licences/L-1/inspections/3/fines"], &fine); err != nil || fine["amount"] != "1500.50" || fine["legal_reference"] != "čl. 185" {
		t.Errorf("the fine sent: %v %v", fine, err)
	}
	if loc := w.Header().Get("Location"); loc != "/providers/7" {
		t.Errorf("after the fine: to %q", loc)
	}

	s.send("goran.ministry", "POST", "/providers/7/act", url.Values{"do": {"findings"}, "licence": {"L-1"}, "inspection": {"3"},
		"compliant.staffing": {"no"}, "note.staffing": {"2/40"}, "compliant.premises": {"yes"}}, params, s.providerAct)
	var findings struct {
		Items []struct {
			Item      string
			Compliant *bool
			Note      string
		}
	}
	if err := json.Unmarshal(api.got["POST /api/v1/providers/7/licences/L-1/inspections/3/findings"], &findings); err != nil || len(findings.Items) != 5 ||
		findings.Items[0].Compliant == nil || *findings.Items[0].Compliant || findings.Items[0].Note != "2/40" || !*findings.Items[1].Compliant ||
		findings.Items[2].Compliant != nil {
		t.Errorf("the findings sent: %+v %v", findings, err)
	}

	w = s.send("goran.ministry", "POST", "/providers/7/act", url.Values{"do": {"suspend"}, "licence": {"L-1"}, "from": {"2026-11-01"}, "reason": {"x"}}, params, s.providerAct)
	if f := flashOf(w); !strings.HasPrefix(f, "Od dana: ") || w.Header().Get("Location") != "/providers/7" {
		t.Errorf("a refused suspension: %q to %q; want the field named in Montenegrin", f, w.Header().Get("Location"))
	}
	// A fine without its legal reference, as the page says the API's 400.
	noRef := apiResult{status: http.StatusBadRequest, body: []byte(`{"error":{"code":"invalid","field":"legal_reference","message":"is required"}}`)}
	if got := sayError("cnr", noRef); got != "Pravni osnov kazne: obavezno polje" {
		t.Errorf("a fine without a legal reference says %q in Montenegrin", got)
	}
	if got := sayError("en", noRef); got != "Legal reference of the fine: is required" {
		t.Errorf("a fine without a legal reference says %q in English", got)
	}
	if w := s.send("goran.ministry", "POST", "/providers/7/act", url.Values{"do": {"juggle"}}, params, s.providerAct); w.Code != http.StatusNotFound {
		t.Errorf("an unknown act: %d", w.Code)
	}
}
