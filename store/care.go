package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// The resident's care (issue 22, migration 00040): the individual plan in
// versions, the social service's notes and the medical records. The text
// about a person is kept here only: never in a log line, a URL or a
// workflow's history.

// PlanVersion is one saved version of a resident's individual plan.
type PlanVersion struct {
	PlacementID int64
	Version     int
	Data        json.RawMessage // nil in a list of versions
	SavedBy     string
	SavedAt     time.Time
}

// SavePlan saves a new version of placement's plan and replaces its visit
// rules with rules, in one transaction: both are written or neither. base
// is the version the plan was edited from (0: none saved yet); a base
// other than the newest is a conflict (someone saved meanwhile), unless
// base is negative (no check).
func (db *DB) SavePlan(ctx context.Context, placement int64, base int, data json.RawMessage, rules []VisitRule, by string) (PlanVersion, error) {
	out := PlanVersion{PlacementID: placement, Data: data, SavedBy: by}
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		// The placement's row orders concurrent saves of its plan.
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM placements WHERE id = $1 FOR UPDATE`, placement).Scan(&id); err != nil {
			return translate(err, fmt.Sprintf("placement %d", placement))
		}
		var latest int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM care_plans WHERE placement_id = $1`, placement).Scan(&latest); err != nil {
			return fmt.Errorf("plan's newest version: %w", err)
		}
		if base >= 0 && base != latest {
			return &domain.Error{Code: domain.CodeConflict, Field: "base_version",
				Message: fmt.Sprintf("the plan was edited from version %d, but version %d was saved meanwhile: read it and edit again", base, latest)}
		}
		out.Version = latest + 1
		if err := tx.QueryRow(ctx, `INSERT INTO care_plans (placement_id, version, data, saved_by) VALUES ($1, $2, $3, $4) RETURNING saved_at`,
			placement, out.Version, data, by).Scan(&out.SavedAt); err != nil {
			return fmt.Errorf("insert plan version: %w", err)
		}
		return replaceVisitRulesTx(ctx, tx, placement, rules, by)
	})
	if err != nil {
		return PlanVersion{}, err
	}
	return out, nil
}

// replaceVisitRulesTx is ReplaceVisitRules inside the caller's transaction.
func replaceVisitRulesTx(ctx context.Context, tx pgx.Tx, placement int64, rules []VisitRule, by string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM visit_rules WHERE placement_id = $1`, placement); err != nil {
		return fmt.Errorf("clear visit rules: %w", err)
	}
	for _, v := range rules {
		if _, err := tx.Exec(ctx, `INSERT INTO visit_rules (placement_id, visitor_name, visitor_jmbg, allowed, reason, set_by) VALUES ($1, $2, $3, $4, $5, $6)`,
			placement, v.VisitorName, v.VisitorJMBG, v.Allowed, v.Reason, by); err != nil {
			return fmt.Errorf("insert visit rule: %w", err)
		}
	}
	return nil
}

// Plan returns version of placement's plan (0: the newest); a placement
// without a plan, or without that version, is not found.
func (db *DB) Plan(ctx context.Context, placement int64, version int) (PlanVersion, error) {
	p := PlanVersion{PlacementID: placement}
	err := db.pool.QueryRow(ctx, `SELECT version, data, saved_by, saved_at FROM care_plans WHERE placement_id = $1 AND ($2 = 0 OR version = $2)
		ORDER BY version DESC LIMIT 1`, placement, version).Scan(&p.Version, &p.Data, &p.SavedBy, &p.SavedAt)
	if err != nil {
		if version == 0 {
			return PlanVersion{}, translate(err, fmt.Sprintf("plan of placement %d", placement))
		}
		return PlanVersion{}, translate(err, fmt.Sprintf("version %d of the plan", version))
	}
	return p, nil
}

// PlanVersions lists the versions of placement's plan, newest first,
// without their data.
func (db *DB) PlanVersions(ctx context.Context, placement int64) ([]PlanVersion, error) {
	rows, err := db.pool.Query(ctx, `SELECT placement_id, version, saved_by, saved_at FROM care_plans WHERE placement_id = $1 ORDER BY version DESC`, placement)
	if err != nil {
		return nil, fmt.Errorf("plan versions: %w", err)
	}
	defer rows.Close()
	out := []PlanVersion{}
	for rows.Next() {
		var p PlanVersion
		if err := rows.Scan(&p.PlacementID, &p.Version, &p.SavedBy, &p.SavedAt); err != nil {
			return nil, fmt.Errorf("scan plan version: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SocialNote is a dated note of the social service on a resident.
type SocialNote struct {
	ID          int64
	PlacementID int64
	Date        time.Time
	Text        string
	Corrects    int64 // the note this one corrects; 0 for none
	WrittenBy   string
	WrittenAt   time.Time
}

// AddSocialNote records a note; a correction of a note that is not the
// same resident's is invalid, naming it.
func (db *DB) AddSocialNote(ctx context.Context, n SocialNote) (SocialNote, error) {
	var corrects any
	if n.Corrects != 0 {
		corrects = n.Corrects
	}
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if n.Corrects != 0 {
			var of int64
			err := tx.QueryRow(ctx, `SELECT placement_id FROM social_notes WHERE id = $1`, n.Corrects).Scan(&of)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && of != n.PlacementID {
				return domain.FieldError("corrects", "note %d is not a note on this resident", n.Corrects)
			} else if err != nil {
				return fmt.Errorf("note corrected: %w", err)
			}
		}
		return tx.QueryRow(ctx, `INSERT INTO social_notes (placement_id, note_date, text, corrects, written_by) VALUES ($1, $2, $3, $4, $5)
			RETURNING id, written_at`, n.PlacementID, domain.CalendarDay(n.Date), n.Text, corrects, n.WrittenBy).Scan(&n.ID, &n.WrittenAt)
	})
	if err != nil {
		return SocialNote{}, err
	}
	n.Date = domain.CalendarDay(n.Date)
	return n, nil
}

// SocialNotes lists placement's notes, newest first.
func (db *DB) SocialNotes(ctx context.Context, placement int64) ([]SocialNote, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, placement_id, note_date, text, coalesce(corrects, 0), written_by, written_at
		FROM social_notes WHERE placement_id = $1 ORDER BY note_date DESC, id DESC`, placement)
	if err != nil {
		return nil, fmt.Errorf("social notes: %w", err)
	}
	defer rows.Close()
	out := []SocialNote{}
	for rows.Next() {
		var n SocialNote
		if err := rows.Scan(&n.ID, &n.PlacementID, &n.Date, &n.Text, &n.Corrects, &n.WrittenBy, &n.WrittenAt); err != nil {
			return nil, fmt.Errorf("scan social note: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// MedicalRecord is an entry of a resident's medical records: the medical
// compartment, for the institution's medical staff only.
type MedicalRecord struct {
	ID          int64
	PlacementID int64
	Date        time.Time
	Kind        string // examination, diagnosis, note, referral
	Text        string
	WrittenBy   string
	WrittenAt   time.Time
}

// AddMedicalRecord records an entry.
func (db *DB) AddMedicalRecord(ctx context.Context, r MedicalRecord) (MedicalRecord, error) {
	err := db.pool.QueryRow(ctx, `INSERT INTO medical_records (placement_id, entry_date, kind, text, written_by) VALUES ($1, $2, $3, $4, $5)
		RETURNING id, written_at`, r.PlacementID, domain.CalendarDay(r.Date), r.Kind, r.Text, r.WrittenBy).Scan(&r.ID, &r.WrittenAt)
	if err != nil {
		return MedicalRecord{}, fmt.Errorf("insert medical record: %w", err)
	}
	r.Date = domain.CalendarDay(r.Date)
	return r, nil
}

// MedicalRecords lists placement's medical records, newest first.
func (db *DB) MedicalRecords(ctx context.Context, placement int64) ([]MedicalRecord, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, placement_id, entry_date, kind, text, written_by, written_at
		FROM medical_records WHERE placement_id = $1 ORDER BY entry_date DESC, id DESC`, placement)
	if err != nil {
		return nil, fmt.Errorf("medical records: %w", err)
	}
	defer rows.Close()
	out := []MedicalRecord{}
	for rows.Next() {
		var r MedicalRecord
		if err := rows.Scan(&r.ID, &r.PlacementID, &r.Date, &r.Kind, &r.Text, &r.WrittenBy, &r.WrittenAt); err != nil {
			return nil, fmt.Errorf("scan medical record: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
