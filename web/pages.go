package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

type obj = map[string]any

func tasksOf(r obj) []obj {
	var out []obj
	if list, ok := r["tasks"].([]any); ok {
		for _, x := range list {
			if m, ok := x.(obj); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// inbox: my tasks and my group's unclaimed ones, overdue first, filtered.
func (s *server) inbox(c *gin.Context) {
	q := url.Values{"sort": {"due"}}
	if ty := c.Query("type"); ty != "" {
		q.Set("type", ty)
	}
	if c.Query("overdue") == "true" {
		q.Set("overdue", "true")
	}
	// Each list shows its 50 most urgent; "all" (mine or group) shows up to 500.
	limit := func(list string) string {
		if c.Query("all") == list {
			return "500"
		}
		return "50"
	}
	var mine, group obj
	q.Set("assignee", "me")
	q.Set("limit", limit("mine"))
	if r := s.getJSON(c, "/api/v1/tasks?"+q.Encode(), &mine); !r.ok() {
		s.refused(c, r)
		return
	}
	q.Del("assignee")
	q.Set("group", "mine")
	q.Set("unassigned", "true")
	q.Set("limit", limit("group"))
	s.getJSON(c, "/api/v1/tasks?"+q.Encode(), &group)
	s.render(c, http.StatusOK, "inbox", gin.H{"Mine": tasksOf(mine), "Group": tasksOf(group), "Counts": mine["counts"], "GroupCounts": group["counts"],
		"Type": c.Query("type"), "Overdue": c.Query("overdue") == "true", "Types": taskTypes, // each once (boards.go)
		"Keep": keepQuery(c.Request.URL.Query(), "type", "overdue")}) // "show all" keeps the filters
}

// personPage is the e-file.
func (s *server) personPage(c *gin.Context) {
	var f obj
	r := s.getJSON(c, "/api/v1/persons/"+url.PathEscape(c.Param("id")), &f)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	// Evidence grouped by source, in the institutions' order.
	groups := map[string][]obj{}
	for _, x := range f["evidence"].([]any) {
		e := x.(obj)
		groups[e["source"].(string)] = append(groups[e["source"].(string)], e)
	}
	type group struct {
		Source, Institution string
		Evidence            []obj
	}
	var bySource []group
	for _, in := range domain.Institutions() {
		if ev, ok := groups[string(in.Source)]; ok {
			bySource = append(bySource, group{string(in.Source), enum(s.lang(c), "registry", string(in.Source)), ev})
		}
	}
	data := gin.H{"F": f, "Evidence": bySource}
	s.render(c, registerData(c, f, data), "person", data) // the register's differences, the correction (register.go)
}

func (s *server) refresh(c *gin.Context) {
	id := c.Param("id")
	r := s.call(c, http.MethodPost, "/api/v1/persons/"+url.PathEscape(id)+"/evidence/refresh", obj{}, "")
	if !r.ok() {
		backError(c, "/persons/"+url.PathEscape(id), s.say(c, r))
		return
	}
	back(c, "/persons/"+url.PathEscape(id), t(s.lang(c), "done"))
}

// newClaim: find the person (JMBG or name), register if missing, then the
// claim form with the household.
func (s *server) newClaim(c *gin.Context) {
	s.renderNewClaim(c, http.StatusOK, c.Query("person"), c.Query("q"), sentForm{})
}

// renderNewClaim is the new-claim page: the search for q, or the claim
// form of person; a form sent back (the registration or the claim) keeps
// what was typed, with each message beside its field.
func (s *server) renderNewClaim(c *gin.Context, status int, person, q string, sent sentForm) {
	data := gin.H{"Q": q, "Municipalities": domain.Municipalities(), "Sent": sent}
	var implemented []benefits.Benefit
	for _, b := range benefits.Catalogue() {
		if b.Implemented {
			implemented = append(implemented, b)
		}
	}
	data["Benefits"] = implemented
	q = strings.TrimSpace(q)
	if id := person; id != "" {
		var f obj
		if r := s.getJSON(c, "/api/v1/persons/"+url.PathEscape(id), &f); !r.ok() {
			s.refused(c, r)
			return
		}
		data["F"] = f
	} else if q != "" {
		path := "/api/v1/persons?name=" + url.QueryEscape(q)
		if _, _, err := domain.ParseJMBG(q); err == nil {
			path = "/api/v1/persons?jmbg=" + q
			data["JMBG"] = q
		} else if len(q) == 13 && strings.Trim(q, "0123456789") == "" {
			data["JMBGError"] = "JMBG: " + sayMessage(s.lang(c), domain.CodeInvalid, "jmbg", domain.ErrorMessage(err))
		}
		var res obj
		if r := s.getJSON(c, path, &res); !r.ok() {
			data["Error"] = s.say(c, r)
		} else if list, _ := res["persons"].([]any); len(list) == 1 && data["JMBG"] != nil {
			c.Redirect(http.StatusFound, "/claims/new?person="+url.QueryEscape(list[0].(obj)["id"].(string)))
			return
		} else {
			data["Found"] = list
			data["Register"] = data["JMBG"] != nil && len(list) == 0
		}
	}
	if sent.Name == "register" { // the registration sent back: its form again, as typed
		data["JMBG"], data["Register"] = sent.Get("jmbg"), true
	}
	s.render(c, status, "newclaim", data)
}

func (s *server) registerPerson(c *gin.Context) {
	body := obj{"jmbg": strings.TrimSpace(c.PostForm("jmbg")), "given_name": c.PostForm("given_name"), "family_name": c.PostForm("family_name"),
		"address": obj{"municipality": c.PostForm("municipality"), "settlement": c.PostForm("settlement"), "street": c.PostForm("street")}}
	r := s.call(c, http.MethodPost, "/api/v1/persons", body, "")
	if r.status == http.StatusBadRequest {
		errs, _ := fieldErrors(s.lang(c), r, "")
		for _, k := range []string{"address.municipality", "address.settlement", "address.street"} {
			if m, ok := errs[k]; ok {
				delete(errs, k)
				errs[strings.TrimPrefix(k, "address.")] = m
			}
		}
		s.renderNewClaim(c, r.status, "", "", sentForm{Name: "register", Values: formValues(c), Errs: errs, Anchors: map[string]string{
			"given_name": "r-given", "family_name": "r-family", "municipality": "r-mun", "settlement": "r-set", "street": "r-street"}})
		return
	}
	if !r.ok() {
		backError(c, "/claims/new?q="+url.QueryEscape(c.PostForm("jmbg")), s.say(c, r))
		return
	}
	var p obj
	_ = json.Unmarshal(r.body, &p)
	id, _ := p["id"].(string)
	// Fetch what the registries know (household, income) before the claim.
	s.call(c, http.MethodPost, "/api/v1/persons/"+url.PathEscape(id)+"/evidence/refresh", obj{}, "")
	back(c, "/claims/new?person="+url.QueryEscape(id), "")
}

func (s *server) fileClaim(c *gin.Context) {
	body := obj{"benefit": c.PostForm("benefit"), "applicant_person_id": c.PostForm("applicant"), "member_person_ids": c.PostFormArray("members"),
		"payee_account": c.PostForm("payee_account"), "consent": c.PostForm("consent") == "yes"}
	if subj := c.PostForm("subject"); subj != "" {
		body["subject_person_id"] = subj
	}
	r := s.call(c, http.MethodPost, "/api/v1/claims", body, "")
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict {
		// Sent back with what was typed (the IBAN, the consent, the members)
		// and each message beside its field.
		errs, _ := fieldErrors(s.lang(c), r, "")
		if len(errs) == 0 {
			errs = map[string]string{"(form)": s.say(c, r)}
		}
		if m, ok := errs["payee_account"]; ok {
			delete(errs, "payee_account")
			errs["payee"] = m
		}
		s.renderNewClaim(c, r.status, c.PostForm("applicant"), "", sentForm{Name: "claim", Values: formValues(c), Errs: errs,
			Anchors: map[string]string{"member_person_ids": "members", "subject_person_id": "members"}})
		return
	}
	if !r.ok() {
		backError(c, "/claims/new?person="+url.QueryEscape(c.PostForm("applicant")), s.say(c, r))
		return
	}
	var res obj
	_ = json.Unmarshal(r.body, &res)
	c.Redirect(http.StatusSeeOther, "/claims/"+url.PathEscape(res["number"].(string)))
}

// claimPage: state, calculation, tasks with their actions, decision.
func (s *server) claimPage(c *gin.Context) {
	s.renderClaim(c, c.Param("number"), http.StatusOK, sentForm{})
}

// sentForm is a hand-written form sent back: which one (its outcome or
// action), what was typed, and the message beside each field.
type sentForm struct {
	Name   string
	Values url.Values
	Errs   map[string]string
	// Anchors are the ids of the fields whose id is not prefix + name.
	Anchors map[string]string
}

// Get is what was typed in field name, "" for a form not sent back.
func (f sentForm) Get(name string) string { return f.Values.Get(name) }

// Has reports whether the box value of field name was ticked.
func (f sentForm) Has(name string, value any) bool {
	for _, v := range f.Values[name] {
		if v == str(value) {
			return true
		}
	}
	return false
}

// Summary is the form's messages for the summary at its top, each linking
// to its field (the field's id is prefix + its name).
func (f sentForm) Summary(prefix string) []formError {
	var out []formError
	for _, name := range sortedKeys(f.Errs) {
		anchor := prefix + name
		if a, ok := f.Anchors[name]; ok {
			anchor = a
		}
		if name == "(form)" {
			anchor = ""
		}
		out = append(out, formError{Anchor: anchor, Path: name, Message: f.Errs[name]})
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *server) renderClaim(c *gin.Context, number string, status int, sent sentForm) {
	var cl obj
	r := s.getJSON(c, "/api/v1/claims/"+url.PathEscape(number), &cl)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	u := userOf(c)
	var open []obj
	for _, tk := range tasksOf(cl) {
		if tk["state"] == "open" {
			role := strings.SplitN(tk["candidate_group"].(string), "@", 2)[0]
			tk["Mine"] = u.Role.Acts(domain.Role(role))
			open = append(open, tk)
		}
	}
	state, _ := cl["state"].(string)
	waiting := state == "filed" || state == "evidence" || state == "deciding"
	sayLines(cl, s.lang(c))
	s.render(c, status, "claim", gin.H{"C": cl, "Open": open, "Waiting": waiting, "Sent": sent})
}

// sayLines says the calculation's explanation lines and reasons in lang
// from their phrases (benefits.Phrase, issues 16 and 17); a line or reason
// kept before the catalogue stays as it was written. A line whose source
// is a parameter still to be confirmed (a GUESS) is marked Pending with
// the parameter's owner: staff see "parametar čeka potvrdu", never the
// developers' flag.
func sayLines(cl obj, lang string) {
	calc, _ := cl["calculation"].(map[string]any)
	if why, _ := calc["why"].([]any); len(why) > 0 {
		reasons, _ := calc["reasons"].([]any)
		for i := range reasons {
			if i >= len(why) {
				break
			}
			raw, _ := json.Marshal(why[i])
			var p benefits.Phrase
			if json.Unmarshal(raw, &p) == nil && benefits.Known(p.Key) {
				reasons[i] = p.In(lang)
			}
		}
	}
	lines, _ := calc["lines"].([]any)
	for _, x := range lines {
		l, _ := x.(map[string]any)
		raw, err := json.Marshal(l)
		var line struct {
			Text, From          benefits.Phrase
			What, Value, Source string
		}
		if l == nil || err != nil || json.Unmarshal(raw, &line) != nil {
			continue
		}
		l["what"], l["value"], l["source"] = benefits.Line{What: line.What, Value: line.Value, Source: line.Source, Text: line.Text, From: line.From}.In(lang)
		if owner, pending := benefits.Pending(line.From); pending {
			l["Pending"] = owner.In(lang)
		}
	}
}

func (s *server) taskAction(c *gin.Context) {
	id, action := c.Param("id"), c.Param("action")
	ret := c.PostForm("back")
	if !strings.HasPrefix(ret, "/") || strings.HasPrefix(ret, "//") {
		ret = "/inbox"
	}
	var r apiResult
	path := "/api/v1/tasks/" + url.PathEscape(id) + "/"
	switch action {
	case "claim", "release":
		r = s.call(c, http.MethodPost, path+action, nil, "")
	case "delegate":
		r = s.call(c, http.MethodPost, path+"delegate", obj{"to": c.PostForm("to")}, "")
	case "complete":
		outcome := c.PostForm("outcome")
		if outcome == "reject" && c.PostForm("confirm") != "yes" { // irreversible: confirmed on the form
			s.sendBack(c, ret, http.StatusBadRequest, sentForm{Name: outcome, Values: formValues(c), Errs: map[string]string{"confirm": t(s.lang(c), "confirm_needed")}})
			return
		}
		data := obj{}
		switch outcome {
		case "adjust":
			data = obj{"amount": strings.Replace(strings.TrimSpace(c.PostForm("amount")), ",", ".", 1), "reason": c.PostForm("reason")}
		case "reject":
			var reasons []string
			for _, l := range strings.Split(c.PostForm("reasons"), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					reasons = append(reasons, l)
				}
			}
			data = obj{"reasons": reasons}
		case "request_document":
			data = obj{"what": c.PostForm("what")}
		case "send_back", "return":
			data = obj{"reason": c.PostForm("reason")}
		}
		r = s.call(c, http.MethodPost, path+"complete", obj{"outcome": outcome, "data": data}, "")
	default:
		c.String(http.StatusNotFound, "no such action")
		return
	}
	if r.status == http.StatusBadRequest && action == "complete" {
		errs, _ := fieldErrors(s.lang(c), r, "data.")
		s.sendBack(c, ret, r.status, sentForm{Name: c.PostForm("outcome"), Values: formValues(c), Errs: errs})
		return
	}
	if !r.ok() {
		backError(c, ret, s.say(c, r))
		return
	}
	// The workflow moves on after the outcome: the page waits until it
	// recorded it.
	if action == "complete" {
		s.settle(c, s.taskDone(id))
	}
	back(c, ret, t(s.lang(c), "done"))
}

func (s *server) upload(c *gin.Context) {
	number := c.Param("number")
	body, ct, err := multipartFile(c, "file", map[string]string{"kind": c.PostForm("kind")})
	if err != nil {
		s.renderClaim(c, number, http.StatusBadRequest, sentForm{Name: "upload", Errs: map[string]string{"file": t(s.lang(c), "choose_file")}})
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/claims/"+url.PathEscape(number)+"/documents", body, ct)
	if !r.ok() {
		backError(c, "/claims/"+url.PathEscape(number), s.say(c, r))
		return
	}
	back(c, "/claims/"+url.PathEscape(number), t(s.lang(c), "document_added"))
}

// withdraw withdraws a claim, once confirmed on the form: a withdrawn
// claim cannot be taken back.
func (s *server) withdraw(c *gin.Context) {
	number := c.Param("number")
	if c.PostForm("confirm") != "yes" {
		s.renderClaim(c, number, http.StatusBadRequest, sentForm{Name: "withdraw", Values: formValues(c),
			Errs: map[string]string{"confirm": t(s.lang(c), "confirm_needed")}})
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/claims/"+url.PathEscape(number)+"/withdraw", obj{"reason": c.PostForm("reason")}, "")
	if r.status == http.StatusBadRequest {
		errs, _ := fieldErrors(s.lang(c), r, "")
		s.renderClaim(c, number, r.status, sentForm{Name: "withdraw", Values: formValues(c), Errs: errs})
		return
	}
	if !r.ok() {
		backError(c, "/claims/"+url.PathEscape(number), s.say(c, r))
		return
	}
	back(c, "/claims/"+url.PathEscape(number), t(s.lang(c), "done"))
}

// formValues is the form as posted, without its CSRF token.
func formValues(c *gin.Context) url.Values {
	_ = c.Request.ParseMultipartForm(1 << 20)
	v := url.Values{}
	for k, x := range c.Request.PostForm {
		if k != "csrf" {
			v[k] = x
		}
	}
	return v
}

// sendBack shows a task's form sent back with its messages: on its claim
// page when it came from one, else the refusal on the page it came from.
func (s *server) sendBack(c *gin.Context, ret string, status int, sent sentForm) {
	if number, ok := strings.CutPrefix(ret, "/claims/"); ok && number != "" && !strings.ContainsAny(number, "/?#") {
		s.renderClaim(c, number, status, sent)
		return
	}
	var msgs []string
	for _, k := range sortedKeys(sent.Errs) {
		msgs = append(msgs, withLabel(fieldLabel(s.lang(c), k), sent.Errs[k]))
	}
	backError(c, ret, strings.Join(msgs, "; "))
}

func (s *server) decisionPDF(c *gin.Context) {
	s.pdf(c, "/api/v1/decisions/"+url.PathEscape(c.Param("id"))+"/document", `attachment; filename="rjesenje.pdf"`)
}
