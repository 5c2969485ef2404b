package api

import (
	"encoding/json"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

type taskDTO struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Subject       string          `json:"subject"`
	PersonID      *string         `json:"person_id"`
	PersonName    *string         `json:"person_name,omitempty"` // read at the time of the request (nameTasks)
	Channel       string          `json:"channel,omitempty"`     // "online": a claim's task, the claim filed online by its applicant (nameTasks)
	CentreID      string          `json:"centre_id"`
	CandidateRole string          `json:"candidate_group"`
	Assignee      *string         `json:"assignee"`
	Owner         *string         `json:"owner"`
	Priority      int             `json:"priority"`
	DueAt         instant         `json:"due_at"`
	FollowUpAt    *instant        `json:"follow_up_at"`
	State         string          `json:"state"`
	Overdue       bool            `json:"overdue"`
	EscalatedTo   *string         `json:"escalated_to"`
	Data          json.RawMessage `json:"data"`
	Outcome       *string         `json:"outcome"`
	OutcomeData   json.RawMessage `json:"outcome_data"`
	CompletedBy   *string         `json:"completed_by"`
	CompletedAt   *instant        `json:"completed_at"`
	CreatedAt     instant         `json:"created_at"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toTaskDTO(t store.Task) taskDTO {
	return taskDTO{ID: t.ID, Type: t.Type, Subject: t.Subject, PersonID: strPtr(string(t.PersonID)), CentreID: t.CentreID,
		CandidateRole: t.CandidateRole + "@" + t.CentreID, Assignee: strPtr(t.Assignee), Owner: strPtr(t.Owner), Priority: t.Priority,
		DueAt: instant(t.DueAt), FollowUpAt: (*instant)(t.FollowUpAt), State: t.State, Overdue: t.Overdue, EscalatedTo: strPtr(t.EscalatedTo), Data: t.Data,
		Outcome: strPtr(t.Outcome), OutcomeData: t.OutcomeData, CompletedBy: strPtr(t.CompletedBy), CompletedAt: (*instant)(t.CompletedAt), CreatedAt: instant(t.CreatedAt)}
}

// listTasks is the inbox: ?assignee=me, or ?group=mine (the user's role at
// the user's centre, unassigned or not), with state, overdue, type and
// sort=due. Always scoped to the user's centre.
func (h *handler) listTasks(c *gin.Context) (*taskPage, error) {
	u := userOf(c)
	f := store.TaskFilter{CentreID: u.CentreID, State: c.DefaultQuery("state", "open"), Type: c.Query("type"), Cleared: h.cleared(c)}
	switch c.Query("state") {
	case "", "open", "completed", "cancelled", "any":
	default:
		return nil, domain.FieldError("state", "must be open, completed, cancelled or any")
	}
	switch a := c.Query("assignee"); a {
	case "":
	case "me":
		f.Assignee = u.Username
	default:
		if _, ok := domain.DemoUser(a); !ok {
			return nil, domain.FieldError("assignee", "unknown user %q (use me)", a)
		}
		if !u.Role.Acts(domain.RoleSupervisor) && a != u.Username {
			return nil, domain.Errorf(domain.CodeForbidden, "only a supervisor lists another person's tasks")
		}
		f.Assignee = a
	}
	switch g := c.Query("group"); g {
	case "":
		if f.Assignee == "" {
			f.Role = string(u.Role)
		}
	case "mine", string(u.Role), string(u.Role) + "@" + u.CentreID:
		f.Role = string(u.Role)
	case "all": // the board: every group's tasks of the centre (issue 17)
		if !u.Role.Acts(domain.RoleSupervisor) {
			return nil, domain.FieldError("group", "you can list your own group only (%s@%s)", u.Role, u.CentreID)
		}
	default:
		if !u.Role.Acts(domain.RoleSupervisor) {
			return nil, domain.FieldError("group", "you can list your own group only (%s@%s)", u.Role, u.CentreID)
		}
		f.Role = g
	}
	if c.Query("unassigned") == "true" {
		f.Unassigned = true
	}
	if v := c.Query("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, domain.FieldError("overdue", "must be true or false")
		}
		f.Overdue = &b
	}
	if s := c.Query("sort"); s != "" && s != "due" {
		return nil, domain.FieldError("sort", "the inbox sorts by due date (overdue first): sort=due")
	}
	// A page at a time, most urgent first: the counts say how many there are.
	var err error
	if f.Limit, err = queryInt(c, "limit", 50, 1, 500); err != nil {
		return nil, err
	}
	if f.Offset, err = queryInt(c, "offset", 0, 0, 100000); err != nil {
		return nil, err
	}
	kept := taskPages.get()
	ts, n, err := h.db.AppendTaskPage(c.Request.Context(), (*kept)[:0], f)
	if err != nil {
		return nil, err
	}
	var ids []domain.PersonID
	var claims []string
	for _, t := range ts {
		if t.Compartment != "" {
			restrict(c)
		}
		if t.PersonID != "" {
			ids = append(ids, t.PersonID)
		}
		if claimsTask(t.Type) {
			claims = append(claims, t.Subject)
		}
	}
	auditPersons(c, ids...)
	page := &taskPage{tasks: ts, kept: kept, counts: taskCounts{Total: n.Total, Overdue: n.Overdue, More: n.Capped, Shown: len(ts), Offset: f.Offset}}
	if page.names, page.online, err = h.namesAndOnline(c, ids, claims); err != nil {
		return nil, err
	}
	return page, nil
}

// taskPage is the inbox's answer as read: the page of tasks, their
// persons' names, which of their claims were filed online, the counts. It
// is written as a taskList (its tasks' taskDTOs, named), straight from the
// store's tasks (listjson.go), and the page is kept between requests: the
// page of answer items built from it, and its pointers, were what the
// inbox allocated most, and the collections they paid for set its tail
// (issue 24).
type taskPage struct {
	tasks  []store.Task
	names  map[domain.PersonID]string
	online map[string]bool
	counts taskCounts
	kept   *[]store.Task // where the page goes back once written (release)
}

// taskPages keep the inbox's pages between requests (taskPage.release).
var taskPages keptPages[store.Task]

// release gives the page back, emptied, once its answer is written.
func (p *taskPage) release() {
	taskPages.put(p.kept, p.tasks)
	p.tasks, p.kept = nil, nil
}

// list is the page as a taskList, the answer's documented shape.
func (p *taskPage) list() *taskList {
	out := &taskList{Tasks: make([]taskDTO, 0, len(p.tasks)), Counts: p.counts}
	for _, t := range p.tasks {
		d := toTaskDTO(t)
		d.name(p.names, p.online)
		out.Tasks = append(out.Tasks, d)
	}
	return out
}

// taskList is a page of the inbox; the counts say how many there are.
type taskList struct {
	Tasks  []taskDTO  `json:"tasks"`
	Counts taskCounts `json:"counts"`
}

type taskCounts struct {
	Total   int  `json:"total"`
	Overdue int  `json:"overdue"`
	More    bool `json:"more"` // the counts stopped at their cap
	Shown   int  `json:"shown"`
	Offset  int  `json:"offset"`
}

// loadTask returns the task if it is in the user's centre and for the
// user's role (or escalated to it).
func (h *handler) loadTask(c *gin.Context) (store.Task, domain.User, error) {
	u := userOf(c)
	t, err := h.db.TaskByID(c.Request.Context(), c.Param("id"))
	if err == nil && !h.sees(c, t.Compartment) {
		err = domain.Errorf(domain.CodeNotFound, "task %s not found", c.Param("id"))
	}
	if err != nil {
		return store.Task{}, u, err
	}
	if t.Compartment != "" {
		restrict(c)
	}
	if t.PersonID != "" {
		auditPersons(c, t.PersonID)
	}
	if err := h.allow(c, "task", "update", t.CentreID); err != nil {
		return store.Task{}, u, err
	}
	if !u.Role.Acts(domain.Role(t.CandidateRole)) && !u.Role.Acts(domain.Role(t.EscalatedTo)) {
		return store.Task{}, u, domain.Errorf(domain.CodeForbidden, "task %s is for the %s group; you are %s", t.ID, t.CandidateRole, u.Role)
	}
	return t, u, nil
}

func (h *handler) claimTask(c *gin.Context) (*taskDTO, error) {
	t, u, err := h.loadTask(c)
	if err != nil {
		return nil, err
	}
	switch t.Assignee {
	case u.Username:
		dto := toTaskDTO(t)
		return &dto, nil
	case "":
		return h.assign(c, t, u.Username)
	default:
		return nil, domain.Errorf(domain.CodeConflict, "task %s is held by %s", t.ID, t.Assignee)
	}
}

func (h *handler) releaseTask(c *gin.Context) (*taskDTO, error) {
	t, u, err := h.loadTask(c)
	if err != nil {
		return nil, err
	}
	if t.Assignee != u.Username && !u.Role.Acts(domain.RoleSupervisor) {
		return nil, domain.Errorf(domain.CodeForbidden, "task %s is held by %s", t.ID, or(t.Assignee, "nobody"))
	}
	return h.assign(c, t, "")
}

func (h *handler) delegateTask(c *gin.Context) (*taskDTO, error) {
	t, u, err := h.loadTask(c)
	if err != nil {
		return nil, err
	}
	var req struct {
		To string `json:"to"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	to, known := domain.DemoUser(req.To)
	if !known || to.CentreID != t.CentreID || !to.Role.Acts(domain.Role(t.CandidateRole)) {
		return nil, domain.FieldError("to", "%q is not a %s of %s", req.To, t.CandidateRole, t.CentreID)
	}
	if t.Assignee != u.Username && !u.Role.Acts(domain.RoleSupervisor) {
		return nil, domain.Errorf(domain.CodeForbidden, "only the assignee or a supervisor delegates task %s", t.ID)
	}
	return h.assign(c, t, to.Username)
}

// assign hands the task from its current assignee to another ("" gives
// it back to the group) and answers with the task.
func (h *handler) assign(c *gin.Context, t store.Task, to string) (*taskDTO, error) {
	t, err := h.db.AssignTask(c.Request.Context(), t.ID, t.Assignee, to)
	if err != nil {
		return nil, err
	}
	dto := toTaskDTO(t)
	return &dto, nil
}

// completeTask sends the outcome to the waiting workflow as an Update; the
// workflow's validator has the last word (stale, four eyes, ranges).
func (h *handler) completeTask(c *gin.Context) (*taskCompleted, error) {
	t, u, err := h.loadTask(c)
	if err != nil {
		return nil, err
	}
	var req struct {
		Outcome string          `json:"outcome"`
		Data    json.RawMessage `json:"data"`
	}
	if err := bindJSON(c, &req); err != nil {
		return nil, err
	}
	if req.Outcome == "" {
		return nil, domain.FieldError("outcome", "is required")
	}
	if t.State != "open" {
		return nil, domain.Errorf(domain.CodeConflict, "task %s is %s; the first outcome stands", t.ID, t.State)
	}
	if t.Assignee != "" && t.Assignee != u.Username {
		return nil, domain.Errorf(domain.CodeForbidden, "task %s is held by %s", t.ID, t.Assignee)
	}
	if err := validateTaskForm(t, req.Outcome, req.Data); err != nil {
		return nil, err
	}
	role := domain.Role(t.CandidateRole)
	if !u.Role.Acts(role) {
		// an escalated task is shown to the supervisors; its own group completes it
		return nil, domain.Errorf(domain.CodeForbidden, "task %s is for the %s group; reassign it to act on it", t.ID, t.CandidateRole)
	}
	if err := h.grantExcluded(c, t, req.Outcome); err != nil {
		return nil, err
	}
	if err := h.placementLapsed(c, t, req.Outcome); err != nil { // a placement's provider still in force (inspections.go)
		return nil, err
	}
	err = h.update(c, t.WorkflowID, workflows.UpdateCompleteTask, workflows.TaskCompletion{
		TaskID: t.ID, Outcome: req.Outcome, Data: req.Data, By: u.Username, Role: role, CentreID: u.CentreID})
	if err != nil {
		return nil, err
	}
	return &taskCompleted{TaskID: t.ID, Outcome: req.Outcome, CompletedBy: u.Username}, nil
}

// grantExcluded refuses (409) the approval of a claim's grant when its
// holders have since come to hold a right that excludes it (issue 16;
// the workflow checks again before the decision is issued).
func (h *handler) grantExcluded(c *gin.Context, t store.Task, outcome string) error {
	if t.Type != workflows.TaskApprove || outcome != "approve" {
		return nil
	}
	var data struct{ Decision string }
	if json.Unmarshal(t.Data, &data) != nil || data.Decision != "grant" {
		return nil
	}
	cl, err := h.db.ClaimByNumber(c.Request.Context(), t.Subject)
	if err != nil {
		return err
	}
	return h.excluded(c, cl.Number, benefits.Code(cl.Benefit), cl.Members, cl.SubjectID)
}

type taskCompleted struct {
	TaskID      string `json:"task_id"`
	Outcome     string `json:"outcome"`
	CompletedBy string `json:"completed_by"`
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// queryInt reads a whole-number query parameter between lo and hi (def
// when absent); out of range is a 400 naming it.
func queryInt(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, domain.FieldError(name, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}
