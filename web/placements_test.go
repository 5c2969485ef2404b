package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// placementPageCases are the placement pages in both languages: the
// case's placements with the proposal form, the institution's referral
// inbox, a referred placement as its social worker answers it, an
// accepted one with its drafted decision as the supervisor approves it,
// and a proposed one with the free beds to refer it to.
func placementPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "placements: a case's", tpl: "placements", run: get(s, "ana.caseworker", "/placements?case=S-2026-000001", s.placementsPage),
			want: both("Predloži smještaj", "Propose a placement")},
		{name: "placements: referral inbox", tpl: "placements", run: get(s, "bojana.social", "/institution/referrals", s.referralInbox),
			want: both("Uputi koji čekaju odgovor", "Referrals waiting for your answer")},
		{name: "placements: answer", tpl: "placement", run: get(s, "bojana.social", "/placements/7", s.placementPage, "id", "7"),
			want: both("Prihvati", "Accept")},
		{name: "placements: approve", tpl: "placement", run: get(s, "marko.supervisor", "/placements/8", s.placementPage, "id", "8"),
			want: both("Država plaća ostatak", "The state pays the rest")},
		{name: "placements: refer", tpl: "placement", run: get(s, "ana.caseworker", "/placements/9", s.placementPage, "id", "9"),
			want: both("pojačani (pomoć u dnevnim aktivnostima)", "enhanced (help with daily activities)")},
	}
}

// fakePlacement is a placement as the API answers it.
func fakePlacement(id, state, extra string) string {
	return `{"id":` + id + `,"case_number":"S-2026-000001","person":{"id":"p1","name":"Stana Vukić","birth_date":"1946-12-01","sex":"F"},
		"centre_id":"csr-podgorica","centre_name":"JU Centar za socijalni rad Podgorica","state":"` + state + `","needs":"Stana","care_level":2,
		"institution_id":"dom-grabovac","institution_name":"JU Dom za stare \"Grabovac\"","bed_id":1,"unit":"Odjeljenje A","room":"Soba 1","bed":"1/A",
		"bed_kind":"elderly","has_document":false,"referrals":[],"reviews":[]` + extra + `}`
}

func placementFakeAPI(r *gin.Engine) {
	js := func(body string) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.Data(http.StatusOK, "application/json", []byte(strings.ReplaceAll(body, "\n", "")))
		}
	}
	list := `{"placements":[{"id":7,"case_number":"S-2026-000001","person":{"id":"p1","name":"Stana Vukić","birth_date":"1946-12-01","sex":"F"},
		"centre_id":"csr-podgorica","centre_name":"JU Centar za socijalni rad Podgorica","institution_id":"dom-grabovac",
		"institution_name":"JU Dom za stare \"Grabovac\"","state":"referred"}]}`
	r.GET("/api/v1/placements", js(list))
	r.GET("/api/v1/placements/:id", func(c *gin.Context) {
		switch c.Param("id") {
		case "7":
			js(fakePlacement("7", "referred", ""))(c)
		case "8":
			js(fakePlacement("8", "accepted", `,"decision":{"monthly_cost":"450.00","budget_line":"maintenance_in_homes","resident":"304.44","relatives":"0.00",
				"state":"145.56","drafted_by":"ana.caseworker","lines":[
				{"payer":"resident","cnr":"Korisnik: prihod 380,55 €, plaća 304,44 €","en":"Resident: income EUR 380.55, pays EUR 304.44","amount":"304.44"},
				{"payer":"state","cnr":"Država plaća ostatak cijene smještaja od 450,00 €: 145,56 €","en":"The state pays the rest of the cost of EUR 450.00: EUR 145.56","amount":"145.56"}]}`))(c)
		default:
			js(fakePlacement(c.Param("id"), "proposed", ""))(c)
		}
	})
}
