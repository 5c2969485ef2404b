package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/refunds"
)

// The citizens' benefits portal (issue 18): pages for a citizen logged in
// through OIDC (the national eID), mobile first, in plain words. What the
// state knows about them and their household with each fact's source and
// date, who looked at it; their rights, payments, decisions (PDF, appeal)
// and claims; an online application for MO, child allowance and the
// newborn grant; their claim's page (where it stands, the centre's
// requests for a document answered by an upload, withdrawal). Every page
// calls the API with the citizen's token: what is not theirs is a 404
// there and here.

// registerPortal adds the portal's pages.
func (s *server) registerPortal(page, form func(string, gin.HandlerFunc)) {
	page("/me", s.portalHome)
	page("/me/data", s.portalData)
	page("/me/apply", s.portalApply)
	page("/me/claims/:number", s.portalClaim)
	page("/documents/:id", s.claimDocument)
	form("/me/refresh", s.portalRefresh)
	form("/me/apply", s.portalFile)
	form("/me/claims/:number/documents", s.portalUpload)
	form("/me/claims/:number/withdraw", s.portalWithdraw)
	form("/me/decisions/:id/appeal", s.portalAppeal)
}

// claimSteps are the steps a claim goes through, as the portal shows its
// progress: a claim's state is the step it is at ("deciding" and the
// decided states are the decision's).
var claimSteps = []string{"filed", "evidence", "review", "approval", "decided"}

// step is a step of a claim's progress on its page.
type step struct {
	Key           string
	Done, Current bool
}

func stepsOf(state string) []step {
	final := state == "approved" || state == "rejected"
	switch state {
	case "deciding", "approved", "rejected":
		state = "decided"
	}
	var out []step
	done := true
	for _, st := range claimSteps {
		cur := st == state
		if cur && !final {
			done = false
		}
		out = append(out, step{Key: "p.step_" + st, Done: done, Current: cur})
	}
	return out
}

// citizenFile reads the citizen's file from the API; false when it answered
// with a refusal page already.
func (s *server) citizenFile(c *gin.Context) (obj, bool) {
	u := userOf(c)
	if u.Role != domain.RoleCitizen {
		c.Redirect(http.StatusFound, homeOf(u))
		return nil, false
	}
	var me obj
	if r := s.getJSON(c, "/api/v1/me", &me); !r.ok() {
		s.refused(c, r)
		return nil, false
	}
	return me, true
}

// portalHome is the citizen's home: their claims and where each stands,
// decisions, rights and payments; without a file in Karton, how to get
// one.
func (s *server) portalHome(c *gin.Context) {
	me, ok := s.citizenFile(c)
	if !ok {
		return
	}
	for _, p := range asList(me["payments"]) {
		p["period"] = refunds.SayValue(str(p["period"]), s.lang(c))
	}
	s.render(c, http.StatusOK, "portal_home", gin.H{"Me": me, "Waiting": len(asList2(me["pending_sources"])) > 0})
}

// portalData is what the state knows about the citizen and their
// household, fact by fact with its registry and date, and who looked at
// it.
func (s *server) portalData(c *gin.Context) {
	me, ok := s.citizenFile(c)
	if !ok {
		return
	}
	var log obj
	if r := s.getJSON(c, "/api/v1/me/access-log", &log); !r.ok() {
		s.refused(c, r)
		return
	}
	type group struct {
		Institution string
		Facts       []obj
	}
	bySource := map[string][]obj{}
	for _, f := range asList(me["facts"]) {
		bySource[str(f["source"])] = append(bySource[str(f["source"])], f)
	}
	var groups []group
	for _, in := range domain.Institutions() {
		if fs, ok := bySource[string(in.Source)]; ok {
			groups = append(groups, group{enum(s.lang(c), "registry", string(in.Source)), fs})
		}
	}
	s.render(c, http.StatusOK, "portal_data", gin.H{"Me": me, "Facts": groups, "Accesses": asList(log["accesses"]),
		"Waiting": len(asList2(me["pending_sources"])) > 0})
}

// portalRefresh asks for the citizen's data from the registries (and
// registers them with Karton when it keeps no file about them).
func (s *server) portalRefresh(c *gin.Context) {
	r := s.call(c, http.MethodPost, "/api/v1/me/evidence/refresh", obj{}, "")
	if !r.ok() {
		backError(c, "/me", s.say(c, r))
		return
	}
	back(c, "/me/data", t(s.lang(c), "p.refresh_started"))
}

// onlineForm is a benefit's online form as its page shows it.
type onlineForm struct {
	benefits.OnlineForm
	Name    string
	Current bool // the form the page shows
}

func onlineFormsIn(lang, current string) []onlineForm {
	var out []onlineForm
	for _, f := range benefits.OnlineForms() {
		out = append(out, onlineForm{f, benefitName(lang, string(f.Benefit)), string(f.Benefit) == current})
	}
	return out
}

// portalApply is the online application: the benefit chosen, then its
// form (the household's members, the child of a newborn grant, the payee
// account, the form's documents, the consent).
func (s *server) portalApply(c *gin.Context) {
	s.renderApply(c, http.StatusOK, c.Query("benefit"), sentForm{})
}

func (s *server) renderApply(c *gin.Context, status int, benefit string, sent sentForm) {
	me, ok := s.citizenFile(c)
	if !ok {
		return
	}
	if me["known"] != true {
		backError(c, "/me", t(s.lang(c), "p.apply_needs_file"))
		return
	}
	data := gin.H{"Me": me, "Forms": onlineFormsIn(s.lang(c), benefit), "Sent": sent}
	if f, ok := benefits.OnlineFormOf(benefits.Code(benefit)); ok {
		b, _ := benefits.Lookup(f.Benefit)
		data["Form"], data["Benefit"] = onlineForm{f, benefitName(s.lang(c), benefit), true}, b
		if strings.HasPrefix(b.LegalRef, "Law on Social and Child Protection") { // the catalogue's reference is in English
			data["Law"] = t(s.lang(c), "p.law_scp")
		}
		// The household as the population register states it: the others
		// the claim may cover, the children a newborn grant may be for.
		var others, children []obj
		if hh, _ := me["household"].(obj); hh != nil {
			for _, m := range asList(hh["members"]) {
				if m["you"] == true {
					continue
				}
				others = append(others, m)
				if str(m["relation"]) == "child" {
					children = append(children, m)
				}
			}
		}
		data["Others"], data["Children"] = others, children
	}
	s.render(c, status, "portal_apply", data)
}

// portalFile files the online application, passed on to the API as a
// multipart form with the documents chosen; sent back with everything
// typed (the files must be chosen again) and each message beside its
// field.
func (s *server) portalFile(c *gin.Context) {
	benefit := c.PostForm("benefit")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("benefit", benefit)
	for _, m := range c.PostFormArray("members") {
		_ = mw.WriteField("member_person_ids", m)
	}
	if v := c.PostForm("subject"); v != "" {
		_ = mw.WriteField("subject_person_id", v)
	}
	_ = mw.WriteField("payee_account", c.PostForm("payee_account"))
	_ = mw.WriteField("consent", map[bool]string{true: "yes", false: "no"}[c.PostForm("consent") == "yes"])
	files := 0
	if f, ok := benefits.OnlineFormOf(benefits.Code(benefit)); ok {
		for _, d := range f.Documents {
			fh, err := c.FormFile("document." + d.Key)
			if err != nil || fh.Size == 0 {
				continue
			}
			files++
			if file, err := fh.Open(); err == nil {
				w, _ := mw.CreateFormFile("document."+d.Key, fh.Filename)
				_, _ = io.Copy(w, io.LimitReader(file, 10<<20+1))
				file.Close()
			}
		}
	}
	_ = mw.Close()
	r := s.call(c, http.MethodPost, "/api/v1/me/claims", buf.Bytes(), mw.FormDataContentType())
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict {
		errs, _ := fieldErrors(s.lang(c), r, "")
		if len(errs) == 0 {
			errs = map[string]string{"(form)": s.say(c, r)}
		}
		anchors := map[string]string{"member_person_ids": "members", "subject_person_id": "subject", "payee_account": "payee", "consent": "consent",
			"benefit": "benefit-choice"}
		for k := range errs {
			if key, ok := strings.CutPrefix(k, "document."); ok {
				anchors[k] = "doc-" + key
			}
		}
		values := formValues(c)
		if files > 0 { // a browser cannot be given its files back: they are chosen again
			values.Set("files_chosen", "yes")
		}
		s.renderApply(c, r.status, benefit, sentForm{Name: "apply", Values: values, Errs: errs, Anchors: anchors})
		return
	}
	if !r.ok() {
		backError(c, "/me/apply?benefit="+url.QueryEscape(benefit), s.say(c, r))
		return
	}
	var res struct{ Number string }
	_ = json.Unmarshal(r.body, &res)
	back(c, "/me/claims/"+url.PathEscape(res.Number), t(s.lang(c), "p.filed"))
}

// portalClaim is a claim as its applicant follows it: where it stands,
// the centre's requests for a document (each answered with an upload),
// the documents sent, the decision with its PDF and the appeal, and the
// withdrawal while it is not decided.
func (s *server) portalClaim(c *gin.Context) {
	s.renderPortalClaim(c, http.StatusOK, sentForm{})
}

func (s *server) renderPortalClaim(c *gin.Context, status int, sent sentForm) {
	if u := userOf(c); u.Role != domain.RoleCitizen { // staff read the claim on the desk
		c.Redirect(http.StatusFound, "/claims/"+url.PathEscape(c.Param("number")))
		return
	}
	var cl obj
	r := s.getJSON(c, "/api/v1/claims/"+url.PathEscape(c.Param("number")), &cl)
	if !r.ok() {
		s.refused(c, r)
		return
	}
	lang := s.lang(c)
	state := str(cl["state"])
	data := gin.H{"C": cl, "Steps": stepsOf(state), "Sent": sent, "Final": state == "approved" || state == "rejected" || state == "withdrawn",
		"Waiting": state == "filed" || state == "evidence" || state == "deciding"}
	// A document is named by the form's document it is, else by what
	// it answers.
	form, _ := benefits.OnlineFormOf(benefits.Code(str(cl["benefit"])))
	var docs []obj
	for _, d := range asList(cl["documents"]) {
		d["label"] = t(lang, "p.doc_evidence")
		if fd, ok := form.Document(str(d["kind"])); ok {
			d["label"] = fd.NameCnr
			if lang == "en" {
				d["label"] = fd.NameEn
			}
		} else if str(d["answers_task"]) != "" {
			d["label"] = t(lang, "p.doc_answer")
		}
		docs = append(docs, d)
	}
	data["Documents"] = docs
	// The requests still open, each with what the citizen sent in answer
	// (the centre marks it provided once it has looked at it).
	var open []obj
	for _, q := range asList(cl["document_requests"]) {
		if str(q["state"]) != "open" {
			continue
		}
		var sent []obj
		for _, d := range docs {
			if str(d["answers_task"]) == str(q["task_id"]) {
				sent = append(sent, d)
			}
		}
		q["Sent"] = sent
		open = append(open, q)
	}
	data["Open"] = open
	if d, _ := cl["decision"].(obj); d != nil {
		var v obj
		if r := s.getJSON(c, "/api/v1/decisions/"+url.PathEscape(str(d["id"]))+"/appeals", &v); r.ok() {
			data["D"] = v
			f := str(v["finality"])
			data["MayAppeal"] = len(asList(v["appeals"])) == 0 && (f == "appealable" || f == "not_delivered")
		}
		sayLines(cl, lang)
	}
	s.render(c, status, "portal_claim", data)
}

// portalUpload sends a document the centre asked for (answers: the
// request's task), passed on to the API.
func (s *server) portalUpload(c *gin.Context) {
	number := c.Param("number")
	answers := c.PostForm("answers")
	anchors := map[string]string{"answers": "ans-" + answers + "-file"}
	body, ct, err := multipartFile(c, "file", map[string]string{"answers": answers})
	if err != nil {
		s.renderPortalClaim(c, http.StatusBadRequest, sentForm{Name: "answer-" + answers, Errs: map[string]string{"file": t(s.lang(c), "choose_file")},
			Anchors: anchors})
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/claims/"+url.PathEscape(number)+"/documents", body, ct)
	if r.status == http.StatusBadRequest {
		errs, _ := fieldErrors(s.lang(c), r, "")
		s.renderPortalClaim(c, r.status, sentForm{Name: "answer-" + answers, Errs: errs, Anchors: anchors})
		return
	}
	if !r.ok() {
		backError(c, "/me/claims/"+url.PathEscape(number), s.say(c, r))
		return
	}
	back(c, "/me/claims/"+url.PathEscape(number), t(s.lang(c), "p.document_sent"))
}

// portalWithdraw withdraws the citizen's claim, once confirmed on the
// form: a withdrawn claim cannot be taken back.
func (s *server) portalWithdraw(c *gin.Context) {
	number := c.Param("number")
	if c.PostForm("confirm") != "yes" {
		s.renderPortalClaim(c, http.StatusBadRequest, sentForm{Name: "withdraw", Values: formValues(c),
			Errs: map[string]string{"confirm": t(s.lang(c), "confirm_needed")}})
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/claims/"+url.PathEscape(number)+"/withdraw", obj{"reason": strings.TrimSpace(c.PostForm("reason"))}, "")
	if r.status == http.StatusBadRequest {
		errs, _ := fieldErrors(s.lang(c), r, "")
		s.renderPortalClaim(c, r.status, sentForm{Name: "withdraw", Values: formValues(c), Errs: errs})
		return
	}
	s.afterAction(c, r, "/me/claims/"+url.PathEscape(number), nil)
}

// portalAppeal files the citizen's appeal against a decision on their
// claim (filed today, within its 15 days).
func (s *server) portalAppeal(c *gin.Context) {
	number := c.PostForm("claim")
	ret := "/me/claims/" + url.PathEscape(number)
	r := s.call(c, http.MethodPost, "/api/v1/decisions/"+url.PathEscape(c.Param("id"))+"/appeals", obj{"grounds": c.PostForm("grounds")}, "")
	if r.status == http.StatusBadRequest {
		errs, _ := fieldErrors(s.lang(c), r, "")
		c.Params = append(c.Params, gin.Param{Key: "number", Value: number})
		s.renderPortalClaim(c, r.status, sentForm{Name: "appeal", Values: formValues(c), Errs: errs})
		return
	}
	if !r.ok() {
		backError(c, ret, s.say(c, r))
		return
	}
	back(c, ret, t(s.lang(c), "p.appeal_filed"))
}

// claimDocument hands a claim's uploaded document over to the browser
// (the applicant's, or the centre's staff on the claim's page).
func (s *server) claimDocument(c *gin.Context) {
	r := s.call(c, http.MethodGet, "/api/v1/documents/"+url.PathEscape(c.Param("id")), nil, "")
	if !r.ok() {
		s.refused(c, r)
		return
	}
	ct := http.DetectContentType(r.body)
	c.Header("Content-Disposition", `attachment; filename="dokument`+map[string]string{"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[ct]+`"`)
	c.Data(http.StatusOK, ct, r.body)
}
