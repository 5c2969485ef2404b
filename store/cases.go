package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// Case is a case's row: where it stands.
type Case struct {
	Number      string
	Procedure   string
	Version     int
	CentreID    string
	Status      string // open, closed, information_only, benefit_application
	Stage       string
	Manager     string
	Team        []string
	Parent      string
	OpenedBy    string
	OpenedAt    time.Time
	StageDue    *time.Time
	ClosedAt    *time.Time
	CloseReason string
	DV          bool
	Persons     []CasePerson
}

// CasePerson is a person in a case and their part in it.
type CasePerson struct {
	PersonID domain.PersonID
	Role     string // beneficiary, family, guardian, reporter, perpetrator
	Name     string // read only
}

// CaseEvent is one line of a case's timeline.
type CaseEvent struct {
	Key     string // unique: a retried write changes nothing
	At      time.Time
	Kind    string
	Stage   string
	By      string
	Summary string
	Data    json.RawMessage
}

// CaseStage is one run of a stage with its deadline.
type CaseStage struct {
	Seq       int
	Stage     string
	CentreID  string
	Worker    string
	StartedAt time.Time
	DueAt     time.Time
	DoneAt    *time.Time
}

// TrackingItem is an entry of a case's tracking list.
type TrackingItem struct {
	Item    int
	Kind    string
	What    string
	Due     time.Time
	DoneAt  *time.Time
	DoneBy  string
	Overdue bool
}

// CaseRecord is what one step of a case writes, in one transaction: the
// case's row (always), and optionally an event, a stage run and a
// tracking item.
type CaseRecord struct {
	Case     Case
	Event    *CaseEvent
	Stage    *CaseStage
	Tracking *TrackingItem
}

// NextCaseNumber gives a new case number, S-<year>-<six digits>.
func (db *DB) NextCaseNumber(ctx context.Context, year int) (string, error) {
	var seq int64
	if err := db.pool.QueryRow(ctx, `SELECT nextval('case_number_seq')`).Scan(&seq); err != nil {
		return "", fmt.Errorf("next case number: %w", err)
	}
	return fmt.Sprintf("S-%d-%06d", year, seq), nil
}

// RecordCase writes a step of a case. Writing the same step again (a
// retry) changes nothing more.
func (db *DB) RecordCase(ctx context.Context, r CaseRecord) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		c := r.Case
		if c.Team == nil {
			c.Team = []string{}
		}
		var parent *string
		if c.Parent != "" {
			parent = &c.Parent
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO cases (number, procedure, version, centre_id, status, stage, manager, team, parent, opened_by, opened_at, stage_due, closed_at, close_reason, dv)
			VALUES (@number, @procedure, @version, @centre, @status, @stage, @manager, @team, @parent, @opened_by, @opened_at, @stage_due, @closed_at, @reason,
				@dv OR coalesce((SELECT dv FROM cases WHERE number = @parent), false))
			ON CONFLICT (number) DO UPDATE SET centre_id = excluded.centre_id, status = excluded.status, stage = excluded.stage,
				manager = excluded.manager, team = excluded.team, stage_due = excluded.stage_due, closed_at = excluded.closed_at,
				close_reason = excluded.close_reason, dv = cases.dv OR excluded.dv, updated_at = now()`,
			pgx.NamedArgs{"number": c.Number, "procedure": c.Procedure, "version": c.Version, "centre": c.CentreID, "status": c.Status,
				"stage": c.Stage, "manager": c.Manager, "team": c.Team, "parent": parent, "opened_by": c.OpenedBy, "opened_at": c.OpenedAt,
				"stage_due": c.StageDue, "closed_at": c.ClosedAt, "reason": c.CloseReason, "dv": c.DV})
		if err != nil {
			return translate(err, "case "+c.Number)
		}
		for _, p := range c.Persons {
			if _, err := tx.Exec(ctx, `INSERT INTO case_persons (case_number, person_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				c.Number, string(p.PersonID), p.Role); err != nil {
				return translate(err, "person "+string(p.PersonID))
			}
		}
		if e := r.Event; e != nil {
			data := e.Data
			if len(data) == 0 {
				data = json.RawMessage("{}")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO case_events (case_number, event_key, at, kind, stage, by_user, summary, data)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_key) DO NOTHING`,
				c.Number, e.Key, e.At, e.Kind, e.Stage, e.By, e.Summary, string(data)); err != nil {
				return fmt.Errorf("case event: %w", err)
			}
		}
		if s := r.Stage; s != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO case_stages (case_number, seq, stage, centre_id, worker, started_at, due_at, done_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (case_number, seq) DO UPDATE SET worker = excluded.worker, done_at = excluded.done_at, centre_id = excluded.centre_id`,
				c.Number, s.Seq, s.Stage, s.CentreID, s.Worker, s.StartedAt, s.DueAt, s.DoneAt); err != nil {
				return fmt.Errorf("case stage: %w", err)
			}
			if err := recordStageFact(ctx, tx, c.Number, *s); err != nil {
				return err
			}
		}
		if t := r.Tracking; t != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO case_tracking (case_number, item, kind, what, due, done_at, done_by, overdue)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (case_number, item) DO UPDATE SET done_at = excluded.done_at, done_by = excluded.done_by, overdue = excluded.overdue`,
				c.Number, t.Item, t.Kind, t.What, t.Due, t.DoneAt, t.DoneBy, t.Overdue); err != nil {
				return fmt.Errorf("case tracking: %w", err)
			}
		}
		return nil
	})
}

// TransferCase moves a case and its open tasks to another centre; the
// history stays.
func (db *DB) TransferCase(ctx context.Context, number, workflowID, centre string) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE cases SET centre_id = $2, updated_at = now() WHERE number = $1`, number, centre); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE tasks SET centre_id = $2, assignee = NULL WHERE workflow_id = $1 AND state = 'open'`, workflowID, centre)
		return err
	})
}

// CaseDecision is a decision (rješenje) issued in a case.
type CaseDecision struct {
	ID             string
	CaseNumber     string
	Seq            int
	Number         string
	Kind           string
	Reasoning      string
	PreparedBy     string
	ApprovedBy     string
	IssuedAt       time.Time
	DocumentKey    string
	DocumentSHA256 string
}

// IssueCaseDecision numbers a case's decision from the centre's gapless
// counter (shared with benefit decisions) and records it with its
// document; issuing the same (case, seq) again returns the first.
func (db *DB) IssueCaseDecision(ctx context.Context, d CaseDecision, centre string, render func(CaseDecision) (key, sha string, err error)) (CaseDecision, error) {
	var out CaseDecision
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id::text, number, issued_at, document_key, document_sha256 FROM case_decisions WHERE case_number = $1 AND seq = $2`,
			d.CaseNumber, d.Seq).Scan(&out.ID, &out.Number, &out.IssuedAt, &out.DocumentKey, &out.DocumentSHA256)
		if err == nil {
			out.CaseNumber, out.Seq, out.Kind = d.CaseNumber, d.Seq, d.Kind
			return nil
		} else if err != pgx.ErrNoRows {
			return err
		}
		if d.ID, d.Number, _, err = nextDecisionNumber(ctx, tx, centre, d.IssuedAt); err != nil {
			return err
		}
		if d.DocumentKey, d.DocumentSHA256, err = render(d); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO case_decisions (id, case_number, seq, number, kind, reasoning, prepared_by, approved_by, issued_at, document_key, document_sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			d.ID, d.CaseNumber, d.Seq, d.Number, d.Kind, d.Reasoning, d.PreparedBy, d.ApprovedBy, d.IssuedAt, d.DocumentKey, d.DocumentSHA256)
		out = d
		return err
	})
	return out, err
}

// CaseDecisionByID returns a case decision. Returns CodeNotFound if none.
func (db *DB) CaseDecisionByID(ctx context.Context, id string) (CaseDecision, error) {
	var d CaseDecision
	err := db.pool.QueryRow(ctx, `SELECT id::text, case_number, seq, number, kind, reasoning, prepared_by, approved_by, issued_at,
		document_key, document_sha256 FROM case_decisions WHERE id::text = $1`, id).Scan(
		&d.ID, &d.CaseNumber, &d.Seq, &d.Number, &d.Kind, &d.Reasoning, &d.PreparedBy, &d.ApprovedBy, &d.IssuedAt, &d.DocumentKey, &d.DocumentSHA256)
	if err != nil {
		return CaseDecision{}, translate(err, "decision "+id)
	}
	return d, nil
}

const caseColumns = `c.number, c.procedure, c.version, c.centre_id, c.status, c.stage, c.manager, c.team, coalesce(c.parent, ''), c.opened_by,
	c.opened_at, c.stage_due, c.closed_at, c.close_reason, c.dv`

func scanCase(r pgx.Row) (Case, error) {
	var c Case
	err := r.Scan(caseFields(nil, &c)...)
	return c, err
}

// caseFields are the destinations of caseColumns in c, appended to dest
// (appendScanned reuses one dest for a list).
func caseFields(dest []any, c *Case) []any {
	return append(dest[:0], &c.Number, &c.Procedure, &c.Version, &c.CentreID, &c.Status, &c.Stage, &c.Manager, &c.Team, &c.Parent, &c.OpenedBy,
		&c.OpenedAt, &c.StageDue, &c.ClosedAt, &c.CloseReason, &c.DV)
}

// CaseFilter selects cases for a list. Empty fields do not filter.
type CaseFilter struct {
	CentreID  string
	Manager   string
	Procedure string
	Status    string
	Stage     string
	Overdue   bool // the stage's deadline or a tracking item is past due
	WithDV    bool // include domestic-violence cases (the DV permission)
	Now       time.Time
	Limit     int
}

// ListCases lists cases, the most urgent deadline first. The query names
// only the filters given, each as its own condition, so that the planner
// can use the open cases' partial indexes (a generic "$n = ” OR ..." it
// could not: at 500 requests/s such a list scanned every case, issue 24).
func (db *DB) ListCases(ctx context.Context, f CaseFilter) ([]Case, error) {
	return db.AppendCases(ctx, nil, f)
}

// AppendCases appends ListCases's page to page: for a caller that keeps
// its pages between requests (the API's case list: issue 24).
func (db *DB) AppendCases(ctx context.Context, page []Case, f CaseFilter) ([]Case, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q, args := caseListQuery(f)
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	// Sized for a full page up front: growing it was 3% of the API's CPU
	// on the case lists at 500 requests/s (issue 24).
	return appendScanned(slices.Grow(page, f.Limit), rows, caseFields)
}

// caseListQuery is ListCases's query of f, with its arguments.
func caseListQuery(f CaseFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	// Every value is a parameter PostgreSQL does not look into when it
	// plans (unseen): the statement is planned alike for every value, and
	// that plan is kept (issue 24).
	arg := func(v any, typ string) string {
		args = append(args, v)
		return unseen(fmt.Sprintf("$%d", len(args)), typ)
	}
	if f.CentreID != "" {
		where = append(where, "c.centre_id = "+arg(f.CentreID, "text"))
	}
	for _, c := range []struct{ column, value string }{{"c.manager", f.Manager}, {"c.procedure", f.Procedure}, {"c.stage", f.Stage}} {
		if c.value != "" {
			where = append(where, c.column+" = "+arg(c.value, "text"))
		}
	}
	switch f.Status {
	case "":
	case "open", "closed": // literal: the partial indexes are for status = 'open'
		where = append(where, "c.status = '"+f.Status+"'")
	default:
		where = append(where, "c.status = "+arg(f.Status, "text"))
	}
	if !f.WithDV {
		where = append(where, "NOT c.dv")
	}
	limit := arg(f.Limit, "bigint") // a page read in the index's order, whatever its size (unseen)
	if f.Overdue {
		return overdueCases(where, arg(f.Now, "timestamptz"), limit), args
	}
	q := `SELECT ` + caseColumns + ` FROM cases c`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	return q + ` ORDER BY c.stage_due NULLS LAST, c.number LIMIT ` + limit, args
}

// overdueCases is the query of the overdue cases among those where
// selects: two branches, each in the list's order and cut at the limit,
// merged. The first takes the cases past their stage's deadline, in
// deadline order from the open cases' indexes, so that it reads about as
// many cases as the page shows. The second takes the other cases with a
// tracking item past due. No case is in both, so nothing is read twice
// (issue 24: the list had read every overdue case of the centre, then
// each again by its number, 1,283 pages for 100 rows).
func overdueCases(where []string, now, limit string) string {
	base := append(where[:len(where):len(where)], "")
	branch := func(cond, order string) string {
		base[len(base)-1] = cond
		return `(SELECT ` + caseColumns + ` FROM cases c WHERE ` + strings.Join(base, " AND ") + order + limit + `)`
	}
	return branch("c.stage_due < "+now, ` ORDER BY c.stage_due, c.number LIMIT `) + ` UNION ALL ` +
		branch("(c.stage_due IS NULL OR c.stage_due >= "+now+") AND c.number IN (SELECT t.case_number FROM case_tracking t WHERE t.done_at IS NULL AND t.due < "+now+"::date)",
			` ORDER BY c.stage_due NULLS LAST, c.number LIMIT `) +
		` ORDER BY stage_due NULLS LAST, number LIMIT ` + limit
}

// CaseFile is everything the case page shows.
type CaseFile struct {
	Case      Case
	Events    []CaseEvent
	Stages    []CaseStage
	Tracking  []TrackingItem
	Decisions []CaseDecision
	Children  []Case
}

// CaseByNumber returns a case with its persons. Returns CodeNotFound if none.
func (db *DB) CaseByNumber(ctx context.Context, number string) (Case, error) {
	c, err := scanCase(db.pool.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.number = $1`, number))
	if err != nil {
		return Case{}, translate(err, "case "+number)
	}
	rows, err := db.pool.Query(ctx, `SELECT cp.person_id::text, cp.role, p.given_name || ' ' || p.family_name FROM case_persons cp
		JOIN persons p ON p.id = cp.person_id WHERE cp.case_number = $1 ORDER BY cp.role, p.family_name`, number)
	if err != nil {
		return Case{}, err
	}
	c.Persons, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CasePerson, error) {
		var p CasePerson
		err := r.Scan(&p.PersonID, &p.Role, &p.Name)
		return p, err
	})
	return c, err
}

// CaseFileOf returns the case with its timeline, stages, tracking list,
// decisions and sub-procedures.
func (db *DB) CaseFileOf(ctx context.Context, number string) (CaseFile, error) {
	c, err := db.CaseByNumber(ctx, number)
	if err != nil {
		return CaseFile{}, err
	}
	f := CaseFile{Case: c}
	rows, err := db.pool.Query(ctx, `SELECT event_key, at, kind, stage, by_user, summary, data FROM case_events WHERE case_number = $1 ORDER BY at, id`, number)
	if err != nil {
		return f, err
	}
	if f.Events, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CaseEvent, error) {
		var e CaseEvent
		err := r.Scan(&e.Key, &e.At, &e.Kind, &e.Stage, &e.By, &e.Summary, &e.Data)
		return e, err
	}); err != nil {
		return f, err
	}
	rows, err = db.pool.Query(ctx, `SELECT seq, stage, centre_id, worker, started_at, due_at, done_at FROM case_stages WHERE case_number = $1 ORDER BY seq`, number)
	if err != nil {
		return f, err
	}
	if f.Stages, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CaseStage, error) {
		var s CaseStage
		err := r.Scan(&s.Seq, &s.Stage, &s.CentreID, &s.Worker, &s.StartedAt, &s.DueAt, &s.DoneAt)
		return s, err
	}); err != nil {
		return f, err
	}
	rows, err = db.pool.Query(ctx, `SELECT item, kind, what, due, done_at, done_by, overdue FROM case_tracking WHERE case_number = $1 ORDER BY item`, number)
	if err != nil {
		return f, err
	}
	if f.Tracking, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TrackingItem, error) {
		var t TrackingItem
		err := r.Scan(&t.Item, &t.Kind, &t.What, &t.Due, &t.DoneAt, &t.DoneBy, &t.Overdue)
		return t, err
	}); err != nil {
		return f, err
	}
	rows, err = db.pool.Query(ctx, `SELECT id::text, case_number, seq, number, kind, reasoning, prepared_by, approved_by, issued_at, document_key, document_sha256
		FROM case_decisions WHERE case_number = $1 ORDER BY seq`, number)
	if err != nil {
		return f, err
	}
	if f.Decisions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CaseDecision, error) {
		var d CaseDecision
		err := r.Scan(&d.ID, &d.CaseNumber, &d.Seq, &d.Number, &d.Kind, &d.Reasoning, &d.PreparedBy, &d.ApprovedBy, &d.IssuedAt, &d.DocumentKey, &d.DocumentSHA256)
		return d, err
	}); err != nil {
		return f, err
	}
	rows, err = db.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases c WHERE c.parent = $1 ORDER BY c.number`, number)
	if err != nil {
		return f, err
	}
	f.Children, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Case, error) { return scanCase(r) })
	return f, err
}

// CasesOfPerson lists the cases a person is in (the e-file's case timeline).
func (db *DB) CasesOfPerson(ctx context.Context, person domain.PersonID, withDV bool) ([]Case, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+caseColumns+` FROM cases c JOIN case_persons cp ON cp.case_number = c.number
		WHERE cp.person_id = $1 AND ($2 OR NOT c.dv) ORDER BY c.opened_at DESC`, string(person), withDV)
	if err != nil {
		return nil, fmt.Errorf("cases of %s: %w", person, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Case, error) { return scanCase(r) })
}

// Timeliness is one line of the supervisors' report: how many stage runs
// met their deadline, per centre, worker and stage.
type Timeliness struct {
	CentreID string
	Worker   string
	Stage    string
	Met      int
	Missed   int // done late, or still open past the deadline
	Open     int // still open within the deadline
}

// CaseTimeliness reports stage deadlines met and missed (all centres when
// centre is ""); the stages of domestic-violence cases only withDV.
func (db *DB) CaseTimeliness(ctx context.Context, centre string, now time.Time, withDV bool) ([]Timeliness, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT centre_id, worker, stage,
			count(*) FILTER (WHERE done_at IS NOT NULL AND done_at <= due_at),
			count(*) FILTER (WHERE (done_at IS NOT NULL AND done_at > due_at) OR (done_at IS NULL AND due_at < $2)),
			count(*) FILTER (WHERE done_at IS NULL AND due_at >= $2)
		FROM case_stages s WHERE ($1 = '' OR centre_id = $1)
			AND ($3 OR NOT EXISTS (SELECT 1 FROM cases c WHERE c.number = s.case_number AND c.dv))
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, centre, now, withDV)
	if err != nil {
		return nil, fmt.Errorf("case timeliness: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Timeliness, error) {
		var t Timeliness
		err := r.Scan(&t.CentreID, &t.Worker, &t.Stage, &t.Met, &t.Missed, &t.Open)
		return t, err
	})
}

// CaseCount is a number of cases by some keys.
type CaseCount struct {
	Keys  []string
	Count int
}

// CaseCounts counts open cases per worker ("worker") or all cases by
// procedure and stage ("procedure"); domestic-violence cases only withDV.
func (db *DB) CaseCounts(ctx context.Context, centre, by string, withDV bool) ([]CaseCount, error) {
	q := `SELECT ARRAY[centre_id, manager], count(*) FROM cases WHERE status = 'open' AND ($1 = '' OR centre_id = $1) AND ($2 OR NOT dv)
		GROUP BY centre_id, manager ORDER BY 1`
	if by == "procedure" {
		q = `SELECT ARRAY[procedure, status, stage], count(*) FROM cases WHERE ($1 = '' OR centre_id = $1) AND ($2 OR NOT dv)
			GROUP BY procedure, status, stage ORDER BY 1`
	}
	rows, err := db.pool.Query(ctx, q, centre, withDV)
	if err != nil {
		return nil, fmt.Errorf("case counts: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CaseCount, error) {
		var c CaseCount
		err := r.Scan(&c.Keys, &c.Count)
		return c, err
	})
}

// EventKey is the unique key of a case's n-th event.
func EventKey(number string, n int) string { return number + "/" + strconv.Itoa(n) }

// ForgetUnstartedCase removes a case whose workflow could not be started:
// its row and persons, never a case with history.
func (db *DB) ForgetUnstartedCase(ctx context.Context, number string) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		var events int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM case_events WHERE case_number = $1`, number).Scan(&events); err != nil {
			return err
		}
		if events > 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM case_persons WHERE case_number = $1`, number); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM cases WHERE number = $1`, number)
		return err
	})
}
