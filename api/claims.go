package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/policies"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/temporalerr"
	"github.com/karton-social/karton/workflows"
)

type createClaimRequest struct {
	Benefit           string          `json:"benefit"`
	ApplicantPersonID string          `json:"applicant_person_id"`
	MemberPersonIDs   []string        `json:"member_person_ids"`
	SubjectPersonID   string          `json:"subject_person_id"`
	PayeeAccount      string          `json:"payee_account"`
	Consent           *bool           `json:"consent"`
	Declared          json.RawMessage `json:"declared"`
}

// createClaim files a claim and starts its workflow: 201 with the number.
func (h *handler) createClaim(c *gin.Context) (*claimFiled, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req createClaimRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	b, ok := benefits.Lookup(benefits.Code(req.Benefit))
	if !ok {
		return nil, domain.FieldError("benefit", "%q is not a benefit of the catalogue (GET /api/v1/benefits lists them)", req.Benefit)
	}
	if !b.Implemented {
		return nil, domain.FieldError("benefit", "%s (%s) cannot be claimed here yet: its rules are not implemented", b.Code, b.NameEn)
	}
	if req.Consent == nil || !*req.Consent {
		return nil, domain.FieldError("consent", "the applicant must consent to the evidence lookups (Law on Social and Child Protection; the claim form)")
	}
	if req.ApplicantPersonID == "" {
		return nil, domain.FieldError("applicant_person_id", "is required")
	}
	applicant, err := h.person(c, req.ApplicantPersonID, "applicant_person_id")
	if err != nil {
		return nil, err
	}
	auditPersons(c, applicant.ID)
	if err := h.allow(c, "claim", "create", applicant.CentreID); err != nil {
		return nil, err
	}
	members := []domain.PersonID{applicant.ID}
	seen := map[domain.PersonID]bool{applicant.ID: true}
	for _, m := range req.MemberPersonIDs {
		p, err := h.person(c, m, "member_person_ids")
		if err != nil {
			return nil, err
		}
		if !seen[p.ID] {
			members, seen[p.ID] = append(members, p.ID), true
		}
	}
	var subject domain.PersonID
	if req.SubjectPersonID != "" {
		p, err := h.person(c, req.SubjectPersonID, "subject_person_id")
		if err != nil {
			return nil, err
		}
		if !seen[p.ID] {
			return nil, domain.FieldError("subject_person_id", "must be the applicant or one of the members")
		}
		subject = p.ID
	}
	if !b.HouseholdScope && len(members) > 1 && subject == "" {
		subject = members[1]
	}
	var iban string
	if strings.TrimSpace(req.PayeeAccount) != "" {
		v, err := domain.ParseIBAN("payee_account", req.PayeeAccount)
		if err != nil {
			return nil, err
		}
		iban = string(v)
	}
	if err := checkDeclared(req.Declared); err != nil {
		return nil, err
	}
	if err := h.excluded(c, "", b.Code, members, subject); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	period := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if b.Periodicity != benefits.Monthly {
		period = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	}
	auditPersons(c, members...)
	claim, err := h.db.CreateClaim(ctx, store.Claim{Benefit: string(b.Code), ApplicantID: applicant.ID, SubjectID: subject, CentreID: applicant.CentreID,
		PayeeIBAN: iban, Consent: true, Declared: req.Declared, FiledBy: u.Username, Period: period, Members: members})
	if err != nil {
		return nil, err
	}
	run, err := h.startClaim(c, claim, members)
	if err != nil {
		return nil, err
	}
	c.Header("Location", "/api/v1/claims/"+claim.Number)
	return &claimFiled{Number: claim.Number, WorkflowID: run.GetID(), State: claim.State}, nil
}

// excluded refuses (409, on field benefit) a claim of code for members and
// subject whose holders hold a right, not ended, that excludes it or is
// the same monthly benefit (benefits.Conflict), naming that right's
// benefit in the user's language and the claim that granted it. number is
// the claim itself, once filed ("" before).
func (h *handler) excluded(c *gin.Context, number string, code benefits.Code, members []domain.PersonID, subject domain.PersonID) error {
	held, ok, err := activities.ConflictingRight(c.Request.Context(), h.db, number, string(code), members, subject)
	if err != nil || !ok {
		return err
	}
	return benefits.ConflictError(h.language(c), code, held)
}

// language is the language the user chose on the pages (cnr unless en).
func (h *handler) language(c *gin.Context) string {
	if l, err := h.db.Language(c.Request.Context(), userOf(c).Username); err == nil && l == "en" {
		return "en"
	}
	return "cnr"
}

type claimFiled struct {
	Number     string `json:"number"`
	WorkflowID string `json:"workflow_id"`
	State      string `json:"state"`
}

func (h *handler) person(c *gin.Context, id, field string) (domain.Person, error) {
	pid, err := domain.ParsePersonID(id)
	if err != nil {
		return domain.Person{}, domain.FieldError(field, "person %q not found", id)
	}
	p, err := h.db.PersonByID(c.Request.Context(), pid)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Person{}, &domain.Error{Code: domain.CodeNotFound, Field: field, Message: fmt.Sprintf("person %s not found", id)}
	}
	if err != nil {
		return domain.Person{}, err
	}
	// Every person a request names is authorised, not only the first: a
	// member, a subject, a case's persons, an upload's target.
	u := userOf(c)
	if !h.enforcer.Allow(string(u.Role), u.CentreID, targetOf(u, p), "person", "read") {
		return domain.Person{}, &domain.Error{Code: domain.CodeForbidden, Field: field,
			Message: fmt.Sprintf("person %s is not of your centre: you may not name them here", id)}
	}
	return p, nil
}

// checkDeclared validates the declared block against the shape the
// calculation reads.
func checkDeclared(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var d struct {
		RequestedAmount *decimal.Decimal `json:"requested_amount"`
		FuneralCost     *decimal.Decimal `json:"funeral_cost"`
		DeceasedWasMO   bool             `json:"deceased_was_mo"`
		Guardian        bool             `json:"guardian"`
		Members         map[string]struct {
			DisabilityPercent      int  `json:"disability_percent"`
			NeedsCare              bool `json:"needs_care"`
			FormerChildWithoutCare bool `json:"former_child_without_care"`
		} `json:"members"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return domain.FieldError("declared", "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	for _, v := range []*decimal.Decimal{d.RequestedAmount, d.FuneralCost} {
		if v != nil && (v.IsNegative() || v.Round(2).Cmp(*v) != 0) {
			return domain.FieldError("declared", "amounts are positive with at most two decimals")
		}
	}
	for id, m := range d.Members {
		if m.DisabilityPercent < 0 || m.DisabilityPercent > 100 {
			return domain.FieldError("declared.members."+id+".disability_percent", "must be between 0 and 100")
		}
	}
	return nil
}

type calculationDTO struct {
	Seq       int      `json:"seq"`
	Eligible  bool     `json:"eligible"`
	Amount    string   `json:"amount"`
	MaxAmount string   `json:"max_amount"`
	Reasons   []string `json:"reasons"`
	// Why are the reasons as phrases (key and arguments), one per reason,
	// to say them in the reader's language (empty before the catalogue).
	Why         json.RawMessage `json:"why,omitempty"`
	Lines       json.RawMessage `json:"lines"`
	EvidenceIDs []int64         `json:"evidence_ids"`
	ComputedAt  time.Time       `json:"computed_at"`
}

// getClaim returns the claim: state, members, calculations with their
// explanation, tasks, decision and entitlement.
func (h *handler) getClaim(c *gin.Context) (*claimView, error) {
	ctx := c.Request.Context()
	cl, err := h.loadClaim(c, "read")
	if err != nil {
		return nil, err
	}
	calcs, err := h.db.Calculations(ctx, cl.Number)
	if err != nil {
		return nil, err
	}
	out := claimView{Number: cl.Number, Benefit: cl.Benefit, State: cl.State, StateReason: cl.StateReason,
		CentreID: cl.CentreID, ApplicantPersonID: cl.ApplicantID, SubjectPersonID: strPtr(string(cl.SubjectID)),
		MemberPersonIDs: cl.Members, PayeeAccount: cl.PayeeIBAN, FiledBy: cl.FiledBy, FiledAt: cl.FiledAt,
		Period: cl.Period.Format(time.DateOnly), Declared: json.RawMessage(cl.Declared), WorkflowID: workflows.ClaimWorkflowID(cl.Number),
		Channel: cl.Channel}
	cd := []calculationDTO{}
	for _, k := range calcs {
		cd = append(cd, calculationDTO{Seq: k.Seq, Eligible: k.Eligible, Amount: k.Amount.StringFixed(2), MaxAmount: k.MaxAmount.StringFixed(2),
			Reasons: k.Reasons, Why: k.Why, Lines: k.Lines, EvidenceIDs: k.EvidenceIDs, ComputedAt: k.ComputedAt})
	}
	out.Calculations = cd
	if len(cd) > 0 {
		out.Calculation = &cd[len(cd)-1]
		out.EvidenceUsed = &cd[len(cd)-1].EvidenceIDs
	}
	ts, err := h.db.Tasks(ctx, store.TaskFilter{CentreID: cl.CentreID, Subject: cl.Number, State: "any"})
	if err != nil {
		return nil, err
	}
	tasks := []taskDTO{}
	for _, t := range ts {
		tasks = append(tasks, toTaskDTO(t))
	}
	if err := h.nameTasks(c, tasks); err != nil {
		return nil, err
	}
	out.Tasks = tasks
	if err := h.claimDocuments(c, cl, &out); err != nil {
		return nil, err
	}
	if userOf(c).Role == domain.RoleCitizen {
		// The applicant sees the requests addressed to them, not the
		// centre's work on the claim (its tasks, their holders).
		out.Tasks = []taskDTO{}
	}
	ids := append([]domain.PersonID{cl.ApplicantID}, cl.Members...)
	if cl.SubjectID != "" {
		ids = append(ids, cl.SubjectID)
	}
	auditPersons(c, ids...)
	if out.PersonNames, err = h.names(c, ids...); err != nil {
		return nil, err
	}
	if d, err := h.db.DecisionOfClaim(ctx, cl.Number); err == nil {
		out.Decision = &claimDecision{ID: d.ID, Number: d.Number, Kind: d.Kind, Amount: d.Amount.StringFixed(2), IssuedAt: d.IssuedAt,
			PreparedBy: d.PreparedBy, ApprovedBy: d.ApprovedBy, DocumentSHA256: d.DocumentSHA256,
			DocumentURL: "/api/v1/decisions/" + d.ID + "/document"}
	} else if domain.ErrorCode(err) != domain.CodeNotFound {
		return nil, err
	}
	if e, err := h.db.EntitlementOfClaim(ctx, cl.Number); err == nil {
		out.Entitlement = &claimEntitlement{ID: e.ID, Benefit: e.Benefit, BeneficiaryPersonID: e.BeneficiaryID, PayeeAccount: e.PayeeIBAN,
			Amount: e.Amount.StringFixed(2), Periodicity: e.Periodicity, ValidFrom: e.ValidFrom.Format(time.DateOnly),
			NextRevision: e.NextRevision, State: e.State}
	}
	return &out, nil
}

// claimView is a claim with its calculations, tasks, decision and
// entitlement (getClaim). The last three are absent until there are some.
type claimView struct {
	Number            string            `json:"number"`
	Benefit           string            `json:"benefit"`
	State             string            `json:"state"`
	StateReason       string            `json:"state_reason"`
	CentreID          string            `json:"centre_id"`
	ApplicantPersonID domain.PersonID   `json:"applicant_person_id"`
	SubjectPersonID   *string           `json:"subject_person_id"`
	MemberPersonIDs   []domain.PersonID `json:"member_person_ids"`
	PayeeAccount      string            `json:"payee_account"`
	FiledBy           string            `json:"filed_by"`
	FiledAt           time.Time         `json:"filed_at"`
	Period            string            `json:"period"`
	Declared          json.RawMessage   `json:"declared"`
	WorkflowID        string            `json:"workflow_id"`
	Channel           string            `json:"channel"` // counter, or online (filed by the applicant in the portal)
	// Documents are the documents uploaded to the claim, oldest first;
	// DocumentRequests the centre's requests for a document (open and
	// answered) with the uploads that answer them.
	Documents        []claimDocumentView `json:"documents"`
	DocumentRequests []documentRequest   `json:"document_requests"`
	Calculations     []calculationDTO    `json:"calculations"`
	Calculation      *calculationDTO     `json:"calculation,omitempty"`   // the latest
	EvidenceUsed     *[]int64            `json:"evidence_used,omitempty"` // the latest calculation's
	Tasks            []taskDTO           `json:"tasks"`
	Decision         *claimDecision      `json:"decision,omitempty"`
	Entitlement      *claimEntitlement   `json:"entitlement,omitempty"`

	// PersonNames are the names of the applicant, the subject and the
	// members, by id, read at the time of the request.
	PersonNames map[domain.PersonID]string `json:"person_names"`
}

// claimDocumentView is a document of a claim: what it is, whom it is
// about, the request it answers, and where to read it.
type claimDocumentView struct {
	ID            string    `json:"id"`
	Kind          string    `json:"kind"`
	PersonID      string    `json:"person_id,omitempty"`
	ContentType   string    `json:"content_type"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
	UploadedAt    time.Time `json:"uploaded_at"`
	UploadedBy    string    `json:"uploaded_by,omitempty"` // staff only
	FromApplicant bool      `json:"from_applicant"`        // uploaded by the applicant in the portal
	AnswersTask   string    `json:"answers_task,omitempty"`
	URL           string    `json:"url"`
}

// claimDocuments sets the claim's documents and requests for a document.
func (h *handler) claimDocuments(c *gin.Context, cl store.Claim, out *claimView) error {
	docs, err := h.db.DocumentsOfClaim(c.Request.Context(), cl.Number)
	if err != nil {
		return err
	}
	reqs, err := h.documentRequests(c, cl.Number, cl.CentreID)
	if err != nil {
		return err
	}
	staff := userOf(c).Role != domain.RoleCitizen
	out.Documents = []claimDocumentView{}
	for _, d := range docs {
		v := claimDocumentView{ID: d.ID, Kind: d.Kind, PersonID: string(d.PersonID), ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256,
			UploadedAt: d.UploadedAt, FromApplicant: cl.Channel == store.ChannelOnline && d.UploadedBy == cl.FiledBy, AnswersTask: d.AnswersTask,
			URL: "/api/v1/documents/" + d.ID}
		if staff {
			v.UploadedBy = d.UploadedBy
		}
		out.Documents = append(out.Documents, v)
		for i := range reqs {
			if reqs[i].TaskID == d.AnswersTask {
				reqs[i].AnsweredBy = append(reqs[i].AnsweredBy, d.ID)
			}
		}
	}
	out.DocumentRequests = reqs
	return nil
}

type claimDecision struct {
	ID             string    `json:"id"`
	Number         string    `json:"number"`
	Kind           string    `json:"kind"`
	Amount         string    `json:"amount"`
	IssuedAt       time.Time `json:"issued_at"`
	PreparedBy     string    `json:"prepared_by"`
	ApprovedBy     string    `json:"approved_by"`
	DocumentSHA256 string    `json:"document_sha256"`
	DocumentURL    string    `json:"document_url"`
}

type claimEntitlement struct {
	ID                  string          `json:"id"`
	Benefit             string          `json:"benefit"`
	BeneficiaryPersonID domain.PersonID `json:"beneficiary_person_id"`
	PayeeAccount        string          `json:"payee_account"`
	Amount              string          `json:"amount"`
	Periodicity         string          `json:"periodicity"`
	ValidFrom           string          `json:"valid_from"`
	NextRevision        *time.Time      `json:"next_revision"`
	State               string          `json:"state"`
}

// loadClaim reads the claim of the route, names its members for the audit
// and asks the policy for action on it.
func (h *handler) loadClaim(c *gin.Context, action string) (store.Claim, error) {
	cl, err := h.db.ClaimByNumber(c.Request.Context(), c.Param("number"))
	if err != nil {
		return store.Claim{}, err
	}
	auditPersons(c, cl.Members...)
	// A citizen's own claim (they applied for it) is theirs: "self".
	if err := h.allow(c, "claim", action, h.targetOfPerson(c, cl.ApplicantID, cl.CentreID)); err != nil {
		return store.Claim{}, err
	}
	return cl, nil
}

// withdrawClaim withdraws a claim that is not decided yet.
func (h *handler) withdrawClaim(c *gin.Context) (*claimWithdrawn, error) {
	u := userOf(c)
	var req struct {
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	cl, err := h.loadClaim(c, "update")
	if err != nil {
		return nil, err
	}
	centre := u.CentreID
	if u.Role == domain.RoleCitizen {
		// The applicant withdraws their own claim (issue 18), from the
		// portal: for the claim's centre, a reason of their own optional.
		centre = cl.CentreID
		if strings.TrimSpace(req.Reason) == "" {
			req.Reason = WithdrawnOnline
		}
	}
	err = h.update(c, workflows.ClaimWorkflowID(cl.Number), workflows.UpdateWithdraw, workflows.Withdrawal{By: u.Username, CentreID: centre, Reason: req.Reason})
	if err != nil {
		return nil, err
	}
	return &claimWithdrawn{Number: cl.Number, State: "withdrawn"}, nil
}

// WithdrawnOnline is the reason of a withdrawal the applicant made in the
// portal without giving one.
const WithdrawnOnline = "the applicant withdrew the claim online"

type claimWithdrawn struct {
	Number string `json:"number"`
	State  string `json:"state"`
}

// update sends an Update and waits until it is accepted; a validator's
// refusal comes back as the domain error it carries, an ended workflow as
// a conflict (temporalerr.FromTemporal).
func (h *handler) update(c *gin.Context, workflowID, name string, arg any) error {
	handle, err := h.tc.UpdateWorkflow(c.Request.Context(), client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(c.Request.Context(), nil)
	}
	if err == nil {
		return nil
	}
	var de *domain.Error
	if derr := temporalerr.FromTemporal(err); errors.As(derr, &de) {
		return derr
	}
	return errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service did not take the outcome; try again"), err)
}

// uploadDocument keeps a document of a claim in the object store: 201 with
// its id and SHA-256. Field answers names the request for a document (the
// claim's open claim.obtain_document task) the upload answers; the
// document is then about the person the request is about. The applicant
// uploads to their own claim from the portal (issue 18) while it is not
// decided: a PDF, PNG or JPEG.
func (h *handler) uploadDocument(c *gin.Context) (*documentKept, error) {
	u := userOf(c)
	cl, err := h.loadClaim(c, "update")
	if err != nil {
		return nil, err
	}
	citizen := u.Role == domain.RoleCitizen
	if citizen && finalClaimState(cl.State) {
		return nil, domain.Errorf(domain.CodeConflict, "claim %s is %s: it takes no more documents", cl.Number, cl.State)
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, domain.FieldError("file", "send the document as multipart/form-data field \"file\"")
	}
	if fh.Size > 10<<20 {
		return nil, domain.FieldError("file", "is larger than 10 MiB")
	}
	var data []byte
	if citizen {
		if data, err = readUpload(fh); err != nil {
			return nil, &domain.Error{Code: domain.CodeInvalid, Field: "file", Message: domain.ErrorMessage(err)}
		}
	} else {
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, 10<<20)); err != nil {
			return nil, err
		}
	}
	kind := strings.TrimSpace(c.PostForm("kind"))
	// A document of a claim is about one of the claim's persons: it is
	// checked before anything is stored.
	var person domain.PersonID
	answers := strings.TrimSpace(c.PostForm("answers"))
	if answers != "" {
		req, err := h.openRequest(c, cl, answers)
		if err != nil {
			return nil, err
		}
		person = domain.PersonID(req.PersonID)
		if kind == "" {
			kind = "answer"
		}
	} else if p := c.PostForm("person_id"); p != "" {
		if citizen {
			person = domain.PersonID(p) // the applicant names a member of their own claim
		} else {
			pp, err := h.person(c, p, "person_id")
			if err != nil {
				return nil, err
			}
			person = pp.ID
		}
		if !slices.Contains(cl.Members, person) {
			return nil, domain.FieldError("person_id", "person %s is not a member of claim %s", printable(p, 40), cl.Number)
		}
	} else if citizen {
		person = cl.ApplicantID
	}
	if kind == "" {
		kind = "evidence"
	}
	return h.keepDocument(c, cl.Number, person, kind, answers, data)
}

// openRequest is the claim's open request for a document whose task id
// is id: a 400 on field answers otherwise.
func (h *handler) openRequest(c *gin.Context, cl store.Claim, id string) (documentRequest, error) {
	reqs, err := h.documentRequests(c, cl.Number, cl.CentreID)
	if err != nil {
		return documentRequest{}, err
	}
	for _, r := range reqs {
		if r.TaskID == id && r.State == "open" {
			return r, nil
		}
	}
	return documentRequest{}, domain.FieldError("answers", "%q is no open request for a document on claim %s", printable(id, 80), cl.Number)
}

type documentKept struct {
	DocumentID  string `json:"document_id"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// decisionDocument streams a decision's PDF, after checking its hash: it
// writes the file itself (see stream).
func (h *handler) decisionDocument(c *gin.Context) error {
	ctx := c.Request.Context()
	d, err := h.db.DecisionByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	cl, err := h.db.ClaimByNumber(ctx, d.ClaimNumber)
	if err != nil {
		return err
	}
	auditPersons(c, cl.Members...)
	target := h.targetOfPerson(c, cl.ApplicantID, d.CentreID) // the applicant's own: "self"
	if err := h.allow(c, "decision", "read", target); err != nil {
		return err
	}
	if d.DocumentKey == "" {
		return domain.Errorf(domain.CodeConflict, "decision %s has no document yet", d.Number)
	}
	data, err := h.objects.Get(ctx, d.DocumentKey)
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != d.DocumentSHA256 {
		return fmt.Errorf("decision %s document hash mismatch", d.ID)
	}
	if target == policies.TargetSelf && cl.Channel == store.ChannelOnline {
		h.deliveredOnline(c, d.ID)
	}
	c.Header("Content-Disposition", fmt.Sprintf("inline; filename=%q", strings.ReplaceAll(d.Number, "/", "-")+".pdf"))
	c.Header("X-Content-SHA256", d.DocumentSHA256)
	c.Data(http.StatusOK, "application/pdf", data)
	return nil
}

// deliveredOnline records a decision on a claim filed online as
// delivered the first day its applicant opens it in the portal: from it
// run the 15 days for an appeal. GUESS: electronic delivery to an
// applicant who filed online, on the day they open the decision (the Law
// on Administrative Procedure's rules for electronic delivery to be
// confirmed by the ministry). A delivery already recorded stands; a
// failure to record is logged and leaves the decision undelivered (its
// deadline not started), never refuses the document.
func (h *handler) deliveredOnline(c *gin.Context, id string) {
	ref, err := h.db.DecisionRefByID(c.Request.Context(), id)
	if err != nil || ref.DeliveredOn != nil {
		return
	}
	now := time.Now()
	if _, err := h.db.RecordDelivery(c.Request.Context(), id, now, now, "portal:"+userOf(c).Username); err != nil && domain.ErrorCode(err) != domain.CodeConflict {
		h.log.Error("record an online delivery", "request_id", c.GetString("request_id"), "error", err)
	}
}

// listBenefits returns the catalogue.
func listBenefits(*gin.Context) (*benefitList, error) {
	out := []benefitDTO{}
	for _, b := range benefits.Catalogue() {
		out = append(out, benefitDTO{Code: b.Code, NameCnr: b.NameCnr, NameEn: b.NameEn, Group: b.Group, LegalRef: b.LegalRef,
			Form: b.Form, Periodicity: b.Periodicity, MeansTested: b.MeansTested, Payee: b.Payee, HouseholdScope: b.HouseholdScope,
			Evidence: b.Evidence, Excludes: b.Excludes, Implemented: b.Implemented, Guess: b.Guess})
	}
	return &benefitList{Benefits: out}, nil
}

type benefitList struct {
	Benefits []benefitDTO `json:"benefits"`
}

type benefitDTO struct {
	Code           benefits.Code         `json:"code"`
	NameCnr        string                `json:"name_cnr"`
	NameEn         string                `json:"name_en"`
	Group          benefits.Group        `json:"group"`
	LegalRef       string                `json:"legal_ref"`
	Form           string                `json:"form"`
	Periodicity    benefits.Periodicity  `json:"periodicity"`
	MeansTested    bool                  `json:"means_tested"`
	Payee          benefits.Payee        `json:"payee"`
	HouseholdScope bool                  `json:"household_scope"`
	Evidence       []domain.EvidenceKind `json:"evidence"`
	Excludes       []benefits.Code       `json:"excludes"`
	Implemented    bool                  `json:"implemented"`
	Guess          bool                  `json:"guess"`
}

// unavailable wraps a Temporal client error as a 503 that says what to do.
func unavailable(err error) error {
	return errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; try again"), err)
}
