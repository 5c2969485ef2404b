package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain/benefits"
)

// The control reports of issue 19 (DOMAIN.md §8.2, SzocVir's reports 6, 7,
// 9 and 10): what a month's payments got wrong, read from the payment
// facts of the month (its approved payroll's lines).

// ControlItem is one finding: a right (and its person) paid in the month.
// No names: the reader opens the person's e-file (authorised and audited
// as every access) to see who it is.
type ControlItem struct {
	Centre      string
	PersonID    string
	Entitlement string
	ClaimNumber string
	Benefits    []string
	Period      time.Time
	Amount      decimal.Decimal
	Min, Max    decimal.Decimal
	// Detail is what else the finding rests on: the farmers' allowance
	// the agriculture register states.
	Detail decimal.Decimal
}

// MonthClosed says whether a month's payroll was approved: its payment
// facts are then complete.
func (db *DB) MonthClosed(ctx context.Context, month time.Time) (bool, error) {
	var closed bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payrolls WHERE period = $1 AND state IN ('approved', 'sent', 'done'))
		OR EXISTS (SELECT 1 FROM bi_payment_lines WHERE month = $1)`, month).Scan(&closed)
	return closed, err
}

// LastClosedMonth is the latest month with payment facts (zero if none).
func (db *DB) LastClosedMonth(ctx context.Context) (time.Time, error) {
	var m *time.Time
	if err := db.pool.QueryRow(ctx, `SELECT max(month) FROM bi_payment_lines`).Scan(&m); err != nil || m == nil {
		return time.Time{}, err
	}
	return *m, nil
}

// AmountsOutOfRange lists the month's regular payments (not differences,
// not reversed) below the least or above the most the rule valid for the
// month paid for allows (p.Bounds), of the centre ("" every centre).
func (db *DB) AmountsOutOfRange(ctx context.Context, p *benefits.Params, month time.Time, centre string) ([]ControlItem, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT benefit, period FROM bi_payment_lines WHERE month = $1 AND payment_kind = 'regular'`, month)
	if err != nil {
		return nil, fmt.Errorf("out of range: %w", err)
	}
	type key struct {
		benefit string
		period  time.Time
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (key, error) {
		var k key
		return k, r.Scan(&k.benefit, &k.period)
	})
	if err != nil {
		return nil, fmt.Errorf("out of range: %w", err)
	}
	var codes []string
	var periods []time.Time
	var los, his []decimal.Decimal
	for _, k := range keys {
		if lo, hi, ok := p.Bounds(benefits.Code(k.benefit), k.period); ok {
			codes, periods, los, his = append(codes, k.benefit), append(periods, k.period), append(los, lo), append(his, hi)
		}
	}
	if len(codes) == 0 {
		return nil, nil
	}
	rows, err = db.pool.Query(ctx, `SELECT l.centre, l.person_id::text, l.entitlement_id::text, coalesce(e.claim_number, ''), l.benefit, l.period,
			l.amount, b.lo, b.hi
		FROM bi_payment_lines l
		JOIN unnest($2::text[], $3::date[], $4::numeric[], $5::numeric[]) AS b(benefit, period, lo, hi) ON b.benefit = l.benefit AND b.period = l.period
		LEFT JOIN entitlements e ON e.id = l.entitlement_id
		WHERE l.month = $1 AND l.payment_kind = 'regular' AND NOT l.reversal AND (l.amount < b.lo OR l.amount > b.hi)
			AND ($6 = '' OR l.centre = $6)
			AND NOT l.reversed
		ORDER BY l.centre, l.benefit, l.amount DESC`, month, codes, periods, los, his, centre)
	if err != nil {
		return nil, fmt.Errorf("out of range: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ControlItem, error) {
		var c ControlItem
		var b string
		err := r.Scan(&c.Centre, &c.PersonID, &c.Entitlement, &c.ClaimNumber, &b, &c.Period, &c.Amount, &c.Min, &c.Max)
		c.Benefits = []string{b}
		return c, err
	})
}

// IncompatibleBenefits lists the persons paid, in the month, two benefits
// the catalogue says exclude each other (LI with DNJP, MO with veterans'
// MO, ...), of the centre ("" every centre).
func (db *DB) IncompatibleBenefits(ctx context.Context, month time.Time, centre string) ([]ControlItem, error) {
	var as, bs []string // each pair once, a < b
	seen := map[[2]string]bool{}
	for _, b := range benefits.Catalogue() {
		for _, x := range b.Excludes {
			pair := [2]string{string(b.Code), string(x)}
			if pair[1] < pair[0] {
				pair[0], pair[1] = pair[1], pair[0]
			}
			if !seen[pair] {
				seen[pair] = true
				as, bs = append(as, pair[0]), append(bs, pair[1])
			}
		}
	}
	rows, err := db.pool.Query(ctx, `WITH paid AS (
			SELECT DISTINCT l.person_id, l.benefit, l.centre FROM bi_payment_lines l
			WHERE l.month = $1 AND NOT l.reversal AND ($4 = '' OR l.centre = $4)
				AND NOT l.reversed)
		SELECT x.centre, x.person_id::text, ARRAY[x.benefit, y.benefit]
		FROM paid x JOIN paid y ON y.person_id = x.person_id AND x.benefit < y.benefit
		JOIN unnest($2::text[], $3::text[]) AS ex(a, b) ON ex.a = x.benefit AND ex.b = y.benefit
		ORDER BY x.centre, x.person_id, x.benefit, y.benefit`, month, as, bs, centre)
	if err != nil {
		return nil, fmt.Errorf("incompatible benefits: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ControlItem, error) {
		c := ControlItem{Period: month}
		return c, r.Scan(&c.Centre, &c.PersonID, &c.Benefits)
	})
}

// MOWithFarmersAllowance lists the persons paid MO in the month whose
// household's current agriculture evidence states a farmers' allowance
// (DOMAIN.md §8.2: farmers' allowance with MO), of the centre.
func (db *DB) MOWithFarmersAllowance(ctx context.Context, month time.Time, centre string) ([]ControlItem, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (l.person_id) l.centre, l.person_id::text, l.entitlement_id::text, l.benefit, l.amount,
			(ev.value->>'farmer_allowance_monthly')::numeric
		FROM bi_payment_lines l
		JOIN persons pe ON pe.id = l.person_id
		JOIN persons m ON m.id = pe.id OR (pe.household_id IS NOT NULL AND m.household_id = pe.household_id)
		JOIN evidence ev ON ev.person_id = m.id AND ev.kind = 'agriculture' AND ev.superseded_at IS NULL
		WHERE l.month = $1 AND l.benefit IN ('MO', 'MO-RL') AND NOT l.reversal AND NOT l.reversed AND coalesce((ev.value->>'farmer_allowance_monthly')::numeric, 0) > 0
			AND ($2 = '' OR l.centre = $2)
		ORDER BY l.person_id`, month, centre)
	if err != nil {
		return nil, fmt.Errorf("MO with a farmers' allowance: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ControlItem, error) {
		var c ControlItem
		var b string
		err := r.Scan(&c.Centre, &c.PersonID, &c.Entitlement, &b, &c.Amount, &c.Detail)
		c.Benefits, c.Period = []string{b}, month
		return c, err
	})
}

// CentreBacklog is a centre's claims filed by a month's end and not yet
// decided nor withdrawn: the centre has not closed its month.
type CentreBacklog struct {
	Centre string
	Open   int
	Oldest time.Time
}

// OpenClaimsByCentre lists the centres that have claims filed before
// until still undecided.
func (db *DB) OpenClaimsByCentre(ctx context.Context, until time.Time) ([]CentreBacklog, error) {
	rows, err := db.pool.Query(ctx, `SELECT centre_id, count(*), min(filed_at) FROM claims
		WHERE filed_at < $1 AND state NOT IN ('approved', 'rejected', 'withdrawn')
		GROUP BY centre_id ORDER BY count(*) DESC, centre_id`, until)
	if err != nil {
		return nil, fmt.Errorf("open claims by centre: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CentreBacklog, error) {
		var b CentreBacklog
		return b, r.Scan(&b.Centre, &b.Open, &b.Oldest)
	})
}
