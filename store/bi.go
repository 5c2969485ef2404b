package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/bi"
)

// The star schema of issue 19 (migration 00029). Facts are written in the
// transaction that records what they count, so they are never missing nor
// counted twice: a payroll's lines when it is approved (feedPayroll), a
// reversal when the bank rejects or returns a payment (reversePayments), a
// decision when it is issued, a claim when it is filed.

// BenefitGroups are the catalogue's codes and groups, as two arrays for
// unnest: the facts' benefit group.
func BenefitGroups() ([]string, []string) {
	var codes, groups []string
	for _, b := range benefits.Catalogue() {
		codes = append(codes, string(b.Code))
		groups = append(groups, string(b.Group))
	}
	return codes, groups
}

// SyncDimensions writes the benefit, centre and municipality dimensions
// from the catalogue and the territory (for tools reading the star schema;
// the API names members from the same sources).
func (db *DB) SyncDimensions(ctx context.Context) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		for _, b := range benefits.Catalogue() {
			if _, err := tx.Exec(ctx, `INSERT INTO bi_dim_benefit (code, grp, name_cnr, name_en, legal_ref) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (code) DO UPDATE SET grp = $2, name_cnr = $3, name_en = $4, legal_ref = $5`,
				string(b.Code), string(b.Group), b.NameCnr, b.NameEn, b.LegalRef); err != nil {
				return fmt.Errorf("benefit dimension: %w", err)
			}
		}
		for _, c := range domain.Centres() {
			if _, err := tx.Exec(ctx, `INSERT INTO bi_dim_centre (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = $2`, c.ID, c.Name); err != nil {
				return fmt.Errorf("centre dimension: %w", err)
			}
		}
		for _, m := range domain.Municipalities() {
			if _, err := tx.Exec(ctx, `INSERT INTO bi_dim_geography (municipality, settlement, municipality_name) VALUES ($1, '', $2)
				ON CONFLICT (municipality, settlement) DO UPDATE SET municipality_name = $2`, m.Code, m.Name); err != nil {
				return fmt.Errorf("geography dimension: %w", err)
			}
		}
		return nil
	})
}

// feedPayroll appends the payment lines of an approved payroll (its
// payments that are to be paid, not its exceptions) and rebuilds its
// month's cube. Run again, it appends nothing twice.
func feedPayroll(ctx context.Context, tx pgx.Tx, payroll string) error {
	codes, groups := BenefitGroups()
	var month time.Time
	if err := tx.QueryRow(ctx, `SELECT period FROM payrolls WHERE id = $1`, payroll).Scan(&month); err != nil {
		return fmt.Errorf("payroll %s: %w", payroll, err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO bi_payment_lines (payment_id, month, period, benefit, benefit_group, payment_type, payment_kind, municipality,
			settlement, household_id, centre, person_id, entitlement_id, sex, age_band, amount)
		SELECT p.id, $2, p.period, p.benefit, coalesce(g.grp, ''), CASE p.kind WHEN 'one_off' THEN 'one_off' ELSE 'regular' END, p.kind,
			pe.municipality, pe.settlement, pe.household_id, pe.centre_id, pe.id, p.entitlement_id, pe.sex, bi_age_band(pe.birth_date, $2), p.amount
		FROM payments p JOIN entitlements e ON e.id = p.entitlement_id JOIN persons pe ON pe.id = e.beneficiary_id
		LEFT JOIN unnest($3::text[], $4::text[]) AS g(code, grp) ON g.code = p.benefit
		WHERE p.payroll_id = $1 AND p.state IN ('prepared', 'sent', 'paid')
		ON CONFLICT DO NOTHING`, payroll, month, codes, groups)
	if err != nil {
		return fmt.Errorf("payment facts of %s: %w", payroll, err)
	}
	return rebuildCube(ctx, tx, month)
}

// reversePayments appends a reversal line for each of the payments (by
// end-to-end id) the bank rejected or returned, marks their lines reversed
// (no longer persons, rights or payments paid), and rebuilds the cubes of
// the months they were in. A month's figures are final once its bank
// answers are in: a return changes the month it was paid for.
func reversePayments(ctx context.Context, tx pgx.Tx, endToEnd []string) error {
	if len(endToEnd) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `INSERT INTO bi_payment_lines (payment_id, reversal, month, period, benefit, benefit_group, payment_type,
			payment_kind, municipality, settlement, household_id, centre, person_id, entitlement_id, sex, age_band, amount)
		SELECT l.payment_id, true, l.month, l.period, l.benefit, l.benefit_group, l.payment_type, l.payment_kind, l.municipality, l.settlement,
			l.household_id, l.centre, l.person_id, l.entitlement_id, l.sex, l.age_band, -l.amount
		FROM bi_payment_lines l JOIN payments p ON p.id = l.payment_id
		WHERE p.end_to_end_id = ANY($1) AND NOT l.reversal
		ON CONFLICT DO NOTHING RETURNING month`, endToEnd)
	if err != nil {
		return fmt.Errorf("payment reversals: %w", err)
	}
	months, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return fmt.Errorf("payment reversals: %w", err)
	}
	// The reversed line no longer counts as a person, right or payment paid.
	if _, err := tx.Exec(ctx, `UPDATE bi_payment_lines l SET reversed = true FROM payments p
		WHERE p.id = l.payment_id AND p.end_to_end_id = ANY($1) AND NOT l.reversal AND NOT l.reversed`, endToEnd); err != nil {
		return fmt.Errorf("payment reversals: %w", err)
	}
	done := map[time.Time]bool{}
	for _, m := range months {
		if !done[m] {
			done[m] = true
			if err := rebuildCube(ctx, tx, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// RebuildStatistics rebuilds a month's cube from its payment lines (an
// operator's repair; the facts' loaders).
func (db *DB) RebuildStatistics(ctx context.Context, month time.Time) error {
	return db.InTx(ctx, func(tx pgx.Tx) error { return rebuildCube(ctx, tx, month) })
}

// rebuildCube sums a month's payment lines into its cube cells.
// Two rebuilds of one month (a payroll approved as the bank answers
// another) take turns: each deletes and inserts the month's cells.
func rebuildCube(ctx context.Context, tx pgx.Tx, month time.Time) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('bi-cube'), $1)`, int32(month.Year()*100+int(month.Month()))); err != nil {
		return fmt.Errorf("cube of %s: %w", month.Format("2006-01"), err)
	}
	// The month's distinct counts sort in memory, not on disk.
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM bi_payment_cube WHERE month = $1`, month); err != nil {
		return fmt.Errorf("cube of %s: %w", month.Format("2006-01"), err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO bi_payment_cube (month, benefit, benefit_group, municipality, settlement, centre, sex, age_band,
			persons, rights, payments, amount, amount_regular, amount_one_off, amount_in_kind)
		SELECT month, benefit, benefit_group, municipality, settlement, centre, sex, age_band,
			count(DISTINCT person_id) FILTER (WHERE NOT reversal AND NOT reversed), count(DISTINCT entitlement_id) FILTER (WHERE NOT reversal AND NOT reversed),
			count(*) FILTER (WHERE NOT reversal AND NOT reversed), sum(amount),
			coalesce(sum(amount) FILTER (WHERE payment_type = 'regular'), 0), coalesce(sum(amount) FILTER (WHERE payment_type = 'one_off'), 0),
			coalesce(sum(amount) FILTER (WHERE payment_type = 'in_kind'), 0)
		FROM bi_payment_lines WHERE month = $1
		GROUP BY month, benefit, benefit_group, municipality, settlement, centre, sex, age_band`, month)
	if err != nil {
		return fmt.Errorf("cube of %s: %w", month.Format("2006-01"), err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM bi_payment_cube_place WHERE month = $1`, month); err != nil {
		return fmt.Errorf("cube of %s: %w", month.Format("2006-01"), err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO bi_payment_cube_place (month, benefit, benefit_group, municipality, settlement, centre,
			persons, rights, payments, amount, amount_regular, amount_one_off, amount_in_kind)
		SELECT month, benefit, benefit_group, municipality, settlement, centre, sum(persons), sum(rights), sum(payments), sum(amount),
			sum(amount_regular), sum(amount_one_off), sum(amount_in_kind)
		FROM bi_payment_cube WHERE month = $1 GROUP BY month, benefit, benefit_group, municipality, settlement, centre`, month)
	if err != nil {
		return fmt.Errorf("cube of %s: %w", month.Format("2006-01"), err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM bi_payment_cube_all WHERE month = $1`, month); err != nil {
		return fmt.Errorf("cube of %s: %w", month.Format("2006-01"), err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO bi_payment_cube_all (month, municipality, settlement, centre,
			persons, rights, payments, amount, amount_regular, amount_one_off, amount_in_kind)
		SELECT month, municipality, settlement, centre,
			count(DISTINCT person_id) FILTER (WHERE NOT reversal AND NOT reversed), count(DISTINCT entitlement_id) FILTER (WHERE NOT reversal AND NOT reversed),
			count(*) FILTER (WHERE NOT reversal AND NOT reversed), sum(amount),
			coalesce(sum(amount) FILTER (WHERE payment_type = 'regular'), 0), coalesce(sum(amount) FILTER (WHERE payment_type = 'one_off'), 0),
			coalesce(sum(amount) FILTER (WHERE payment_type = 'in_kind'), 0)
		FROM bi_payment_lines WHERE month = $1
		GROUP BY month, municipality, settlement, centre`, month)
	if err != nil {
		return fmt.Errorf("cube of %s: %w", month.Format("2006-01"), err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO bi_dim_geography (municipality, settlement)
		SELECT DISTINCT municipality, settlement FROM bi_payment_cube WHERE month = $1 ON CONFLICT DO NOTHING`, month)
	return err
}

// recordDecisionFact appends the fact of an issued decision: about the
// right's holder (a revision's, a death's) or the claim's subject or
// applicant; the days from filing for a claim's grant or rejection.
func recordDecisionFact(ctx context.Context, tx pgx.Tx, id string) error {
	codes, groups := BenefitGroups()
	refs := make([]string, len(codes))
	for i, c := range codes {
		b, _ := benefits.Lookup(benefits.Code(c))
		refs[i] = b.LegalRef
	}
	_, err := tx.Exec(ctx, `INSERT INTO bi_decisions (decision_id, day, benefit, benefit_group, kind, legal_ref, municipality, settlement,
			centre, person_id, sex, age_band, days_to_decide)
		SELECT d.id, d.issued_at::date, d.benefit, coalesce(g.grp, ''), d.kind, coalesce(g.ref, ''), pe.municipality, pe.settlement,
			d.centre_id, pe.id, pe.sex, bi_age_band(pe.birth_date, d.issued_at::date),
			CASE WHEN d.kind IN ('grant', 'rejection') THEN d.issued_at::date - c.filed_at::date END
		FROM decisions d JOIN claims c ON c.number = d.claim_number
		LEFT JOIN entitlements e ON e.id = d.entitlement_id
		JOIN persons pe ON pe.id = coalesce(e.beneficiary_id, c.subject_id, c.applicant_id)
		LEFT JOIN unnest($2::text[], $3::text[], $4::text[]) AS g(code, grp, ref) ON g.code = d.benefit
		WHERE d.id = $1
		ON CONFLICT DO NOTHING`, id, codes, groups, refs)
	if err != nil {
		return fmt.Errorf("decision fact %s: %w", id, err)
	}
	return nil
}

// recordClaimFact appends the fact of a filed claim (its subject's, or
// its applicant's).
func recordClaimFact(ctx context.Context, tx pgx.Tx, number string) error {
	codes, groups := BenefitGroups()
	_, err := tx.Exec(ctx, `INSERT INTO bi_claims (claim_number, day, benefit, benefit_group, channel, municipality, settlement, centre,
			person_id, sex, age_band)
		SELECT c.number, c.filed_at::date, c.benefit, coalesce(g.grp, ''), c.channel, pe.municipality, pe.settlement, c.centre_id,
			pe.id, pe.sex, bi_age_band(pe.birth_date, c.filed_at::date)
		FROM claims c JOIN persons pe ON pe.id = coalesce(c.subject_id, c.applicant_id)
		LEFT JOIN unnest($2::text[], $3::text[]) AS g(code, grp) ON g.code = c.benefit
		WHERE c.number = $1
		ON CONFLICT DO NOTHING`, number, codes, groups)
	if err != nil {
		return fmt.Errorf("claim fact %s: %w", number, err)
	}
	return nil
}

// recordStageFact appends the fact of a case's stage once it is done (bi_case_stages,
// migration 00030); a case of the DV compartment is never a fact.
func recordStageFact(ctx context.Context, tx pgx.Tx, number string, s CaseStage) error {
	if s.DoneAt == nil {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO bi_case_stages (case_number, seq, procedure, stage, centre, manager, started, due, done, days, overdue)
		SELECT c.number, $2, c.procedure, $3, $4, coalesce(nullif($5, ''), c.manager), $6::date, $7::date, $8::date, $8::date - $6::date, $8 > $7
		FROM cases c WHERE c.number = $1 AND NOT c.dv
		ON CONFLICT DO NOTHING`, number, s.Seq, s.Stage, s.CentreID, s.Worker, s.StartedAt, s.DueAt, *s.DoneAt)
	if err != nil {
		return fmt.Errorf("stage fact of %s: %w", number, err)
	}
	return nil
}

// MaxCrossing is the most cells a pivot's crossing (its axes and its
// filters' dimensions) may have before suppression.
const MaxCrossing = 200000

// Pivot answers a query: the cells of its plan's crossing, counted from
// the facts (the payment cube where persons and rights may be summed
// exactly, the payment lines otherwise), suppressed together, then the
// plan's slices. It returns the cells on the query's axes, ordered by them.
func (db *DB) Pivot(ctx context.Context, q bi.Query) ([]bi.Cell, error) {
	plan := q.Plan()
	sql, args := pivotSQL(q, plan)
	rows, err := db.pool.Query(ctx, sql, args)
	if err != nil {
		return nil, fmt.Errorf("pivot %s: %w", q, err)
	}
	defer rows.Close()
	var cells []bi.Cell
	n := len(plan.Crossing)
	for rows.Next() {
		keys := make([]string, n)
		c := bi.Cell{}
		dest := make([]any, 0, n+19)
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &c.Persons, &c.Rights, &c.Payments, &c.Decisions, &c.Claims, &c.Amount, &c.Regular, &c.OneOff, &c.InKind,
			&c.DaysTotal, &c.DaysCount, &c.Stages, &c.Overdue, &c.Placements, &c.Admissions, &c.Discharges, &c.Days, &c.Copayment, &c.Net)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("pivot %s: %w", q, err)
		}
		c.Keys = keys
		cells = append(cells, c)
		if len(cells) > MaxCrossing {
			return nil, domain.FieldError("axes", "the pivot crosses more than %d cells: filter it or drill up", MaxCrossing)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pivot %s: %w", q, err)
	}
	bi.Suppress(cells, plan.Crossing)
	out := plan.Keep(cells)
	if len(out) > bi.MaxCells {
		return nil, domain.FieldError("axes", "the pivot has %d cells: at most %d; filter it or drill up", len(out), bi.MaxCells)
	}
	return out, nil
}

// pivotSQL is the query of a plan's crossing.
func pivotSQL(q bi.Query, plan bi.Plan) (string, pgx.NamedArgs) {
	table, timeCol := "bi_payment_cube", "month"
	zero := decimal.Zero.String()
	// persons, rights, payments, decisions, claims, amount, regular, one-off,
	// in kind, days (sum, count), stages, overdue, then a placement's
	// (placementMeasures): as bi.Cell.
	measures := []string{"sum(persons)", "sum(rights)", "sum(payments)", "0", "0", "sum(amount)", "sum(amount_regular)", "sum(amount_one_off)",
		"sum(amount_in_kind)", "0", "0", "0", "0"}
	switch q.Fact.Name {
	case bi.PaymentFact.Name:
		if !slices.ContainsFunc(plan.Crossing, func(a bi.Axis) bool { return a.Dimension == bi.Sex || a.Dimension == bi.Age }) &&
			!slices.ContainsFunc(plan.Before, func(f bi.Filter) bool { return f.Axis.Dimension == bi.Sex || f.Axis.Dimension == bi.Age }) {
			table = "bi_payment_cube_place" // neither sex nor age band: the smaller cube
		}
		if q.ExactWithoutBenefit() && table == "bi_payment_cube_place" {
			table = "bi_payment_cube_all" // every benefit at once: a person once a settlement and month
		} else if !q.ExactBySum() {
			table = "bi_payment_lines"
			measures = []string{"count(DISTINCT person_id) FILTER (WHERE NOT reversal AND NOT reversed)", "count(DISTINCT entitlement_id) FILTER (WHERE NOT reversal AND NOT reversed)",
				"count(*) FILTER (WHERE NOT reversal AND NOT reversed)", "0", "0", "sum(amount)",
				"coalesce(sum(amount) FILTER (WHERE payment_type = 'regular'), 0)", "coalesce(sum(amount) FILTER (WHERE payment_type = 'one_off'), 0)",
				"coalesce(sum(amount) FILTER (WHERE payment_type = 'in_kind'), 0)", "0", "0", "0", "0"}
		}
	case bi.DecisionFact.Name:
		table, timeCol = "bi_decisions", "day"
		measures = []string{"count(DISTINCT person_id)", "0", "0", "count(*)", "0", zero, zero, zero, zero,
			"coalesce(sum(days_to_decide), 0)", "count(days_to_decide)", "0", "0"}
	case bi.ClaimFact.Name:
		table, timeCol = "bi_claims", "day"
		measures = []string{"count(DISTINCT person_id)", "0", "0", "0", "count(*)", zero, zero, zero, zero, "0", "0", "0", "0"}
	case bi.CaseFact.Name:
		// Persons: the cases (a cell of fewer than 5 cases is suppressed);
		// the stages done, how many late, their days.
		table, timeCol = "bi_case_stages", "done"
		measures = []string{"count(DISTINCT case_number)", "0", "0", "0", "0", zero, zero, zero, zero,
			"sum(days)", "count(*)", "count(*)", "count(*) FILTER (WHERE overdue)"}
	case bi.PlacementFact.Name:
		table, timeCol = "bi_placement_months", "month"
		measures = []string{"count(DISTINCT person_id)", "0", "0", "0", "0", "sum(amount)", zero, zero, zero, "0", "0", "0", "0"}
	}
	if q.Fact.Name == bi.PlacementFact.Name {
		measures = append(measures, placementMeasures...)
	} else {
		measures = append(measures, "0", "0", "0", "0", zero, zero)
	}
	args := pgx.NamedArgs{}
	var keys, where []string
	for _, a := range plan.Crossing {
		keys = append(keys, axisSQL(a, timeCol))
	}
	for i, f := range plan.Before {
		where = append(where, filterSQL(f, timeCol, fmt.Sprintf("f%d", i), args))
	}
	sql := `SELECT ` + strings.Join(append(append([]string{}, keys...), castMeasures(measures)...), ", ") + ` FROM ` + table
	if len(where) > 0 {
		sql += ` WHERE ` + strings.Join(where, " AND ")
	}
	if len(keys) > 0 {
		pos := make([]string, len(keys))
		for i := range keys {
			pos[i] = fmt.Sprint(i + 1)
		}
		sql += ` GROUP BY ` + strings.Join(pos, ", ") + ` ORDER BY ` + strings.Join(pos, ", ")
	}
	return sql + fmt.Sprintf(` LIMIT %d`, MaxCrossing+1), args
}

// placementMeasures are the placements fact's own: the placements that
// ran in the cell (a day of it at least), admitted, ended, their days,
// co-payment and net (bi_placement_months, migration 00047).
var placementMeasures = []string{"count(DISTINCT placement_id) FILTER (WHERE days > 0)", "count(*) FILTER (WHERE admitted)",
	"count(*) FILTER (WHERE ended)", "sum(days)", "sum(copayment)", "sum(amount - copayment)"}

// castMeasures types the measures as the cell's fields (bigint counts,
// numeric amounts).
func castMeasures(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		switch {
		case i >= 5 && i <= 8, i >= 17:
			out[i] = "coalesce(" + m + ", 0)::numeric"
		default:
			out[i] = "coalesce(" + m + ", 0)::bigint"
		}
	}
	return out
}

// axisSQL is the expression of an axis's value in the facts' tables.
func axisSQL(a bi.Axis, timeCol string) string {
	switch a.String() {
	case "time.year":
		return "to_char(" + timeCol + ", 'YYYY')"
	case "time.quarter":
		return "to_char(" + timeCol + `, 'YYYY"-Q"Q')`
	case "time.month":
		return "to_char(" + timeCol + ", 'YYYY-MM')"
	case "benefit.group":
		return "benefit_group"
	case "benefit.benefit":
		return "benefit"
	case "geography.municipality":
		return "municipality"
	case "geography.settlement":
		return "municipality || '/' || settlement"
	case "organisation.centre":
		return "centre"
	case "sex.sex":
		return "sex"
	case "age.band":
		return "age_band"
	case "kind.kind":
		return "kind"
	case "channel.channel":
		return "channel"
	case "procedure.procedure":
		return "procedure"
	case "stage.stage":
		return "stage"
	case "manager.manager":
		return "manager"
	case "institution.institution":
		return "institution"
	case "budget_line.budget_line":
		return "budget_line"
	}
	panic("bi: no column for axis " + a.String()) // ParseQuery admits no other axis
}

// filterSQL is a filter's condition (one value; time as a range, which
// the indexes serve).
func filterSQL(f bi.Filter, timeCol, name string, args pgx.NamedArgs) string {
	v := f.Values[0]
	if f.Axis.Dimension == bi.Time {
		from, until := timeRange(f.Axis.Level, v)
		args[name+"a"], args[name+"b"] = from, until
		return fmt.Sprintf("%s >= @%sa AND %s < @%sb", timeCol, name, timeCol, name)
	}
	args[name] = v
	return axisSQL(f.Axis, timeCol) + " = @" + name
}

// timeRange is the days of a year, quarter or month value (checked by
// bi.CheckValue).
func timeRange(level, v string) (time.Time, time.Time) {
	switch level {
	case "year":
		t, _ := time.Parse("2006", v)
		return t, t.AddDate(1, 0, 0)
	case "quarter":
		t, _ := time.Parse("2006", v[:4])
		t = t.AddDate(0, 3*int(v[6]-'1'), 0)
		return t, t.AddDate(0, 3, 0)
	}
	t, _ := time.Parse("2006-01", v)
	return t, t.AddDate(0, 1, 0)
}
