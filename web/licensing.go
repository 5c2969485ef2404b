package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// Licensing by e-application (issue 21): a provider's maintainer files
// applications with their documents and follows them (/licensing); the
// ministry's officers see the applications to inspect, draft and approve
// (/licensing/inbox) and act on each from its page, the inspection's
// checklist rendered from its JSON Schema. Every page calls the API with
// the user's token: another company's application is a 404 there and here.

// registerLicensing adds the licensing pages.
func (s *server) registerLicensing(page, form func(string, gin.HandlerFunc)) {
	page("/licensing", s.licensingHome)
	form("/licensing/applications", s.fileLicenceApplication)
	page("/licensing/inbox", s.licensingInbox)
	page("/licensing/applications/:id", s.licenceApplicationPage)
	form("/licensing/applications/:id/documents", s.renewalDocuments)
	form("/licensing/applications/:id/inspection", s.licenceInspection)
	form("/licensing/applications/:id/draft", s.licenceDraft)
	form("/licensing/applications/:id/approval", s.licenceApproval)
	page("/licensing/applications/:id/decision.pdf", s.licenceDecisionPDF)
}

// licenceDocuments lists every kind of document with its name in lang,
// and which kinds of application require it.
func licenceDocuments(lang string) []obj {
	var out []obj
	for _, code := range []string{"statute", "premises", "staff_list", "change_evidence", "deletion_request"} {
		d, _ := providers.DocumentByCode(code)
		var kinds []string
		for _, k := range append(providers.Kinds(), providers.KindRenewal) {
			for _, r := range providers.RequiredDocuments(k) {
				if r.Code == code {
					kinds = append(kinds, t(lang, "lic.kind."+k))
				}
			}
		}
		out = append(out, obj{"code": code, "name": d.Label(lang), "for": strings.Join(kinds, ", ")})
	}
	return out
}

func licenceServices(lang string) []obj {
	var out []obj
	for _, sv := range providers.Services() {
		out = append(out, obj{"code": sv.Code, "name": sv.Label(lang)})
	}
	return out
}

// licensingHome is the maintainer's page: their company's applications,
// the notices of expiry and the form of a new application.
func (s *server) licensingHome(c *gin.Context) {
	s.renderLicensingHome(c, http.StatusOK, nil, "")
}

func (s *server) renderLicensingHome(c *gin.Context, status int, errs map[string]string, summary string) {
	var res struct{ Applications, Notices []obj }
	if r := s.getJSON(c, "/api/v1/licence-applications?lang="+s.lang(c), &res); !r.ok() {
		s.refused(c, r)
		return
	}
	lang := s.lang(c)
	s.render(c, status, "licensing_home", gin.H{"Applications": res.Applications, "Notices": res.Notices, "Kinds": providers.Kinds(),
		"Documents": licenceDocuments(lang), "Services": licenceServices(lang), "Municipalities": domain.Municipalities(),
		"Errs": errs, "Summary": summary, "Values": formValues(c), "Chosen": chosen(c.PostFormArray("services"))})
}

func chosen(list []string) map[string]bool {
	out := map[string]bool{}
	for _, x := range list {
		out[x] = true
	}
	return out
}

// fileLicenceApplication passes the form, with its files, on to the API
// as a multipart form; a refusal comes back beside the form, every
// problem listed.
func (s *server) fileLicenceApplication(c *gin.Context) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range []string{"kind", "name", "street", "municipality", "founded_on", "start_on", "reason"} {
		_ = mw.WriteField(f, c.PostForm(f))
	}
	for _, sv := range c.PostFormArray("services") {
		_ = mw.WriteField("services", sv)
	}
	copyFiles(c, mw)
	_ = mw.Close()
	r := s.call(c, http.MethodPost, "/api/v1/licence-applications", buf.Bytes(), mw.FormDataContentType())
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict {
		errs, summary := fieldErrors(s.lang(c), r, "")
		s.renderLicensingHome(c, r.status, errs, summary)
		return
	}
	if !r.ok() {
		backError(c, "/licensing", s.say(c, r))
		return
	}
	back(c, "/licensing", t(s.lang(c), "lic.filed"))
}

// copyFiles copies every document's file input of the browser's form.
func copyFiles(c *gin.Context, mw *multipart.Writer) {
	for _, code := range []string{"statute", "premises", "staff_list", "change_evidence", "deletion_request"} {
		fh, err := c.FormFile(code)
		if err != nil || fh.Size == 0 {
			continue
		}
		if f, err := fh.Open(); err == nil {
			w, _ := mw.CreateFormFile(code, fh.Filename)
			_, _ = io.Copy(w, io.LimitReader(f, 10<<20+1))
			f.Close()
		}
	}
}

// licensingInbox is the officers' page: the applications waiting for an
// inspection, a draft or an approval, and the notices of expiry.
func (s *server) licensingInbox(c *gin.Context) {
	var res struct{ Applications, Notices []obj }
	q := "/api/v1/licence-applications?lang=" + s.lang(c) + "&state=inspection&state=drafting&state=approval&state=submitted&state=awaiting_documents"
	if r := s.getJSON(c, q, &res); !r.ok() {
		s.refused(c, r)
		return
	}
	var decided struct{ Applications []obj }
	s.getJSON(c, "/api/v1/licence-applications?lang="+s.lang(c)+"&state=granted&state=refused", &decided)
	me := userOf(c).Username
	for _, a := range res.Applications {
		a["Mine"] = str(a["drafted_by"]) == me
	}
	s.render(c, http.StatusOK, "licensing_inbox", gin.H{"Applications": res.Applications, "Decided": decided.Applications, "Notices": res.Notices})
}

// licenceApplicationPage shows one application; an officer sees the form
// of its stage.
func (s *server) licenceApplicationPage(c *gin.Context) {
	s.renderLicenceApplication(c, http.StatusOK, "", nil, "")
}

func (s *server) renderLicenceApplication(c *gin.Context, status int, form string, errs map[string]string, summary string) {
	id := c.Param("id")
	var a obj
	if r := s.getJSON(c, "/api/v1/licence-applications/"+url.PathEscape(id)+"?lang="+s.lang(c), &a); !r.ok() {
		s.refused(c, r)
		return
	}
	u := userOf(c)
	officer := u.Role == domain.RoleMinistryOfficer
	data := gin.H{"A": a, "Officer": officer, "Maintainer": u.Role == domain.RoleProviderMaintainer, "Errs": errs, "Summary": summary,
		"SentForm": form, "Values": formValues(c), "Documents": licenceDocuments(s.lang(c)),
		"OwnDraft": str(a["drafted_by"]) == u.Username, "Outcomes": []string{providers.OutcomeGrant, providers.OutcomeConditions, providers.OutcomeRefuse}}
	if officer && str(a["state"]) == providers.StateInspection {
		sch, err := parseSchema(providers.InspectionSchema())
		if err == nil {
			var values url.Values
			if form == "inspection" {
				values = formValues(c)
			}
			data["Checklist"] = sch.render("chk", values, errs)
		}
	}
	s.render(c, status, "licensing_application", data)
}

func (s *server) licenceStepResult(c *gin.Context, r apiResult, form string) {
	id := c.Param("id")
	if r.status == http.StatusBadRequest || r.status == http.StatusConflict || r.status == http.StatusForbidden {
		errs, summary := fieldErrors(s.lang(c), r, "report.")
		s.renderLicenceApplication(c, r.status, form, errs, summary)
		return
	}
	s.afterAction(c, r, "/licensing/applications/"+url.PathEscape(id), nil)
}

// licenceInspection sends the officer's checklist, read from the form
// rendered from the schema.
func (s *server) licenceInspection(c *gin.Context) {
	sch, err := parseSchema(providers.InspectionSchema())
	if err != nil {
		s.render(c, http.StatusInternalServerError, "message", gin.H{"Title": "error", "Message": t(s.lang(c), "form_unavailable")})
		return
	}
	_ = c.Request.ParseForm()
	report := sch.read(c.Request.PostForm)
	r := s.call(c, http.MethodPost, "/api/v1/licence-applications/"+url.PathEscape(c.Param("id"))+"/inspection", obj{"report": report}, "")
	s.licenceStepResult(c, r, "inspection")
}

// licenceDraft sends the officer's draft of the decision.
func (s *server) licenceDraft(c *gin.Context) {
	body := obj{"outcome": c.PostForm("outcome"), "valid_from": c.PostForm("valid_from"), "reasons": strings.TrimSpace(c.PostForm("reasons")),
		"conditions": strings.TrimSpace(c.PostForm("conditions"))}
	r := s.call(c, http.MethodPost, "/api/v1/licence-applications/"+url.PathEscape(c.Param("id"))+"/draft", body, "")
	s.licenceStepResult(c, r, "draft")
}

// licenceApproval sends a second officer's approval, or the draft back.
func (s *server) licenceApproval(c *gin.Context) {
	r := s.call(c, http.MethodPost, "/api/v1/licence-applications/"+url.PathEscape(c.Param("id"))+"/approval", obj{"outcome": c.PostForm("outcome")}, "")
	s.licenceStepResult(c, r, "approval")
}

// renewalDocuments passes a renewal's documents on to the API.
func (s *server) renewalDocuments(c *gin.Context) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	copyFiles(c, mw)
	_ = mw.Close()
	r := s.call(c, http.MethodPost, "/api/v1/licence-applications/"+url.PathEscape(c.Param("id"))+"/documents", buf.Bytes(), mw.FormDataContentType())
	s.licenceStepResult(c, r, "documents")
}

func (s *server) licenceDecisionPDF(c *gin.Context) {
	id := c.Param("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		id = "0"
	}
	s.pdf(c, "/api/v1/licence-applications/"+id+"/decision", `attachment; filename="rjesenje-licenca-`+id+`.pdf"`)
}
