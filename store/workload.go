package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// Workload is a centre's open tasks held by one worker (or, with Worker
// "", waiting unclaimed in the group of Role): how many, how many are
// overdue (escalated, or past their deadline), and since when the oldest
// has waited.
type Workload struct {
	Worker  string
	Role    string // for the unclaimed: the group they wait in
	Open    int
	Overdue int
	Oldest  time.Time
}

// TaskWorkload counts a centre's open tasks by who holds them, the
// unclaimed by their group, over every task (not a page of them), leaving
// out the compartments the reader is not cleared for; the busiest first.
func (db *DB) TaskWorkload(ctx context.Context, centre string, cleared []string) ([]Workload, error) {
	if cleared == nil {
		cleared = []string{}
	}
	const q = `SELECT coalesce(assignee, ''), CASE WHEN assignee IS NULL THEN candidate_role ELSE '' END,
			count(*), count(*) FILTER (WHERE overdue OR due_at < now()), min(created_at)
		FROM tasks WHERE centre_id = $1 AND state = 'open' AND (compartment = '' OR compartment = ANY($2))
		GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`
	rows, err := db.pool.Query(ctx, q, centre, cleared)
	if err != nil {
		return nil, fmt.Errorf("task workload: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Workload, error) {
		var w Workload
		err := r.Scan(&w.Worker, &w.Role, &w.Open, &w.Overdue, &w.Oldest)
		return w, err
	})
}

// Reassignment is a supervisor's handing of open tasks to another worker,
// with the reason, which stays on each task (its data: reassigned_by,
// reassigned_from, reassigned_at, reassigned_reason).
type Reassignment struct {
	TaskIDs []string
	To      string
	By      string
	Reason  string
	At      time.Time
}

// ReassignTasks gives every task of r to r.To in one transaction: all of
// them, or none when one is no longer open (CodeConflict naming it).
func (db *DB) ReassignTasks(ctx context.Context, r Reassignment) ([]Task, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("reassign tasks: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	const q = `UPDATE tasks SET assignee = @to, owner = coalesce(owner, @to),
			data = coalesce(nullif(data, 'null'::jsonb), '{}'::jsonb) || jsonb_build_object('reassigned_by', @by::text, 'reassigned_from', coalesce(assignee, ''),
				'reassigned_at', @at::text, 'reassigned_reason', @reason::text)
		WHERE id = @id AND state = 'open'`
	for _, id := range r.TaskIDs {
		tag, err := tx.Exec(ctx, q, pgx.NamedArgs{"id": id, "to": r.To, "by": r.By, "at": r.At.UTC().Format(time.RFC3339), "reason": r.Reason})
		if err != nil {
			return nil, fmt.Errorf("reassign task %s: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return nil, domain.Errorf(domain.CodeConflict, "task %s is already completed or cancelled; nothing was reassigned", id)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("reassign tasks: %w", err)
	}
	out := make([]Task, 0, len(r.TaskIDs))
	for _, id := range r.TaskIDs {
		t, err := db.TaskByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
