package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/activation"
	"github.com/karton-social/karton/domain/cases"
	"github.com/karton-social/karton/domain/violence"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

type procedureList struct {
	Procedures []procedureSummary `json:"procedures"`
}

type procedureSummary struct {
	Code    string      `json:"code"`
	Version int         `json:"version"`
	Name    cases.Text  `json:"name"`
	Group   string      `json:"group"`
	Source  string      `json:"source"`
	Urgent  bool        `json:"urgent"`
	Role    domain.Role `json:"role"`
	Stages  []string    `json:"stages"`
}

// listProcedures is the catalogue of case-management procedures.
func listProcedures(*gin.Context) (*procedureList, error) {
	out := []procedureSummary{}
	for _, code := range cases.Procedures.Codes() {
		d, _ := cases.Procedures.Get(code, 0)
		stages := []string{}
		for _, s := range d.Stages {
			stages = append(stages, s.Name)
		}
		out = append(out, procedureSummary{Code: d.Code, Version: d.Version, Name: d.Name, Group: d.Group, Source: d.Source,
			Urgent: d.Urgent, Role: d.Role, Stages: stages})
	}
	return &procedureList{Procedures: out}, nil
}

// procedureView is one procedure's definition, with the JSON Schema of
// each form it records.
type procedureView struct {
	Code                  string                     `json:"code"`
	Version               int                        `json:"version"`
	Slug                  string                     `json:"slug"`
	Name                  cases.Text                 `json:"name"`
	Group                 string                     `json:"group"`
	Source                string                     `json:"source"`
	Target                string                     `json:"target"`
	LegalBasis            string                     `json:"legal_basis"`
	Role                  domain.Role                `json:"role"`
	Urgent                bool                       `json:"urgent"`
	Stages                []procedureStage           `json:"stages"`
	Approver              domain.Role                `json:"approver"`
	ApprovalDeadlineHours float64                    `json:"approval_deadline_hours"`
	Escalation            []domain.Role              `json:"escalation"`
	ReviewEveryDays       float64                    `json:"review_every_days"`
	Decisions             []cases.DecisionKind       `json:"decisions"`
	SubProcedures         []string                   `json:"subprocedures"`
	Documents             []string                   `json:"documents"`
	Forms                 map[string]json.RawMessage `json:"forms"`
}

type procedureStage struct {
	Name             string      `json:"name"`
	Form             string      `json:"form"`
	DeadlineHours    float64     `json:"deadline_hours"`
	DeadlineVerified bool        `json:"deadline_verified"`
	Role             domain.Role `json:"role"`
	Approval         bool        `json:"approval"`
}

// getProcedure is one procedure's definition with the JSON Schema of each stage's form.
func getProcedure(c *gin.Context) (*procedureView, error) {
	v, _ := strconv.Atoi(c.Query("version"))
	d, err := cases.Procedures.Get(c.Param("code"), v)
	if err != nil {
		return nil, err
	}
	forms := map[string]json.RawMessage{}
	for _, name := range []string{"intake", "tracking_item", "decision"} {
		f, _ := cases.Procedures.Form(name)
		forms[name] = f
	}
	stages := []procedureStage{}
	for _, s := range d.Stages {
		f, _ := cases.Procedures.Form(s.Form)
		forms[s.Form] = f
		stages = append(stages, procedureStage{Name: s.Name, Form: s.Form, DeadlineHours: s.Deadline.Hours(), DeadlineVerified: s.DeadlineVerified,
			Role: s.Role, Approval: s.Approval})
	}
	return &procedureView{Code: d.Code, Version: d.Version, Slug: d.Slug, Name: d.Name, Group: d.Group, Source: d.Source,
		Target: d.Target, LegalBasis: d.LegalBasis, Role: d.Role, Urgent: d.Urgent, Stages: stages, Approver: d.Approver,
		ApprovalDeadlineHours: d.ApprovalDue.Hours(), Escalation: d.Escalation, ReviewEveryDays: d.ReviewEvery.Hours() / 24,
		Decisions: d.Decisions, SubProcedures: d.SubProcedures, Documents: d.Documents, Forms: forms}, nil
}

// createCase records an intake and starts the case: 202 with the case
// number. The intake form is checked field by field; an unknown procedure
// or version is a 400.
func (h *handler) createCase(c *gin.Context) (*caseStarted, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req struct {
		Procedure string            `json:"procedure"`
		Version   int               `json:"version"`
		Persons   []json.RawMessage `json:"persons"`
		Intake    json.RawMessage   `json:"intake"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	def, err := cases.Procedures.Get(req.Procedure, req.Version)
	if err != nil {
		return nil, err
	}
	if err := cases.Procedures.Validate("intake", req.Intake); err != nil {
		return nil, prefixFields(err, "intake")
	}
	if len(req.Persons) == 0 {
		return nil, domain.FieldError("persons", "a case is about at least one person: give [{\"person_id\": ..., \"role\": \"beneficiary\"}]")
	}
	var persons []store.CasePerson
	var ids []domain.PersonID
	for i, raw := range req.Persons {
		var p struct {
			PersonID string `json:"person_id"`
			Role     string `json:"role"`
		}
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil || p.PersonID == "" {
			return nil, domain.FieldError("persons."+strconv.Itoa(i), "want {\"person_id\": ..., \"role\": ...}")
		}
		switch p.Role {
		case "beneficiary", "family", "guardian", "reporter", "perpetrator":
		default:
			return nil, domain.FieldError("persons."+strconv.Itoa(i)+".role", "%q is not one of beneficiary, family, guardian, reporter, perpetrator", p.Role)
		}
		person, err := h.person(c, p.PersonID, "persons."+strconv.Itoa(i)+".person_id")
		if err != nil {
			return nil, err
		}
		persons = append(persons, store.CasePerson{PersonID: person.ID, Role: p.Role})
		ids = append(ids, person.ID)
	}
	auditPersons(c, ids...)
	resource := "case"
	if def.DV {
		resource = "dv_case"
		restrict(c)
	}
	// The case belongs to the centre of its first person, and only that
	// centre's staff open it.
	first, _ := h.db.PersonByID(ctx, persons[0].PersonID)
	if err := h.allow(c, "case", "create", first.CentreID); err != nil {
		return nil, err
	}
	if resource == "dv_case" {
		if err := h.allow(c, resource, "create", first.CentreID); err != nil {
			return nil, err
		}
	}
	number, err := h.db.NextCaseNumber(ctx, time.Now().Year())
	if err != nil {
		return nil, err
	}
	// The case is visible as soon as it is answered for; the workflow
	// writes the rest.
	if err := h.db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: def.Code, Version: def.Version, CentreID: first.CentreID,
		Status: "open", Stage: cases.StageIntake, OpenedBy: u.Username, OpenedAt: time.Now(), Persons: persons,
		DV: resource == "dv_case"}}); err != nil {
		return nil, err
	}
	_, err = h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CaseWorkflowID(number), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL},
		workflows.NameCase, workflows.CaseInput{Number: number, Procedure: def.Code, Version: def.Version, CentreID: first.CentreID,
			OpenedBy: u.Username, Persons: persons, Intake: req.Intake})
	if err != nil {
		if ferr := h.db.ForgetUnstartedCase(ctx, number); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; the case was not opened, try again"), err)
	}
	return &caseStarted{Number: number, Procedure: def.Code, Version: def.Version, WorkflowID: workflows.CaseWorkflowID(number)}, nil
}

type caseStarted struct {
	Number     string `json:"number"`
	Procedure  string `json:"procedure"`
	Version    int    `json:"version"`
	WorkflowID string `json:"workflow_id"`
}

// prefixFields puts the form's name in front of each failing field.
func prefixFields(err error, form string) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	out := *de
	out.Field = form + "." + de.Field
	out.Fields = nil
	for _, f := range de.Fields {
		g := *f
		g.Field = form + "." + f.Field
		out.Fields = append(out.Fields, &g)
	}
	if len(out.Fields) > 0 {
		out.Field = ""
	}
	return &out
}

// listCases lists the centre's cases: mine (scope=mine), the team's (the
// default), by procedure, stage, status, or only the overdue ones.
func (h *handler) listCases(c *gin.Context) (*casePage, error) {
	u := userOf(c)
	centre := c.Query("centre_id")
	if centre == "" {
		centre = u.CentreID
	}
	if err := h.allow(c, "case", "read", centre); err != nil {
		return nil, err
	}
	f := store.CaseFilter{CentreID: centre, Procedure: c.Query("procedure"), Status: c.Query("status"), Stage: c.Query("stage"),
		Overdue: c.Query("overdue") == "true", WithDV: h.mayDV(c), Now: time.Now()}
	switch c.Query("scope") {
	case "mine":
		f.Manager = u.Username
	case "", "team":
	default:
		return nil, domain.FieldError("scope", "%q is not mine or team", c.Query("scope"))
	}
	if f.Status == "" {
		f.Status = "open"
	} else if f.Status == "any" {
		f.Status = ""
	}
	kept := casePages.get()
	list, err := h.db.AppendCases(c.Request.Context(), (*kept)[:0], f)
	if err != nil {
		return nil, err
	}
	numbers := make([]string, 0, len(list))
	for _, x := range list {
		numbers = append(numbers, x.Number)
	}
	persons, err := h.db.PersonsOfCases(c.Request.Context(), numbers)
	if err != nil {
		return nil, err
	}
	var named []domain.PersonID
	for _, x := range list {
		if x.DV {
			restrict(c)
		}
		for _, p := range persons[x.Number] {
			named = append(named, p.PersonID)
		}
	}
	auditPersons(c, named...)
	return &casePage{cases: list, persons: persons, now: f.Now, kept: kept}, nil
}

// casePage is the case list's answer as read: the page of cases, their
// persons, the time of the request. It is written as a caseList (its
// items), one item at a time (listjson.go): a page of items built first
// was a quarter of what the case lists allocated at 500 requests/s, and
// the collections that allocation paid for set their tail (issue 24).
type casePage struct {
	cases   []store.Case
	persons map[string][]store.CasePerson
	now     time.Time
	kept    *[]store.Case // where the page goes back once written (release)
}

// casePages keep the case list's pages between requests: a page of 100
// cases built anew for each request was another quarter of what the case
// lists allocated (issue 24).
var casePages keptPages[store.Case]

// release gives the page back, emptied, once its answer is written
// (writeAppended); the page is not read after it.
func (p *casePage) release() {
	casePages.put(p.kept, p.cases)
	p.cases, p.kept = nil, nil
}

// list is the page as a caseList, the answer's documented shape.
func (p *casePage) list() *caseList {
	out := &caseList{Cases: make([]caseListItem, 0, len(p.cases))}
	for _, x := range p.cases {
		item := caseListItem{caseSummary: caseDTOAt(x, p.now), Persons: make([]casePerson, 0, len(p.persons[x.Number]))}
		for _, q := range p.persons[x.Number] {
			item.Persons = append(item.Persons, casePerson{PersonID: q.PersonID, Role: q.Role, Name: q.Name})
		}
		out.Cases = append(out.Cases, item)
	}
	return out
}

type caseList struct {
	Cases []caseListItem `json:"cases"`
}

// caseListItem is a case in the list with its persons (the beneficiaries
// first), named at the time of the request (issue 17).
type caseListItem struct {
	caseSummary
	Persons []casePerson `json:"persons"`
}

// caseSummary is a case in a list (the case list, the e-file's timeline).
type caseSummary struct {
	Number        string     `json:"number"`
	Procedure     string     `json:"procedure"`
	Version       int        `json:"version"`
	ProcedureName cases.Text `json:"procedure_name"`
	CentreID      string     `json:"centre_id"`
	Status        string     `json:"status"`
	Stage         string     `json:"stage"`
	Manager       string     `json:"manager"`
	Team          []string   `json:"team"`
	Parent        string     `json:"parent"`
	OpenedBy      string     `json:"opened_by"`
	OpenedAt      instant    `json:"opened_at"`
	StageDue      *instant   `json:"stage_due"`
	ClosedAt      *instant   `json:"closed_at"`
	CloseReason   string     `json:"close_reason"`
	Overdue       bool       `json:"overdue"`
}

func caseDTO(x store.Case) caseSummary { return caseDTOAt(x, time.Now()) }

// caseDTOAt is caseDTO with the time the overdue cases are judged at.
func caseDTOAt(x store.Case, now time.Time) caseSummary {
	d, _ := cases.Procedures.Get(x.Procedure, x.Version)
	return caseSummary{Number: x.Number, Procedure: x.Procedure, Version: x.Version, ProcedureName: d.Name, CentreID: x.CentreID,
		Status: x.Status, Stage: x.Stage, Manager: x.Manager, Team: x.Team, Parent: x.Parent, OpenedBy: x.OpenedBy,
		OpenedAt: instant(x.OpenedAt), StageDue: (*instant)(x.StageDue), ClosedAt: (*instant)(x.ClosedAt), CloseReason: x.CloseReason,
		Overdue: x.StageDue != nil && x.StageDue.Before(now) && x.Status == "open"}
}

// loadCase reads a case and authorises the action on it; DV cases need
// the DV permission.
func (h *handler) loadCase(c *gin.Context, action string) (store.Case, error) {
	return h.loadCaseNumbered(c, c.Param("number"), action)
}

func (h *handler) loadCaseNumbered(c *gin.Context, number, action string) (store.Case, error) {
	x, err := h.db.CaseByNumber(c.Request.Context(), number)
	if err != nil {
		return store.Case{}, err
	}
	if !h.sees(c, compartmentOf(x.DV)) {
		// Outside the compartment the case does not exist: the same answer
		// as for a number never given, and nobody's access log names it.
		return store.Case{}, domain.Errorf(domain.CodeNotFound, "case %s not found", number)
	}
	if x.DV {
		restrict(c)
	}
	for _, p := range x.Persons {
		auditPersons(c, p.PersonID)
	}
	if x.DV {
		if err := h.allow(c, "dv_case", action, x.CentreID); err != nil {
			return store.Case{}, err
		}
	}
	if err := h.allow(c, "case", action, x.CentreID); err != nil {
		return store.Case{}, err
	}
	return x, nil
}

// openTasks lists the case's open tasks.
func (h *handler) openTasks(c *gin.Context, x store.Case) ([]store.Task, error) {
	return h.db.Tasks(c.Request.Context(), store.TaskFilter{CentreID: x.CentreID, WorkflowID: workflows.CaseWorkflowID(x.Number), State: "open",
		Cleared: h.cleared(c)})
}

// getCase is the case page's data: the case, its persons, stages with
// deadlines, tracking list, decisions, sub-procedures, timeline, and the
// tasks waiting in it.
func (h *handler) getCase(c *gin.Context) (*caseView, error) {
	ctx := c.Request.Context()
	x, err := h.loadCase(c, "read")
	if err != nil {
		return nil, err
	}
	f, err := h.db.CaseFileOf(ctx, x.Number)
	if err != nil {
		return nil, err
	}
	out := caseView{caseSummary: caseDTO(f.Case), Persons: []casePerson{}, Stages: []caseStage{}, Tracking: []caseTracking{},
		Decisions: []caseDecision{}, Subprocedures: []caseSummary{}, History: []caseEvent{}}
	for _, p := range f.Case.Persons {
		out.Persons = append(out.Persons, casePerson{PersonID: p.PersonID, Role: p.Role, Name: p.Name})
	}
	for _, s := range f.Stages {
		var met *bool
		if s.DoneAt != nil {
			m := !s.DoneAt.After(s.DueAt)
			met = &m
		}
		out.Stages = append(out.Stages, caseStage{Seq: s.Seq, Stage: s.Stage, Worker: s.Worker, StartedAt: s.StartedAt, DueAt: s.DueAt,
			DoneAt: s.DoneAt, MetDeadline: met})
	}
	for _, t := range f.Tracking {
		out.Tracking = append(out.Tracking, caseTracking{Item: t.Item, Kind: t.Kind, What: t.What, Due: t.Due.Format(time.DateOnly), DoneAt: t.DoneAt,
			DoneBy: t.DoneBy, Overdue: t.Overdue})
	}
	for _, d := range f.Decisions {
		out.Decisions = append(out.Decisions, caseDecision{ID: d.ID, Number: d.Number, Kind: d.Kind, PreparedBy: d.PreparedBy, ApprovedBy: d.ApprovedBy,
			IssuedAt: d.IssuedAt, DocumentSHA256: d.DocumentSHA256, DocumentURL: "/api/v1/case-decisions/" + d.ID + "/document"})
	}
	for _, ch := range f.Children {
		if !h.sees(c, compartmentOf(ch.DV)) {
			continue
		}
		out.Subprocedures = append(out.Subprocedures, caseDTO(ch))
	}
	for _, e := range f.Events {
		out.History = append(out.History, caseEvent{At: e.At, Kind: e.Kind, Stage: e.Stage, By: e.By, Summary: e.Summary, Data: json.RawMessage(e.Data)})
	}
	ts, err := h.openTasks(c, x)
	if err != nil {
		return nil, err
	}
	out.Tasks = []taskDTO{}
	for _, t := range ts {
		out.Tasks = append(out.Tasks, toTaskDTO(t))
	}
	return &out, nil
}

// caseView is the case page's data (getCase).
type caseView struct {
	caseSummary
	Persons       []casePerson   `json:"persons"`
	Stages        []caseStage    `json:"stages"`
	Tracking      []caseTracking `json:"tracking"`
	Decisions     []caseDecision `json:"decisions"`
	Subprocedures []caseSummary  `json:"subprocedures"`
	History       []caseEvent    `json:"history"`
	Tasks         []taskDTO      `json:"tasks"`
}

type casePerson struct {
	PersonID domain.PersonID `json:"person_id"`
	Role     string          `json:"role"`
	Name     string          `json:"name"`
}

type caseStage struct {
	Seq         int        `json:"seq"`
	Stage       string     `json:"stage"`
	Worker      string     `json:"worker"`
	StartedAt   time.Time  `json:"started_at"`
	DueAt       time.Time  `json:"due_at"`
	DoneAt      *time.Time `json:"done_at"`
	MetDeadline *bool      `json:"met_deadline"` // null while the stage is not done
}

type caseTracking struct {
	Item    int        `json:"item"`
	Kind    string     `json:"kind"`
	What    string     `json:"what"`
	Due     string     `json:"due"`
	DoneAt  *time.Time `json:"done_at"`
	DoneBy  string     `json:"done_by"`
	Overdue bool       `json:"overdue"`
}

type caseDecision struct {
	ID             string    `json:"id"`
	Number         string    `json:"number"`
	Kind           string    `json:"kind"`
	PreparedBy     string    `json:"prepared_by"`
	ApprovedBy     string    `json:"approved_by"`
	IssuedAt       time.Time `json:"issued_at"`
	DocumentSHA256 string    `json:"document_sha256"`
	DocumentURL    string    `json:"document_url"`
}

type caseEvent struct {
	At      time.Time       `json:"at"`
	Kind    string          `json:"kind"`
	Stage   string          `json:"stage"`
	By      string          `json:"by"`
	Summary string          `json:"summary"`
	Data    json.RawMessage `json:"data"`
}

// submitStage records a stage's form: checked field by field against the
// stage's JSON Schema, then given to the case as its stage task's outcome.
func (h *handler) submitStage(c *gin.Context) (*stageSubmitted, error) {
	u := userOf(c)
	var req struct {
		Outcome string          `json:"outcome"`
		Data    json.RawMessage `json:"data"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	x, err := h.loadCase(c, "update")
	if err != nil {
		return nil, err
	}
	ts, err := h.openTasks(c, x)
	if err != nil {
		return nil, err
	}
	stage := c.Param("stage")
	var task *store.Task
	for i, t := range ts {
		var data map[string]string
		_ = json.Unmarshal(t.Data, &data)
		if data["stage"] == stage {
			task = &ts[i]
		}
	}
	if task == nil {
		return nil, domain.Errorf(domain.CodeConflict, "case %s is not waiting for %s (it is in %s)", x.Number, stage, x.Stage)
	}
	if req.Outcome == "" {
		req.Outcome = "submit"
	}
	if err := validateTaskForm(*task, req.Outcome, req.Data); err != nil {
		return nil, err
	}
	if stage == cases.StageOpening && req.Outcome == "submit" {
		if err := checkStaff(x, req.Data); err != nil {
			return nil, err
		}
		if err := h.checkLicensedManager(c, x, req.Data); err != nil {
			return nil, err
		}
	}
	role := domain.Role(task.CandidateRole)
	if !u.Role.Acts(role) {
		return nil, domain.Errorf(domain.CodeForbidden, "%s of case %s is done by the %s role, not %s", stage, x.Number, task.CandidateRole, u.Role)
	}
	if err := h.update(c, task.WorkflowID, workflows.UpdateCompleteTask, workflows.TaskCompletion{TaskID: task.ID, Outcome: req.Outcome,
		Data: req.Data, By: u.Username, Role: u.Role, CentreID: u.CentreID}); err != nil {
		return nil, err
	}
	return &stageSubmitted{Number: x.Number, Stage: stage, TaskID: task.ID, CompletedBy: u.Username}, nil
}

// checkStaff refuses (400, naming each field) an opening whose case
// manager or team member is not on the staff of the case's centre who may
// work it (the DV caseworkers for a domestic-violence case): a case is
// never given to a username nobody holds (issue 17).
func checkStaff(x store.Case, data json.RawMessage) error {
	var o struct {
		CaseManager string   `json:"case_manager"`
		Team        []string `json:"team"`
	}
	_ = json.Unmarshal(data, &o)
	role := domain.RoleCaseworker
	if x.DV {
		role = domain.RoleDVCaseworker
	}
	staff := map[string]bool{}
	for _, u := range domain.Staff(x.CentreID, role) {
		staff[u.Username] = true
	}
	var fields []*domain.Error
	if o.CaseManager != "" && !staff[o.CaseManager] {
		fields = append(fields, domain.FieldError("data.case_manager", "%q is not on the staff of %s", o.CaseManager, x.CentreID))
	}
	for i, m := range o.Team {
		if !staff[m] {
			fields = append(fields, domain.FieldError(fmt.Sprintf("data.team.%d", i), "%q is not on the staff of %s", m, x.CentreID))
		}
	}
	if len(fields) > 0 {
		return domain.Invalid(fields)
	}
	return nil
}

type stageSubmitted struct {
	Number      string `json:"number"`
	Stage       string `json:"stage"`
	TaskID      string `json:"task_id"`
	CompletedBy string `json:"completed_by"`
}

// validateTaskForm checks a form task's data against its JSON Schema,
// listing every failing field.
func validateTaskForm(t store.Task, outcome string, data json.RawMessage) error {
	var d map[string]string
	_ = json.Unmarshal(t.Data, &d)
	if d["form"] == "" || outcome != "submit" {
		return nil
	}
	if form, ok := strings.CutPrefix(d["form"], "activation_"); ok { // a decision on a referral
		return prefixFields(activation.Schemas.Validate(form, data), "data")
	}
	if violence.Schemas.Has(d["form"]) { // a DV first contact
		return prefixFields(violence.Schemas.Validate(d["form"], data), "data")
	}
	return prefixFields(cases.Procedures.Validate(d["form"], data), "data")
}

// caseAction does something in a case besides its stage tasks.
func (h *handler) caseAction(c *gin.Context) (*caseActionDone, error) {
	u := userOf(c)
	var req struct {
		Action string          `json:"action"`
		Data   json.RawMessage `json:"data"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	x, err := h.loadCase(c, "update")
	if err != nil {
		return nil, err
	}
	form := map[string]string{"add-tracking": "tracking_item", "prepare-decision": "decision"}[req.Action]
	if form != "" {
		if err := cases.Procedures.Validate(form, req.Data); err != nil {
			return nil, prefixFields(err, "data")
		}
	}
	if err := h.checkNamedCarers(c, x, req.Action, req.Data); err != nil {
		return nil, err
	}
	if len(req.Data) == 0 {
		req.Data = json.RawMessage("{}")
	}
	if req.Action == "prepare-decision" {
		// The register is constitutive: a placement names a provider in force (api/inspections.go).
		if err := h.checkPlacement(c, x.Procedure, req.Data); err != nil {
			return nil, err
		}
	}
	if err := h.update(c, workflows.CaseWorkflowID(x.Number), workflows.UpdateCaseAction, workflows.CaseAction{Action: req.Action,
		By: u.Username, Role: u.Role, CentreID: u.CentreID, Data: req.Data}); err != nil {
		return nil, err
	}
	return &caseActionDone{Number: x.Number, Action: req.Action, By: u.Username}, nil
}

type caseActionDone struct {
	Number string `json:"number"`
	Action string `json:"action"`
	By     string `json:"by"`
}

// reopenCase opens a closed case again, from a new assessment; its
// history stays.
func (h *handler) reopenCase(c *gin.Context) (*caseReopened, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	x, err := h.loadCase(c, "update")
	if err != nil {
		return nil, err
	}
	if x.Status != "closed" {
		return nil, domain.Errorf(domain.CodeConflict, "case %s is %s; only a closed case is reopened", x.Number, x.Status)
	}
	var st workflows.CaseState
	if err := h.tc.GetWorkflow(ctx, workflows.CaseWorkflowID(x.Number), "").Get(ctx, &st); err != nil {
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the case's last state could not be read; try again"), err)
	}
	_, err = h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CaseWorkflowID(x.Number), TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL},
		workflows.NameCase, workflows.CaseInput{Number: x.Number, Procedure: st.Procedure, Version: st.Version, CentreID: st.CentreID,
			Carried: &st, Reopen: true, By: u.Username})
	if err != nil {
		return nil, errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; try again"), err)
	}
	return &caseReopened{Number: x.Number, Status: "open", Stage: cases.StageInitialAssessment}, nil
}

type caseReopened struct {
	Number string `json:"number"`
	Status string `json:"status"`
	Stage  string `json:"stage"`
}

// caseDecisionDocument serves a case decision's PDF: it writes the file
// itself (see stream).
func (h *handler) caseDecisionDocument(c *gin.Context) error {
	ctx := c.Request.Context()
	d, err := h.db.CaseDecisionByID(ctx, c.Param("id"))
	if err == nil {
		// A decision of a case outside the caller's compartment does not
		// exist for them; its case's number is not theirs to learn.
		var x store.Case
		if x, err = h.db.CaseByNumber(ctx, d.CaseNumber); err == nil && !h.sees(c, compartmentOf(x.DV)) {
			err = domain.Errorf(domain.CodeNotFound, "decision %s not found", c.Param("id"))
		}
	}
	if err != nil {
		return err
	}
	if _, err := h.loadCaseNumbered(c, d.CaseNumber, "read"); err != nil {
		return err
	}
	if d.DocumentKey == "" {
		return domain.Errorf(domain.CodeConflict, "decision %s has no document", d.Number)
	}
	b, err := h.objects.Get(ctx, d.DocumentKey)
	if err != nil {
		return errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err)
	}
	c.Header("X-Content-SHA256", d.DocumentSHA256)
	c.Data(http.StatusOK, "application/pdf", b)
	return nil
}

// caseReport is the supervisors' report: timeliness per stage, centre and
// worker; open cases per worker; cases by procedure and stage.
func (h *handler) caseReport(c *gin.Context) (*caseReportView, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	centre := c.Query("centre_id")
	if centre == "" {
		centre = u.CentreID
	}
	if err := h.allow(c, "case_report", "read", centre); err != nil {
		return nil, err
	}
	dv := h.mayDV(c) && centre == u.CentreID
	tl, err := h.db.CaseTimeliness(ctx, centre, time.Now(), dv)
	if err != nil {
		return nil, err
	}
	timeliness := []stageTimeliness{}
	for _, t := range tl {
		timeliness = append(timeliness, stageTimeliness{CentreID: t.CentreID, Worker: t.Worker, Stage: t.Stage, Met: t.Met, Missed: t.Missed, Open: t.Open})
	}
	workers, err := h.db.CaseCounts(ctx, centre, "worker", dv)
	if err != nil {
		return nil, err
	}
	perWorker := []workerCases{}
	for _, w := range workers {
		perWorker = append(perWorker, workerCases{CentreID: w.Keys[0], Worker: w.Keys[1], OpenCases: w.Count})
	}
	procs, err := h.db.CaseCounts(ctx, centre, "procedure", dv)
	if err != nil {
		return nil, err
	}
	byProcedure := []procedureStageCases{}
	for _, p := range procs {
		byProcedure = append(byProcedure, procedureStageCases{Procedure: p.Keys[0], Status: p.Keys[1], Stage: p.Keys[2], Cases: p.Count})
	}
	return &caseReportView{CentreID: centre, Timeliness: timeliness, OpenPerWorker: perWorker, ByProcedureAndStage: byProcedure}, nil
}

type caseReportView struct {
	CentreID            string                `json:"centre_id"`
	Timeliness          []stageTimeliness     `json:"timeliness"`
	OpenPerWorker       []workerCases         `json:"open_per_worker"`
	ByProcedureAndStage []procedureStageCases `json:"by_procedure_and_stage"`
}

type stageTimeliness struct {
	CentreID string `json:"centre_id"`
	Worker   string `json:"worker"`
	Stage    string `json:"stage"`
	Met      int    `json:"met"`
	Missed   int    `json:"missed"`
	Open     int    `json:"open"`
}

type workerCases struct {
	CentreID  string `json:"centre_id"`
	Worker    string `json:"worker"`
	OpenCases int    `json:"open_cases"`
}

type procedureStageCases struct {
	Procedure string `json:"procedure"`
	Status    string `json:"status"`
	Stage     string `json:"stage"`
	Cases     int    `json:"cases"`
}
