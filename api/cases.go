package api

import (
	"encoding/json"
	"errors"
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

// listProcedures is the catalogue of case-management procedures.
func listProcedures(c *gin.Context) {
	out := []gin.H{}
	for _, code := range workflows.Procedures.Codes() {
		d, _ := workflows.Procedures.Get(code, 0)
		stages := []string{}
		for _, s := range d.Stages {
			stages = append(stages, s.Name)
		}
		out = append(out, gin.H{"code": d.Code, "version": d.Version, "name": d.Name, "group": d.Group, "source": d.Source,
			"urgent": d.Urgent, "role": d.Role, "stages": stages})
	}
	c.JSON(http.StatusOK, gin.H{"procedures": out})
}

// getProcedure is one procedure's definition with the JSON Schema of each stage's form.
func getProcedure(c *gin.Context) {
	v, _ := strconv.Atoi(c.Query("version"))
	d, err := workflows.Procedures.Get(c.Param("code"), v)
	if err != nil {
		writeError(c, nil, err)
		return
	}
	forms := gin.H{}
	for _, name := range []string{"intake", "tracking_item", "decision"} {
		f, _ := workflows.Procedures.Form(name)
		forms[name] = f
	}
	stages := []gin.H{}
	for _, s := range d.Stages {
		f, _ := workflows.Procedures.Form(s.Form)
		forms[s.Form] = f
		stages = append(stages, gin.H{"name": s.Name, "form": s.Form, "deadline_hours": s.Deadline.Hours(), "deadline_verified": s.DeadlineVerified,
			"role": s.Role, "approval": s.Approval})
	}
	c.JSON(http.StatusOK, gin.H{"code": d.Code, "version": d.Version, "slug": d.Slug, "name": d.Name, "group": d.Group, "source": d.Source,
		"target": d.Target, "legal_basis": d.LegalBasis, "role": d.Role, "urgent": d.Urgent, "stages": stages, "approver": d.Approver,
		"approval_deadline_hours": d.ApprovalDue.Hours(), "escalation": d.Escalation, "review_every_days": d.ReviewEvery.Hours() / 24,
		"decisions": d.Decisions, "subprocedures": d.SubProcedures, "documents": d.Documents, "forms": forms})
}

// createCase records an intake and starts the case: 202 with the case
// number. The intake form is checked field by field; an unknown procedure
// or version is a 400.
func (h *handler) createCase(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	var req struct {
		Procedure string            `json:"procedure"`
		Version   int               `json:"version"`
		Persons   []json.RawMessage `json:"persons"`
		Intake    json.RawMessage   `json:"intake"`
	}
	if err := bindJSON(c, &req); err != nil {
		writeError(c, h.log, err)
		return
	}
	def, err := workflows.Procedures.Get(req.Procedure, req.Version)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	if err := workflows.Procedures.Validate("intake", req.Intake); err != nil {
		writeError(c, h.log, prefixFields(err, "intake"))
		return
	}
	if len(req.Persons) == 0 {
		writeError(c, h.log, domain.FieldError("persons", "a case is about at least one person: give [{\"person_id\": ..., \"role\": \"beneficiary\"}]"))
		return
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
			writeError(c, h.log, domain.FieldError("persons."+strconv.Itoa(i), "want {\"person_id\": ..., \"role\": ...}"))
			return
		}
		switch p.Role {
		case "beneficiary", "family", "guardian", "reporter", "perpetrator":
		default:
			writeError(c, h.log, domain.FieldError("persons."+strconv.Itoa(i)+".role", "%q is not one of beneficiary, family, guardian, reporter, perpetrator", p.Role))
			return
		}
		person, err := h.person(c, p.PersonID, "persons."+strconv.Itoa(i)+".person_id")
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		persons = append(persons, store.CasePerson{PersonID: person.ID, Role: p.Role})
		ids = append(ids, person.ID)
	}
	auditPersons(c, ids...)
	resource := "case"
	if def.Code == "P05" || def.Code == "P37" {
		resource = "dv_case"
		restrict(c)
	}
	// The case belongs to the centre of its first person, and only that
	// centre's staff open it.
	first, _ := h.db.PersonByID(ctx, persons[0].PersonID)
	if !h.may(c, "case", "create", first.CentreID) || (resource == "dv_case" && !h.may(c, resource, "create", first.CentreID)) {
		return
	}
	number, err := h.db.NextCaseNumber(ctx, time.Now().Year())
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	// The case is visible as soon as it is answered for; the workflow
	// writes the rest.
	if err := h.db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: def.Code, Version: def.Version, CentreID: first.CentreID,
		Status: "open", Stage: cases.StageIntake, OpenedBy: u.Username, OpenedAt: time.Now(), Persons: persons,
		DV: resource == "dv_case"}}); err != nil {
		writeError(c, h.log, err)
		return
	}
	_, err = h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CaseWorkflowID(number), TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL},
		workflows.NameCase, workflows.CaseInput{Number: number, Procedure: def.Code, Version: def.Version, CentreID: first.CentreID,
			OpenedBy: u.Username, Persons: persons, Intake: req.Intake})
	if err != nil {
		if ferr := h.db.ForgetUnstartedCase(ctx, number); ferr != nil {
			err = errors.Join(err, ferr)
		}
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; the case was not opened, try again"), err))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"number": number, "procedure": def.Code, "version": def.Version, "workflow_id": workflows.CaseWorkflowID(number)})
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
func (h *handler) listCases(c *gin.Context) {
	u := userOf(c)
	centre := c.Query("centre_id")
	if centre == "" {
		centre = u.CentreID
	}
	if !h.may(c, "case", "read", centre) {
		return
	}
	f := store.CaseFilter{CentreID: centre, Procedure: c.Query("procedure"), Status: c.Query("status"), Stage: c.Query("stage"),
		Overdue: c.Query("overdue") == "true", WithDV: h.mayDV(c), Now: time.Now()}
	switch c.Query("scope") {
	case "mine":
		f.Manager = u.Username
	case "", "team":
	default:
		writeError(c, h.log, domain.FieldError("scope", "%q is not mine or team", c.Query("scope")))
		return
	}
	if f.Status == "" {
		f.Status = "open"
	} else if f.Status == "any" {
		f.Status = ""
	}
	list, err := h.db.ListCases(c.Request.Context(), f)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := []gin.H{}
	for _, x := range list {
		if x.DV {
			restrict(c)
		}
		out = append(out, caseDTO(x))
	}
	c.JSON(http.StatusOK, gin.H{"cases": out})
}

func caseDTO(x store.Case) gin.H {
	d, _ := workflows.Procedures.Get(x.Procedure, x.Version)
	return gin.H{"number": x.Number, "procedure": x.Procedure, "version": x.Version, "procedure_name": d.Name, "centre_id": x.CentreID,
		"status": x.Status, "stage": x.Stage, "manager": x.Manager, "team": x.Team, "parent": x.Parent, "opened_by": x.OpenedBy,
		"opened_at": x.OpenedAt, "stage_due": x.StageDue, "closed_at": x.ClosedAt, "close_reason": x.CloseReason,
		"overdue": x.StageDue != nil && x.StageDue.Before(time.Now()) && x.Status == "open"}
}

// loadCase reads a case and authorises the action on it; DV cases need
// the DV permission.
func (h *handler) loadCase(c *gin.Context, action string) (store.Case, bool) {
	return h.loadCaseNumbered(c, c.Param("number"), action)
}

func (h *handler) loadCaseNumbered(c *gin.Context, number, action string) (store.Case, bool) {
	x, err := h.db.CaseByNumber(c.Request.Context(), number)
	if err != nil {
		writeError(c, h.log, err)
		return store.Case{}, false
	}
	if !h.sees(c, compartmentOf(x.DV)) {
		// Outside the compartment the case does not exist: the same answer
		// as for a number never given, and nobody's access log names it.
		writeError(c, h.log, domain.Errorf(domain.CodeNotFound, "case %s not found", number))
		return store.Case{}, false
	}
	if x.DV {
		restrict(c)
	}
	for _, p := range x.Persons {
		auditPersons(c, p.PersonID)
	}
	if x.DV && !h.may(c, "dv_case", action, x.CentreID) {
		return store.Case{}, false
	}
	return x, h.may(c, "case", action, x.CentreID)
}

// openTasks lists the case's open tasks.
func (h *handler) openTasks(c *gin.Context, x store.Case) ([]store.Task, error) {
	return h.db.Tasks(c.Request.Context(), store.TaskFilter{CentreID: x.CentreID, WorkflowID: workflows.CaseWorkflowID(x.Number), State: "open",
		Cleared: h.cleared(c)})
}

// getCase is the case page's data: the case, its persons, stages with
// deadlines, tracking list, decisions, sub-procedures, timeline, and the
// tasks waiting in it.
func (h *handler) getCase(c *gin.Context) {
	ctx := c.Request.Context()
	x, ok := h.loadCase(c, "read")
	if !ok {
		return
	}
	f, err := h.db.CaseFileOf(ctx, x.Number)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	out := caseDTO(f.Case)
	persons := []gin.H{}
	for _, p := range f.Case.Persons {
		persons = append(persons, gin.H{"person_id": p.PersonID, "role": p.Role, "name": p.Name})
	}
	out["persons"] = persons
	stages := []gin.H{}
	for _, s := range f.Stages {
		met := any(nil)
		if s.DoneAt != nil {
			met = !s.DoneAt.After(s.DueAt)
		}
		stages = append(stages, gin.H{"seq": s.Seq, "stage": s.Stage, "worker": s.Worker, "started_at": s.StartedAt, "due_at": s.DueAt,
			"done_at": s.DoneAt, "met_deadline": met})
	}
	out["stages"] = stages
	tracking := []gin.H{}
	for _, t := range f.Tracking {
		tracking = append(tracking, gin.H{"item": t.Item, "kind": t.Kind, "what": t.What, "due": t.Due.Format(time.DateOnly), "done_at": t.DoneAt,
			"done_by": t.DoneBy, "overdue": t.Overdue})
	}
	out["tracking"] = tracking
	decisions := []gin.H{}
	for _, d := range f.Decisions {
		decisions = append(decisions, gin.H{"id": d.ID, "number": d.Number, "kind": d.Kind, "prepared_by": d.PreparedBy, "approved_by": d.ApprovedBy,
			"issued_at": d.IssuedAt, "document_sha256": d.DocumentSHA256, "document_url": "/api/v1/case-decisions/" + d.ID + "/document"})
	}
	out["decisions"] = decisions
	children := []gin.H{}
	for _, ch := range f.Children {
		if !h.sees(c, compartmentOf(ch.DV)) {
			continue
		}
		children = append(children, caseDTO(ch))
	}
	out["subprocedures"] = children
	events := []gin.H{}
	for _, e := range f.Events {
		events = append(events, gin.H{"at": e.At, "kind": e.Kind, "stage": e.Stage, "by": e.By, "summary": e.Summary, "data": json.RawMessage(e.Data)})
	}
	out["history"] = events
	ts, err := h.openTasks(c, x)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	tasks := []taskDTO{}
	for _, t := range ts {
		tasks = append(tasks, toTaskDTO(t))
	}
	out["tasks"] = tasks
	c.JSON(http.StatusOK, out)
}

// submitStage records a stage's form: checked field by field against the
// stage's JSON Schema, then given to the case as its stage task's outcome.
func (h *handler) submitStage(c *gin.Context) {
	u := userOf(c)
	var req struct {
		Outcome string          `json:"outcome"`
		Data    json.RawMessage `json:"data"`
	}
	if err := bindJSON(c, &req); err != nil {
		writeError(c, h.log, err)
		return
	}
	x, ok := h.loadCase(c, "update")
	if !ok {
		return
	}
	ts, err := h.openTasks(c, x)
	if err != nil {
		writeError(c, h.log, err)
		return
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
		writeError(c, h.log, domain.Errorf(domain.CodeConflict, "case %s is not waiting for %s (it is in %s)", x.Number, stage, x.Stage))
		return
	}
	if req.Outcome == "" {
		req.Outcome = "submit"
	}
	if err := validateTaskForm(*task, req.Outcome, req.Data); err != nil {
		writeError(c, h.log, err)
		return
	}
	role := domain.Role(task.CandidateRole)
	if !u.Role.Acts(role) {
		writeError(c, h.log, domain.Errorf(domain.CodeForbidden, "%s of case %s is done by the %s role, not %s", stage, x.Number, task.CandidateRole, u.Role))
		return
	}
	if err := h.update(c, task.WorkflowID, workflows.UpdateCompleteTask, workflows.TaskCompletion{TaskID: task.ID, Outcome: req.Outcome,
		Data: req.Data, By: u.Username, Role: u.Role, CentreID: u.CentreID}); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"number": x.Number, "stage": stage, "task_id": task.ID, "completed_by": u.Username})
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
	return prefixFields(workflows.Procedures.Validate(d["form"], data), "data")
}

// caseAction does something in a case besides its stage tasks.
func (h *handler) caseAction(c *gin.Context) {
	u := userOf(c)
	var req struct {
		Action string          `json:"action"`
		Data   json.RawMessage `json:"data"`
	}
	if err := bindJSON(c, &req); err != nil {
		writeError(c, h.log, err)
		return
	}
	x, ok := h.loadCase(c, "update")
	if !ok {
		return
	}
	form := map[string]string{"add-tracking": "tracking_item", "prepare-decision": "decision"}[req.Action]
	if form != "" {
		if err := workflows.Procedures.Validate(form, req.Data); err != nil {
			writeError(c, h.log, prefixFields(err, "data"))
			return
		}
	}
	if len(req.Data) == 0 {
		req.Data = json.RawMessage("{}")
	}
	if err := h.update(c, workflows.CaseWorkflowID(x.Number), workflows.UpdateCaseAction, workflows.CaseAction{Action: req.Action,
		By: u.Username, Role: u.Role, CentreID: u.CentreID, Data: req.Data}); err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"number": x.Number, "action": req.Action, "by": u.Username})
}

// reopenCase opens a closed case again, from a new assessment; its
// history stays.
func (h *handler) reopenCase(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	x, ok := h.loadCase(c, "update")
	if !ok {
		return
	}
	if x.Status != "closed" {
		writeError(c, h.log, domain.Errorf(domain.CodeConflict, "case %s is %s; only a closed case is reopened", x.Number, x.Status))
		return
	}
	var st workflows.CaseState
	if err := h.tc.GetWorkflow(ctx, workflows.CaseWorkflowID(x.Number), "").Get(ctx, &st); err != nil {
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the case's last state could not be read; try again"), err))
		return
	}
	_, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CaseWorkflowID(x.Number), TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL},
		workflows.NameCase, workflows.CaseInput{Number: x.Number, Procedure: st.Procedure, Version: st.Version, CentreID: st.CentreID,
			Carried: &st, Reopen: true, By: u.Username})
	if err != nil {
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable; try again"), err))
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"number": x.Number, "status": "open", "stage": cases.StageInitialAssessment})
}

// caseDecisionDocument serves a case decision's PDF.
func (h *handler) caseDecisionDocument(c *gin.Context) {
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
		writeError(c, h.log, err)
		return
	}
	if _, ok := h.loadCaseNumbered(c, d.CaseNumber, "read"); !ok {
		return
	}
	if d.DocumentKey == "" {
		writeError(c, h.log, domain.Errorf(domain.CodeConflict, "decision %s has no document", d.Number))
		return
	}
	b, err := h.objects.Get(ctx, d.DocumentKey)
	if err != nil {
		writeError(c, h.log, errors.Join(domain.Errorf(domain.CodeUnavailable, "the object store is unavailable; try again"), err))
		return
	}
	c.Header("X-Content-SHA256", d.DocumentSHA256)
	c.Data(http.StatusOK, "application/pdf", b)
}

// caseReport is the supervisors' report: timeliness per stage, centre and
// worker; open cases per worker; cases by procedure and stage.
func (h *handler) caseReport(c *gin.Context) {
	ctx := c.Request.Context()
	u := userOf(c)
	centre := c.Query("centre_id")
	if centre == "" {
		centre = u.CentreID
	}
	if !h.may(c, "case_report", "read", centre) {
		return
	}
	dv := h.mayDV(c) && centre == u.CentreID
	tl, err := h.db.CaseTimeliness(ctx, centre, time.Now(), dv)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	timeliness := []gin.H{}
	for _, t := range tl {
		timeliness = append(timeliness, gin.H{"centre_id": t.CentreID, "worker": t.Worker, "stage": t.Stage, "met": t.Met, "missed": t.Missed, "open": t.Open})
	}
	workers, err := h.db.CaseCounts(ctx, centre, "worker", dv)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	perWorker := []gin.H{}
	for _, w := range workers {
		perWorker = append(perWorker, gin.H{"centre_id": w.Keys[0], "worker": w.Keys[1], "open_cases": w.Count})
	}
	procs, err := h.db.CaseCounts(ctx, centre, "procedure", dv)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	byProcedure := []gin.H{}
	for _, p := range procs {
		byProcedure = append(byProcedure, gin.H{"procedure": p.Keys[0], "status": p.Keys[1], "stage": p.Keys[2], "cases": p.Count})
	}
	c.JSON(http.StatusOK, gin.H{"centre_id": centre, "timeliness": timeliness, "open_per_worker": perWorker, "by_procedure_and_stage": byProcedure})
}
