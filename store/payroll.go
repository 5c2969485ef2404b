package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// PayableRight is a right a payroll settles, with what it needs: its
// versions and, by month, what was already paid for it.
type PayableRight struct {
	EntitlementID string
	Benefit       string
	Periodicity   string // monthly or one_off
	Amount        decimal.Decimal
	ValidFrom     time.Time
	PayeeIBAN     string
	PayeeName     string
	Municipality  string
	// Channel is the right's channel: bank, or post (child allowance).
	Channel string
	// The address the Post pays to: the child's for child allowance
	// (post_person_id), the beneficiary's otherwise.
	PostSettlement, PostStreet, PostMunicipality string
	// Deduction is taken from every monthly payment, as a decision ordered.
	Deduction       decimal.Decimal
	DeductionReason string
	// DeductionFrom, when set, is the first month the deduction is taken
	// (nil: every month).
	DeductionFrom *time.Time
	// SuspendedFrom, when set, is the first month the right pays nothing
	// (a decision suspended or ended it).
	SuspendedFrom *time.Time
	// Timeline is the right's versions (nil when none is stored).
	Timeline domain.Timeline
	// Paid is what other payrolls paid for each month, by month.
	Paid map[domain.Month]PaidMonth
}

// PaidMonth is what other payrolls did for a right's month.
type PaidMonth struct {
	// Paid is the sum of the month's payments that stand (prepared, sent,
	// paid; not exception, rejected, returned) less the overpayments
	// already recorded for it.
	Paid decimal.Decimal
	// Standing counts the payments that stand: none means the month was
	// never paid (a payment for it is 'regular'), some that it was (a new
	// one is a 'difference').
	Standing int
	// Payments counts every payment of the month, whatever its state: the
	// next one is attempt Payments and gets an end-to-end id of its own.
	Payments int
}

// EnsurePayroll records the payroll of a month once.
func (db *DB) EnsurePayroll(ctx context.Context, id string, period time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO payrolls (id, period) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, id, period)
	if err != nil {
		return fmt.Errorf("insert payroll %s: %w", id, err)
	}
	return nil
}

// SetPayrollState records where a payroll stands and who acted. Approved,
// its payment lines are appended to the statistics' facts in the same
// transaction (bi.go).
func (db *DB) SetPayrollState(ctx context.Context, id, state, preparedBy, approvedBy string) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE payrolls SET state = $2, prepared_by = coalesce(nullif($3, ''), prepared_by),
			approved_by = coalesce(nullif($4, ''), approved_by), updated_at = now() WHERE id = $1`, id, state, preparedBy, approvedBy)
		if err != nil {
			return fmt.Errorf("set payroll %s: %w", id, err)
		}
		if state == "approved" {
			return feedPayroll(ctx, tx, id)
		}
		return nil
	})
}

// EachPayableRights calls fn, in entitlement order, with pages of at most
// size rights a payroll settles for the months from through through: the
// monthly and one-off rights that started by through and had not ended
// before from, each with its versions and, by month since from, what
// payrolls other than payroll paid for it (so that a payroll run again
// after a crash computes the same payments). The rights are read in one
// pass, streamed; each page's versions and paid sums are read by two more
// queries over the page's range of ids, side by side, while the next page
// is being read (issue 24: the cursor waited on them before). No page is
// held after fn returns.
func (db *DB) EachPayableRights(ctx context.Context, payroll string, from, through time.Time, size int, fn func([]PayableRight) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []PayableRight, 1)
	free := make(chan []PayableRight, 3) // one being read, one waiting, one in fn
	for range 3 {
		free <- make([]PayableRight, 0, size)
	}
	read := make(chan error, 1)
	go func() {
		defer close(pages)
		read <- db.readPayableRights(ctx, from, through, size, pages, free)
	}()
	var err error
	for page := range pages {
		if err == nil {
			err = db.completePage(ctx, page, payroll, from)
		}
		if err == nil {
			err = fn(page)
		}
		if err != nil {
			cancel() // the reader stops; the pages it sent are drained
		}
		clear(page)
		free <- page[:0]
	}
	return errors.Join(err, ignoreCancel(<-read, err))
}

// ignoreCancel drops the reader's context error when the pipeline was
// stopped because of err.
func ignoreCancel(readErr, err error) error {
	if err != nil && errors.Is(readErr, context.Canceled) {
		return nil
	}
	return readErr
}

// readPayableRights streams the payable rights in id order into pages of
// size, taken from free and sent on pages.
func (db *DB) readPayableRights(ctx context.Context, from, through time.Time, size int, pages chan<- []PayableRight, free <-chan []PayableRight) error {
	const q = `
		SELECT e.id::text, e.benefit, e.periodicity, e.amount, e.valid_from, e.payee_iban, p.given_name || ' ' || p.family_name, p.municipality,
			e.channel, a.settlement, a.street, a.municipality, e.deduction, e.deduction_reason, e.deduction_from, e.suspended_from
		FROM entitlements e JOIN persons p ON p.id = e.beneficiary_id JOIN persons a ON a.id = coalesce(e.post_person_id, e.beneficiary_id)
		WHERE e.periodicity IN ('monthly', 'one_off') AND e.valid_from <= $1 AND (e.state <> 'ended' OR e.valid_to IS NULL OR e.valid_to >= $2)
		ORDER BY e.id`
	send := func(page []PayableRight) error {
		select {
		case pages <- page:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	page := <-free
	// One backend reads the rights, without parallel workers: the reader
	// is not what the payroll waits for (it waits on Karton reading its
	// rows), and on two cores shared with the COPY and the computing, the
	// workers' merge cost 9.2-9.7 CPU-s against 6.9-7.4 for one process
	// reading 1.7M rights (issue 24). Read-only, in its own transaction,
	// so that the setting ends with it.
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("select payable rights: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, `SET LOCAL max_parallel_workers_per_gather = 0`); err != nil {
		return fmt.Errorf("select payable rights: %w", err)
	}
	rows, err := tx.Query(ctx, q, through, from)
	if err != nil {
		return fmt.Errorf("select payable rights: %w", err)
	}
	var x PayableRight
	_, err = pgx.ForEachRow(rows, []any{&x.EntitlementID, &x.Benefit, &x.Periodicity, &x.Amount, &x.ValidFrom, &x.PayeeIBAN, &x.PayeeName,
		&x.Municipality, &x.Channel, &x.PostSettlement, &x.PostStreet, &x.PostMunicipality, &x.Deduction, &x.DeductionReason,
		&x.DeductionFrom, &x.SuspendedFrom},
		func() error {
			page = append(page, x)
			if len(page) < size {
				return nil
			}
			if err := send(page); err != nil {
				return err
			}
			select {
			case page = <-free:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	if err != nil {
		return fmt.Errorf("select payable rights: %w", err)
	}
	if len(page) == 0 {
		return nil
	}
	return send(page)
}

// completePage reads a page's versions and paid sums, side by side, over
// the page's range of ids (one index range each instead of a probe per
// right; the rights in the range that are not on the page are skipped).
func (db *DB) completePage(ctx context.Context, page []PayableRight, payroll string, from time.Time) error {
	first, last := page[0].EntitlementID, page[len(page)-1].EntitlementID
	var terr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		terr = db.readTimelines(ctx, page)
	}()
	paid, err := db.paidOf(ctx, first, last, payroll, from)
	<-done
	if err = errors.Join(err, terr); err != nil {
		return err
	}
	for i := range page {
		page[i].Paid = paid[page[i].EntitlementID]
	}
	return nil
}

// readTimelines reads the versions of the page's rights into their
// Timelines. The versions come in id order, as the page does, and are
// merged into it: read into a map by id first, they took 2.1 CPU-s of a
// payroll of 1.7M rights, and merged 1.55 (issue 24).
func (db *DB) readTimelines(ctx context.Context, page []PayableRight) error {
	m, err := newTimelineMerge(page)
	if err != nil {
		return err
	}
	rows, err := db.pool.Query(ctx, `SELECT entitlement_id, seq, valid_from, valid_to, amount, state, reason, ref
		FROM entitlement_versions WHERE entitlement_id BETWEEN $1::uuid AND $2::uuid ORDER BY entitlement_versions.entitlement_id, seq`,
		page[0].EntitlementID, page[len(page)-1].EntitlementID)
	if err != nil {
		return fmt.Errorf("select versions: %w", err)
	}
	var id [16]byte
	var v domain.RightVersion
	_, err = pgx.ForEachRow(rows, []any{&id, &v.Seq, &v.From, &v.To, &v.Amount, &v.State, &v.Reason, &v.Ref}, func() error {
		m.add(id, v)
		return nil
	})
	if err != nil {
		return fmt.Errorf("select versions: %w", err)
	}
	m.finish()
	return nil
}

// timelineMerge places versions, read in id order, on the rights of a
// page in the same order: each right's versions are one run of a slice
// shared by the page.
type timelineMerge struct {
	page     []PayableRight
	ids      [][16]byte // the page's ids, as PostgreSQL orders them
	at       int        // the right the versions are for now
	versions []domain.RightVersion
	start    int // where page[at]'s versions begin in versions
}

func newTimelineMerge(page []PayableRight) (*timelineMerge, error) {
	m := &timelineMerge{page: page, ids: make([][16]byte, len(page)), versions: make([]domain.RightVersion, 0, len(page))}
	for i, r := range page {
		id, err := uuid.Parse(r.EntitlementID)
		if err != nil {
			return nil, fmt.Errorf("right %q: %w", r.EntitlementID, err)
		}
		m.ids[i] = id
		page[i].Timeline = nil
	}
	return m, nil
}

// add places version v of the right id: on the page's right with that id,
// or nowhere when the right is in the page's range but not on it.
func (m *timelineMerge) add(id [16]byte, v domain.RightVersion) {
	for m.at < len(m.ids) && bytes.Compare(m.ids[m.at][:], id[:]) < 0 {
		m.end()
		m.at++
	}
	if m.at < len(m.ids) && m.ids[m.at] == id {
		m.versions = append(m.versions, v)
	}
}

// end gives page[at] the versions placed since the last run ended; the
// run's capacity ends with it, so that no append to one right's Timeline
// writes over the next right's.
func (m *timelineMerge) end() {
	if n := len(m.versions); n > m.start {
		m.page[m.at].Timeline = m.versions[m.start:n:n]
		m.start = n
	}
}

// finish ends the last run.
func (m *timelineMerge) finish() {
	if m.at < len(m.ids) {
		m.end()
	}
}

// paidSumsSQL sums what other payrolls paid and recorded as overpaid for
// the rights with ids from $1 to $4, by right and month since $3.
const paidSumsSQL = `
		WITH p AS (
			SELECT entitlement_id, period, coalesce(sum(amount) FILTER (WHERE state IN ('prepared', 'sent', 'paid')), 0) AS paid,
				count(*) FILTER (WHERE state IN ('prepared', 'sent', 'paid')) AS standing, count(*) AS payments
			FROM payments WHERE entitlement_id BETWEEN $1::uuid AND $4::uuid AND payroll_id <> $2 AND period >= $3 GROUP BY 1, 2),
		o AS (
			SELECT entitlement_id, period, sum(amount) AS over FROM overpayments
			WHERE entitlement_id BETWEEN $1::uuid AND $4::uuid AND payroll_id <> $2 AND period >= $3 GROUP BY 1, 2)
		SELECT coalesce(p.entitlement_id, o.entitlement_id)::text, coalesce(p.period, o.period),
			coalesce(p.paid, 0) - coalesce(o.over, 0), coalesce(p.standing, 0), coalesce(p.payments, 0)
		FROM p FULL JOIN o ON o.entitlement_id = p.entitlement_id AND o.period = p.period`

// paidOf sums, in one aggregate, what payrolls other than payroll paid
// for each month since from of the rights with ids from first to last.
//
// It is planned for the table as it is at each page, never from a plan
// kept on the connection: the payroll's own COPY fills payments while its
// pages are read, and a statement kept prepared settles, after five runs,
// on the plan it made for the table as it was then. A new system's first
// payroll (payments analysed empty, as the benchmark's) kept a sequential
// scan, and scanned every payment it had stored so far for each page of
// 5,000 rights until autovacuum analysed the table and the plan was made
// again: 0.10-0.28 PostgreSQL backends busy on this query in four runs of
// 1.7M rights (the compute + store 59-71 s), none seen in two (53-54 s)
// (issue 24). Planning it anew costs one more round trip a page
// (describing the statement).
func (db *DB) paidOf(ctx context.Context, first, last, payroll string, from time.Time) (map[string]map[domain.Month]PaidMonth, error) {
	rows, err := db.pool.Query(ctx, paidSumsSQL, pgx.QueryExecModeDescribeExec, first, payroll, from, last)
	if err != nil {
		return nil, fmt.Errorf("sum paid months: %w", err)
	}
	out := map[string]map[domain.Month]PaidMonth{}
	var id string
	var period time.Time
	var pm PaidMonth
	_, err = pgx.ForEachRow(rows, []any{&id, &period, &pm.Paid, &pm.Standing, &pm.Payments}, func() error {
		if out[id] == nil {
			out[id] = map[domain.Month]PaidMonth{}
		}
		out[id][domain.MonthOf(period)] = pm
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sum paid months: %w", err)
	}
	return out, nil
}

// Overpayment is a month paid above what its versions owe, found by a
// payroll: recorded once, recovered only by a decision.
type Overpayment struct {
	EntitlementID string
	Period        time.Time
	PayrollID     string
	Amount        decimal.Decimal
	Lines         []domain.PaymentLine
	State         string
}

// RecordOverpayments records overpayments a payroll found; one found again
// by the same payroll (a rerun) is not added twice.
func (db *DB) RecordOverpayments(ctx context.Context, os []Overpayment) error {
	if len(os) == 0 {
		return nil
	}
	batch := &pgx.Batch{}
	for _, o := range os {
		lines, _ := json.Marshal(o.Lines)
		batch.Queue(`INSERT INTO overpayments (entitlement_id, period, payroll_id, amount, lines) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, o.EntitlementID, o.Period, o.PayrollID, o.Amount, lines)
	}
	if err := db.pool.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("record overpayments: %w", err)
	}
	return nil
}

// Overpayments lists a right's overpayments by month.
func (db *DB) Overpayments(ctx context.Context, entitlement string) ([]Overpayment, error) {
	rows, err := db.pool.Query(ctx, `SELECT entitlement_id::text, period, payroll_id, amount, lines, state FROM overpayments
		WHERE entitlement_id = $1 ORDER BY period, created_at`, entitlement)
	if err != nil {
		return nil, fmt.Errorf("select overpayments of %s: %w", entitlement, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Overpayment, error) {
		var o Overpayment
		var lines []byte
		err := r.Scan(&o.EntitlementID, &o.Period, &o.PayrollID, &o.Amount, &lines, &o.State)
		if err == nil {
			err = json.Unmarshal(lines, &o.Lines)
		}
		return o, err
	})
}

// payrollLock is the advisory lock a payroll holds while it is prepared.
const payrollLock = 0x4b61_7274_6f6e_0016 // "Karton", issue 16

// LockPayrolls takes the lock that only one payroll at a time holds while
// its payments are computed (two months prepared side by side would both
// pay a month's difference). It is held on a connection of its own until
// release is called, or that connection ends (a worker killed mid-way).
// Returns CodeConflict when another payroll holds it.
func (db *DB) LockPayrolls(ctx context.Context) (release func(), err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock payrolls: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(payrollLock)).Scan(&ok); err != nil {
		conn.Release()
		return nil, fmt.Errorf("lock payrolls: %w", err)
	}
	if !ok {
		conn.Release()
		return nil, domain.Errorf(domain.CodeConflict, "another payroll is being prepared")
	}
	return func() {
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(payrollLock)); err != nil {
			conn.Conn().Close(context.Background()) // closing the session ends its lock
		}
		conn.Release()
	}, nil
}

// PreparingPayroll returns the id of a payroll other than id still being
// prepared, or "".
func (db *DB) PreparingPayroll(ctx context.Context, id string) (string, error) {
	var other string
	err := db.pool.QueryRow(ctx, `SELECT id FROM payrolls WHERE state = 'preparing' AND id <> $1 ORDER BY period LIMIT 1`, id).Scan(&other)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("select preparing payroll: %w", err)
	}
	return other, nil
}

// Payment is one payment row.
type Payment struct {
	ID             int64
	PayrollID      string
	EntitlementID  string
	Period         time.Time
	Amount         decimal.Decimal
	Channel        string
	PayeeIBAN      string
	PayeeName      string
	Benefit        string
	Municipality   string
	FundingAccount string
	EndToEndID     string
	State          string
	Reason         string
	Lines          []domain.PaymentLine
	// Kind is regular (a month never paid before), difference (a month
	// paid before at another amount) or one_off.
	Kind string
	// The Post's address (the municipality is Municipality).
	Settlement, Street string
}

// InsertPayments writes payments once: by COPY when none exists yet, else
// by a COPY into a temporary table and one INSERT that skips any (right,
// month) already paid or prepared, so a retried or re-run payroll writes
// each payment once. It returns how many rows were new.
func (db *DB) InsertPayments(ctx context.Context, ps []Payment) (int64, error) {
	cols := []string{"payroll_id", "entitlement_id", "period", "amount", "channel", "payee_iban", "payee_name", "benefit",
		"municipality", "funding_account", "end_to_end_id", "state", "reason", "lines", "kind", "settlement", "street"}
	source := func() pgx.CopyFromSource {
		return pgx.CopyFromSlice(len(ps), func(i int) ([]any, error) {
			p := ps[i]
			lines := linesJSON(p.Lines)
			// The id as a UUID: a string would make pgx fail its binary
			// plan and fall back to parsing text, for every row.
			id, err := uuid.Parse(p.EntitlementID)
			if err != nil {
				return nil, fmt.Errorf("payment of entitlement %q: %w", p.EntitlementID, err)
			}
			return []any{p.PayrollID, pgtype.UUID{Bytes: id, Valid: true}, p.Period, p.Amount, p.Channel, p.PayeeIBAN, p.PayeeName, p.Benefit,
				p.Municipality, p.FundingAccount, p.EndToEndID, p.State, p.Reason, lines, p.Kind, p.Settlement, p.Street}, nil
		})
	}
	// Fast path: none of these payments exists yet, so COPY them straight
	// in. If any does (a retry after a crash), the whole COPY fails and the
	// slow path below skips the ones that exist.
	var n int64
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		n, err = tx.CopyFrom(ctx, pgx.Identifier{"payments"}, cols, source())
		return err
	})
	if err == nil {
		return n, nil
	}
	if domain.ErrorCode(translate(err, "")) != domain.CodeConflict {
		return 0, fmt.Errorf("copy payments: %w", err)
	}
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TEMP TABLE payments_in (LIKE payments INCLUDING DEFAULTS) ON COMMIT DROP`)
		if err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"payments_in"}, cols, source())
		if err != nil {
			return fmt.Errorf("copy payments: %w", err)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO payments (`+joinCols(cols)+`) SELECT `+joinCols(cols)+` FROM payments_in
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("insert payments: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return n, err
}

func joinCols(cols []string) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += c
	}
	return s
}

// PaymentsOf lists a payroll's payments in a channel ("" for both) and
// state ("" for any), by end-to-end id. The files read the bank's a page
// at a time (TransfersPage), never all at once.
func (db *DB) PaymentsOf(ctx context.Context, payroll, channel, state string) ([]Payment, error) {
	const q = `SELECT id, payroll_id, entitlement_id::text, period, amount, channel, payee_iban, payee_name, benefit, municipality,
		funding_account, end_to_end_id, state, reason, kind, settlement, street FROM payments
		WHERE payroll_id = $1 AND ($2 = '' OR channel = $2) AND ($3 = '' OR state = $3)
		ORDER BY end_to_end_id`
	rows, err := db.pool.Query(ctx, q, payroll, channel, state)
	if err != nil {
		return nil, fmt.Errorf("select payments of %s: %w", payroll, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payment, error) {
		var p Payment
		err := r.Scan(&p.ID, &p.PayrollID, &p.EntitlementID, &p.Period, &p.Amount, &p.Channel, &p.PayeeIBAN, &p.PayeeName, &p.Benefit,
			&p.Municipality, &p.FundingAccount, &p.EndToEndID, &p.State, &p.Reason, &p.Kind, &p.Settlement, &p.Street)
		return p, err
	})
}

// TransfersPage lists at most limit of a payroll's prepared bank payments
// by end-to-end id, after the given one, with only what a pain.001 file
// carries of them (end-to-end id, amount, payee, account, and the benefit,
// month and kind of the remittance): the files read a month's payments
// back a file at a time, and the columns they do not write cost reading,
// sending and scanning 1.7M times (issue 24).
func (db *DB) TransfersPage(ctx context.Context, payroll, after string, limit int) ([]Payment, error) {
	const q = `SELECT end_to_end_id, amount, payee_name, payee_iban, benefit, period, kind FROM payments
		WHERE payroll_id = $1 AND channel = 'bank' AND state = 'prepared' AND end_to_end_id > $2
		ORDER BY end_to_end_id LIMIT $3`
	rows, err := db.pool.Query(ctx, q, payroll, after, limit)
	if err != nil {
		return nil, fmt.Errorf("select transfers of %s: %w", payroll, err)
	}
	out := make([]Payment, 0, limit)
	var p Payment
	_, err = pgx.ForEachRow(rows, []any{&p.EndToEndID, &p.Amount, &p.PayeeName, &p.PayeeIBAN, &p.Benefit, &p.Period, &p.Kind}, func() error {
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select transfers of %s: %w", payroll, err)
	}
	return out, nil
}

// PaymentFile is a file of a payroll kept in the object store.
type PaymentFile struct {
	PayrollID string
	Name      string
	Kind      string
	ObjectKey string
	SHA256    string
	Transfers int
	Total     decimal.Decimal
}

// SavePaymentFile records a file (again: the same name replaces the row).
func (db *DB) SavePaymentFile(ctx context.Context, f PaymentFile) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO payment_files (payroll_id, name, kind, object_key, sha256, transfers, total)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (payroll_id, name) DO UPDATE SET object_key = excluded.object_key,
		sha256 = excluded.sha256, transfers = excluded.transfers, total = excluded.total`,
		f.PayrollID, f.Name, f.Kind, f.ObjectKey, f.SHA256, f.Transfers, f.Total)
	if err != nil {
		return fmt.Errorf("save payment file %s: %w", f.Name, err)
	}
	return nil
}

// PaymentFiles lists a payroll's files by name.
func (db *DB) PaymentFiles(ctx context.Context, payroll string) ([]PaymentFile, error) {
	rows, err := db.pool.Query(ctx, `SELECT payroll_id, name, kind, object_key, sha256, transfers, total FROM payment_files
		WHERE payroll_id = $1 ORDER BY name`, payroll)
	if err != nil {
		return nil, fmt.Errorf("select payment files: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PaymentFile, error) {
		var f PaymentFile
		err := r.Scan(&f.PayrollID, &f.Name, &f.Kind, &f.ObjectKey, &f.SHA256, &f.Transfers, &f.Total)
		return f, err
	})
}

// PayrollSummary is the total of a payroll by benefit, municipality, channel and state.
type PayrollSummary struct {
	Benefit, Municipality, Channel, State string
	Count                                 int
	Total                                 decimal.Decimal
}

// The payroll's batches that pay no benefit, as its summary names them
// in place of a benefit's code: the employers' refunds (issue 18) and the
// providers' cost reports (issue 23), each a transfer of the files.
const (
	PayrollRefunds      = "employer_refunds"
	PayrollServiceCosts = "service_costs"
)

// SummarisePayroll totals a payroll's payments, with the employers'
// refunds and the providers' cost reports it pays: every transfer of the
// files is counted once.
func (db *DB) SummarisePayroll(ctx context.Context, payroll string) ([]PayrollSummary, error) {
	rows, err := db.pool.Query(ctx, `SELECT benefit, municipality, channel, state, count(*), sum(amount) FROM payments
		WHERE payroll_id = $1 GROUP BY 1, 2, 3, 4
		UNION ALL SELECT '`+PayrollRefunds+`', '', 'bank', state, count(*), sum(amount) FROM refund_payments
		WHERE payroll_id = $1 GROUP BY 4
		UNION ALL SELECT '`+PayrollServiceCosts+`', '', 'bank', state, count(*), sum(amount) FROM service_cost_payments
		WHERE payroll_id = $1 GROUP BY 4
		ORDER BY 1, 2, 3, 4`, payroll)
	if err != nil {
		return nil, fmt.Errorf("summarise payroll: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PayrollSummary, error) {
		var s PayrollSummary
		err := r.Scan(&s.Benefit, &s.Municipality, &s.Channel, &s.State, &s.Count, &s.Total)
		return s, err
	})
}

// Payroll is a month's payroll record.
type Payroll struct {
	ID         string
	Period     time.Time
	State      string
	PreparedBy string
	ApprovedBy string
	UpdatedAt  time.Time
}

// PayrollByID returns the payroll. Returns CodeNotFound if none.
func (db *DB) PayrollByID(ctx context.Context, id string) (Payroll, error) {
	var p Payroll
	err := db.pool.QueryRow(ctx, `SELECT id, period, state, coalesce(prepared_by, ''), coalesce(approved_by, ''), updated_at
		FROM payrolls WHERE id = $1`, id).Scan(&p.ID, &p.Period, &p.State, &p.PreparedBy, &p.ApprovedBy, &p.UpdatedAt)
	if err != nil {
		return Payroll{}, translate(err, "payroll "+id)
	}
	return p, nil
}

// ApplyBankAnswer marks the payroll's payments (and its employers'
// refunds) sent, rejected, paid or returned, in one transaction. Every
// end-to-end id must belong to a payment of the payroll; otherwise nothing is applied and the error
// (CodeInvalid) lists the ones that match nothing. It returns the counts
// by new state.
func (db *DB) ApplyBankAnswer(ctx context.Context, payroll string, a domain.BankAnswer) (map[string]int, error) {
	counts := map[string]int{}
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var reversed []string // rejected or returned: a reversal in the statistics (bi.go)
		ids := map[string]bool{}
		for _, s := range a.Statuses {
			ids[s.EndToEndID] = true
		}
		for _, b := range a.Booked {
			ids[b] = true
		}
		for _, r := range a.Returned {
			ids[r.EndToEndID] = true
		}
		list := make([]string, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		rows, err := tx.Query(ctx, `SELECT x FROM unnest($1::text[]) AS x WHERE NOT EXISTS
			(SELECT 1 FROM payments p WHERE p.end_to_end_id = x AND p.payroll_id = $2) AND NOT EXISTS
			(SELECT 1 FROM refund_payments r WHERE r.end_to_end_id = x AND r.payroll_id = $2) AND NOT EXISTS
			(SELECT 1 FROM service_cost_payments s WHERE s.end_to_end_id = x AND s.payroll_id = $2) ORDER BY x`, list, payroll)
		if err != nil {
			return err
		}
		unmatched, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(unmatched) > 0 {
			return domain.FieldError("bank_file", "%d lines match no payment of %s: %v", len(unmatched), payroll, unmatched)
		}
		set := func(id, state, reason string) error {
			tag, err := tx.Exec(ctx, `UPDATE payments SET state = $3, reason = $4 WHERE end_to_end_id = $1 AND payroll_id = $2
				AND state <> $3`, id, payroll, state, reason)
			if err != nil {
				return err
			}
			counts[state] += int(tag.RowsAffected())
			if tag.RowsAffected() > 0 {
				if state == "rejected" || state == "returned" {
					reversed = append(reversed, id)
				}
				return nil
			}
			// An employer's refund (issue 18), in the same files.
			tag, err = tx.Exec(ctx, `UPDATE refund_payments SET state = $3, reason = $4 WHERE end_to_end_id = $1 AND payroll_id = $2
				AND state <> $3`, id, payroll, state, reason)
			if err != nil || tag.RowsAffected() > 0 {
				counts[state] += int(tag.RowsAffected())
				return err
			}
			// A provider's cost report (issue 23), in the same files: once paid, its report is paid.
			n, err := applyCostPaymentAnswer(ctx, tx, payroll, id, state, reason)
			counts[state] += n
			return err
		}
		for _, s := range a.Statuses {
			state := "sent"
			if !s.Accepted {
				state = "rejected"
			}
			if err := set(s.EndToEndID, state, s.Reason); err != nil {
				return err
			}
		}
		for _, b := range a.Booked {
			if err := set(b, "paid", ""); err != nil {
				return err
			}
		}
		for _, r := range a.Returned {
			if err := set(r.EndToEndID, "returned", r.Reason); err != nil {
				return err
			}
		}
		return reversePayments(ctx, tx, reversed)
	})
	return counts, err
}

// MarkPostSent marks the payroll's Post payments as handed to the Post.
func (db *DB) MarkPostSent(ctx context.Context, payroll string) error {
	_, err := db.pool.Exec(ctx, `UPDATE payments SET state = 'sent' WHERE payroll_id = $1 AND channel = 'post' AND state = 'prepared'`, payroll)
	return err
}

// PaymentsOfPerson lists the payments of a person's rights, newest month first.
func (db *DB) PaymentsOfPerson(ctx context.Context, person domain.PersonID) ([]Payment, error) {
	const q = `SELECT p.id, p.payroll_id, p.entitlement_id::text, p.period, p.amount, p.channel, p.payee_iban, p.payee_name, p.benefit,
		p.municipality, p.funding_account, p.end_to_end_id, p.state, p.reason
		FROM payments p JOIN entitlements e ON e.id = p.entitlement_id
		WHERE e.beneficiary_id = $1 ORDER BY p.period DESC, p.id DESC LIMIT 240`
	rows, err := db.pool.Query(ctx, q, string(person))
	if err != nil {
		return nil, fmt.Errorf("select payments of %s: %w", person, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payment, error) {
		var p Payment
		err := r.Scan(&p.ID, &p.PayrollID, &p.EntitlementID, &p.Period, &p.Amount, &p.Channel, &p.PayeeIBAN, &p.PayeeName, &p.Benefit,
			&p.Municipality, &p.FundingAccount, &p.EndToEndID, &p.State, &p.Reason)
		return p, err
	})
}

// PayrollChange is a right whose payment differs from the month before.
type PayrollChange struct {
	EntitlementID string
	Payee         string
	Benefit       string
	Kind          string // new, stopped, changed
	Before, Now   decimal.Decimal
}

// CompareWithPrevious lists the rights this payroll pays for its own month
// but the previous payroll did not pay (or saw rejected or returned) for
// its month (new), the other way round (stopped), or at another amount
// (changed): what a finance officer checks before submitting. Arrears and
// carried-over months are not compared.
func (db *DB) CompareWithPrevious(ctx context.Context, payroll string, period time.Time, previousPayroll string, previous time.Time) ([]PayrollChange, error) {
	const q = `
		WITH now AS (SELECT entitlement_id, payee_name, benefit, sum(amount) AS amount FROM payments
			WHERE payroll_id = $1 AND period = $2 AND state NOT IN ('rejected', 'returned') GROUP BY 1, 2, 3),
		before AS (SELECT entitlement_id, payee_name, benefit, sum(amount) AS amount FROM payments
			WHERE payroll_id = $4 AND period = $3 AND state NOT IN ('rejected', 'returned') GROUP BY 1, 2, 3)
		SELECT coalesce(n.entitlement_id, b.entitlement_id)::text, coalesce(n.payee_name, b.payee_name), coalesce(n.benefit, b.benefit),
			CASE WHEN b.entitlement_id IS NULL THEN 'new' WHEN n.entitlement_id IS NULL THEN 'stopped' ELSE 'changed' END,
			coalesce(b.amount, 0), coalesce(n.amount, 0)
		FROM now n FULL JOIN before b ON b.entitlement_id = n.entitlement_id
		WHERE b.entitlement_id IS NULL OR n.entitlement_id IS NULL OR b.amount <> n.amount
		ORDER BY 4, 2 LIMIT 1000`
	rows, err := db.pool.Query(ctx, q, payroll, period, previous, previousPayroll)
	if err != nil {
		return nil, fmt.Errorf("compare payroll: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PayrollChange, error) {
		var c PayrollChange
		err := r.Scan(&c.EntitlementID, &c.Payee, &c.Benefit, &c.Kind, &c.Before, &c.Now)
		return c, err
	})
}

// Unpaid lists the payroll's payments the bank rejected or returned, and
// its exceptions (an invalid account), with the beneficiary and the
// centre that handles them: each needs the account corrected, and the next
// payroll pays the month.
func (db *DB) Unpaid(ctx context.Context, payroll string) ([]UnpaidPayment, error) {
	const q = `SELECT p.end_to_end_id, p.entitlement_id::text, e.beneficiary_id::text, pe.centre_id, p.state, p.reason, p.amount, p.period
		FROM payments p JOIN entitlements e ON e.id = p.entitlement_id JOIN persons pe ON pe.id = e.beneficiary_id
		WHERE p.payroll_id = $1 AND p.state IN ('rejected', 'returned', 'exception') ORDER BY p.end_to_end_id`
	rows, err := db.pool.Query(ctx, q, payroll)
	if err != nil {
		return nil, fmt.Errorf("select unpaid of %s: %w", payroll, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (UnpaidPayment, error) {
		var u UnpaidPayment
		err := r.Scan(&u.EndToEndID, &u.EntitlementID, &u.PersonID, &u.CentreID, &u.State, &u.Reason, &u.Amount, &u.Period)
		return u, err
	})
}

// UnpaidPayment is a payment the bank did not pay.
type UnpaidPayment struct {
	EndToEndID    string
	EntitlementID string
	PersonID      domain.PersonID
	CentreID      string
	State         string
	Reason        string
	Amount        decimal.Decimal
	Period        time.Time
}

// SetPayeeAccount changes the account a right is paid to.
func (db *DB) SetPayeeAccount(ctx context.Context, entitlement, iban string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE entitlements SET payee_iban = $2 WHERE id = $1`, entitlement, iban)
	if err != nil {
		return fmt.Errorf("set payee account of %s: %w", entitlement, err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.CodeNotFound, "entitlement %s not found", entitlement)
	}
	return nil
}

// PaymentCounts counts a payroll's payments in a state by channel.
func (db *DB) PaymentCounts(ctx context.Context, payroll, state string) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT channel, count(*) FROM payments WHERE payroll_id = $1 AND state = $2 GROUP BY channel`, payroll, state)
	if err != nil {
		return nil, fmt.Errorf("count payments of %s: %w", payroll, err)
	}
	out := map[string]int{}
	var ch string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&ch, &n}, func() error { out[ch] = n; return nil })
	return out, err
}

// SetDeduction records the deduction a decision orders from a right's
// monthly payments (zero ends it). Returns CodeNotFound for an unknown right.
func (db *DB) SetDeduction(ctx context.Context, entitlement string, amount decimal.Decimal, reason string) error {
	if amount.IsNegative() || !amount.Round(2).Equal(amount) {
		return domain.FieldError("deduction", "a deduction is zero or a positive amount in cents, not %s", amount)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE entitlements SET deduction = $2, deduction_reason = $3 WHERE id = $1`, entitlement, amount, reason)
	if err != nil {
		return translate(err, "entitlement "+entitlement)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.CodeNotFound, "no entitlement %s", entitlement)
	}
	return nil
}

// CheckPayments verifies, set-wise, what foreign keys would check row by
// row: every payment of the payroll belongs to a recorded payroll and to
// an existing entitlement. Returns CodeInternal naming the count otherwise.
func (db *DB) CheckPayments(ctx context.Context, payroll string) error {
	var orphans int64
	err := db.pool.QueryRow(ctx, `
		SELECT count(*) FROM payments p
		WHERE p.payroll_id = $1 AND (NOT EXISTS (SELECT 1 FROM payrolls r WHERE r.id = p.payroll_id)
			OR NOT EXISTS (SELECT 1 FROM entitlements e WHERE e.id = p.entitlement_id))`, payroll).Scan(&orphans)
	if err != nil {
		return fmt.Errorf("check payments of %s: %w", payroll, err)
	}
	if orphans > 0 {
		return fmt.Errorf("check payments of %s: %d payments name no payroll or no entitlement", payroll, orphans)
	}
	return nil
}
