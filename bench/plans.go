package bench

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Plans counts how PostgreSQL planned one prepared statement's executions:
// with the plan it keeps for any parameters (generic), or anew for each
// execution's own (custom). A statement that keeps being planned anew pays
// its planning at every execution: PostgreSQL falls back to custom plans
// for good when the generic plan's estimate is dearer than theirs (the
// supervisor's inbox page: 0.7 ms of planning for 0.3 ms of execution,
// issue 24).
type Plans struct{ Generic, Custom int64 }

// PlanCounts is Plans by statement (its first words), summed over the
// connections of a pool.
type PlanCounts map[string]Plans

// CountPlans reads pg_prepared_statements on each idle connection of pool
// (pgx prepares and keeps the statements it runs there) and sums their
// counts by statement. A connection in use is left out: call it when the
// load has stopped.
func CountPlans(ctx context.Context, pool *pgxpool.Pool) (PlanCounts, error) {
	conns := pool.AcquireAllIdle(ctx)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	out := PlanCounts{}
	for _, c := range conns {
		rows, err := c.Query(ctx, `SELECT left(regexp_replace(statement, '\s+', ' ', 'g'), 70), generic_plans, custom_plans FROM pg_prepared_statements`)
		if err != nil {
			return nil, fmt.Errorf("read prepared statements: %w", err)
		}
		for rows.Next() {
			var q string
			var p Plans
			if err := rows.Scan(&q, &p.Generic, &p.Custom); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read prepared statements: %w", err)
			}
			sum := out[q]
			sum.Generic, sum.Custom = sum.Generic+p.Generic, sum.Custom+p.Custom
			out[q] = sum
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read prepared statements: %w", err)
		}
	}
	return out, nil
}

// PlannedAnew is a statement and how its executions were planned between
// two counts.
type PlannedAnew struct {
	Statement string
	Plans
}

// PlansBetween returns the statements that were planned anew (custom) more
// than least times between before and after, the most planned first. A
// connection closed in between takes its counts with it, so a count that
// fell counts as none.
func PlansBetween(before, after PlanCounts, least int64) []PlannedAnew {
	var out []PlannedAnew
	for q, a := range after {
		b := before[q]
		d := Plans{Generic: max(a.Generic-b.Generic, 0), Custom: max(a.Custom-b.Custom, 0)}
		if d.Custom > least {
			out = append(out, PlannedAnew{Statement: q, Plans: d})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Custom > out[j].Custom || out[i].Custom == out[j].Custom && out[i].Statement < out[j].Statement
	})
	return out
}

// PrintPlansBetween writes, under indent, the statements planned anew more
// than least times between before and after, or that none was.
func PrintPlansBetween(w io.Writer, indent string, before, after PlanCounts, least int64) {
	anew := PlansBetween(before, after, least)
	if len(anew) == 0 {
		fmt.Fprintf(w, "%splans: every statement run more than %d times reused its generic plan\n", indent, least)
		return
	}
	for _, p := range anew {
		fmt.Fprintf(w, "%splans: %d planned anew for their parameters, %d reused: %s\n", indent, p.Custom, p.Generic, p.Statement)
	}
}
