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

// Referral is a work-capable recipient's referral to the Employment Agency.
type Referral struct {
	ID                string
	PersonID          domain.PersonID
	PersonName        string
	JMBG              string
	EntitlementID     string
	CentreID          string
	State             string
	AgencyReference   string
	ReferredBy        string
	ReferredAt        time.Time
	LastStepAt        *time.Time
	WorkCapacityNotes string
	FamilyConstraints string
}

// ReferralStep is a step the agency reported.
type ReferralStep struct {
	StepID     string
	Kind       string
	OccurredAt time.Time
	ReceivedAt time.Time
	Sender     string
	Body       json.RawMessage
}

// ReferralEvent is a line of a referral's timeline; outbound messages
// carry their delivery (pending or acknowledged) and attempts.
type ReferralEvent struct {
	Key       string
	At        time.Time
	Kind      string
	By        string
	Summary   string
	Data      json.RawMessage
	Delivery  string
	Attempts  int
	LastError string
}

// ActivationDecision is a decision on financial assistance that came out
// of a referral.
type ActivationDecision struct {
	ID             string
	ReferralID     string
	Seq            int
	Number         string
	EntitlementID  string
	Measure        string
	Percent        int
	Deduction      decimal.Decimal
	EffectiveFrom  time.Time
	Reasoning      string
	Lines          []domain.PaymentLine
	PreparedBy     string
	ApprovedBy     string
	IssuedAt       time.Time
	DocumentKey    string
	DocumentSHA256 string
}

const referralColumns = `r.id, r.person_id::text, p.given_name || ' ' || p.family_name, p.jmbg, r.entitlement_id::text, r.centre_id, r.state,
	r.agency_reference, r.referred_by, r.referred_at, r.last_step_at, r.work_capacity_notes, r.family_constraints`

const referralFrom = ` FROM activation_referrals r JOIN persons p ON p.id = r.person_id`

func scanReferral(row pgx.Row) (Referral, error) {
	var r Referral
	err := row.Scan(&r.ID, &r.PersonID, &r.PersonName, &r.JMBG, &r.EntitlementID, &r.CentreID, &r.State, &r.AgencyReference,
		&r.ReferredBy, &r.ReferredAt, &r.LastStepAt, &r.WorkCapacityNotes, &r.FamilyConstraints)
	return r, err
}

// ActiveAssistanceOf is the active financial assistance (benefit) the
// person receives or is a household member of, or CodeNotFound.
func (db *DB) ActiveAssistanceOf(ctx context.Context, person domain.PersonID, benefit string) (Entitlement, error) {
	const q = `SELECT e.id::text, e.claim_number, e.decision_id::text, e.benefit, e.beneficiary_id::text, e.payee_iban, e.amount,
			e.periodicity, e.valid_from, e.next_revision, e.state
		FROM entitlements e
		WHERE e.benefit = $2 AND e.state = 'active' AND e.suspended_from IS NULL
			AND (e.beneficiary_id = $1 OR EXISTS (SELECT 1 FROM claim_members m WHERE m.claim_number = e.claim_number AND m.person_id = $1))
		ORDER BY e.valid_from DESC LIMIT 1`
	var e Entitlement
	err := db.pool.QueryRow(ctx, q, string(person), benefit).Scan(&e.ID, &e.ClaimNumber, &e.DecisionID, &e.Benefit, &e.BeneficiaryID,
		&e.PayeeIBAN, &e.Amount, &e.Periodicity, &e.ValidFrom, &e.NextRevision, &e.State)
	if err != nil {
		return Entitlement{}, translate(err, "an active "+benefit+" right of this person")
	}
	return e, nil
}

// CreateReferral numbers and records a referral. A person with a referral
// under way gets CodeConflict naming it.
func (db *DB) CreateReferral(ctx context.Context, r Referral) (Referral, error) {
	var existing string
	err := db.pool.QueryRow(ctx, `SELECT id FROM activation_referrals WHERE person_id = $1 AND state NOT IN ('employed', 'not_eligible', 'closed')`,
		string(r.PersonID)).Scan(&existing)
	if err == nil {
		return Referral{}, domain.Errorf(domain.CodeConflict, "the person's referral %s is under way", existing)
	} else if err != pgx.ErrNoRows {
		return Referral{}, fmt.Errorf("select open referral: %w", err)
	}
	var seq int64
	if err := db.pool.QueryRow(ctx, `SELECT nextval('activation_referral_seq')`).Scan(&seq); err != nil {
		return Referral{}, fmt.Errorf("next referral number: %w", err)
	}
	r.ID = fmt.Sprintf("AKT-%d-%06d", r.ReferredAt.Year(), seq)
	r.State = "referred"
	_, err = db.pool.Exec(ctx, `INSERT INTO activation_referrals (id, person_id, entitlement_id, centre_id, state, referred_by, referred_at,
			work_capacity_notes, family_constraints) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, string(r.PersonID), r.EntitlementID, r.CentreID, r.State, r.ReferredBy, r.ReferredAt, r.WorkCapacityNotes, r.FamilyConstraints)
	if err != nil {
		return Referral{}, translate(err, "a referral under way for this person")
	}
	return db.ReferralByID(ctx, r.ID)
}

// ReferralByID returns a referral, or CodeNotFound.
func (db *DB) ReferralByID(ctx context.Context, id string) (Referral, error) {
	r, err := scanReferral(db.pool.QueryRow(ctx, `SELECT `+referralColumns+referralFrom+` WHERE r.id = $1`, id))
	if err != nil {
		return Referral{}, translate(err, "referral "+id)
	}
	return r, nil
}

// ReferralFilter selects referrals: of a centre ("" all), a person, in a state.
type ReferralFilter struct {
	CentreID string
	PersonID domain.PersonID
	State    string
	Limit    int
}

// Referrals lists referrals, the newest first.
func (db *DB) Referrals(ctx context.Context, f ReferralFilter) ([]Referral, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + referralColumns + referralFrom + ` WHERE ($1 = '' OR r.centre_id = $1) AND ($2 = '' OR r.state = $2)
		AND ($3 = '' OR r.person_id::text = $3) ORDER BY r.referred_at DESC, r.id DESC LIMIT $4`
	rows, err := db.pool.Query(ctx, q, f.CentreID, f.State, string(f.PersonID), f.Limit)
	if err != nil {
		return nil, fmt.Errorf("select referrals: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Referral, error) { return scanReferral(r) })
}

// ReferralUpdate changes a referral; empty fields stay.
type ReferralUpdate struct {
	State           string
	AgencyReference string
}

// UpdateReferral applies u.
func (db *DB) UpdateReferral(ctx context.Context, id string, u ReferralUpdate) error {
	_, err := db.pool.Exec(ctx, `UPDATE activation_referrals SET state = coalesce(nullif($2, ''), state),
		agency_reference = coalesce(nullif($3, ''), agency_reference), updated_at = now() WHERE id = $1`, id, u.State, u.AgencyReference)
	if err != nil {
		return fmt.Errorf("update referral %s: %w", id, err)
	}
	return nil
}

// RecordReferralStep keeps a step once per step id: created false returns
// the step as first received (a repeated message).
func (db *DB) RecordReferralStep(ctx context.Context, referral string, s ReferralStep) (ReferralStep, bool, error) {
	var out ReferralStep
	created := false
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO activation_steps (referral_id, step_id, kind, occurred_at, sender, body)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (referral_id, step_id) DO NOTHING`,
			referral, s.StepID, s.Kind, s.OccurredAt, s.Sender, string(s.Body))
		if err != nil {
			return translate(err, "step of referral "+referral)
		}
		created = tag.RowsAffected() == 1
		if created {
			if _, err := tx.Exec(ctx, `UPDATE activation_referrals SET last_step_at = greatest(coalesce(last_step_at, $2), $2), updated_at = now()
				WHERE id = $1`, referral, s.OccurredAt); err != nil {
				return fmt.Errorf("update referral %s: %w", referral, err)
			}
		}
		var body string
		err = tx.QueryRow(ctx, `SELECT step_id, kind, occurred_at, received_at, sender, body::text FROM activation_steps
			WHERE referral_id = $1 AND step_id = $2`, referral, s.StepID).Scan(&out.StepID, &out.Kind, &out.OccurredAt, &out.ReceivedAt, &out.Sender, &body)
		out.Body = json.RawMessage(body)
		return err
	})
	return out, created, err
}

// ReferralSteps are a referral's steps in the order they happened.
func (db *DB) ReferralSteps(ctx context.Context, referral string) ([]ReferralStep, error) {
	rows, err := db.pool.Query(ctx, `SELECT step_id, kind, occurred_at, received_at, sender, body::text FROM activation_steps
		WHERE referral_id = $1 ORDER BY occurred_at, received_at`, referral)
	if err != nil {
		return nil, fmt.Errorf("select steps of %s: %w", referral, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReferralStep, error) {
		var s ReferralStep
		var body string
		err := r.Scan(&s.StepID, &s.Kind, &s.OccurredAt, &s.ReceivedAt, &s.Sender, &body)
		s.Body = json.RawMessage(body)
		return s, err
	})
}

// RecordReferralEvent adds a line to a referral's timeline once per key.
func (db *DB) RecordReferralEvent(ctx context.Context, referral string, e ReferralEvent) error {
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO activation_events (referral_id, key, at, kind, by_user, summary, data, delivery)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (referral_id, key) DO NOTHING`,
		referral, e.Key, e.At, e.Kind, e.By, e.Summary, string(e.Data), e.Delivery)
	if err != nil {
		return fmt.Errorf("record referral event: %w", err)
	}
	return nil
}

// SetReferralDelivery records how sending an outbound message goes: the
// attempts so far and the last error, or acknowledged.
func (db *DB) SetReferralDelivery(ctx context.Context, referral, key, delivery string, attempts int, lastError string) error {
	_, err := db.pool.Exec(ctx, `UPDATE activation_events SET delivery = $3, attempts = greatest(attempts, $4), last_error = $5
		WHERE referral_id = $1 AND key = $2`, referral, key, delivery, attempts, lastError)
	if err != nil {
		return fmt.Errorf("record delivery of %s/%s: %w", referral, key, err)
	}
	return nil
}

// ReferralEvents is a referral's timeline, oldest first.
func (db *DB) ReferralEvents(ctx context.Context, referral string) ([]ReferralEvent, error) {
	rows, err := db.pool.Query(ctx, `SELECT key, at, kind, by_user, summary, data::text, delivery, attempts, last_error
		FROM activation_events WHERE referral_id = $1 ORDER BY at, key`, referral)
	if err != nil {
		return nil, fmt.Errorf("select events of %s: %w", referral, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReferralEvent, error) {
		var e ReferralEvent
		var data string
		err := r.Scan(&e.Key, &e.At, &e.Kind, &e.By, &e.Summary, &data, &e.Delivery, &e.Attempts, &e.LastError)
		e.Data = json.RawMessage(data)
		return e, err
	})
}

// IssueActivationDecision numbers a referral's decision from the centre's
// gapless counter and records it with its document, in one transaction;
// issuing the same (referral, seq) again returns the first and changes
// nothing. The right is not changed yet: an appeal suspends a sanction,
// which applies only once the decision is final (ApplySanction).
func (db *DB) IssueActivationDecision(ctx context.Context, d ActivationDecision, centre string,
	render func(ActivationDecision) (key, sha string, err error)) (ActivationDecision, error) {
	var out ActivationDecision
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id::text, number, issued_at, document_key, document_sha256 FROM activation_decisions
			WHERE referral_id = $1 AND seq = $2`, d.ReferralID, d.Seq).Scan(&out.ID, &out.Number, &out.IssuedAt, &out.DocumentKey, &out.DocumentSHA256)
		if err == nil {
			out.ReferralID, out.Seq, out.Measure, out.EffectiveFrom = d.ReferralID, d.Seq, d.Measure, d.EffectiveFrom
			return nil
		} else if err != pgx.ErrNoRows {
			return err
		}
		if d.ID, d.Number, _, err = nextDecisionNumber(ctx, tx, centre, d.IssuedAt); err != nil {
			return err
		}
		if d.DocumentKey, d.DocumentSHA256, err = render(d); err != nil {
			return err
		}
		lines, _ := json.Marshal(d.Lines)
		var percent *int
		if d.Percent > 0 {
			percent = &d.Percent
		}
		_, err = tx.Exec(ctx, `INSERT INTO activation_decisions (id, referral_id, seq, number, entitlement_id, measure, percent, deduction,
				effective_from, reasoning, lines, prepared_by, approved_by, issued_at, document_key, document_sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			d.ID, d.ReferralID, d.Seq, d.Number, d.EntitlementID, d.Measure, percent, d.Deduction, d.EffectiveFrom, d.Reasoning, string(lines),
			d.PreparedBy, d.ApprovedBy, d.IssuedAt, d.DocumentKey, d.DocumentSHA256)
		if err != nil {
			return fmt.Errorf("insert decision: %w", err)
		}
		out = d
		return nil
	})
	return out, err
}

// ActivationDecisions are a referral's decisions, in order.
func (db *DB) ActivationDecisions(ctx context.Context, referral string) ([]ActivationDecision, error) {
	rows, err := db.pool.Query(ctx, `SELECT id::text, referral_id, seq, number, entitlement_id::text, measure, coalesce(percent, 0), deduction,
		effective_from, reasoning, lines::text, prepared_by, approved_by, issued_at, document_key, document_sha256
		FROM activation_decisions WHERE referral_id = $1 ORDER BY seq`, referral)
	if err != nil {
		return nil, fmt.Errorf("select decisions of %s: %w", referral, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ActivationDecision, error) {
		var d ActivationDecision
		var lines string
		err := r.Scan(&d.ID, &d.ReferralID, &d.Seq, &d.Number, &d.EntitlementID, &d.Measure, &d.Percent, &d.Deduction, &d.EffectiveFrom,
			&d.Reasoning, &lines, &d.PreparedBy, &d.ApprovedBy, &d.IssuedAt, &d.DocumentKey, &d.DocumentSHA256)
		_ = json.Unmarshal([]byte(lines), &d.Lines)
		return d, err
	})
}

// ActivationDecisionByID returns a decision, or CodeNotFound.
func (db *DB) ActivationDecisionByID(ctx context.Context, id string) (ActivationDecision, string, error) {
	if _, err := uuid.Parse(id); err != nil {
		return ActivationDecision{}, "", domain.Errorf(domain.CodeNotFound, "decision %q not found", id)
	}
	var d ActivationDecision
	var centre string
	err := db.pool.QueryRow(ctx, `SELECT d.id::text, d.referral_id, d.number, d.document_key, d.document_sha256, r.centre_id
		FROM activation_decisions d JOIN activation_referrals r ON r.id = d.referral_id WHERE d.id = $1`, id).
		Scan(&d.ID, &d.ReferralID, &d.Number, &d.DocumentKey, &d.DocumentSHA256, &centre)
	if err != nil {
		return ActivationDecision{}, "", translate(err, "decision "+id)
	}
	return d, centre, nil
}
