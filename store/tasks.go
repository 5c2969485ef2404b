package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// Task is a piece of work a procedure waits for a person to do.
type Task struct {
	ID            string
	WorkflowID    string
	Type          string
	Subject       string
	PersonID      domain.PersonID
	CentreID      string
	CandidateRole string
	Assignee      string
	Owner         string
	Priority      int
	DueAt         time.Time
	FollowUpAt    *time.Time
	State         string // open, completed, cancelled
	Overdue       bool
	EscalatedTo   string
	ExcludedUsers []string
	Data          json.RawMessage
	Outcome       string
	OutcomeData   json.RawMessage
	CompletedBy   string
	CompletedAt   *time.Time
	CreatedAt     time.Time
	// Compartment is the task's restricted compartment (domain.CompartmentDV)
	// or "": outside it, the task does not exist.
	Compartment string
}

// taskColumns read a task; its overdue is true once its deadline has
// passed while it is open, whether or not its workflow has escalated it yet
// (the flag is set by the escalation; a task without one, or a worker
// behind, would show as on time).
const taskColumns = `id, workflow_id, type, subject, coalesce(person_id::text, ''), centre_id, candidate_role,
	coalesce(assignee, ''), coalesce(owner, ''), priority, due_at, follow_up_at, state,
	(overdue OR (state = 'open' AND due_at < now())) AS overdue, coalesce(escalated_to, ''),
	excluded_users, data::text, coalesce(outcome, ''), coalesce(outcome_data::text, 'null'), coalesce(completed_by, ''), completed_at, created_at, compartment`

func scanTask(r pgx.Row) (Task, error) {
	var t Task
	err := r.Scan(taskFields(nil, &t)...)
	return t, err
}

// taskFields are the destinations of taskColumns in t, appended to dest
// (appendScanned reuses one dest for a list). The data's text is scanned
// straight into its bytes, not into a string copied again.
func taskFields(dest []any, t *Task) []any {
	return append(dest[:0], &t.ID, &t.WorkflowID, &t.Type, &t.Subject, &t.PersonID, &t.CentreID, &t.CandidateRole, &t.Assignee, &t.Owner,
		&t.Priority, &t.DueAt, &t.FollowUpAt, &t.State, &t.Overdue, &t.EscalatedTo, &t.ExcludedUsers, (*[]byte)(&t.Data), &t.Outcome,
		(*[]byte)(&t.OutcomeData), &t.CompletedBy, &t.CompletedAt, &t.CreatedAt, &t.Compartment)
}

// CreateTask inserts the task; inserting the same id again changes nothing
// and returns the row that exists.
func (db *DB) CreateTask(ctx context.Context, t Task) (Task, error) {
	var person *string
	if t.PersonID != "" {
		p := string(t.PersonID)
		person = &p
	}
	if t.ExcludedUsers == nil {
		t.ExcludedUsers = []string{}
	}
	const q = `
		INSERT INTO tasks (id, workflow_id, type, subject, person_id, centre_id, candidate_role, priority, due_at, state, excluded_users, data, compartment)
		VALUES (@id, @wf, @type, @subject, @person, @centre, @role, @priority, @due, 'open', @excluded, @data, @compartment)
		ON CONFLICT (id) DO NOTHING`
	_, err := db.pool.Exec(ctx, q, pgx.NamedArgs{"id": t.ID, "wf": t.WorkflowID, "type": t.Type, "subject": t.Subject, "person": person,
		"centre": t.CentreID, "role": t.CandidateRole, "priority": t.Priority, "due": t.DueAt, "excluded": t.ExcludedUsers,
		"data": string(orEmptyJSON(t.Data)), "compartment": t.Compartment})
	if err != nil {
		return Task{}, fmt.Errorf("insert task %s: %w", t.ID, err)
	}
	return db.TaskByID(ctx, t.ID)
}

// TaskByID returns the task. Returns CodeNotFound if none.
func (db *DB) TaskByID(ctx context.Context, id string) (Task, error) {
	t, err := scanTask(db.pool.QueryRow(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = $1`, id))
	if err != nil {
		return Task{}, translate(err, "task "+id)
	}
	return t, nil
}

// TaskFilter selects tasks for an inbox. Every query is scoped to a
// centre: nobody lists another centre's work.
type TaskFilter struct {
	CentreID   string // required
	Assignee   string // tasks assigned to this user
	Role       string // tasks for this candidate role (a group inbox), or escalated to it
	Unassigned bool
	State      string // open (default), completed, cancelled, any
	Overdue    *bool
	Type       string
	Subject    string
	WorkflowID string // the tasks of one workflow (a case)
	Limit      int    // at most 500; 0: 200
	Offset     int    // rows to skip: the next page
	// Cleared lists the compartments whose tasks the reader may see; the
	// tasks of any other compartment are left out of the list and counts.
	Cleared []string
}

// TaskCounts are how many tasks match a filter, beyond the page listed,
// counted up to CountCap: a backlog beyond it is shown as "more than".
type TaskCounts struct {
	Total   int
	Overdue int
	Capped  bool // there are more than CountCap
}

// CountCap bounds an inbox's counts, so that a group's backlog of
// thousands costs no more than a thousand.
const CountCap = 1000

// Tasks lists tasks by filter, overdue first, then by due date.
func (db *DB) Tasks(ctx context.Context, f TaskFilter) ([]Task, error) {
	ts, _, err := db.TaskPage(ctx, f)
	return ts, err
}

// TaskPage is a page of Tasks with the counts of all the tasks that match.
func (db *DB) TaskPage(ctx context.Context, f TaskFilter) ([]Task, TaskCounts, error) {
	return db.AppendTaskPage(ctx, nil, f)
}

// AppendTaskPage appends TaskPage's page to into: for a caller that keeps
// its pages between requests (the API's inbox: issue 24).
func (db *DB) AppendTaskPage(ctx context.Context, into []Task, f TaskFilter) ([]Task, TaskCounts, error) {
	// Every value is a parameter PostgreSQL does not look into when it
	// plans (unseen): the statement is planned alike for every value, and
	// that plan is kept (issue 24).
	where := []string{"centre_id = " + unseen("@centre", "text"), "(compartment = '' OR compartment = ANY(" + unseen("@cleared", "text[]") + "::text[]))"}
	cleared := f.Cleared
	if cleared == nil {
		cleared = []string{}
	}
	args := pgx.NamedArgs{"centre": f.CentreID, "cleared": cleared}
	if f.Assignee != "" {
		where = append(where, "assignee = "+unseen("@assignee", "text"))
		args["assignee"] = f.Assignee
	}
	if f.Role != "" {
		args["role"] = f.Role
	}
	if f.Unassigned {
		where = append(where, "assignee IS NULL")
	}
	if f.WorkflowID != "" {
		where = append(where, "workflow_id = "+unseen("@wf", "text"))
		args["wf"] = f.WorkflowID
	}
	switch f.State {
	case "", "open":
		where = append(where, "state = 'open'")
	case "any":
	default:
		where = append(where, "state = "+unseen("@state", "text"))
		args["state"] = f.State
	}
	if f.Overdue != nil { // overdue: escalated, or past its deadline (taskColumns)
		if *f.Overdue {
			where = append(where, "(tasks.overdue OR (state = 'open' AND due_at < now()))")
		} else {
			where = append(where, "NOT tasks.overdue AND (state <> 'open' OR due_at >= now())")
		}
	}
	if f.Type != "" {
		where = append(where, "type = "+unseen("@type", "text"))
		args["type"] = f.Type
	}
	if f.Subject != "" {
		where = append(where, "subject = "+unseen("@subject", "text"))
		args["subject"] = f.Subject
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	// The page's bounds too are unseen: PostgreSQL plans for a tenth of
	// the matching rows, which reads a page in the index's order, whatever
	// the page's size.
	args["limit"], args["offset"], args["upto"], args["cap"] = limit, max(f.Offset, 0), limit+max(f.Offset, 0), CountCap+1
	lim, off, upto, counted := unseen("@limit", "bigint"), unseen("@offset", "bigint"), unseen("@upto", "bigint"), unseen("@cap", "bigint")
	// A group's inbox is its role's tasks and those escalated to it: two
	// branches, each read in inbox order from its own index (migration
	// 00009) and merged, so that a page costs its rows, not the group's
	// whole backlog; the counts read the same indexes.
	base := strings.Join(where, " AND ")
	branches := []string{base}
	if f.Role != "" {
		role := unseen("@role", "text")
		branches = []string{base + " AND candidate_role = " + role,
			base + " AND escalated_to = " + role + " AND candidate_role <> " + role}
	}
	// Read in the indexes' order (the escalation's flag, then the deadline:
	// a task past its deadline but not yet escalated comes right after the
	// escalated ones); the merged branches in the same order.
	const order = ` ORDER BY tasks.overdue DESC, due_at, priority DESC, created_at`
	const merged = ` ORDER BY overdue DESC, due_at, priority DESC, created_at`
	var page, count []string
	for _, b := range branches {
		page = append(page, `(SELECT `+taskColumns+` FROM tasks WHERE `+b+order+` LIMIT `+upto+`)`)
		count = append(count, `SELECT count(*) AS n, count(*) FILTER (WHERE overdue OR (state = 'open' AND due_at < now())) AS o FROM (SELECT tasks.overdue, state, due_at FROM tasks WHERE `+b+order+` LIMIT `+counted+`) x`)
	}
	q := `SELECT ` + taskColumns + ` FROM tasks WHERE ` + base + order + ` LIMIT ` + lim + ` OFFSET ` + off
	if len(page) > 1 {
		q = strings.Join(page, " UNION ALL ") + merged + ` LIMIT ` + lim + ` OFFSET ` + off
	}
	rows, err := db.pool.Query(ctx, q, args)
	if err != nil {
		return nil, TaskCounts{}, fmt.Errorf("select tasks: %w", err)
	}
	ts, err := appendScanned(slices.Grow(into, limit), rows, taskFields)
	if err != nil {
		return nil, TaskCounts{}, fmt.Errorf("select tasks: %w", err)
	}
	var counts TaskCounts
	if len(ts) < limit && f.Offset == 0 { // the whole list is on the page
		counts.Total = len(ts)
		for _, t := range ts {
			if t.Overdue {
				counts.Overdue++
			}
		}
		return ts, counts, nil
	}
	key := f.countKey()
	if c, ok := db.taskCounts.recall(key, time.Now()); ok {
		return ts, c, nil
	}
	cq := `SELECT coalesce(sum(n), 0), coalesce(sum(o), 0) FROM (` + strings.Join(count, " UNION ALL ") + `) c`
	if err := db.pool.QueryRow(ctx, cq, args).Scan(&counts.Total, &counts.Overdue); err != nil {
		return nil, TaskCounts{}, fmt.Errorf("count tasks: %w", err)
	}
	if counts.Total > CountCap {
		counts.Total, counts.Capped = CountCap, true
		counts.Overdue = min(counts.Overdue, CountCap)
	}
	db.taskCounts.remember(key, counts, time.Now())
	return ts, counts, nil
}

// countKey is everything that decides a filter's counts (not its page).
func (f TaskFilter) countKey() string {
	overdue := "-"
	if f.Overdue != nil {
		overdue = strconv.FormatBool(*f.Overdue)
	}
	return strings.Join([]string{f.CentreID, strings.Join(f.Cleared, ","), f.Assignee, f.Role, strconv.FormatBool(f.Unassigned),
		f.WorkflowID, f.State, overdue, f.Type, f.Subject}, "\x00")
}

// countsFresh is how long the counts of a list longer than its page are
// reused (issue 24: at 500 requests/s a group's inbox counted up to a
// thousand rows in each branch for every request, a fifth of
// PostgreSQL's time). A list that fits on its page is counted from the
// page, always exact.
const countsFresh = time.Second

// countsMemo keeps recent counts by filter: the compartments a reader is
// cleared for are part of the key, so no reader gets counts that include
// what they may not see. At most countsKept filters.
type countsMemo struct {
	mu sync.Mutex
	m  map[string]countsAt
}

type countsAt struct {
	c        TaskCounts
	at       time.Time
	counting time.Time // when a reader began counting them again; zero while none is
}

const countsKept = 4096

// recall returns the counts kept for key while they are fresh. Once they
// are stale, the first reader to ask is told to count them again (false);
// until it remembers them, or for countsFresh if it never does, the other
// readers get the stale counts, so counts are at most two countsFresh old.
// Every reader that found them stale used to count them at once: at 500
// requests a second the counts then queued behind one another, with
// every connection of the pool, for up to half a second (issue 24).
func (m *countsMemo) recall(key string, now time.Time) (TaskCounts, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[key]
	switch {
	case !ok || now.Before(e.at):
		return TaskCounts{}, false
	case now.Sub(e.at) < countsFresh:
		return e.c, true
	case !e.counting.IsZero() && !now.Before(e.counting) && now.Sub(e.counting) < countsFresh:
		return e.c, true // another reader is counting them again
	}
	e.counting = now
	m.m[key] = e
	return TaskCounts{}, false
}

func (m *countsMemo) remember(key string, c TaskCounts, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]countsAt{}
	}
	if len(m.m) >= countsKept {
		for k, e := range m.m {
			if now.Sub(e.at) >= countsFresh {
				delete(m.m, k)
			}
		}
		if len(m.m) >= countsKept {
			clear(m.m)
		}
	}
	m.m[key] = countsAt{c: c, at: now}
}

// AssignTask sets (or, with assignee "", clears) the assignee of an open
// task, if its current assignee is expect. Returns CodeConflict when the
// task is no longer open or someone else holds it.
func (db *DB) AssignTask(ctx context.Context, id, expect, assignee string) (Task, error) {
	var to *string
	if assignee != "" {
		to = &assignee
	}
	const q = `UPDATE tasks SET assignee = @to, owner = coalesce(owner, @to)
		WHERE id = @id AND state = 'open' AND coalesce(assignee, '') = @expect`
	tag, err := db.pool.Exec(ctx, q, pgx.NamedArgs{"id": id, "to": to, "expect": expect})
	if err != nil {
		return Task{}, fmt.Errorf("assign task %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		t, err := db.TaskByID(ctx, id)
		if err != nil {
			return Task{}, err
		}
		if t.State != "open" {
			return Task{}, domain.Errorf(domain.CodeConflict, "task %s is %s", id, t.State)
		}
		return Task{}, domain.Errorf(domain.CodeConflict, "task %s is held by %s", id, or(t.Assignee, "nobody"))
	}
	return db.TaskByID(ctx, id)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CompleteTaskRecord records the outcome the workflow accepted. Recording
// it again changes nothing.
func (db *DB) CompleteTaskRecord(ctx context.Context, id, outcome string, data json.RawMessage, by string, at time.Time) error {
	const q = `UPDATE tasks SET state = 'completed', outcome = @outcome, outcome_data = @data, completed_by = @by,
		completed_at = @at, assignee = coalesce(assignee, @by)
		WHERE id = @id AND state = 'open'`
	_, err := db.pool.Exec(ctx, q, pgx.NamedArgs{"id": id, "outcome": outcome, "data": string(orEmptyJSON(data)), "by": by, "at": at})
	if err != nil {
		return fmt.Errorf("complete task %s: %w", id, err)
	}
	return nil
}

// EscalateTask marks an open task overdue and shows it in role's inbox too.
func (db *DB) EscalateTask(ctx context.Context, id, role string, at time.Time) error {
	const q = `UPDATE tasks SET overdue = true, escalated_to = @role, escalated_at = coalesce(escalated_at, @at)
		WHERE id = @id AND state = 'open'`
	if _, err := db.pool.Exec(ctx, q, pgx.NamedArgs{"id": id, "role": role, "at": at}); err != nil {
		return fmt.Errorf("escalate task %s: %w", id, err)
	}
	return nil
}

// CompartmentOfWorkflow is the compartment a workflow's tasks belong to:
// domain.CompartmentDV for a police notification and for a DV case or any
// sub-procedure of one, else "".
func (db *DB) CompartmentOfWorkflow(ctx context.Context, workflowID string) (string, error) {
	if strings.HasPrefix(workflowID, "dv/") {
		return domain.CompartmentDV, nil
	}
	number, ok := strings.CutPrefix(workflowID, "case/")
	if !ok {
		return "", nil
	}
	var dv bool
	err := db.pool.QueryRow(ctx, `SELECT coalesce((SELECT dv FROM cases WHERE number = $1), false)`, number).Scan(&dv)
	if err != nil {
		return "", fmt.Errorf("compartment of %s: %w", workflowID, err)
	}
	if dv {
		return domain.CompartmentDV, nil
	}
	return "", nil
}

// CancelOpenTasks cancels every open task of a workflow.
func (db *DB) CancelOpenTasks(ctx context.Context, workflowID string) error {
	_, err := db.pool.Exec(ctx, `UPDATE tasks SET state = 'cancelled' WHERE workflow_id = $1 AND state = 'open'`, workflowID)
	if err != nil {
		return fmt.Errorf("cancel tasks of %s: %w", workflowID, err)
	}
	return nil
}
