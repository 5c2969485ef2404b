package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// The residential institutions' pages over a stand-in API (issue 22
// items 1 and 6): what the API answers for dom-grabovac, a month's
// statistics and a search of free beds.

const fakeInstitution = `{"id":"dom-grabovac","name":"JU Dom za stare \"Grabovac\"","street":"Grabovac bb, Risan","municipality":"ME-10",
	"municipality_name":"Kotor","counts":{"beds":4,"in_service":3,"occupied":1,"reserved":1,"free":1,"out_of_service":1},"may_update":true,
	"units":[{"id":1,"name":"Odjeljenje A","kind":"elderly","care_level":1,"rooms":[{"id":1,"name":"Soba 1","gender":"female","beds":[
	{"id":11,"label":"1/A","out_of_service":false,"status":"occupied","placement_id":5,"resident":"Stana Vukić"},
	{"id":12,"label":"1/B","out_of_service":false,"status":"reserved","placement_id":6,"resident":"Mara Perović"}]},
	{"id":2,"name":"Soba 2","gender":"any","beds":[{"id":13,"label":"2/A","out_of_service":false,"status":"free"},
	{"id":14,"label":"2/B","out_of_service":true,"status":"out_of_service"}]}]}],
	"residents":[{"placement_id":5,"person_id":"00000000-0000-0000-0000-000000000005","name":"Stana Vukić","birth_date":"1938-03-01",
	"unit":"Odjeljenje A","room":"Soba 1","bed":"1/A","admitted_on":"2026-09-01"}]}`

// fakeInstitutionAPI adds the institutions' routes to the stand-in API
// of language_test.go.
func fakeInstitutionAPI(r *gin.Engine) {
	js := func(body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(http.StatusOK, "application/json", []byte(body)) }
	}
	r.GET("/api/v1/institutions/:id", js(fakeInstitution))
	r.GET("/api/v1/institutions", js(`{"institutions":[{"id":"dom-grabovac","name":"JU Dom za stare \"Grabovac\"","municipality":"ME-10",
		"municipality_name":"Kotor","beds":10,"held":4,"free":6}]}`))
	r.GET("/api/v1/free-beds", func(c *gin.Context) {
		if c.Query("care_level") == "9" {
			c.Data(http.StatusBadRequest, "application/json", []byte(`{"error":{"code":"invalid","field":"care_level","message":"\"9\" is not a care level: send 1, 2 or 3"}}`))
			return
		}
		js(`{"day":"2026-12-01","beds":[{"institution_id":"dom-grabovac","institution_name":"JU Dom za stare \"Grabovac\"","municipality":"ME-10",
		"municipality_name":"Kotor","unit_id":1,"unit_name":"Odjeljenje A","kind":"elderly","care_level":1,"room":"Soba 2","gender":"any","bed_id":13,"bed":"2/A"},
		{"institution_id":"dom-bijelo-polje","institution_name":"JU Dom za stare \"Bijelo Polje\"","municipality":"ME-04","municipality_name":"Bijelo Polje",
		"unit_id":4,"unit_name":"Stambeni dio","kind":"elderly","care_level":2,"room":"Soba 1","gender":"female","bed_id":40,"bed":"1/A"}]}`)(c)
	})
	r.GET("/api/v1/institution-statistics", js(`{"month":"2026-11","days_in_month":30,"institutions":[{"id":"dom-grabovac","name":"JU Dom za stare \"Grabovac\"",
		"bed_days_available":300,"bed_days_occupied":245,"occupancy_rate":"0.8167","admissions":2,"discharges":1,"residents_at_month_end":8}],
		"costs":[{"budget_line":"maintenance_in_homes","placements":9,"placement_days":245,"cost":"4083.33","copayment":"1225.00","net":"2858.33"},
		{"budget_line":"outside_montenegro","placements":0,"placement_days":0,"cost":"0","copayment":"0","net":"0"},
		{"budget_line":"family_placement","placements":1,"placement_days":15,"cost":"150.00","copayment":"0","net":"150.00"}],
		"total":{"budget_line":"total","placements":10,"placement_days":260,"cost":"4233.33","copayment":"1225.00","net":"3008.33"},"method":"..."}`))
}

// institutionPageCases are the institutions' pages in each language.
func institutionPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "institution: the director's home", tpl: "institution", run: get(s, "vera.director", "/institution", s.institutionHome),
			want: map[string][]string{"cnr": {"Grabovac", "stara lica", "osnovna njega", "ženska", "mješovita", "zauzeto", "rezervisano", "van upotrebe",
				"Stana Vukić", `href="/residents/5"`, "Stavi van upotrebe", "Vrati u upotrebu", "01.09.2026."},
				"en": {"the elderly", "basic care", "women", "mixed", "occupied", "reserved", "out of service", "Put out of service", "Residents"}}},
		{name: "institutions: the ministry's list", tpl: "institutions", run: get(s, "goran.ministry", "/institutions", s.institutionsList),
			want: map[string][]string{"cnr": {"Grabovac", "Kotor", `href="/institutions/dom-grabovac"`}, "en": {"Residential institutions", "Kotor"}}},
		{name: "free beds", tpl: "institution_free_beds", run: get(s, "ana.caseworker", "/institutions/free-beds?kind=elderly", s.freeBedsPage),
			want: map[string][]string{"cnr": {"Slobodnih kreveta: 2 u 2 ustanova", "Bijelo Polje", "pojačana njega", "ženska"},
				"en": {"2 free beds in 2 institutions", "enhanced care", "women"}}},
		{name: "free beds: a bad care level", tpl: "institution_free_beds", run: get(s, "ana.caseworker", "/institutions/free-beds?care_level=9", s.freeBedsPage)},
		{name: "institutions: statistics", tpl: "institution_stats", run: get(s, "luka.analyst", "/institutions/statistics?month=2026-11", s.institutionStatsPage),
			want: map[string][]string{"cnr": {"81,7 %", "Izdržavanje u domovima", "4.083,33 €", "Porodični smještaj", "3.008,33 €", "zaokruženo na cent"},
				"en": {"81.7%", "Maintenance in homes", "€4,083.33", "Placement outside Montenegro", "rounded to the cent"}}},
	}
}

// TestInstitutionBedForm: the director's form on a bed reaches the API's
// PUT with the bed's new state, and a refusal (a bed a placement holds)
// comes back in the page's language.
func TestInstitutionBedForm(t *testing.T) {
	gin.SetMode(gin.TestMode)
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	api := &boardsAPI{got: map[string][]byte{}, code: map[string]int{
		"PUT /api/v1/institutions/dom-grabovac/beds/13":       200,
		"PUT /api/v1/institutions/dom-grabovac/beds/11":       409,
		"POST /api/v1/institutions/dom-grabovac/units":        400,
		"POST /api/v1/institutions/dom-grabovac/rooms/2/beds": 201,
	}, body: map[string]string{
		"POST /api/v1/institutions/dom-grabovac/units": `{"error":{"code":"invalid","message":"2 fields are invalid","fields":[` +
			`{"field":"kind","message":"\"giants\" is not a kind of bed: send elderly, children, youth or disabled_adults"},` +
			`{"field":"care_level","message":"9 is not a care level: send 1, 2 or 3"}]}}`,
		"POST /api/v1/institutions/dom-grabovac/rooms/2/beds": `{"id":20,"label":"2/C","out_of_service":false,"status":"free"}`,
		"PUT /api/v1/institutions/dom-grabovac/beds/13":       `{"id":13,"label":"2/A","out_of_service":true,"status":"out_of_service"}`,
		"PUT /api/v1/institutions/dom-grabovac/beds/11":       `{"error":{"code":"conflict","message":"bed 1/A is held by a placement (admitted): it cannot go out of service until the placement ends"}}`,
	}}
	s := &server{cfg: Config{API: api, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, pages: pages}
	w := s.send("vera.director", "POST", "/institution/beds/13", url.Values{"out_of_service": {"true"}}, gin.Params{{Key: "bed", Value: "13"}}, s.institutionBed)
	if loc := w.Header().Get("Location"); loc != "/institution" {
		t.Errorf("after the form: to %q; want back to /institution", loc)
	}
	if got := string(api.got["PUT /api/v1/institutions/dom-grabovac/beds/13"]); got != `{"out_of_service":true}` {
		t.Errorf("the API got %s; want out_of_service true", got)
	}
	w = s.send("vera.director", "POST", "/institution/units", url.Values{"name": {"C"}, "kind": {"elderly"}, "care_level": {"2"}}, nil, s.institutionAdd)
	if got := string(api.got["POST /api/v1/institutions/dom-grabovac/units"]); got != `{"care_level":2,"kind":"elderly","name":"C"}` {
		t.Errorf("the unit sent: %s", got)
	}
	if flash := flashOf(w); !strings.Contains(flash, "„giants” nije vrsta kreveta") || !strings.Contains(flash, "Nivo njege") {
		t.Errorf("a refused unit = %q; want every fault said in Montenegrin", flash)
	}
	s.send("vera.director", "POST", "/institution/rooms/2/beds", url.Values{"label": {"2/C"}}, gin.Params{{Key: "room", Value: "2"}}, s.institutionAdd)
	if got := string(api.got["POST /api/v1/institutions/dom-grabovac/rooms/2/beds"]); got != `{"label":"2/C"}` {
		t.Errorf("the bed sent: %s", got)
	}
	w = s.send("vera.director", "POST", "/institution/beds/11", url.Values{"out_of_service": {"true"}}, gin.Params{{Key: "bed", Value: "11"}}, s.institutionBed)
	if flash := flashOf(w); !strings.Contains(flash, "krevet 1/A koristi korisnik ili je rezervisan (primljen u ustanovu)") {
		t.Errorf("a held bed's refusal = %q; want it said in Montenegrin", flash)
	}
}
