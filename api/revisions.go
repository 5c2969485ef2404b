package api

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// The supervisor's board of revisions (GUESS: DOMAIN.md §4.4 leaves the
// review deadlines to the rulebook). A revision is due from revisionHorizon
// before its date to revisionGrace after it, overdue once the grace has
// passed and the right has not been revised (its next_revision unchanged).
const (
	revisionHorizon = 30 // days before the date: due soon
	revisionGrace   = 30 // days after the date: overdue after
)

type boardRevision struct {
	EntitlementID       string     `json:"entitlement_id"`
	Benefit             string     `json:"benefit"`
	BeneficiaryPersonID string     `json:"beneficiary_person_id"`
	BeneficiaryName     string     `json:"beneficiary_name"`
	Amount              string     `json:"amount"`
	NextRevision        string     `json:"next_revision"`
	Overdue             bool       `json:"overdue"`
	RevisionID          *string    `json:"revision_id"`
	Stage               *string    `json:"stage"`
	StartedAt           *time.Time `json:"started_at"`
}

type revisionBoard struct {
	State     string          `json:"state"`
	CentreID  string          `json:"centre_id"`
	Today     string          `json:"today"`
	Revisions []boardRevision `json:"revisions"`
}

// listRevisions is the board of the caller's centre: ?state=due (due
// within revisionHorizon days or since fewer than revisionGrace), overdue
// (due longer ago and not revised), or running (being revised).
func (h *handler) listRevisions(c *gin.Context) (*revisionBoard, error) {
	u := userOf(c)
	state := c.DefaultQuery("state", "due")
	now := time.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	f := store.RevisionBoardFilter{CentreID: u.CentreID}
	switch state {
	case "due":
		f.From, f.To = today.AddDate(0, 0, -revisionGrace), today.AddDate(0, 0, revisionHorizon)
	case "overdue":
		f.To = today.AddDate(0, 0, -revisionGrace)
	case "running":
		f.Running = true
	default:
		return nil, domain.FieldError("state", "%q is not one of due, overdue, running", state)
	}
	rows, err := h.db.RevisionBoard(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	out := &revisionBoard{State: state, CentreID: u.CentreID, Today: today.Format(time.DateOnly), Revisions: []boardRevision{}}
	for _, r := range rows {
		auditPersons(c, r.BeneficiaryID)
		b := boardRevision{EntitlementID: r.EntitlementID, Benefit: r.Benefit, BeneficiaryPersonID: string(r.BeneficiaryID),
			BeneficiaryName: r.BeneficiaryName, Amount: r.Amount.StringFixed(2), NextRevision: r.NextRevision.Format(time.DateOnly),
			Overdue: r.NextRevision.Before(today.AddDate(0, 0, -revisionGrace)), StartedAt: r.StartedAt}
		if r.RevisionID != "" {
			b.RevisionID, b.Stage = strPtr(r.RevisionID), strPtr(r.Stage)
		}
		out.Revisions = append(out.Revisions, b)
	}
	return out, nil
}

// loadRight reads the route's right, names its holder for the audit and
// asks the policy for action on a revision of it (404 unknown, 403 another
// centre's); the error of an ended right comes back beside it.
func (h *handler) loadRight(c *gin.Context, action string) (store.RightToRevise, error, error) {
	r, err := h.db.RightToRevise(c.Request.Context(), c.Param("id"))
	if err != nil && domain.ErrorCode(err) != domain.CodeConflict {
		return r, nil, err
	}
	auditPersons(c, r.BeneficiaryID)
	if aerr := h.allow(c, "revision", action, r.CentreID); aerr != nil {
		return r, nil, aerr
	}
	return r, err, nil
}

type revisionDecision struct {
	ID          string `json:"id"`
	DocumentURL string `json:"document_url"`
}

type revisionView struct {
	ID            string            `json:"id"`
	Trigger       string            `json:"trigger"`
	Ref           string            `json:"ref"`
	Due           string            `json:"due"`
	State         string            `json:"state"`
	Stage         string            `json:"stage"`
	Proposal      string            `json:"proposal"`
	AmountBefore  *string           `json:"amount_before"`
	AmountAfter   *string           `json:"amount_after"`
	Period        *string           `json:"period"`
	Eligible      *bool             `json:"eligible"`
	Reasons       []string          `json:"reasons"`
	Lines         json.RawMessage   `json:"lines"`
	FailedSources []string          `json:"failed_sources"`
	EffectiveFrom *string           `json:"effective_from"`
	Decision      *revisionDecision `json:"decision"`
	NextRevision  *string           `json:"next_revision"`
	StartedBy     string            `json:"started_by"`
	PreparedBy    string            `json:"prepared_by"`
	ApprovedBy    string            `json:"approved_by"`
	StartedAt     time.Time         `json:"started_at"`
	CompletedAt   *time.Time        `json:"completed_at"`
}

type rightRevisions struct {
	EntitlementID string         `json:"entitlement_id"`
	Benefit       string         `json:"benefit"`
	State         string         `json:"state"`
	Amount        string         `json:"amount"`
	NextRevision  *string        `json:"next_revision"`
	Revisions     []revisionView `json:"revisions"`
}

func datePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	return strPtr(t.Format(time.DateOnly))
}

func toRevisionView(r store.Revision) revisionView {
	v := revisionView{ID: r.ID, Trigger: r.Trigger, Ref: r.Ref, Due: r.Due.Format(time.DateOnly), State: r.State, Stage: r.Stage,
		Proposal: r.Proposal, Period: datePtr(r.Period), Eligible: r.Eligible, Reasons: r.Reasons, Lines: r.Lines,
		FailedSources: r.FailedSources, EffectiveFrom: datePtr(r.EffectiveFrom), NextRevision: datePtr(r.NextRevision),
		StartedBy: r.StartedBy, PreparedBy: r.PreparedBy, ApprovedBy: r.ApprovedBy, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt}
	if r.AmountBefore.Valid {
		v.AmountBefore = strPtr(r.AmountBefore.Decimal.StringFixed(2))
	}
	if r.AmountAfter.Valid {
		v.AmountAfter = strPtr(r.AmountAfter.Decimal.StringFixed(2))
	}
	if r.DecisionID != "" {
		v.Decision = &revisionDecision{ID: r.DecisionID, DocumentURL: "/api/v1/decisions/" + r.DecisionID + "/document"}
	}
	if v.Reasons == nil {
		v.Reasons = []string{}
	}
	if v.FailedSources == nil {
		v.FailedSources = []string{}
	}
	if len(v.Lines) == 0 {
		v.Lines = json.RawMessage("[]")
	}
	return v
}

// getRevisions lists a right's revisions, the latest first, each with its
// proposal and explanation lines, its decision and the next date.
func (h *handler) getRevisions(c *gin.Context) (*rightRevisions, error) {
	r, _, err := h.loadRight(c, "read")
	if err != nil {
		return nil, err
	}
	rs, err := h.db.RevisionsOf(c.Request.Context(), r.ID)
	if err != nil {
		return nil, err
	}
	out := &rightRevisions{EntitlementID: r.ID, Benefit: r.Benefit, State: r.State, Amount: r.Amount.StringFixed(2),
		NextRevision: datePtr(r.NextRevision), Revisions: []revisionView{}}
	for _, x := range rs {
		out.Revisions = append(out.Revisions, toRevisionView(x))
	}
	return out, nil
}

type revisionStarted struct {
	accepted
	ID            string `json:"id"`
	EntitlementID string `json:"entitlement_id"`
	Due           string `json:"due"`
}

// startRevision starts a revision of a right by hand, dated today: 202
// with the workflow id; 404 for an unknown right, 409 with the reason for
// an ended right, one being revised, or one revised by hand today already.
func (h *handler) startRevision(c *gin.Context) (*revisionStarted, error) {
	ctx := c.Request.Context()
	r, refused, err := h.loadRight(c, "create")
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	in := workflows.RevisionInput{EntitlementID: r.ID, Due: time.Now().UTC().Format(time.DateOnly), Trigger: workflows.RevisionManual,
		StartedBy: userOf(c).Username}
	if r.Running != "" && r.Running != workflows.RevisionID(in) {
		return nil, domain.Errorf(domain.CodeConflict, "the right %s is being revised by %s", r.ID, r.Running)
	}
	id, err := workflows.StartRevision(ctx, h.tc, in)
	var done *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &done) {
		return nil, domain.Errorf(domain.CodeConflict, "the right %s was revised today already (%s)", r.ID, id)
	}
	if err != nil {
		return nil, unavailable(err)
	}
	return &revisionStarted{accepted: accepted{started: true}, ID: id, EntitlementID: r.ID, Due: in.Due}, nil
}
