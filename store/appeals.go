package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Decision kinds an appeal can be against.
const (
	DecisionOfClaim      = "claim"      // decisions: a grant or a refusal of a benefit
	DecisionOfActivation = "activation" // activation_decisions: a sanction or an end of financial assistance
)

// DecisionRef is any first-instance decision, claim or activation, as
// delivery, finality and appeals see it.
type DecisionRef struct {
	ID            string
	Kind          string // DecisionOfClaim or DecisionOfActivation
	Number        string
	CentreID      string
	PersonID      domain.PersonID
	EntitlementID string // "" for a refusal
	Benefit       string
	// Outcome is grant or rejection for a claim, the measure (reduce,
	// suspend, terminate) for activation.
	Outcome    string
	Amount     decimal.Decimal // granted amount, or the deduction
	PeriodFrom time.Time       // the right's start, or the sanction's named month
	IssuedAt   time.Time
	// DeliveredOn is the day the person received it; nil until recorded.
	DeliveredOn *time.Time
	DeliveredBy string
	// AppliedFrom (activation) is the first day the sanction took effect
	// once final; nil while it is not.
	AppliedFrom *time.Time
}

// Deadline is the last day to appeal, once delivered.
func (d DecisionRef) Deadline() *time.Time {
	if d.DeliveredOn == nil {
		return nil
	}
	t := domain.AppealDeadline(*d.DeliveredOn)
	return &t
}

const claimDecisionRef = `SELECT d.id::text, 'claim', d.number, d.centre_id, c.applicant_id::text, coalesce(e.id::text, ''), d.benefit, d.kind,
		d.amount, d.period_from, d.issued_at, d.delivered_on, d.delivery_recorded_by, NULL::date
	FROM decisions d JOIN claims c ON c.number = d.claim_number LEFT JOIN entitlements e ON e.decision_id = d.id WHERE d.id = $1`

const activationDecisionRef = `SELECT d.id::text, 'activation', d.number, r.centre_id, r.person_id::text, d.entitlement_id::text, 'MO', d.measure,
		d.deduction, d.effective_from, d.issued_at, d.delivered_on, d.delivery_recorded_by, d.applied_from
	FROM activation_decisions d JOIN activation_referrals r ON r.id = d.referral_id WHERE d.id = $1`

func scanDecisionRef(row pgx.Row) (DecisionRef, error) {
	var d DecisionRef
	err := row.Scan(&d.ID, &d.Kind, &d.Number, &d.CentreID, &d.PersonID, &d.EntitlementID, &d.Benefit, &d.Outcome, &d.Amount, &d.PeriodFrom,
		&d.IssuedAt, &d.DeliveredOn, &d.DeliveredBy, &d.AppliedFrom)
	return d, err
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// decisionRef finds a decision of either kind; lock takes its row for update.
func decisionRef(ctx context.Context, q querier, id string, lock bool) (DecisionRef, error) {
	if _, err := uuid.Parse(id); err != nil {
		return DecisionRef{}, domain.Errorf(domain.CodeNotFound, "decision %q not found", id)
	}
	suffix := ""
	if lock {
		suffix = " FOR UPDATE OF d"
	}
	d, err := scanDecisionRef(q.QueryRow(ctx, claimDecisionRef+suffix, id))
	if err == pgx.ErrNoRows {
		d, err = scanDecisionRef(q.QueryRow(ctx, activationDecisionRef+suffix, id))
	}
	if err != nil {
		return DecisionRef{}, translate(err, "decision "+id)
	}
	return d, nil
}

// DecisionRefByID returns a decision of either kind, or CodeNotFound.
func (db *DB) DecisionRefByID(ctx context.Context, id string) (DecisionRef, error) {
	return decisionRef(ctx, db.pool, id, false)
}

// RecordDelivery records the day a decision reached the person (their
// signature on the return receipt, GUESS: recorded by a caseworker; no
// electronic delivery yet). The day is on or after the issue and not
// after today. Recording the same day again changes nothing; another day
// is a conflict (the receipt is what it is).
func (db *DB) RecordDelivery(ctx context.Context, id string, on, today time.Time, by string) (DecisionRef, error) {
	on = domain.CalendarDay(on)
	var out DecisionRef
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		d, err := decisionRef(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if issued := domain.CalendarDay(d.IssuedAt); on.Before(issued) {
			return domain.FieldError("delivered_on", "decision %s was issued on %s; it cannot have been delivered before (%s)",
				d.Number, issued.Format("02.01.2006."), on.Format("02.01.2006."))
		}
		if on.After(domain.CalendarDay(today)) {
			return domain.FieldError("delivered_on", "%s is in the future", on.Format("02.01.2006."))
		}
		if d.DeliveredOn != nil {
			if !d.DeliveredOn.Equal(on) {
				return domain.Errorf(domain.CodeConflict, "decision %s was recorded as delivered on %s", d.Number, d.DeliveredOn.Format("02.01.2006."))
			}
			out = d
			return nil
		}
		table := "decisions"
		if d.Kind == DecisionOfActivation {
			table = "activation_decisions"
		}
		if _, err := tx.Exec(ctx, `UPDATE `+table+` SET delivered_on = $2, delivery_recorded_by = $3 WHERE id = $1`, id, on, by); err != nil {
			return fmt.Errorf("record delivery of %s: %w", id, err)
		}
		d.DeliveredOn, d.DeliveredBy = &on, by
		out = d
		return nil
	})
	return out, err
}

// Appeal is a person's appeal (žalba) against a decision.
type Appeal struct {
	ID             string
	DecisionID     string
	DecisionKind   string
	DecisionNumber string
	CentreID       string
	PersonID       domain.PersonID
	EntitlementID  string
	FiledOn        time.Time
	Grounds        string
	FiledBy        string
	State          domain.AppealState
	ForwardedAt    *time.Time
	DecidedAt      *time.Time
	CreatedAt      time.Time
	// Outcome is the decision on the appeal, once decided.
	Outcome *AppealDecision
}

// AppealDecision is the outcome of an appeal: a numbered decision of the
// centre (first instance, changing its own decision) or of the ministry
// (second instance), with its document.
type AppealDecision struct {
	ID             string
	AppealID       string
	Number         string
	Instance       string // first or second
	Outcome        string // domain.OutcomeUphold, OutcomeAnnul, OutcomeChange
	Amount         decimal.Decimal
	EffectiveFrom  *time.Time
	Reasoning      string
	PreparedBy     string
	ApprovedBy     string
	IssuedAt       time.Time
	DocumentKey    string
	DocumentSHA256 string
}

// MinistryCounter is the decision counter of the ministry's second-instance decisions.
const MinistryCounter = "mrss"

const appealColumns = `a.id, a.decision_id::text, a.decision_kind, a.decision_number, a.centre_id, a.person_id::text, coalesce(a.entitlement_id::text, ''),
	a.filed_on, a.grounds, a.filed_by, a.state, a.forwarded_at, a.decided_at, a.created_at,
	o.id::text, o.number, o.instance, o.outcome, o.amount, o.effective_from, o.reasoning, o.prepared_by, o.approved_by, o.issued_at,
	o.document_key, o.document_sha256`

const appealFrom = ` FROM appeals a LEFT JOIN appeal_decisions o ON o.appeal_id = a.id`

func scanAppeal(row pgx.Row) (Appeal, error) {
	var a Appeal
	var oid, num, inst, outcome, reasoning, prep, appr, key, sha *string
	var amount *decimal.Decimal
	var issued *time.Time
	var from *time.Time
	err := row.Scan(&a.ID, &a.DecisionID, &a.DecisionKind, &a.DecisionNumber, &a.CentreID, &a.PersonID, &a.EntitlementID, &a.FiledOn, &a.Grounds,
		&a.FiledBy, &a.State, &a.ForwardedAt, &a.DecidedAt, &a.CreatedAt, &oid, &num, &inst, &outcome, &amount, &from, &reasoning, &prep, &appr,
		&issued, &key, &sha)
	if err != nil || oid == nil {
		return a, err
	}
	o := &AppealDecision{ID: *oid, AppealID: a.ID, Number: *num, Instance: *inst, Outcome: *outcome, EffectiveFrom: from, Reasoning: *reasoning,
		PreparedBy: *prep, ApprovedBy: *appr, IssuedAt: *issued, DocumentKey: *key, DocumentSHA256: *sha}
	if amount != nil {
		o.Amount = *amount
	}
	a.Outcome = o
	return a, nil
}

// FileAppeal records an appeal against a decision, filed on a day (the
// day the centre received it): at most the deadline (delivery + 15 days)
// when the delivery is recorded, not before the decision, not after today.
// Returns CodeNotFound for an unknown decision, CodeConflict for a late
// appeal (naming the deadline) or a decision already appealed.
func (db *DB) FileAppeal(ctx context.Context, decision string, filedOn, today time.Time, grounds, by string) (Appeal, error) {
	filedOn = domain.CalendarDay(filedOn)
	var id string
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		d, err := decisionRef(ctx, tx, decision, true)
		if err != nil {
			return err
		}
		prev, err := scanAppeal(tx.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.decision_id = $1`, decision))
		if err == nil {
			if prev.State.Pending() {
				return domain.Errorf(domain.CodeConflict, "decision %s is already appealed: appeal %s (filed on %s) is pending", d.Number, prev.ID,
					prev.FiledOn.Format("02.01.2006."))
			}
			return domain.Errorf(domain.CodeConflict, "decision %s was appealed (appeal %s) and the appeal is decided (%s); that decision is final",
				d.Number, prev.ID, prev.State)
		} else if err != pgx.ErrNoRows {
			return fmt.Errorf("select appeal of %s: %w", decision, err)
		}
		if filedOn.After(domain.CalendarDay(today)) {
			return domain.FieldError("filed_on", "%s is in the future", filedOn.Format("02.01.2006."))
		}
		if filedOn.Before(domain.CalendarDay(d.IssuedAt)) {
			return domain.FieldError("filed_on", "decision %s was issued on %s, after %s", d.Number, d.IssuedAt.Format("02.01.2006."), filedOn.Format("02.01.2006."))
		}
		if dl := d.Deadline(); dl != nil && filedOn.After(*dl) {
			return domain.Errorf(domain.CodeConflict, "the appeal is late: decision %s was delivered on %s and the deadline for an appeal was %s (15 days); the decision is final",
				d.Number, d.DeliveredOn.Format("02.01.2006."), dl.Format("02.01.2006."))
		}
		var seq int64
		if err := tx.QueryRow(ctx, `SELECT nextval('appeal_seq')`).Scan(&seq); err != nil {
			return fmt.Errorf("next appeal number: %w", err)
		}
		id = fmt.Sprintf("ZLB-%d-%06d", filedOn.Year(), seq)
		var ent any
		if d.EntitlementID != "" {
			ent = d.EntitlementID
		}
		_, err = tx.Exec(ctx, `INSERT INTO appeals (id, decision_id, decision_kind, decision_number, centre_id, person_id, entitlement_id, filed_on,
			grounds, filed_by, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			id, d.ID, d.Kind, d.Number, d.CentreID, string(d.PersonID), ent, filedOn, grounds, by, domain.AppealFirstInstance)
		return translate(err, "an appeal against decision "+d.Number)
	})
	if err != nil {
		return Appeal{}, err
	}
	return db.AppealByID(ctx, id)
}

// AppealByID returns an appeal with its outcome, or CodeNotFound.
func (db *DB) AppealByID(ctx context.Context, id string) (Appeal, error) {
	a, err := scanAppeal(db.pool.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.id = $1`, id))
	if err != nil {
		return Appeal{}, translate(err, "appeal "+id)
	}
	return a, nil
}

// AppealOfDecision returns the decision's appeal, or CodeNotFound.
func (db *DB) AppealOfDecision(ctx context.Context, decision string) (Appeal, error) {
	if _, err := uuid.Parse(decision); err != nil {
		return Appeal{}, domain.Errorf(domain.CodeNotFound, "decision %q not found", decision)
	}
	a, err := scanAppeal(db.pool.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.decision_id = $1`, decision))
	if err != nil {
		return Appeal{}, translate(err, "an appeal against decision "+decision)
	}
	return a, nil
}

// AppealsOfPerson lists the appeals against a person's decisions, newest first.
func (db *DB) AppealsOfPerson(ctx context.Context, person domain.PersonID) ([]Appeal, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.person_id = $1 ORDER BY a.created_at DESC`, string(person))
	if err != nil {
		return nil, fmt.Errorf("select appeals of %s: %w", person, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Appeal, error) { return scanAppeal(r) })
}

// ForwardAppeal records that the centre did not change its decision and
// sent the appeal to the ministry; again changes nothing.
func (db *DB) ForwardAppeal(ctx context.Context, id string, at time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE appeals SET state = $2, forwarded_at = coalesce(forwarded_at, $3) WHERE id = $1 AND state = $4`,
		id, domain.AppealSecondInstance, at, domain.AppealFirstInstance)
	if err != nil {
		return fmt.Errorf("forward appeal %s: %w", id, err)
	}
	return nil
}

// DecideAppeal numbers the outcome (from the centre's counter at first
// instance, the ministry's at second), stores its document through render
// and closes the appeal, in one transaction; deciding again returns the
// first outcome and changes nothing.
func (db *DB) DecideAppeal(ctx context.Context, o AppealDecision, render func(AppealDecision) (key, sha string, err error)) (AppealDecision, error) {
	var out AppealDecision
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		a, err := scanAppeal(tx.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE a.id = $1 FOR UPDATE OF a`, o.AppealID))
		if err != nil {
			return translate(err, "appeal "+o.AppealID)
		}
		if a.Outcome != nil {
			out = *a.Outcome
			return nil
		}
		counter := a.CentreID
		if o.Instance == "second" {
			counter = MinistryCounter
		}
		if o.ID, o.Number, _, err = nextDecisionNumber(ctx, tx, counter, o.IssuedAt); err != nil {
			return err
		}
		if o.DocumentKey, o.DocumentSHA256, err = render(o); err != nil {
			return err
		}
		var amount any
		if o.Outcome == domain.OutcomeChange {
			amount = o.Amount
		}
		_, err = tx.Exec(ctx, `INSERT INTO appeal_decisions (id, appeal_id, number, instance, outcome, amount, effective_from, reasoning,
			prepared_by, approved_by, issued_at, document_key, document_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			o.ID, o.AppealID, o.Number, o.Instance, o.Outcome, amount, o.EffectiveFrom, o.Reasoning, o.PreparedBy, o.ApprovedBy, o.IssuedAt,
			o.DocumentKey, o.DocumentSHA256)
		if err != nil {
			return fmt.Errorf("insert appeal decision: %w", err)
		}
		state := map[string]domain.AppealState{domain.OutcomeUphold: domain.AppealUpheld, domain.OutcomeAnnul: domain.AppealAnnulled,
			domain.OutcomeChange: domain.AppealChanged}[o.Outcome]
		if _, err := tx.Exec(ctx, `UPDATE appeals SET state = $2, decided_at = $3 WHERE id = $1`, o.AppealID, state, o.IssuedAt); err != nil {
			return fmt.Errorf("close appeal %s: %w", o.AppealID, err)
		}
		out = o
		return nil
	})
	return out, err
}

// AppealDecisionByID returns an appeal's outcome with its appeal, or CodeNotFound.
func (db *DB) AppealDecisionByID(ctx context.Context, id string) (Appeal, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Appeal{}, domain.Errorf(domain.CodeNotFound, "decision %q not found", id)
	}
	a, err := scanAppeal(db.pool.QueryRow(ctx, `SELECT `+appealColumns+appealFrom+` WHERE o.id = $1`, id))
	if err != nil {
		return Appeal{}, translate(err, "decision "+id)
	}
	return a, nil
}

// ApplySanction makes a final activation decision take effect: from
// domain.SanctionFrom (the named month, or the first month after final,
// whichever is later) the right is reduced, or pays nothing. When the
// decision became final by the deadline passing (byAppeal false), an
// appeal filed in the meantime stops it: the appeal's outcome decides.
// Applying again changes nothing. It returns the first day it applies
// from, or nil when it did not apply.
func (db *DB) ApplySanction(ctx context.Context, decision string, final time.Time, byAppeal bool) (*time.Time, error) {
	var out *time.Time
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		d, err := decisionRef(ctx, tx, decision, true)
		if err != nil {
			return err
		}
		if d.Kind != DecisionOfActivation {
			return domain.Errorf(domain.CodeInvalid, "decision %s is not a sanction", d.Number)
		}
		if d.AppliedFrom != nil {
			out = d.AppliedFrom
			return nil
		}
		var appeal string
		err = tx.QueryRow(ctx, `SELECT state FROM appeals WHERE decision_id = $1`, decision).Scan(&appeal)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		if (err == nil && !byAppeal) || appeal == string(domain.AppealAnnulled) {
			return nil
		}
		from := domain.SanctionFrom(d.PeriodFrom, final)
		if d.Outcome == "reduce" {
			_, err = tx.Exec(ctx, `UPDATE entitlements SET deduction = $2, deduction_reason = $3, deduction_from = $4 WHERE id = $1`,
				d.EntitlementID, d.Amount, "activation sanction "+d.Number, from)
		} else { // suspend, terminate
			_, err = tx.Exec(ctx, `UPDATE entitlements SET suspended_from = least(coalesce(suspended_from, $2), $2) WHERE id = $1`, d.EntitlementID, from)
		}
		if err != nil {
			return fmt.Errorf("change right %s: %w", d.EntitlementID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE activation_decisions SET applied_from = $2 WHERE id = $1`, decision, from); err != nil {
			return err
		}
		out = &from
		return nil
	})
	return out, err
}

// RevokeSanction undoes an activation decision an appeal annulled, if it
// had taken effect (an appeal filed in time but recorded after the
// deadline passed): its deduction or suspension is taken off the right.
func (db *DB) RevokeSanction(ctx context.Context, decision string) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		d, err := decisionRef(ctx, tx, decision, true)
		if err != nil || d.Kind != DecisionOfActivation || d.AppliedFrom == nil {
			return err
		}
		if d.Outcome == "reduce" {
			_, err = tx.Exec(ctx, `UPDATE entitlements SET deduction = 0, deduction_reason = '', deduction_from = NULL
				WHERE id = $1 AND deduction_reason = $2`, d.EntitlementID, "activation sanction "+d.Number)
		} else {
			_, err = tx.Exec(ctx, `UPDATE entitlements SET suspended_from = NULL WHERE id = $1 AND suspended_from = $2`, d.EntitlementID, *d.AppliedFrom)
		}
		if err != nil {
			return fmt.Errorf("revoke sanction %s: %w", d.Number, err)
		}
		_, err = tx.Exec(ctx, `UPDATE activation_decisions SET applied_from = NULL WHERE id = $1`, decision)
		return err
	})
}
