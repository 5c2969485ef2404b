package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
)

// Placements (issue 22 item 2): a centre's caseworker proposes a
// placement from a case (/placements?case=), refers it to a free bed,
// drafts the decision with its co-payment explained, a supervisor approves
// it, the case manager reviews and ends it; an institution's social worker
// answers the referrals in their inbox (/institution/referrals), admits,
// and ends the stay. Every page calls the API with the user's token: a
// placement not theirs is a 404 there and here.

// registerPlacements adds the placement pages.
func (s *server) registerPlacements(page, form func(string, gin.HandlerFunc)) {
	page("/placements", s.placementsPage)
	form("/placements", s.proposePlacement)
	page("/institution/referrals", s.referralInbox)
	page("/placements/:id", s.placementPage)
	page("/placements/:id/decision.pdf", s.placementDecisionPDF)
	for _, step := range []string{"referral", "answer", "decision", "approve", "admission", "reviews", "discharge", "transfer"} {
		form("/placements/:id/"+step, s.placementAction(step))
	}
}

// placementsPage lists the caller's placements (a case's with ?case=, and
// then the form that proposes one for a person of the case).
func (s *server) placementsPage(c *gin.Context) {
	number := c.Query("case")
	q := "/api/v1/placements"
	if number != "" {
		q += "?case=" + url.QueryEscape(number)
	}
	var res struct{ Placements []obj }
	if r := s.getJSON(c, q, &res); !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"Placements": res.Placements, "Case": number, "CareLevels": []int{1, 2, 3}}
	if number != "" && !userOf(c).Role.Institution() {
		var cs obj
		if r := s.getJSON(c, "/api/v1/cases/"+url.PathEscape(number), &cs); r.ok() {
			data["Persons"] = cs["persons"]
		}
	}
	s.render(c, http.StatusOK, "placements", data)
}

// referralInbox is an institution's social worker's inbox: the referrals
// waiting for the institution's answer, and its placements.
func (s *server) referralInbox(c *gin.Context) {
	var waiting, all struct{ Placements []obj }
	if r := s.getJSON(c, "/api/v1/placements?state=referred", &waiting); !r.ok() {
		s.refused(c, r)
		return
	}
	s.getJSON(c, "/api/v1/placements", &all)
	s.render(c, http.StatusOK, "placements", gin.H{"Inbox": true, "Waiting": waiting.Placements, "Placements": all.Placements})
}

// proposePlacement sends the proposal and opens the new placement.
func (s *server) proposePlacement(c *gin.Context) {
	number := c.PostForm("case_number")
	care, _ := strconv.Atoi(c.PostForm("care_level"))
	body := obj{"case_number": number, "person_id": c.PostForm("person_id"), "needs": strings.TrimSpace(c.PostForm("needs")), "care_level": care}
	r := s.call(c, http.MethodPost, "/api/v1/placements", body, "")
	if !r.ok() {
		backError(c, "/placements?case="+url.QueryEscape(number), s.say(c, r))
		return
	}
	var p struct{ ID int64 }
	_ = json.Unmarshal(r.body, &p)
	back(c, "/placements/"+strconv.FormatInt(p.ID, 10), t(s.lang(c), "done"))
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// placementPage shows a placement with the actions the user's role may
// take in its state: the free beds to refer it to, the decision's form,
// the answer, the admission, the review, the end.
func (s *server) placementPage(c *gin.Context) {
	id := c.Param("id")
	var p obj
	if r := s.getJSON(c, "/api/v1/placements/"+url.PathEscape(id), &p); !r.ok() {
		s.refused(c, r)
		return
	}
	u := userOf(c)
	state := str(p["state"])
	centre := !u.Role.Institution()
	data := gin.H{"P": p, "Centre": centre, "Lang": s.lang(c),
		"MayRefer":   centre && u.Role.Acts(domain.RoleCaseworker) && (state == "proposed" || state == "refused"),
		"MayDraft":   centre && u.Role.Acts(domain.RoleCaseworker) && state == "accepted",
		"MayApprove": centre && u.Role.Acts(domain.RoleSupervisor) && state == "accepted" && p["decision"] != nil,
		"OwnDraft":   p["decision"] != nil && str(p["decision"].(map[string]any)["drafted_by"]) == u.Username,
		"MayAnswer":  u.Role == domain.RoleInstitutionSocialWorker && state == "referred",
		"MayAdmit":   (u.Role == domain.RoleInstitutionSocialWorker || u.Role == domain.RoleInstitutionGatekeeper) && state == "decided",
		"MayReview":  centre && u.Role.Acts(domain.RoleCaseworker) && state == "admitted",
		"MayEnd":     (u.Role == domain.RoleInstitutionSocialWorker || (centre && u.Role.Acts(domain.RoleCaseworker))) && state == "admitted",
		"Budgets":    []string{"maintenance_in_homes", "outside_montenegro", "family_placement"},
		"Outcomes":   []string{"continue", "transfer", "discharge"}}
	if data["MayRefer"].(bool) {
		var beds struct{ Beds []obj }
		gender := "male"
		if person, ok := p["person"].(map[string]any); ok && str(person["sex"]) == "F" {
			gender = "female"
		}
		q := "/api/v1/free-beds?gender=" + gender
		if n := int(num(p["care_level"])); n > 0 {
			q += "&care_level=" + strconv.Itoa(n)
		}
		s.getJSON(c, q, &beds)
		data["Beds"] = beds.Beds
	}
	s.render(c, http.StatusOK, "placement", data)
}

// placementAction passes a step's form on to the API and comes back to
// the placement's page with the API's answer.
func (s *server) placementAction(step string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			id = "0"
		}
		f := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
		var body obj
		path := step
		switch step {
		case "referral":
			inst, bed, _ := strings.Cut(f("bed"), "/")
			n, _ := strconv.ParseInt(bed, 10, 64)
			body = obj{"institution_id": inst, "bed_id": n}
		case "answer":
			body = obj{"answer": f("answer"), "reason": f("reason")}
		case "decision":
			body = obj{"monthly_cost": f("monthly_cost"), "budget_line": f("budget_line"), "reasoning": f("reasoning")}
			if v := f("resident_income"); v != "" {
				body["resident_income"] = v
			}
		case "approve":
			path = "decision/approve"
		case "admission":
			body = obj{"day": f("day")}
		case "reviews":
			body = obj{"day": f("day"), "notes": f("notes"), "outcome": f("outcome")}
		case "discharge", "transfer":
			body = obj{"day": f("day"), "reason": f("reason")}
		}
		var payload any
		if body != nil {
			payload = body
		}
		r := s.call(c, http.MethodPost, "/api/v1/placements/"+id+"/"+path, payload, "")
		dest := "/placements/" + id
		if step == "answer" && r.ok() && f("answer") == "refuse" {
			dest = "/institution/referrals" // refused: no longer the institution's
		}
		s.afterAction(c, r, dest, nil)
	}
}

func (s *server) placementDecisionPDF(c *gin.Context) {
	id := c.Param("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		id = "0"
	}
	s.pdf(c, "/api/v1/placements/"+id+"/decision", `attachment; filename="rjesenje-smjestaj-`+id+`.pdf"`)
}

// placementEventLine says a placement's step on the case's timeline in
// lang, from the event's data (its summary is Montenegrin).
func placementEventLine(lang string, d map[string]any) string {
	what := words(lang, "pl.ev."+str(d["what"]))
	if what == "" {
		return ""
	}
	return t(lang, "pl.placement") + " " + strconv.Itoa(int(num(d["placement_id"]))) + ": " + what
}
