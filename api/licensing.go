package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// Licensing by e-application (issue 21): a provider's maintainer files an
// application (registration, modification, deletion) with its documents
// as multipart/form-data; a Licence workflow takes it through its
// completeness check, the ministry officer's inspection, the decision's
// draft and a second officer's approval. A maintainer reads only their
// company's applications (the token's PIB); the officers read all.

type licenceDocumentView struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

type licenceApplicationView struct {
	ID               int64                 `json:"id"`
	Kind             string                `json:"kind"`
	KindName         string                `json:"kind_name"`
	PIB              string                `json:"pib"`
	ProviderID       *int64                `json:"provider_id,omitempty"`
	Name             string                `json:"name,omitempty"`
	Street           string                `json:"street,omitempty"`
	Municipality     string                `json:"municipality,omitempty"`
	MunicipalityName string                `json:"municipality_name,omitempty"`
	FoundedOn        string                `json:"founded_on,omitempty"`
	Services         []serviceRef          `json:"services"`
	StartOn          string                `json:"start_on,omitempty"`
	Reason           string                `json:"reason,omitempty"`
	State            string                `json:"state"`
	StateName        string                `json:"state_name"`
	InspectionOn     string                `json:"inspection_on,omitempty"`
	Inspection       json.RawMessage       `json:"inspection,omitempty"`
	InspectedBy      string                `json:"inspected_by,omitempty"`
	Draft            *providers.Draft      `json:"draft,omitempty"`
	DraftedBy        string                `json:"drafted_by,omitempty"`
	ApprovedBy       string                `json:"approved_by,omitempty"`
	Decision         string                `json:"decision,omitempty"`
	Licences         []string              `json:"licences"`
	ValidUntil       string                `json:"valid_until,omitempty"`
	RenewalOf        *int64                `json:"renewal_of,omitempty"`
	FiledBy          string                `json:"filed_by"`
	FiledAt          time.Time             `json:"filed_at"`
	Documents        []licenceDocumentView `json:"documents"`
	Required         []serviceRef          `json:"required_documents"`
	WorkflowID       string                `json:"workflow_id"`
}

// serviceRef is a code with its name in the caller's language.
type serviceRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type licenceNoticeView struct {
	ApplicationID int64     `json:"application_id"`
	Kind          string    `json:"kind"`
	ProviderName  string    `json:"provider_name"`
	ValidUntil    string    `json:"valid_until"`
	CreatedAt     time.Time `json:"created_at"`
}

type licenceListView struct {
	Applications []licenceApplicationView `json:"applications"`
	Notices      []licenceNoticeView      `json:"notices"`
}

// LicenceKindName and LicenceStateName name a kind and a state of an
// application in lang (the pages use them too).
func LicenceKindName(kind, lang string) string {
	return licencePick(lang, map[string][2]string{
		providers.KindRegistration: {"Upis u registar i licenca", "Registration and licence"},
		providers.KindModification: {"Promjena podataka ili usluga", "Modification of data or services"},
		providers.KindDeletion:     {"Brisanje iz registra", "Deletion from the register"},
		providers.KindRenewal:      {"Obnova licence", "Renewal of the licence"},
	}, kind)
}

// LicenceStateName names an application's state in lang.
func LicenceStateName(state, lang string) string {
	return licencePick(lang, map[string][2]string{
		providers.StateAwaitingDocuments: {"Čeka dokumentaciju", "Awaiting documents"},
		providers.StateSubmitted:         {"Podnijet", "Submitted"},
		providers.StateIncomplete:        {"Nepotpun", "Incomplete"},
		providers.StateInspection:        {"Čeka inspekcijski nadzor", "Awaiting inspection"},
		providers.StateDrafting:          {"Izrada nacrta rješenja", "Decision being drafted"},
		providers.StateApproval:          {"Čeka odobrenje drugog službenika", "Awaiting a second officer's approval"},
		providers.StateGranted:           {"Usvojen", "Granted"},
		providers.StateRefused:           {"Odbijen", "Refused"},
	}, state)
}

func licencePick(lang string, names map[string][2]string, code string) string {
	n, ok := names[code]
	switch {
	case !ok:
		return code
	case lang == "en":
		return n[1]
	}
	return n[0]
}

func licenceDayString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// LicenceApplicationView is an application as the API shows it in lang.
func LicenceApplicationView(a store.LicenceApplication, lang string) licenceApplicationView {
	v := licenceApplicationView{ID: a.ID, Kind: a.Kind, KindName: LicenceKindName(a.Kind, lang), PIB: a.PIB, ProviderID: a.ProviderID,
		Name: a.Name, Street: a.Street, Municipality: a.Municipality, MunicipalityName: municipalityName(a.Municipality),
		FoundedOn: licenceDayString(a.FoundedOn), StartOn: licenceDayString(a.StartOn), Reason: a.Reason, State: a.State,
		StateName: LicenceStateName(a.State, lang), InspectionOn: licenceDayString(a.InspectionOn), Inspection: a.Inspection,
		InspectedBy: a.InspectedBy, Draft: a.Draft, DraftedBy: a.DraftedBy, ApprovedBy: a.ApprovedBy, Decision: a.Decision,
		Licences: a.Licences, ValidUntil: licenceDayString(a.ValidUntil), RenewalOf: a.RenewalOf, FiledBy: a.FiledBy, FiledAt: a.FiledAt,
		Services: []serviceRef{}, Documents: []licenceDocumentView{}, Required: []serviceRef{}, WorkflowID: workflows.LicenceID(a.ID)}
	if v.Licences == nil {
		v.Licences = []string{}
	}
	for _, s := range a.Services {
		v.Services = append(v.Services, serviceRef{s, serviceName(s, lang)})
	}
	for _, d := range a.Documents {
		doc, _ := providers.DocumentByCode(d.Kind)
		v.Documents = append(v.Documents, licenceDocumentView{Kind: d.Kind, Name: doc.Label(lang), FileName: d.FileName, ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256})
	}
	for _, d := range providers.RequiredDocuments(a.Kind) {
		v.Required = append(v.Required, serviceRef{d.Code, d.Label(lang)})
	}
	return v
}

// isMaintainer reports whether the caller is a provider's maintainer
// (acting for the token's PIB).
func isMaintainer(c *gin.Context) bool { return userOf(c).Role == domain.RoleProviderMaintainer }

// licenceApplication loads the application in the path for action: a
// maintainer's only when it is their company's (else it does not exist
// for them).
func (h *handler) licenceApplication(c *gin.Context, action string) (store.LicenceApplication, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.LicenceApplication{}, domain.Errorf(domain.CodeNotFound, "licence application %q not found", printable(c.Param("id"), 40))
	}
	a, err := h.db.LicenceApplicationByID(c.Request.Context(), id)
	if err != nil {
		return store.LicenceApplication{}, err
	}
	if isMaintainer(c) && a.PIB != string(userOf(c).PIB) {
		return store.LicenceApplication{}, domain.Errorf(domain.CodeNotFound, "licence application %d not found", id)
	}
	target := ""
	if isMaintainer(c) {
		target = "self"
	}
	if err := h.allow(c, "licence_application", action, target); err != nil {
		return store.LicenceApplication{}, err
	}
	return a, nil
}

// listLicenceApplications answers GET /api/v1/licence-applications: the
// maintainer's company's applications and notices, or (an officer) every
// application, narrowed by ?state= (repeatable), and every notice.
func (h *handler) listLicenceApplications(c *gin.Context) (*licenceListView, error) {
	f := store.ApplicationFilter{States: c.QueryArray("state")}
	for _, s := range f.States {
		if LicenceStateName(s, "en") == s {
			return nil, domain.FieldError("state", "%q is not a state of an application", printable(s, 40))
		}
	}
	if isMaintainer(c) {
		f.PIB = string(userOf(c).PIB)
	}
	list, err := h.db.LicenceApplications(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	notices, err := h.db.LicenceNotices(c.Request.Context(), f.PIB)
	if err != nil {
		return nil, err
	}
	lang := h.pivotLanguage(c)
	out := &licenceListView{Applications: []licenceApplicationView{}, Notices: []licenceNoticeView{}}
	for _, a := range list {
		out.Applications = append(out.Applications, LicenceApplicationView(a, lang))
	}
	for _, n := range notices {
		out.Notices = append(out.Notices, licenceNoticeView{ApplicationID: n.ApplicationID, Kind: n.Kind, ProviderName: n.ProviderName,
			ValidUntil: n.ValidUntil.Format(time.DateOnly), CreatedAt: n.CreatedAt})
	}
	return out, nil
}

// getLicenceApplication answers GET /api/v1/licence-applications/:id.
func (h *handler) getLicenceApplication(c *gin.Context) (*licenceApplicationView, error) {
	a, err := h.licenceApplication(c, "read")
	if err != nil {
		return nil, err
	}
	v := LicenceApplicationView(a, h.pivotLanguage(c))
	return &v, nil
}

// upload is a document read from a multipart form, checked.
type upload struct {
	code, fileName, contentType string
	data                        []byte
}

// readDocuments reads every file of the multipart form: each field named
// by a document's code, a PDF, PNG or JPEG of at most 10 MiB. Every
// problem is returned, none stored.
func readDocuments(c *gin.Context) ([]upload, []*domain.Error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, []*domain.Error{domain.FieldError("documents", "send the application as multipart/form-data with one file field per document")}
	}
	var codes []string
	for code := range form.File {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	var out []upload
	var errs []*domain.Error
	for _, code := range codes {
		field := "documents." + printable(code, 40)
		if _, ok := providers.DocumentByCode(code); !ok {
			errs = append(errs, domain.FieldError(field, "is not a kind of document"))
			continue
		}
		fhs := form.File[code]
		if len(fhs) != 1 {
			errs = append(errs, domain.FieldError(field, "send one file, not %d", len(fhs)))
			continue
		}
		data, err := readUpload(fhs[0])
		if err != nil {
			errs = append(errs, &domain.Error{Code: domain.CodeInvalid, Field: field, Message: domain.ErrorMessage(err)})
			continue
		}
		out = append(out, upload{code: code, fileName: printable(fhs[0].Filename, 200), contentType: http.DetectContentType(data), data: data})
	}
	return out, errs
}

// otherFields is es without the errors on a field named already: a
// document sent but unreadable (empty, too large, not a PDF) is not also
// "required".
func otherFields(es, named []*domain.Error) []*domain.Error {
	var out []*domain.Error
	for _, e := range es {
		if !slices.ContainsFunc(named, func(n *domain.Error) bool { return n.Field == e.Field }) {
			out = append(out, e)
		}
	}
	return out
}

func codesOf(ups []upload) []string {
	out := make([]string, len(ups))
	for i, u := range ups {
		out[i] = u.code
	}
	return out
}

// keepUploads stores the documents under the application's id and
// returns their records (the store's transaction calls it).
func (h *handler) keepUploads(c *gin.Context, ups []upload) func(id int64) ([]store.LicenceDocument, error) {
	return func(id int64) ([]store.LicenceDocument, error) {
		var out []store.LicenceDocument
		for _, u := range ups {
			key := fmt.Sprintf("licensing/%d/%s", id, u.code)
			sum, err := h.objects.Put(c.Request.Context(), key, u.contentType, u.data)
			if err != nil {
				return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
			}
			out = append(out, store.LicenceDocument{Kind: u.code, ObjectKey: key, FileName: u.fileName, ContentType: u.contentType, Size: int64(len(u.data)), SHA256: sum})
		}
		return out, nil
	}
}

// fileLicenceApplication answers POST /api/v1/licence-applications
// (multipart/form-data): 201 with the application, its Licence workflow
// started. Every field and document is checked first and every problem
// named (400); nothing is stored then.
func (h *handler) fileLicenceApplication(c *gin.Context) (*licenceApplicationView, error) {
	u := userOf(c)
	ctx := c.Request.Context()
	ups, errs := readDocuments(c)
	a, appErrs, err := h.applicationOf(c, u, codesOf(ups))
	if err != nil {
		return nil, err
	}
	if errs = append(otherFields(appErrs, errs), errs...); errs != nil {
		return nil, domain.Invalid(errs)
	}
	if open, err := h.db.LicenceApplications(ctx, store.ApplicationFilter{PIB: a.PIB, States: []string{providers.StateSubmitted,
		providers.StateInspection, providers.StateDrafting, providers.StateApproval}}); err != nil {
		return nil, err
	} else if len(open) > 0 {
		return nil, domain.Errorf(domain.CodeConflict, "application %d of PIB %s is still being decided (%s): wait for its decision", open[0].ID, a.PIB,
			LicenceStateName(open[0].State, "en"))
	}
	if h.objects == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "no object store is configured")
	}
	rec, err := h.db.FileLicenceApplication(ctx, a, h.keepUploads(c, ups))
	if err != nil {
		return nil, err
	}
	if err := h.startLicence(c, rec.ID); err != nil {
		_ = h.db.DeleteLicenceApplication(ctx, rec.ID)
		return nil, err
	}
	c.Header("Location", "/api/v1/licence-applications/"+strconv.FormatInt(rec.ID, 10))
	v := LicenceApplicationView(rec, h.pivotLanguage(c))
	return &v, nil
}

func (h *handler) startLicence(c *gin.Context, id int64) error {
	if h.tc == nil {
		return domain.Errorf(domain.CodeUnavailable, "the workflow service is not configured")
	}
	_, err := h.tc.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{ID: workflows.LicenceID(id), TaskQueue: workflows.TaskQueue},
		workflows.NameLicence, workflows.LicenceInput{ApplicationID: id})
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service did not take the application; nothing was kept, try again"), err)
	}
	return nil
}

// applicationOf reads the form's fields into an application and checks it
// (providers.CheckApplication), with the documents' codes.
func (h *handler) applicationOf(c *gin.Context, u domain.User, docs []string) (store.LicenceApplication, []*domain.Error, error) {
	var errs []*domain.Error
	form := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
	a := store.LicenceApplication{Kind: form("kind"), PIB: string(u.PIB), Name: form("name"), Street: form("street"), Reason: form("reason"), FiledBy: u.Username}
	if m := form("municipality"); m != "" {
		if mu, err := domain.ParseMunicipality(m); err == nil {
			a.Municipality = mu.Code
		} else {
			a.Municipality = printable(m, 40)
		}
	}
	for _, s := range c.PostFormArray("services") {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				a.Services = append(a.Services, printable(part, 60))
			}
		}
	}
	day := func(field string) *time.Time {
		if form(field) == "" {
			return nil
		}
		d, err := parseDay(field, form(field))
		if err != nil {
			errs = append(errs, err.(*domain.Error))
			return nil
		}
		return &d
	}
	a.FoundedOn, a.StartOn = day("founded_on"), day("start_on")
	p, onRegister, err := h.db.ProviderByPIB(c.Request.Context(), a.PIB)
	if err != nil {
		return a, nil, err
	}
	if onRegister {
		a.ProviderID = &p.ID
	}
	check := providers.Application{Kind: a.Kind, PIB: domain.PIB(a.PIB), OnRegister: onRegister, Name: a.Name, Street: a.Street,
		Municipality: a.Municipality, Services: a.Services, Reason: a.Reason, Documents: docs}
	if a.FoundedOn != nil {
		check.FoundedOn = *a.FoundedOn
	}
	if a.StartOn != nil {
		check.StartOn = *a.StartOn
	}
	for _, e := range providers.CheckApplication(check, h.now()) {
		if slices.ContainsFunc(errs, func(x *domain.Error) bool { return x.Field == e.Field }) {
			continue // not a date: named above
		}
		errs = append(errs, e)
	}
	return a, errs, nil
}

// submitRenewalDocuments answers POST /api/v1/licence-applications/:id/documents
// (multipart/form-data): the maintainer's documents for a renewal Karton
// opened; every required one must come (400 naming each missing one),
// then its Licence workflow starts.
func (h *handler) submitRenewalDocuments(c *gin.Context) (*licenceApplicationView, error) {
	a, err := h.licenceApplication(c, "update")
	if err != nil {
		return nil, err
	}
	if a.State != providers.StateAwaitingDocuments {
		return nil, domain.Errorf(domain.CodeConflict, "application %d is %s: it waits for no documents", a.ID, LicenceStateName(a.State, "en"))
	}
	ups, errs := readDocuments(c)
	errs = append(errs, otherFields(providers.CheckDocuments(a.Kind, codesOf(ups)), errs)...)
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	if h.objects == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "no object store is configured")
	}
	rec, err := h.db.SubmitRenewal(c.Request.Context(), a.ID, h.keepUploads(c, ups))
	if err != nil {
		return nil, err
	}
	if err := h.startLicence(c, rec.ID); err != nil {
		_ = h.db.ReopenRenewal(c.Request.Context(), rec.ID)
		return nil, err
	}
	v := LicenceApplicationView(rec, h.pivotLanguage(c))
	return &v, nil
}

type inspectionRequest struct {
	Report json.RawMessage `json:"report"`
}

// recordLicenceInspection answers POST /api/v1/licence-applications/:id/inspection:
// the officer's checklist and findings (JSON Schema, every failing field
// named), then the workflow moves the application on to its draft.
func (h *handler) recordLicenceInspection(c *gin.Context) (*licenceApplicationView, error) {
	a, err := h.licenceApplication(c, "inspect")
	if err != nil {
		return nil, err
	}
	var req inspectionRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if a.State != providers.StateInspection {
		return nil, domain.Errorf(domain.CodeConflict, "application %d is %s: it waits for no inspection", a.ID, LicenceStateName(a.State, "en"))
	}
	if err := providers.CheckInspectionReport(req.Report, h.now()); err != nil {
		return nil, err
	}
	if err := h.db.SaveLicenceInspection(c.Request.Context(), a.ID, req.Report, userOf(c).Username); err != nil {
		return nil, err
	}
	return h.licenceStep(c, a.ID, workflows.StepInspected)
}

// draftLicenceDecision answers POST /api/v1/licence-applications/:id/draft:
// the officer's draft (grant from a day not in the past, grant with
// conditions, refuse with reasons), then a second officer approves it.
func (h *handler) draftLicenceDecision(c *gin.Context) (*licenceApplicationView, error) {
	a, err := h.licenceApplication(c, "decide")
	if err != nil {
		return nil, err
	}
	var d providers.Draft
	if err := bindJSON(c, &d); err != nil {
		return nil, err
	}
	if a.State != providers.StateDrafting {
		return nil, domain.Errorf(domain.CodeConflict, "application %d is %s: it waits for no draft", a.ID, LicenceStateName(a.State, "en"))
	}
	d.Outcome, d.ValidFrom = strings.TrimSpace(d.Outcome), strings.TrimSpace(d.ValidFrom)
	if errs := providers.CheckDraft(d, h.now()); errs != nil {
		return nil, domain.Invalid(errs)
	}
	if err := h.db.SaveLicenceDraft(c.Request.Context(), a.ID, d, userOf(c).Username); err != nil {
		return nil, err
	}
	return h.licenceStep(c, a.ID, workflows.StepDrafted)
}

type approvalRequest struct {
	Outcome string `json:"outcome"` // approve, send_back
}

// approveLicenceDecision answers POST /api/v1/licence-applications/:id/approval:
// a second officer approves the draft (the decision is then issued) or
// sends it back. The drafter may not (four eyes): 403.
func (h *handler) approveLicenceDecision(c *gin.Context) (*licenceApplicationView, error) {
	a, err := h.licenceApplication(c, "approve")
	if err != nil {
		return nil, err
	}
	var req approvalRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	step := map[string]string{"approve": workflows.StepApproved, "send_back": workflows.StepSentBack}[req.Outcome]
	switch {
	case step == "":
		return nil, domain.FieldError("outcome", "%q is neither approve nor send_back", printable(req.Outcome, 40))
	case a.State != providers.StateApproval:
		return nil, domain.Errorf(domain.CodeConflict, "application %d is %s: it waits for no approval", a.ID, LicenceStateName(a.State, "en"))
	case a.DraftedBy == userOf(c).Username:
		return nil, domain.Errorf(domain.CodeForbidden, "four eyes: %s drafted this decision; another ministry officer must approve it or send it back", a.DraftedBy)
	}
	return h.licenceStep(c, a.ID, step)
}

// licenceStep sends the step to the application's workflow and answers
// with the application as it then stands.
func (h *handler) licenceStep(c *gin.Context, id int64, step string) (*licenceApplicationView, error) {
	u := userOf(c)
	if h.tc == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "the workflow service is not configured")
	}
	if err := h.update(c, workflows.LicenceID(id), workflows.UpdateLicenceStep, workflows.LicenceStep{Step: step, By: u.Username, Role: u.Role}); err != nil {
		return nil, err
	}
	a, err := h.db.LicenceApplicationByID(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	v := LicenceApplicationView(a, h.pivotLanguage(c))
	return &v, nil
}

// licenceDecisionDocument answers GET /api/v1/licence-applications/:id/decision:
// the decision's PDF, checked against its hash.
func (h *handler) licenceDecisionDocument(c *gin.Context) error {
	a, err := h.licenceApplication(c, "read")
	if err != nil {
		return err
	}
	if a.DecisionKey == "" {
		return domain.Errorf(domain.CodeNotFound, "application %d has no decision document yet", a.ID)
	}
	return h.serveLicenceObject(c, a.DecisionKey, a.DecisionSHA, "application/pdf", "rjesenje-"+a.Decision+".pdf")
}

// licenceDocument answers GET /api/v1/licence-applications/:id/documents/:kind:
// a document the maintainer filed, checked against its hash.
func (h *handler) licenceDocument(c *gin.Context) error {
	a, err := h.licenceApplication(c, "read")
	if err != nil {
		return err
	}
	for _, d := range a.Documents {
		if d.Kind == c.Param("kind") {
			return h.serveLicenceObject(c, d.ObjectKey, d.SHA256, d.ContentType, fmt.Sprintf("zahtjev-%d-%s%s", a.ID, d.Kind, extension(d.ContentType)))
		}
	}
	return domain.Errorf(domain.CodeNotFound, "application %d has no document %q", a.ID, printable(c.Param("kind"), 40))
}

func (h *handler) serveLicenceObject(c *gin.Context, key, sha, contentType, name string) error {
	if h.objects == nil {
		return domain.Errorf(domain.CodeUnavailable, "no object store is configured")
	}
	data, err := h.objects.Get(c.Request.Context(), key)
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != sha {
		return fmt.Errorf("object %s hash mismatch", key)
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	c.Header("X-Content-SHA256", sha)
	c.Data(http.StatusOK, contentType, data)
	return nil
}
