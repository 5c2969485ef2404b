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
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
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
func (h *handler) createClaim(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req createClaimRequest
	if err := bindJSON(c, &req); err != nil {
		writeError(c, h.log, err)
		return
	}
	b, ok := benefits.Lookup(benefits.Code(req.Benefit))
	if !ok {
		writeError(c, h.log, domain.FieldError("benefit", "%q is not a benefit of the catalogue (GET /api/v1/benefits lists them)", req.Benefit))
		return
	}
	if !b.Implemented {
		writeError(c, h.log, domain.FieldError("benefit", "%s (%s) cannot be claimed here yet: its rules are not implemented", b.Code, b.NameEn))
		return
	}
	if req.Consent == nil || !*req.Consent {
		writeError(c, h.log, domain.FieldError("consent", "the applicant must consent to the evidence lookups (Law on Social and Child Protection; the claim form)"))
		return
	}
	if req.ApplicantPersonID == "" {
		writeError(c, h.log, domain.FieldError("applicant_person_id", "is required"))
		return
	}
	applicant, err := h.person(c, req.ApplicantPersonID, "applicant_person_id")
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	auditPersons(c, applicant.ID)
	if !h.may(c, "claim", "create", applicant.CentreID) {
		return
	}
	members := []domain.PersonID{applicant.ID}
	seen := map[domain.PersonID]bool{applicant.ID: true}
	for _, m := range req.MemberPersonIDs {
		p, err := h.person(c, m, "member_person_ids")
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		if !seen[p.ID] {
			members, seen[p.ID] = append(members, p.ID), true
		}
	}
	var subject domain.PersonID
	if req.SubjectPersonID != "" {
		p, err := h.person(c, req.SubjectPersonID, "subject_person_id")
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		if !seen[p.ID] {
			writeError(c, h.log, domain.FieldError("subject_person_id", "must be the applicant or one of the members"))
			return
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
			writeError(c, h.log, err)
			return
		}
		iban = string(v)
	}
	if err := checkDeclared(req.Declared); err != nil {
		writeError(c, h.log, err)
		return
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
		writeError(c, h.log, err)
		return
	}
	run, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.ClaimID(claim.Number), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.NameBenefitClaim, workflows.ClaimInput{Number: claim.Number, Benefit: claim.Benefit, CentreID: claim.CentreID, Members: members,
		Deadlines: h.deadlines})
	if err != nil {
		_ = h.db.SetClaimState(ctx, claim.Number, "withdrawn", "the workflow service was unavailable when the claim was filed")
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; the claim was not filed, try again"), err))
		return
	}
	c.Header("Location", "/api/v1/claims/"+claim.Number)
	c.JSON(http.StatusCreated, gin.H{"number": claim.Number, "workflow_id": run.GetID(), "state": claim.State})
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
	Seq         int             `json:"seq"`
	Eligible    bool            `json:"eligible"`
	Amount      string          `json:"amount"`
	MaxAmount   string          `json:"max_amount"`
	Reasons     []string        `json:"reasons"`
	Lines       json.RawMessage `json:"lines"`
	EvidenceIDs []int64         `json:"evidence_ids"`
	ComputedAt  time.Time       `json:"computed_at"`
}

// getClaim returns the claim: state, members, calculations with their
// explanation, tasks, decision and entitlement.
func (h *handler) getClaim(c *gin.Context) {
	ctx := c.Request.Context()
	cl, ok := h.loadClaim(c, "read")
	if !ok {
		return
	}
	calcs, err := h.db.Calculations(ctx, cl.Number)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := gin.H{"number": cl.Number, "benefit": cl.Benefit, "state": cl.State, "state_reason": cl.StateReason,
		"centre_id": cl.CentreID, "applicant_person_id": cl.ApplicantID, "subject_person_id": nilIfEmpty(string(cl.SubjectID)),
		"member_person_ids": cl.Members, "payee_account": cl.PayeeIBAN, "filed_by": cl.FiledBy, "filed_at": cl.FiledAt,
		"period": cl.Period.Format(time.DateOnly), "declared": json.RawMessage(cl.Declared), "workflow_id": workflows.ClaimID(cl.Number)}
	cd := []calculationDTO{}
	for _, k := range calcs {
		cd = append(cd, calculationDTO{Seq: k.Seq, Eligible: k.Eligible, Amount: k.Amount.StringFixed(2), MaxAmount: k.MaxAmount.StringFixed(2),
			Reasons: k.Reasons, Lines: k.Lines, EvidenceIDs: k.EvidenceIDs, ComputedAt: k.ComputedAt})
	}
	out["calculations"] = cd
	if len(cd) > 0 {
		out["calculation"] = cd[len(cd)-1]
		out["evidence_used"] = cd[len(cd)-1].EvidenceIDs
	}
	ts, err := h.db.Tasks(ctx, store.TaskFilter{CentreID: cl.CentreID, Subject: cl.Number, State: "any"})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	tasks := []taskDTO{}
	for _, t := range ts {
		tasks = append(tasks, toTaskDTO(t))
	}
	out["tasks"] = tasks
	if d, err := h.db.DecisionOfClaim(ctx, cl.Number); err == nil {
		out["decision"] = gin.H{"id": d.ID, "number": d.Number, "kind": d.Kind, "amount": d.Amount.StringFixed(2), "issued_at": d.IssuedAt,
			"prepared_by": d.PreparedBy, "approved_by": d.ApprovedBy, "document_sha256": d.DocumentSHA256,
			"document_url": "/api/v1/decisions/" + d.ID + "/document"}
	} else if domain.ErrorCode(err) != domain.CodeNotFound {
		writeError(c, h.log, err)
		return
	}
	if e, err := h.db.EntitlementOfClaim(ctx, cl.Number); err == nil {
		out["entitlement"] = gin.H{"id": e.ID, "benefit": e.Benefit, "beneficiary_person_id": e.BeneficiaryID, "payee_account": e.PayeeIBAN,
			"amount": e.Amount.StringFixed(2), "periodicity": e.Periodicity, "valid_from": e.ValidFrom.Format(time.DateOnly),
			"next_revision": e.NextRevision, "state": e.State}
	}
	c.JSON(http.StatusOK, out)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// loadClaim reads the claim of the route, names its members for the audit
// and asks the policy for action on it; it answers the error itself.
func (h *handler) loadClaim(c *gin.Context, action string) (store.Claim, bool) {
	cl, err := h.db.ClaimByNumber(c.Request.Context(), c.Param("number"))
	if err != nil {
		writeError(c, h.log, err)
		return store.Claim{}, false
	}
	auditPersons(c, cl.Members...)
	return cl, h.may(c, "claim", action, cl.CentreID)
}

// withdrawClaim withdraws a claim that is not decided yet.
func (h *handler) withdrawClaim(c *gin.Context) {
	u := userOf(c)
	var req struct {
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &req); err != nil {
		writeError(c, h.log, err)
		return
	}
	cl, ok := h.loadClaim(c, "update")
	if !ok {
		return
	}
	err := h.update(c, workflows.ClaimID(cl.Number), workflows.UpdateWithdraw, workflows.Withdrawal{By: u.Username, CentreID: u.CentreID, Reason: req.Reason})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"number": cl.Number, "state": "withdrawn"})
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
// its id and SHA-256.
func (h *handler) uploadDocument(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	cl, ok := h.loadClaim(c, "update")
	if !ok {
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		writeError(c, h.log, domain.FieldError("file", "send the document as multipart/form-data field \"file\""))
		return
	}
	if fh.Size > 10<<20 {
		writeError(c, h.log, domain.FieldError("file", "is larger than 10 MiB"))
		return
	}
	f, err := fh.Open()
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 10<<20))
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	kind := strings.TrimSpace(c.PostForm("kind"))
	if kind == "" {
		kind = "evidence"
	}
	// A document of a claim is about one of the claim's persons: it is
	// checked before anything is stored.
	var person domain.PersonID
	if p := c.PostForm("person_id"); p != "" {
		pp, err := h.person(c, p, "person_id")
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		if !slices.Contains(cl.Members, pp.ID) {
			writeError(c, h.log, domain.FieldError("person_id", "person %s is not a member of claim %s", p, cl.Number))
			return
		}
		person = pp.ID
	}
	ct := http.DetectContentType(data)
	sum := sha256.Sum256(data)
	key := fmt.Sprintf("claims/%s/%s", cl.Number, hex.EncodeToString(sum[:]))
	if h.objects == nil {
		writeError(c, h.log, domain.Errorf(domain.CodeUnavailable, "no object store is configured"))
		return
	}
	sha, err := h.objects.Put(ctx, key, ct, data)
	if err != nil {
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err))
		return
	}
	d, err := h.db.CreateDocument(ctx, store.Document{ClaimNumber: cl.Number, PersonID: person, Kind: kind, ObjectKey: key, SHA256: sha,
		ContentType: ct, Size: int64(len(data)), UploadedBy: u.Username})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"document_id": d.ID, "sha256": d.SHA256, "size": d.Size, "content_type": d.ContentType})
}

// decisionDocument streams a decision's PDF, after checking its hash.
func (h *handler) decisionDocument(c *gin.Context) {
	ctx := c.Request.Context()
	d, err := h.db.DecisionByID(ctx, c.Param("id"))
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	if cl, err := h.db.ClaimByNumber(ctx, d.ClaimNumber); err == nil {
		auditPersons(c, cl.Members...)
	}
	if !h.may(c, "decision", "read", d.CentreID) {
		return
	}
	if d.DocumentKey == "" {
		writeError(c, h.log, domain.Errorf(domain.CodeConflict, "decision %s has no document yet", d.Number))
		return
	}
	data, err := h.objects.Get(ctx, d.DocumentKey)
	if err != nil {
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err))
		return
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != d.DocumentSHA256 {
		writeError(c, h.log, fmt.Errorf("decision %s document hash mismatch", d.ID))
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf("inline; filename=%q", strings.ReplaceAll(d.Number, "/", "-")+".pdf"))
	c.Header("X-Content-SHA256", d.DocumentSHA256)
	c.Data(http.StatusOK, "application/pdf", data)
}

// listBenefits returns the catalogue.
func listBenefits(c *gin.Context) {
	out := []gin.H{}
	for _, b := range benefits.Catalogue() {
		out = append(out, gin.H{"code": b.Code, "name_cnr": b.NameCnr, "name_en": b.NameEn, "group": b.Group, "legal_ref": b.LegalRef,
			"form": b.Form, "periodicity": b.Periodicity, "means_tested": b.MeansTested, "payee": b.Payee, "household_scope": b.HouseholdScope,
			"evidence": b.Evidence, "excludes": b.Excludes, "implemented": b.Implemented, "guess": b.Guess})
	}
	c.JSON(http.StatusOK, gin.H{"benefits": out})
}

// unavailable wraps a Temporal client error as a 503 that says what to do.
func unavailable(err error) error {
	return errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; try again"), err)
}
