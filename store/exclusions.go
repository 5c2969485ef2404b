package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// HeldRight is a right, not ended, that a person holds, with the claim
// that granted it (benefits.Held reads it).
type HeldRight struct {
	EntitlementID string
	ClaimNumber   string
	Benefit       string
	Periodicity   string
	State         string // active or suspended
	BeneficiaryID domain.PersonID
	// Members are its claim's members, the applicant first; SubjectID is
	// the person the claim was about ("" for the applicant or household).
	Members   []domain.PersonID
	SubjectID domain.PersonID
}

// ActiveRightsOf lists the rights not ended (active or suspended) that
// any of persons holds: as the beneficiary, or as a member of the claim
// that granted it; oldest first. Indexed by claim_members_person and
// entitlements_beneficiary (migration 00019).
func (db *DB) ActiveRightsOf(ctx context.Context, persons []domain.PersonID) ([]HeldRight, error) {
	if len(persons) == 0 {
		return nil, nil
	}
	ids := make([]string, len(persons))
	for i, p := range persons {
		ids[i] = string(p)
	}
	const q = `
		SELECT e.id::text, e.claim_number, e.benefit, e.periodicity, e.state, e.beneficiary_id::text, coalesce(c.subject_id::text, ''),
			array(SELECT person_id::text FROM claim_members m WHERE m.claim_number = e.claim_number ORDER BY person_id = c.applicant_id DESC, person_id)
		FROM entitlements e JOIN claims c ON c.number = e.claim_number
		WHERE e.state <> 'ended' AND (e.beneficiary_id = ANY($1::uuid[])
			OR e.claim_number IN (SELECT claim_number FROM claim_members WHERE person_id = ANY($1::uuid[])))
		ORDER BY e.created_at, e.id`
	rows, err := db.pool.Query(ctx, q, ids)
	if err != nil {
		return nil, fmt.Errorf("select rights of persons: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (HeldRight, error) {
		var h HeldRight
		var members []string
		err := r.Scan(&h.EntitlementID, &h.ClaimNumber, &h.Benefit, &h.Periodicity, &h.State, &h.BeneficiaryID, &h.SubjectID, &members)
		for _, m := range members {
			h.Members = append(h.Members, domain.PersonID(m))
		}
		return h, err
	})
}
