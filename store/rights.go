package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Version is one stored version of a right, with who made it and how.
type Version struct {
	EntitlementID string
	domain.RightVersion
	DecisionID string // "" for an ex officio version (indexation, death)
	// Source is what made the version ("grant", "reassessment:<id>",
	// "revision:<id>", "change:<id>", "appeal:<id>"): one version per
	// source and right, so a retried step adds it once.
	Source    string
	Lines     []domain.PaymentLine
	CreatedBy string
	CreatedAt time.Time
}

const versionColumns = `entitlement_id::text, seq, valid_from, valid_to, amount, state, reason, coalesce(decision_id::text, ''), ref, source,
	lines, created_by, created_at`

func scanVersion(r pgx.CollectableRow) (Version, error) {
	var v Version
	var lines []byte
	err := r.Scan(&v.EntitlementID, &v.Seq, &v.From, &v.To, &v.Amount, &v.State, &v.Reason, &v.DecisionID, &v.Ref, &v.Source,
		&lines, &v.CreatedBy, &v.CreatedAt)
	if err == nil && len(lines) > 0 {
		err = json.Unmarshal(lines, &v.Lines)
	}
	return v, err
}

// Versions lists a right's versions in seq order. Returns CodeNotFound
// for an unknown right.
func (db *DB) Versions(ctx context.Context, entitlement string) ([]Version, error) {
	if _, err := uuid.Parse(entitlement); err != nil {
		return nil, domain.Errorf(domain.CodeNotFound, "entitlement %q not found", entitlement)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+versionColumns+` FROM entitlement_versions WHERE entitlement_id = $1 ORDER BY seq`, entitlement)
	if err != nil {
		return nil, fmt.Errorf("select versions of %s: %w", entitlement, err)
	}
	vs, err := pgx.CollectRows(rows, scanVersion)
	if err != nil {
		return nil, fmt.Errorf("select versions of %s: %w", entitlement, err)
	}
	if len(vs) == 0 {
		if _, err := db.EntitlementByID(ctx, entitlement); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// Timeline is the domain's view of stored versions.
func Timeline(vs []Version) domain.Timeline {
	t := make(domain.Timeline, len(vs))
	for i, v := range vs {
		t[i] = v.RightVersion
	}
	return t
}

// AddVersion adds a version to a right, numbered after the last, and
// brings the right's amount, state and end (what it pays from its latest
// version on) up to date, in one transaction. A version from a source the
// right already has is not added again: the existing one is returned with
// added false. Returns CodeNotFound for an unknown right and CodeConflict
// for an ended right that would be changed by anything but an appeal or a
// correction.
func (db *DB) AddVersion(ctx context.Context, v Version) (Version, bool, error) {
	if v.Source == "" || !v.Reason.Valid() {
		return Version{}, false, domain.Errorf(domain.CodeInvalid, "a version needs a source and a known reason (got %q, %q)", v.Source, v.Reason)
	}
	if v.State == "" {
		v.State = domain.RightActive
	}
	var out Version
	added := false
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var state string
		err := tx.QueryRow(ctx, `SELECT state FROM entitlements WHERE id = $1 FOR UPDATE`, v.EntitlementID).Scan(&state)
		if err != nil {
			return translate(err, "entitlement "+v.EntitlementID)
		}
		rows, err := tx.Query(ctx, `SELECT `+versionColumns+` FROM entitlement_versions WHERE entitlement_id = $1 ORDER BY seq`, v.EntitlementID)
		if err != nil {
			return err
		}
		vs, err := pgx.CollectRows(rows, scanVersion)
		if err != nil {
			return err
		}
		for _, x := range vs {
			if x.Source == v.Source {
				out = x
				return nil
			}
		}
		if state == string(domain.RightEnded) && v.Reason != domain.ReasonAppeal && v.Reason != domain.ReasonCorrection {
			return domain.Errorf(domain.CodeConflict, "the right has ended; only an appeal or a correction by decision can change it")
		}
		v.Seq = Timeline(vs).Next()
		lines, _ := json.Marshal(v.Lines)
		if v.Lines == nil {
			lines = []byte("[]")
		}
		var decision any
		if v.DecisionID != "" {
			decision = v.DecisionID
		}
		err = tx.QueryRow(ctx, `INSERT INTO entitlement_versions (entitlement_id, seq, valid_from, valid_to, amount, state, reason, decision_id,
			ref, source, lines, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING created_at`,
			v.EntitlementID, v.Seq, v.From, v.To, v.Amount.Round(2), v.State, v.Reason, decision, v.Ref, v.Source, lines, v.CreatedBy).Scan(&v.CreatedAt)
		if err != nil {
			return translate(err, "version of "+v.EntitlementID)
		}
		out, added = v, true
		return syncEntitlement(ctx, tx, v.EntitlementID, append(Timeline(vs), v.RightVersion))
	})
	if err != nil {
		return Version{}, false, err
	}
	return out, added, nil
}

// syncEntitlement keeps the entitlement's own columns (amount, state,
// valid_to: what lists and pages show) equal to its current version.
func syncEntitlement(ctx context.Context, tx pgx.Tx, id string, t domain.Timeline) error {
	cur, ok := t.Current()
	if !ok {
		return nil
	}
	amount := cur.Amount
	var validTo *time.Time
	if cur.State == domain.RightEnded {
		end := cur.From.AddDate(0, 0, -1)
		validTo = &end
		if prev, ok := t.On(end); ok {
			amount = prev.Amount
		}
	}
	if amount.IsZero() && cur.State != domain.RightActive {
		amount = decimal.Zero
	}
	_, err := tx.Exec(ctx, `UPDATE entitlements SET amount = $2, state = $3, valid_to = $4 WHERE id = $1`, id, amount.Round(2), string(cur.State), validTo)
	return err
}

// TimelinesOf returns the versions of many rights at once, by right: the
// bulk reassessment reads a chunk of rights in one query.
func (db *DB) TimelinesOf(ctx context.Context, ids []string) (map[string]domain.Timeline, error) {
	rows, err := db.pool.Query(ctx, `SELECT entitlement_id::text, seq, valid_from, valid_to, amount, state, reason, ref
		FROM entitlement_versions WHERE entitlement_id = ANY($1::uuid[]) ORDER BY entitlement_versions.entitlement_id, seq`, ids)
	if err != nil {
		return nil, fmt.Errorf("select versions: %w", err)
	}
	return collectTimelines(rows)
}

// collectTimelines gathers rows of versions (id, seq, from, to, amount,
// state, reason, ref) by right.
// The queries order by entitlement_versions.entitlement_id, qualified: the
// bare name is the output column entitlement_id::text, which PostgreSQL
// would sort as text in the database's collation (issue 24: a sort of
// every payroll page by strcoll instead of the uuid's bytes).
func collectTimelines(rows pgx.Rows) (map[string]domain.Timeline, error) {
	out := map[string]domain.Timeline{}
	var id string
	var v domain.RightVersion
	_, err := pgx.ForEachRow(rows, []any{&id, &v.Seq, &v.From, &v.To, &v.Amount, &v.State, &v.Reason, &v.Ref}, func() error {
		out[id] = append(out[id], v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select versions: %w", err)
	}
	return out, nil
}

// LinkVersionDecision names the decision behind a right's version from
// source (a death's version, closed by a decision later), once.
func (db *DB) LinkVersionDecision(ctx context.Context, entitlement, source, decision string) error {
	_, err := db.pool.Exec(ctx, `UPDATE entitlement_versions SET decision_id = $3
		WHERE entitlement_id = $1 AND source = $2 AND decision_id IS NULL`, entitlement, source, decision)
	if err != nil {
		return fmt.Errorf("link decision of version %s of %s: %w", source, entitlement, err)
	}
	return nil
}
