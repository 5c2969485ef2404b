package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/institutions"
)

// The resident's care (issue 22 item 3): the resident's page (name, bed,
// the individual plan in force, the social service's notes), the plan's
// form rendered from its JSON Schema (each save a new version), and the
// medical records' page. The medical records exist for the institution's
// medical staff only: for anyone else the resident's page has no section,
// count or link of them, and their page is the API's 404. Every page
// calls the API with the user's token; the notes and records travel in
// the forms' bodies only, never in a URL.

// registerCare adds the resident's pages.
func (s *server) registerCare(page, form func(string, gin.HandlerFunc)) {
	page("/residents/:placement", s.residentPage)
	page("/residents/:placement/plan", s.residentPlanPage)
	form("/residents/:placement/plan", s.saveResidentPlan)
	form("/residents/:placement/notes", s.addResidentNote)
	page("/residents/:placement/medical", s.medicalPage)
	form("/residents/:placement/medical", s.addMedicalEntry)
}

// residentPath is the API's path of the route's resident (a placement id
// that is not a number is placement 0, which the API does not find).
func residentPath(c *gin.Context) (string, string) {
	id := c.Param("placement")
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
		id = "0"
	}
	return "/api/v1/residents/" + id, "/residents/" + id
}

// residentPage shows the resident, their plan in force and the notes,
// with the form of a new note for the social service.
func (s *server) residentPage(c *gin.Context) { s.renderResident(c, http.StatusOK, nil, "") }

func (s *server) renderResident(c *gin.Context, status int, errs map[string]string, summary string) {
	api, _ := residentPath(c)
	var res, plan obj
	if r := s.getJSON(c, api, &res); !r.ok() {
		s.refused(c, r)
		return
	}
	u := userOf(c)
	data := gin.H{"R": res, "Errs": errs, "Summary": summary, "Values": formValues(c), "Today": time.Now().Format(time.DateOnly),
		"MayPlan": may(u, "care_plan", "read"), "MayEditPlan": may(u, "care_plan", "update"), "MayNotes": may(u, "social_note", "read"),
		"MayWriteNote": may(u, "social_note", "create"), "Medical": may(u, "medical_record", "read")}
	if may(u, "care_plan", "read") {
		if r := s.getJSON(c, api+"/plan", &plan); r.ok() {
			data["Plan"], data["PlanData"] = plan, asObj(plan["data"])
		}
	}
	if may(u, "social_note", "read") {
		var notes struct{ Notes []obj }
		if r := s.getJSON(c, api+"/notes", &notes); r.ok() {
			data["Notes"] = notes.Notes
		}
	}
	s.render(c, status, "resident", data)
}

func asObj(v any) obj {
	m, _ := v.(map[string]any)
	return m
}

// addResidentNote sends the social worker's note; a refusal comes back
// beside the form, every fault named.
func (s *server) addResidentNote(c *gin.Context) {
	api, page := residentPath(c)
	body := obj{"date": c.PostForm("date"), "text": c.PostForm("text")}
	if n, err := strconv.ParseInt(c.PostForm("corrects"), 10, 64); err == nil && n > 0 {
		body["corrects"] = n
	}
	r := s.call(c, http.MethodPost, api+"/notes", body, "")
	if r.status == http.StatusBadRequest {
		errs, summary := fieldErrors(s.lang(c), r, "")
		s.renderResident(c, r.status, errs, summary)
		return
	}
	s.afterAction(c, r, page, nil)
}

// planSchema is the individual plan's form.
func planSchema() (*schema, error) {
	raw, _ := institutions.Forms.Raw(institutions.PlanForm)
	return parseSchema(raw)
}

// residentPlanPage is the plan's form, filled with the version asked for
// (the newest by default): saving it makes a new version.
func (s *server) residentPlanPage(c *gin.Context) {
	s.renderPlan(c, http.StatusOK, nil, nil, "")
}

func (s *server) renderPlan(c *gin.Context, status int, values url.Values, errs map[string]string, summary string) {
	api, _ := residentPath(c)
	var res, plan obj
	if r := s.getJSON(c, api, &res); !r.ok() {
		s.refused(c, r)
		return
	}
	q := ""
	if v, err := strconv.Atoi(c.Query("version")); err == nil && v > 0 {
		q = "?version=" + strconv.Itoa(v)
	}
	if r := s.getJSON(c, api+"/plan"+q, &plan); !r.ok() {
		s.refused(c, r)
		return
	}
	sch, err := planSchema()
	if err != nil {
		s.render(c, http.StatusInternalServerError, "message", gin.H{"Title": "error", "Message": t(s.lang(c), "form_unavailable")})
		return
	}
	if values == nil {
		values = planValues(sch, asObj(plan["data"]))
	}
	s.render(c, status, "resident_plan", gin.H{"R": res, "Plan": plan, "Form": sch.render("plan", values, errs), "Summary": summary,
		"MayEdit": may(userOf(c), "care_plan", "update")})
}

// planValues are a saved plan as the form's fields (f.goals.0.goal).
func planValues(sch *schema, data obj) url.Values {
	out := url.Values{}
	for _, key := range sch.order {
		switch v := data[key].(type) {
		case []any:
			for i, item := range v {
				row, _ := item.(map[string]any)
				for sub, x := range row {
					out.Set(fmt.Sprintf("f.%s.%d.%s", key, i, sub), fmt.Sprint(x))
				}
			}
		case string:
			out.Set("f."+key, v)
		}
	}
	return out
}

// saveResidentPlan sends the form as a new version of the plan, edited
// from the version the form showed; a refusal comes back beside the
// fields it names.
func (s *server) saveResidentPlan(c *gin.Context) {
	api, page := residentPath(c)
	sch, err := planSchema()
	if err != nil {
		s.render(c, http.StatusInternalServerError, "message", gin.H{"Title": "error", "Message": t(s.lang(c), "form_unavailable")})
		return
	}
	_ = c.Request.ParseForm()
	body := obj{"data": json.RawMessage(sch.read(c.Request.PostForm))}
	if b, err := strconv.Atoi(c.PostForm("base_version")); err == nil && b >= 0 {
		body["base_version"] = b
	}
	r := s.call(c, http.MethodPut, api+"/plan", body, "")
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict {
		errs, summary := fieldErrors(s.lang(c), r, "data.")
		s.renderPlan(c, r.status, c.Request.PostForm, errs, summary)
		return
	}
	s.afterAction(c, r, page, nil)
}

// medicalPage lists the resident's medical records with the form of a
// new entry: the medical staff's only (the API's 404 for anyone else).
func (s *server) medicalPage(c *gin.Context) { s.renderMedical(c, http.StatusOK, nil, "") }

func (s *server) renderMedical(c *gin.Context, status int, errs map[string]string, summary string) {
	api, _ := residentPath(c)
	var res obj
	var recs struct{ Records []obj }
	if r := s.getJSON(c, api+"/medical-records", &recs); !r.ok() {
		s.refused(c, r)
		return
	}
	if r := s.getJSON(c, api, &res); !r.ok() {
		s.refused(c, r)
		return
	}
	s.render(c, status, "resident_medical", gin.H{"R": res, "Records": recs.Records, "Kinds": institutions.MedicalKinds(), "Errs": errs,
		"Summary": summary, "Values": formValues(c), "Today": time.Now().Format(time.DateOnly)})
}

// addMedicalEntry sends a nurse's or doctor's entry.
func (s *server) addMedicalEntry(c *gin.Context) {
	api, page := residentPath(c)
	r := s.call(c, http.MethodPost, api+"/medical-records", obj{"date": c.PostForm("date"), "kind": c.PostForm("kind"), "text": c.PostForm("text")}, "")
	if r.status == http.StatusBadRequest {
		errs, summary := fieldErrors(s.lang(c), r, "")
		s.renderMedical(c, r.status, errs, summary)
		return
	}
	s.afterAction(c, r, page+"/medical", nil)
}
