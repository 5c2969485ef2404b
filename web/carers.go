package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

// The staff's registers (issue 21): guardians, foster carers and the
// beneficiaries of a benefit on a day, one at a time, filtered by centre,
// read through the API as the user (who may read only their centre's, the
// ministry every centre's; every person listed is audited there).

// registers are the registers the page shows, in the order of its tabs.
var registers = []string{"guardians", "foster-carers", "beneficiaries"}

// registersPage answers GET /registers: ?register= (guardians, the
// default, foster-carers or beneficiaries), ?centre_id=; for the carers
// ?name= and ?state=, for the beneficiaries ?benefit= (MO by default) and
// ?on=.
func (s *server) registersPage(c *gin.Context) {
	reg := c.DefaultQuery("register", registers[0])
	known := false
	for _, r := range registers {
		known = known || r == reg
	}
	if !known {
		reg = registers[0]
	}
	q := url.Values{}
	data := gin.H{"Register": reg, "Registers": registers, "Centres": domain.Centres(), "CentreID": c.Query("centre_id"),
		"Name": c.Query("name"), "State": c.DefaultQuery("state", "current"), "Benefit": c.DefaultQuery("benefit", "MO"), "On": c.Query("on"), "States": []string{"current", "ended", "all"},
		"Outcomes": []string{"suitable", "unsuitable", "completed", "not_completed"}}
	if v := c.Query("centre_id"); v != "" {
		q.Set("centre_id", v)
	}
	path := "/api/v1/registers/" + reg
	if reg == "beneficiaries" {
		q.Set("benefit", data["Benefit"].(string))
		if v := c.Query("on"); v != "" {
			q.Set("on", v)
		}
		var codes []string
		for _, b := range benefits.Catalogue() {
			codes = append(codes, string(b.Code))
		}
		data["Benefits"] = codes
	} else {
		if v := c.Query("name"); v != "" {
			q.Set("name", v)
		}
		q.Set("state", data["State"].(string))
	}
	var res obj
	if r := s.getJSON(c, path+"?"+q.Encode(), &res); !r.ok() {
		s.refused(c, r)
		return
	}
	data["Res"] = res
	s.render(c, http.StatusOK, "registers", data)
}

// recordAssessment answers the form under a carer in the register (POST
// /registers/carers/{id}/assessments): the assessment of suitability or
// the training, through the API as the caseworker; back to the register
// with the API's answer in the page's language.
func (s *server) recordAssessment(c *gin.Context) {
	reg := c.PostForm("register")
	if reg != "foster-carers" {
		reg = "guardians"
	}
	body := obj{"kind": c.PostForm("kind"), "role": c.PostForm("role"), "held_on": c.PostForm("held_on"), "outcome": c.PostForm("outcome")}
	if h := strings.TrimSpace(c.PostForm("hours")); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil {
			n = -1 // not a whole number: the API says what the hours must be
		}
		body["hours"] = n
	}
	r := s.call(c, http.MethodPost, "/api/v1/registers/carers/"+url.PathEscape(c.Param("id"))+"/assessments", body, "")
	s.afterAction(c, r, "/registers?register="+reg, nil)
}

// carersByJMBG lets a decision name its guardian or foster carers by JMBG,
// as the caseworker has it from the identity card, not by an id: each line
// of the field that is a JMBG (13 digits) becomes the id of the person registered with
// it (a line that is not a JMBG goes on as typed, for the API to judge). A
// JMBG nobody registered has is an error on the field in the page's
// language. The look-up is the API's person search as the caseworker,
// authorised and audited there; values itself is left as typed, to be
// shown again on a refusal.
func (s *server) carersByJMBG(c *gin.Context, values url.Values) (url.Values, map[string]string) {
	typed := values.Get("f.carers")
	if strings.TrimSpace(typed) == "" {
		return values, nil
	}
	var lines []string
	for _, l := range strings.Split(typed, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if len(l) == 13 && strings.Trim(l, "0123456789") == "" {
			var found struct{ Persons []obj }
			r := s.getJSON(c, "/api/v1/persons?jmbg="+url.QueryEscape(l), &found)
			switch {
			case !r.ok():
				return nil, map[string]string{"carers": s.say(c, r)}
			case len(found.Persons) == 0:
				return nil, map[string]string{"carers": t(s.lang(c), "carers_no_person") + " " + l}
			}
			l = str(found.Persons[0]["id"])
		}
		lines = append(lines, l)
	}
	sent := url.Values{}
	for k, v := range values {
		sent[k] = v
	}
	sent.Set("f.carers", strings.Join(lines, "\n"))
	return sent, nil
}
