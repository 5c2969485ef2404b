package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// gatehousePageCases are the gatehouse's page (issue 22 item 5) for
// TestPagesSpeakOneLanguage: the gatekeeper's (who is in, the day's
// visits, a resident on leave past the expected return, the forms), a
// visitor the plan excludes refused beside the form, and the social
// worker's reading (no forms).
func gatehousePageCases(s *server) []pageCase {
	excluded := url.Values{"placement_id": {"11"}, "visitor_name": {"Marko Đurović"}, "visitor_document": {"AB12345"}, "relation": {"sin"}}
	return []pageCase{
		{name: "gatehouse: gatekeeper", tpl: "gatehouse", run: get(s, "rade.gate", "/gatehouse", s.gatehousePage),
			want: map[string][]string{"cnr": {"Posjetioci u zgradi sada", "Milica Perović je trebalo da se vrati do", "posjeta porodici", "Evidentiraj odlazak"},
				"en": {"Visitors in the building now", "Milica Perović was expected back by", "home visit", "Log out"}}},
		{name: "gatehouse: excluded visitor", tpl: "gatehouse", run: post(s, "rade.gate", "/gatehouse/visits", excluded, s.gateLogVisit),
			want: both("individualni plan korisnika isključuje ovog posjetioca: sud Kotor 412/26", "the resident's plan excludes this visitor: sud Kotor 412/26")},
		{name: "gatehouse: social worker", tpl: "gatehouse", run: get(s, "bojana.social", "/gatehouse?day=2026-12-01", s.gatehousePage),
			want: both("Korisnici na odsustvu", "Residents on leave")},
	}
}

func gatehouseFakeAPI(r *gin.Engine) {
	js := func(body string) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.Data(http.StatusOK, "application/json", []byte(strings.ReplaceAll(body, "\n", "")))
		}
	}
	r.GET("/api/v1/gatehouse/residents", js(`{"residents":[{"placement_id":11,"name":"Stana Vukić","unit":"Odjeljenje A","room":"Soba 1","bed":"1/A",
		"child":false,"on_leave":false,"overdue":false},{"placement_id":12,"name":"Milica Perović","unit":"Odjeljenje A","room":"Soba 2","bed":"2/A",
		"child":false,"on_leave":true,"leave_id":4,"overdue":true}]}`))
	r.GET("/api/v1/gatehouse/visits", js(`{"day":"2026-12-01","inside":1,"visits":[{"id":7,"placement_id":11,"resident_name":"Stana Vukić",
		"visitor_name":"Ana Jovanović","visitor_document":"AB12345","relation":"kći","arrived_at":"2026-12-01T09:00:00Z","inside":true,"logged_by":"rade.gate"},
		{"id":6,"placement_id":11,"resident_name":"Stana Vukić","visitor_name":"Ivo Ivić","visitor_jmbg":"0101980215009","relation":"prijatelj",
		"arrived_at":"2026-12-01T07:00:00Z","arrival_reason":"gužva na ulazu","departed_at":"2026-12-01T08:00:00Z","inside":false,"logged_by":"rade.gate",
		"departure_by":"rade.gate"}]}`))
	r.GET("/api/v1/gatehouse/leaves", js(`{"day":"2026-12-01","on_leave":1,"overdue":1,"leaves":[{"id":4,"placement_id":12,"resident_name":"Milica Perović",
		"kind":"home_visit","companion_name":"Ana Jovanović","companion_document":"AB12345","companion_relation":"kći","left_at":"2026-11-30T09:00:00Z",
		"expected_return":"2026-11-30T18:00:00Z","overdue":true,"recorded_by":"rade.gate"},{"id":3,"placement_id":11,"resident_name":"Stana Vukić",
		"kind":"hospital","left_at":"2026-11-29T09:00:00Z","expected_return":"2026-12-01T18:00:00Z","returned_at":"2026-12-01T10:00:00Z","overdue":false,
		"recorded_by":"rade.gate","return_by":"rade.gate"}]}`))
	r.POST("/api/v1/gatehouse/visits", func(c *gin.Context) {
		c.Data(http.StatusConflict, "application/json", []byte(`{"error":{"code":"conflict","field":"visitor_name",`+
			`"message":"the resident's plan excludes this visitor: sud Kotor 412/26"}}`))
	})
}

// TestGatehouseFormsAndTimes: the page's times (Montenegro's clock) go to
// the API as RFC 3339; a time typed wrong is said beside the form, nothing
// sent; the gatekeeper sees the forms, the social worker does not; every
// table is cards on a phone, each cell under its column's name.
func TestGatehouseFormsAndTimes(t *testing.T) {
	if at, ok := localMoment("2026-07-01T10:30"); !ok || at != "2026-07-01T10:30:00+02:00" {
		t.Errorf("localMoment(summer) = %q, %v", at, ok)
	}
	if at, ok := localMoment(""); !ok || at != "" {
		t.Errorf("localMoment(empty) = %q, %v", at, ok)
	}
	if _, ok := localMoment("sutra"); ok {
		t.Errorf("localMoment(sutra) ok")
	}
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cfg: Config{API: fakeAPI()}, pages: pages}
	body, status := s.request(t, "cnr", "rade.gate", http.MethodPost, "/gatehouse/visits", nil,
		url.Values{"placement_id": {"11"}, "visitor_name": {"Ana"}, "arrived_at": {"jučer"}}, s.gateLogVisit)
	if status != http.StatusBadRequest || !strings.Contains(body, "upišite datum i vrijeme") || !strings.Contains(body, "Vrijeme dolaska") {
		t.Errorf("a time typed wrong = %d %.300s", status, body)
	}
	body, _ = s.request(t, "en", "rade.gate", http.MethodGet, "/gatehouse", nil, nil, s.gatehousePage)
	if !strings.Contains(body, `id="form-visit"`) || !strings.Contains(body, `id="form-leave"`) || !strings.Contains(body, `id="depart-7"`) || !strings.Contains(body, `id="return-4"`) {
		t.Errorf("the gatekeeper's page lacks its forms")
	}
	if p := cardProblems(body); len(p) > 0 {
		t.Errorf("the gatehouse's tables at 390 px: %v", p)
	}
	body, _ = s.request(t, "en", "bojana.social", http.MethodGet, "/gatehouse", nil, nil, s.gatehousePage)
	if strings.Contains(body, `id="form-visit"`) || strings.Contains(body, `id="depart-7"`) || !strings.Contains(body, "Ana Jovanović") {
		t.Errorf("the social worker's page: forms shown, or the visits not")
	}
}
