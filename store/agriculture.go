package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/agriculture"
)

// AgricultureImport is a file of the farmers' old-age allowance to import:
// as agriculture.Parse read it, with the faults Parse found.
type AgricultureImport struct {
	File       agriculture.File
	Faults     []*domain.Error
	ObjectKey  string // where the bytes are kept in the object store
	ReceivedBy string // a username, or "schedule"
	WorkflowID string
	At         time.Time
	// RecordRefusal keeps a refused file's record and report (an import
	// the schedule started, which nobody watches); the API answers the
	// report instead and writes nothing.
	RecordRefusal bool
}

// AgricultureFile is a file as recorded: imported or refused, with its
// validation report.
type AgricultureFile struct {
	ID         int64
	Hash       string
	Format     string
	Period     string // YYYY-MM; "" when none could be read
	ObjectKey  string
	State      string // imported, refused
	Rows       int
	Total      decimal.Decimal
	Faults     []FileFault
	Conflicts  int
	ReceivedBy string
	WorkflowID string
	ReceivedAt time.Time
}

// FileFault is one fault of a refused file's report.
type FileFault struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// AgricultureResult is what an import did. Duplicate: the same file was
// imported before and nothing changed.
type AgricultureResult struct {
	File      AgricultureFile
	Duplicate bool
	Conflicts []agriculture.Conflict
}

// agricultureRequestPrefix starts the request id of the evidence a file
// writes (then the first 16 digits of its hash).
const agricultureRequestPrefix = "agriculture-file/"

// ImportAgriculture imports a file in one transaction, or refuses it
// whole. Imports are serialised. The same file (by hash) imported before
// is a no-op returning the first import. Otherwise every fault is listed
// (those Parse found, a JMBG no registered person has, a month already
// imported from another file) and, when there is any, the file is
// recorded as refused with its report and a CodeInvalid error lists the
// faults; nothing else is written. A good file writes each allowance, the
// agriculture evidence of each person paid (the allowance from the month's
// first day; the premiums of the current record kept), the evidence of a
// person paid last month and not now (no allowance from this month), and
// the conflicts with MO rights in force that month, one per person.
func (db *DB) ImportAgriculture(ctx context.Context, in AgricultureImport) (AgricultureResult, error) {
	var res AgricultureResult
	faults := append([]*domain.Error(nil), in.Faults...)
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('agriculture_files'))`); err != nil {
			return fmt.Errorf("lock agriculture files: %w", err)
		}
		prior, err := agricultureFileWhere(ctx, tx, `file_hash = $1 AND state = 'imported'`, in.File.Hash)
		if err == nil {
			res.File, res.Duplicate = prior, true
			res.Conflicts, err = agricultureConflicts(ctx, tx, prior.ID)
			return err
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		persons, more, err := resolveAgriculture(ctx, tx, in.File)
		if err != nil {
			return err
		}
		faults = append(faults, more...)
		if len(faults) > 0 {
			return nil
		}
		res.File, err = insertAgricultureFile(ctx, tx, in, "imported", nil)
		if err != nil {
			return err
		}
		if err := writeAllowances(ctx, tx, in, res.File.ID, persons); err != nil {
			return err
		}
		res.Conflicts, err = findConflicts(ctx, tx, res.File.ID, in.File.Period, persons)
		if err != nil {
			return err
		}
		res.File.Conflicts = len(res.Conflicts)
		_, err = tx.Exec(ctx, `UPDATE agriculture_files SET conflicts = $2 WHERE id = $1`, res.File.ID, len(res.Conflicts))
		return err
	})
	if err != nil {
		return AgricultureResult{}, err
	}
	if len(faults) == 0 {
		return res, nil
	}
	var refused AgricultureFile
	if in.RecordRefusal {
		if refused, err = insertAgricultureFile(ctx, db.pool, in, "refused", faults); err != nil {
			return AgricultureResult{}, err
		}
	}
	msgs := make([]string, len(faults))
	for i, f := range faults {
		msgs[i] = f.Error()
	}
	invalid := &domain.Error{Code: domain.CodeInvalid, Fields: faults,
		Message: fmt.Sprintf("the file was refused and nothing was imported; %d faults: %s", len(faults), strings.Join(msgs, "; "))}
	return AgricultureResult{File: refused}, invalid
}

// resolveAgriculture finds the person of each row and checks the month:
// a JMBG no registered person has, or a month another file was imported
// for, is a fault.
func resolveAgriculture(ctx context.Context, tx pgx.Tx, f agriculture.File) (map[domain.JMBG]domain.PersonID, []*domain.Error, error) {
	var faults []*domain.Error
	if len(f.Rows) > 0 {
		other, err := agricultureFileWhere(ctx, tx, `period = $1 AND state = 'imported'`, f.Period.First())
		if err == nil {
			faults = append(faults, domain.FieldError("period", "%s was imported already from another file (file %d, received %s): a month is imported once",
				f.Period, other.ID, other.ReceivedAt.UTC().Format(time.DateOnly)))
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return nil, nil, err
		}
	}
	jmbgs := make([]string, 0, len(f.Rows))
	for _, r := range f.Rows {
		jmbgs = append(jmbgs, string(r.JMBG))
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (jmbg) jmbg, id::text FROM persons WHERE jmbg = ANY($1) ORDER BY jmbg, created_at`, jmbgs)
	if err != nil {
		return nil, nil, fmt.Errorf("select persons of the file: %w", err)
	}
	persons := map[domain.JMBG]domain.PersonID{}
	var j, id string
	_, err = pgx.ForEachRow(rows, []any{&j, &id}, func() error {
		persons[domain.JMBG(j)] = domain.PersonID(id)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("select persons of the file: %w", err)
	}
	for _, r := range f.Rows {
		if _, ok := persons[r.JMBG]; !ok {
			faults = append(faults, domain.FieldError(fmt.Sprintf("line %d.jmbg", r.Line), "no person with this JMBG is registered: register the person (from the population register) before importing the file"))
		}
	}
	return persons, faults, nil
}

func insertAgricultureFile(ctx context.Context, q querier, in AgricultureImport, state string, faults []*domain.Error) (AgricultureFile, error) {
	report := []FileFault{}
	for _, f := range faults {
		report = append(report, FileFault{Field: f.Field, Message: f.Message})
	}
	b, _ := json.Marshal(report)
	var period *time.Time
	if len(in.File.Rows) > 0 {
		p := in.File.Period.First()
		period = &p
	}
	total := in.File.Total
	if state == "refused" {
		total = decimal.Zero
	}
	rows := len(in.File.Rows)
	if state == "refused" {
		rows = 0
	}
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO agriculture_files (file_hash, format, period, object_key, state, row_count, total, faults, received_by, workflow_id, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		in.File.Hash, in.File.Format, period, in.ObjectKey, state, rows, total, string(b), in.ReceivedBy, in.WorkflowID, in.At).Scan(&id)
	if err != nil {
		return AgricultureFile{}, fmt.Errorf("insert agriculture file: %w", err)
	}
	f := AgricultureFile{ID: id, Hash: in.File.Hash, Format: in.File.Format, ObjectKey: in.ObjectKey, State: state, Rows: rows, Total: total,
		Faults: report, ReceivedBy: in.ReceivedBy, WorkflowID: in.WorkflowID, ReceivedAt: in.At}
	if period != nil {
		f.Period = in.File.Period.String()
	}
	return f, nil
}

// writeAllowances stores each allowance and the evidence it makes, and
// ends the allowance of those paid the month before and not now.
func writeAllowances(ctx context.Context, tx pgx.Tx, in AgricultureImport, fileID int64, persons map[domain.JMBG]domain.PersonID) error {
	ex := Exchange{Source: domain.SourceAgriculture, RequestID: agricultureRequestPrefix + in.File.Hash[:16], ResponseHash: in.File.Hash,
		AnsweredAt: in.At, RequestedAt: in.At}
	from := in.File.Period.First()
	paid := make([]string, 0, len(in.File.Rows))
	for _, r := range in.File.Rows {
		p := persons[r.JMBG]
		paid = append(paid, string(p))
		if _, err := tx.Exec(ctx, `INSERT INTO agriculture_allowances (file_id, person_id, period, amount, line) VALUES ($1, $2, $3, $4, $5)`,
			fileID, string(p), from, r.Amount, r.Line); err != nil {
			return fmt.Errorf("insert allowance of line %d: %w", r.Line, err)
		}
		if err := writeAgricultureFact(ctx, tx, ex, p, r.Amount, from); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT a.person_id::text FROM agriculture_allowances a
		WHERE a.period = (SELECT max(period) FROM agriculture_files WHERE state = 'imported' AND period < $1)
		AND NOT (a.person_id::text = ANY($2))`, from, paid)
	if err != nil {
		return fmt.Errorf("select allowances ended: %w", err)
	}
	ended, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("select allowances ended: %w", err)
	}
	for _, p := range ended {
		if err := writeAgricultureFact(ctx, tx, ex, domain.PersonID(p), decimal.Zero, from); err != nil {
			return err
		}
	}
	return nil
}

// writeAgricultureFact writes the person's agriculture evidence with the
// allowance from the month's first day, keeping the current record's
// premiums. A current record of a later month stands (an older file
// imported late does not overwrite it).
func writeAgricultureFact(ctx context.Context, tx pgx.Tx, ex Exchange, p domain.PersonID, amount decimal.Decimal, from time.Time) error {
	var (
		value string
		since time.Time
		cur   *domain.AgricultureFact
	)
	err := tx.QueryRow(ctx, `SELECT value::text, valid_from FROM evidence WHERE person_id = $1 AND kind = $2 AND superseded_at IS NULL`,
		string(p), string(domain.KindAgriculture)).Scan(&value, &since)
	switch {
	case err == nil:
		if since.After(from) {
			return nil
		}
		cur = &domain.AgricultureFact{}
		if err := json.Unmarshal([]byte(value), cur); err != nil {
			cur = nil
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("select agriculture evidence of %s: %w", p, err)
	}
	b, err := json.Marshal(agriculture.Fact(amount, cur))
	if err != nil {
		return err
	}
	ex.PersonID = p
	_, err = recordFact(ctx, tx, ex, Fact{Kind: domain.KindAgriculture, Value: b, ValidFrom: from})
	return err
}

// findConflicts records, once per person and month, each person of the
// file holding an MO right in force on some day of the month (the version
// holding that day is active), with the right's centre.
func findConflicts(ctx context.Context, tx pgx.Tx, fileID int64, m domain.Month, persons map[domain.JMBG]domain.PersonID) ([]agriculture.Conflict, error) {
	ids := make([]string, 0, len(persons))
	for _, p := range persons {
		ids = append(ids, string(p))
	}
	_, err := tx.Exec(ctx, `INSERT INTO agriculture_conflicts (person_id, period, file_id, entitlement_id, centre_id)
		SELECT DISTINCT ON (e.beneficiary_id) e.beneficiary_id, $2::date, $1, e.id, c.centre_id
		FROM entitlements e
		JOIN claims c ON c.number = e.claim_number
		CROSS JOIN generate_series($2::date, $3::date, interval '1 day') AS d(day)
		JOIN LATERAL (SELECT state FROM entitlement_versions
			WHERE entitlement_id = e.id AND valid_from <= d.day AND (valid_to IS NULL OR valid_to >= d.day)
			ORDER BY seq DESC LIMIT 1) v ON true
		WHERE e.benefit = 'MO' AND v.state = 'active' AND e.beneficiary_id::text = ANY($4)
		ORDER BY e.beneficiary_id, e.valid_from DESC, e.id
		ON CONFLICT (person_id, period) DO NOTHING`, fileID, m.First(), m.Last(), ids)
	if err != nil {
		return nil, fmt.Errorf("find MO conflicts of %s: %w", m, err)
	}
	return agricultureConflicts(ctx, tx, fileID)
}

func agricultureConflicts(ctx context.Context, tx pgx.Tx, fileID int64) ([]agriculture.Conflict, error) {
	rows, err := tx.Query(ctx, `SELECT person_id::text, centre_id, period, entitlement_id::text FROM agriculture_conflicts
		WHERE file_id = $1 ORDER BY centre_id, person_id`, fileID)
	if err != nil {
		return nil, fmt.Errorf("select conflicts of file %d: %w", fileID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (agriculture.Conflict, error) {
		var c agriculture.Conflict
		var p time.Time
		err := r.Scan(&c.PersonID, &c.CentreID, &p, &c.EntitlementID)
		c.Period = domain.MonthOf(p)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("select conflicts of file %d: %w", fileID, err)
	}
	return out, nil
}

const agricultureFileColumns = `id, file_hash, format, coalesce(to_char(period, 'YYYY-MM'), ''), object_key, state, row_count, total,
	faults::text, conflicts, received_by, workflow_id, received_at`

func scanAgricultureFile(r pgx.Row) (AgricultureFile, error) {
	var f AgricultureFile
	var faults string
	err := r.Scan(&f.ID, &f.Hash, &f.Format, &f.Period, &f.ObjectKey, &f.State, &f.Rows, &f.Total, &faults, &f.Conflicts,
		&f.ReceivedBy, &f.WorkflowID, &f.ReceivedAt)
	if err == nil {
		err = json.Unmarshal([]byte(faults), &f.Faults)
	}
	return f, err
}

func agricultureFileWhere(ctx context.Context, q querier, where string, arg any) (AgricultureFile, error) {
	f, err := scanAgricultureFile(q.QueryRow(ctx, `SELECT `+agricultureFileColumns+` FROM agriculture_files WHERE `+where+` ORDER BY id LIMIT 1`, arg))
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return AgricultureFile{}, fmt.Errorf("select agriculture file: %w", err)
	}
	return f, err
}

// AgricultureFileByID returns a file's record with its report.
func (db *DB) AgricultureFileByID(ctx context.Context, id int64) (AgricultureFile, error) {
	f, err := agricultureFileWhere(ctx, db.pool, `id = $1`, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return AgricultureFile{}, domain.Errorf(domain.CodeNotFound, "file %d not found", id)
	}
	return f, err
}

// AgricultureFiles lists the files received, newest first (at most 100).
func (db *DB) AgricultureFiles(ctx context.Context) ([]AgricultureFile, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+agricultureFileColumns+` FROM agriculture_files ORDER BY id DESC LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("select agriculture files: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AgricultureFile, error) { return scanAgricultureFile(r) })
	if err != nil {
		return nil, fmt.Errorf("select agriculture files: %w", err)
	}
	return out, nil
}

// AgricultureImported returns the imported file of a month, if any.
func (db *DB) AgricultureImported(ctx context.Context, m domain.Month) (AgricultureFile, bool, error) {
	f, err := agricultureFileWhere(ctx, db.pool, `period = $1 AND state = 'imported'`, m.First())
	if errors.Is(err, pgx.ErrNoRows) {
		return AgricultureFile{}, false, nil
	}
	return f, err == nil, err
}

// AgricultureConflicts lists a file's conflicts with MO rights.
func (db *DB) AgricultureConflicts(ctx context.Context, fileID int64) ([]agriculture.Conflict, error) {
	var out []agriculture.Conflict
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = agricultureConflicts(ctx, tx, fileID)
		return err
	})
	return out, err
}

// RestrictedPersons says which of the persons are named in a report of the
// DV compartment (dv_persons): their tasks are sealed in it.
func (db *DB) RestrictedPersons(ctx context.Context, ids []domain.PersonID) (map[domain.PersonID]bool, error) {
	out := map[domain.PersonID]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT person_id::text FROM dv_persons WHERE person_id::text = ANY($1)`, s)
	if err != nil {
		return nil, fmt.Errorf("select restricted persons: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("select restricted persons: %w", err)
	}
	for _, p := range found {
		out[domain.PersonID(p)] = true
	}
	return out, nil
}

// AgriculturePersons lists the persons an imported file pays (none for a
// refused one): whose data its import touched, for the audit log.
func (db *DB) AgriculturePersons(ctx context.Context, fileID int64) ([]domain.PersonID, error) {
	rows, err := db.pool.Query(ctx, `SELECT person_id::text FROM agriculture_allowances WHERE file_id = $1 ORDER BY line`, fileID)
	if err != nil {
		return nil, fmt.Errorf("select persons of file %d: %w", fileID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[domain.PersonID])
	if err != nil {
		return nil, fmt.Errorf("select persons of file %d: %w", fileID, err)
	}
	return out, nil
}
