package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// OpenCaseOf is an open case a person takes part in, as a notification's
// page offers it to join.
type OpenCaseOf struct {
	Number, Procedure, Stage string
	PersonID                 domain.PersonID
	Role                     string // the person's part in it
}

// OpenDVCasesOf lists the open domestic-violence cases of centre in which
// any of persons takes part, the latest first (issue 17: a notification
// joins one of them).
func (db *DB) OpenDVCasesOf(ctx context.Context, centre string, persons []domain.PersonID) ([]OpenCaseOf, error) {
	ids := make([]string, len(persons))
	for i, p := range persons {
		ids[i] = string(p)
	}
	rows, err := db.pool.Query(ctx, `SELECT c.number, c.procedure, c.stage, cp.person_id::text, cp.role FROM cases c
		JOIN case_persons cp ON cp.case_number = c.number
		WHERE cp.person_id = ANY($2::uuid[]) AND c.dv AND c.status = 'open' AND c.centre_id = $1
		ORDER BY c.opened_at DESC, c.number, cp.role LIMIT 20`, centre, ids)
	if err != nil {
		return nil, fmt.Errorf("open DV cases: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OpenCaseOf, error) {
		var o OpenCaseOf
		err := r.Scan(&o.Number, &o.Procedure, &o.Stage, &o.PersonID, &o.Role)
		return o, err
	})
}
