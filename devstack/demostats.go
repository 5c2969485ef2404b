package devstack

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// LoadDemoStatistics loads the previous system's payments of the demo's
// carried-over rights as the statistics' facts (issue 19), one line a right
// and month from the right's start up to two months before today (Karton's
// own payrolls pay from there; their lines come from their approval), and
// plants the anomalies the control reports must find, each as the previous
// system left it:
//   - an MO month paid 999.00, above the legal maximum;
//   - a person carried over with both LI and DNJP, which exclude each other;
//   - MO to a household the agriculture register states a farmers'
//     allowance for.
//
// The lines have negative payment ids (no payment of Karton's); loading
// again is harmless. Returns the lines loaded.
func LoadDemoStatistics(ctx context.Context, db *store.DB, today time.Time) (int64, error) {
	pool := db.Pool()
	var loaded bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bi_payment_lines WHERE payment_id < 0)`).Scan(&loaded); err != nil || loaded {
		return 0, err
	}
	if err := plantIncompatible(ctx, db, today); err != nil {
		return 0, err
	}
	last := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -2, 0)
	codes, groups := store.BenefitGroups()
	tag, err := pool.Exec(ctx, `INSERT INTO bi_payment_lines (payment_id, month, period, benefit, benefit_group, payment_type, payment_kind,
			municipality, settlement, household_id, centre, person_id, entitlement_id, sex, age_band, amount)
		SELECT -row_number() OVER (ORDER BY e.id, m), m, m, e.benefit, coalesce(g.grp, ''), 'regular', 'regular', pe.municipality,
			pe.settlement, pe.household_id, pe.centre_id, pe.id, e.id, pe.sex, bi_age_band(pe.birth_date, m), e.amount
		FROM entitlements e JOIN persons pe ON pe.id = e.beneficiary_id
		LEFT JOIN unnest($2::text[], $3::text[]) AS g(code, grp) ON g.code = e.benefit
		CROSS JOIN LATERAL (SELECT d::date AS m FROM generate_series(date_trunc('month', e.valid_from)::date, $1::date, interval '1 month') d) s
		WHERE e.periodicity = 'monthly' AND e.valid_from <= $1`, last, codes, groups)
	if err != nil {
		return 0, fmt.Errorf("demo statistics: %w", err)
	}
	// The MO month above the maximum: the first MO right's last month.
	if _, err := pool.Exec(ctx, `UPDATE bi_payment_lines SET amount = 999.00 WHERE payment_id = (
		SELECT payment_id FROM bi_payment_lines WHERE payment_id < 0 AND benefit = 'MO' AND month = $1 ORDER BY entitlement_id LIMIT 1)`, last); err != nil {
		return 0, fmt.Errorf("demo statistics: %w", err)
	}
	// MO with a farmers' allowance: the agriculture register's answer for
	// the second MO right's holder.
	if _, err := pool.Exec(ctx, `INSERT INTO evidence (person_id, kind, source, value, valid_from, fetched_at, request_id, response_hash, change)
		SELECT person_id, 'agriculture', 'agriculture', '{"farmer_allowance_monthly": "120.00"}', $1, now(), 'demo-planted', 'demo', 'initial'
		FROM (SELECT DISTINCT entitlement_id, person_id FROM bi_payment_lines WHERE payment_id < 0 AND benefit = 'MO' AND month = $1
			ORDER BY entitlement_id OFFSET 1 LIMIT 1) x
		ON CONFLICT DO NOTHING`, last); err != nil {
		return 0, fmt.Errorf("demo statistics: %w", err)
	}
	for m := time.Date(today.Year()-2, 1, 1, 0, 0, 0, 0, time.UTC); !m.After(last); m = m.AddDate(0, 1, 0) {
		if err := db.RebuildStatistics(ctx, m); err != nil {
			return 0, err
		}
	}
	return tag.RowsAffected(), nil
}

// plantIncompatible carries over LI and DNJP for one adult of the demo
// without a right of their own: the previous system paid both.
func plantIncompatible(ctx context.Context, db *store.DB, today time.Time) error {
	var id, centre string
	err := db.Pool().QueryRow(ctx, `SELECT p.id::text, p.centre_id FROM persons p
		WHERE p.registered_by <> 'caseworker' AND p.birth_date < $1
			AND NOT EXISTS (SELECT 1 FROM entitlements e WHERE e.beneficiary_id = p.id)
			AND NOT EXISTS (SELECT 1 FROM claim_members m WHERE m.person_id = p.id)
		ORDER BY p.jmbg LIMIT 1`, today.AddDate(-30, 0, 0)).Scan(&id, &centre)
	if err != nil {
		return nil // no demo person to plant it on (an empty demo)
	}
	from := time.Date(today.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	iban := string(domain.MakeIBAN("510", 9900001))
	for _, b := range []struct{ code, amount string }{{"LI", "297.36"}, {"DNJP", "87.24"}} {
		if err := carryOver(ctx, db, b.code, centre, []domain.PersonID{domain.PersonID(id)}, iban, decimal.RequireFromString(b.amount), from, nil); err != nil {
			return fmt.Errorf("demo statistics: %s: %w", b.code, err)
		}
	}
	return nil
}
