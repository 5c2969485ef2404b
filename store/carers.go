package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/carers"
)

// The registers of guardians and foster carers (issue 21, item 3). A
// decision of a case that appoints carers (carers.Appoints) enters each
// carer it names with each ward of the case (its persons in the role
// beneficiary) from the day it was issued; a decision that ends them
// (carers.Ends) ends the appointments of its role in the same case on its
// day. The carers a decision names are in its form (the decision_prepared
// event's data, "carers": person ids), as the caseworker prepared it.

// CaseDecisionIssued is an issued decision of a case, as the registers
// read it.
type CaseDecisionIssued struct {
	CaseNumber string
	Seq        int // the case's n-th prepared decision
	Kind       string
	DecisionID string
	Day        time.Time
	CentreID   string
}

// RegisterCaseDecision enters or ends the appointments the decision makes,
// in one transaction, and says how many rows it entered or ended. Doing it
// again (a retried activity) changes nothing more. A decision of another
// kind changes nothing.
func (db *DB) RegisterCaseDecision(ctx context.Context, d CaseDecisionIssued) (int, error) {
	appoints, isAppointment := carers.Appoints(d.Kind)
	ends, isEnd := carers.Ends(d.Kind)
	if !isAppointment && !isEnd {
		return 0, nil
	}
	n := 0
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if isEnd {
			tag, err := tx.Exec(ctx, `UPDATE carer_appointments SET ended_on = @day, end_decision_id = @decision
				WHERE case_number = @case AND role = @role AND ended_on IS NULL AND valid_from <= @day`,
				pgx.NamedArgs{"day": d.Day, "decision": d.DecisionID, "case": d.CaseNumber, "role": string(ends)})
			if err != nil {
				return fmt.Errorf("end appointments of case %s: %w", d.CaseNumber, err)
			}
			n = int(tag.RowsAffected())
			return nil
		}
		named, err := namedCarers(ctx, tx, d.CaseNumber, d.Seq)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT person_id::text FROM case_persons WHERE case_number = $1 AND role = 'beneficiary' ORDER BY person_id`, d.CaseNumber)
		if err != nil {
			return fmt.Errorf("wards of case %s: %w", d.CaseNumber, err)
		}
		wards, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("wards of case %s: %w", d.CaseNumber, err)
		}
		for _, c := range named {
			for _, w := range wards {
				if w == c {
					continue
				}
				tag, err := tx.Exec(ctx, `INSERT INTO carer_appointments (role, carer_id, ward_id, case_number, centre_id, decision_id, valid_from)
					VALUES (@role, @carer, @ward, @case, @centre, @decision, @day) ON CONFLICT (decision_id, carer_id, ward_id) DO NOTHING`,
					pgx.NamedArgs{"role": string(appoints), "carer": c, "ward": w, "case": d.CaseNumber, "centre": d.CentreID, "decision": d.DecisionID, "day": d.Day})
				if err != nil {
					return translate(err, "carer "+c)
				}
				n += int(tag.RowsAffected())
			}
		}
		return nil
	})
	return n, err
}

// namedCarers reads the carers the case's seq-th prepared decision names.
func namedCarers(ctx context.Context, tx pgx.Tx, number string, seq int) ([]string, error) {
	var data []byte
	err := tx.QueryRow(ctx, `SELECT data FROM case_events WHERE case_number = $1 AND kind = 'decision_prepared' ORDER BY id OFFSET $2 LIMIT 1`,
		number, seq-1).Scan(&data)
	if err == pgx.ErrNoRows {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("decision %d of case %s: %w", seq, number, err)
	}
	var form struct {
		Carers []string `json:"carers"`
	}
	if err := json.Unmarshal(data, &form); err != nil {
		return nil, fmt.Errorf("decision %d of case %s: %w", seq, number, err)
	}
	return form.Carers, nil
}

// CarerFilter chooses the entries of a register.
type CarerFilter struct {
	Role     carers.Role
	CentreID string // "": every centre
	// Query: a JMBG, or words each the start of a carer's or a ward's
	// given or family name (without needing diacritics).
	Query string
	State string // current (default), ended or all
	Limit int    // 1..500; 0: 100
}

// CarerPerson is a carer or a ward of an entry.
type CarerPerson struct {
	PersonID     string
	JMBG         string
	GivenName    string
	FamilyName   string
	Municipality string
	// Assessments of a carer (suitability, training), the oldest first.
	Assessments []CarerAssessment
}

// CarerEntry is one appointment: the carers one decision named (a guardian,
// or a foster family) with their wards, from the decision's day until the
// decision that ended it.
type CarerEntry struct {
	Role              carers.Role
	DecisionID        string
	DecisionNumber    string
	CaseNumber        string
	CentreID          string
	From              time.Time
	EndedOn           *time.Time
	EndDecisionNumber string
	Carers            []CarerPerson
	Wards             []CarerPerson
	// AllowancesPaid: of a foster placement, the placement costs (benefit
	// SMJ) paid for its wards' rights for the months of the placement.
	AllowancesPaid decimal.Decimal
	// Restricted: the case is in the DV compartment, or a carer or a ward is
	// named in a report of it; shown to no one outside it.
	Restricted bool
}

// CarerRegister returns the entries f chooses, the most recent first.
func (db *DB) CarerRegister(ctx context.Context, f CarerFilter) ([]CarerEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	args := pgx.NamedArgs{"role": string(f.Role), "centre": f.CentreID, "state": f.State, "limit": f.Limit}
	var match []string
	if j, _, err := domain.ParseJMBG(f.Query); err == nil {
		match = append(match, "p.jmbg = @jmbg")
		args["jmbg"] = string(j)
	} else {
		for i, w := range strings.Fields(f.Query) {
			k := fmt.Sprintf("w%d", i)
			match = append(match, fmt.Sprintf(`(p.family_folded LIKE karton_fold(@%s) || '%%' OR p.given_folded LIKE karton_fold(@%s) || '%%')`, k, k))
			args[k] = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(w)
		}
	}
	where := "true"
	if match != nil {
		where = `a.decision_id IN (SELECT m.decision_id FROM carer_appointments m JOIN persons p ON p.id IN (m.carer_id, m.ward_id)
			WHERE ` + strings.Join(match, " AND ") + `)`
	}
	rows, err := db.pool.Query(ctx, `SELECT a.decision_id::text, d.number, a.case_number, a.centre_id, a.valid_from, a.ended_on, coalesce(ed.number, ''),
			c.dv, array_agg(DISTINCT a.carer_id::text), array_agg(DISTINCT a.ward_id::text)
		FROM carer_appointments a
		JOIN case_decisions d ON d.id = a.decision_id
		LEFT JOIN case_decisions ed ON ed.id = a.end_decision_id
		JOIN cases c ON c.number = a.case_number
		WHERE a.role = @role AND (@centre = '' OR a.centre_id = @centre)
			AND CASE @state WHEN 'all' THEN true WHEN 'ended' THEN a.ended_on IS NOT NULL ELSE a.ended_on IS NULL END
			AND `+where+`
		GROUP BY a.decision_id, d.number, a.case_number, a.centre_id, a.valid_from, a.ended_on, ed.number, c.dv
		ORDER BY a.valid_from DESC, d.number
		LIMIT @limit`, args)
	if err != nil {
		return nil, fmt.Errorf("select carer register: %w", err)
	}
	type entryRow struct {
		CarerEntry
		carers, wards []string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (entryRow, error) {
		e := entryRow{CarerEntry: CarerEntry{Role: f.Role}}
		err := r.Scan(&e.DecisionID, &e.DecisionNumber, &e.CaseNumber, &e.CentreID, &e.From, &e.EndedOn, &e.EndDecisionNumber,
			&e.Restricted, &e.carers, &e.wards)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("select carer register: %w", err)
	}
	var ids []string
	for _, e := range list {
		ids = append(append(ids, e.carers...), e.wards...)
	}
	persons, restricted, err := db.carerPersons(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CarerEntry, 0, len(list))
	for _, e := range list {
		for _, id := range e.carers {
			e.Carers = append(e.Carers, persons[id])
			e.Restricted = e.Restricted || restricted[id]
		}
		for _, id := range e.wards {
			e.Wards = append(e.Wards, CarerPerson{PersonID: id, JMBG: persons[id].JMBG, GivenName: persons[id].GivenName,
				FamilyName: persons[id].FamilyName, Municipality: persons[id].Municipality})
			e.Restricted = e.Restricted || restricted[id]
		}
		if f.Role == carers.FosterCarer {
			if e.AllowancesPaid, err = db.placementCostsPaid(ctx, e.wards, e.From, e.EndedOn); err != nil {
				return nil, err
			}
		}
		out = append(out, e.CarerEntry)
	}
	return out, nil
}

// carerPersons reads the persons of ids with their assessments, and which
// of them a report of the DV compartment names.
func (db *DB) carerPersons(ctx context.Context, ids []string) (map[string]CarerPerson, map[string]bool, error) {
	persons, restricted := map[string]CarerPerson{}, map[string]bool{}
	if len(ids) == 0 {
		return persons, restricted, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT p.id::text, p.jmbg, p.given_name, p.family_name, p.municipality,
			EXISTS (SELECT 1 FROM dv_persons dp WHERE dp.person_id = p.id)
		FROM persons p WHERE p.id::text = ANY($1)`, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("select carers: %w", err)
	}
	var p CarerPerson
	var dv bool
	if _, err := pgx.ForEachRow(rows, []any{&p.PersonID, &p.JMBG, &p.GivenName, &p.FamilyName, &p.Municipality, &dv}, func() error {
		persons[p.PersonID], restricted[p.PersonID] = p, dv
		return nil
	}); err != nil {
		return nil, nil, fmt.Errorf("select carers: %w", err)
	}
	assessments, err := db.CarerAssessments(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range assessments {
		x := persons[a.CarerID]
		x.Assessments = append(x.Assessments, a)
		persons[a.CarerID] = x
	}
	return persons, restricted, nil
}

// placementCostsPaid sums the payments sent or paid of the wards' rights
// to placement costs (benefit SMJ) for the months from from until ended.
func (db *DB) placementCostsPaid(ctx context.Context, wards []string, from time.Time, ended *time.Time) (decimal.Decimal, error) {
	var sum decimal.Decimal
	err := db.pool.QueryRow(ctx, `SELECT coalesce(sum(pay.amount), 0) FROM payments pay
		JOIN entitlements e ON e.id = pay.entitlement_id
		WHERE e.benefit = 'SMJ' AND e.beneficiary_id::text = ANY($1) AND pay.state IN ('sent', 'paid')
			AND pay.period >= date_trunc('month', $2::date) AND ($3::date IS NULL OR pay.period < $3::date)`, wards, from, ended).Scan(&sum)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("placement costs paid: %w", err)
	}
	return sum, nil
}

// CarerAssessment is an assessment of a carer's suitability, or a
// training they took.
type CarerAssessment struct {
	ID         int64
	CarerID    string
	Assessment carers.Assessment
	CentreID   string
	RecordedBy string
	RecordedAt time.Time
}

// RecordCarerAssessment records an assessment, checked by the domain's
// rules as of today (every fault by field; nothing written on one).
func (db *DB) RecordCarerAssessment(ctx context.Context, a CarerAssessment, today time.Time) (CarerAssessment, error) {
	if err := a.Assessment.Check(today); err != nil {
		return CarerAssessment{}, err
	}
	x := a.Assessment
	err := db.pool.QueryRow(ctx, `INSERT INTO carer_assessments (carer_id, role, kind, held_on, outcome, hours, centre_id, recorded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, recorded_at`,
		a.CarerID, string(x.Role), x.Kind, x.HeldOn, x.Outcome, x.Hours, a.CentreID, a.RecordedBy).Scan(&a.ID, &a.RecordedAt)
	if err != nil {
		return CarerAssessment{}, translate(err, "person "+a.CarerID)
	}
	return a, nil
}

// CarerAssessments returns the assessments of the carers ids, the oldest
// first.
func (db *DB) CarerAssessments(ctx context.Context, ids []string) ([]CarerAssessment, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, carer_id::text, role, kind, held_on, outcome, hours, centre_id, recorded_by, recorded_at
		FROM carer_assessments WHERE carer_id::text = ANY($1) ORDER BY held_on, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("select carer assessments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CarerAssessment, error) {
		var a CarerAssessment
		var role string
		err := r.Scan(&a.ID, &a.CarerID, &role, &a.Assessment.Kind, &a.Assessment.HeldOn, &a.Assessment.Outcome, &a.Assessment.Hours,
			&a.CentreID, &a.RecordedBy, &a.RecordedAt)
		a.Assessment.Role = carers.Role(role)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("select carer assessments: %w", err)
	}
	return out, nil
}

// PersonRestricted reports whether a report of the DV compartment names
// the person.
func (db *DB) PersonRestricted(ctx context.Context, id domain.PersonID) (bool, error) {
	var dv bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dv_persons WHERE person_id::text = $1)`, string(id)).Scan(&dv); err != nil {
		return false, fmt.Errorf("dv mark of person %s: %w", id, err)
	}
	return dv, nil
}
