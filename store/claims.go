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

// Claim is an application for a benefit.
type Claim struct {
	Number      string
	Benefit     string
	ApplicantID domain.PersonID
	SubjectID   domain.PersonID
	CentreID    string
	PayeeIBAN   string
	Consent     bool
	Declared    json.RawMessage
	FiledBy     string
	FiledAt     time.Time
	Period      time.Time
	State       string
	StateReason string
	Members     []domain.PersonID
	// Channel is how the claim came: ChannelCounter (filed by a centre's
	// staff) or ChannelOnline (by the applicant in the benefits portal).
	Channel string
}

// The channels a claim comes by (issue 18).
const (
	ChannelCounter = "counter"
	ChannelOnline  = "online"
)

// CreateClaim files a claim and its members. Returns CodeConflict if a
// member is already in another open claim for the same benefit.
func (db *DB) CreateClaim(ctx context.Context, c Claim) (Claim, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var seq int64
		if err := tx.QueryRow(ctx, `SELECT nextval('claim_number_seq')`).Scan(&seq); err != nil {
			return err
		}
		c.Number = fmt.Sprintf("Z-%d-%06d", c.Period.Year(), seq)
		var subject *string
		if c.SubjectID != "" {
			s := string(c.SubjectID)
			subject = &s
		}
		if c.Channel == "" {
			c.Channel = ChannelCounter
		}
		const q = `
			INSERT INTO claims (number, benefit, applicant_id, subject_id, centre_id, payee_iban, consent, declared, filed_by, period, channel)
			VALUES (@number, @benefit, @applicant, @subject, @centre, @iban, @consent, @declared, @by, @period, @channel)
			RETURNING filed_at, state`
		err := tx.QueryRow(ctx, q, pgx.NamedArgs{"number": c.Number, "benefit": c.Benefit, "applicant": string(c.ApplicantID),
			"subject": subject, "centre": c.CentreID, "iban": c.PayeeIBAN, "consent": c.Consent, "declared": string(orEmptyJSON(c.Declared)),
			"by": c.FiledBy, "period": c.Period, "channel": c.Channel}).Scan(&c.FiledAt, &c.State)
		if err != nil {
			return fmt.Errorf("insert claim: %w", err)
		}
		for _, m := range c.Members {
			_, err := tx.Exec(ctx, `INSERT INTO claim_members (claim_number, person_id, benefit) VALUES ($1, $2, $3)`, c.Number, string(m), c.Benefit)
			if err != nil {
				if domain.ErrorCode(translate(err, "")) == domain.CodeConflict {
					return &domain.Error{Code: domain.CodeConflict, Field: "member_person_ids",
						Message: fmt.Sprintf("person %s is already in another open claim for %s", m, c.Benefit)}
				}
				return fmt.Errorf("insert claim member: %w", err)
			}
		}
		return recordClaimFact(ctx, tx, c.Number)
	})
	if err != nil {
		return Claim{}, err
	}
	return c, nil
}

func orEmptyJSON(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage(`{}`)
	}
	return b
}

// ClaimByNumber returns the claim. Returns CodeNotFound if none.
func (db *DB) ClaimByNumber(ctx context.Context, number string) (Claim, error) {
	const q = `
		SELECT number, benefit, applicant_id::text, coalesce(subject_id::text, ''), centre_id, payee_iban, consent,
			declared::text, filed_by, filed_at, period, state, state_reason,
			array(SELECT person_id::text FROM claim_members WHERE claim_number = c.number ORDER BY person_id = c.applicant_id DESC, person_id),
			channel
		FROM claims c WHERE number = @number`
	var c Claim
	var declared string
	var members []string
	err := db.pool.QueryRow(ctx, q, pgx.NamedArgs{"number": number}).Scan(&c.Number, &c.Benefit, &c.ApplicantID, &c.SubjectID,
		&c.CentreID, &c.PayeeIBAN, &c.Consent, &declared, &c.FiledBy, &c.FiledAt, &c.Period, &c.State, &c.StateReason, &members, &c.Channel)
	if err != nil {
		return Claim{}, translate(err, "claim "+number)
	}
	c.Declared = json.RawMessage(declared)
	for _, m := range members {
		c.Members = append(c.Members, domain.PersonID(m))
	}
	return c, nil
}

// SetClaimState records where the claim stands. A claim that reached a
// final state (approved, rejected, withdrawn) releases its members for new
// claims of the same benefit.
func (db *DB) SetClaimState(ctx context.Context, number, state, reason string) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE claims SET state = $2, state_reason = $3, updated_at = now() WHERE number = $1`, number, state, reason)
		if err != nil {
			return fmt.Errorf("set claim %s state: %w", number, err)
		}
		if state == "approved" || state == "rejected" || state == "withdrawn" {
			if _, err := tx.Exec(ctx, `UPDATE claim_members SET open = false WHERE claim_number = $1`, number); err != nil {
				return fmt.Errorf("close claim %s members: %w", number, err)
			}
		}
		return nil
	})
}

// Calculation is one eligibility and amount calculation of a claim.
type Calculation struct {
	Seq         int
	Eligible    bool
	Amount      decimal.Decimal
	MaxAmount   decimal.Decimal
	Reasons     []string
	Lines       json.RawMessage
	EvidenceIDs []int64
	ComputedAt  time.Time
	// Situation is what the calculation was made from
	// (benefits.Situation as JSON; nil for calculations made before it
	// was kept).
	Situation json.RawMessage
	// Why are the reasons as phrases (benefits.Phrase as JSON, one per
	// reason; nil for calculations made before issue 16).
	Why json.RawMessage
}

// SaveCalculation stores calculation seq of a claim; saving the same seq
// again keeps the first.
func (db *DB) SaveCalculation(ctx context.Context, number string, c Calculation) error {
	reasons, _ := json.Marshal(c.Reasons)
	if c.EvidenceIDs == nil {
		c.EvidenceIDs = []int64{}
	}
	var situation, why any
	if len(c.Situation) > 0 {
		situation = string(c.Situation)
	}
	if len(c.Why) > 0 {
		why = string(c.Why)
	}
	const q = `
		INSERT INTO claim_calculations (claim_number, seq, eligible, amount, max_amount, reasons, lines, evidence_ids, computed_at, situation, why)
		VALUES (@number, @seq, @eligible, @amount, @max, @reasons, @lines, @evidence, @at, @situation, @why)
		ON CONFLICT (claim_number, seq) DO NOTHING`
	_, err := db.pool.Exec(ctx, q, pgx.NamedArgs{"number": number, "seq": c.Seq, "eligible": c.Eligible, "amount": c.Amount,
		"max": c.MaxAmount, "reasons": string(reasons), "lines": string(c.Lines), "evidence": c.EvidenceIDs, "at": c.ComputedAt,
		"situation": situation, "why": why})
	if err != nil {
		return fmt.Errorf("save calculation %s/%d: %w", number, c.Seq, err)
	}
	return nil
}

// Calculations lists a claim's calculations, latest last.
func (db *DB) Calculations(ctx context.Context, number string) ([]Calculation, error) {
	const q = `SELECT seq, eligible, amount, max_amount, reasons::text, lines::text, evidence_ids, computed_at, coalesce(situation::text, ''),
			coalesce(why::text, '') FROM claim_calculations WHERE claim_number = $1 ORDER BY seq`
	rows, err := db.pool.Query(ctx, q, number)
	if err != nil {
		return nil, fmt.Errorf("select calculations of %s: %w", number, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Calculation, error) {
		var c Calculation
		var reasons, lines, situation, why string
		err := r.Scan(&c.Seq, &c.Eligible, &c.Amount, &c.MaxAmount, &reasons, &lines, &c.EvidenceIDs, &c.ComputedAt, &situation, &why)
		if why != "" {
			c.Why = json.RawMessage(why)
		}
		if err == nil {
			err = json.Unmarshal([]byte(reasons), &c.Reasons)
		}
		c.Lines = json.RawMessage(lines)
		if situation != "" {
			c.Situation = json.RawMessage(situation)
		}
		return c, err
	})
}

// Document is a file kept in the object store.
type Document struct {
	ID          string
	ClaimNumber string
	PersonID    domain.PersonID
	Kind        string
	ObjectKey   string
	SHA256      string
	ContentType string
	Size        int64
	UploadedBy  string
	UploadedAt  time.Time
	// AnswersTask is the request for a document (a claim.obtain_document
	// task of the claim) the upload answers; "" for any other upload.
	AnswersTask string
}

// CreateDocument records an uploaded document.
func (db *DB) CreateDocument(ctx context.Context, d Document) (Document, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Document{}, err
	}
	d.ID = id.String()
	var person *string
	if d.PersonID != "" {
		p := string(d.PersonID)
		person = &p
	}
	var answers *string
	if d.AnswersTask != "" {
		answers = &d.AnswersTask
	}
	const q = `INSERT INTO documents (id, claim_number, person_id, kind, object_key, sha256, content_type, size, uploaded_by, answers_task)
		VALUES (@id, @claim, @person, @kind, @key, @sha, @ct, @size, @by, @answers) RETURNING uploaded_at`
	err = db.pool.QueryRow(ctx, q, pgx.NamedArgs{"id": d.ID, "claim": d.ClaimNumber, "person": person, "kind": d.Kind, "key": d.ObjectKey,
		"sha": d.SHA256, "ct": d.ContentType, "size": d.Size, "by": d.UploadedBy, "answers": answers}).Scan(&d.UploadedAt)
	if err != nil {
		return Document{}, fmt.Errorf("insert document: %w", err)
	}
	return d, nil
}

// DocumentByID returns a document. Returns CodeNotFound if none.
func (db *DB) DocumentByID(ctx context.Context, id string) (Document, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Document{}, domain.Errorf(domain.CodeNotFound, "document %q not found", id)
	}
	d, err := scanDocument(db.pool.QueryRow(ctx, `SELECT `+documentColumns+` FROM documents WHERE id = $1`, id))
	if err != nil {
		return Document{}, translate(err, "document "+id)
	}
	return d, nil
}

const documentColumns = `id::text, coalesce(claim_number, ''), coalesce(person_id::text, ''), kind, object_key, sha256, content_type, size,
	uploaded_by, uploaded_at, coalesce(answers_task, '')`

func scanDocument(row pgx.Row) (Document, error) {
	var d Document
	err := row.Scan(&d.ID, &d.ClaimNumber, &d.PersonID, &d.Kind, &d.ObjectKey, &d.SHA256, &d.ContentType, &d.Size, &d.UploadedBy, &d.UploadedAt, &d.AnswersTask)
	return d, err
}

// DocumentsOfClaim lists the documents uploaded to a claim, oldest first.
func (db *DB) DocumentsOfClaim(ctx context.Context, number string) ([]Document, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+documentColumns+` FROM documents WHERE claim_number = $1 ORDER BY uploaded_at, id`, number)
	if err != nil {
		return nil, fmt.Errorf("select documents of %s: %w", number, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Document, error) { return scanDocument(r) })
}

// RecordDeclared stores a declared fact (backed by a document) as the
// current evidence of its kind, replacing a verified or declared record
// as a correction or change by the usual rules.
func (db *DB) RecordDeclared(ctx context.Context, person domain.PersonID, kind domain.EvidenceKind, source domain.Source, value []byte, validFrom, at time.Time, doc Document, issue string) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		ex := Exchange{RequestID: "document/" + doc.ID, PersonID: person, Source: source, Issue: issue, AnsweredAt: at, ResponseHash: doc.SHA256}
		change, err := recordFact(ctx, tx, ex, Fact{Kind: kind, Value: value, ValidFrom: validFrom})
		if err != nil {
			return err
		}
		if change != "" {
			_, err = tx.Exec(ctx, `UPDATE evidence SET declared = true WHERE person_id = $1 AND kind = $2 AND superseded_at IS NULL`, string(person), string(kind))
		}
		return err
	})
}

// ClaimSummary is a claim as a list shows it.
type ClaimSummary struct {
	Number  string
	Benefit string
	State   string
	FiledAt time.Time
	Channel string // counter or online
	// Applicant is whether the person is the claim's applicant (not only
	// a member of it).
	Applicant bool
}

// ClaimsOfPerson lists the claims a person is a member of, newest first.
func (db *DB) ClaimsOfPerson(ctx context.Context, person domain.PersonID) ([]ClaimSummary, error) {
	const q = `SELECT c.number, c.benefit, c.state, c.filed_at, c.channel, c.applicant_id = m.person_id
		FROM claims c JOIN claim_members m ON m.claim_number = c.number
		WHERE m.person_id = $1 ORDER BY c.filed_at DESC LIMIT 100`
	rows, err := db.pool.Query(ctx, q, string(person))
	if err != nil {
		return nil, fmt.Errorf("select claims of %s: %w", person, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ClaimSummary, error) {
		var c ClaimSummary
		err := r.Scan(&c.Number, &c.Benefit, &c.State, &c.FiledAt, &c.Channel, &c.Applicant)
		return c, err
	})
}
