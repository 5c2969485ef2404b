package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Employer is a company that files refunds, known by its PIB.
type Employer struct {
	PIB      string
	Name     string
	IBAN     string
	CentreID string
}

// RefundLeave is an employee's leave an employer asks refunds for
// (issue 18), with what the Refund workflow found in the registries.
type RefundLeave struct {
	Number       string
	EmployerPIB  string
	EmployerName string
	Benefit      string // RNZ or RNZRP
	Kind         string // domain/refunds.Kind
	EmployeeJMBG domain.JMBG
	ChildJMBG    domain.JMBG
	FirstDay     time.Time
	LastDay      time.Time // as filed
	EndedOn      *time.Time
	EndReason    string
	PayeeIBAN    string
	CentreID     string
	State        string // assessing, active, rejected, ended, completed
	StateReason  string
	// The assessment (nil until the workflow made it).
	InsuredMonths *int
	InsuredSince  *time.Time
	Rate          *int
	BaseGross     decimal.NullDecimal
	BirthDate     *time.Time
	Lines         json.RawMessage
	Refusal       json.RawMessage
	Evidence      json.RawMessage
	FiledBy       string
	FiledAt       time.Time
	UpdatedAt     time.Time
}

// End is the leave's last day: an early end's, else the one filed.
func (l RefundLeave) End() time.Time {
	if l.EndedOn != nil {
		return *l.EndedOn
	}
	return l.LastDay
}

const refundLeaveColumns = `l.number, l.employer_pib, e.name, l.benefit, l.kind, l.employee_jmbg, l.child_jmbg, l.first_day, l.last_day, l.ended_on,
	coalesce(l.end_reason, ''), l.payee_iban, l.centre_id, l.state, l.state_reason, l.insured_months, l.insured_since, l.rate, l.base_gross,
	l.birth_date, l.lines, l.refusal, l.evidence, l.filed_by, l.filed_at, l.updated_at`

func scanRefundLeave(r pgx.Row) (RefundLeave, error) {
	var l RefundLeave
	err := r.Scan(&l.Number, &l.EmployerPIB, &l.EmployerName, &l.Benefit, &l.Kind, &l.EmployeeJMBG, &l.ChildJMBG, &l.FirstDay, &l.LastDay, &l.EndedOn,
		&l.EndReason, &l.PayeeIBAN, &l.CentreID, &l.State, &l.StateReason, &l.InsuredMonths, &l.InsuredSince, &l.Rate, &l.BaseGross,
		&l.BirthDate, &l.Lines, &l.Refusal, &l.Evidence, &l.FiledBy, &l.FiledAt, &l.UpdatedAt)
	return l, err
}

// FileRefundLeave records the employer (its account as given now, its
// name if one is given) and a new leave, numbered RN-<year>-<seq>, in one transaction.
// A leave of the same employee that shares a day with it is refused
// (CodeConflict on first_day), as is, for the same child, a second
// maternity leave or a parental leave that shares a day with another
// parent's (on child_jmbg); leaves whose refund was refused do not count.
// Concurrent filings for the same employee or child are serialised.
func (db *DB) FileRefundLeave(ctx context.Context, emp Employer, l RefundLeave) (RefundLeave, error) {
	var out RefundLeave
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('refund-person:' || x)) FROM unnest($1::text[]) AS x ORDER BY x`,
			[]string{string(l.EmployeeJMBG), string(l.ChildJMBG)}); err != nil {
			return fmt.Errorf("lock refund persons: %w", err)
		}
		const overlap = `SELECT number, employer_pib FROM refund_leaves WHERE state <> 'rejected' AND employee_jmbg = $1
			AND first_day <= $3 AND coalesce(ended_on, last_day) >= $2 ORDER BY first_day LIMIT 1`
		var other, otherPIB string
		err := tx.QueryRow(ctx, overlap, string(l.EmployeeJMBG), l.FirstDay, l.LastDay).Scan(&other, &otherPIB)
		switch {
		case err == nil && otherPIB == emp.PIB:
			return &domain.Error{Code: domain.CodeConflict, Field: "first_day", Message: fmt.Sprintf("the employee's leave %s shares days with this one", other)}
		case err == nil: // another employer's: its number is not this one's to know
			return &domain.Error{Code: domain.CodeConflict, Field: "first_day", Message: "the employee has another leave on record that shares days with this one"}
		case err != pgx.ErrNoRows:
			return fmt.Errorf("check overlapping leaves: %w", err)
		}
		const sameChild = `SELECT count(*) FROM refund_leaves WHERE state <> 'rejected' AND child_jmbg = $1 AND (
			($2 = 'maternity' AND kind = 'maternity') OR
			($2 IN ('parental', 'parental_transfer') AND kind IN ('parental', 'parental_transfer') AND first_day <= $4 AND coalesce(ended_on, last_day) >= $3))`
		var n int
		if err := tx.QueryRow(ctx, sameChild, string(l.ChildJMBG), l.Kind, l.FirstDay, l.LastDay).Scan(&n); err != nil {
			return fmt.Errorf("check the child's leaves: %w", err)
		}
		if n > 0 {
			msg := "the child's parental leave is taken by one parent at a time: another parent's leave on record shares days with this one"
			if l.Kind == "maternity" {
				msg = "the child's maternity leave is on record already"
			}
			return &domain.Error{Code: domain.CodeConflict, Field: "child_jmbg", Message: msg}
		}
		// A name given replaces the one kept; none keeps it (first: "PIB <pib>").
		if _, err := tx.Exec(ctx, `INSERT INTO employers (pib, name, iban, centre_id) VALUES ($1, coalesce(nullif($2, ''), 'PIB ' || $1), $3, $4)
			ON CONFLICT (pib) DO UPDATE SET name = coalesce(nullif($2, ''), employers.name), iban = excluded.iban, updated_at = now()`,
			emp.PIB, emp.Name, emp.IBAN, emp.CentreID); err != nil {
			return fmt.Errorf("record employer: %w", err)
		}
		var seq int64
		if err := tx.QueryRow(ctx, `SELECT nextval('refund_leave_seq')`).Scan(&seq); err != nil {
			return fmt.Errorf("next leave number: %w", err)
		}
		number := fmt.Sprintf("RN-%d-%06d", l.FiledAt.Year(), seq)
		const q = `INSERT INTO refund_leaves (number, employer_pib, benefit, kind, employee_jmbg, child_jmbg, first_day, last_day, payee_iban,
			centre_id, filed_by, filed_at) VALUES (@number, @pib, @benefit, @kind, @employee, @child, @first, @last, @iban, @centre, @by, @at)`
		if _, err := tx.Exec(ctx, q, pgx.NamedArgs{"number": number, "pib": emp.PIB, "benefit": l.Benefit, "kind": l.Kind,
			"employee": string(l.EmployeeJMBG), "child": string(l.ChildJMBG), "first": l.FirstDay, "last": l.LastDay, "iban": l.PayeeIBAN,
			"centre": emp.CentreID, "by": l.FiledBy, "at": l.FiledAt}); err != nil {
			return fmt.Errorf("insert leave: %w", err)
		}
		out, err = scanRefundLeave(tx.QueryRow(ctx, `SELECT `+refundLeaveColumns+` FROM refund_leaves l JOIN employers e ON e.pib = l.employer_pib
			WHERE l.number = $1`, number))
		return err
	})
	return out, err
}

// DeleteRefundLeave takes back a leave nothing was done with yet (its
// workflow could not be started): only while it is assessed and has no claim.
func (db *DB) DeleteRefundLeave(ctx context.Context, number string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM refund_leaves l WHERE number = $1 AND state = 'assessing' AND insured_months IS NULL
		AND NOT EXISTS (SELECT 1 FROM refund_claims c WHERE c.leave_number = l.number)`, number)
	return err
}

// RefundLeaveByNumber returns the leave. Returns CodeNotFound if none.
func (db *DB) RefundLeaveByNumber(ctx context.Context, number string) (RefundLeave, error) {
	l, err := scanRefundLeave(db.pool.QueryRow(ctx, `SELECT `+refundLeaveColumns+` FROM refund_leaves l JOIN employers e ON e.pib = l.employer_pib
		WHERE l.number = $1`, number))
	if err != nil {
		return RefundLeave{}, translate(err, "leave "+number)
	}
	return l, nil
}

// RefundLeaveFilter selects leaves: an employer's, or a centre's.
type RefundLeaveFilter struct {
	EmployerPIB string
	CentreID    string
	Limit       int // 0: 100
}

// RefundLeaves lists the leaves of the filter, the newest filed first.
// One of EmployerPIB and CentreID is required: nobody lists every leave.
func (db *DB) RefundLeaves(ctx context.Context, f RefundLeaveFilter) ([]RefundLeave, error) {
	if f.EmployerPIB == "" && f.CentreID == "" {
		return nil, domain.Errorf(domain.CodeInvalid, "list the leaves of an employer or of a centre")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	rows, err := db.pool.Query(ctx, `SELECT `+refundLeaveColumns+` FROM refund_leaves l JOIN employers e ON e.pib = l.employer_pib
		WHERE ($1 = '' OR l.employer_pib = $1) AND ($2 = '' OR l.centre_id = $2) ORDER BY l.filed_at DESC, l.number DESC LIMIT $3`,
		f.EmployerPIB, f.CentreID, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("select leaves: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RefundLeave, error) { return scanRefundLeave(r) })
}

// RefundAssessment is what the workflow found for a leave.
type RefundAssessment struct {
	State         string // active or rejected
	StateReason   string
	InsuredMonths int
	InsuredSince  *time.Time
	Rate          int
	Base          decimal.Decimal
	BirthDate     *time.Time
	Lines         json.RawMessage
	Refusal       json.RawMessage
	Evidence      json.RawMessage
}

// SaveRefundAssessment records the leave's assessment; written again (a
// retry) it replaces the first. A rejected leave stays assessed as it was.
func (db *DB) SaveRefundAssessment(ctx context.Context, number string, a RefundAssessment) error {
	tag, err := db.pool.Exec(ctx, `UPDATE refund_leaves SET insured_months = $2, insured_since = $3, rate = $4, base_gross = $5, birth_date = $6,
		lines = $7, refusal = $8, evidence = $9, state = CASE WHEN state = 'assessing' THEN $10 ELSE state END, state_reason = $11, updated_at = now()
		WHERE number = $1 AND state IN ('assessing', 'active')`,
		number, a.InsuredMonths, a.InsuredSince, a.Rate, a.Base, a.BirthDate, nullJSON(a.Lines), nullJSON(a.Refusal), nullJSON(a.Evidence), a.State, a.StateReason)
	if err != nil {
		return fmt.Errorf("save assessment of %s: %w", number, err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := db.RefundLeaveByNumber(ctx, number); err != nil {
			return err
		}
	}
	return nil
}

func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// SetRefundLeaveState records where a leave stands (rejected, ended,
// completed) and why.
func (db *DB) SetRefundLeaveState(ctx context.Context, number, state, reason string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE refund_leaves SET state = $2, state_reason = $3, updated_at = now() WHERE number = $1`, number, state, reason)
	if err != nil {
		return fmt.Errorf("set state of %s: %w", number, err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.CodeNotFound, "leave %s not found", number)
	}
	return nil
}

// EndRefundLeave records that the leave ended early, its last day being
// lastDay. The same end recorded again changes nothing; an end later
// than one recorded is refused (CodeConflict on last_day). When strict (the
// employer reports it), a month already claimed that lies wholly after
// the new last day refuses the end too; a death the population register
// states ends the leave whatever was claimed (those months are refused).
func (db *DB) EndRefundLeave(ctx context.Context, number string, lastDay time.Time, reason string, strict bool) (RefundLeave, error) {
	var out RefundLeave
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		l, err := scanRefundLeave(tx.QueryRow(ctx, `SELECT `+refundLeaveColumns+` FROM refund_leaves l JOIN employers e ON e.pib = l.employer_pib
			WHERE l.number = $1 FOR UPDATE OF l`, number))
		if err != nil {
			return translate(err, "leave "+number)
		}
		switch {
		case l.EndedOn != nil && l.EndedOn.Equal(lastDay):
			out = l
			return nil
		case l.EndedOn != nil && l.EndedOn.Before(lastDay):
			return &domain.Error{Code: domain.CodeConflict, Field: "last_day", Message: fmt.Sprintf("leave %s ended on %s already", number, l.EndedOn.Format(time.DateOnly))}
		case !lastDay.Before(l.LastDay):
			return domain.FieldError("last_day", "an early end is before the leave's last day %s", l.LastDay.Format(time.DateOnly))
		case l.State == "rejected" || l.State == "completed":
			return &domain.Error{Code: domain.CodeConflict, Field: "last_day", Message: fmt.Sprintf("leave %s is %s", number, l.State)}
		}
		if strict {
			var month *time.Time
			err := tx.QueryRow(ctx, `SELECT min(month) FROM refund_claims WHERE leave_number = $1 AND month > $2`, number, lastDay).Scan(&month)
			if err != nil {
				return fmt.Errorf("claims after the end: %w", err)
			}
			if month != nil {
				return &domain.Error{Code: domain.CodeConflict, Field: "last_day",
					Message: fmt.Sprintf("%s is claimed already and lies after the new last day", month.Format("2006-01"))}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE refund_leaves SET ended_on = $2, end_reason = $3, updated_at = now() WHERE number = $1`, number, lastDay, reason); err != nil {
			return fmt.Errorf("end leave %s: %w", number, err)
		}
		l.EndedOn, l.EndReason = &lastDay, reason
		out = l
		return nil
	})
	return out, err
}

// RefundClaim is one month's claim of a leave.
type RefundClaim struct {
	LeaveNumber     string
	Month           time.Time // the month's first day
	SalaryPaid      decimal.Decimal
	StatementKey    string
	StatementSHA256 string
	StatementType   string
	StatementSize   int64
	FiledBy         string
	FiledAt         time.Time
	State           string // filed, review, approval, decided
	// The month's calculation (nil until the workflow made it).
	Days          *int
	CertifiedDays *int
	Compensation  decimal.NullDecimal
	Refund        decimal.NullDecimal
	Lines         json.RawMessage
	Discrepancies json.RawMessage
	Evidence      json.RawMessage
}

const refundClaimColumns = `leave_number, month, salary_paid, statement_key, statement_sha256, statement_type, statement_size, filed_by, filed_at,
	state, days, certified_days, compensation, refund, lines, discrepancies, evidence`

func scanRefundClaim(r pgx.Row) (RefundClaim, error) {
	var c RefundClaim
	err := r.Scan(&c.LeaveNumber, &c.Month, &c.SalaryPaid, &c.StatementKey, &c.StatementSHA256, &c.StatementType, &c.StatementSize, &c.FiledBy,
		&c.FiledAt, &c.State, &c.Days, &c.CertifiedDays, &c.Compensation, &c.Refund, &c.Lines, &c.Discrepancies, &c.Evidence)
	return c, err
}

// FileRefundClaim records a month's claim of a leave. The month must hold
// a day of the leave as it stands (else invalid, on month), the leave may
// not be refused or completed, and a month is claimed once (CodeConflict
// on month).
func (db *DB) FileRefundClaim(ctx context.Context, c RefundClaim) (RefundClaim, error) {
	var out RefundClaim
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		l, err := scanRefundLeave(tx.QueryRow(ctx, `SELECT `+refundLeaveColumns+` FROM refund_leaves l JOIN employers e ON e.pib = l.employer_pib
			WHERE l.number = $1 FOR UPDATE OF l`, c.LeaveNumber))
		if err != nil {
			return translate(err, "leave "+c.LeaveNumber)
		}
		if l.State == "rejected" || l.State == "completed" {
			return &domain.Error{Code: domain.CodeConflict, Field: "month", Message: fmt.Sprintf("leave %s is %s: it takes no more claims", l.Number, l.State)}
		}
		m := domain.MonthOf(c.Month)
		if m.Last().Before(l.FirstDay) || m.First().After(l.End()) {
			return domain.FieldError("month", "%s is outside the leave, which runs from %s to %s", m, l.FirstDay.Format(time.DateOnly), l.End().Format(time.DateOnly))
		}
		var when time.Time
		err = tx.QueryRow(ctx, `SELECT filed_at FROM refund_claims WHERE leave_number = $1 AND month = $2`, c.LeaveNumber, m.First()).Scan(&when)
		if err == nil {
			return &domain.Error{Code: domain.CodeConflict, Field: "month", Message: fmt.Sprintf("%s of leave %s was claimed on %s", m, l.Number, when.Format(time.DateOnly))}
		} else if err != pgx.ErrNoRows {
			return err
		}
		out, err = scanRefundClaim(tx.QueryRow(ctx, `INSERT INTO refund_claims (leave_number, month, salary_paid, statement_key, statement_sha256,
			statement_type, statement_size, filed_by, filed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+refundClaimColumns,
			c.LeaveNumber, m.First(), c.SalaryPaid, c.StatementKey, c.StatementSHA256, c.StatementType, c.StatementSize, c.FiledBy, c.FiledAt))
		return translate(err, "claim "+m.String()+" of leave "+c.LeaveNumber)
	})
	return out, err
}

// DeleteRefundClaim takes back a claim nothing was done with yet (its
// workflow could not be told of it): only in state filed, uncalculated.
func (db *DB) DeleteRefundClaim(ctx context.Context, leave string, month time.Time) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM refund_claims WHERE leave_number = $1 AND month = $2 AND state = 'filed' AND days IS NULL`, leave, month)
	return err
}

// RefundClaimByMonth returns a leave's claim of a month. Returns CodeNotFound if none.
func (db *DB) RefundClaimByMonth(ctx context.Context, leave string, month time.Time) (RefundClaim, error) {
	c, err := scanRefundClaim(db.pool.QueryRow(ctx, `SELECT `+refundClaimColumns+` FROM refund_claims WHERE leave_number = $1 AND month = $2`, leave, month))
	if err != nil {
		return RefundClaim{}, translate(err, "claim "+month.Format("2006-01")+" of leave "+leave)
	}
	return c, nil
}

// RefundClaimsOf lists a leave's claims by month.
func (db *DB) RefundClaimsOf(ctx context.Context, leave string) ([]RefundClaim, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+refundClaimColumns+` FROM refund_claims WHERE leave_number = $1 ORDER BY month`, leave)
	if err != nil {
		return nil, fmt.Errorf("select claims of %s: %w", leave, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RefundClaim, error) { return scanRefundClaim(r) })
}

// RefundCalculation is a month's calculation by rule.
type RefundCalculation struct {
	Days, CertifiedDays int
	Compensation        decimal.Decimal
	Refund              decimal.Decimal
	Lines               json.RawMessage
	Discrepancies       json.RawMessage
	Evidence            json.RawMessage
}

// SaveRefundCalculation records a month's calculation (again: replaced).
func (db *DB) SaveRefundCalculation(ctx context.Context, leave string, month time.Time, k RefundCalculation) error {
	tag, err := db.pool.Exec(ctx, `UPDATE refund_claims SET days = $3, certified_days = $4, compensation = $5, refund = $6, lines = $7,
		discrepancies = $8, evidence = $9, updated_at = now() WHERE leave_number = $1 AND month = $2 AND state <> 'decided'`,
		leave, month, k.Days, k.CertifiedDays, k.Compensation, k.Refund, nullJSON(k.Lines), nullJSON(k.Discrepancies), nullJSON(k.Evidence))
	if err != nil {
		return fmt.Errorf("save calculation: %w", err)
	}
	if tag.RowsAffected() == 0 {
		_, err = db.RefundClaimByMonth(ctx, leave, month)
	}
	return err
}

// SetRefundClaimState records where a month's claim stands.
func (db *DB) SetRefundClaimState(ctx context.Context, leave string, month time.Time, state string) error {
	_, err := db.pool.Exec(ctx, `UPDATE refund_claims SET state = $3, updated_at = now() WHERE leave_number = $1 AND month = $2 AND state <> 'decided'`,
		leave, month, state)
	return err
}

// RefundDecision is a rješenje on a month of a leave, or on the leave
// (Month nil: no refund is due for it).
type RefundDecision struct {
	ID             string
	LeaveNumber    string
	Month          *time.Time
	Number         string
	CentreID       string
	Year, Seq      int
	Kind           string // grant, adjusted, rejection
	Amount         decimal.Decimal
	Reason         string
	PreparedBy     string
	ApprovedBy     string
	IssuedAt       time.Time
	DocumentKey    string
	DocumentSHA256 string
}

const refundDecisionColumns = `id::text, leave_number, month, number, centre_id, year, seq, kind, amount, reason, prepared_by, approved_by, issued_at,
	coalesce(document_key, ''), coalesce(document_sha256, '')`

func scanRefundDecision(r pgx.Row) (RefundDecision, error) {
	var d RefundDecision
	err := r.Scan(&d.ID, &d.LeaveNumber, &d.Month, &d.Number, &d.CentreID, &d.Year, &d.Seq, &d.Kind, &d.Amount, &d.Reason, &d.PreparedBy,
		&d.ApprovedBy, &d.IssuedAt, &d.DocumentKey, &d.DocumentSHA256)
	return d, err
}

// IssueRefundDecision numbers and records the decision (from the centre's
// counter, in the same transaction) and marks the month's claim decided;
// issued again for the same leave and month, it returns the first.
func (db *DB) IssueRefundDecision(ctx context.Context, d RefundDecision) (RefundDecision, error) {
	var out RefundDecision
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		existing, err := scanRefundDecision(tx.QueryRow(ctx, `SELECT `+refundDecisionColumns+` FROM refund_decisions
			WHERE leave_number = $1 AND month IS NOT DISTINCT FROM $2`, d.LeaveNumber, d.Month))
		if err == nil {
			out = existing
			return nil
		} else if err != pgx.ErrNoRows {
			return fmt.Errorf("select decision: %w", err)
		}
		if d.ID, d.Number, d.Seq, err = nextDecisionNumber(ctx, tx, d.CentreID, d.IssuedAt); err != nil {
			return err
		}
		d.Year = d.IssuedAt.Year()
		out, err = scanRefundDecision(tx.QueryRow(ctx, `INSERT INTO refund_decisions (id, leave_number, month, number, centre_id, year, seq, kind, amount,
			reason, prepared_by, approved_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+refundDecisionColumns,
			d.ID, d.LeaveNumber, d.Month, d.Number, d.CentreID, d.Year, d.Seq, d.Kind, d.Amount, d.Reason, d.PreparedBy, d.ApprovedBy, d.IssuedAt))
		if err != nil {
			return fmt.Errorf("insert decision: %w", err)
		}
		if d.Month != nil {
			_, err = tx.Exec(ctx, `UPDATE refund_claims SET state = 'decided', updated_at = now() WHERE leave_number = $1 AND month = $2`, d.LeaveNumber, *d.Month)
		}
		return err
	})
	return out, err
}

// SetRefundDecisionDocument records the decision's PDF in the object store.
func (db *DB) SetRefundDecisionDocument(ctx context.Context, id, key, sha string) error {
	_, err := db.pool.Exec(ctx, `UPDATE refund_decisions SET document_key = $2, document_sha256 = $3 WHERE id = $1`, id, key, sha)
	return err
}

// RefundDecisionByID returns the decision. Returns CodeNotFound if none.
func (db *DB) RefundDecisionByID(ctx context.Context, id string) (RefundDecision, error) {
	d, err := scanRefundDecision(db.pool.QueryRow(ctx, `SELECT `+refundDecisionColumns+` FROM refund_decisions WHERE id::text = $1`, id))
	if err != nil {
		return RefundDecision{}, translate(err, "decision "+id)
	}
	return d, nil
}

// RefundDecisionsOf lists a leave's decisions, the leave's own first, then by month.
func (db *DB) RefundDecisionsOf(ctx context.Context, leave string) ([]RefundDecision, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+refundDecisionColumns+` FROM refund_decisions WHERE leave_number = $1 ORDER BY month NULLS FIRST`, leave)
	if err != nil {
		return nil, fmt.Errorf("select decisions of %s: %w", leave, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RefundDecision, error) { return scanRefundDecision(r) })
}

// RefundPayment is a month's refund paid (or to be paid) by a payroll.
type RefundPayment struct {
	ID             int64
	PayrollID      string
	LeaveNumber    string
	Month          time.Time
	DecisionID     string
	EmployerPIB    string
	PayeeIBAN      string
	PayeeName      string
	Amount         decimal.Decimal
	FundingAccount string
	EndToEndID     string
	State          string
	Reason         string
}

const refundPaymentColumns = `id, payroll_id, leave_number, month, decision_id::text, employer_pib, payee_iban, payee_name, amount, funding_account,
	end_to_end_id, state, reason`

func scanRefundPayment(r pgx.Row) (RefundPayment, error) {
	var p RefundPayment
	err := r.Scan(&p.ID, &p.PayrollID, &p.LeaveNumber, &p.Month, &p.DecisionID, &p.EmployerPIB, &p.PayeeIBAN, &p.PayeeName, &p.Amount,
		&p.FundingAccount, &p.EndToEndID, &p.State, &p.Reason)
	return p, err
}

// PrepareRefundPayments adds to the payroll a payment for every month
// decided with a refund, of a month up to through, that no payment pays
// yet (none, or only ones the bank rejected or returned): to the leave's
// account, in the employer's name, from funding. id gives each payment's
// end-to-end id from its decision, month and attempt (the payments made
// for the month before). Run again (a retried payroll), it adds nothing.
// It returns the payments the payroll holds and their total.
func (db *DB) PrepareRefundPayments(ctx context.Context, payroll string, through time.Time, funding string,
	id func(decision string, month time.Time, attempt int) string) (int, decimal.Decimal, error) {
	n, total := 0, decimal.Zero
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.id::text, d.leave_number, d.month, d.amount, l.payee_iban, e.name, e.pib,
				(SELECT count(*) FROM refund_payments p WHERE p.leave_number = d.leave_number AND p.month = d.month)
			FROM refund_decisions d JOIN refund_leaves l ON l.number = d.leave_number JOIN employers e ON e.pib = l.employer_pib
			WHERE d.month IS NOT NULL AND d.month <= $1 AND d.amount > 0
				AND NOT EXISTS (SELECT 1 FROM refund_payments p WHERE p.leave_number = d.leave_number AND p.month = d.month
					AND p.state NOT IN ('rejected', 'returned'))
			ORDER BY d.leave_number, d.month`, through)
		if err != nil {
			return fmt.Errorf("select refunds to pay: %w", err)
		}
		type due struct {
			decision, leave, iban, name, pib string
			month                            time.Time
			amount                           decimal.Decimal
			attempts                         int
		}
		ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
			var x due
			err := r.Scan(&x.decision, &x.leave, &x.month, &x.amount, &x.iban, &x.name, &x.pib, &x.attempts)
			return x, err
		})
		if err != nil {
			return err
		}
		for _, x := range ds {
			if _, err := tx.Exec(ctx, `INSERT INTO refund_payments (payroll_id, leave_number, month, decision_id, employer_pib, payee_iban, payee_name,
				amount, funding_account, end_to_end_id, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'prepared') ON CONFLICT DO NOTHING`,
				payroll, x.leave, x.month, x.decision, x.pib, x.iban, x.name, x.amount, funding, id(x.decision, x.month, x.attempts)); err != nil {
				return fmt.Errorf("insert refund payment: %w", err)
			}
		}
		return tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(amount), 0) FROM refund_payments WHERE payroll_id = $1`, payroll).Scan(&n, &total)
	})
	return n, total, err
}

// RefundPaymentsOf lists a payroll's refund payments in a state, by end-to-end id.
func (db *DB) RefundPaymentsOf(ctx context.Context, payroll, state string) ([]RefundPayment, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+refundPaymentColumns+` FROM refund_payments WHERE payroll_id = $1 AND state = $2 ORDER BY end_to_end_id`,
		payroll, state)
	if err != nil {
		return nil, fmt.Errorf("select refund payments of %s: %w", payroll, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RefundPayment, error) { return scanRefundPayment(r) })
}

// RefundPaymentsOfLeave lists the payments of a leave's refunds, by month and attempt.
func (db *DB) RefundPaymentsOfLeave(ctx context.Context, leave string) ([]RefundPayment, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+refundPaymentColumns+` FROM refund_payments WHERE leave_number = $1 ORDER BY month, id`, leave)
	if err != nil {
		return nil, fmt.Errorf("select refund payments of %s: %w", leave, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RefundPayment, error) { return scanRefundPayment(r) })
}
