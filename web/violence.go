package web

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// Domestic-violence pages for the DV caseworkers: the register of their
// centre and an entry's page, where the urgent first contact is recorded
// on a form rendered from its published schema.

func (s *server) dvRegisterPage(c *gin.Context) {
	var res obj
	if r := s.getJSON(c, "/api/v1/dv-register", &res); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, http.StatusOK, "dvregister", gin.H{"Entries": res["entries"]})
}

func (s *server) dvPage(c *gin.Context) {
	s.renderDV(c, http.StatusOK, pendingForm{})
}

func (s *server) renderDV(c *gin.Context, status int, p pendingForm) {
	var n obj
	r := s.getJSON(c, "/api/v1/violence-notifications/"+url.PathEscape(c.Param("reference")), &n)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	data := gin.H{"N": n, "Joinable": joinableCases(n)}
	for _, tk := range asList(n["tasks"]) {
		if tk["type"] != "dv_first_contact" || tk["state"] != "open" {
			continue
		}
		data["Task"] = tk
		sch, ok := s.schemaForm(c, "dv-first-contact")
		if !ok {
			return
		}
		data["Form"] = p.view(sch, "first_contact")
	}
	s.render(c, status, "dv", data)
}

// joinableCase is an open DV case a notification without a case may
// join, with the notification's persons who take part in it.
type joinableCase struct {
	Number, Procedure, Stage string
	Persons                  []obj
}

// joinableCases groups the notification's open_cases by case, naming the
// notification's persons in each (issue 17 item 5).
func joinableCases(n obj) []joinableCase {
	names := map[string]string{}
	for _, p := range asList(n["persons"]) {
		names[str(p["person_id"])] = str(p["name"])
	}
	var out []joinableCase
	at := map[string]int{}
	for _, oc := range asList(n["open_cases"]) {
		number := str(oc["number"])
		i, ok := at[number]
		if !ok {
			i, at[number] = len(out), len(out)
			out = append(out, joinableCase{Number: number, Procedure: str(oc["procedure"]), Stage: str(oc["stage"])})
		}
		out[i].Persons = append(out[i].Persons, obj{"name": names[str(oc["person_id"])], "role": str(oc["role"]), "person_id": str(oc["person_id"])})
	}
	return out
}

// dvCase opens the victim's case from the notification, or joins the open
// case chosen (POST /api/v1/violence-notifications/{reference}/case): back
// to the notification, saying which case it now has.
func (s *server) dvCase(c *gin.Context) {
	lang := s.lang(c)
	ref := c.Param("reference")
	page := "/dv/" + url.PathEscape(ref)
	number := c.PostForm("case_number")
	r := s.call(c, http.MethodPost, "/api/v1/violence-notifications/"+url.PathEscape(ref)+"/case", obj{"case_number": number}, "")
	if !r.ok() {
		backError(c, page, s.say(c, r))
		return
	}
	var res struct {
		CaseNumber string `json:"case_number"`
		Opened     bool
	}
	_ = json.Unmarshal(r.body, &res)
	if res.Opened {
		back(c, page, tf(lang, "dv_case_opened", res.CaseNumber))
		return
	}
	back(c, page, tf(lang, "dv_case_joined", res.CaseNumber))
}

// firstContact records the centre's first contact with the victim.
func (s *server) firstContact(c *gin.Context) {
	s.completeWithForm(c, "dv-first-contact", "first_contact", "/dv/"+url.PathEscape(c.Param("reference")),
		func(p pendingForm) { s.renderDV(c, http.StatusBadRequest, p) })
}

// completeWithForm completes the posted task ("task") with the form
// rendered from the published schema: a refusal re-renders the page with
// the messages beside their fields; otherwise back to the page.
func (s *server) completeWithForm(c *gin.Context, schemaName, formKey, page string, rerender func(pendingForm)) {
	_ = c.Request.ParseForm()
	values := c.Request.PostForm
	sch, ok := s.schemaForm(c, schemaName)
	if !ok {
		return
	}
	body := obj{"outcome": "submit", "data": json.RawMessage(sch.read(values))}
	r := s.call(c, http.MethodPost, "/api/v1/tasks/"+url.PathEscape(values.Get("task"))+"/complete", body, "")
	if r.status == http.StatusBadRequest {
		errs, msg := fieldErrors(s.lang(c), r, "data.")
		rerender(pendingForm{name: formKey, values: values, errs: errs, msg: msg})
		return
	}
	s.afterAction(c, r, page, s.taskDone(values.Get("task")))
}
