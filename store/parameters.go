package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// ParameterValue is a value of one of the law's parameters published by
// the ministry: proposed by one ministry officer, approved by another.
type ParameterValue struct {
	ID             int64
	Name           string
	ValidFrom      time.Time
	Value          decimal.Decimal
	LegalRef       string
	State          string // proposed, approved, rejected
	ProposedBy     string
	ApprovedBy     string
	ProposedAt     time.Time
	DecidedAt      *time.Time
	ApprovedSeq    int64 // the order of approval; 0 until approved
	ReassessmentID int64 // 0 until approved
}

const parameterColumns = `id, name, valid_from, value, legal_ref, state, proposed_by, coalesce(approved_by, ''), proposed_at, decided_at,
	coalesce(approved_seq, 0), coalesce(reassessment_id, 0)`

func scanParameter(r pgx.CollectableRow) (ParameterValue, error) {
	var v ParameterValue
	err := r.Scan(&v.ID, &v.Name, &v.ValidFrom, &v.Value, &v.LegalRef, &v.State, &v.ProposedBy, &v.ApprovedBy, &v.ProposedAt, &v.DecidedAt,
		&v.ApprovedSeq, &v.ReassessmentID)
	return v, err
}

// ProposeParameterValue records a proposed value. The caller has checked
// it against the parameters (benefits.Params.Check).
func (db *DB) ProposeParameterValue(ctx context.Context, v ParameterValue) (ParameterValue, error) {
	rows, err := db.pool.Query(ctx, `INSERT INTO parameter_values (name, valid_from, value, legal_ref, proposed_by) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+parameterColumns, v.Name, v.ValidFrom, v.Value, v.LegalRef, v.ProposedBy)
	if err != nil {
		return ParameterValue{}, fmt.Errorf("insert parameter value: %w", err)
	}
	out, err := pgx.CollectExactlyOneRow(rows, scanParameter)
	return out, translate(err, "parameter value")
}

// ParameterValues lists the published values, newest first; state ""
// lists every state.
func (db *DB) ParameterValues(ctx context.Context, state string) ([]ParameterValue, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+parameterColumns+` FROM parameter_values WHERE $1 = '' OR state = $1 ORDER BY id DESC`, state)
	if err != nil {
		return nil, fmt.Errorf("select parameter values: %w", err)
	}
	return pgx.CollectRows(rows, scanParameter)
}

// ParameterValueByID returns a published value. Returns CodeNotFound.
func (db *DB) ParameterValueByID(ctx context.Context, id int64) (ParameterValue, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+parameterColumns+` FROM parameter_values WHERE id = $1`, id)
	if err != nil {
		return ParameterValue{}, fmt.Errorf("select parameter value %d: %w", id, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, scanParameter)
	return v, translate(err, "parameter value "+strconv.FormatInt(id, 10))
}

// ApprovedParameterValues lists the approved values in the order they
// are merged (approval order), up to approval upTo (0: all).
func (db *DB) ApprovedParameterValues(ctx context.Context, upTo int64) ([]ParameterValue, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+parameterColumns+` FROM parameter_values
		WHERE state = 'approved' AND ($1 = 0 OR approved_seq <= $1) ORDER BY approved_seq`, upTo)
	if err != nil {
		return nil, fmt.Errorf("select approved parameter values: %w", err)
	}
	return pgx.CollectRows(rows, scanParameter)
}

// ParametersVersion is the order of the latest approval (0: none): the
// parameters in force change exactly when it does.
func (db *DB) ParametersVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(approved_seq), 0) FROM parameter_values`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("select parameters version: %w", err)
	}
	return v, nil
}

// ApproveParameterValue approves a proposed value by another person than
// its author and records the reassessment of the rights of benefits from
// the value's day on, in one transaction. Returns CodeNotFound, CodeConflict
// for a value that is not proposed, CodeForbidden for its author.
func (db *DB) ApproveParameterValue(ctx context.Context, id int64, by string, affected []string) (ParameterValue, Reassessment, error) {
	var v ParameterValue
	var r Reassessment
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+parameterColumns+` FROM parameter_values WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		if v, err = pgx.CollectExactlyOneRow(rows, scanParameter); err != nil {
			return translate(err, "parameter value "+strconv.FormatInt(id, 10))
		}
		switch {
		case v.State != "proposed":
			return domain.Errorf(domain.CodeConflict, "parameter value %d is %s, not proposed", id, v.State)
		case v.ProposedBy == by:
			return domain.Errorf(domain.CodeForbidden, "four eyes: %s proposed this value and may not approve it", by)
		}
		if affected == nil {
			affected = []string{}
		}
		var rid int64
		if err := tx.QueryRow(ctx, `INSERT INTO reassessments (parameter_value_id, benefits, effective_from, started_by) VALUES ($1, $2, $3, $4)
			RETURNING id`, id, affected, v.ValidFrom, by).Scan(&rid); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `UPDATE parameter_values SET state = 'approved', approved_by = $2, decided_at = now(),
			approved_seq = nextval('parameter_approval_seq'), reassessment_id = $3 WHERE id = $1 RETURNING approved_seq, decided_at, reassessment_id`,
			id, by, rid).Scan(&v.ApprovedSeq, &v.DecidedAt, &v.ReassessmentID)
		if err != nil {
			return err
		}
		v.State, v.ApprovedBy = "approved", by
		r, err = reassessmentByID(ctx, tx, rid, "")
		return err
	})
	if err != nil {
		return ParameterValue{}, Reassessment{}, err
	}
	return v, r, nil
}
