package api

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/cases"
	"github.com/karton-social/karton/domain/institutions"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// Placements (issue 22 item 2): a centre's case manager proposes a
// placement from a case (a procedure with an institution_placement
// decision: P03, P22), refers it to a free bed, the institution answers,
// the centre decides (the co-payment explained), the institution admits,
// the centre reviews, and either side discharges or transfers. Every step
// goes through the Placement workflow (an update carrying ids; what a
// person typed is staged in PostgreSQL first). The centre sees its
// placements; an institution's staff see those referred to or held in
// their institution, and of the person only the name, birth date, sex and
// the needs the centre wrote: not the e-file, benefits or DV.

type placementPersonView struct {
	ID        domain.PersonID `json:"id"`
	Name      string          `json:"name"`
	BirthDate string          `json:"birth_date"`
	Sex       domain.Sex      `json:"sex"`
}

type placementReferralView struct {
	InstitutionID   string `json:"institution_id"`
	InstitutionName string `json:"institution_name"`
	BedID           int64  `json:"bed_id"`
	ReferredBy      string `json:"referred_by"`
	ReferredAt      string `json:"referred_at"`
	Answer          string `json:"answer"`
	Reason          string `json:"reason,omitempty"`
	AnsweredBy      string `json:"answered_by,omitempty"`
}

type placementReviewView struct {
	Day     string `json:"day"`
	By      string `json:"by"`
	Notes   string `json:"notes"`
	Outcome string `json:"outcome"`
}

type placementDraftView struct {
	MonthlyCost string              `json:"monthly_cost"`
	BudgetLine  string              `json:"budget_line"`
	Resident    string              `json:"resident"`
	Relatives   string              `json:"relatives"`
	State       string              `json:"state"`
	Lines       []institutions.Line `json:"lines"`
	Reasoning   string              `json:"reasoning,omitempty"`
	DraftedBy   string              `json:"drafted_by"`
}

type placementView struct {
	ID              int64                   `json:"id"`
	CaseNumber      string                  `json:"case_number,omitempty"`
	Person          placementPersonView     `json:"person"`
	CentreID        string                  `json:"centre_id"`
	CentreName      string                  `json:"centre_name"`
	State           string                  `json:"state"`
	Needs           string                  `json:"needs"`
	CareLevel       int                     `json:"care_level"`
	InstitutionID   string                  `json:"institution_id,omitempty"`
	InstitutionName string                  `json:"institution_name,omitempty"`
	BedID           int64                   `json:"bed_id,omitempty"`
	Unit            string                  `json:"unit,omitempty"`
	Room            string                  `json:"room,omitempty"`
	Bed             string                  `json:"bed,omitempty"`
	BedKind         string                  `json:"bed_kind,omitempty"`
	MonthlyCost     string                  `json:"monthly_cost,omitempty"`
	CoPayment       string                  `json:"copayment,omitempty"`
	BudgetLine      string                  `json:"budget_line,omitempty"`
	DecidedOn       string                  `json:"decided_on,omitempty"`
	Decision        *placementDraftView     `json:"decision,omitempty"`
	ApprovedBy      string                  `json:"approved_by,omitempty"`
	HasDocument     bool                    `json:"has_document"`
	AdmittedOn      string                  `json:"admitted_on,omitempty"`
	EndedOn         string                  `json:"ended_on,omitempty"`
	EndReason       string                  `json:"end_reason,omitempty"`
	TransferredTo   int64                   `json:"transferred_to,omitempty"`
	Referrals       []placementReferralView `json:"referrals"`
	Reviews         []placementReviewView   `json:"reviews"`
}

type placementList struct {
	Placements []placementSummaryView `json:"placements"`
}

type placementSummaryView struct {
	ID              int64               `json:"id"`
	CaseNumber      string              `json:"case_number,omitempty"`
	Person          placementPersonView `json:"person"`
	CentreID        string              `json:"centre_id"`
	CentreName      string              `json:"centre_name"`
	InstitutionID   string              `json:"institution_id,omitempty"`
	InstitutionName string              `json:"institution_name,omitempty"`
	State           string              `json:"state"`
}

func dayOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func centreName(id string) string {
	if ce, ok := domain.CentreByID(id); ok {
		return ce.Name
	}
	return id
}

// PlacementView is a placement as the API answers it to u: an
// institution's staff see no case number, no co-payment lines (the
// family's incomes), and only their own institution's referrals.
func PlacementView(f store.PlacementFile, u domain.User) placementView {
	inst := u.Role.Institution()
	v := placementView{ID: f.ID, Person: placementPersonView{ID: f.PersonID, Name: f.PersonName, BirthDate: f.BirthDate.Format(time.DateOnly), Sex: f.Sex},
		CentreID: f.CentreID, CentreName: centreName(f.CentreID), State: f.State, Needs: f.Needs, CareLevel: f.CareLevel,
		InstitutionID: f.InstitutionID, InstitutionName: f.InstitutionName, BedID: f.BedID, Unit: f.UnitName, Room: f.RoomName, Bed: f.BedLabel,
		BedKind: string(f.BedKind), BudgetLine: f.BudgetLine, DecidedOn: dayOf(f.DecidedOn), ApprovedBy: f.ApprovedBy,
		HasDocument: f.DecisionKey != "", AdmittedOn: dayOf(f.AdmittedOn), EndedOn: dayOf(f.EndedOn), EndReason: f.EndReason,
		TransferredTo: f.TransferredTo, Referrals: []placementReferralView{}, Reviews: []placementReviewView{}}
	if f.MonthlyCost != nil {
		v.MonthlyCost = f.MonthlyCost.StringFixed(2)
	}
	if f.CoPayment != nil {
		v.CoPayment = f.CoPayment.StringFixed(2)
	}
	if !inst {
		v.CaseNumber = f.CaseNumber
		if d := f.Draft; d != nil {
			v.Decision = &placementDraftView{MonthlyCost: d.MonthlyCost.StringFixed(2), BudgetLine: d.BudgetLine, Resident: d.CoPayment.Resident.StringFixed(2),
				Relatives: d.CoPayment.Relatives.StringFixed(2), State: d.CoPayment.State.StringFixed(2), Lines: d.CoPayment.Lines,
				Reasoning: d.Reasoning, DraftedBy: f.DraftedBy}
		}
	}
	for _, r := range f.Referrals {
		if inst && r.InstitutionID != u.InstitutionID {
			continue
		}
		v.Referrals = append(v.Referrals, placementReferralView{InstitutionID: r.InstitutionID, InstitutionName: r.Institution, BedID: r.BedID,
			ReferredBy: r.ReferredBy, ReferredAt: r.ReferredAt.Format(time.RFC3339), Answer: r.Answer, Reason: r.Reason, AnsweredBy: r.AnsweredBy})
	}
	for _, r := range f.Reviews {
		v.Reviews = append(v.Reviews, placementReviewView{Day: r.Day.Format(time.DateOnly), By: r.By, Notes: r.Notes, Outcome: r.Outcome})
	}
	return v
}

type placementProposalBody struct {
	CaseNumber string          `json:"case_number"`
	PersonID   domain.PersonID `json:"person_id"`
	Needs      string          `json:"needs"`
	CareLevel  int             `json:"care_level"`
}

// mayPlace reports whether a procedure's cases may decide a placement in
// an institution.
func mayPlace(procedure string, version int) bool {
	d, err := cases.Procedures.Get(procedure, version)
	if err != nil {
		return false
	}
	for _, k := range d.Decisions {
		if k.Code == "institution_placement" {
			return true
		}
	}
	return false
}

// createPlacement answers POST /api/v1/placements: the proposal from a
// case of the caller's centre naming the person, its workflow started.
func (h *handler) createPlacement(c *gin.Context) (*placementView, error) {
	u := userOf(c)
	var b placementProposalBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	auditPersons(c, b.PersonID)
	var problems []*domain.Error
	if b.CaseNumber == "" {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "case_number", Message: "is required"})
	}
	if b.PersonID == "" {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "person_id", Message: "is required"})
	}
	if b.CareLevel != 0 && !institutions.ValidCareLevel(b.CareLevel) {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "care_level", Message: "must be 1, 2 or 3 (or 0: not said)"})
	}
	if len(strings.TrimSpace(b.Needs)) > 2000 {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "needs", Message: "is longer than 2000 characters"})
	}
	if err := placementProblems(problems); err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	cs, err := h.db.CaseByNumber(ctx, b.CaseNumber)
	if err != nil || cs.CentreID != u.CentreID || cs.DV {
		return nil, &domain.Error{Code: domain.CodeNotFound, Field: "case_number", Message: "case " + printable(b.CaseNumber, 40) + " not found"}
	}
	if !mayPlace(cs.Procedure, cs.Version) {
		return nil, &domain.Error{Code: domain.CodeInvalid, Field: "case_number",
			Message: "case " + cs.Number + " is of procedure " + cs.Procedure + ", which decides no placement in an institution"}
	}
	if h.tc == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "the workflow service is not configured")
	}
	id, err := h.db.ProposePlacement(ctx, store.PlacementProposal{CaseNumber: cs.Number, PersonID: b.PersonID, CentreID: u.CentreID,
		Needs: strings.TrimSpace(b.Needs), CareLevel: b.CareLevel, By: u.Username}, h.now())
	if err != nil {
		return nil, err
	}
	if _, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.PlacementID(id), TaskQueue: workflows.TaskQueue},
		workflows.NamePlacement, workflows.PlacementInput{PlacementID: id, CentreID: u.CentreID, PersonID: b.PersonID, Steps: 1}); err != nil {
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "placement %d is proposed but its workflow did not start; try again later", id), err)
	}
	return h.placementAnswer(c, id)
}

func placementProblems(problems []*domain.Error) error {
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return problems[0]
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Field + ": " + p.Message
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: strings.Join(msgs, "; "), Fields: problems}
}

// listPlacements answers GET /api/v1/placements: the centre's (optionally
// of ?case=) or the institution's, ?state= narrowing.
func (h *handler) listPlacements(c *gin.Context) (*placementList, error) {
	u := userOf(c)
	f := store.PlacementFilter{State: c.Query("state")}
	if u.Role.Institution() {
		f.InstitutionID = u.InstitutionID
	} else {
		f.CentreID, f.CaseNumber = u.CentreID, c.Query("case")
	}
	if f.InstitutionID == "" && f.CentreID == "" {
		return &placementList{Placements: []placementSummaryView{}}, nil
	}
	list, err := h.db.Placements(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	out := &placementList{Placements: []placementSummaryView{}}
	for _, s := range list {
		auditPersons(c, s.PersonID)
		v := placementSummaryView{ID: s.ID, Person: placementPersonView{ID: s.PersonID, Name: s.PersonName, BirthDate: s.BirthDate.Format(time.DateOnly), Sex: s.Sex},
			CentreID: s.CentreID, CentreName: centreName(s.CentreID), InstitutionID: s.InstitutionID, InstitutionName: s.InstitutionName, State: s.State}
		if !u.Role.Institution() {
			v.CaseNumber = s.CaseNumber
		}
		out.Placements = append(out.Placements, v)
	}
	return out, nil
}

// placementOf loads placement :id for action: a centre's staff act on
// their centre's, an institution's on those referred to it now; anyone
// else's is not found.
func (h *handler) placementOf(c *gin.Context, action string) (store.PlacementFile, error) {
	u := userOf(c)
	id, err := positiveID(c, "id", "placement")
	if err != nil {
		return store.PlacementFile{}, err
	}
	f, err := h.db.PlacementFileOf(c.Request.Context(), id)
	if err != nil {
		return store.PlacementFile{}, err
	}
	target := f.CentreID
	if u.Role.Institution() {
		target = f.InstitutionID
	}
	if target == "" || target != u.Home() {
		return store.PlacementFile{}, domain.Errorf(domain.CodeNotFound, "placement %d not found", id)
	}
	if err := h.allow(c, "placement", action, target); err != nil {
		return store.PlacementFile{}, err
	}
	auditPersons(c, f.PersonID)
	return f, nil
}

func (h *handler) placementAnswer(c *gin.Context, id int64) (*placementView, error) {
	f, err := h.db.PlacementFileOf(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	v := PlacementView(f, userOf(c))
	return &v, nil
}

// getPlacement answers GET /api/v1/placements/:id.
func (h *handler) getPlacement(c *gin.Context) (*placementView, error) {
	f, err := h.placementOf(c, "read")
	if err != nil {
		return nil, err
	}
	v := PlacementView(f, userOf(c))
	return &v, nil
}

// placementStep sends the workflow a step of placement f by the caller
// and answers the placement as it then is.
func (h *handler) placementStep(c *gin.Context, f store.PlacementFile, act workflows.PlacementAction) (*placementView, error) {
	u := userOf(c)
	if h.tc == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "the workflow service is not configured")
	}
	act.By, act.Role, act.Home = u.Username, u.Role, u.Home()
	if err := h.update(c, workflows.PlacementID(f.ID), workflows.UpdatePlacementStep, act); err != nil {
		return nil, err
	}
	return h.placementAnswer(c, f.ID)
}

// stage keeps what the caller typed for a step and returns its id.
func (h *handler) stage(c *gin.Context, f store.PlacementFile, kind string, payload any) (int64, error) {
	return h.db.StagePlacementInput(c.Request.Context(), f.ID, kind, payload, userOf(c).Username)
}

type placementReferralBody struct {
	InstitutionID string `json:"institution_id"`
	BedID         int64  `json:"bed_id"`
}

// referPlacement answers POST /api/v1/placements/:id/referral: 400
// naming every rule the bed breaks (a full or unlicensed institution, a
// bed of the wrong kind, gender or care).
func (h *handler) referPlacement(c *gin.Context) (*placementView, error) {
	f, err := h.placementOf(c, "update")
	if err != nil {
		return nil, err
	}
	var b placementReferralBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	if b.InstitutionID == "" || b.BedID <= 0 {
		return nil, &domain.Error{Code: domain.CodeInvalid, Field: "bed_id", Message: "a referral names an institution (institution_id) and one of its free beds (bed_id)"}
	}
	if err := h.db.CheckReferral(c.Request.Context(), f.ID, b.InstitutionID, b.BedID, h.now()); err != nil {
		return nil, err
	}
	return h.placementStep(c, f, workflows.PlacementAction{Step: activities.PlacementRefer, InstitutionID: b.InstitutionID, BedID: b.BedID})
}

type placementAnswerBody struct {
	Answer string `json:"answer"`
	Reason string `json:"reason"`
}

// answerPlacement answers POST /api/v1/placements/:id/answer: the
// institution's social worker accepts or refuses (with a reason).
func (h *handler) answerPlacement(c *gin.Context) (*placementView, error) {
	f, err := h.placementOf(c, "decide")
	if err != nil {
		return nil, err
	}
	var b placementAnswerBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	switch b.Answer {
	case "accept":
		return h.placementStep(c, f, workflows.PlacementAction{Step: activities.PlacementAccept})
	case "refuse":
		if strings.TrimSpace(b.Reason) == "" {
			return nil, &domain.Error{Code: domain.CodeInvalid, Field: "reason", Message: "a refusal must give its reason"}
		}
		in, err := h.stage(c, f, activities.PlacementRefuse, activities.PlacementText{Text: strings.TrimSpace(b.Reason)})
		if err != nil {
			return nil, err
		}
		return h.placementStep(c, f, workflows.PlacementAction{Step: activities.PlacementRefuse, InputID: in})
	}
	return nil, &domain.Error{Code: domain.CodeInvalid, Field: "answer", Message: "must be accept or refuse"}
}

type placementRelativeBody struct {
	PersonID domain.PersonID `json:"person_id"`
	Relation domain.Relation `json:"relation"`
	Income   decimal.Decimal `json:"income"`
}

type placementDecisionBody struct {
	MonthlyCost    decimal.Decimal          `json:"monthly_cost"`
	BudgetLine     string                   `json:"budget_line"`
	Reasoning      string                   `json:"reasoning"`
	ResidentIncome *decimal.Decimal         `json:"resident_income"`
	Relatives      *[]placementRelativeBody `json:"relatives"`
}

// draftPlacementDecision answers POST /api/v1/placements/:id/decision: a
// caseworker drafts the decision; the incomes come from the evidence
// unless the body corrects them; the co-payment is reckoned and explained.
func (h *handler) draftPlacementDecision(c *gin.Context) (*placementView, error) {
	f, err := h.placementOf(c, "update")
	if err != nil {
		return nil, err
	}
	var b placementDecisionBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	fig, err := activities.FiguresOfPlacement(c.Request.Context(), h.db, f.PersonID, h.now())
	if err != nil {
		return nil, err
	}
	in := institutions.CoPaymentInput{MonthlyCost: b.MonthlyCost, ResidentIncome: fig.ResidentIncome, Relatives: fig.Relatives, SingleMO: fig.SingleMO}
	if b.ResidentIncome != nil {
		in.ResidentIncome = *b.ResidentIncome
	}
	if b.Relatives != nil {
		in.Relatives = nil
		for _, r := range *b.Relatives {
			in.Relatives = append(in.Relatives, institutions.Relative(r))
		}
	}
	for _, r := range in.Relatives {
		if r.PersonID != "" {
			auditPersons(c, r.PersonID)
		}
	}
	d := store.PlacementDraft{MonthlyCost: b.MonthlyCost, BudgetLine: b.BudgetLine, Input: in, Reasoning: strings.TrimSpace(b.Reasoning)}
	var problems []*domain.Error
	if err := store.CheckDraft(d); err != nil {
		var de *domain.Error
		if errors.As(err, &de) && len(de.Fields) > 0 {
			problems = append(problems, de.Fields...)
		} else if errors.As(err, &de) {
			problems = append(problems, de)
		}
	}
	cp, err := institutions.CoPay(in)
	if err != nil && b.MonthlyCost.IsPositive() {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "incomes", Message: err.Error()})
	}
	if err := placementProblems(problems); err != nil {
		return nil, err
	}
	d.CoPayment = cp
	id, err := h.stage(c, f, activities.PlacementDraft, d)
	if err != nil {
		return nil, err
	}
	return h.placementStep(c, f, workflows.PlacementAction{Step: activities.PlacementDraft, InputID: id})
}

// approvePlacementDecision answers POST /api/v1/placements/:id/decision/approve:
// a supervisor who did not draft it (four eyes) issues the decision.
func (h *handler) approvePlacementDecision(c *gin.Context) (*placementView, error) {
	f, err := h.placementOf(c, "approve")
	if err != nil {
		return nil, err
	}
	return h.placementStep(c, f, workflows.PlacementAction{Step: activities.PlacementApprove})
}

type placementDayBody struct {
	Day string `json:"day"`
}

func placementDay(s, field string) (string, error) {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", &domain.Error{Code: domain.CodeInvalid, Field: field, Message: "must be a day (YYYY-MM-DD)"}
	}
	return s, nil
}

// admitPlacement answers POST /api/v1/placements/:id/admission: the
// gatehouse records the resident's arrival.
func (h *handler) admitPlacement(c *gin.Context) (*placementView, error) {
	u := userOf(c)
	id, err := positiveID(c, "id", "placement")
	if err != nil {
		return nil, err
	}
	f, err := h.db.PlacementFileOf(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	if f.InstitutionID == "" || f.InstitutionID != u.InstitutionID {
		return nil, domain.Errorf(domain.CodeNotFound, "placement %d not found", id)
	}
	if err := h.allow(c, "placement", "admit", f.InstitutionID); err != nil {
		return nil, err
	}
	auditPersons(c, f.PersonID)
	var b placementDayBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	day, err := placementDay(b.Day, "day")
	if err != nil {
		return nil, err
	}
	return h.placementStep(c, f, workflows.PlacementAction{Step: activities.PlacementAdmit, Day: day})
}

type placementReviewBody struct {
	Day     string `json:"day"`
	Notes   string `json:"notes"`
	Outcome string `json:"outcome"`
}

// reviewPlacement answers POST /api/v1/placements/:id/reviews: the
// centre's periodic review with the institution's report's summary.
func (h *handler) reviewPlacement(c *gin.Context) (*placementView, error) {
	f, err := h.placementOf(c, "update")
	if err != nil {
		return nil, err
	}
	var b placementReviewBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	var problems []*domain.Error
	day, err := placementDay(b.Day, "day")
	if err != nil {
		problems = append(problems, err.(*domain.Error))
	}
	if err := store.CheckReview(store.PlacementReview{Outcome: b.Outcome}); err != nil {
		problems = append(problems, err.(*domain.Error))
	}
	if err := placementProblems(problems); err != nil {
		return nil, err
	}
	in, err := h.stage(c, f, activities.PlacementReview, activities.PlacementText{Text: strings.TrimSpace(b.Notes), Outcome: b.Outcome})
	if err != nil {
		return nil, err
	}
	return h.placementStep(c, f, workflows.PlacementAction{Step: activities.PlacementReview, InputID: in, Day: day})
}

type placementEndBody struct {
	Day    string `json:"day"`
	Reason string `json:"reason"`
}

func (h *handler) endPlacement(c *gin.Context, step string) (*placementView, error) {
	f, err := h.placementOf(c, "update")
	if err != nil {
		return nil, err
	}
	var b placementEndBody
	if err := bindJSON(c, &b); err != nil {
		return nil, err
	}
	var problems []*domain.Error
	day, err := placementDay(b.Day, "day")
	if err != nil {
		problems = append(problems, err.(*domain.Error))
	}
	if strings.TrimSpace(b.Reason) == "" {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "reason", Message: "is required"})
	}
	if err := placementProblems(problems); err != nil {
		return nil, err
	}
	in, err := h.stage(c, f, step, activities.PlacementText{Text: strings.TrimSpace(b.Reason)})
	if err != nil {
		return nil, err
	}
	return h.placementStep(c, f, workflows.PlacementAction{Step: step, InputID: in, Day: day})
}

// dischargePlacement answers POST /api/v1/placements/:id/discharge.
func (h *handler) dischargePlacement(c *gin.Context) (*placementView, error) {
	return h.endPlacement(c, activities.PlacementDischarge)
}

// transferPlacement answers POST /api/v1/placements/:id/transfer: the
// placement ends and a new one is proposed from the same case (its own
// workflow), to be referred to another institution.
func (h *handler) transferPlacement(c *gin.Context) (*placementView, error) {
	return h.endPlacement(c, activities.PlacementTransfer)
}

// placementDecisionDocument answers GET /api/v1/placements/:id/decision:
// the decision's PDF (the centre's staff).
func (h *handler) placementDecisionDocument(c *gin.Context) error {
	f, err := h.placementOf(c, "read")
	if err != nil {
		return err
	}
	if f.DecisionKey == "" || userOf(c).Role.Institution() {
		return domain.Errorf(domain.CodeNotFound, "placement %d has no decision document yet", f.ID)
	}
	return h.serveLicenceObject(c, f.DecisionKey, f.DecisionSHA256, "application/pdf", "rjesenje-smjestaj-"+strconv.FormatInt(f.ID, 10)+".pdf")
}
