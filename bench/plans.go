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
// issue 24). Settled is on how many connections the statement had run
// settleRuns times or more.
type Plans struct{ Generic, Custom, Settled int64 }

// settleRuns is the run at which PostgreSQL settles a statement's plan on
// a connection: the first five are planned for their parameters, and at
// the sixth it decides whether to keep a generic plan.
const settleRuns = 6

// PlanCounts is Plans by statement (its first words), summed over the
// connections of a pool that were read.
type PlanCounts struct {
	Conns int
	By    map[string]Plans
}

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
	out := PlanCounts{Conns: len(conns), By: map[string]Plans{}}
	for _, c := range conns {
		rows, err := c.Query(ctx, `SELECT left(regexp_replace(statement, '\s+', ' ', 'g'), 70), generic_plans, custom_plans FROM pg_prepared_statements`)
		if err != nil {
			return PlanCounts{}, fmt.Errorf("read prepared statements: %w", err)
		}
		for rows.Next() {
			var q string
			var p Plans
			if err := rows.Scan(&q, &p.Generic, &p.Custom); err != nil {
				rows.Close()
				return PlanCounts{}, fmt.Errorf("read prepared statements: %w", err)
			}
			sum := out.By[q]
			sum.Generic, sum.Custom = sum.Generic+p.Generic, sum.Custom+p.Custom
			if p.Generic+p.Custom >= settleRuns {
				sum.Settled++
			}
			out.By[q] = sum
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return PlanCounts{}, fmt.Errorf("read prepared statements: %w", err)
		}
	}
	return out, nil
}

// LeastSettled is, of the statements run more than least times between
// before and after (the route's own, not a count run once a second), the
// one that had settled its plan on the fewest of the connections read
// before, and on how many (before.Conns when every one had). Where the load
// meets a connection on which its statement has not settled, that
// connection prepares it and plans it for its parameters: the first runs
// of a statement on a connection cost several times the later ones, and a
// load uses its pool's less used connections in its bursts (issue 24).
func LeastSettled(before, after PlanCounts, least int64) (statement string, settled int64, ran int) {
	settled = int64(before.Conns)
	for q, a := range after.By {
		b := before.By[q]
		if a.Generic+a.Custom-b.Generic-b.Custom <= least {
			continue
		}
		ran++
		if b.Settled < settled || b.Settled == settled && statement != "" && q < statement {
			statement, settled = q, b.Settled
		}
	}
	return statement, settled, ran
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
	for q, a := range after.By {
		b := before.By[q]
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

// PrintPlansBetween writes, under indent, how settled the plans of the
// statements run more than least times between before and after were
// before (LeastSettled), and the statements planned anew more than least
// times, or that none was.
func PrintPlansBetween(w io.Writer, indent string, before, after PlanCounts, least int64) {
	if q, settled, ran := LeastSettled(before, after, least); ran > 0 && settled < int64(before.Conns) {
		fmt.Fprintf(w, "%swarm: before the load, a statement of the %d it ran had settled its plan on %d of the %d idle connections: %s\n", indent, ran, settled, before.Conns, q)
	} else if ran > 0 {
		fmt.Fprintf(w, "%swarm: before the load, %s settled its plan on all %d idle connections\n", indent, eachOf(ran), before.Conns)
	}
	anew := PlansBetween(before, after, least)
	if len(anew) == 0 {
		fmt.Fprintf(w, "%splans: every statement run more than %d times reused its generic plan\n", indent, least)
		return
	}
	for _, p := range anew {
		fmt.Fprintf(w, "%splans: %d planned anew for their parameters, %d reused: %s\n", indent, p.Custom, p.Generic, p.Statement)
	}
}

// eachOf names n statements as the subject of "had settled".
func eachOf(n int) string {
	if n == 1 {
		return "the one statement it ran had"
	}
	return fmt.Sprintf("each of the %d statements it ran had", n)
}
