package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// ApplicantDecision is a decision on a claim as its applicant sees it in
// the benefits portal (issue 18): the decision, where it stands for an
// appeal, the claim it decided and the hash of its document.
type ApplicantDecision struct {
	DecisionRef
	ClaimNumber    string
	DocumentSHA256 string // "" until its PDF is made
}

// DecisionsOfApplicant lists the decisions on the claims person applied
// for (every kind: a grant or a rejection, and later ones on the same
// claim), newest first.
func (db *DB) DecisionsOfApplicant(ctx context.Context, person domain.PersonID) ([]ApplicantDecision, error) {
	const q = `SELECT d.id::text, 'claim', d.number, d.centre_id, c.applicant_id::text, coalesce(e.id::text, ''), d.benefit, d.kind,
			d.amount, d.period_from, d.issued_at, d.delivered_on, d.delivery_recorded_by, NULL::date,
			d.claim_number, coalesce(d.document_sha256, '')
		FROM decisions d JOIN claims c ON c.number = d.claim_number LEFT JOIN entitlements e ON e.decision_id = d.id
		WHERE c.applicant_id = $1 ORDER BY d.issued_at DESC, d.id LIMIT 100`
	rows, err := db.pool.Query(ctx, q, string(person))
	if err != nil {
		return nil, fmt.Errorf("select decisions of applicant %s: %w", person, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ApplicantDecision, error) {
		var d ApplicantDecision
		err := r.Scan(&d.ID, &d.Kind, &d.Number, &d.CentreID, &d.PersonID, &d.EntitlementID, &d.Benefit, &d.Outcome, &d.Amount, &d.PeriodFrom,
			&d.IssuedAt, &d.DeliveredOn, &d.DeliveredBy, &d.AppliedFrom, &d.ClaimNumber, &d.DocumentSHA256)
		return d, err
	})
}

// OnlineClaims tells which of the claims numbered numbers were filed
// online by their applicant: the desk marks their tasks so (issue 18).
func (db *DB) OnlineClaims(ctx context.Context, numbers []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(numbers) == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT number FROM claims WHERE number = ANY($1) AND channel = 'online'`, numbers)
	if err != nil {
		return nil, fmt.Errorf("select online claims: %w", err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("select online claims: %w", err)
	}
	for _, n := range got {
		out[n] = true
	}
	return out, nil
}
