package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Beneficiary is one line of the register of beneficiaries (issue 21,
// item 4): a person holding a right of a benefit in force on a day, with
// the right's amount on that day (from the version in force then) and the
// decision that granted it.
type Beneficiary struct {
	EntitlementID  string
	PersonID       string
	JMBG           string
	GivenName      string
	FamilyName     string
	Municipality   string
	CentreID       string
	Amount         decimal.Decimal
	From           time.Time
	DecisionNumber string
	DecisionDate   time.Time
	// Restricted: the person is named in a report of the DV compartment
	// (dv_persons); shown to no one outside it.
	Restricted bool
}

// BeneficiariesOn returns the persons holding a right of benefit in force
// on day, of centre if centre is not empty, ordered by family and given
// name. A right is in force when a version covers the day and the one
// that holds there (the highest seq, domain.Timeline.On) is active; its
// amount is that version's. A person named in a report of the DV
// compartment is marked Restricted, for the caller to keep out for anyone
// outside it.
func (db *DB) BeneficiariesOn(ctx context.Context, benefit string, day time.Time, centre string) ([]Beneficiary, error) {
	rows, err := db.pool.Query(ctx, `SELECT e.id::text, p.id::text, p.jmbg, p.given_name, p.family_name, p.municipality, c.centre_id,
			v.amount, e.valid_from, d.number, d.issued_at, EXISTS (SELECT 1 FROM dv_persons dp WHERE dp.person_id = p.id)
		FROM entitlements e
		JOIN claims c ON c.number = e.claim_number
		JOIN decisions d ON d.id = e.decision_id
		JOIN persons p ON p.id = e.beneficiary_id
		JOIN LATERAL (SELECT amount, state FROM entitlement_versions
			WHERE entitlement_id = e.id AND valid_from <= $2::date AND (valid_to IS NULL OR valid_to >= $2::date)
			ORDER BY seq DESC LIMIT 1) v ON true
		WHERE e.benefit = $1 AND v.state = 'active' AND ($3 = '' OR c.centre_id = $3)
		ORDER BY p.family_name, p.given_name, e.id`, benefit, day, centre)
	if err != nil {
		return nil, fmt.Errorf("select beneficiaries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Beneficiary, error) {
		var b Beneficiary
		err := r.Scan(&b.EntitlementID, &b.PersonID, &b.JMBG, &b.GivenName, &b.FamilyName, &b.Municipality, &b.CentreID,
			&b.Amount, &b.From, &b.DecisionNumber, &b.DecisionDate, &b.Restricted)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("select beneficiaries: %w", err)
	}
	return out, nil
}
