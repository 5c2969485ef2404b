package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
)

// The cash desk of a residential institution (issue 22 item 4, migration
// 00042): each resident's deposit account, its append-only entries with
// receipt numbers gapless per institution and year, the withdrawals above
// the limit waiting for the director, the monthly co-payment and the
// day's closing. Every write of an institution's desk runs in one
// transaction under the institution's lock: a receipt number, an entry
// and the balance are written together or not at all, and a closing sees
// every entry of its day.

// CashAccount is a resident's deposit account as the desk lists it.
type CashAccount struct {
	Resident
	Balance decimal.Decimal
	Owed    decimal.Decimal // co-payments the balance did not cover
	// Copayment is the resident's own part of the monthly co-payment the
	// centre's decision set (the relatives pay theirs to the centre, not
	// from the resident's deposit); nil: none set.
	Copayment *decimal.Decimal
	Pending   int // withdrawals waiting for the director
}

// CashEntry is one entry of a deposit account.
type CashEntry struct {
	ID            int64
	InstitutionID string
	PlacementID   int64
	Kind          institutions.EntryKind
	Amount        decimal.Decimal
	BalanceAfter  decimal.Decimal
	Purpose       string
	Day           time.Time
	Receipt       string
	RecordedBy    string
	ApprovedBy    string
	RecordedAt    time.Time
}

// CashWithdrawal is a withdrawal above the limit, waiting for the
// director's approval or decided.
type CashWithdrawal struct {
	ID            int64
	InstitutionID string
	PlacementID   int64
	ResidentName  string
	Kind          institutions.EntryKind
	Amount        decimal.Decimal
	Purpose       string
	State         string // pending, approved, rejected
	RequestedBy   string
	RequestedAt   time.Time
	DecidedBy     string
	DecidedAt     *time.Time
	Reason        string
	EntryID       *int64
}

// Withdrawal states.
const (
	WithdrawalPending  = "pending"
	WithdrawalApproved = "approved"
	WithdrawalRejected = "rejected"
)

// CashRecorded is what recording an entry did: the entry made, or the
// withdrawal that now waits for the director.
type CashRecorded struct {
	Entry      *CashEntry
	Withdrawal *CashWithdrawal
}

const cashEntryColumns = `id, institution_id, placement_id, kind, amount, balance_after, purpose, day, receipt, recorded_by, approved_by, recorded_at`

func scanCashEntry(r pgx.Row) (CashEntry, error) {
	var e CashEntry
	err := r.Scan(&e.ID, &e.InstitutionID, &e.PlacementID, &e.Kind, &e.Amount, &e.BalanceAfter, &e.Purpose, &e.Day, &e.Receipt,
		&e.RecordedBy, &e.ApprovedBy, &e.RecordedAt)
	return e, err
}

func collectCashEntries(rows pgx.Rows, err error) ([]CashEntry, error) {
	if err != nil {
		return nil, fmt.Errorf("cash entries: %w", err)
	}
	defer rows.Close()
	out := []CashEntry{}
	for rows.Next() {
		e, err := scanCashEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("scan cash entry: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// lockCashDesk takes the institution's cash desk for the transaction.
func lockCashDesk(ctx context.Context, tx pgx.Tx, inst string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('cash-desk'), hashtext($1))`, inst); err != nil {
		return fmt.Errorf("lock cash desk: %w", err)
	}
	return nil
}

// CashAccounts lists the deposit accounts of the residents admitted to
// institution inst now, by name (a resident with no entry yet has a zero
// balance).
func (db *DB) CashAccounts(ctx context.Context, inst string) ([]CashAccount, error) {
	residents, err := db.Residents(ctx, inst)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT p.id, coalesce(a.balance, 0), coalesce(a.owed, 0), p.resident_share,
			(SELECT count(*) FROM cash_withdrawals w WHERE w.placement_id = p.id AND w.state = 'pending')
		FROM placements p LEFT JOIN cash_accounts a ON a.placement_id = p.id
		WHERE p.institution_id = $1 AND p.state = 'admitted'`, inst)
	if err != nil {
		return nil, fmt.Errorf("cash accounts: %w", err)
	}
	defer rows.Close()
	byID := map[int64]CashAccount{}
	for rows.Next() {
		var a CashAccount
		if err := rows.Scan(&a.PlacementID, &a.Balance, &a.Owed, &a.Copayment, &a.Pending); err != nil {
			return nil, fmt.Errorf("scan cash account: %w", err)
		}
		byID[a.PlacementID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]CashAccount, 0, len(residents))
	for _, r := range residents {
		a := byID[r.PlacementID]
		a.Resident = r
		out = append(out, a)
	}
	return out, nil
}

// CashAccountOf returns the deposit account of the resident of placement
// id in institution inst; not found when they are not its resident now.
func (db *DB) CashAccountOf(ctx context.Context, inst string, id int64) (CashAccount, error) {
	list, err := db.CashAccounts(ctx, inst)
	if err != nil {
		return CashAccount{}, err
	}
	for _, a := range list {
		if a.PlacementID == id {
			return a, nil
		}
	}
	return CashAccount{}, domain.Errorf(domain.CodeNotFound, "resident %d not found", id)
}

// CashEntries lists an account's entries, oldest first.
func (db *DB) CashEntries(ctx context.Context, inst string, placement int64) ([]CashEntry, error) {
	return collectCashEntries(db.pool.Query(ctx, `SELECT `+cashEntryColumns+` FROM cash_entries
		WHERE institution_id = $1 AND placement_id = $2 ORDER BY id`, inst, placement))
}

// CashDayEntries lists the entries of the institution's day, in the order
// recorded.
func (db *DB) CashDayEntries(ctx context.Context, inst string, day time.Time) ([]CashEntry, error) {
	return collectCashEntries(db.pool.Query(ctx, `SELECT `+cashEntryColumns+` FROM cash_entries
		WHERE institution_id = $1 AND day = $2 ORDER BY id`, inst, domain.CalendarDay(day)))
}

// CashEntryByID returns an entry of institution inst.
func (db *DB) CashEntryByID(ctx context.Context, inst string, id int64) (CashEntry, error) {
	e, err := scanCashEntry(db.pool.QueryRow(ctx, `SELECT `+cashEntryColumns+` FROM cash_entries WHERE institution_id = $1 AND id = $2`, inst, id))
	if err != nil {
		return CashEntry{}, translate(err, fmt.Sprintf("entry %d", id))
	}
	return e, nil
}

// RecordCashEntry records what the cashier by paid in or out of the
// account of placement's resident at at: income and withdrawals up to the
// limit at once, with the next receipt number; a withdrawal above the
// limit waits for the director. A withdrawal that overdraws the account is
// a conflict naming the balance; the resident must be inst's now, and the
// day not closed.
func (db *DB) RecordCashEntry(ctx context.Context, inst string, placement int64, in institutions.EntryInput, by string, at time.Time) (CashRecorded, error) {
	if err := in.Check(); err != nil {
		return CashRecorded{}, err
	}
	if _, err := db.ResidentOf(ctx, inst, placement); err != nil {
		return CashRecorded{}, err
	}
	var out CashRecorded
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if err := lockCashDesk(ctx, tx, inst); err != nil {
			return err
		}
		if !institutions.NeedsApproval(in.Kind, in.Amount) {
			e, err := postCashEntry(ctx, tx, cashPosting{inst: inst, placement: placement, kind: in.Kind, amount: in.Amount,
				purpose: in.Purpose, by: by, at: at})
			out.Entry = &e
			return err
		}
		// The balance as it is now, so that the director is not asked to
		// approve what cannot be paid.
		if err := coversWithdrawal(ctx, tx, placement, in.Amount); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO cash_withdrawals (institution_id, placement_id, kind, amount, purpose, requested_by, requested_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, inst, placement, string(in.Kind), in.Amount, in.Purpose, by, at).Scan(&id); err != nil {
			return fmt.Errorf("insert withdrawal: %w", err)
		}
		w, err := cashWithdrawal(ctx, tx, inst, id, false)
		out.Withdrawal = &w
		return err
	})
	if err != nil {
		return CashRecorded{}, err
	}
	return out, nil
}

func coversWithdrawal(ctx context.Context, tx pgx.Tx, placement int64, amount decimal.Decimal) error {
	var balance decimal.Decimal
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT balance FROM cash_accounts WHERE placement_id = $1), 0)`, placement).Scan(&balance); err != nil {
		return fmt.Errorf("balance: %w", err)
	}
	if balance.LessThan(amount) {
		return overdrawn(amount, balance)
	}
	return nil
}

func overdrawn(amount, balance decimal.Decimal) error {
	return &domain.Error{Code: domain.CodeConflict, Field: "amount", Message: fmt.Sprintf(
		"a withdrawal of %s EUR overdraws the account: its balance is %s EUR", amount.StringFixed(2), balance.StringFixed(2))}
}

// cashPosting is one entry to post.
type cashPosting struct {
	inst       string
	placement  int64
	kind       institutions.EntryKind
	amount     decimal.Decimal
	purpose    string
	by         string
	approvedBy string
	at         time.Time
}

// postCashEntry writes an entry in tx, which holds the institution's desk:
// the day must be open; the receipt number is taken, the entry written,
// then the balance moved, a withdrawal only if the balance covers it (the
// conditional update is the check, so nothing is written when it fails).
func postCashEntry(ctx context.Context, tx pgx.Tx, p cashPosting) (CashEntry, error) {
	day := domain.CalendarDay(p.at)
	var closed bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cash_closings WHERE institution_id = $1 AND day = $2)`, p.inst, day).Scan(&closed); err != nil {
		return CashEntry{}, fmt.Errorf("closing of the day: %w", err)
	}
	if closed {
		return CashEntry{}, domain.Errorf(domain.CodeConflict, "the cash desk's day %s is closed: it takes no more entries", day.Format(time.DateOnly))
	}
	var seq int
	if err := tx.QueryRow(ctx, `INSERT INTO cash_receipt_counters (institution_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (institution_id, year) DO UPDATE SET last = cash_receipt_counters.last + 1 RETURNING last`, p.inst, day.Year()).Scan(&seq); err != nil {
		return CashEntry{}, fmt.Errorf("next receipt number: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO cash_accounts (placement_id, institution_id) VALUES ($1, $2) ON CONFLICT (placement_id) DO NOTHING`,
		p.placement, p.inst); err != nil {
		return CashEntry{}, fmt.Errorf("open account: %w", err)
	}
	delta := p.amount
	if !p.kind.In() {
		delta = delta.Neg()
	}
	var after decimal.Decimal
	err := tx.QueryRow(ctx, `UPDATE cash_accounts SET balance = balance + $2 WHERE placement_id = $1 AND balance + $2 >= 0 RETURNING balance`,
		p.placement, delta).Scan(&after)
	if errors.Is(err, pgx.ErrNoRows) {
		var balance decimal.Decimal
		if err := tx.QueryRow(ctx, `SELECT balance FROM cash_accounts WHERE placement_id = $1`, p.placement).Scan(&balance); err != nil {
			return CashEntry{}, fmt.Errorf("balance: %w", err)
		}
		return CashEntry{}, overdrawn(p.amount, balance)
	} else if err != nil {
		return CashEntry{}, fmt.Errorf("move balance: %w", err)
	}
	e, err := scanCashEntry(tx.QueryRow(ctx, `INSERT INTO cash_entries (institution_id, placement_id, kind, amount, balance_after, purpose, day,
			receipt_year, receipt_seq, receipt, recorded_by, approved_by, recorded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+cashEntryColumns,
		p.inst, p.placement, string(p.kind), p.amount, after, p.purpose, day, day.Year(), seq, institutions.ReceiptNumber(day.Year(), seq),
		p.by, p.approvedBy, p.at))
	if err != nil {
		return CashEntry{}, fmt.Errorf("insert cash entry: %w", err)
	}
	return e, nil
}

const cashWithdrawalColumns = `w.id, w.institution_id, w.placement_id, pe.given_name || ' ' || pe.family_name, w.kind, w.amount, w.purpose, w.state,
	w.requested_by, w.requested_at, w.decided_by, w.decided_at, w.reason, w.entry_id`

const cashWithdrawalFrom = ` FROM cash_withdrawals w JOIN placements p ON p.id = w.placement_id JOIN persons pe ON pe.id = p.person_id`

func scanCashWithdrawal(r pgx.Row) (CashWithdrawal, error) {
	var w CashWithdrawal
	err := r.Scan(&w.ID, &w.InstitutionID, &w.PlacementID, &w.ResidentName, &w.Kind, &w.Amount, &w.Purpose, &w.State,
		&w.RequestedBy, &w.RequestedAt, &w.DecidedBy, &w.DecidedAt, &w.Reason, &w.EntryID)
	return w, err
}

func cashWithdrawal(ctx context.Context, tx pgx.Tx, inst string, id int64, lock bool) (CashWithdrawal, error) {
	q := `SELECT ` + cashWithdrawalColumns + cashWithdrawalFrom + ` WHERE w.institution_id = $1 AND w.id = $2`
	if lock {
		q += ` FOR UPDATE OF w`
	}
	w, err := scanCashWithdrawal(tx.QueryRow(ctx, q, inst, id))
	if err != nil {
		return CashWithdrawal{}, translate(err, fmt.Sprintf("withdrawal %d", id))
	}
	return w, nil
}

// CashWithdrawals lists institution inst's withdrawals in state (all
// when empty), newest first.
func (db *DB) CashWithdrawals(ctx context.Context, inst, state string) ([]CashWithdrawal, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+cashWithdrawalColumns+cashWithdrawalFrom+`
		WHERE w.institution_id = $1 AND ($2 = '' OR w.state = $2) ORDER BY w.id DESC`, inst, state)
	if err != nil {
		return nil, fmt.Errorf("withdrawals: %w", err)
	}
	defer rows.Close()
	out := []CashWithdrawal{}
	for rows.Next() {
		w, err := scanCashWithdrawal(rows)
		if err != nil {
			return nil, fmt.Errorf("scan withdrawal: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DecideCashWithdrawal records the director by's approval or refusal of a
// pending withdrawal at at. Four eyes: the cashier who asked may not
// decide it (forbidden). An approval moves the money then, with a receipt
// (a conflict naming the balance if it no longer covers it, the
// withdrawal still pending); a withdrawal decided already is a conflict.
func (db *DB) DecideCashWithdrawal(ctx context.Context, inst string, id int64, approve bool, reason, by string, at time.Time) (CashWithdrawal, error) {
	var out CashWithdrawal
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if err := lockCashDesk(ctx, tx, inst); err != nil {
			return err
		}
		w, err := cashWithdrawal(ctx, tx, inst, id, true)
		if err != nil {
			return err
		}
		switch {
		case w.State != WithdrawalPending:
			return domain.Errorf(domain.CodeConflict, "withdrawal %d is %s already", id, w.State)
		case w.RequestedBy == by:
			return domain.Errorf(domain.CodeForbidden, "four eyes: the person who asked for withdrawal %d may not decide it", id)
		case !approve && len(reason) > 500:
			return domain.FieldError("reason", "is longer than 500 characters")
		}
		state := WithdrawalRejected
		var entry *int64
		if approve {
			if _, err := db.ResidentOf(ctx, inst, w.PlacementID); err != nil {
				return domain.Errorf(domain.CodeConflict, "withdrawal %d is for a person who is no longer a resident", id)
			}
			e, err := postCashEntry(ctx, tx, cashPosting{inst: inst, placement: w.PlacementID, kind: w.Kind, amount: w.Amount, purpose: w.Purpose,
				by: w.RequestedBy, approvedBy: by, at: at})
			if err != nil {
				return err
			}
			state, entry = WithdrawalApproved, &e.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE cash_withdrawals SET state = $2, decided_by = $3, decided_at = $4, reason = $5, entry_id = $6 WHERE id = $1`,
			id, state, by, at, reason, entry); err != nil {
			return fmt.Errorf("decide withdrawal %d: %w", id, err)
		}
		out, err = cashWithdrawal(ctx, tx, inst, id, false)
		return err
	})
	return out, err
}

// CopaymentLine is one resident's line of a month's co-payment charge.
type CopaymentLine struct {
	PlacementID  int64
	PersonID     domain.PersonID
	ResidentName string
	Status       string // charged now, charged before, no co-payment set, admitted after the month
	Due          decimal.Decimal
	Charged      decimal.Decimal
	Owed         decimal.Decimal
	Receipt      string
}

// The statuses of a co-payment line.
const (
	CopaymentCharged     = "charged"
	CopaymentAlready     = "already_charged"
	CopaymentNone        = "no_copayment"
	CopaymentNotResident = "not_resident"
)

// ChargeCopayments charges every resident of institution inst the
// co-payment the centre's decision set, for month (its first day), once:
// a resident charged for the month before keeps that charge; a resident
// with no co-payment set, or admitted after the month, is not charged.
// A balance that does not cover the co-payment is charged what there is
// and the rest recorded as owed (institutions.Charge). One transaction.
func (db *DB) ChargeCopayments(ctx context.Context, inst string, month time.Time, by string, at time.Time) ([]CopaymentLine, error) {
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	if month.After(domain.CalendarDay(at)) {
		return nil, domain.FieldError("month", "%s has not begun", month.Format("2006-01"))
	}
	accounts, err := db.CashAccounts(ctx, inst)
	if err != nil {
		return nil, err
	}
	out := []CopaymentLine{}
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		if err := lockCashDesk(ctx, tx, inst); err != nil {
			return err
		}
		out = out[:0]
		for _, a := range accounts {
			l, err := chargeCopayment(ctx, tx, inst, a, month, by, at)
			if err != nil {
				return err
			}
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

func chargeCopayment(ctx context.Context, tx pgx.Tx, inst string, a CashAccount, month time.Time, by string, at time.Time) (CopaymentLine, error) {
	l := CopaymentLine{PlacementID: a.PlacementID, PersonID: a.PersonID, ResidentName: a.Name}
	err := tx.QueryRow(ctx, `SELECT c.due, c.charged, c.owed, coalesce(e.receipt, '') FROM cash_copayments c LEFT JOIN cash_entries e ON e.id = c.entry_id
		WHERE c.placement_id = $1 AND c.month = $2`, a.PlacementID, month).Scan(&l.Due, &l.Charged, &l.Owed, &l.Receipt)
	switch {
	case err == nil:
		l.Status = CopaymentAlready
		return l, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return l, fmt.Errorf("co-payment of %d: %w", a.PlacementID, err)
	case a.Copayment == nil || a.Copayment.IsZero():
		l.Status = CopaymentNone
		return l, nil
	case a.AdmittedOn.After(month.AddDate(0, 1, -1)):
		l.Status = CopaymentNotResident
		return l, nil
	}
	var balance decimal.Decimal
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT balance FROM cash_accounts WHERE placement_id = $1), 0)`, a.PlacementID).Scan(&balance); err != nil {
		return l, fmt.Errorf("balance: %w", err)
	}
	l.Due = *a.Copayment
	l.Charged, l.Owed = institutions.Charge(l.Due, balance)
	var entry *int64
	if l.Charged.IsPositive() {
		e, err := postCashEntry(ctx, tx, cashPosting{inst: inst, placement: a.PlacementID, kind: institutions.EntryCopayment, amount: l.Charged,
			purpose: month.Format("2006-01"), by: by, at: at})
		if err != nil {
			return l, err
		}
		entry, l.Receipt = &e.ID, e.Receipt
	}
	if l.Owed.IsPositive() {
		if _, err := tx.Exec(ctx, `INSERT INTO cash_accounts (placement_id, institution_id, owed) VALUES ($1, $2, $3)
			ON CONFLICT (placement_id) DO UPDATE SET owed = cash_accounts.owed + $3`, a.PlacementID, inst, l.Owed); err != nil {
			return l, fmt.Errorf("record owed: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO cash_copayments (placement_id, month, institution_id, due, charged, owed, entry_id, charged_by, charged_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, a.PlacementID, month, inst, l.Due, l.Charged, l.Owed, entry, by, at); err != nil {
		return l, fmt.Errorf("record co-payment: %w", err)
	}
	l.Status = CopaymentCharged
	return l, nil
}

// CashStatement is a resident's monthly statement: the balance the month
// opened with, its entries and the balance it closed with.
type CashStatement struct {
	Account CashAccount
	Month   time.Time
	Opening decimal.Decimal
	Entries []CashEntry
	Closing decimal.Decimal
	In, Out decimal.Decimal
}

// CashStatementOf returns the statement of the account of placement's
// resident (inst's now) for month.
func (db *DB) CashStatementOf(ctx context.Context, inst string, placement int64, month time.Time) (CashStatement, error) {
	a, err := db.CashAccountOf(ctx, inst, placement)
	if err != nil {
		return CashStatement{}, err
	}
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	s := CashStatement{Account: a, Month: from, In: decimal.Zero, Out: decimal.Zero}
	if err := db.pool.QueryRow(ctx, `SELECT coalesce((SELECT balance_after FROM cash_entries WHERE placement_id = $1 AND day < $2
		ORDER BY id DESC LIMIT 1), 0)`, placement, from).Scan(&s.Opening); err != nil {
		return CashStatement{}, fmt.Errorf("opening balance: %w", err)
	}
	s.Entries, err = collectCashEntries(db.pool.Query(ctx, `SELECT `+cashEntryColumns+` FROM cash_entries
		WHERE institution_id = $1 AND placement_id = $2 AND day >= $3 AND day < $4 ORDER BY id`, inst, placement, from, from.AddDate(0, 1, 0)))
	if err != nil {
		return CashStatement{}, err
	}
	s.Closing = s.Opening
	for _, e := range s.Entries {
		if e.Kind.In() {
			s.In = s.In.Add(e.Amount)
		} else {
			s.Out = s.Out.Add(e.Amount)
		}
		s.Closing = e.BalanceAfter
	}
	return s, nil
}

// CashClosing is a day's closing of an institution's cash desk.
type CashClosing struct {
	InstitutionID        string
	Day                  time.Time
	institutions.Closing // its Expected and Difference as recorded (the table checks them)
	Explanation          string
	Entries              int
	ClosedBy             string
	ClosedAt             time.Time
}

const cashClosingColumns = `institution_id, day, opening, ins, outs, counted, expected, difference, explanation, entries, closed_by, closed_at`

func scanCashClosing(r pgx.Row) (CashClosing, error) {
	var c CashClosing
	var expected, difference decimal.Decimal // = c.Expected(), c.Difference() (CHECK of cash_closings)
	err := r.Scan(&c.InstitutionID, &c.Day, &c.Opening, &c.Ins, &c.Outs, &c.Counted, &expected, &difference, &c.Explanation,
		&c.Entries, &c.ClosedBy, &c.ClosedAt)
	return c, err
}

// CashDayTotals is what a day's closing would record now: the opening
// (the last closing's counted cash before the day, with the net of the
// days in between that were not closed), the ins and the outs
// of the day's entries and how many there are.
func (db *DB) CashDayTotals(ctx context.Context, inst string, day time.Time) (institutions.Closing, int, error) {
	return cashDayTotals(ctx, db.pool, inst, domain.CalendarDay(day))
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func cashDayTotals(ctx context.Context, q queryRower, inst string, day time.Time) (institutions.Closing, int, error) {
	c := institutions.Closing{}
	var n int
	// The opening is the cash counted at the last closing before the day,
	// plus what the days since then that nobody closed took in and paid out.
	err := q.QueryRow(ctx, `WITH last AS (SELECT day, counted FROM cash_closings WHERE institution_id = $1 AND day < $2 ORDER BY day DESC LIMIT 1)
		SELECT coalesce((SELECT counted FROM last), 0) + coalesce((SELECT sum(CASE WHEN kind IN ('pension', 'benefit', 'family') THEN amount ELSE -amount END)
				FROM cash_entries WHERE institution_id = $1 AND day < $2 AND day > coalesce((SELECT day FROM last), '-infinity'::date)), 0),
			coalesce(sum(amount) FILTER (WHERE kind IN ('pension', 'benefit', 'family')), 0),
			coalesce(sum(amount) FILTER (WHERE kind NOT IN ('pension', 'benefit', 'family')), 0),
			count(*)
		FROM cash_entries WHERE institution_id = $1 AND day = $2`, inst, day).Scan(&c.Opening, &c.Ins, &c.Outs, &n)
	if err != nil {
		return c, 0, fmt.Errorf("day's totals: %w", err)
	}
	return c, n, nil
}

// CloseCashDay records the closing of institution inst's day by the
// cashier by: the day's ins and outs, the cash expected and the cash
// counted, a difference with its explanation. A day closed already, or
// one not yet begun, is refused; afterwards the day takes no entries.
func (db *DB) CloseCashDay(ctx context.Context, inst string, day time.Time, counted decimal.Decimal, explanation, by string, at time.Time) (CashClosing, error) {
	day = domain.CalendarDay(day)
	if day.After(domain.CalendarDay(at)) {
		return CashClosing{}, domain.FieldError("day", "%s has not begun", day.Format(time.DateOnly))
	}
	var out CashClosing
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if err := lockCashDesk(ctx, tx, inst); err != nil {
			return err
		}
		var known bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM institutions WHERE id = $1)`, inst).Scan(&known); err != nil {
			return fmt.Errorf("institution: %w", err)
		} else if !known {
			return domain.Errorf(domain.CodeNotFound, "institution %q not found", inst)
		}
		c, n, err := cashDayTotals(ctx, tx, inst, day)
		if err != nil {
			return err
		}
		c.Counted = counted
		if err := institutions.CheckClosing(c, explanation); err != nil {
			return err
		}
		out, err = scanCashClosing(tx.QueryRow(ctx, `INSERT INTO cash_closings (institution_id, day, opening, ins, outs, expected, counted, difference,
				explanation, entries, closed_by, closed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (institution_id, day) DO NOTHING RETURNING `+cashClosingColumns,
			inst, day, c.Opening, c.Ins, c.Outs, c.Expected(), c.Counted, c.Difference(), explanation, n, by, at))
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.CodeConflict, "the cash desk's day %s is closed already", day.Format(time.DateOnly))
		}
		return err
	})
	return out, err
}

// CashClosings lists institution inst's closings, newest first.
func (db *DB) CashClosings(ctx context.Context, inst string) ([]CashClosing, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+cashClosingColumns+` FROM cash_closings WHERE institution_id = $1 ORDER BY day DESC`, inst)
	if err != nil {
		return nil, fmt.Errorf("closings: %w", err)
	}
	defer rows.Close()
	out := []CashClosing{}
	for rows.Next() {
		c, err := scanCashClosing(rows)
		if err != nil {
			return nil, fmt.Errorf("scan closing: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
