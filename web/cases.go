package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
)

// Case pages: the list, the intake that opens a case, and the case page
// with the forms of its stages rendered from the procedure's JSON Schemas.
// Every read and write goes through the API, so policy, centre scope, DV
// permission and audit are the API's.

// casesPage lists the centre's cases: mine or the team's, by procedure,
// stage, status, or overdue only.
func (s *server) casesPage(c *gin.Context) {
	q := url.Values{}
	for _, k := range []string{"scope", "procedure", "stage", "status", "overdue"} {
		if v := c.Query(k); v != "" {
			q.Set(k, v)
		}
	}
	var res obj
	if r := s.getJSON(c, "/api/v1/cases?"+q.Encode(), &res); !r.ok() {
		if r.status == http.StatusBadRequest {
			backError(c, "/cases", s.say(c, r))
			return
		}
		s.refused(c, r)
		return
	}
	var procs obj
	s.getJSON(c, "/api/v1/procedures", &procs)
	s.render(c, http.StatusOK, "cases", gin.H{"Cases": res["cases"], "Procedures": procs["procedures"], "Q": q,
		"Stages": []string{"intake", "opening", "initial_assessment", "detailed_assessment", "plan", "monitoring", "closing"}})
}

// newCase: find the person, choose the procedure, fill in the intake.
func (s *server) newCase(c *gin.Context) {
	s.renderNewCase(c, http.StatusOK, nil, nil, "")
}

func (s *server) renderNewCase(c *gin.Context, status int, values url.Values, errs map[string]string, msg string) {
	data := gin.H{"Q": c.Query("q")}
	var procs obj
	s.getJSON(c, "/api/v1/procedures", &procs)
	data["Procedures"] = procs["procedures"]
	person := c.Query("person")
	if values != nil {
		person = values.Get("person")
		data["Procedure"] = values.Get("procedure")
	} else {
		data["Procedure"] = c.Query("procedure")
	}
	if person != "" {
		var f obj
		if r := s.getJSON(c, "/api/v1/persons/"+url.PathEscape(person), &f); !r.ok() {
			s.refused(c, r)
			return
		}
		data["F"] = f
		p, _ := f["person"].(obj)
		data["Fitting"], data["AnyAge"], data["Age"] = proceduresFor(asList(procs["procedures"]), ageOn(str(p["birth_date"]), time.Now()))
		sch, ok := s.procedureForm(c, "P01", 0, "intake")
		if !ok {
			return
		}
		form := sch.render("intake", values, errs)
		for i, e := range form.Summary { // the procedure is chosen above the intake's fields
			if e.Path == "procedure" {
				form.Summary[i].Anchor, data["ProcedureError"] = "procedure", e.Message
			}
		}
		data["Form"] = form
	} else if q := strings.TrimSpace(c.Query("q")); q != "" {
		path := "/api/v1/persons?name=" + url.QueryEscape(q)
		if _, _, err := domain.ParseJMBG(q); err == nil {
			path = "/api/v1/persons?jmbg=" + q
		}
		var res obj
		if r := s.getJSON(c, path, &res); !r.ok() {
			data["Error"] = s.say(c, r)
		} else {
			data["Found"] = res["persons"]
		}
	}
	if msg != "" && len(errs) == 0 { // else the form's summary says it, field by field
		data["Error"] = msg
	}
	s.render(c, status, "newcase", data)
}

// proceduresFor splits the procedures the API lists for a person of age:
// those for their age group (minors or adults), then those for any age,
// each in the order of their codes; those for the other age group are
// left out (no guardianship of a minor offered for an adult).
func proceduresFor(list []obj, age int) (fitting, anyAge []obj, _ int) {
	for _, p := range list {
		d, err := cases.Procedures.Get(str(p["code"]), 0)
		switch {
		case err != nil || !d.ForAge(age):
		case d.Ages == cases.AgesAny:
			anyAge = append(anyAge, p)
		default:
			fitting = append(fitting, p)
		}
	}
	byCode := func(l []obj) {
		sort.SliceStable(l, func(i, j int) bool { return str(l[i]["code"]) < str(l[j]["code"]) })
	}
	byCode(fitting)
	byCode(anyAge)
	return fitting, anyAge, age
}

// ageOn is the age in whole years on day of a person born on birth
// (YYYY-MM-DD); -1 when the date is not known.
func ageOn(birth string, day time.Time) int {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return -1
	}
	age := day.Year() - b.Year()
	if day.Month() < b.Month() || day.Month() == b.Month() && day.Day() < b.Day() {
		age--
	}
	return age
}

// procedureForm is the JSON Schema of one of a procedure's forms, from the
// API. The intake, tracking-item and decision forms are the same for every
// procedure: they are read from P01's definition.
func (s *server) procedureForm(c *gin.Context, code string, version int, form string) (*schema, bool) {
	path := "/api/v1/procedures/" + url.PathEscape(code)
	if version > 0 {
		path += "?version=" + url.QueryEscape(jsonNumber(version))
	}
	var def struct{ Forms map[string]json.RawMessage }
	if r := s.getJSON(c, path, &def); !r.ok() {
		s.refused(c, r)
		return nil, false
	}
	sch, err := parseSchema(def.Forms[form])
	if err != nil || def.Forms[form] == nil {
		s.render(c, http.StatusNotFound, "message", gin.H{"Title": "not_found", "Message": t(s.lang(c), "form_unavailable")})
		return nil, false
	}
	return sch, true
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *server) openCase(c *gin.Context) {
	_ = c.Request.ParseForm()
	values := c.Request.PostForm
	sch, ok := s.procedureForm(c, "P01", 0, "intake")
	if !ok {
		return
	}
	persons := []obj{{"person_id": values.Get("person"), "role": "beneficiary"}}
	body := obj{"procedure": values.Get("procedure"), "persons": persons, "intake": sch.read(values)}
	r := s.call(c, http.MethodPost, "/api/v1/cases", body, "")
	if r.status == http.StatusBadRequest {
		errs, msg := fieldErrors(s.lang(c), r, "intake.")
		s.renderNewCase(c, http.StatusBadRequest, values, errs, msg)
		return
	}
	if !r.ok() {
		backError(c, "/cases/new?person="+url.QueryEscape(values.Get("person")), s.say(c, r))
		return
	}
	var res obj
	_ = json.Unmarshal(r.body, &res)
	number, _ := res["number"].(string)
	s.settle(c, s.caseWaits(number, true)) // the first stage's task, or the case ended at intake
	c.Redirect(http.StatusSeeOther, "/cases/"+url.PathEscape(number))
}

// pendingForm is a form the user sent back with errors: which one, what
// was typed and what is wrong.
type pendingForm struct {
	name   string
	values url.Values
	errs   map[string]string
	msg    string
}

// view renders the form sch called key: filled with what was typed and
// its messages when it is the form sent back, blank otherwise. A refusal
// that names no field is shown above the form.
func (p pendingForm) view(sch *schema, key string) formView {
	if p.name != key {
		return sch.render(key, nil, nil)
	}
	v := sch.render(key, p.values, p.errs)
	if p.msg != "" && len(p.errs) == 0 {
		v.Errors = append(v.Errors, p.msg)
		v.summarise()
	}
	return v
}

// casePage shows a case: stage, participants, stages and their deadlines,
// the tasks waiting with their forms, tracking list, decisions,
// sub-procedures and history.
func (s *server) casePage(c *gin.Context) {
	s.renderCase(c, http.StatusOK, pendingForm{})
}

// caseTask is an open task of the case with what the page offers for it.
type caseTask struct {
	T        obj
	Form     *formView
	Outcomes []string
	Stage    string
}

func (s *server) renderCase(c *gin.Context, status int, p pendingForm) {
	number := c.Param("number")
	var cs obj
	r := s.getJSON(c, "/api/v1/cases/"+url.PathEscape(number), &cs)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	code, _ := cs["procedure"].(string)
	version, _ := cs["version"].(float64)
	var def obj
	r = s.getJSON(c, "/api/v1/procedures/"+url.PathEscape(code)+"?version="+jsonNumber(int(version)), &def)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	// The forms are read again as they were written: a map would lose the
	// order of their fields.
	var forms struct{ Forms map[string]json.RawMessage }
	_ = json.Unmarshal(r.body, &forms)
	formOf := func(name string) *schema {
		sch, err := parseSchema(forms.Forms[name])
		if err != nil || forms.Forms[name] == nil {
			return nil
		}
		return sch
	}
	// render fills the form the user sent back with errors; the others
	// start blank. Stage forms are named stage:<stage>:<form> so that an
	// error goes back to the form it came from.
	render := func(sch *schema, key string) *formView {
		if sch == nil {
			return nil
		}
		v := p.view(sch, key)
		return &v
	}
	var tasks []caseTask
	for _, tk := range tasksOf(cs) {
		ct := caseTask{T: tk}
		d, _ := tk["data"].(obj)
		ct.Stage, _ = d["stage"].(string)
		form, _ := d["form"].(string)
		switch tk["type"] {
		case "case_approval", "case_decision_approval":
			ct.Outcomes = []string{"approve", "return"}
		case "case_tracking_overdue":
			ct.Outcomes = []string{"acknowledge"}
		default:
			if form != "" && ct.Stage != "" {
				ct.Form = render(formOf(form), "stage:"+ct.Stage+":"+form)
			}
			if ct.Form != nil && ct.Stage == "opening" {
				d, err := cases.Procedures.Get(code, int(version))
				staffFields(ct.Form, str(cs["centre_id"]), err == nil && d.DV)
				if err == nil && d.LicensedManager {
					s.licensedOnly(c, ct.Form, str(cs["centre_id"]))
				}
			}
		}
		tasks = append(tasks, ct)
	}
	monitoring := cs["stage"] == "monitoring" && cs["status"] == "open"
	lang := s.lang(c)
	decisionNames := map[string]string{}
	for _, k := range asList(def["decisions"]) {
		if n, ok := k["name"].(obj); ok {
			decisionNames[str(k["code"])] = str(n[lang])
		}
	}
	data := gin.H{"C": cs, "Def": def, "Tasks": tasks, "Monitoring": monitoring, "Centres": domain.Centres(), "DecisionNames": decisionNames}
	for _, ev := range asList(cs["history"]) { // what was said at intake, shown on the case
		if ev["kind"] == "intake" {
			data["Intake"] = ev["data"]
		}
	}
	if monitoring {
		decision := render(formOf("decision"), "decision")
		// The decision's kind is one of those the procedure issues.
		for i, f := range decision.Fields {
			if f.Key == "kind" {
				decision.Fields[i].Kind, decision.Fields[i].Options, decision.Fields[i].Labels = "select", nil, decisionNames
				for _, k := range asList(def["decisions"]) {
					code, _ := k["code"].(string)
					decision.Fields[i].Options = append(decision.Fields[i].Options, code)
				}
			}
		}
		if decision != nil { // a placement names a provider in force (inspections.go)
			decision.Fields = s.placementFields(c, code, decision.Fields)
		}
		data["TrackingForm"], data["DecisionForm"] = render(formOf("tracking_item"), "tracking_item"), decision
	}
	if p.name != "" && p.msg != "" {
		data["Error"] = p.msg
	}
	if p.name == "note" {
		data["NoteText"] = p.values.Get("text")
	}
	data["ConfirmErr"] = map[string]string{}
	if p.name == "close" || p.name == "transfer" {
		data["ConfirmErr"] = map[string]string{p.name: p.errs["confirm"]}
	}
	var subs []string
	if list, ok := def["subprocedures"].([]any); ok {
		for _, x := range list {
			subs = append(subs, x.(string))
		}
	}
	sort.Strings(subs)
	data["Subprocedures"] = subs
	waiting := cs["status"] == "open" && len(tasks) == 0 && !monitoring
	data["Waiting"] = waiting
	data["Services"] = s.caseServices(c, number, code) // referrals to providers' services (servicereferrals.go)
	s.render(c, status, "case", data)
}

// staffFields makes the opening form's case manager a choice of the
// centre's staff by name, and its team boxes to tick, never usernames to
// type (issue 17); what was chosen before stays chosen.
func staffFields(form *formView, centre string, dv bool) {
	role := domain.RoleCaseworker
	if dv {
		role = domain.RoleDVCaseworker
	}
	names := map[string]string{}
	var usernames []string
	for _, u := range domain.Staff(centre, role) {
		names[u.Username] = u.Name
		usernames = append(usernames, u.Username)
	}
	for i, f := range form.Fields {
		switch f.Key {
		case "case_manager":
			form.Fields[i].Kind, form.Fields[i].Options, form.Fields[i].Labels = "select", usernames, names
		case "team":
			form.Fields[i].Kind, form.Fields[i].Options, form.Fields[i].Labels = "checkboxes", usernames, names
			form.Fields[i].Values = map[string]bool{}
			for _, v := range strings.Split(f.Value, "\n") {
				if v = strings.TrimSpace(v); v != "" {
					form.Fields[i].Values[v] = true
				}
			}
		}
	}
}

func asList(v any) []obj {
	var out []obj
	list, _ := v.([]any)
	for _, x := range list {
		if m, ok := x.(obj); ok {
			out = append(out, m)
		}
	}
	return out
}

// submitCaseStage sends a stage's form (or an approval's outcome) to the API.
func (s *server) submitCaseStage(c *gin.Context) {
	number, stage := c.Param("number"), c.Param("stage")
	_ = c.Request.ParseForm()
	values := c.Request.PostForm
	outcome := values.Get("outcome")
	if outcome == "" {
		outcome = "submit"
	}
	key := values.Get("form")
	body := obj{"outcome": outcome, "data": obj{}}
	if outcome == "submit" {
		parts := strings.SplitN(key, ":", 3)
		if len(parts) != 3 || parts[1] != stage {
			c.String(http.StatusBadRequest, "the form does not belong to stage %s", stage)
			return
		}
		var cs obj
		if r := s.getJSON(c, "/api/v1/cases/"+url.PathEscape(number), &cs); !r.ok() {
			s.refused(c, r)
			return
		}
		version, _ := cs["version"].(float64)
		code, _ := cs["procedure"].(string)
		sch, ok := s.procedureForm(c, code, int(version), parts[2])
		if !ok {
			return
		}
		body["data"] = sch.read(values)
	}
	done := s.caseMoved(c.Request.Context(), number)
	r := s.call(c, http.MethodPost, "/api/v1/cases/"+url.PathEscape(number)+"/stages/"+url.PathEscape(stage), body, "")
	if r.status == http.StatusBadRequest && outcome == "submit" {
		errs, msg := fieldErrors(s.lang(c), r, "data.")
		s.renderCase(c, http.StatusBadRequest, pendingForm{name: key, values: values, errs: errs, msg: msg})
		return
	}
	s.afterAction(c, r, "/cases/"+url.PathEscape(number), done) // the stage's task recorded, the next one created
}

// caseAction: a note, a tracking item (add or done), a decision to
// prepare, a sub-procedure, a transfer, closing.
func (s *server) caseAction(c *gin.Context) {
	number, action := c.Param("number"), c.Param("action")
	_ = c.Request.ParseForm()
	values := c.Request.PostForm
	var data any = obj{}
	form := ""
	switch action {
	case "note":
		data = obj{"text": strings.TrimSpace(values.Get("text"))}
	case "complete-tracking":
		var item int
		_ = json.Unmarshal([]byte(values.Get("item")), &item)
		data = obj{"item": item}
	case "start-subprocedure":
		data = obj{"procedure": values.Get("procedure")}
	case "transfer":
		data = obj{"centre_id": values.Get("centre_id")}
	case "close", "review":
	case "add-tracking", "prepare-decision":
		form = map[string]string{"add-tracking": "tracking_item", "prepare-decision": "decision"}[action]
		sch, ok := s.procedureForm(c, "P01", 0, form)
		if !ok {
			return
		}
		sent := values
		if action == "prepare-decision" { // carers named by JMBG (carers.go)
			var errs map[string]string
			if sent, errs = s.carersByJMBG(c, values); errs != nil {
				s.renderCase(c, http.StatusBadRequest, pendingForm{name: form, values: values, errs: errs})
				return
			}
		}
		data = sch.read(sent)
	default:
		c.String(http.StatusNotFound, "no such action")
		return
	}
	if (action == "close" || action == "transfer") && values.Get("confirm") != "yes" { // irreversible: confirmed on the form
		s.renderCase(c, http.StatusBadRequest, pendingForm{name: action, values: values, errs: map[string]string{"confirm": t(s.lang(c), "confirm_needed")}})
		return
	}
	// The Update's answer means the action is applied; a decision to
	// approve, a review or a closing then has its task created.
	var done ready
	switch action {
	case "prepare-decision", "review", "close":
		done = s.caseMoved(c.Request.Context(), number)
	}
	r := s.call(c, http.MethodPost, "/api/v1/cases/"+url.PathEscape(number)+"/actions", obj{"action": action, "data": data}, "")
	if r.status == http.StatusBadRequest {
		errs, msg := fieldErrors(s.lang(c), r, "data.")
		name := form
		if action == "note" {
			name = "note"
		}
		if name != "" {
			s.renderCase(c, http.StatusBadRequest, pendingForm{name: name, values: values, errs: errs, msg: msg})
			return
		}
	}
	s.afterAction(c, r, "/cases/"+url.PathEscape(number), done)
}

func (s *server) reopenCase(c *gin.Context) {
	number := c.Param("number")
	r := s.call(c, http.MethodPost, "/api/v1/cases/"+url.PathEscape(number)+"/reopen", obj{}, "")
	s.afterAction(c, r, "/cases/"+url.PathEscape(number), s.caseWaits(number, false)) // open again, its assessment waiting
}

// caseDecisionPDF hands the decision's PDF over from the API.
func (s *server) caseDecisionPDF(c *gin.Context) {
	s.pdf(c, "/api/v1/case-decisions/"+url.PathEscape(c.Param("id"))+"/document", "inline; filename=case-decision-"+c.Param("id")+".pdf")
}
