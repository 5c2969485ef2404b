package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// The payroll page (issue 17 item 5): the months with their payroll's
// state, a payment file by name, and the changes against the month before
// a page at a time.

// PayrollListed is a month's payroll as the list of months shows it: its
// state and, once its files are written, how many transfers they carry
// and for how much (read from the files, not the payments).
type PayrollListed struct {
	ID, State              string
	Period, UpdatedAt      time.Time
	PreparedBy, ApprovedBy string
	Files, Transfers       int
	Total                  decimal.Decimal
}

// Payrolls lists the payrolls, the latest month first, at most limit.
func (db *DB) Payrolls(ctx context.Context, limit int) ([]PayrollListed, error) {
	const q = `SELECT p.id, p.state, p.period, p.updated_at, coalesce(p.prepared_by, ''), coalesce(p.approved_by, ''),
			count(f.name), coalesce(sum(f.transfers), 0), coalesce(sum(f.total), 0)
		FROM payrolls p LEFT JOIN payment_files f ON f.payroll_id = p.id
		GROUP BY p.id ORDER BY p.period DESC LIMIT $1`
	rows, err := db.pool.Query(ctx, q, limit)
	if err != nil {
		return nil, fmt.Errorf("list payrolls: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PayrollListed, error) {
		var p PayrollListed
		err := r.Scan(&p.ID, &p.State, &p.Period, &p.UpdatedAt, &p.PreparedBy, &p.ApprovedBy, &p.Files, &p.Transfers, &p.Total)
		return p, err
	})
}

// PaymentFileByName is one of a payroll's files. Returns CodeNotFound if none.
func (db *DB) PaymentFileByName(ctx context.Context, payroll, name string) (PaymentFile, error) {
	var f PaymentFile
	err := db.pool.QueryRow(ctx, `SELECT payroll_id, name, kind, object_key, sha256, transfers, total FROM payment_files
		WHERE payroll_id = $1 AND name = $2`, payroll, name).Scan(&f.PayrollID, &f.Name, &f.Kind, &f.ObjectKey, &f.SHA256, &f.Transfers, &f.Total)
	if err != nil {
		return PaymentFile{}, translate(err, "payment file "+name)
	}
	return f, nil
}

// PayrollChangeFilter selects a page of a payroll's changes against the month
// before (see CompareWithPrevious): of one kind ("" for all), from Offset,
// at most Limit.
type PayrollChangeFilter struct {
	Payroll, PreviousPayroll string
	Period, Previous         time.Time
	Kind                     string
	Limit, Offset            int
}

// PayrollChangesPage is a page of the changes and how many there are of
// each kind (new, stopped, changed), whatever the page and the filter.
func (db *DB) PayrollChangesPage(ctx context.Context, f PayrollChangeFilter) ([]PayrollChange, map[string]int, error) {
	const changes = `
		WITH now AS (SELECT entitlement_id, payee_name, benefit, sum(amount) AS amount FROM payments
			WHERE payroll_id = @payroll AND period = @period AND state NOT IN ('rejected', 'returned') GROUP BY 1, 2, 3),
		before AS (SELECT entitlement_id, payee_name, benefit, sum(amount) AS amount FROM payments
			WHERE payroll_id = @prev_payroll AND period = @prev AND state NOT IN ('rejected', 'returned') GROUP BY 1, 2, 3),
		ch AS (SELECT coalesce(n.entitlement_id, b.entitlement_id)::text AS entitlement, coalesce(n.payee_name, b.payee_name) AS payee,
			coalesce(n.benefit, b.benefit) AS benefit,
			CASE WHEN b.entitlement_id IS NULL THEN 'new' WHEN n.entitlement_id IS NULL THEN 'stopped' ELSE 'changed' END AS kind,
			coalesce(b.amount, 0) AS before, coalesce(n.amount, 0) AS now
			FROM now n FULL JOIN before b ON b.entitlement_id = n.entitlement_id
			WHERE b.entitlement_id IS NULL OR n.entitlement_id IS NULL OR b.amount <> n.amount)`
	args := pgx.NamedArgs{"payroll": f.Payroll, "period": f.Period, "prev_payroll": f.PreviousPayroll, "prev": f.Previous,
		"kind": f.Kind, "limit": f.Limit, "offset": f.Offset}
	rows, err := db.pool.Query(ctx, changes+` SELECT kind, count(*) FROM ch GROUP BY kind`, args)
	if err != nil {
		return nil, nil, fmt.Errorf("count payroll changes: %w", err)
	}
	counts := map[string]int{"new": 0, "stopped": 0, "changed": 0}
	var kind string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&kind, &n}, func() error { counts[kind] = n; return nil }); err != nil {
		return nil, nil, fmt.Errorf("count payroll changes: %w", err)
	}
	rows, err = db.pool.Query(ctx, changes+` SELECT entitlement, payee, benefit, kind, before, now FROM ch
		WHERE @kind = '' OR kind = @kind ORDER BY kind, payee, entitlement LIMIT @limit OFFSET @offset`, args)
	if err != nil {
		return nil, nil, fmt.Errorf("payroll changes: %w", err)
	}
	page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PayrollChange, error) {
		var c PayrollChange
		err := r.Scan(&c.EntitlementID, &c.Payee, &c.Benefit, &c.Kind, &c.Before, &c.Now)
		return c, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("payroll changes: %w", err)
	}
	return page, counts, nil
}
