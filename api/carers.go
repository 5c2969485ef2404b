package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/carers"
	"github.com/karton-social/karton/store"
)

// The registers of guardians and foster carers (issue 21, item 3), for the
// staff: each appointment a case decision made, with its carers and wards,
// its dates and the carers' assessments and training; searchable by
// centre, by a carer's or a ward's name or JMBG. Every person listed is
// written to the audit log; the entries of the DV compartment exist only
// for the DV caseworkers of their centre.

type carerAssessmentView struct {
	ID         int64  `json:"id"`
	PersonID   string `json:"person_id"`
	Kind       string `json:"kind"`
	Role       string `json:"role"`
	HeldOn     string `json:"held_on"`
	Outcome    string `json:"outcome"`
	Hours      int    `json:"hours"`
	CentreID   string `json:"centre_id"`
	RecordedBy string `json:"recorded_by"`
}

type carerPersonView struct {
	PersonID     string                `json:"person_id"`
	JMBG         string                `json:"jmbg"`
	GivenName    string                `json:"given_name"`
	FamilyName   string                `json:"family_name"`
	Municipality string                `json:"municipality"`
	Assessments  []carerAssessmentView `json:"assessments"`
}

type carerEntryView struct {
	DecisionNumber    string            `json:"decision_number"`
	CaseNumber        string            `json:"case_number"`
	CentreID          string            `json:"centre_id"`
	From              string            `json:"from"`
	EndedOn           *string           `json:"ended_on"`
	EndDecisionNumber string            `json:"end_decision_number"`
	Carers            []carerPersonView `json:"carers"`
	Wards             []carerPersonView `json:"wards"`
	// AllowancesPaid: of a foster placement, the placement costs (SMJ)
	// paid for its wards during it; null for a guardian.
	AllowancesPaid *string `json:"allowances_paid"`
}

type carerRegisterView struct {
	Role     string           `json:"role"`
	CentreID string           `json:"centre_id"` // "": every centre
	State    string           `json:"state"`
	Entries  []carerEntryView `json:"entries"`
}

func (h *handler) guardianRegister(c *gin.Context) (*carerRegisterView, error) {
	return h.carerRegister(c, carers.Guardian)
}

func (h *handler) fosterCarerRegister(c *gin.Context) (*carerRegisterView, error) {
	return h.carerRegister(c, carers.FosterCarer)
}

// carerRegister answers GET /api/v1/registers/guardians and
// /foster-carers: ?centre_id= (default the caller's; the ministry's
// officers every centre without it), ?name= or ?jmbg= (a carer's or a
// ward's), ?state=current|ended|all, ?limit=.
func (h *handler) carerRegister(c *gin.Context, role carers.Role) (*carerRegisterView, error) {
	u := userOf(c)
	centre := c.DefaultQuery("centre_id", u.CentreID)
	if err := h.allow(c, "carer_register", "read", centre); err != nil {
		return nil, err
	}
	f := store.CarerFilter{Role: role, CentreID: centre, State: c.DefaultQuery("state", "current")}
	var errs []*domain.Error
	if _, ok := domain.CentreByID(centre); centre != "" && !ok {
		errs = append(errs, domain.FieldError("centre_id", "%q is not a centre", printable(centre, 40)))
	}
	if f.State != "current" && f.State != "ended" && f.State != "all" {
		errs = append(errs, domain.FieldError("state", "%q is not current, ended or all", printable(f.State, 20)))
	}
	if j := strings.TrimSpace(c.Query("jmbg")); j != "" {
		parsed, _, err := domain.ParseJMBG(j)
		if err != nil {
			errs = append(errs, domain.FieldError("jmbg", "%s", domain.ErrorMessage(err)))
		}
		f.Query = string(parsed)
	} else if name := strings.TrimSpace(c.Query("name")); len(name) > 100 {
		errs = append(errs, domain.FieldError("name", "is longer than 100 characters"))
	} else {
		f.Query = name
	}
	var err error
	if f.Limit, err = queryInt(c, "limit", 100, 1, 500); err != nil {
		errs = append(errs, err.(*domain.Error))
	}
	if errs != nil {
		return nil, domain.Invalid(errs)
	}
	list, err := h.db.CarerRegister(c.Request.Context(), f)
	if err != nil {
		return nil, err
	}
	dv := h.mayDV(c)
	out := &carerRegisterView{Role: string(role), CentreID: centre, State: f.State, Entries: []carerEntryView{}}
	for _, e := range list {
		if e.Restricted {
			if !dv || e.CentreID != u.CentreID {
				continue // for anyone outside the compartment it does not exist
			}
			restrict(c)
		}
		out.Entries = append(out.Entries, carerEntryDTO(c, e))
	}
	return out, nil
}

// carerEntryDTO is an entry as the API shows it; each person in it is
// named in the request's audit record.
func carerEntryDTO(c *gin.Context, e store.CarerEntry) carerEntryView {
	v := carerEntryView{DecisionNumber: e.DecisionNumber, CaseNumber: e.CaseNumber, CentreID: e.CentreID, From: e.From.Format(time.DateOnly),
		EndDecisionNumber: e.EndDecisionNumber, Carers: []carerPersonView{}, Wards: []carerPersonView{}}
	if e.EndedOn != nil {
		s := e.EndedOn.Format(time.DateOnly)
		v.EndedOn = &s
	}
	if e.Role == carers.FosterCarer {
		s := e.AllowancesPaid.StringFixed(2)
		v.AllowancesPaid = &s
	}
	person := func(p store.CarerPerson) carerPersonView {
		auditPersons(c, domain.PersonID(p.PersonID))
		pv := carerPersonView{PersonID: p.PersonID, JMBG: p.JMBG, GivenName: p.GivenName, FamilyName: p.FamilyName, Municipality: p.Municipality,
			Assessments: []carerAssessmentView{}}
		for _, a := range p.Assessments {
			pv.Assessments = append(pv.Assessments, carerAssessmentDTO(a))
		}
		return pv
	}
	for _, p := range e.Carers {
		v.Carers = append(v.Carers, person(p))
	}
	for _, p := range e.Wards {
		v.Wards = append(v.Wards, person(p))
	}
	return v
}

func carerAssessmentDTO(a store.CarerAssessment) carerAssessmentView {
	return carerAssessmentView{ID: a.ID, PersonID: a.CarerID, Kind: a.Assessment.Kind, Role: string(a.Assessment.Role),
		HeldOn: a.Assessment.HeldOn.Format(time.DateOnly), Outcome: a.Assessment.Outcome, Hours: a.Assessment.Hours, CentreID: a.CentreID,
		RecordedBy: a.RecordedBy}
}

// recordCarerAssessment answers POST /api/v1/registers/carers/{id}/assessments:
// a caseworker records an assessment of the person's suitability as a
// guardian or foster carer, or a training they took (kind, role, held_on,
// outcome, hours of a training). Every fault is a 400 naming its field.
func (h *handler) recordCarerAssessment(c *gin.Context) (*carerAssessmentView, error) {
	u := userOf(c)
	p, err := h.routePerson(c)
	if err != nil {
		return nil, err
	}
	if err := h.allow(c, "carer_register", "create", p.CentreID); err != nil {
		return nil, err
	}
	restricted, err := h.db.PersonRestricted(c.Request.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	if restricted && !h.mayDV(c) {
		return nil, notFound(fmt.Sprintf("person %s not found", p.ID))
	}
	if restricted {
		restrict(c)
	}
	var req struct {
		Kind    string `json:"kind"`
		Role    string `json:"role"`
		HeldOn  string `json:"held_on"`
		Outcome string `json:"outcome"`
		Hours   int    `json:"hours"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	a := carers.Assessment{Kind: req.Kind, Role: carers.Role(req.Role), Outcome: req.Outcome, Hours: req.Hours}
	var dateErr *domain.Error
	if req.HeldOn != "" {
		d, err := parseDay("held_on", printable(req.HeldOn, 20))
		if err != nil {
			dateErr = err.(*domain.Error)
		}
		a.HeldOn = d
	}
	today := h.now()
	if dateErr != nil {
		a.HeldOn = today // the date's fault is the parse's
	}
	if err := a.Check(today); err != nil || dateErr != nil {
		errs := fieldsOf(err)
		if dateErr != nil {
			errs = append([]*domain.Error{dateErr}, errs...)
		}
		return nil, domain.Invalid(errs)
	}
	rec, err := h.db.RecordCarerAssessment(c.Request.Context(), store.CarerAssessment{CarerID: string(p.ID), Assessment: a, CentreID: u.CentreID,
		RecordedBy: u.Username}, today)
	if err != nil {
		return nil, err
	}
	v := carerAssessmentDTO(rec)
	return &v, nil
}

// checkNamedCarers refuses a prepared decision that appoints carers
// without naming them by person id, or names them when it appoints none,
// names a ward of the case or a person not registered (400 naming each
// data.carers field). Each carer named is written to the audit record.
func (h *handler) checkNamedCarers(c *gin.Context, x store.Case, action string, data json.RawMessage) error {
	if action != "prepare-decision" {
		return nil
	}
	var d struct {
		Kind   string   `json:"kind"`
		Carers []string `json:"carers"`
	}
	if json.Unmarshal(data, &d) != nil {
		return nil // the form's schema said what is wrong
	}
	var named, wards []domain.PersonID
	for _, id := range d.Carers {
		named = append(named, domain.PersonID(id))
	}
	for _, p := range x.Persons {
		if p.Role == "beneficiary" {
			wards = append(wards, p.PersonID)
		}
	}
	var errs []*domain.Error
	if err := carers.CheckNamed(d.Kind, named, wards); err != nil {
		errs = append(errs, fieldsOf(err)...)
	}
	for i, id := range named {
		p, err := h.db.PersonByID(c.Request.Context(), id)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			errs = append(errs, domain.FieldError(fmt.Sprintf("carers.%d", i), "no person %s is registered: register the carer first", printable(string(id), 40)))
			continue
		} else if err != nil {
			return err
		}
		auditPersons(c, p.ID)
	}
	if errs != nil {
		return prefixFields(domain.Invalid(errs), "data")
	}
	return nil
}

// fieldsOf lists the fields of an invalid-input error.
func fieldsOf(err error) []*domain.Error {
	de, ok := err.(*domain.Error)
	if !ok {
		return nil
	}
	if len(de.Fields) == 0 {
		return []*domain.Error{de}
	}
	return de.Fields
}
