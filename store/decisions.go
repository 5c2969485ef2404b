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

// Decision is a rješenje: the first-instance decision on a claim.
type Decision struct {
	ID             string
	ClaimNumber    string
	Number         string // <centre>/<year>/<seq>, gapless per centre and year
	CentreID       string
	Year, Seq      int
	Kind           string // grant or rejection
	Benefit        string
	Amount         decimal.Decimal
	PeriodFrom     time.Time
	PreparedBy     string
	ApprovedBy     string
	IssuedAt       time.Time
	DocumentKey    string
	DocumentSHA256 string
}

const decisionColumns = `id::text, claim_number, number, centre_id, year, seq, kind, benefit, amount, period_from,
	prepared_by, approved_by, issued_at, coalesce(document_key, ''), coalesce(document_sha256, '')`

func scanDecision(r pgx.Row) (Decision, error) {
	var d Decision
	err := r.Scan(&d.ID, &d.ClaimNumber, &d.Number, &d.CentreID, &d.Year, &d.Seq, &d.Kind, &d.Benefit, &d.Amount, &d.PeriodFrom,
		&d.PreparedBy, &d.ApprovedBy, &d.IssuedAt, &d.DocumentKey, &d.DocumentSHA256)
	return d, err
}

// nextDecisionNumber takes the next number from the centre's gapless
// counter of the year, shared by every kind of decision (claims, cases,
// activation), with a new id and the number's place in the year.
func nextDecisionNumber(ctx context.Context, tx pgx.Tx, centre string, at time.Time) (id, number string, seq int, err error) {
	if err := tx.QueryRow(ctx, `INSERT INTO decision_counters (centre_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (centre_id, year) DO UPDATE SET last = decision_counters.last + 1 RETURNING last`, centre, at.Year()).Scan(&seq); err != nil {
		return "", "", 0, fmt.Errorf("next decision number: %w", err)
	}
	u, err := uuid.NewV7()
	if err != nil {
		return "", "", 0, err
	}
	return u.String(), fmt.Sprintf("%s/%d/%05d", centre, at.Year(), seq), seq, nil
}

// IssueDecision numbers and records the decision on a claim. The number
// comes from a per-centre, per-year counter taken in the same transaction,
// so numbers have no gaps; a claim has at most one decision, and issuing
// again returns the first.
func (db *DB) IssueDecision(ctx context.Context, d Decision) (Decision, error) {
	var out Decision
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		existing, err := scanDecision(tx.QueryRow(ctx, `SELECT `+decisionColumns+` FROM decisions WHERE claim_number = $1 AND kind IN ('grant', 'rejection')`, d.ClaimNumber))
		if err == nil {
			out = existing
			return nil
		} else if err != pgx.ErrNoRows {
			return fmt.Errorf("select decision of %s: %w", d.ClaimNumber, err)
		}
		year := d.IssuedAt.Year()
		var seq int
		if d.ID, d.Number, seq, err = nextDecisionNumber(ctx, tx, d.CentreID, d.IssuedAt); err != nil {
			return err
		}
		d.Year, d.Seq = year, seq
		const qi = `
			INSERT INTO decisions (id, claim_number, number, centre_id, year, seq, kind, benefit, amount, period_from, prepared_by, approved_by, issued_at)
			VALUES (@id, @claim, @number, @centre, @year, @seq, @kind, @benefit, @amount, @from, @prepared, @approved, @issued)
			RETURNING ` + decisionColumns
		out, err = scanDecision(tx.QueryRow(ctx, qi, pgx.NamedArgs{"id": d.ID, "claim": d.ClaimNumber, "number": d.Number, "centre": d.CentreID,
			"year": year, "seq": seq, "kind": d.Kind, "benefit": d.Benefit, "amount": d.Amount, "from": d.PeriodFrom,
			"prepared": d.PreparedBy, "approved": d.ApprovedBy, "issued": d.IssuedAt}))
		if err != nil {
			return fmt.Errorf("insert decision: %w", err)
		}
		return recordDecisionFact(ctx, tx, out.ID)
	})
	return out, err
}

// SetDecisionDocument records the decision's PDF in the object store.
func (db *DB) SetDecisionDocument(ctx context.Context, id, key, sha string) error {
	_, err := db.pool.Exec(ctx, `UPDATE decisions SET document_key = $2, document_sha256 = $3 WHERE id = $1`, id, key, sha)
	if err != nil {
		return fmt.Errorf("set decision %s document: %w", id, err)
	}
	return nil
}

// DecisionByID returns the decision. Returns CodeNotFound if none.
func (db *DB) DecisionByID(ctx context.Context, id string) (Decision, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Decision{}, domain.Errorf(domain.CodeNotFound, "decision %q not found", id)
	}
	d, err := scanDecision(db.pool.QueryRow(ctx, `SELECT `+decisionColumns+` FROM decisions WHERE id = $1`, id))
	if err != nil {
		return Decision{}, translate(err, "decision "+id)
	}
	return d, nil
}

// DecisionOfClaim returns the claim's decision (its grant or rejection;
// a revision's later decisions name the claim too). Returns CodeNotFound if none.
func (db *DB) DecisionOfClaim(ctx context.Context, number string) (Decision, error) {
	d, err := scanDecision(db.pool.QueryRow(ctx, `SELECT `+decisionColumns+` FROM decisions WHERE claim_number = $1 AND kind IN ('grant', 'rejection')`, number))
	if err != nil {
		return Decision{}, translate(err, "decision of claim "+number)
	}
	return d, nil
}

// Entitlement is a right granted by a decision.
type Entitlement struct {
	ID            string
	ClaimNumber   string
	DecisionID    string
	Benefit       string
	BeneficiaryID domain.PersonID
	PayeeIBAN     string
	Amount        decimal.Decimal
	Periodicity   string
	ValidFrom     time.Time
	NextRevision  *time.Time
	State         string
	// Read by EntitlementsOfPerson: what decisions changed since the grant.
	SuspendedFrom *time.Time
	Deduction     decimal.Decimal
	DeductionFrom *time.Time
	// ValidTo is the right's last day once it ended.
	ValidTo *time.Time
	// Basis is the situation the amount was calculated from
	// (benefits.Situation as JSON), kept for re-rating; nil when unknown.
	Basis json.RawMessage
	// Channel is "bank" or "post" ("" on create: bank).
	Channel string
	// CreatedBy is who granted it (on create: the version's author).
	CreatedBy string
	// PostTo is the person at whose address the Post pays (child
	// allowance: the child); "" for the beneficiary's.
	PostTo domain.PersonID
}

// CreateEntitlement records the right a decision grants, with its first
// version (reason grant, from valid_from); one per claim, creating it
// again returns the first.
func (db *DB) CreateEntitlement(ctx context.Context, e Entitlement) (Entitlement, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Entitlement{}, err
	}
	if e.Channel == "" {
		e.Channel = "bank"
	}
	if e.CreatedBy == "" {
		e.CreatedBy = "system"
	}
	const q = `
		INSERT INTO entitlements (id, claim_number, decision_id, benefit, beneficiary_id, payee_iban, amount, periodicity, valid_from, next_revision,
			basis, channel, post_person_id)
		VALUES (@id, @claim, @decision, @benefit, @beneficiary, @iban, @amount, @periodicity, @from, @revision, @basis, @channel, @post)
		ON CONFLICT (claim_number) DO NOTHING`
	const first = `
		INSERT INTO entitlement_versions (entitlement_id, seq, valid_from, amount, state, reason, decision_id, ref, source, created_by)
		SELECT @id, 1, @from, @amount, 'active', 'grant', @decision, coalesce((SELECT number FROM decisions WHERE id = @decision), ''), 'grant', @by
		ON CONFLICT DO NOTHING`
	var basis, post any
	if len(e.Basis) > 0 {
		basis = string(e.Basis)
	}
	if e.PostTo != "" {
		post = string(e.PostTo)
	}
	args := pgx.NamedArgs{"id": id.String(), "claim": e.ClaimNumber, "decision": e.DecisionID, "benefit": e.Benefit,
		"beneficiary": string(e.BeneficiaryID), "iban": e.PayeeIBAN, "amount": e.Amount, "periodicity": e.Periodicity,
		"from": e.ValidFrom, "revision": e.NextRevision, "basis": basis, "channel": e.Channel, "by": e.CreatedBy,
		"post": post}
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, q, args)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, first, args)
		return err
	})
	if err != nil {
		return Entitlement{}, fmt.Errorf("insert entitlement: %w", err)
	}
	return db.EntitlementOfClaim(ctx, e.ClaimNumber)
}

// EntitlementOfClaim returns the claim's entitlement. Returns CodeNotFound if none.
func (db *DB) EntitlementOfClaim(ctx context.Context, number string) (Entitlement, error) {
	return db.entitlementWhere(ctx, "claim_number = $1", number, "entitlement of claim "+number)
}

// EntitlementByID returns an entitlement. Returns CodeNotFound if none.
func (db *DB) EntitlementByID(ctx context.Context, id string) (Entitlement, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Entitlement{}, domain.Errorf(domain.CodeNotFound, "entitlement %q not found", id)
	}
	return db.entitlementWhere(ctx, "id = $1", id, "entitlement "+id)
}

func (db *DB) entitlementWhere(ctx context.Context, where, arg, what string) (Entitlement, error) {
	q := `SELECT id::text, claim_number, decision_id::text, benefit, beneficiary_id::text, payee_iban, amount, periodicity,
		valid_from, next_revision, state, valid_to, basis, channel FROM entitlements WHERE ` + where
	var e Entitlement
	err := db.pool.QueryRow(ctx, q, arg).Scan(&e.ID, &e.ClaimNumber, &e.DecisionID, &e.Benefit, &e.BeneficiaryID, &e.PayeeIBAN,
		&e.Amount, &e.Periodicity, &e.ValidFrom, &e.NextRevision, &e.State, &e.ValidTo, &e.Basis, &e.Channel)
	if err != nil {
		return Entitlement{}, translate(err, what)
	}
	return e, nil
}

// ActiveBenefits lists the benefits with an active entitlement for person.
func (db *DB) ActiveBenefits(ctx context.Context, person domain.PersonID) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT benefit FROM entitlements WHERE beneficiary_id = $1 AND state = 'active' ORDER BY benefit`, string(person))
	if err != nil {
		return nil, fmt.Errorf("select benefits of %s: %w", person, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// GrantsThisYear counts the grants of benefit to person decided in year.
func (db *DB) GrantsThisYear(ctx context.Context, person domain.PersonID, benefit string, year int) (int, error) {
	const q = `SELECT count(*) FROM decisions d JOIN claims c ON c.number = d.claim_number
		WHERE c.applicant_id = $1 AND d.benefit = $2 AND d.kind = 'grant' AND d.year = $3`
	var n int
	if err := db.pool.QueryRow(ctx, q, string(person), benefit, year).Scan(&n); err != nil {
		return 0, fmt.Errorf("count grants: %w", err)
	}
	return n, nil
}

// EntitlementsOfPerson lists the rights a person holds as beneficiary.
func (db *DB) EntitlementsOfPerson(ctx context.Context, person domain.PersonID) ([]Entitlement, error) {
	const q = `SELECT id::text, claim_number, decision_id::text, benefit, beneficiary_id::text, payee_iban, amount, periodicity,
		valid_from, next_revision, state, suspended_from, deduction, deduction_from FROM entitlements WHERE beneficiary_id = $1 ORDER BY valid_from DESC`
	rows, err := db.pool.Query(ctx, q, string(person))
	if err != nil {
		return nil, fmt.Errorf("select entitlements of %s: %w", person, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entitlement, error) {
		var e Entitlement
		err := r.Scan(&e.ID, &e.ClaimNumber, &e.DecisionID, &e.Benefit, &e.BeneficiaryID, &e.PayeeIBAN, &e.Amount, &e.Periodicity,
			&e.ValidFrom, &e.NextRevision, &e.State, &e.SuspendedFrom, &e.Deduction, &e.DeductionFrom)
		return e, err
	})
}
