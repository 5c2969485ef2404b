package store

import (
	"context"
	"fmt"
	"slices"

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
	return activeRightsOf(ctx, db.pool, persons)
}

func activeRightsOf(ctx context.Context, q rowsQuerier, persons []domain.PersonID) ([]HeldRight, error) {
	if len(persons) == 0 {
		return nil, nil
	}
	ids := make([]string, len(persons))
	for i, p := range persons {
		ids[i] = string(p)
	}
	const sql = `
		SELECT e.id::text, e.claim_number, e.benefit, e.periodicity, e.state, e.beneficiary_id::text, coalesce(c.subject_id::text, ''),
			array(SELECT person_id::text FROM claim_members m WHERE m.claim_number = e.claim_number ORDER BY person_id = c.applicant_id DESC, person_id)
		FROM entitlements e JOIN claims c ON c.number = e.claim_number
		WHERE e.state <> 'ended' AND (e.beneficiary_id = ANY($1::uuid[])
			OR e.claim_number IN (SELECT claim_number FROM claim_members WHERE person_id = ANY($1::uuid[])))
		ORDER BY e.created_at, e.id`
	rows, err := q.Query(ctx, sql, ids)
	if err != nil {
		return nil, fmt.Errorf("select rights of persons: %w", err)
	}
	return pgx.CollectRows(rows, scanHeld)
}

func scanHeld(r pgx.CollectableRow) (HeldRight, error) {
	var h HeldRight
	var members []string
	err := r.Scan(&h.EntitlementID, &h.ClaimNumber, &h.Benefit, &h.Periodicity, &h.State, &h.BeneficiaryID, &h.SubjectID, &members)
	for _, m := range members {
		h.Members = append(h.Members, domain.PersonID(m))
	}
	return h, err
}

// ReserveGrant reserves the holders of claim number for its grant: under
// a lock per holder (taken in order), it reads the rights they hold and
// the grants other claims reserved for them that have no right yet
// (state "reserved"), asks conflict whether one excludes the grant, and
// if none does records the reservation, in one transaction; so two
// approvals of excluding claims of the same household cannot both pass.
// Reserving again is harmless.
func (db *DB) ReserveGrant(ctx context.Context, number string, holders []domain.PersonID, conflict func([]HeldRight) bool) (reserved bool, err error) {
	ids := make([]string, len(holders))
	for i, p := range holders {
		ids[i] = string(p)
	}
	slices.Sort(ids)
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		for _, id := range slices.Compact(ids) {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('grant:' || $1, 0))`, id); err != nil {
				return fmt.Errorf("lock holder %s: %w", id, err)
			}
		}
		held, err := activeRightsOf(ctx, tx, holders)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT '', c.number, c.benefit, '', 'reserved', c.applicant_id::text, coalesce(c.subject_id::text, ''),
				array(SELECT person_id::text FROM claim_members m WHERE m.claim_number = c.number ORDER BY person_id = c.applicant_id DESC, person_id)
			FROM claims c
			WHERE c.grant_reserved_at IS NOT NULL AND c.number <> $2 AND c.state NOT IN ('rejected', 'withdrawn')
				AND NOT EXISTS (SELECT 1 FROM entitlements e WHERE e.claim_number = c.number)
				AND (c.applicant_id = ANY($1::uuid[]) OR c.number IN (SELECT claim_number FROM claim_members WHERE person_id = ANY($1::uuid[])))`,
			ids, number)
		if err != nil {
			return fmt.Errorf("select reserved grants: %w", err)
		}
		pending, err := pgx.CollectRows(rows, scanHeld)
		if err != nil {
			return fmt.Errorf("select reserved grants: %w", err)
		}
		if conflict(append(held, pending...)) {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE claims SET grant_reserved_at = coalesce(grant_reserved_at, now()) WHERE number = $1`, number); err != nil {
			return fmt.Errorf("reserve grant of %s: %w", number, err)
		}
		reserved = true
		return nil
	})
	return reserved, err
}
