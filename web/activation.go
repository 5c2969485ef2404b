package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Activation pages: a centre's referrals of work-capable recipients to the
// Employment Agency, with the forms of the decisions they lead to; and the
// agency's inbox, where its staff report a referral's steps by hand.

var referralStates = []string{"referred", "acknowledged", "active", "decision_pending", "sanctioned", "employed", "not_eligible", "closed"}

func (s *server) activationPage(c *gin.Context) {
	path := "/api/v1/activation/referrals"
	if st := c.Query("state"); st != "" {
		path += "?state=" + url.QueryEscape(st)
	}
	var res obj
	if r := s.getJSON(c, path, &res); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, http.StatusOK, "activation", gin.H{"Referrals": asList(res["referrals"]), "States": referralStates, "State": c.Query("state")})
}

// refer finds the person by JMBG and refers them.
func (s *server) refer(c *gin.Context) {
	var found struct{ Persons []obj }
	jmbg := strings.TrimSpace(c.PostForm("jmbg"))
	if r := s.getJSON(c, "/api/v1/persons?jmbg="+url.QueryEscape(jmbg), &found); !r.ok() {
		backError(c, "/activation", s.say(c, r))
		return
	}
	if len(found.Persons) == 0 {
		back(c, "/activation", t(s.lang(c), "no_person")+" "+jmbg)
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/activation/referrals", obj{"person_id": found.Persons[0]["id"],
		"work_capacity_notes": c.PostForm("work_capacity_notes"), "family_constraints": c.PostForm("family_constraints")}, "")
	if !r.ok() {
		backError(c, "/activation", s.say(c, r))
		return
	}
	var ref obj
	_ = json.Unmarshal(r.body, &ref)
	id, _ := ref["id"].(string)
	s.afterAction(c, r, "/activation/"+url.PathEscape(id), s.referralEvent(id, "")) // the workflow's first message to the agency
}

func (s *server) referralPage(c *gin.Context) {
	s.renderReferral(c, http.StatusOK, pendingForm{})
}

func (s *server) renderReferral(c *gin.Context, status int, p pendingForm) {
	var ref obj
	r := s.getJSON(c, "/api/v1/activation/referrals/"+url.PathEscape(c.Param("id")), &ref)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"R": ref, "Kinds": stepKinds, "StepID": newStepID()}
	var open []obj
	for _, tk := range asList(ref["tasks"]) {
		if tk["state"] != "open" {
			continue
		}
		open = append(open, tk)
		if tk["type"] == "activation.decide" {
			sch, ok := s.schemaForm(c, "activation-decision")
			if !ok {
				return
			}
			data["Decide"], data["Form"] = tk, p.view(sch, "activation_decision")
		}
	}
	data["Tasks"] = open
	s.render(c, status, "referral", data)
}

var stepKinds = []string{"acknowledged", "plan_created", "measure_offered", "attended", "missed_without_reason", "job_offer_refused",
	"training_started", "training_finished", "employed", "deregistered"}

func (s *server) schemaForm(c *gin.Context, name string) (*schema, bool) {
	r := s.call(c, http.MethodGet, "/api/v1/schemas/"+name+".json", nil, "")
	sch, err := parseSchema(r.body)
	if !r.ok() || err != nil {
		s.render(c, http.StatusInternalServerError, "message", gin.H{"Title": "error", "Message": t(s.lang(c), "form_unavailable")})
		return nil, false
	}
	return sch, true
}

// decideReferral sends the caseworker's decision on a referral.
func (s *server) decideReferral(c *gin.Context) {
	s.completeWithForm(c, "activation-decision", "activation_decision", "/activation/"+url.PathEscape(c.Param("id")),
		func(p pendingForm) { s.renderReferral(c, http.StatusBadRequest, p) })
}

// reportStep is the agency's staff reporting a step by hand; the step id
// is made here, once per form, so a resent form is the same step.
func (s *server) reportStep(c *gin.Context) {
	id := c.Param("id")
	step := obj{"step_id": c.PostForm("step_id"), "kind": c.PostForm("kind"), "occurred_at": c.PostForm("occurred_at")}
	// A datetime-local field: the time in Montenegro.
	if at, err := time.ParseInLocation("2006-01-02T15:04", c.PostForm("occurred_at"), montenegro); err == nil {
		step["occurred_at"] = at.Format(time.RFC3339)
	}
	for _, f := range []string{"status", "measure", "employer", "note"} {
		if v := strings.TrimSpace(c.PostForm(f)); v != "" {
			step[f] = v
		}
	}
	step["officer"] = userOf(c).Name
	r := s.call(c, http.MethodPost, "/api/v1/activation/referrals/"+url.PathEscape(id)+"/steps", step, "")
	var done ready
	if r.status == http.StatusAccepted { // a new step, signalled: the workflow records it on the timeline
		done = s.referralEvent(id, "step/"+c.PostForm("step_id"))
	}
	s.afterAction(c, r, "/activation/"+url.PathEscape(id), done)
}

// newStepID names a step the agency's staff are about to report.
func newStepID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "web-" + hex.EncodeToString(b)
}

func (s *server) activationDecisionPDF(c *gin.Context) {
	s.pdf(c, "/api/v1/activation-decisions/"+url.PathEscape(c.Param("id"))+"/document", "inline; filename=decision-"+c.Param("id")+".pdf")
}
