package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// The placements fact of the statistics (issue 22 item 6, issue 19's
// pivot; migration 00047): a placement's month as the institutions'
// statistics count its cost (PlacementCosts, SumCosts): the days it ran,
// its monthly cost and co-payment pro rata of them (ProRata, each rounded
// to the cent), with the placing centre, the institution, the budget line
// and the resident's sex and age band. The rows of a placement are
// written in the transactions of its decision, admission and end, and
// each day for the previous and the current month (the Schedule
// placement-facts-daily), so a month of a placement that goes on without
// a step is counted too.

// placementFactRow is one placement's row of a month.
type placementFactRow struct {
	id                        int64
	institution, line, centre string
	person, sex, ageBand      string
	admitted, ended           bool
	days                      int
	monthlyCost, copayment    decimal.Decimal
}

// monthStart is the first day of t's month.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// refreshPlacementFacts writes month's rows of the placements ids (every
// placement when ids is nil): each placement that ran in the month, or was
// admitted or ended in it, upserted; their rows of the month that no
// longer apply (a decision's month before a later admission, a placement
// cancelled) deleted. It returns how many rows the month has of them.
// Refreshes of one month take turns (an advisory lock), so a step and the
// daily refresh never leave a row the other deleted.
func refreshPlacementFacts(ctx context.Context, tx pgx.Tx, ids []int64, month time.Time) (int, error) {
	first := monthStart(month)
	next := first.AddDate(0, 1, 0)
	what := "placement facts of " + first.Format("2006-01")
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('bi-placements'), $1)`, int32(first.Year()*100+int(first.Month()))); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	args := pgx.NamedArgs{"first": first, "next": next, "all": ids == nil, "ids": ids}
	rows, err := tx.Query(ctx, `SELECT p.id, coalesce(p.institution_id, ''), p.budget_line, p.centre_id, p.person_id::text, pe.sex,
			bi_age_band(pe.birth_date, @first::date),
			coalesce(p.admitted_on >= @first AND p.admitted_on < @next, false),
			coalesce(p.state IN ('discharged', 'transferred') AND p.ended_on >= @first AND p.ended_on < @next, false),
			greatest(0, least(coalesce(p.ended_on, @next::date), @next::date) - greatest(coalesce(p.admitted_on, p.decided_on), @first::date)),
			p.monthly_cost, coalesce(p.copayment, 0)
		FROM placements p JOIN persons pe ON pe.id = p.person_id
		WHERE p.monthly_cost IS NOT NULL AND p.budget_line IS NOT NULL AND coalesce(p.admitted_on, p.decided_on) < @next
			AND (p.ended_on IS NULL OR p.ended_on >= @first) AND p.state IN ('decided', 'admitted', 'discharged', 'transferred')
			AND (@all OR p.id = ANY(@ids))
		ORDER BY p.id`, args)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	var facts []placementFactRow
	for rows.Next() {
		var r placementFactRow
		if err := rows.Scan(&r.id, &r.institution, &r.line, &r.centre, &r.person, &r.sex, &r.ageBand, &r.admitted, &r.ended, &r.days,
			&r.monthlyCost, &r.copayment); err != nil {
			rows.Close()
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		// As PlacementCosts: a placement counts for the days it ran; one
		// admitted or ended in the month without a day of it (ended on the
		// 1st) only for its admission or discharge.
		if r.days > 0 || r.admitted || r.ended {
			facts = append(facts, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	cols := placementFactColumns(facts, DaysIn(first))
	args["kept"] = cols.ids
	if _, err := tx.Exec(ctx, `DELETE FROM bi_placement_months WHERE month = @first AND (@all OR placement_id = ANY(@ids))
		AND NOT placement_id = ANY(@kept)`, args); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if len(facts) == 0 {
		return 0, nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO bi_placement_months (placement_id, month, institution, budget_line, centre, person_id, sex, age_band,
			admitted, ended, days, amount, copayment)
		SELECT f.id, @first, f.institution, f.line, f.centre, f.person::uuid, f.sex, f.age_band, f.admitted, f.ended, f.days, f.amount::numeric, f.copayment::numeric
		FROM unnest(@kept::bigint[], @institution::text[], @line::text[], @centre::text[], @person::text[], @sex::text[], @age::text[],
			@admitted::bool[], @ended::bool[], @days::int[], @amount::text[], @copayment::text[])
			AS f(id, institution, line, centre, person, sex, age_band, admitted, ended, days, amount, copayment)
		ON CONFLICT (placement_id, month) DO UPDATE SET institution = EXCLUDED.institution, budget_line = EXCLUDED.budget_line,
			centre = EXCLUDED.centre, person_id = EXCLUDED.person_id, sex = EXCLUDED.sex, age_band = EXCLUDED.age_band,
			admitted = EXCLUDED.admitted, ended = EXCLUDED.ended, days = EXCLUDED.days, amount = EXCLUDED.amount, copayment = EXCLUDED.copayment`,
		pgx.NamedArgs{"first": first, "kept": cols.ids, "institution": cols.institution, "line": cols.line, "centre": cols.centre,
			"person": cols.person, "sex": cols.sex, "age": cols.ageBand, "admitted": cols.admitted, "ended": cols.ended, "days": cols.days,
			"amount": cols.amount, "copayment": cols.copayment})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return len(facts), nil
}

// placementFactArrays are the rows as columns, for unnest.
type placementFactArrays struct {
	ids                                             []int64
	institution, line, centre, person, sex, ageBand []string
	admitted, ended                                 []bool
	days                                            []int32
	amount, copayment                               []string
}

// placementFactColumns computes each row's amount and co-payment as
// SumCosts does (ProRata of the month's days, rounded to the cent), so
// the facts' month total of a budget line is the statistics' to the cent.
func placementFactColumns(facts []placementFactRow, daysInMonth int) placementFactArrays {
	c := placementFactArrays{ids: []int64{}}
	for _, f := range facts {
		cost, co := ProRata(f.monthlyCost, f.days, daysInMonth), ProRata(f.copayment, f.days, daysInMonth)
		c.ids = append(c.ids, f.id)
		c.institution, c.line, c.centre = append(c.institution, f.institution), append(c.line, f.line), append(c.centre, f.centre)
		c.person, c.sex, c.ageBand = append(c.person, f.person), append(c.sex, f.sex), append(c.ageBand, f.ageBand)
		c.admitted, c.ended, c.days = append(c.admitted, f.admitted), append(c.ended, f.ended), append(c.days, int32(f.days))
		c.amount, c.copayment = append(c.amount, cost.StringFixed(2)), append(c.copayment, co.StringFixed(2))
	}
	return c
}

// refreshPlacementMonths writes placement id's rows of every month from
// its start (the earlier of its decision and admission, or its first row
// on record) through through's month: called in the transaction of each
// step that changes what a month counts (decision, admission, end).
func refreshPlacementMonths(ctx context.Context, tx pgx.Tx, id int64, through time.Time) error {
	var from *time.Time
	if err := tx.QueryRow(ctx, `SELECT least(decided_on, admitted_on, (SELECT min(month) FROM bi_placement_months WHERE placement_id = $1))
		FROM placements WHERE id = $1`, id).Scan(&from); err != nil {
		return fmt.Errorf("placement facts of %d: %w", id, err)
	}
	if from == nil {
		return nil // not decided: no cost yet
	}
	last := monthStart(through)
	for m := monthStart(*from); !m.After(last); m = m.AddDate(0, 1, 0) {
		if _, err := refreshPlacementFacts(ctx, tx, []int64{id}, m); err != nil {
			return err
		}
	}
	return nil
}

// RefreshPlacementFacts writes month's rows of every placement (the daily
// refresh; an operator's repair) and returns how many the month has.
func (db *DB) RefreshPlacementFacts(ctx context.Context, month time.Time) (int, error) {
	var n int
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		n, err = refreshPlacementFacts(ctx, tx, nil, month)
		return err
	})
	return n, err
}

// InstitutionNames maps every institution's id to its name: the
// placements fact's institution members as the statistics name them.
func (db *DB) InstitutionNames(ctx context.Context) (map[string]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, name FROM institutions`)
	if err != nil {
		return nil, fmt.Errorf("institution names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("institution names: %w", err)
		}
		out[id] = name
	}
	return out, rows.Err()
}
