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
	data := gin.H{"N": n}
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
