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
func (h *handler) createReferral(c *gin.Context) (*referralSummary, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req struct {
		PersonID          string `json:"person_id"`
		WorkCapacityNotes string `json:"work_capacity_notes"`
		FamilyConstraints string `json:"family_constraints"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.PersonID == "" {
		return nil, domain.FieldError("person_id", "is required: the work-capable member to refer")
	}
	var long []*domain.Error
	for _, f := range []struct{ name, value string }{{"work_capacity_notes", req.WorkCapacityNotes}, {"family_constraints", req.FamilyConstraints}} {
		if len(f.value) > 4000 {
			long = append(long, domain.FieldError(f.name, "is at most 4000 characters"))
		}
	}
	if len(long) > 0 {
		return nil, domain.Invalid(long)
	}
	p, err := h.db.PersonByID(ctx, domain.PersonID(req.PersonID))
	if err != nil {
		return nil, asField(err, "person_id")
	}
	auditPersons(c, p.ID)
	if err := h.allow(c, "activation", "create", p.CentreID); err != nil {
		return nil, err
	}
	if p.BirthDate.AddDate(18, 0, 0).After(time.Now()) {
		return nil, domain.FieldError("person_id", "%s %s is a child; activation is for work-capable adults", p.GivenName, p.FamilyName)
	}
	e, err := h.db.ActiveAssistanceOf(ctx, p.ID, activation.Benefit)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			err = domain.FieldError("person_id", "%s %s is in no household with active financial assistance (MO)", p.GivenName, p.FamilyName)
		}
		return nil, err
	}
	r, err := h.db.CreateReferral(ctx, store.Referral{PersonID: p.ID, EntitlementID: e.ID, CentreID: p.CentreID, ReferredBy: u.Username,
		ReferredAt: time.Now(), WorkCapacityNotes: req.WorkCapacityNotes, FamilyConstraints: req.FamilyConstraints})
	if err != nil {
		return nil, err
	}
	if err := h.startActivation(c, r); err != nil {
		return nil, err
	}
	dto := referralDTO(r)
	return &dto, nil
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

// referralSummary is a referral in a list, and the head of its page.
type referralSummary struct {
	ID                string          `json:"id"`
	PersonID          domain.PersonID `json:"person_id"`
	Name              string          `json:"name"`
	JMBG              string          `json:"jmbg"`
	EntitlementID     string          `json:"entitlement_id"`
	CentreID          string          `json:"centre_id"`
	State             string          `json:"state"`
	AgencyReference   string          `json:"agency_reference"`
	ReferredBy        string          `json:"referred_by"`
	ReferredAt        time.Time       `json:"referred_at"`
	LastStepAt        *time.Time      `json:"last_step_at"`
	WorkCapacityNotes string          `json:"work_capacity_notes"`
	FamilyConstraints string          `json:"family_constraints"`
	StepsURL          string          `json:"steps_url"`
}

func referralDTO(r store.Referral) referralSummary {
	return referralSummary{ID: r.ID, PersonID: r.PersonID, Name: r.PersonName, JMBG: r.JMBG, EntitlementID: r.EntitlementID,
		CentreID: r.CentreID, State: r.State, AgencyReference: r.AgencyReference, ReferredBy: r.ReferredBy,
		ReferredAt: r.ReferredAt, LastStepAt: r.LastStepAt, WorkCapacityNotes: r.WorkCapacityNotes,
		FamilyConstraints: r.FamilyConstraints, StepsURL: "/api/v1/activation/referrals/" + r.ID + "/steps"}
}

var referralStates = map[string]bool{"referred": true, "acknowledged": true, "active": true, "decision_pending": true, "sanctioned": true,
	"employed": true, "not_eligible": true, "closed": true}

// listReferrals is the agency's inbox (every centre's referrals) or a
// centre's list, by state (?state=) and person (?person_id=).
func (h *handler) listReferrals(c *gin.Context) (*referralList, error) {
	u := userOf(c)
	f := store.ReferralFilter{State: c.Query("state"), PersonID: domain.PersonID(c.Query("person_id"))}
	if f.State != "" && !referralStates[f.State] {
		return nil, domain.FieldError("state", "%q is not one of referred, acknowledged, active, decision_pending, sanctioned, employed, not_eligible, closed", f.State)
	}
	limit, err := queryInt(c, "limit", 100, 1, 500)
	if err != nil {
		return nil, err
	}
	f.Limit = limit
	if u.Role != domain.RoleEmploymentOfficer {
		f.CentreID = u.CentreID
		if err := h.allow(c, "activation", "read", u.CentreID); err != nil {
			return nil, err
		}
	}
	list, err := h.db.Referrals(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	out := []referralSummary{}
	for _, r := range list {
		auditPersons(c, r.PersonID)
		out = append(out, referralDTO(r))
	}
	return &referralList{Referrals: out, Count: len(out)}, nil
}

type referralList struct {
	Referrals []referralSummary `json:"referrals"`
	Count     int               `json:"count"`
}

// loadReferral reads a referral the caller may see: the agency any, a
// centre its own.
func (h *handler) loadReferral(c *gin.Context, action string) (store.Referral, error) {
	r, err := h.db.ReferralByID(c.Request.Context(), c.Param("id"))
	if err != nil {
		return r, err
	}
	auditPersons(c, r.PersonID)
	return r, h.allow(c, "activation", action, r.CentreID)
}

// agencyEvents are the lines of a referral's timeline the agency sees: the
// exchange with it. The centre's own lines (decisions prepared, returned,
// taken, with their reasoning; a closing) stay with the centre.
var agencyEvents = map[string]bool{"to_agency": true, "agency_acknowledged": true, "agency_step": true}

// getReferral is a referral with the agency's steps, its timeline (every
// message to the agency with its delivery) and, for the centre, its
// decisions and the tasks waiting on it; for the agency, only the
// decisions' outcomes (outcomes[]: number, measure, effective_from).
func (h *handler) getReferral(c *gin.Context) (*referralView, error) {
	ctx := c.Request.Context()
	r, err := h.loadReferral(c, "read")
	if err != nil {
		return nil, err
	}
	steps, err := h.db.ReferralSteps(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	events, err := h.db.ReferralEvents(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	decisions, err := h.db.ActivationDecisions(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	out := referralView{referralSummary: referralDTO(r), Steps: []referralStep{}, Timeline: []referralEvent{}}
	agency := userOf(c).Role == domain.RoleEmploymentOfficer
	for _, s := range steps {
		out.Steps = append(out.Steps, referralStep{StepID: s.StepID, Kind: s.Kind, OccurredAt: s.OccurredAt, ReceivedAt: s.ReceivedAt, Sender: s.Sender, Body: s.Body})
	}
	for _, e := range events {
		if agency && !agencyEvents[e.Kind] {
			continue
		}
		out.Timeline = append(out.Timeline, referralEvent{At: e.At, Kind: e.Kind, By: e.By, Summary: e.Summary, Delivery: e.Delivery,
			Attempts: e.Attempts, LastError: e.LastError})
	}
	if agency {
		// The agency gets each decision's outcome, as its message said it:
		// the measure and the month it takes effect. The reasoning, the
		// amounts and who decided are the centre's.
		outcomes := []referralOutcome{}
		for _, d := range decisions {
			outcomes = append(outcomes, referralOutcome{Number: d.Number, Measure: d.Measure, EffectiveFrom: domain.MonthOf(d.EffectiveFrom).String()})
		}
		out.Outcomes, out.Tasks = &outcomes, []taskDTO{}
		return &out, nil
	}
	ds := []activationDecision{}
	for _, d := range decisions {
		ds = append(ds, activationDecision{ID: d.ID, Number: d.Number, Measure: d.Measure, Percent: d.Percent, Deduction: d.Deduction.StringFixed(2),
			EffectiveFrom: domain.MonthOf(d.EffectiveFrom).String(), Reasoning: d.Reasoning, Lines: d.Lines, PreparedBy: d.PreparedBy,
			ApprovedBy: d.ApprovedBy, IssuedAt: d.IssuedAt, DocumentURL: "/api/v1/activation-decisions/" + d.ID + "/document"})
	}
	out.Decisions = &ds
	if out.Tasks, err = h.centreTasks(c, domain.RoleEmploymentOfficer, r.CentreID, workflows.ActivationWorkflowID(r.ID)); err != nil {
		return nil, err
	}
	return &out, nil
}

// referralView is a referral's page: the agency gets outcomes, the centre
// decisions (each absent for the other).
type referralView struct {
	referralSummary
	Steps     []referralStep        `json:"steps"`
	Timeline  []referralEvent       `json:"timeline"`
	Outcomes  *[]referralOutcome    `json:"outcomes,omitempty"`
	Decisions *[]activationDecision `json:"decisions,omitempty"`
	Tasks     []taskDTO             `json:"tasks"`
}

type referralStep struct {
	StepID     string          `json:"step_id"`
	Kind       string          `json:"kind"`
	OccurredAt time.Time       `json:"occurred_at"`
	ReceivedAt time.Time       `json:"received_at"`
	Sender     string          `json:"sender"`
	Body       json.RawMessage `json:"body"`
}

type referralEvent struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	By        string    `json:"by"`
	Summary   string    `json:"summary"`
	Delivery  string    `json:"delivery"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
}

type referralOutcome struct {
	Number        string `json:"number"`
	Measure       string `json:"measure"`
	EffectiveFrom string `json:"effective_from"`
}

type activationDecision struct {
	ID            string               `json:"id"`
	Number        string               `json:"number"`
	Measure       string               `json:"measure"`
	Percent       int                  `json:"percent"`
	Deduction     string               `json:"deduction"`
	EffectiveFrom string               `json:"effective_from"`
	Reasoning     string               `json:"reasoning"`
	Lines         []domain.PaymentLine `json:"lines"`
	PreparedBy    string               `json:"prepared_by"`
	ApprovedBy    string               `json:"approved_by"`
	IssuedAt      time.Time            `json:"issued_at"`
	DocumentURL   string               `json:"document_url"`
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
func (h *handler) reportStep(c *gin.Context) (*stepReceived, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	r, err := h.loadReferral(c, "report")
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return nil, domain.FieldError("body", "unreadable: %v", err)
	}
	if err := activation.Schemas.Validate("step", raw); err != nil {
		return nil, err
	}
	var m agencyStep
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, domain.FieldError("body", "%v", err)
	}
	if key := c.GetHeader("Idempotency-Key"); key != "" && key != m.StepID {
		return nil, domain.FieldError("Idempotency-Key", "is the step id (%q), not %q", m.StepID, key)
	}
	if m.OccurredAt.After(time.Now().Add(time.Hour)) {
		return nil, domain.FieldError("occurred_at", "%s is in the future", m.OccurredAt.Format(time.RFC3339))
	}
	step, created, err := h.db.RecordReferralStep(ctx, r.ID, store.ReferralStep{StepID: m.StepID, Kind: m.Kind, OccurredAt: m.OccurredAt,
		Sender: u.Username, Body: raw})
	if err != nil {
		return nil, err
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
			return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "step %s is recorded but the workflow service is unavailable: send it again", m.StepID), err)
		}
		h.log.Warn("agency step not signalled", "referral", r.ID, "step_id", m.StepID, "error", err)
	}
	return &stepReceived{accepted: accepted{started: created}, ReferralID: r.ID, StepID: step.StepID, Kind: step.Kind, ReceivedAt: step.ReceivedAt,
		Duplicate: !created}, nil
}

// stepReceived answers an agency step: 202 the first time, 200 for a repeat.
type stepReceived struct {
	accepted
	ReferralID string    `json:"referral_id"`
	StepID     string    `json:"step_id"`
	Kind       string    `json:"kind"`
	ReceivedAt time.Time `json:"received_at"`
	Duplicate  bool      `json:"duplicate"`
}

// activationDecisionDocument is a decision's PDF: it writes the file itself
// (see stream).
func (h *handler) activationDecisionDocument(c *gin.Context) error {
	ctx := c.Request.Context()
	d, centre, err := h.db.ActivationDecisionByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if err := h.allow(c, "activation_decision", "read", centre); err != nil { // the agency gets the outcome, not the decision
		return err
	}
	if d.DocumentKey == "" {
		return domain.Errorf(domain.CodeConflict, "decision %s has no document", d.Number)
	}
	r, err := h.db.ReferralByID(ctx, d.ReferralID)
	if err != nil {
		return err
	}
	auditPersons(c, r.PersonID)
	b, err := h.objects.Get(ctx, d.DocumentKey)
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	c.Header("X-Content-SHA256", d.DocumentSHA256)
	c.Data(http.StatusOK, "application/pdf", b)
	return nil
}
