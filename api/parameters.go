package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// Published values of the law's parameters (issue 16): a ministry officer
// proposes a dated value with its legal reference, another approves it,
// and the approval starts the reassessment of every right it affects.
// A value may be dated before a month already paid: the approval always
// re-rates from its day, and the next payroll pays the difference for the
// months paid at the old amount (docs/procedures.md).

// lawParams are the embedded parameter files: the names a value may be
// published for, with their units.
var lawParams = benefits.MustLoadParams()

type proposeParameterRequest struct {
	Name      string          `json:"name"`
	ValidFrom string          `json:"valid_from"`
	Value     json.RawMessage `json:"value"`
	LegalRef  string          `json:"legal_ref"`
}

type parameterValueView struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	ValidFrom      string     `json:"valid_from"`
	Value          string     `json:"value"`
	LegalRef       string     `json:"legal_ref"`
	State          string     `json:"state"`
	ProposedBy     string     `json:"proposed_by"`
	ApprovedBy     string     `json:"approved_by,omitempty"`
	ProposedAt     time.Time  `json:"proposed_at"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	ReassessmentID int64      `json:"reassessment_id,omitempty"`
	Benefits       []string   `json:"benefits"`
}

func parameterView(v store.ParameterValue) parameterValueView {
	out := parameterValueView{ID: v.ID, Name: v.Name, ValidFrom: v.ValidFrom.Format(time.DateOnly), Value: v.Value.String(), LegalRef: v.LegalRef,
		State: v.State, ProposedBy: v.ProposedBy, ApprovedBy: v.ApprovedBy, ProposedAt: v.ProposedAt, DecidedAt: v.DecidedAt,
		ReassessmentID: v.ReassessmentID, Benefits: []string{}}
	for _, c := range benefits.Affects(v.Name) {
		out.Benefits = append(out.Benefits, string(c))
	}
	return out
}

// proposeParameter records a proposed value: 201. 400 for an unknown
// parameter, no legal reference, a value or date that is not one.
func (h *handler) proposeParameter(c *gin.Context) (*parameterValueView, error) {
	var req proposeParameterRequest
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	from, err := time.Parse(time.DateOnly, req.ValidFrom)
	if err != nil {
		return nil, domain.FieldError("valid_from", "%q is not a date (YYYY-MM-DD)", printable(req.ValidFrom, 40))
	}
	raw := string(bytes.Trim(bytes.TrimSpace(req.Value), `"`))
	value, err := decimal.NewFromString(raw)
	if err != nil || len(req.Value) == 0 || strings.ContainsAny(raw, "eE") {
		return nil, domain.FieldError("value", "%q is not a decimal amount (e.g. \"87.91\")", printable(raw, 40))
	}
	d := benefits.Dated{From: from, Value: value, Ref: strings.TrimSpace(req.LegalRef)}
	if err := lawParams.Check(req.Name, d); err != nil {
		return nil, err
	}
	v, err := h.db.ProposeParameterValue(c.Request.Context(), store.ParameterValue{Name: req.Name, ValidFrom: from, Value: value,
		LegalRef: d.Ref, ProposedBy: userOf(c).Username})
	if err != nil {
		return nil, err
	}
	view := parameterView(v)
	return &view, nil
}

type knownParameter struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Unit        string   `json:"unit"`
	Benefits    []string `json:"benefits"`
}

type parameterList struct {
	Values     []parameterValueView `json:"values"`
	Parameters []knownParameter     `json:"parameters"`
}

// listParameters lists the published values, newest first, with their
// state (?state=proposed|approved|rejected), and the parameters a value
// may be published for.
func (h *handler) listParameters(c *gin.Context) (*parameterList, error) {
	state := c.Query("state")
	switch state {
	case "", "proposed", "approved", "rejected":
	default:
		return nil, domain.FieldError("state", "%q is not a state (proposed, approved, rejected)", printable(state, 20))
	}
	vs, err := h.db.ParameterValues(c.Request.Context(), state)
	if err != nil {
		return nil, err
	}
	out := &parameterList{Values: []parameterValueView{}, Parameters: []knownParameter{}}
	for _, v := range vs {
		out.Values = append(out.Values, parameterView(v))
	}
	for _, n := range lawParams.Names() {
		p, _ := lawParams.Parameter(n)
		k := knownParameter{Name: n, Description: p.Description, Unit: p.Unit, Benefits: []string{}}
		for _, b := range benefits.Affects(n) {
			k.Benefits = append(k.Benefits, string(b))
		}
		out.Parameters = append(out.Parameters, k)
	}
	return out, nil
}

type approvedParameter struct {
	accepted
	Value        parameterValueView `json:"value"`
	Reassessment string             `json:"reassessment"` // its URL
}

// approveParameter approves a proposed value, as a ministry officer other
// than its author, and starts the reassessment: 202. 403 for the author,
// 409 for a value that is not proposed. A value approved whose
// reassessment never started (Temporal was down) is started again.
func (h *handler) approveParameter(c *gin.Context) (*approvedParameter, error) {
	ctx := c.Request.Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound("no parameter value " + printable(c.Param("id"), 40))
	}
	by := userOf(c).Username
	var affected []string
	if v, err := h.db.ParameterValueByID(ctx, id); err == nil {
		for _, b := range benefits.Affects(v.Name) {
			affected = append(affected, string(b))
		}
	}
	v, r, err := h.db.ApproveParameterValue(ctx, id, by, affected)
	if domain.ErrorCode(err) == domain.CodeConflict {
		if v, r, err = h.pendingReassessment(c, id, by, err); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if _, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ReassessmentID(r.ID), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.NameReassessment, workflows.ReassessmentInput{ReassessmentID: r.ID}); err != nil {
		return nil, unavailable(err)
	}
	if err := h.db.MarkReassessmentStarted(ctx, r.ID); err != nil {
		return nil, err
	}
	return &approvedParameter{accepted: accepted{started: true}, Value: parameterView(v), Reassessment: "/api/v1/reassessments/" + strconv.FormatInt(r.ID, 10)}, nil
}

// pendingReassessment is the approved value whose reassessment has not
// started yet, for anyone but its author; else the conflict stands.
func (h *handler) pendingReassessment(c *gin.Context, id int64, by string, conflict error) (store.ParameterValue, store.Reassessment, error) {
	ctx := c.Request.Context()
	v, err := h.db.ParameterValueByID(ctx, id)
	if err != nil || v.State != "approved" || v.ProposedBy == by {
		return store.ParameterValue{}, store.Reassessment{}, conflict
	}
	r, err := h.db.ReassessmentByID(ctx, v.ReassessmentID)
	if err != nil || r.State != "pending" {
		return store.ParameterValue{}, store.Reassessment{}, conflict
	}
	return v, r, nil
}

type reassessmentView struct {
	ID               int64          `json:"id"`
	ParameterValueID int64          `json:"parameter_value_id"`
	Parameter        string         `json:"parameter"`
	LegalRef         string         `json:"legal_ref"`
	Benefits         []string       `json:"benefits"`
	EffectiveFrom    string         `json:"effective_from"`
	State            string         `json:"state"`
	Chunks           int            `json:"chunks"`
	Rights           int            `json:"rights"`
	Rerated          int            `json:"rerated"`
	Unchanged        int            `json:"unchanged"`
	NoBasis          int            `json:"no_basis"`
	NotRated         int            `json:"not_rated"`
	StartedBy        string         `json:"started_by"`
	StartedAt        *time.Time     `json:"started_at,omitempty"`
	FinishedAt       *time.Time     `json:"finished_at,omitempty"`
	Unrated          []unratedRight `json:"unrated"`
}

type unratedRight struct {
	EntitlementID string `json:"entitlement_id"`
	Reason        string `json:"reason"`
}

// getReassessment shows a reassessment's progress, as its committed
// chunks made it, and the first 100 rights it did not re-rate.
func (h *handler) getReassessment(c *gin.Context) (*reassessmentView, error) {
	ctx := c.Request.Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, notFound("no reassessment " + printable(c.Param("id"), 40))
	}
	r, err := h.db.ReassessmentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	un, err := h.db.UnratedOf(ctx, id, 100)
	if err != nil {
		return nil, err
	}
	out := &reassessmentView{ID: r.ID, ParameterValueID: r.ParameterValueID, Parameter: r.Parameter, LegalRef: r.LegalRef, Benefits: r.Benefits,
		EffectiveFrom: r.EffectiveFrom.Format(time.DateOnly), State: r.State, Chunks: r.Chunks, Rights: r.Rights, Rerated: r.Rerated,
		Unchanged: r.Unchanged, NoBasis: r.NoBasis, NotRated: r.NotRated, StartedBy: r.StartedBy, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
		Unrated: []unratedRight{}}
	for _, u := range un {
		out.Unrated = append(out.Unrated, unratedRight(u))
	}
	if out.Benefits == nil {
		out.Benefits = []string{}
	}
	return out, nil
}
