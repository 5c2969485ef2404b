package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
)

// The gatehouse of a residential institution (issue 22 item 5): visits
// and the residents' leaves and returns. Every query is scoped by the
// institution: another institution's visits and leaves do not exist here.
// A visitor or companion is checked against the resident's plan (its visit
// rules) inside the transaction that records them, so a refusal leaves
// nothing behind.

// Visit is one visitor's visit to a resident.
type Visit struct {
	ID              int64
	InstitutionID   string
	PlacementID     int64
	PersonID        domain.PersonID // the resident
	ResidentName    string
	VisitorName     string
	VisitorJMBG     string
	VisitorDocument string
	Relation        string
	ArrivedAt       time.Time
	ArrivalReason   string
	DepartedAt      *time.Time
	DepartureReason string
	LoggedBy        string
	DepartureBy     string
}

// Leave is a resident's leave from the institution, and their return.
type Leave struct {
	ID                int64
	InstitutionID     string
	PlacementID       int64
	PersonID          domain.PersonID
	ResidentName      string
	Kind              string
	CompanionName     string
	CompanionJMBG     string
	CompanionDocument string
	CompanionRelation string
	LeftAt            time.Time
	LeftReason        string
	ExpectedReturn    time.Time
	ReturnedAt        *time.Time
	ReturnReason      string
	RecordedBy        string
	ReturnBy          string
}

// gateResident is the resident a gatehouse record names, locked for the
// transaction: a visit and a leave of one resident are recorded one after
// the other.
type gateResident struct {
	PersonID  domain.PersonID
	Name      string
	BirthDate time.Time
}

func lockResident(ctx context.Context, tx pgx.Tx, inst string, placement int64) (gateResident, error) {
	var r gateResident
	err := tx.QueryRow(ctx, `SELECT p.person_id, pe.given_name || ' ' || pe.family_name, pe.birth_date
		FROM placements p JOIN persons pe ON pe.id = p.person_id
		WHERE p.id = $1 AND p.institution_id = $2 AND p.state = 'admitted' FOR UPDATE OF p`, placement, inst).Scan(&r.PersonID, &r.Name, &r.BirthDate)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, &domain.Error{Code: domain.CodeNotFound, Field: "placement_id", Message: fmt.Sprintf("resident %d not found", placement)}
	}
	if err != nil {
		return r, fmt.Errorf("lock resident %d: %w", placement, err)
	}
	return r, nil
}

func planRules(ctx context.Context, tx pgx.Tx, placement int64) ([]institutions.VisitRule, error) {
	rows, err := tx.Query(ctx, `SELECT visitor_name, visitor_jmbg, allowed, reason FROM visit_rules WHERE placement_id = $1 ORDER BY set_at, id`, placement)
	if err != nil {
		return nil, fmt.Errorf("visit rules: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (institutions.VisitRule, error) {
		var v institutions.VisitRule
		err := r.Scan(&v.Name, &v.JMBG, &v.Allowed, &v.Reason)
		return v, err
	})
}

// openLeave returns the resident's leave not yet ended, if any.
func openLeave(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, placement int64) (Leave, bool, error) {
	l, err := scanLeave(q.QueryRow(ctx, `SELECT `+leaveColumns+` FROM resident_leaves l `+leaveJoins+` WHERE l.placement_id = $1 AND l.returned_at IS NULL`, placement))
	if errors.Is(err, pgx.ErrNoRows) {
		return Leave{}, false, nil
	}
	if err != nil {
		return Leave{}, false, fmt.Errorf("open leave of %d: %w", placement, err)
	}
	return l, true, nil
}

// RecordVisit logs a visitor in: the resident must be admitted to v's
// institution (not found otherwise), not on leave (a conflict), and the
// plan must let the visitor in (institutions.CheckCaller, a conflict
// naming the rule); nothing is written when any is not so.
func (db *DB) RecordVisit(ctx context.Context, v Visit) (Visit, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		r, err := lockResident(ctx, tx, v.InstitutionID, v.PlacementID)
		if err != nil {
			return err
		}
		if l, on, err := openLeave(ctx, tx, v.PlacementID); err != nil {
			return err
		} else if on {
			return &domain.Error{Code: domain.CodeConflict, Field: "placement_id",
				Message: fmt.Sprintf("the resident is on leave since %s (leave %d): a visit waits for their return", l.LeftAt.UTC().Format(time.RFC3339), l.ID)}
		}
		rules, err := planRules(ctx, tx, v.PlacementID)
		if err != nil {
			return err
		}
		if err := institutions.CheckCaller(rules, institutions.Caller{Name: v.VisitorName, JMBG: v.VisitorJMBG},
			institutions.Child(r.BirthDate, v.ArrivedAt), institutions.AsVisitor, "visitor_name"); err != nil {
			return err
		}
		v.PersonID, v.ResidentName = r.PersonID, r.Name
		return tx.QueryRow(ctx, `INSERT INTO gate_visits (institution_id, placement_id, visitor_name, visitor_jmbg, visitor_document, relation,
				arrived_at, arrival_reason, logged_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			v.InstitutionID, v.PlacementID, v.VisitorName, v.VisitorJMBG, v.VisitorDocument, v.Relation, v.ArrivedAt, v.ArrivalReason, v.LoggedBy).Scan(&v.ID)
	})
	if err != nil {
		return Visit{}, err
	}
	return v, nil
}

const visitColumns = `v.id, v.institution_id, v.placement_id, p.person_id, pe.given_name || ' ' || pe.family_name, v.visitor_name, v.visitor_jmbg,
	v.visitor_document, v.relation, v.arrived_at, v.arrival_reason, v.departed_at, v.departure_reason, v.logged_by, v.departure_by`

const visitJoins = `JOIN placements p ON p.id = v.placement_id JOIN persons pe ON pe.id = p.person_id`

func scanVisit(r pgx.Row) (Visit, error) {
	var v Visit
	err := r.Scan(&v.ID, &v.InstitutionID, &v.PlacementID, &v.PersonID, &v.ResidentName, &v.VisitorName, &v.VisitorJMBG, &v.VisitorDocument,
		&v.Relation, &v.ArrivedAt, &v.ArrivalReason, &v.DepartedAt, &v.DepartureReason, &v.LoggedBy, &v.DepartureBy)
	return v, err
}

// VisitByID returns institution inst's visit id; another institution's
// is not found.
func (db *DB) VisitByID(ctx context.Context, inst string, id int64) (Visit, error) {
	v, err := scanVisit(db.pool.QueryRow(ctx, `SELECT `+visitColumns+` FROM gate_visits v `+visitJoins+` WHERE v.id = $1 AND v.institution_id = $2`, id, inst))
	if err != nil {
		return Visit{}, translate(err, fmt.Sprintf("visit %d", id))
	}
	return v, nil
}

// RecordDeparture logs visit id's visitor out at at (with the reason of a
// back-dated time): a visit already ended, or a time before the arrival,
// is a conflict.
func (db *DB) RecordDeparture(ctx context.Context, inst string, id int64, at time.Time, reason, by string) (Visit, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		v, err := scanVisit(tx.QueryRow(ctx, `SELECT `+visitColumns+` FROM gate_visits v `+visitJoins+` WHERE v.id = $1 AND v.institution_id = $2 FOR UPDATE OF v`, id, inst))
		if err != nil {
			return translate(err, fmt.Sprintf("visit %d", id))
		}
		if v.DepartedAt != nil {
			return domain.Errorf(domain.CodeConflict, "visit %d has ended already (departure at %s)", id, v.DepartedAt.UTC().Format(time.RFC3339))
		}
		if at.Before(v.ArrivedAt) {
			return domain.FieldError("departed_at", "%s is before the visitor's arrival (%s)", at.UTC().Format(time.RFC3339), v.ArrivedAt.UTC().Format(time.RFC3339))
		}
		_, err = tx.Exec(ctx, `UPDATE gate_visits SET departed_at = $1, departure_reason = $2, departure_by = $3 WHERE id = $4`, at, reason, by, id)
		return err
	})
	if err != nil {
		return Visit{}, err
	}
	return db.VisitByID(ctx, inst, id)
}

// Visits lists institution inst's visits that began in [from, to), and,
// when inside, also the earlier ones whose visitor has not left yet; by
// arrival.
func (db *DB) Visits(ctx context.Context, inst string, from, to time.Time, inside bool) ([]Visit, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+visitColumns+` FROM gate_visits v `+visitJoins+`
		WHERE v.institution_id = $1 AND ((v.arrived_at >= $2 AND v.arrived_at < $3) OR ($4 AND v.departed_at IS NULL AND v.arrived_at < $3))
		ORDER BY v.arrived_at, v.id`, inst, from, to, inside)
	if err != nil {
		return nil, fmt.Errorf("visits: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Visit, error) { return scanVisit(r) })
	if err != nil {
		return nil, fmt.Errorf("scan visit: %w", err)
	}
	return out, nil
}

// RecordLeave records a resident's leave: the resident must be admitted to
// l's institution and not on leave already (a conflict); a companion the
// plan excludes, or for a child any person the plan does not allow (a
// child leaves only with one), is refused naming the rule; nothing is
// written then.
func (db *DB) RecordLeave(ctx context.Context, l Leave) (Leave, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		r, err := lockResident(ctx, tx, l.InstitutionID, l.PlacementID)
		if err != nil {
			return err
		}
		if o, on, err := openLeave(ctx, tx, l.PlacementID); err != nil {
			return err
		} else if on {
			return &domain.Error{Code: domain.CodeConflict, Field: "placement_id",
				Message: fmt.Sprintf("the resident is on leave already (leave %d, since %s)", o.ID, o.LeftAt.UTC().Format(time.RFC3339))}
		}
		child := institutions.Child(r.BirthDate, l.LeftAt)
		if child && l.CompanionName == "" {
			return domain.FieldError("companion_name", "the resident is a child: a child leaves only with a person the plan allows; name them")
		}
		if l.CompanionName != "" {
			rules, err := planRules(ctx, tx, l.PlacementID)
			if err != nil {
				return err
			}
			if err := institutions.CheckCaller(rules, institutions.Caller{Name: l.CompanionName, JMBG: l.CompanionJMBG}, child,
				institutions.AsCompanion, "companion_name"); err != nil {
				return err
			}
		}
		l.PersonID, l.ResidentName = r.PersonID, r.Name
		return tx.QueryRow(ctx, `INSERT INTO resident_leaves (institution_id, placement_id, kind, companion_name, companion_jmbg, companion_document,
				companion_relation, left_at, left_reason, expected_return, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			l.InstitutionID, l.PlacementID, l.Kind, l.CompanionName, l.CompanionJMBG, l.CompanionDocument, l.CompanionRelation, l.LeftAt, l.LeftReason,
			l.ExpectedReturn, l.RecordedBy).Scan(&l.ID)
	})
	if err != nil {
		return Leave{}, translate(err, "leave")
	}
	return l, nil
}

const leaveColumns = `l.id, l.institution_id, l.placement_id, p.person_id, pe.given_name || ' ' || pe.family_name, l.kind, l.companion_name,
	l.companion_jmbg, l.companion_document, l.companion_relation, l.left_at, l.left_reason, l.expected_return, l.returned_at, l.return_reason,
	l.recorded_by, l.return_by`

const leaveJoins = `JOIN placements p ON p.id = l.placement_id JOIN persons pe ON pe.id = p.person_id`

func scanLeave(r pgx.Row) (Leave, error) {
	var l Leave
	err := r.Scan(&l.ID, &l.InstitutionID, &l.PlacementID, &l.PersonID, &l.ResidentName, &l.Kind, &l.CompanionName, &l.CompanionJMBG,
		&l.CompanionDocument, &l.CompanionRelation, &l.LeftAt, &l.LeftReason, &l.ExpectedReturn, &l.ReturnedAt, &l.ReturnReason, &l.RecordedBy, &l.ReturnBy)
	return l, err
}

// LeaveByID returns institution inst's leave id; another institution's is
// not found.
func (db *DB) LeaveByID(ctx context.Context, inst string, id int64) (Leave, error) {
	l, err := scanLeave(db.pool.QueryRow(ctx, `SELECT `+leaveColumns+` FROM resident_leaves l `+leaveJoins+` WHERE l.id = $1 AND l.institution_id = $2`, id, inst))
	if err != nil {
		return Leave{}, translate(err, fmt.Sprintf("leave %d", id))
	}
	return l, nil
}

// RecordReturn records the resident's return from leave id at at: a leave
// ended already, or a time before the leave began, is refused.
func (db *DB) RecordReturn(ctx context.Context, inst string, id int64, at time.Time, reason, by string) (Leave, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		l, err := scanLeave(tx.QueryRow(ctx, `SELECT `+leaveColumns+` FROM resident_leaves l `+leaveJoins+` WHERE l.id = $1 AND l.institution_id = $2 FOR UPDATE OF l`, id, inst))
		if err != nil {
			return translate(err, fmt.Sprintf("leave %d", id))
		}
		if l.ReturnedAt != nil {
			return domain.Errorf(domain.CodeConflict, "leave %d has ended already (return at %s)", id, l.ReturnedAt.UTC().Format(time.RFC3339))
		}
		if at.Before(l.LeftAt) {
			return domain.FieldError("returned_at", "%s is before the resident left (%s)", at.UTC().Format(time.RFC3339), l.LeftAt.UTC().Format(time.RFC3339))
		}
		_, err = tx.Exec(ctx, `UPDATE resident_leaves SET returned_at = $1, return_reason = $2, return_by = $3 WHERE id = $4`, at, reason, by, id)
		return err
	})
	if err != nil {
		return Leave{}, err
	}
	return db.LeaveByID(ctx, inst, id)
}

// Leaves lists institution inst's leaves not yet ended, then those ended
// in [from, to), each by the time the resident left.
func (db *DB) Leaves(ctx context.Context, inst string, from, to time.Time) ([]Leave, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+leaveColumns+` FROM resident_leaves l `+leaveJoins+`
		WHERE l.institution_id = $1 AND (l.returned_at IS NULL OR (l.returned_at >= $2 AND l.returned_at < $3))
		ORDER BY l.returned_at IS NOT NULL, l.left_at, l.id`, inst, from, to)
	if err != nil {
		return nil, fmt.Errorf("leaves: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Leave, error) { return scanLeave(r) })
	if err != nil {
		return nil, fmt.Errorf("scan leave: %w", err)
	}
	return out, nil
}

// ResidentsOnLeave maps each of institution inst's residents on leave now
// (by placement) to their leave: what the residents' lists show.
func (db *DB) ResidentsOnLeave(ctx context.Context, inst string) (map[int64]Leave, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+leaveColumns+` FROM resident_leaves l `+leaveJoins+`
		WHERE l.institution_id = $1 AND l.returned_at IS NULL`, inst)
	if err != nil {
		return nil, fmt.Errorf("residents on leave: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Leave, error) { return scanLeave(r) })
	if err != nil {
		return nil, fmt.Errorf("scan leave: %w", err)
	}
	out := make(map[int64]Leave, len(list))
	for _, l := range list {
		out[l.PlacementID] = l
	}
	return out, nil
}
