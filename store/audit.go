package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/karton-social/karton/domain"
)

// AuditRecord is one access to a person's data.
type AuditRecord struct {
	ID           int64
	At           time.Time
	Username     string
	Role         string
	CentreID     string
	Action       string // e.g. "GET /api/v1/persons/:id", "registry.query"
	Resource     string // policy resource name
	PersonIDs    []domain.PersonID
	TargetCentre string
	Purpose      string
	RequestID    string
	Status       int
	Outcome      string // allowed, denied, failed
	// Restricted marks an access under a restricted purpose (domestic
	// violence): auditors see it; citizens' access logs and e-files do not.
	Restricted bool
	PrevHash   string
	Hash       string
}

// genesis is the previous hash of the first record.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// hashOf is the record's hash: SHA-256 over the previous hash and every
// field, in a fixed order with a separator that fields cannot contain.
func hashOf(r AuditRecord) string {
	ids := make([]string, len(r.PersonIDs))
	for i, p := range r.PersonIDs {
		ids[i] = string(p)
	}
	fields := []string{r.PrevHash, fmt.Sprint(r.ID), r.At.UTC().Format(time.RFC3339Nano), r.Username, r.Role, r.CentreID, r.Action,
		r.Resource, strings.Join(ids, ","), r.TargetCentre, r.Purpose, r.RequestID, fmt.Sprint(r.Status), r.Outcome}
	if r.Restricted {
		// Only restricted records carry the field, so the records written
		// before it existed keep their hashes.
		fields = append(fields, "restricted")
	}
	sum := sha256.Sum256([]byte(strings.Join(fields, "\x1f")))
	return hex.EncodeToString(sum[:])
}

// AppendAudit adds a record at the end of the chain and returns once it
// is committed. Records that arrive while a batch is being written are
// written together in the next one: one lock of the chain and one commit
// for many requests (group commit), so the chain's single order does not
// make every request wait for every other request's commit. A record is
// taken whenever the queue has room, even when ctx is done: the access it
// records has happened, and only the wait for its commit is cut short.
func (db *DB) AppendAudit(ctx context.Context, r AuditRecord) error {
	db.auditOnce.Do(func() {
		db.auditQueue = make(chan auditAppend, 1024)
		go db.auditLoop()
		go db.mergeAuditIndexLoop()
	})
	done := make(chan error, 1)
	a := auditAppend{r, done}
	select {
	case db.auditQueue <- a: // room in the queue: taken even when ctx is done (the access happened)
	default:
		select {
		case db.auditQueue <- a:
		case <-db.closed:
			return errors.New("append audit record: the database is closed")
		case <-ctx.Done():
			return fmt.Errorf("append audit record: %w", ctx.Err())
		}
	}
	select {
	case err := <-done:
		return err
	case <-db.closed:
		return errors.New("append audit record: the database is closed")
	case <-ctx.Done():
		// The record is in a batch already: it is written all the same.
		return fmt.Errorf("append audit record: %w", ctx.Err())
	}
}

type auditAppend struct {
	rec  AuditRecord
	done chan error
}

// maxAuditBatch bounds one transaction of the audit log.
const maxAuditBatch = 500

// auditLoop writes the queued records, as many as are waiting at once,
// until the database is closed.
func (db *DB) auditLoop() {
	w := &auditWriter{db: db}
	defer w.release()
	for {
		var first auditAppend
		select {
		case first = <-db.auditQueue:
		case <-db.closed:
			return
		}
		batch := []auditAppend{first}
	more:
		for len(batch) < maxAuditBatch {
			select {
			case a := <-db.auditQueue:
				batch = append(batch, a)
			default:
				break more
			}
		}
		recs := make([]AuditRecord, len(batch))
		for i, a := range batch {
			recs[i] = a.rec
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := w.append(ctx, recs); err != nil && len(batch) > 1 {
			// One bad record must not fail its neighbours: one at a time.
			for _, a := range batch {
				a.done <- w.append(ctx, []AuditRecord{a.rec})
			}
		} else {
			for _, a := range batch {
				a.done <- err
			}
		}
		cancel()
	}
}

// auditWriter is the audit loop's own: the connection it writes on and
// the chain's head as it last wrote or read it. The connection is held
// for the loop (issue 24): every audited request waits for its record's
// commit after its own queries, so an append that queued for a connection
// behind those requests' next queries made each wait on the others, and
// one slow commit grew into a second of slow requests.
type auditWriter struct {
	db   *DB
	conn *pgxpool.Conn
	head auditHead
}

// release gives the connection back to the pool.
func (w *auditWriter) release() {
	if w.conn != nil {
		w.conn.Release()
		w.conn = nil
	}
}

// append adds records at the end of the chain. The chain's head (the next
// id and the last hash) is kept from the last append, so a batch is one
// statement and one round trip: its own transaction, no lock, no read
// (issue 24: five round trips before, under every audited request). When
// another process has appended since, it holds the id this batch would
// take: the primary key refuses the statement, and the batch is written
// again under the chain's lock with the head read afresh. Any other error
// forgets the head and the connection.
func (w *auditWriter) append(ctx context.Context, recs []AuditRecord) error {
	if w.conn == nil {
		c, err := w.db.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("append audit records: %w", err)
		}
		w.conn = c
	}
	err := w.appendOn(ctx, recs)
	if err != nil {
		w.head = auditHead{}
		w.release()
		return err
	}
	w.db.auditAppended.Add(int64(len(recs)))
	return nil
}

func (w *auditWriter) appendOn(ctx context.Context, recs []AuditRecord) error {
	if w.head.known() {
		head, err := insertAudits(ctx, w.conn, recs, w.head)
		if err == nil {
			w.head = head
			return nil
		}
		if !uniqueViolation(err, "audit_log_pkey") {
			return err // append forgets the head
		}
	}
	after, err := appendLocked(ctx, w.conn, recs)
	if err == nil {
		w.head = after // committed: the chain goes on from here
	}
	return err
}

// appendLocked appends recs after the chain's last record, read under the
// chain's lock, in one transaction on q, and returns the head after them.
func appendLocked(ctx context.Context, q interface {
	Begin(context.Context) (pgx.Tx, error)
}, recs []AuditRecord) (auditHead, error) {
	var after auditHead
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7262)`); err != nil {
			return fmt.Errorf("lock audit chain: %w", err)
		}
		head := auditHead{next: 1, hash: genesis}
		err := tx.QueryRow(ctx, `SELECT id + 1, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&head.next, &head.hash)
		if err != nil && err != pgx.ErrNoRows {
			return fmt.Errorf("read audit chain head: %w", err)
		}
		after, err = insertAudits(ctx, tx, recs, head)
		return err
	})
	return after, err
}

// AppendAuditBatch appends recs at the end of the chain at once, in one
// transaction under the chain's lock, chained as AppendAudit chains them:
// an access log brought over from another system, or the years of
// history a benchmark's database stands for (bench/cases). An AppendAudit
// beside it finds the chain moved on and chains after it.
func (db *DB) AppendAuditBatch(ctx context.Context, recs []AuditRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if _, err := appendLocked(ctx, db.pool, recs); err != nil {
		return err
	}
	db.auditAppended.Add(int64(len(recs)))
	return nil
}

// auditHead is where the chain goes on: the id of the next record and the
// hash of the last. Its zero value is a head not known (ids start at 1).
type auditHead struct {
	next int64
	hash string
}

func (h auditHead) known() bool { return h.next > 0 }

// insertAudits chains the records after head and inserts them in one
// statement; it returns the head after them.
func insertAudits(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, recs []AuditRecord, head auditHead) (auditHead, error) {
	n := len(recs)
	text := func() []string { return make([]string, n) }
	ids, status, at, restricted := make([]int64, n), make([]int32, n), make([]time.Time, n), make([]bool, n)
	user, role, centre, action, resource, persons := text(), text(), text(), text(), text(), text()
	target, purpose, request, outcome, prevs, hashes := text(), text(), text(), text(), text(), text()
	for i, r := range recs {
		r.ID, r.PrevHash = head.next+int64(i), head.hash
		r.At = r.At.UTC().Truncate(time.Microsecond) // what timestamptz keeps
		r.Hash = hashOf(r)
		head.hash = r.Hash
		ids[i], at[i], user[i], role[i], centre[i], action[i], resource[i] = r.ID, r.At, r.Username, r.Role, r.CentreID, r.Action, r.Resource
		persons[i], target[i], purpose[i], request[i] = uuidArray(r.PersonIDs), r.TargetCentre, r.Purpose, r.RequestID
		status[i], outcome[i], restricted[i], prevs[i], hashes[i] = int32(r.Status), r.Outcome, r.Restricted, r.PrevHash, r.Hash
	}
	head.next += int64(n)
	_, err := q.Exec(ctx, `INSERT INTO audit_log (id, at, username, role, centre_id, action, resource, person_ids, target_centre, purpose,
		request_id, status, outcome, restricted, prev_hash, hash)
		SELECT id, at, username, role, centre_id, action, resource, person_ids::uuid[], target_centre, purpose,
			request_id, status, outcome, restricted, prev_hash, hash
		FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
			$10::text[], $11::text[], $12::int[], $13::text[], $14::bool[], $15::text[], $16::text[])
			AS r(id, at, username, role, centre_id, action, resource, person_ids, target_centre, purpose,
				request_id, status, outcome, restricted, prev_hash, hash)`,
		ids, at, user, role, centre, action, resource, persons, target, purpose, request, status, outcome, restricted, prevs, hashes)
	if err != nil {
		return auditHead{}, fmt.Errorf("append audit records: %w", err)
	}
	return head, nil
}

// uuidArray is the text of a uuid[] holding the ids, each quoted, so that
// no id can split into two elements; PostgreSQL refuses one that is not a
// uuid.
func uuidArray(ids []domain.PersonID) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, c := range []byte(p) {
			if c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

const auditColumns = `id, at, username, role, centre_id, action, resource, person_ids::text[], target_centre, purpose,
	request_id, status, outcome, restricted, prev_hash, hash`

func scanAudit(row pgx.Row) (AuditRecord, error) {
	var r AuditRecord
	var ids []string
	err := row.Scan(&r.ID, &r.At, &r.Username, &r.Role, &r.CentreID, &r.Action, &r.Resource, &ids, &r.TargetCentre, &r.Purpose,
		&r.RequestID, &r.Status, &r.Outcome, &r.Restricted, &r.PrevHash, &r.Hash)
	for _, id := range ids {
		r.PersonIDs = append(r.PersonIDs, domain.PersonID(id))
	}
	if r.PersonIDs == nil {
		r.PersonIDs = []domain.PersonID{}
	}
	return r, err
}

// VerifyAudit walks the chain from the first record and returns how many
// records it checked and the id of the first broken link (0 when intact):
// a record whose hash does not match its content, or whose previous hash
// is not the hash of the record before it, or a gap in the ids.
func (db *DB) VerifyAudit(ctx context.Context) (checked int64, broken int64, reason string, err error) {
	rows, err := db.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, 0, "", fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	prev, want := genesis, int64(1)
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return checked, 0, "", err
		}
		checked++
		switch {
		case r.ID != want:
			return checked, r.ID, fmt.Sprintf("record %d follows %d: records are missing", r.ID, want-1), nil
		case r.PrevHash != prev:
			return checked, r.ID, "its previous hash is not the hash of the record before it", nil
		case hashOf(r) != r.Hash:
			return checked, r.ID, "its content does not match its hash", nil
		}
		prev, want = r.Hash, r.ID+1
	}
	return checked, 0, "", rows.Err()
}

// AccessLog lists who accessed a person's data, newest first. Restricted
// accesses (domestic violence) are left out unless withRestricted: only
// auditors see them. Records written before the mark existed are known by
// their DV resource.
func (db *DB) AccessLog(ctx context.Context, person domain.PersonID, limit int, withRestricted bool) ([]AuditRecord, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE person_ids @> ARRAY[$1]::uuid[]
		AND ($3 OR NOT (restricted OR resource IN ('dv_case', 'dv_notification', 'dv_report', 'dv_register')))
		ORDER BY id DESC LIMIT $2`, string(person), limit, withRestricted)
	if err != nil {
		return nil, fmt.Errorf("select access log: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditRecord, error) { return scanAudit(r) })
}

// MisuseFinding is one suspicious pattern of a member of staff.
type MisuseFinding struct {
	Username string
	Role     string
	CentreID string
	Kind     string // other_centre, burst, odd_hours, denied
	Count    int
	First    time.Time
	Last     time.Time
}

// Misuse finds, between from and to, staff who read files of another
// centre, read many files in a short time (more than burst in 5 minutes),
// read at odd hours (22:00-06:00 UTC+1, Montenegro's winter time), or were
// denied. Scoped to centre unless centre is empty (ministry-wide auditors).
// Restricted accesses (domestic violence) count only withRestricted: for
// auditors and the DV-cleared, not for a centre's ordinary supervisors.
func (db *DB) Misuse(ctx context.Context, centre string, from, to time.Time, burst int, withRestricted bool) ([]MisuseFinding, error) {
	const q = `
		WITH reads AS (
			SELECT * FROM audit_log
			WHERE at >= @from AND at < @to AND username NOT LIKE 'system:%' AND cardinality(person_ids) > 0
				AND (@centre = '' OR centre_id = @centre OR target_centre = @centre) AND (@restricted OR NOT restricted)
		), other_centre AS (
			SELECT username, role, centre_id, 'other_centre' AS kind, count(*) AS n, min(at) AS first, max(at) AS last FROM reads
			WHERE outcome = 'allowed' AND centre_id <> '' AND target_centre NOT IN ('', 'self') AND target_centre <> centre_id
			GROUP BY 1, 2, 3
		), windows AS (
			SELECT username, role, centre_id, date_bin('5 minutes', at, '2000-01-01') AS w, count(*) AS n, min(at) AS first, max(at) AS last
			FROM reads WHERE action LIKE 'GET %' GROUP BY 1, 2, 3, 4
		), bursts AS (
			SELECT username, role, centre_id, 'burst' AS kind, max(n) AS n, min(first) AS first, max(last) AS last FROM windows
			WHERE n > @burst GROUP BY 1, 2, 3
		), odd AS (
			SELECT username, role, centre_id, 'odd_hours' AS kind, count(*) AS n, min(at) AS first, max(at) AS last FROM reads
			WHERE extract(hour FROM at AT TIME ZONE 'UTC' + interval '1 hour') >= 22 OR extract(hour FROM at AT TIME ZONE 'UTC' + interval '1 hour') < 6
			GROUP BY 1, 2, 3
		), denied AS (
			SELECT username, role, centre_id, 'denied' AS kind, count(*) AS n, min(at) AS first, max(at) AS last FROM reads
			WHERE outcome = 'denied' GROUP BY 1, 2, 3
		)
		SELECT * FROM other_centre UNION ALL SELECT * FROM bursts UNION ALL SELECT * FROM odd UNION ALL SELECT * FROM denied
		ORDER BY 1, 4`
	rows, err := db.pool.Query(ctx, q, pgx.NamedArgs{"centre": centre, "from": from, "to": to, "burst": burst, "restricted": withRestricted})
	if err != nil {
		return nil, fmt.Errorf("misuse report: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MisuseFinding, error) {
		var f MisuseFinding
		err := r.Scan(&f.Username, &f.Role, &f.CentreID, &f.Kind, &f.Count, &f.First, &f.Last)
		return f, err
	})
}
