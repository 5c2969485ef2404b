package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// decisionView is a decision with its delivery, finality and appeal.
type decisionView struct {
	ID             string       `json:"id"`
	Kind           string       `json:"kind"` // claim or activation
	Number         string       `json:"number"`
	Outcome        string       `json:"outcome"`
	CentreID       string       `json:"centre_id"`
	EntitlementID  string       `json:"entitlement_id,omitempty"`
	IssuedAt       time.Time    `json:"issued_at"`
	DeliveredOn    string       `json:"delivered_on,omitempty"`
	AppealDeadline string       `json:"appeal_deadline,omitempty"`
	FinalOn        string       `json:"final_on,omitempty"`
	Finality       string       `json:"finality"` // not_delivered, appealable, final, under_appeal, annulled
	SanctionFrom   string       `json:"sanction_from,omitempty"`
	Appeals        []appealView `json:"appeals"`
}

type appealView struct {
	ID          string             `json:"id"`
	DecisionID  string             `json:"decision_id"`
	FiledOn     string             `json:"filed_on"`
	FiledBy     string             `json:"filed_by"`
	State       string             `json:"state"`
	ForwardedAt *time.Time         `json:"forwarded_at,omitempty"`
	DecidedAt   *time.Time         `json:"decided_at,omitempty"`
	Outcome     *appealOutcomeView `json:"outcome,omitempty"`
	Tasks       string             `json:"tasks_url"`
}

type appealOutcomeView struct {
	DecisionID    string `json:"decision_id"`
	Number        string `json:"number"`
	Instance      string `json:"instance"`
	Outcome       string `json:"outcome"`
	Amount        string `json:"amount,omitempty"`
	EffectiveFrom string `json:"effective_from,omitempty"`
	DocumentURL   string `json:"document_url"`
}

func toAppealView(a store.Appeal) appealView {
	v := appealView{ID: a.ID, DecisionID: a.DecisionID, FiledOn: a.FiledOn.Format(time.DateOnly), FiledBy: a.FiledBy, State: string(a.State),
		ForwardedAt: a.ForwardedAt, DecidedAt: a.DecidedAt, Tasks: "/api/v1/tasks?type=appeal"}
	if o := a.Outcome; o != nil {
		ov := &appealOutcomeView{DecisionID: o.ID, Number: o.Number, Instance: o.Instance, Outcome: o.Outcome,
			DocumentURL: "/api/v1/appeal-decisions/" + o.ID + "/document"}
		if o.Outcome == domain.OutcomeChange {
			ov.Amount = o.Amount.StringFixed(2)
		}
		if o.EffectiveFrom != nil {
			ov.EffectiveFrom = o.EffectiveFrom.Format(time.DateOnly)
		}
		v.Outcome = ov
	}
	return v
}

// finality says where a decision stands: not delivered; delivered and
// open to appeal until its deadline; final (the day after the deadline
// without an appeal, or the day its appeal was upheld or changed);
// under appeal; annulled on appeal.
func finality(d store.DecisionRef, appeal *store.Appeal, today time.Time) (status string, finalOn *time.Time) {
	if appeal != nil {
		switch appeal.State {
		case domain.AppealAnnulled:
			return "annulled", nil
		case domain.AppealUpheld, domain.AppealChanged:
			day := domain.CalendarDay(*appeal.DecidedAt)
			return "final", &day
		}
		return "under_appeal", nil
	}
	if d.DeliveredOn == nil {
		return "not_delivered", nil
	}
	f := domain.FinalOn(*d.DeliveredOn)
	if domain.CalendarDay(today).Before(f) {
		return "appealable", &f
	}
	return "final", &f
}

func (h *handler) toDecisionView(c *gin.Context, d store.DecisionRef) (decisionView, error) {
	v := decisionView{ID: d.ID, Kind: d.Kind, Number: d.Number, Outcome: d.Outcome, CentreID: d.CentreID, EntitlementID: d.EntitlementID,
		IssuedAt: d.IssuedAt, Appeals: []appealView{}}
	var appeal *store.Appeal
	a, err := h.db.AppealOfDecision(c.Request.Context(), d.ID)
	switch {
	case err == nil:
		appeal = &a
		v.Appeals = append(v.Appeals, toAppealView(a))
	case domain.ErrorCode(err) != domain.CodeNotFound:
		return v, err
	}
	if d.DeliveredOn != nil {
		v.DeliveredOn = d.DeliveredOn.Format(time.DateOnly)
		v.AppealDeadline = d.Deadline().Format(time.DateOnly)
	}
	var final *time.Time
	v.Finality, final = finality(d, appeal, time.Now())
	if final != nil {
		v.FinalOn = final.Format(time.DateOnly)
	}
	if d.AppliedFrom != nil {
		v.SanctionFrom = d.AppliedFrom.Format(time.DateOnly)
	}
	return v, nil
}

// loadDecision finds a decision of either kind and authorises resource
// and action on it: the decision's centre, or "self" for a citizen whose
// decision it is.
func (h *handler) loadDecision(c *gin.Context, resource, action string) (store.DecisionRef, error) {
	ctx := c.Request.Context()
	d, err := h.db.DecisionRefByID(ctx, c.Param("id"))
	if err != nil {
		return d, err
	}
	auditPersons(c, d.PersonID)
	return d, h.allow(c, resource, action, h.targetOfPerson(c, d.PersonID, d.CentreID))
}

// targetOfPerson is the policy target of a record of person kept by
// centre: "self" for the citizen it is.
func (h *handler) targetOfPerson(c *gin.Context, person domain.PersonID, centre string) string {
	if u := userOf(c); u.Role == domain.RoleCitizen {
		if p, err := h.db.PersonByID(c.Request.Context(), person); err == nil {
			return targetOf(u, p)
		}
	}
	return centre
}

// decisionAppeals is the decision view: delivery, the appeal deadline,
// finality and the appeal with its outcome.
func (h *handler) decisionAppeals(c *gin.Context) (*decisionView, error) {
	d, err := h.loadDecision(c, "appeal", "read")
	if err != nil {
		return nil, err
	}
	v, err := h.toDecisionView(c, d)
	return &v, err
}

// recordDelivery records the day the person received the decision (the
// return receipt); from it run the 15 days for an appeal. A sanction's
// finality is then waited for by a workflow that applies it once final.
func (h *handler) recordDelivery(c *gin.Context) (*decisionView, error) {
	var req struct {
		DeliveredOn string `json:"delivered_on"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	on, err := time.Parse(time.DateOnly, req.DeliveredOn)
	if err != nil {
		return nil, domain.FieldError("delivered_on", "the day the person received the decision (YYYY-MM-DD), not %q", req.DeliveredOn)
	}
	if _, err := h.loadDecision(c, "decision", "deliver"); err != nil {
		return nil, err
	}
	d, err := h.db.RecordDelivery(c.Request.Context(), c.Param("id"), on, time.Now(), userOf(c).Username)
	if err != nil {
		return nil, err
	}
	if d.Kind == store.DecisionOfActivation {
		_, err := h.tc.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{ID: workflows.FinalityWorkflowID(d.ID),
			TaskQueue: workflows.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
			workflows.NameFinality, workflows.FinalityInput{DecisionID: d.ID, FinalOn: domain.FinalOn(*d.DeliveredOn)})
		if err != nil {
			return nil, errors.Join(domain.Errorf(domain.CodeUnavailable,
				"the delivery is recorded, but the workflow service is unavailable: record it again to have the sanction applied once final"), err)
		}
	}
	v, err := h.toDecisionView(c, d)
	return &v, err
}

// filedAppeal is a new appeal: 202, its workflow took it.
type filedAppeal struct {
	appealView
}

// fileAppeal records an appeal against a decision, filed on the day the
// centre received it (a caseworker for the person, or the citizen for
// their own decision, filed today), within 15 days of delivery, and starts
// its workflow: 202. Late: 409 naming the deadline; already appealed: 409.
func (h *handler) fileAppeal(c *gin.Context) (*filedAppeal, error) {
	var req struct {
		FiledOn string `json:"filed_on"`
		Grounds string `json:"grounds"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	u := userOf(c)
	var problems []error
	on := time.Now()
	if req.FiledOn != "" || u.Role != domain.RoleCitizen {
		var err error
		if on, err = time.Parse(time.DateOnly, req.FiledOn); err != nil {
			problems = append(problems, domain.FieldError("filed_on", "the day the centre received the appeal (YYYY-MM-DD), not %q", req.FiledOn))
		}
	}
	if len(strings.TrimSpace(req.Grounds)) < 3 {
		problems = append(problems, domain.FieldError("grounds", "say why the decision is wrong"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	d, err := h.loadDecision(c, "appeal", "create")
	if err != nil {
		return nil, err
	}
	a, err := h.db.FileAppeal(c.Request.Context(), d.ID, on, time.Now(), strings.TrimSpace(req.Grounds), u.Username)
	if domain.ErrorCode(err) == domain.CodeConflict {
		// A pending appeal whose workflow did not start (the service was
		// down): start it now; the answer stays the conflict.
		if prev, perr := h.db.AppealOfDecision(c.Request.Context(), d.ID); perr == nil && prev.State.Pending() {
			_ = h.startAppeal(c, d, prev)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := h.startAppeal(c, d, a); err != nil {
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable,
			"appeal %s is recorded, but the workflow service is unavailable: send the request again to start it", a.ID), err)
	}
	return &filedAppeal{toAppealView(a)}, nil
}

func (h *handler) startAppeal(c *gin.Context, d store.DecisionRef, a store.Appeal) error {
	_, err := h.tc.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{ID: workflows.AppealWorkflowID(a.ID),
		TaskQueue: workflows.TaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING},
		workflows.NameAppeal, workflows.AppealInput{AppealID: a.ID, DecisionID: d.ID, DecisionNumber: d.Number, CentreID: d.CentreID,
			PersonID: d.PersonID, Changeable: d.Kind == store.DecisionOfClaim && d.EntitlementID != "", RightFrom: d.PeriodFrom})
	return err
}

// appealDecisionDocument streams the PDF of an appeal's outcome.
func (h *handler) appealDecisionDocument(c *gin.Context) error {
	ctx := c.Request.Context()
	a, err := h.db.AppealDecisionByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	auditPersons(c, a.PersonID)
	if err := h.allow(c, "appeal", "read", h.targetOfPerson(c, a.PersonID, a.CentreID)); err != nil {
		return err
	}
	o := a.Outcome
	data, err := h.objects.Get(ctx, o.DocumentKey)
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != o.DocumentSHA256 {
		return fmt.Errorf("appeal decision %s document hash mismatch", o.ID)
	}
	c.Header("Content-Disposition", fmt.Sprintf("inline; filename=%q", strings.ReplaceAll(o.Number, "/", "-")+".pdf"))
	c.Header("X-Content-SHA256", o.DocumentSHA256)
	c.Data(http.StatusOK, "application/pdf", data)
	return nil
}
