package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/interop/xroad"
	"github.com/karton-social/karton/policies"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// The citizens' benefits portal (issue 18): a citizen, logged in through
// OIDC (the national eID; the development issuer in karton dev), reads
// what the state knows about them and their household, their rights,
// payments, decisions and claims; asks for their data from the registries
// (which registers them with Karton when it keeps no file about them);
// and applies online for MO, child allowance and the newborn grant. The
// claim is the one a centre files at the counter (the same BenefitClaim
// workflow, in the centre's inbox), marked as filed online. Their own
// claims, decisions and documents are reached through the routes the
// centre uses, authorised as "self" (targetOfPerson); anything else is a
// 404 for them.

// onlyCitizens applies a limiter to citizens' requests only.
func onlyCitizens(limit gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if userOf(c).Role == domain.RoleCitizen {
			limit(c)
			return
		}
		c.Next()
	}
}

// portalView is the citizen's file as the portal shows it. Known is
// false while Karton keeps no file about them (then only Forms is set).
type portalView struct {
	Known     bool             `json:"known"`
	Person    *personDTO       `json:"person"`
	Household *portalHousehold `json:"household"`
	Facts     []evidenceDTO    `json:"facts"`
	Sources   []sourceDTO      `json:"sources"`
	Rights    []portalRight    `json:"rights"`
	Payments  []filePayment    `json:"payments"`
	Decisions []portalDecision `json:"decisions"`
	Claims    []portalClaim    `json:"claims"`
	Forms     []onlineFormDTO  `json:"forms"`
	Pending   []string         `json:"pending_sources"`
	Note      string           `json:"note,omitempty"`
}

// portalHousehold is the household as the population register states it:
// its members with their relation, and when the register said so.
type portalHousehold struct {
	Address addressDTO     `json:"address"`
	Members []portalMember `json:"members"`
	// Source and FetchedAt are the register's answer the household rests on.
	Source    string     `json:"source"`
	FetchedAt *time.Time `json:"fetched_at"`
}

type portalMember struct {
	PersonID   string `json:"person_id"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	BirthDate  string `json:"birth_date"`
	Relation   string `json:"relation"`
	You        bool   `json:"you"`
}

type portalRight struct {
	ID            string        `json:"id"`
	Benefit       string        `json:"benefit"`
	Amount        string        `json:"amount"`
	Periodicity   string        `json:"periodicity"`
	ValidFrom     string        `json:"valid_from"`
	State         string        `json:"state"`
	NextRevision  *string       `json:"next_revision"`
	SuspendedFrom string        `json:"suspended_from,omitempty"`
	ClaimNumber   string        `json:"claim_number"`
	Versions      []fileVersion `json:"versions"`
	Notices       []fileNotice  `json:"notices"`
}

// portalDecision is a decision on one of the citizen's claims: its PDF,
// where it stands for an appeal (delivery, the deadline, finality), the
// appeal, and whether an appeal may be filed now.
type portalDecision struct {
	decisionView
	Benefit        string `json:"benefit"`
	Amount         string `json:"amount"`
	ClaimNumber    string `json:"claim_number"`
	DocumentURL    string `json:"document_url,omitempty"` // none until its PDF is made
	DocumentSHA256 string `json:"document_sha256,omitempty"`
	MayAppeal      bool   `json:"may_appeal"`
}

// portalClaim is one of the claims the citizen applied for, where it
// stands, and the requests for a document still open.
type portalClaim struct {
	Number       string `json:"number"`
	Benefit      string `json:"benefit"`
	State        string `json:"state"`
	FiledAt      string `json:"filed_at"`
	Channel      string `json:"channel"`
	OpenRequests int    `json:"open_requests"`
}

// onlineFormDTO is a benefit's online application form: the benefit,
// its form's code and legal basis, and the documents it may carry.
type onlineFormDTO struct {
	Benefit   benefits.Code       `json:"benefit"`
	NameCnr   string              `json:"name_cnr"`
	NameEn    string              `json:"name_en"`
	Form      string              `json:"form"`
	LegalRef  string              `json:"legal_ref"`
	Subject   bool                `json:"subject"`
	Documents []onlineDocumentDTO `json:"documents"`
}

type onlineDocumentDTO struct {
	Key      string `json:"key"`
	NameCnr  string `json:"name_cnr"`
	NameEn   string `json:"name_en"`
	WhenCnr  string `json:"when_cnr"`
	WhenEn   string `json:"when_en"`
	Required bool   `json:"required"`
}

func onlineForms() []onlineFormDTO {
	out := []onlineFormDTO{}
	for _, f := range benefits.OnlineForms() {
		b, _ := benefits.Lookup(f.Benefit)
		d := onlineFormDTO{Benefit: f.Benefit, NameCnr: b.NameCnr, NameEn: b.NameEn, Form: b.Form, LegalRef: b.LegalRef, Subject: f.Subject,
			Documents: []onlineDocumentDTO{}}
		for _, x := range f.Documents {
			d.Documents = append(d.Documents, onlineDocumentDTO{Key: x.Key, NameCnr: x.NameCnr, NameEn: x.NameEn, WhenCnr: x.WhenCnr, WhenEn: x.WhenEn,
				Required: x.Required})
		}
		out = append(out, d)
	}
	return out
}

// me is the citizen Karton keeps a file about: CodeNotFound when it
// keeps none. The request's audit names them.
func (h *handler) me(c *gin.Context) (domain.Person, error) {
	u := userOf(c)
	if u.Role != domain.RoleCitizen || u.JMBG == "" {
		return domain.Person{}, domain.Errorf(domain.CodeNotFound, "the portal is a citizen's own")
	}
	p, err := h.db.PersonByJMBG(c.Request.Context(), u.JMBG)
	if err != nil {
		return domain.Person{}, err
	}
	auditPersons(c, p.ID)
	return p, nil
}

// myFile is GET /api/v1/me: the citizen's own file as the portal shows it.
func (h *handler) myFile(c *gin.Context) (*portalView, error) {
	ctx := c.Request.Context()
	if err := h.allow(c, "portal", "read", policies.TargetSelf); err != nil {
		return nil, err
	}
	out := &portalView{Facts: []evidenceDTO{}, Sources: []sourceDTO{}, Rights: []portalRight{}, Payments: []filePayment{},
		Decisions: []portalDecision{}, Claims: []portalClaim{}, Forms: onlineForms(), Pending: []string{}}
	p, err := h.me(c)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		out.Note = "Karton keeps no file about you yet: ask for your data from the registries (POST /api/v1/me/evidence/refresh)"
		return out, nil
	} else if err != nil {
		return nil, err
	}
	dto := toPersonDTO(p)
	out.Known, out.Person = true, &dto
	ev, err := h.db.Evidence(ctx, p.ID, false)
	if err != nil {
		return nil, err
	}
	var household *time.Time
	for _, e := range ev {
		d := evidenceDTO{ID: e.ID, Kind: string(e.Kind), Source: string(e.Source), Institution: institutionName(e.Source),
			Value: json.RawMessage(e.Value), ValidFrom: e.ValidFrom.Format(time.DateOnly), FetchedAt: e.FetchedAt, Declared: e.Declared,
			Change: string(e.Change), Provenance: provenanceDTO{RequestID: e.Provenance.RequestID}}
		if e.ValidTo != nil {
			s := e.ValidTo.Format(time.DateOnly)
			d.ValidTo = &s
		}
		if e.Kind == domain.KindHousehold {
			at := e.FetchedAt
			household = &at
		}
		out.Facts = append(out.Facts, d)
	}
	src, err := h.db.EvidenceSources(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range src {
		out.Sources = append(out.Sources, sourceDTO{Source: string(s.Source), Institution: institutionName(s.Source), State: s.State,
			RequestedAt: s.RequestedAt, AnsweredAt: s.AnsweredAt})
		if s.State == "pending" {
			out.Pending = append(out.Pending, string(s.Source))
		}
	}
	if p.HouseholdID != "" {
		hh, err := h.db.Household(ctx, p.HouseholdID)
		if err != nil {
			return nil, err
		}
		ph := &portalHousehold{Address: toAddressDTO(hh.Address), Members: []portalMember{}, Source: string(domain.SourcePopulation), FetchedAt: household}
		for _, m := range hh.Members {
			auditPersons(c, m.PersonID)
			_, info, _ := domain.ParseJMBG(string(m.JMBG))
			ph.Members = append(ph.Members, portalMember{PersonID: string(m.PersonID), GivenName: m.GivenName, FamilyName: m.FamilyName,
				BirthDate: info.BirthDate.Format(time.DateOnly), Relation: string(m.Relation), You: m.PersonID == p.ID})
		}
		out.Household = ph
	}
	if err := h.myRights(c, p, out); err != nil {
		return nil, err
	}
	if err := h.myDecisions(c, p, out); err != nil {
		return nil, err
	}
	return out, h.myClaims(c, p, out)
}

func (h *handler) myRights(c *gin.Context, p domain.Person, out *portalView) error {
	ctx := c.Request.Context()
	ents, err := h.db.EntitlementsOfPerson(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, e := range ents {
		r := portalRight{ID: e.ID, Benefit: e.Benefit, Amount: e.Amount.StringFixed(2), Periodicity: e.Periodicity,
			ValidFrom: e.ValidFrom.Format(time.DateOnly), State: e.State, ClaimNumber: e.ClaimNumber}
		if e.NextRevision != nil && e.State == "active" {
			s := e.NextRevision.Format(time.DateOnly)
			r.NextRevision = &s
		}
		if e.SuspendedFrom != nil {
			r.SuspendedFrom = e.SuspendedFrom.Format(time.DateOnly)
		}
		if r.Versions, r.Notices, err = h.rightHistory(ctx, e.ID); err != nil {
			return err
		}
		out.Rights = append(out.Rights, r)
	}
	pays, err := h.db.PaymentsOfPerson(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, x := range pays {
		out.Payments = append(out.Payments, filePayment{Period: x.Period.Format("2006-01"), Benefit: x.Benefit, Amount: x.Amount.StringFixed(2),
			Channel: x.Channel, State: x.State, Reason: x.Reason})
	}
	return nil
}

func (h *handler) myDecisions(c *gin.Context, p domain.Person, out *portalView) error {
	ds, err := h.db.DecisionsOfApplicant(c.Request.Context(), p.ID)
	if err != nil {
		return err
	}
	for _, d := range ds {
		v, err := h.toDecisionView(c, d.DecisionRef)
		if err != nil {
			return err
		}
		pd := portalDecision{decisionView: v, Benefit: d.Benefit, Amount: d.Amount.StringFixed(2), ClaimNumber: d.ClaimNumber,
			DocumentSHA256: d.DocumentSHA256,
			MayAppeal:      len(v.Appeals) == 0 && (v.Finality == "appealable" || v.Finality == "not_delivered")}
		if d.DocumentSHA256 != "" {
			pd.DocumentURL = "/api/v1/decisions/" + d.ID + "/document"
		}
		out.Decisions = append(out.Decisions, pd)
	}
	return nil
}

func (h *handler) myClaims(c *gin.Context, p domain.Person, out *portalView) error {
	ctx := c.Request.Context()
	cs, err := h.db.ClaimsOfPerson(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, x := range cs {
		if !x.Applicant {
			continue // a claim of another applicant naming them is that applicant's
		}
		pc := portalClaim{Number: x.Number, Benefit: x.Benefit, State: x.State, FiledAt: x.FiledAt.Format(time.RFC3339), Channel: x.Channel}
		if !finalClaimState(x.State) {
			reqs, err := h.documentRequests(c, x.Number, p.CentreID)
			if err != nil {
				return err
			}
			for _, r := range reqs {
				if r.State == "open" {
					pc.OpenRequests++
				}
			}
		}
		out.Claims = append(out.Claims, pc)
	}
	return nil
}

func finalClaimState(s string) bool { return s == "approved" || s == "rejected" || s == "withdrawn" }

// documentRequest is a centre's request for a document on a claim (its
// claim.obtain_document task): what is asked, by when, and the upload
// that answers it.
type documentRequest struct {
	TaskID     string    `json:"task_id"`
	What       string    `json:"what"`
	PersonID   string    `json:"person_id"`
	DueAt      time.Time `json:"due_at"`
	State      string    `json:"state"`
	AnsweredBy []string  `json:"answered_by"` // the documents uploaded in answer
}

// documentRequests lists the requests for a document on claim number,
// kept by centre.
func (h *handler) documentRequests(c *gin.Context, number, centre string) ([]documentRequest, error) {
	ts, err := h.db.Tasks(c.Request.Context(), store.TaskFilter{CentreID: centre, Subject: number, State: "any"})
	if err != nil {
		return nil, err
	}
	out := []documentRequest{}
	for _, t := range ts {
		if t.Type != workflows.TaskObtainDocument {
			continue
		}
		var d struct{ What string }
		_ = json.Unmarshal(t.Data, &d)
		out = append(out, documentRequest{TaskID: t.ID, What: d.What, PersonID: string(t.PersonID), DueAt: t.DueAt, State: t.State, AnsweredBy: []string{}})
	}
	return out, nil
}

// myRefreshed answers a citizen's request for their data: the person
// (registered now, or already), and the refresh of their evidence.
type myRefreshed struct {
	accepted
	Person     personDTO `json:"person"`
	Registered bool      `json:"registered"` // Karton registered them with this request
	WorkflowID string    `json:"workflow_id"`
}

// refreshMine is POST /api/v1/me/evidence/refresh: the citizen asks for
// their data from the registries. When Karton keeps no file about them it
// registers them with the population register's name and address (asked
// at once: 409 when the register does not know them, 503 while it does
// not answer); then every registry is asked, as at the counter (the
// population register's answer links their household): 202.
func (h *handler) refreshMine(c *gin.Context) (*myRefreshed, error) {
	ctx := c.Request.Context()
	if err := h.allow(c, "portal", "refresh", policies.TargetSelf); err != nil {
		return nil, err
	}
	out := &myRefreshed{}
	p, err := h.me(c)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		if p, err = h.registerMe(c); err != nil {
			return nil, err
		}
		out.Registered = true
		auditPersons(c, p.ID)
	} else if err != nil {
		return nil, err
	}
	out.Person = toPersonDTO(p)
	run, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.RefreshEvidenceID(p.ID), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.NameRefreshEvidence, workflows.RefreshEvidenceInput{PersonID: p.ID})
	if err != nil {
		return nil, unavailable(err)
	}
	out.WorkflowID, out.started = run.GetID(), true
	return out, nil
}

// registerMe registers the citizen with the name and address the
// population register states.
func (h *handler) registerMe(c *gin.Context) (domain.Person, error) {
	u := userOf(c)
	if h.registry == nil {
		return domain.Person{}, domain.Errorf(domain.CodeUnavailable, "the population register is not configured")
	}
	ans, err := h.registry.Fetch(c.Request.Context(), domain.SourcePopulation, u.JMBG, "")
	switch {
	case errors.Is(err, xroad.ErrUnavailable):
		return domain.Person{}, errors.Join(domain.Errorf(domain.CodeUnavailable, "the population register does not answer; try again"), err)
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return domain.Person{}, domain.Errorf(domain.CodeConflict, "the population register does not know you: ask your social work centre")
	case err != nil:
		return domain.Person{}, err
	}
	var id domain.IdentityFact
	var res domain.ResidenceFact
	for _, f := range ans.Facts {
		switch f.Kind {
		case domain.KindIdentity:
			_ = json.Unmarshal(f.Value, &id)
		case domain.KindResidence:
			_ = json.Unmarshal(f.Value, &res)
		}
	}
	if id.GivenName == "" || res.Municipality == "" {
		return domain.Person{}, domain.Errorf(domain.CodeConflict, "the population register does not state your name and residence: ask your social work centre")
	}
	addr, err := domain.ParseAddress(res.Municipality, res.Settlement, res.Street)
	if err != nil {
		return domain.Person{}, errors.Join(domain.Errorf(domain.CodeConflict, "the population register states a residence Karton does not know"), err)
	}
	p, err := domain.NewPerson(domain.NewPersonInput{JMBG: string(u.JMBG), GivenName: id.GivenName, FamilyName: id.FamilyName, Address: addr})
	if err != nil {
		return domain.Person{}, err
	}
	created, err := h.db.CreatePerson(c.Request.Context(), p, "portal")
	if domain.ErrorCode(err) == domain.CodeConflict { // registered meanwhile (a second request)
		return h.db.PersonByJMBG(c.Request.Context(), u.JMBG)
	}
	return created, err
}

// onlineClaimFiled is a claim filed online with the documents it carried.
type onlineClaimFiled struct {
	claimFiled
	Channel   string         `json:"channel"`
	Documents []documentKept `json:"documents"`
}

// onlineClaim is what an online application asks.
type onlineClaim struct {
	Benefit         string   `json:"benefit"`
	MemberPersonIDs []string `json:"member_person_ids"`
	SubjectPersonID string   `json:"subject_person_id"`
	PayeeAccount    string   `json:"payee_account"`
	Consent         *bool    `json:"consent"`
}

// onlineDocument is a document an online application carries.
type onlineDocument struct {
	key, filename string
	data          []byte
}

// applyOnline is POST /api/v1/me/claims: the citizen's application for
// MO, child allowance or the newborn grant (JSON, or multipart/form-data
// with the documents as files named document.<key>), for themselves and
// the members of their household they name (every member when they name
// none), with their consent to the registry lookups and the payee
// account. Everything is checked before anything is recorded (400 naming
// each field at fault, 409 while Karton keeps no file about them or when
// a right held excludes the benefit); then the claim is filed, marked
// online, its documents kept in the object store, and its BenefitClaim
// workflow started, as at the counter: 201.
func (h *handler) applyOnline(c *gin.Context) (*onlineClaimFiled, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	req, docs, unread, err := readOnlineClaim(c)
	if err != nil {
		return nil, err
	}
	p, err := h.me(c)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, domain.Errorf(domain.CodeConflict, "Karton keeps no file about you yet: ask for your data from the registries first (POST /api/v1/me/evidence/refresh)")
	} else if err != nil {
		return nil, err
	}
	if err := h.allow(c, "portal", "apply", targetOf(u, p)); err != nil {
		return nil, err
	}
	form, members, subject, err := h.checkOnlineClaim(c, p, req, docs, unread)
	if err != nil {
		return nil, err
	}
	b, _ := benefits.Lookup(form.Benefit)
	if err := h.excluded(c, "", b.Code, members, subject); err != nil {
		return nil, err
	}
	if len(docs) > 0 && h.objects == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "no object store is configured")
	}
	now := time.Now().UTC()
	period := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if b.Periodicity != benefits.Monthly {
		period = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	}
	iban, _ := domain.ParseIBAN("payee_account", req.PayeeAccount)
	auditPersons(c, members...)
	claim, err := h.db.CreateClaim(ctx, store.Claim{Benefit: string(b.Code), ApplicantID: p.ID, SubjectID: subject, CentreID: p.CentreID,
		PayeeIBAN: string(iban), Consent: true, FiledBy: u.Username, Period: period, Members: members, Channel: store.ChannelOnline})
	if err != nil {
		return nil, err
	}
	out := &onlineClaimFiled{Channel: claim.Channel, Documents: []documentKept{}}
	for _, d := range docs {
		kept, err := h.keepDocument(c, claim.Number, p.ID, d.key, "", d.data)
		if err != nil {
			_ = h.db.SetClaimState(ctx, claim.Number, "withdrawn", "the object store was unavailable when the claim was filed online")
			return nil, err
		}
		out.Documents = append(out.Documents, *kept)
	}
	run, err := h.startClaim(c, claim, members)
	if err != nil {
		return nil, err
	}
	c.Header("Location", "/api/v1/claims/"+claim.Number)
	out.claimFiled = claimFiled{Number: claim.Number, WorkflowID: run.GetID(), State: claim.State}
	return out, nil
}

// readOnlineClaim reads an online application: JSON, or a form (the
// documents as files named document.<key>). The files it could not take
// are its problems, reported with the other fields' (checkOnlineClaim).
func readOnlineClaim(c *gin.Context) (onlineClaim, []onlineDocument, []error, error) {
	var req onlineClaim
	if !strings.HasPrefix(c.ContentType(), "multipart/") && c.ContentType() != "application/x-www-form-urlencoded" {
		return req, nil, nil, bindJSON(c, &req)
	}
	if err := c.Request.ParseMultipartForm(12 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return req, nil, nil, domain.FieldError("(form)", "the form could not be read: send it as multipart/form-data of at most 12 MiB")
	}
	req.Benefit, req.SubjectPersonID, req.PayeeAccount = c.PostForm("benefit"), c.PostForm("subject_person_id"), c.PostForm("payee_account")
	req.MemberPersonIDs = c.PostFormArray("member_person_ids")
	if v := c.PostForm("consent"); v != "" {
		yes := v == "true" || v == "yes" || v == "on"
		req.Consent = &yes
	}
	var docs []onlineDocument
	var problems []error
	if mf := c.Request.MultipartForm; mf != nil {
		keys := make([]string, 0, len(mf.File))
		for k := range mf.File {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, field := range keys {
			key, ok := strings.CutPrefix(field, "document.")
			if !ok {
				problems = append(problems, domain.FieldError(field, "is not a document of the form: send each as document.<key>"))
				continue
			}
			for _, fh := range mf.File[field] {
				data, err := readUpload(fh)
				if err != nil {
					problems = append(problems, domain.FieldError(field, "%s", domain.ErrorMessage(err)))
					continue
				}
				docs = append(docs, onlineDocument{key: key, filename: fh.Filename, data: data})
			}
		}
	}
	return req, docs, problems, nil
}

// readUpload reads an uploaded file of at most 10 MiB: a PDF, PNG or JPEG.
func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	if fh.Size > 10<<20 {
		return nil, domain.Errorf(domain.CodeInvalid, "is larger than 10 MiB")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 10<<20))
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, domain.Errorf(domain.CodeInvalid, "is empty")
	}
	if ct := http.DetectContentType(data); ct != "application/pdf" && ct != "image/png" && ct != "image/jpeg" {
		return nil, domain.Errorf(domain.CodeInvalid, "is %s; send a PDF, PNG or JPEG", ct)
	}
	return data, nil
}

// checkOnlineClaim checks an online application field by field: the
// benefit one the portal offers, the consent, the members of the
// applicant's household, the child a newborn grant is for, the payee
// account and the documents of the form. It returns the form, the
// members (the applicant first) and the subject.
func (h *handler) checkOnlineClaim(c *gin.Context, p domain.Person, req onlineClaim, docs []onlineDocument, unread []error) (benefits.OnlineForm, []domain.PersonID, domain.PersonID, error) {
	var problems []error
	form, ok := benefits.OnlineFormOf(benefits.Code(req.Benefit))
	if !ok {
		problems = append(problems, domain.FieldError("benefit", "%q cannot be applied for online: MO, DD or ND (the others at your social work centre)",
			printable(req.Benefit, 20)))
	}
	if req.Consent == nil || !*req.Consent {
		problems = append(problems, domain.FieldError("consent", "the applicant must consent to the evidence lookups (Law on Social and Child Protection; the claim form)"))
	}
	if strings.TrimSpace(req.PayeeAccount) != "" {
		if _, err := domain.ParseIBAN("payee_account", req.PayeeAccount); err != nil {
			problems = append(problems, err)
		}
	}
	household := map[domain.PersonID]bool{}
	var all []domain.PersonID
	if p.HouseholdID != "" {
		hh, err := h.db.Household(c.Request.Context(), p.HouseholdID)
		if err != nil {
			return form, nil, "", err
		}
		for _, m := range hh.Members {
			household[m.PersonID] = true
			if m.PersonID != p.ID {
				all = append(all, m.PersonID)
			}
		}
	}
	members, seen := []domain.PersonID{p.ID}, map[domain.PersonID]bool{p.ID: true}
	named := req.MemberPersonIDs
	if len(named) == 0 && ok {
		if b, _ := benefits.Lookup(form.Benefit); b.HouseholdScope {
			for _, m := range all {
				named = append(named, string(m))
			}
		}
	}
	for _, id := range named {
		pid := domain.PersonID(id)
		if !household[pid] {
			problems = append(problems, domain.FieldError("member_person_ids", "%s is not a member of your household (as the population register states it)", printable(id, 40)))
			continue
		}
		if !seen[pid] {
			members, seen[pid] = append(members, pid), true
		}
	}
	var subject domain.PersonID
	if ok && form.Subject {
		switch s := domain.PersonID(req.SubjectPersonID); {
		case s == "":
			problems = append(problems, domain.FieldError("subject_person_id", "name the child the claim is for"))
		case !household[s] || s == p.ID:
			problems = append(problems, domain.FieldError("subject_person_id", "%s is not a child of your household", printable(string(s), 40)))
		default:
			subject = s
			if !seen[s] {
				members, seen[s] = append(members, s), true
			}
		}
	}
	if ok {
		given := map[string]bool{}
		for _, d := range docs {
			if _, known := form.Document(d.key); !known {
				problems = append(problems, domain.FieldError("document."+d.key, "is not a document of the %s form", form.Benefit))
			}
			given[d.key] = true
		}
		for _, d := range form.Documents {
			if d.Required && !given[d.Key] {
				problems = append(problems, domain.FieldError("document."+d.Key, "is required"))
			}
		}
	}
	return form, members, subject, allInvalid(append(problems, unread...))
}

// allInvalid is one error naming every field at fault (nil for none).
func allInvalid(problems []error) error {
	var fields []*domain.Error
	for _, p := range problems {
		var de *domain.Error
		if errors.As(p, &de) {
			fields = append(fields, de)
		} else {
			return p
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return domain.Invalid(fields)
}

// keepDocument puts a document of claim number in the object store and
// records it (what it is, whom it is about, the request it answers).
func (h *handler) keepDocument(c *gin.Context, number string, person domain.PersonID, kind, answers string, data []byte) (*documentKept, error) {
	if h.objects == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "no object store is configured")
	}
	ct := http.DetectContentType(data)
	sum := sha256.Sum256(data)
	key := fmt.Sprintf("claims/%s/%s", number, hex.EncodeToString(sum[:]))
	sha, err := h.objects.Put(c.Request.Context(), key, ct, data)
	if err != nil {
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	d, err := h.db.CreateDocument(c.Request.Context(), store.Document{ClaimNumber: number, PersonID: person, Kind: kind, ObjectKey: key, SHA256: sha,
		ContentType: ct, Size: int64(len(data)), UploadedBy: userOf(c).Username, AnswersTask: answers})
	if err != nil {
		return nil, err
	}
	return &documentKept{DocumentID: d.ID, SHA256: d.SHA256, Size: d.Size, ContentType: d.ContentType}, nil
}

// startClaim starts a filed claim's workflow; when the workflow service
// is down the claim is withdrawn (it was never in anyone's inbox) and the
// answer is 503.
func (h *handler) startClaim(c *gin.Context, claim store.Claim, members []domain.PersonID) (client.WorkflowRun, error) {
	ctx := c.Request.Context()
	run, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.ClaimWorkflowID(claim.Number), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.NameBenefitClaim, workflows.ClaimInput{Number: claim.Number, Benefit: claim.Benefit, CentreID: claim.CentreID, Members: members,
		Deadlines: h.deadlines})
	if err != nil {
		_ = h.db.SetClaimState(ctx, claim.Number, "withdrawn", "the workflow service was unavailable when the claim was filed")
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; the claim was not filed, try again"), err)
	}
	return run, nil
}

// claimDocument is GET /api/v1/documents/{id}: a document uploaded to a
// claim, for whoever may read the claim (a citizen: their own claim's),
// after checking its hash.
func (h *handler) claimDocument(c *gin.Context) error {
	ctx := c.Request.Context()
	d, err := h.db.DocumentByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if d.ClaimNumber == "" {
		return domain.Errorf(domain.CodeNotFound, "document %s not found", d.ID)
	}
	cl, err := h.db.ClaimByNumber(ctx, d.ClaimNumber)
	if err != nil {
		return err
	}
	auditPersons(c, cl.Members...)
	if err := h.allow(c, "claim", "read", h.targetOfPerson(c, cl.ApplicantID, cl.CentreID)); err != nil {
		return err
	}
	if h.objects == nil {
		return domain.Errorf(domain.CodeUnavailable, "no object store is configured")
	}
	data, err := h.objects.Get(ctx, d.ObjectKey)
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != d.SHA256 {
		return fmt.Errorf("document %s hash mismatch", d.ID)
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "dokument-"+d.ID[:8]+extension(d.ContentType)))
	c.Header("X-Content-SHA256", d.SHA256)
	c.Data(http.StatusOK, d.ContentType, data)
	return nil
}

func extension(contentType string) string {
	switch {
	case contentType == "application/pdf":
		return ".pdf"
	case contentType == "image/png":
		return ".png"
	case contentType == "image/jpeg":
		return ".jpg"
	}
	return ""
}
