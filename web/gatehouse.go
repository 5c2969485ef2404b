package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/institutions"
)

// The gatehouse (issue 22 item 5): the gatekeeper's page of who is in the
// building now, the day's visits, the residents on leave (an overdue
// return warned at the top), and the forms that log a visitor in and out
// and a resident's leave and return. The institution's social worker and
// director read it. Every form goes to the API with the user's token; a
// visitor's data travel in the form's body only, never in a URL.

// registerGatehouse adds the gatehouse's pages.
func (s *server) registerGatehouse(page, form func(string, gin.HandlerFunc)) {
	page("/gatehouse", s.gatehousePage)
	form("/gatehouse/visits", s.gateLogVisit)
	form("/gatehouse/visits/:id/departure", s.gateDeparture)
	form("/gatehouse/leaves", s.gateRecordLeave)
	form("/gatehouse/leaves/:id/return", s.gateReturn)
}

func (s *server) gatehousePage(c *gin.Context) { s.renderGatehouse(c, http.StatusOK, "", nil, "") }

func (s *server) renderGatehouse(c *gin.Context, status int, form string, errs map[string]string, summary string) {
	q := ""
	if d := c.Query("day"); d != "" {
		q = "?day=" + url.QueryEscape(d)
	}
	var res struct{ Residents []obj }
	if r := s.getJSON(c, "/api/v1/gatehouse/residents", &res); !r.ok() {
		s.refused(c, r)
		return
	}
	var visits struct {
		Day    string
		Visits []obj
	}
	if r := s.getJSON(c, "/api/v1/gatehouse/visits"+q, &visits); !r.ok() {
		s.refused(c, r)
		return
	}
	var leaves struct{ Leaves []obj }
	if r := s.getJSON(c, "/api/v1/gatehouse/leaves"+q, &leaves); !r.ok() {
		s.refused(c, r)
		return
	}
	var inside, open, returned, overdue []obj
	for _, v := range visits.Visits {
		if v["inside"] == true {
			inside = append(inside, v)
		}
	}
	for _, l := range leaves.Leaves {
		switch {
		case l["returned_at"] != nil:
			returned = append(returned, l)
		default:
			open = append(open, l)
			if l["overdue"] == true {
				overdue = append(overdue, l)
			}
		}
	}
	u := userOf(c)
	s.render(c, status, "gatehouse", gin.H{"Residents": res.Residents, "Visits": visits.Visits, "Inside": inside, "Open": open,
		"Returned": returned, "Overdue": overdue, "Day": visits.Day, "Gatekeeper": may(u, "gatehouse", "create"), "Kinds": institutions.LeaveKinds(),
		"Errs": errs, "Summary": summary, "SentForm": form, "Values": formValues(c)})
}

// localMoment reads a form's date and time (datetime-local, Montenegro's
// time) as RFC 3339: ok false when typed but not a time; "" when empty.
func localMoment(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, montenegro); err == nil {
			return t.Format(time.RFC3339), true
		}
	}
	return "", false
}

// gateMoments puts the form's times into body under their API names; the
// fields typed but not a time come back as errors.
func gateMoments(c *gin.Context, lang string, body obj, fields ...string) map[string]string {
	errs := map[string]string{}
	for _, f := range fields {
		at, ok := localMoment(c.PostForm(f))
		switch {
		case !ok:
			errs[f] = t(lang, "gate.bad_time")
		case at != "":
			body[f] = at
		}
	}
	return errs
}

func formID(c *gin.Context, field string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(c.PostForm(field)), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// gateAnswer answers a gatehouse form: a refusal about the form (400, 404,
// 409) beside it, every problem listed; success back to the page with
// done said.
func (s *server) gateAnswer(c *gin.Context, r apiResult, form, done string) {
	lang := s.lang(c)
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict || r.status == http.StatusNotFound {
		errs, summary := fieldErrors(lang, r, "")
		s.renderGatehouse(c, r.status, form, errs, summary)
		return
	}
	if !r.ok() {
		backError(c, "/gatehouse", s.say(c, r))
		return
	}
	back(c, "/gatehouse", t(lang, done))
}

// gateLogVisit logs a visitor in.
func (s *server) gateLogVisit(c *gin.Context) {
	lang := s.lang(c)
	body := obj{"placement_id": formID(c, "placement_id"), "visitor_name": c.PostForm("visitor_name"), "visitor_jmbg": c.PostForm("visitor_jmbg"),
		"visitor_document": c.PostForm("visitor_document"), "relation": c.PostForm("relation"), "reason": strings.TrimSpace(c.PostForm("reason"))}
	if errs := gateMoments(c, lang, body, "arrived_at"); len(errs) > 0 {
		s.renderGatehouse(c, http.StatusBadRequest, "visit", errs, "")
		return
	}
	s.gateAnswer(c, s.call(c, http.MethodPost, "/api/v1/gatehouse/visits", body, ""), "visit", "gate.visit_logged")
}

// gateDeparture logs a visitor out (now, or back-dated with a reason).
func (s *server) gateDeparture(c *gin.Context) {
	lang := s.lang(c)
	body := obj{"reason": strings.TrimSpace(c.PostForm("reason"))}
	if errs := gateMoments(c, lang, body, "at"); len(errs) > 0 {
		s.renderGatehouse(c, http.StatusBadRequest, "departure", errs, "")
		return
	}
	id := c.Param("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		id = "0"
	}
	s.gateAnswer(c, s.call(c, http.MethodPost, "/api/v1/gatehouse/visits/"+id+"/departure", body, ""), "departure", "gate.departure_logged")
}

// gateRecordLeave records a resident's leave.
func (s *server) gateRecordLeave(c *gin.Context) {
	lang := s.lang(c)
	body := obj{"placement_id": formID(c, "placement_id"), "kind": c.PostForm("kind"), "companion_name": c.PostForm("companion_name"),
		"companion_jmbg": c.PostForm("companion_jmbg"), "companion_document": c.PostForm("companion_document"),
		"companion_relation": c.PostForm("companion_relation"), "reason": strings.TrimSpace(c.PostForm("reason"))}
	if errs := gateMoments(c, lang, body, "left_at", "expected_return"); len(errs) > 0 {
		s.renderGatehouse(c, http.StatusBadRequest, "leave", errs, "")
		return
	}
	s.gateAnswer(c, s.call(c, http.MethodPost, "/api/v1/gatehouse/leaves", body, ""), "leave", "gate.leave_recorded")
}

// gateReturn records a resident's return.
func (s *server) gateReturn(c *gin.Context) {
	lang := s.lang(c)
	body := obj{"reason": strings.TrimSpace(c.PostForm("reason"))}
	if errs := gateMoments(c, lang, body, "at"); len(errs) > 0 {
		s.renderGatehouse(c, http.StatusBadRequest, "return", errs, "")
		return
	}
	id := c.Param("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		id = "0"
	}
	s.gateAnswer(c, s.call(c, http.MethodPost, "/api/v1/gatehouse/leaves/"+id+"/return", body, ""), "return", "gate.return_logged")
}
