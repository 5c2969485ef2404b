package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// Labour activation (DOMAIN.md §5.2): a centre refers a work-capable
// member of a household receiving financial assistance to the Employment
// Agency; the agency (a machine client with the employment_officer role,
// or its staff by hand) reports the referral's steps. The agency works
// for the whole country: it sees every referral, and nothing else.

// createReferral refers a person: 202 with the referral, its workflow
// started. The person must be in a household with active financial
// assistance, of the caller's centre, without a referral under way.
func (h *handler) createReferral(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req struct {
		PersonID          string `json:"person_id"`
		WorkCapacityNotes string `json:"work_capacity_notes"`
		FamilyConstraints string `json:"family_constraints"`
	}
	if err := bindJSON(c, &req); err != nil {
		writeError(c, h.log, err)
		return
	}
	if req.PersonID == "" {
		writeError(c, h.log, domain.FieldError("person_id", "is required: the work-capable member to refer"))
		return
	}
	var long []*domain.Error
	for _, f := range []struct{ name, value string }{{"work_capacity_notes", req.WorkCapacityNotes}, {"family_constraints", req.FamilyConstraints}} {
		if len(f.value) > 4000 {
			long = append(long, domain.FieldError(f.name, "is at most 4000 characters"))
		}
	}
	if len(long) > 0 {
		writeError(c, h.log, domain.Invalid(long))
		return
	}
	p, err := h.db.PersonByID(ctx, domain.PersonID(req.PersonID))
	if err != nil {
		writeError(c, h.log, asField(err, "person_id"))
		return
	}
	auditPersons(c, p.ID)
	if !h.may(c, "activation", "create", p.CentreID) {
		return
	}
	if p.BirthDate.AddDate(18, 0, 0).After(time.Now()) {
		writeError(c, h.log, domain.FieldError("person_id", "%s %s is a child; activation is for work-capable adults", p.GivenName, p.FamilyName))
		return
	}
	e, err := h.db.ActiveAssistanceOf(ctx, p.ID, activation.Benefit)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			err = domain.FieldError("person_id", "%s %s is in no household with active financial assistance (MO)", p.GivenName, p.FamilyName)
		}
		writeError(c, h.log, err)
		return
	}
	r, err := h.db.CreateReferral(ctx, store.Referral{PersonID: p.ID, EntitlementID: e.ID, CentreID: p.CentreID, ReferredBy: u.Username,
		ReferredAt: time.Now(), WorkCapacityNotes: req.WorkCapacityNotes, FamilyConstraints: req.FamilyConstraints})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	if err := h.startActivation(c, r); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusAccepted, referralDTO(r))
}

func (h *handler) startActivation(c *gin.Context, r store.Referral) error {
	_, err := h.tc.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{ID: workflows.ActivationWorkflowID(r.ID),
		TaskQueue: workflows.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
		workflows.NameActivation, workflows.ActivationInput{ReferralID: r.ID, PersonID: r.PersonID, CentreID: r.CentreID,
			ReferredBy: r.ReferredBy, StepsWithin: h.deadlines.ActivationSteps})
	if err != nil {
		_ = h.db.UpdateReferral(c.Request.Context(), r.ID, store.ReferralUpdate{State: "closed"})
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; nothing was sent: refer the person again"), err)
	}
	return nil
}

// asField names the field a missing record was asked for by.
func asField(err error, field string) error {
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.FieldError(field, "%s", domain.ErrorMessage(err))
	}
	return err
}

func referralDTO(r store.Referral) gin.H {
	return gin.H{"id": r.ID, "person_id": r.PersonID, "name": r.PersonName, "jmbg": r.JMBG, "entitlement_id": r.EntitlementID,
		"centre_id": r.CentreID, "state": r.State, "agency_reference": r.AgencyReference, "referred_by": r.ReferredBy,
		"referred_at": r.ReferredAt, "last_step_at": r.LastStepAt, "work_capacity_notes": r.WorkCapacityNotes,
		"family_constraints": r.FamilyConstraints, "steps_url": "/api/v1/activation/referrals/" + r.ID + "/steps"}
}

var referralStates = map[string]bool{"referred": true, "acknowledged": true, "active": true, "decision_pending": true, "sanctioned": true,
	"employed": true, "not_eligible": true, "closed": true}

// listReferrals is the agency's inbox (every centre's referrals) or a
// centre's list, by state (?state=) and person (?person_id=).
func (h *handler) listReferrals(c *gin.Context) {
	u := userOf(c)
	f := store.ReferralFilter{State: c.Query("state"), PersonID: domain.PersonID(c.Query("person_id"))}
	if f.State != "" && !referralStates[f.State] {
		writeError(c, h.log, domain.FieldError("state", "%q is not one of referred, acknowledged, active, decision_pending, sanctioned, employed, not_eligible, closed", f.State))
		return
	}
	limit, ok := intParam(c, h.log, "limit", 100, 1, 500)
	if !ok {
		return
	}
	f.Limit = limit
	if u.Role != domain.RoleEmploymentOfficer {
		f.CentreID = u.CentreID
		if !h.may(c, "activation", "read", u.CentreID) {
			return
		}
	}
	list, err := h.db.Referrals(c.Request.Context(), f)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := []gin.H{}
	for _, r := range list {
		auditPersons(c, r.PersonID)
		out = append(out, referralDTO(r))
	}
	c.JSON(http.StatusOK, gin.H{"referrals": out, "count": len(out)})
}

// loadReferral reads a referral the caller may see: the agency any, a
// centre its own.
func (h *handler) loadReferral(c *gin.Context, action string) (store.Referral, bool) {
	r, err := h.db.ReferralByID(c.Request.Context(), c.Param("id"))
	if err != nil {
		writeError(c, h.log, err)
		return r, false
	}
	auditPersons(c, r.PersonID)
	return r, h.may(c, "activation", action, r.CentreID)
}

// agencyEvents are the lines of a referral's timeline the agency sees: the
// exchange with it. The centre's own lines (decisions prepared, returned,
// taken, with their reasoning; a closing) stay with the centre.
var agencyEvents = map[string]bool{"to_agency": true, "agency_acknowledged": true, "agency_step": true}

// getReferral is a referral with the agency's steps, its timeline (every
// message to the agency with its delivery) and, for the centre, its
// decisions and the tasks waiting on it; for the agency, only the
// decisions' outcomes (outcomes[]: number, measure, effective_from).
func (h *handler) getReferral(c *gin.Context) {
	ctx := c.Request.Context()
	r, ok := h.loadReferral(c, "read")
	if !ok {
		return
	}
	steps, err := h.db.ReferralSteps(ctx, r.ID)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	events, err := h.db.ReferralEvents(ctx, r.ID)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	decisions, err := h.db.ActivationDecisions(ctx, r.ID)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := referralDTO(r)
	agency := userOf(c).Role == domain.RoleEmploymentOfficer
	ss := []gin.H{}
	for _, s := range steps {
		ss = append(ss, gin.H{"step_id": s.StepID, "kind": s.Kind, "occurred_at": s.OccurredAt, "received_at": s.ReceivedAt, "sender": s.Sender, "body": s.Body})
	}
	timeline := []gin.H{}
	for _, e := range events {
		if agency && !agencyEvents[e.Kind] {
			continue
		}
		timeline = append(timeline, gin.H{"at": e.At, "kind": e.Kind, "by": e.By, "summary": e.Summary, "delivery": e.Delivery,
			"attempts": e.Attempts, "last_error": e.LastError})
	}
	out["steps"], out["timeline"] = ss, timeline
	if agency {
		// The agency gets each decision's outcome, as its message said it:
		// the measure and the month it takes effect. The reasoning, the
		// amounts and who decided are the centre's.
		outcomes := []gin.H{}
		for _, d := range decisions {
			outcomes = append(outcomes, gin.H{"number": d.Number, "measure": d.Measure, "effective_from": domain.MonthOf(d.EffectiveFrom).String()})
		}
		out["outcomes"], out["tasks"] = outcomes, []gin.H{}
		c.JSON(http.StatusOK, out)
		return
	}
	ds := []gin.H{}
	for _, d := range decisions {
		ds = append(ds, gin.H{"id": d.ID, "number": d.Number, "measure": d.Measure, "percent": d.Percent, "deduction": d.Deduction.StringFixed(2),
			"effective_from": domain.MonthOf(d.EffectiveFrom).String(), "reasoning": d.Reasoning, "lines": d.Lines, "prepared_by": d.PreparedBy,
			"approved_by": d.ApprovedBy, "issued_at": d.IssuedAt, "document_url": "/api/v1/activation-decisions/" + d.ID + "/document"})
	}
	out["decisions"] = ds
	tasks, err := h.centreTasks(c, domain.RoleEmploymentOfficer, r.CentreID, workflows.ActivationWorkflowID(r.ID))
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out["tasks"] = tasks
	c.JSON(http.StatusOK, out)
}

// agencyStep is a step as the agency reports it (the schema has checked it).
type agencyStep struct {
	StepID          string    `json:"step_id"`
	Kind            string    `json:"kind"`
	OccurredAt      time.Time `json:"occurred_at"`
	Status          string    `json:"status"`
	AgencyReference string    `json:"agency_reference"`
	Measure         string    `json:"measure"`
	Employer        string    `json:"employer"`
	Note            string    `json:"note"`
	Officer         string    `json:"officer"`
}

// reportStep takes a step of a referral from the agency: 202, or 200 with
// the first result when the step id was taken before; 404 for a referral
// Karton does not know. The step is recorded before the workflow hears of
// it, and the workflow takes each step id once, so a repeat after a lost
// answer is harmless.
func (h *handler) reportStep(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	r, ok := h.loadReferral(c, "report")
	if !ok {
		return
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		writeError(c, h.log, domain.FieldError("body", "unreadable: %v", err))
		return
	}
	if err := activation.Schemas.Validate("step", raw); err != nil {
		writeError(c, h.log, err)
		return
	}
	var m agencyStep
	if err := json.Unmarshal(raw, &m); err != nil {
		writeError(c, h.log, domain.FieldError("body", "%v", err))
		return
	}
	if key := c.GetHeader("Idempotency-Key"); key != "" && key != m.StepID {
		writeError(c, h.log, domain.FieldError("Idempotency-Key", "is the step id (%q), not %q", m.StepID, key))
		return
	}
	if m.OccurredAt.After(time.Now().Add(time.Hour)) {
		writeError(c, h.log, domain.FieldError("occurred_at", "%s is in the future", m.OccurredAt.Format(time.RFC3339)))
		return
	}
	step, created, err := h.db.RecordReferralStep(ctx, r.ID, store.ReferralStep{StepID: m.StepID, Kind: m.Kind, OccurredAt: m.OccurredAt,
		Sender: u.Username, Body: raw})
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	var first agencyStep
	_ = json.Unmarshal(step.Body, &first)
	sig := workflows.AgencyStep{StepID: first.StepID, Kind: first.Kind, OccurredAt: first.OccurredAt, Status: first.Status,
		AgencyReference: first.AgencyReference, Measure: first.Measure, Employer: first.Employer, Note: first.Note, Sender: step.Sender}
	err = h.tc.SignalWorkflow(ctx, workflows.ActivationWorkflowID(r.ID), "", workflows.SignalAgencyStep, sig)
	var gone *serviceerror.NotFound
	if err != nil && !errors.As(err, &gone) {
		if created {
			// Recorded; the agency's retry (a duplicate) signals it again.
			writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "step %s is recorded but the workflow service is unavailable: send it again", m.StepID), err))
			return
		}
		h.log.Warn("agency step not signalled", "referral", r.ID, "step_id", m.StepID, "error", err)
	}
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	c.JSON(status, gin.H{"referral_id": r.ID, "step_id": step.StepID, "kind": step.Kind, "received_at": step.ReceivedAt, "duplicate": !created})
}

// activationDecisionDocument is a decision's PDF.
func (h *handler) activationDecisionDocument(c *gin.Context) {
	ctx := c.Request.Context()
	d, centre, err := h.db.ActivationDecisionByID(ctx, c.Param("id"))
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	if !h.may(c, "activation_decision", "read", centre) { // the agency gets the outcome, not the decision
		return
	}
	if d.DocumentKey == "" {
		writeError(c, h.log, domain.Errorf(domain.CodeConflict, "decision %s has no document", d.Number))
		return
	}
	r, err := h.db.ReferralByID(ctx, d.ReferralID)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	auditPersons(c, r.PersonID)
	b, err := h.objects.Get(ctx, d.DocumentKey)
	if err != nil {
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err))
		return
	}
	c.Header("X-Content-SHA256", d.DocumentSHA256)
	c.Data(http.StatusOK, "application/pdf", b)
}
