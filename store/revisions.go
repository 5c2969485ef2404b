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

// Revision is one revision of a right (its workflow's record): why it
// started, what it proposed from the recalculation, and how it ended.
type Revision struct {
	ID            string // the workflow id
	EntitlementID string
	CentreID      string
	Due           time.Time
	Trigger       string // schedule, manual, change
	Ref           string // the change event, for a change
	State         string // running, no_change, changed, ended, refused
	Stage         string // evidence, review, approval, deciding, done
	Proposal      string // no_change, change, end ("" until calculated)
	AmountBefore  decimal.NullDecimal
	AmountAfter   decimal.NullDecimal
	Period        *time.Time // the month calculated
	Eligible      *bool
	Reasons       []string
	Lines         json.RawMessage // [{what, value, source}]
	FailedSources []string
	EffectiveFrom *time.Time
	DecisionID    string
	NextRevision  *time.Time
	StartedBy     string
	PreparedBy    string
	ApprovedBy    string
	StartedAt     time.Time
	CompletedAt   *time.Time
	// Benefit and BeneficiaryID are the right's, read with the revision.
	Benefit       string
	BeneficiaryID domain.PersonID
}

const revisionColumns = `r.id, r.entitlement_id::text, r.centre_id, r.due, r.trigger, r.ref, r.state, r.stage, r.proposal, r.amount_before,
	r.amount_after, r.period, r.eligible, r.reasons, r.lines, r.failed_sources, r.effective_from, coalesce(r.decision_id::text, ''),
	r.next_revision, r.started_by, r.prepared_by, r.approved_by, r.started_at, r.completed_at, e.benefit, e.beneficiary_id::text`

func scanRevision(row pgx.Row) (Revision, error) {
	var r Revision
	var reasons []byte
	err := row.Scan(&r.ID, &r.EntitlementID, &r.CentreID, &r.Due, &r.Trigger, &r.Ref, &r.State, &r.Stage, &r.Proposal, &r.AmountBefore,
		&r.AmountAfter, &r.Period, &r.Eligible, &reasons, &r.Lines, &r.FailedSources, &r.EffectiveFrom, &r.DecisionID,
		&r.NextRevision, &r.StartedBy, &r.PreparedBy, &r.ApprovedBy, &r.StartedAt, &r.CompletedAt, &r.Benefit, &r.BeneficiaryID)
	if err == nil {
		err = json.Unmarshal(reasons, &r.Reasons)
	}
	return r, err
}

// RightToRevise is what a revision reads of its right before it starts.
type RightToRevise struct {
	Entitlement
	CentreID string
	// Running is the id of the revision of the right that is running, if any.
	Running string
}

// RightToRevise reads a right and whether it may be revised. Returns
// CodeNotFound for an unknown right, CodeConflict with the reason for an
// ended right or one revised by another revision right now.
func (db *DB) RightToRevise(ctx context.Context, id string) (RightToRevise, error) {
	e, err := db.EntitlementByID(ctx, id)
	if err != nil {
		return RightToRevise{}, err
	}
	out := RightToRevise{Entitlement: e}
	err = db.pool.QueryRow(ctx, `SELECT c.centre_id, coalesce((SELECT id FROM revisions WHERE entitlement_id = $1 AND state = 'running'), '')
		FROM claims c WHERE c.number = $2`, id, e.ClaimNumber).Scan(&out.CentreID, &out.Running)
	if err != nil {
		return RightToRevise{}, translate(err, "claim of entitlement "+id)
	}
	return out, out.revisable()
}

func (r RightToRevise) revisable() error {
	if r.State == string(domain.RightEnded) {
		end := ""
		if r.ValidTo != nil {
			end = " on " + r.ValidTo.Format(time.DateOnly)
		}
		return domain.Errorf(domain.CodeConflict, "the right %s has ended%s: there is nothing to revise", r.ID, end)
	}
	return nil
}

// StartRevision records a revision as running, once per id: starting it
// again returns the first record. Returns CodeNotFound for an unknown
// right and CodeConflict for an ended right or one with another revision
// running.
func (db *DB) StartRevision(ctx context.Context, r Revision) (Revision, error) {
	if _, err := uuid.Parse(r.EntitlementID); err != nil {
		return Revision{}, domain.Errorf(domain.CodeNotFound, "entitlement %q not found", r.EntitlementID)
	}
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var state, centre, running string
		var validTo *time.Time
		var amount decimal.Decimal
		err := tx.QueryRow(ctx, `SELECT e.state, e.valid_to, e.amount, c.centre_id,
				coalesce((SELECT id FROM revisions WHERE entitlement_id = e.id AND state = 'running'), '')
			FROM entitlements e JOIN claims c ON c.number = e.claim_number WHERE e.id = $1 FOR UPDATE OF e`, r.EntitlementID).
			Scan(&state, &validTo, &amount, &centre, &running)
		if err != nil {
			return translate(err, "entitlement "+r.EntitlementID)
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM revisions WHERE id = $1)`, r.ID).Scan(&exists); err != nil || exists {
			return err
		}
		rt := RightToRevise{Entitlement: Entitlement{ID: r.EntitlementID, State: state, ValidTo: validTo}}
		if err := rt.revisable(); err != nil {
			return err
		}
		if running != "" {
			return domain.Errorf(domain.CodeConflict, "the right %s is being revised by %s", r.EntitlementID, running)
		}
		_, err = tx.Exec(ctx, `INSERT INTO revisions (id, entitlement_id, centre_id, due, trigger, ref, amount_before, started_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.EntitlementID, centre, r.Due, r.Trigger, r.Ref, amount, r.StartedBy)
		return err
	})
	if err != nil {
		return Revision{}, err
	}
	return db.RevisionByID(ctx, r.ID)
}

// RevisionByID returns a revision. Returns CodeNotFound if none.
func (db *DB) RevisionByID(ctx context.Context, id string) (Revision, error) {
	r, err := scanRevision(db.pool.QueryRow(ctx, `SELECT `+revisionColumns+` FROM revisions r JOIN entitlements e ON e.id = r.entitlement_id
		WHERE r.id = $1`, id))
	if err != nil {
		return Revision{}, translate(err, "revision "+id)
	}
	return r, nil
}

// RevisionsOf lists a right's revisions, the latest first.
func (db *DB) RevisionsOf(ctx context.Context, entitlement string) ([]Revision, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+revisionColumns+` FROM revisions r JOIN entitlements e ON e.id = r.entitlement_id
		WHERE r.entitlement_id = $1 ORDER BY r.started_at DESC, r.id`, entitlement)
	if err != nil {
		return nil, fmt.Errorf("select revisions of %s: %w", entitlement, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Revision, error) { return scanRevision(row) })
}

// RevisionProposal is a revision's recalculation and what it proposes.
type RevisionProposal struct {
	Proposal      string // no_change, change, end
	Period        time.Time
	Eligible      bool
	Amount        decimal.Decimal
	Reasons       []string
	Lines         json.RawMessage
	FailedSources []string
	// Situation is what the recalculation was made from: the right's basis
	// once the revision keeps or changes the right (nil: none).
	Situation json.RawMessage
}

// SaveRevisionProposal records the recalculation of a running revision
// (again on a new round).
func (db *DB) SaveRevisionProposal(ctx context.Context, id string, p RevisionProposal) error {
	reasons, _ := json.Marshal(p.Reasons)
	if p.Reasons == nil {
		reasons = []byte("[]")
	}
	if len(p.Lines) == 0 {
		p.Lines = json.RawMessage("[]")
	}
	if p.FailedSources == nil {
		p.FailedSources = []string{}
	}
	var situation any
	if len(p.Situation) > 0 {
		situation = string(p.Situation)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE revisions SET proposal = $2, period = $3, eligible = $4, amount_after = $5, reasons = $6, lines = $7,
		failed_sources = $8, situation = $9, stage = 'review' WHERE id = $1 AND state = 'running'`,
		id, p.Proposal, p.Period, p.Eligible, p.Amount.Round(2), reasons, []byte(p.Lines), p.FailedSources, situation)
	if err != nil {
		return fmt.Errorf("save revision %s proposal: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.CodeConflict, "revision %s is not running", id)
	}
	return nil
}

// SetRevisionStage records where a running revision stands.
func (db *DB) SetRevisionStage(ctx context.Context, id, stage string) error {
	_, err := db.pool.Exec(ctx, `UPDATE revisions SET stage = $2 WHERE id = $1 AND state = 'running'`, id, stage)
	if err != nil {
		return fmt.Errorf("set revision %s stage: %w", id, err)
	}
	return nil
}

// RevisionOutcome is how a revision ended.
type RevisionOutcome struct {
	ID            string
	State         string // no_change, changed, ended, refused
	DecisionID    string
	EffectiveFrom *time.Time
	// NextRevision is the right's next revision (nil: none, e.g. it ended).
	NextRevision *time.Time
	PreparedBy   string
	ApprovedBy   string
	At           time.Time
}

// CompleteRevision records the outcome and sets the right's next
// revision, in one transaction; completing it again changes nothing.
func (db *DB) CompleteRevision(ctx context.Context, o RevisionOutcome) error {
	var decision any
	if o.DecisionID != "" {
		decision = o.DecisionID
	}
	return db.InTx(ctx, func(tx pgx.Tx) error {
		var entitlement string
		err := tx.QueryRow(ctx, `UPDATE revisions SET state = $2, stage = 'done', decision_id = $3, effective_from = $4, next_revision = $5,
			prepared_by = $6, approved_by = $7, completed_at = $8 WHERE id = $1 AND state = 'running' RETURNING entitlement_id::text`,
			o.ID, o.State, decision, o.EffectiveFrom, o.NextRevision, o.PreparedBy, o.ApprovedBy, o.At).Scan(&entitlement)
		if err == pgx.ErrNoRows {
			return nil // completed before: a retry
		}
		if err != nil {
			return fmt.Errorf("complete revision %s: %w", o.ID, err)
		}
		if o.State == "refused" {
			return nil
		}
		// The revision's situation is the right's basis from now on, unless
		// the right ended (a reassessment does not re-rate it then).
		_, err = tx.Exec(ctx, `UPDATE entitlements e SET next_revision = $2,
			basis = CASE WHEN $3 IN ('no_change', 'changed') THEN coalesce(r.situation, e.basis) ELSE e.basis END
			FROM revisions r WHERE e.id = $1 AND r.id = $4`, entitlement, o.NextRevision, o.State, o.ID)
		return err
	})
}

// DueRight is a right whose revision has fallen due.
type DueRight struct {
	EntitlementID string
	Due           time.Time
}

// DueRevisions lists up to limit rights not ended whose next revision is
// on or before day and that no revision revises now, in (next_revision,
// id) order after the cursor (a zero cursor starts at the beginning): the
// sweep reads them a page at a time.
func (db *DB) DueRevisions(ctx context.Context, day time.Time, after DueRight, limit int) ([]DueRight, error) {
	if after.EntitlementID == "" {
		after.EntitlementID = uuid.Nil.String()
	}
	rows, err := db.pool.Query(ctx, `SELECT e.id::text, e.next_revision FROM entitlements e
		WHERE e.next_revision IS NOT NULL AND e.state <> 'ended' AND e.next_revision <= $1
		  AND (e.next_revision, e.id) > ($2, $3::uuid)
		  AND NOT EXISTS (SELECT 1 FROM revisions r WHERE r.entitlement_id = e.id AND r.state = 'running')
		ORDER BY e.next_revision, e.id LIMIT $4`, day, after.Due, after.EntitlementID, limit)
	if err != nil {
		return nil, fmt.Errorf("select due revisions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (DueRight, error) {
		var d DueRight
		err := row.Scan(&d.EntitlementID, &d.Due)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("select due revisions: %w", err)
	}
	return out, nil
}

// BoardRevision is a revision on a supervisor's board: a right due or
// overdue for revision, or being revised.
type BoardRevision struct {
	EntitlementID   string
	Benefit         string
	BeneficiaryID   domain.PersonID
	BeneficiaryName string
	Amount          decimal.Decimal
	NextRevision    time.Time
	RevisionID      string // the running revision, if any
	Stage           string
	StartedAt       *time.Time
}

// RevisionBoardFilter says which rights a board lists: the centre's rights
// whose next revision is in [From, To) (zero: open), or with Running those
// being revised.
type RevisionBoardFilter struct {
	CentreID string
	From, To time.Time
	Running  bool
	Limit    int
}

// RevisionBoard lists a centre's rights due for revision or being
// revised, the longest due first.
func (db *DB) RevisionBoard(ctx context.Context, f RevisionBoardFilter) ([]BoardRevision, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	q := `SELECT e.id::text, e.benefit, e.beneficiary_id::text, p.given_name || ' ' || p.family_name, e.amount, e.next_revision,
			coalesce(r.id, ''), coalesce(r.stage, ''), r.started_at
		FROM entitlements e JOIN claims c ON c.number = e.claim_number JOIN persons p ON p.id = e.beneficiary_id
		LEFT JOIN revisions r ON r.entitlement_id = e.id AND r.state = 'running'
		WHERE c.centre_id = @centre AND e.next_revision IS NOT NULL AND e.state <> 'ended'`
	args := pgx.NamedArgs{"centre": f.CentreID, "limit": f.Limit}
	if f.Running {
		q += ` AND r.id IS NOT NULL`
	}
	if !f.From.IsZero() {
		q, args["from"] = q+` AND e.next_revision >= @from`, f.From
	}
	if !f.To.IsZero() {
		q, args["to"] = q+` AND e.next_revision < @to`, f.To
	}
	rows, err := db.pool.Query(ctx, q+` ORDER BY e.next_revision, e.id LIMIT @limit`, args)
	if err != nil {
		return nil, fmt.Errorf("select revision board: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (BoardRevision, error) {
		var b BoardRevision
		err := row.Scan(&b.EntitlementID, &b.Benefit, &b.BeneficiaryID, &b.BeneficiaryName, &b.Amount, &b.NextRevision, &b.RevisionID,
			&b.Stage, &b.StartedAt)
		return b, err
	})
}

// IssueRightDecision numbers and records a decision about a right (a
// revision's change or end) from the centre's gapless counter, once per
// source: issuing again returns the first.
func (db *DB) IssueRightDecision(ctx context.Context, d Decision, entitlement, source string) (Decision, error) {
	var out Decision
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		existing, err := scanDecision(tx.QueryRow(ctx, `SELECT `+decisionColumns+` FROM decisions WHERE source = $1`, source))
		if err == nil {
			out = existing
			return nil
		} else if err != pgx.ErrNoRows {
			return fmt.Errorf("select decision of %s: %w", source, err)
		}
		if d.ID, d.Number, d.Seq, err = nextDecisionNumber(ctx, tx, d.CentreID, d.IssuedAt); err != nil {
			return err
		}
		d.Year = d.IssuedAt.Year()
		out, err = scanDecision(tx.QueryRow(ctx, `INSERT INTO decisions (id, claim_number, number, centre_id, year, seq, kind, benefit, amount,
				period_from, prepared_by, approved_by, issued_at, entitlement_id, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING `+decisionColumns,
			d.ID, d.ClaimNumber, d.Number, d.CentreID, d.Year, d.Seq, d.Kind, d.Benefit, d.Amount.Round(2), d.PeriodFrom, d.PreparedBy,
			d.ApprovedBy, d.IssuedAt, entitlement, source))
		if err != nil {
			return translate(err, "decision of "+source)
		}
		return recordDecisionFact(ctx, tx, out.ID)
	})
	return out, err
}
