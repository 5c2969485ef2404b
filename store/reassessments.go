package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Reassessment re-rates the rights of the benefits a parameter value
// affects, from its day on, chunk by chunk: its progress is what the
// committed chunks did.
type Reassessment struct {
	ID               int64
	ParameterValueID int64
	Parameter        string // the parameter's name
	LegalRef         string // the value's legal reference
	ParamsVersion    int64  // the approval it re-rates with (the parameters up to it)
	Benefits         []string
	EffectiveFrom    time.Time
	State            string // pending, running, done
	Cursor           string // the last right done ("" before the first chunk)
	Chunks           int
	Rights           int // rights looked at
	Rerated          int // with a new version
	Unchanged        int // the rules give the amount they pay
	NoBasis          int // no situation to recalculate from: not re-rated
	NotRated         int // the new values no longer grant them: a revision's
	StartedBy        string
	CreatedAt        time.Time
	StartedAt        *time.Time
	FinishedAt       *time.Time
}

const reassessmentColumns = `r.id, r.parameter_value_id, p.name, p.legal_ref, coalesce(p.approved_seq, 0), r.benefits, r.effective_from, r.state,
	coalesce(r.cursor::text, ''), r.chunks, r.rights, r.rerated, r.unchanged, r.no_basis, r.not_rated, r.started_by, r.created_at, r.started_at,
	r.finished_at`

const reassessmentFrom = ` FROM reassessments r JOIN parameter_values p ON p.id = r.parameter_value_id `

func scanReassessment(row pgx.CollectableRow) (Reassessment, error) {
	var r Reassessment
	err := row.Scan(&r.ID, &r.ParameterValueID, &r.Parameter, &r.LegalRef, &r.ParamsVersion, &r.Benefits, &r.EffectiveFrom, &r.State, &r.Cursor,
		&r.Chunks, &r.Rights, &r.Rerated, &r.Unchanged, &r.NoBasis, &r.NotRated, &r.StartedBy, &r.CreatedAt, &r.StartedAt, &r.FinishedAt)
	return r, err
}

// ReassessmentByID returns a reassessment. Returns CodeNotFound.
func (db *DB) ReassessmentByID(ctx context.Context, id int64) (Reassessment, error) {
	return reassessmentByID(ctx, db.pool, id, "")
}

type rowsQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func reassessmentByID(ctx context.Context, q rowsQuerier, id int64, lock string) (Reassessment, error) {
	rows, err := q.Query(ctx, `SELECT `+reassessmentColumns+reassessmentFrom+` WHERE r.id = $1`+lock, id)
	if err != nil {
		return Reassessment{}, fmt.Errorf("select reassessment %d: %w", id, err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanReassessment)
	return r, translate(err, "reassessment "+strconv.FormatInt(id, 10))
}

// Unrated is a right a reassessment did not re-rate, and why.
type Unrated struct {
	EntitlementID string
	Reason        string
}

// UnratedOf lists the rights a reassessment did not re-rate, at most limit.
func (db *DB) UnratedOf(ctx context.Context, id int64, limit int) ([]Unrated, error) {
	rows, err := db.pool.Query(ctx, `SELECT entitlement_id::text, reason FROM reassessment_unrated WHERE reassessment_id = $1
		ORDER BY entitlement_id LIMIT $2`, id, limit)
	if err != nil {
		return nil, fmt.Errorf("select unrated of %d: %w", id, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Unrated])
}

// Notice tells a beneficiary an amount changed ex officio.
type Notice struct {
	EntitlementID string
	PersonID      domain.PersonID
	Kind          string // indexation
	Source        string // reassessment:<id>
	ValidFrom     time.Time
	OldAmount     decimal.Decimal
	NewAmount     decimal.Decimal
	Lines         json.RawMessage
	CreatedAt     time.Time
}

// NoticesOf lists the notices about a right, oldest first.
func (db *DB) NoticesOf(ctx context.Context, entitlement string) ([]Notice, error) {
	rows, err := db.pool.Query(ctx, `SELECT entitlement_id::text, person_id::text, kind, source, valid_from, old_amount, new_amount, lines, created_at
		FROM notices WHERE entitlement_id = $1::uuid ORDER BY id`, entitlement)
	if err != nil {
		return nil, fmt.Errorf("select notices of %s: %w", entitlement, err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Notice])
}

// RightToRerate is a right as a reassessment reads it.
type RightToRerate struct {
	ID       string
	Benefit  string
	PersonID domain.PersonID
	Basis    json.RawMessage // nil: the right has none
	Timeline domain.Timeline
}

// RightOutcome is what a reassessment does to one right: versions to add
// (Seq, Source and Ref set by the caller) with a notice, or the reason it
// is not re-rated.
type RightOutcome struct {
	EntitlementID string
	Versions      []Version
	Notice        *Notice
	NoBasis       bool
	Unrated       string // why not re-rated ("" when re-rated or unchanged)
}

// ChunkResult is a chunk's progress.
type ChunkResult struct {
	Cursor                                        string // the last right done
	Rights, Rerated, Unchanged, NoBasis, NotRated int
	Done                                          bool // no right left
	// Replayed: the chunk after this cursor had already been done (its
	// transaction committed but its caller did not hear): nothing was done
	// again, Cursor is where the reassessment stands.
	Replayed bool
}

// Part is one range of a reassessment's rights: the ids whose first 32
// bits fall in the N-th of Of equal ranges. Of 0 is the whole, its cursor
// kept on the reassessment itself (the reassessments run before parts).
type Part struct{ N, Of int }

// bounds are the part's first id and the first id after it ("" for none).
func (p Part) bounds() (lo, hi string) {
	if p.Of <= 1 {
		return "", ""
	}
	at := func(n int) string {
		return fmt.Sprintf("%08x-0000-0000-0000-000000000000", uint64(n)<<32/uint64(p.Of))
	}
	if p.N > 0 {
		lo = at(p.N)
	}
	if p.N+1 < p.Of {
		hi = at(p.N + 1)
	}
	return lo, hi
}

// ReassessChunk does the next chunk of part of reassessment id after the
// right after ("" for the first): it reads the next limit affected rights
// of the part (of the reassessment's benefits, monthly, not ended before
// its day), reads their versions, asks rate what to do with each, and
// writes the versions, notices, the rights' amounts, the unrated and the
// progress in the same transaction. A chunk is done exactly once: if the
// part's cursor is no longer after, its transaction already committed and
// nothing is done. The parts of a reassessment run at once; the last part
// to finish marks it done. Returns CodeNotFound for an unknown
// reassessment, CodeInvalid for a part out of range.
func (db *DB) ReassessChunk(ctx context.Context, id int64, part Part, after string, limit int,
	rate func(Reassessment, []RightToRerate) ([]RightOutcome, error)) (ChunkResult, error) {
	if part.N < 0 || (part.Of > 0 && part.N >= part.Of) || (part.Of == 0 && part.N != 0) {
		return ChunkResult{}, domain.Errorf(domain.CodeInvalid, "part %d of %d does not exist", part.N, part.Of)
	}
	var res ChunkResult
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		r, cursor, done, err := lockPart(ctx, tx, id, part)
		if err != nil {
			return err
		}
		if cursor != after || done {
			res = ChunkResult{Cursor: cursor, Done: done, Replayed: true}
			return nil
		}
		lo, hi := part.bounds()
		rights, err := rightsToRerate(ctx, tx, r, span{after: after, lo: lo, hi: hi}, limit)
		if err != nil {
			return err
		}
		outs, err := rate(r, rights)
		if err != nil {
			return err
		}
		res = ChunkResult{Cursor: after, Rights: len(rights), Done: len(rights) < limit}
		if len(rights) > 0 {
			res.Cursor = rights[len(rights)-1].ID
		}
		if err := writeOutcomes(ctx, tx, r, rights, outs, &res); err != nil {
			return err
		}
		return saveProgress(ctx, tx, id, part, res)
	})
	if err != nil {
		return ChunkResult{}, err
	}
	return res, nil
}

// lockPart reads the reassessment and locks where the part stands: the
// reassessment's row for the whole, the part's row (made at its first
// chunk) otherwise, so that the parts do not wait for each other.
func lockPart(ctx context.Context, tx pgx.Tx, id int64, part Part) (r Reassessment, cursor string, done bool, err error) {
	if part.Of == 0 {
		r, err = reassessmentByID(ctx, tx, id, " FOR UPDATE OF r")
		return r, r.Cursor, r.State == "done", err
	}
	if r, err = reassessmentByID(ctx, tx, id, ""); err != nil {
		return r, "", false, err
	}
	if _, err = tx.Exec(ctx, `INSERT INTO reassessment_parts (reassessment_id, part, parts) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		id, part.N, part.Of); err != nil {
		return r, "", false, fmt.Errorf("add part %d of reassessment %d: %w", part.N, id, err)
	}
	var of int
	err = tx.QueryRow(ctx, `SELECT coalesce(cursor::text, ''), done, parts FROM reassessment_parts WHERE reassessment_id = $1 AND part = $2 FOR UPDATE`,
		id, part.N).Scan(&cursor, &done, &of)
	if err != nil {
		return r, "", false, fmt.Errorf("lock part %d of reassessment %d: %w", part.N, id, err)
	}
	if of != part.Of {
		return r, "", false, domain.Errorf(domain.CodeConflict, "reassessment %d runs in %d parts, not %d", id, of, part.Of)
	}
	return r, cursor, done || r.State == "done", nil
}

// saveProgress records a chunk: the part's cursor, the reassessment's
// counts, and done when no part is left. The counts' update locks the
// reassessment's row until commit, so the last part to finish sees the
// others' done.
func saveProgress(ctx context.Context, tx pgx.Tx, id int64, part Part, res ChunkResult) error {
	var cursor any
	if res.Cursor != "" {
		cursor = res.Cursor
	}
	if part.Of > 0 {
		if _, err := tx.Exec(ctx, `UPDATE reassessment_parts SET cursor = $3, done = $4 WHERE reassessment_id = $1 AND part = $2`,
			id, part.N, cursor, res.Done); err != nil {
			return fmt.Errorf("save part %d of reassessment %d: %w", part.N, id, err)
		}
		cursor = nil
	}
	_, err := tx.Exec(ctx, `UPDATE reassessments SET cursor = coalesce($2, cursor), chunks = chunks + 1, rights = rights + $3, rerated = rerated + $4,
		unchanged = unchanged + $5, no_basis = no_basis + $6, not_rated = not_rated + $7, state = 'running', started_at = coalesce(started_at, now())
		WHERE id = $1`, id, cursor, res.Rights, res.Rerated, res.Unchanged, res.NoBasis, res.NotRated)
	if err != nil || !res.Done {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE reassessments SET state = 'done', finished_at = now() WHERE id = $1
		AND ($2 = 0 OR (SELECT count(*) FROM reassessment_parts WHERE reassessment_id = $1 AND done) = $2)`, id, part.Of)
	return err
}

// span is where a chunk reads: after the cursor, from lo, before hi
// ("" for no bound).
type span struct{ after, lo, hi string }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// rightsToRerate reads the next chunk of rights with their versions. The
// rights are not locked (a lock writes every row once more): a version
// another transaction adds to one of them meanwhile takes the seq this
// chunk would give its own, and the chunk fails on the key and is done
// again from the start, seeing it.
func rightsToRerate(ctx context.Context, tx pgx.Tx, r Reassessment, sp span, limit int) ([]RightToRerate, error) {
	rows, err := tx.Query(ctx, `SELECT id::text, benefit, beneficiary_id::text, basis FROM entitlements
		WHERE benefit = ANY($1) AND periodicity = 'monthly' AND (valid_to IS NULL OR valid_to >= $2)
		AND ($3::uuid IS NULL OR id > $3::uuid) AND ($5::uuid IS NULL OR id >= $5::uuid) AND ($6::uuid IS NULL OR id < $6::uuid)
		ORDER BY entitlements.id LIMIT $4`, r.Benefits, r.EffectiveFrom, nullable(sp.after), limit, nullable(sp.lo), nullable(sp.hi))
	if err != nil {
		return nil, fmt.Errorf("select rights to re-rate: %w", err)
	}
	var rights []RightToRerate
	var x RightToRerate
	if _, err := pgx.ForEachRow(rows, []any{&x.ID, &x.Benefit, &x.PersonID, &x.Basis}, func() error {
		rights = append(rights, x)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("select rights to re-rate: %w", err)
	}
	if len(rights) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rights))
	at := make(map[string]int, len(rights))
	for i, x := range rights {
		ids[i], at[x.ID] = x.ID, i
	}
	rows, err = tx.Query(ctx, `SELECT entitlement_id::text, seq, valid_from, valid_to, amount, state, reason, ref
		FROM entitlement_versions WHERE entitlement_id = ANY($1::uuid[]) ORDER BY entitlement_versions.entitlement_id, seq`, ids)
	if err != nil {
		return nil, fmt.Errorf("select versions: %w", err)
	}
	var id string
	var v domain.RightVersion
	_, err = pgx.ForEachRow(rows, []any{&id, &v.Seq, &v.From, &v.To, &v.Amount, &v.State, &v.Reason, &v.Ref}, func() error {
		i := at[id]
		rights[i].Timeline = append(rights[i].Timeline, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select versions: %w", err)
	}
	return rights, nil
}

// writeOutcomes stores a chunk's versions and notices (COPY: the chunk is
// done once, under the reassessment's lock), brings the re-rated rights'
// amounts up to date and counts.
func writeOutcomes(ctx context.Context, tx pgx.Tx, r Reassessment, rights []RightToRerate, outs []RightOutcome, res *ChunkResult) error {
	timeline := make(map[string]domain.Timeline, len(rights))
	for _, x := range rights {
		timeline[x.ID] = x.Timeline
	}
	var versions, notices, unrated [][]any
	var ids, revise []string
	var amounts []decimal.Decimal
	for _, o := range outs {
		switch {
		case o.NoBasis:
			res.NoBasis++
			unrated = append(unrated, []any{r.ID, o.EntitlementID, "no basis: the situation the amount was calculated from is not recorded"})
			revise = append(revise, o.EntitlementID)
			continue
		case o.Unrated != "":
			res.NotRated++
			unrated = append(unrated, []any{r.ID, o.EntitlementID, o.Unrated})
			revise = append(revise, o.EntitlementID)
			continue
		case len(o.Versions) == 0:
			res.Unchanged++
			continue
		}
		res.Rerated++
		t := timeline[o.EntitlementID]
		for _, v := range o.Versions {
			v.State = domain.RightActive
			versions = append(versions, []any{o.EntitlementID, v.Seq, v.From, v.To, v.Amount.Round(2), string(v.State), string(v.Reason),
				v.Ref, v.Source, v.CreatedBy})
			t = append(t, v.RightVersion)
		}
		if cur, ok := t.Current(); ok && cur.State == domain.RightActive {
			ids, amounts = append(ids, o.EntitlementID), append(amounts, cur.Amount.Round(2))
		}
		if n := o.Notice; n != nil {
			lines := n.Lines
			if len(lines) == 0 {
				lines = json.RawMessage("[]")
			}
			notices = append(notices, []any{n.EntitlementID, string(n.PersonID), n.Kind, n.Source, n.ValidFrom, n.OldAmount.Round(2),
				n.NewAmount.Round(2), string(lines)})
		}
	}
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"entitlement_versions", []string{"entitlement_id", "seq", "valid_from", "valid_to", "amount", "state", "reason", "ref", "source", "created_by"}, versions},
		{"notices", []string{"entitlement_id", "person_id", "kind", "source", "valid_from", "old_amount", "new_amount", "lines"}, notices},
		{"reassessment_unrated", []string{"reassessment_id", "entitlement_id", "reason"}, unrated},
	}
	for _, c := range copies {
		if len(c.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return translate(err, c.table+" of reassessment "+strconv.FormatInt(r.ID, 10))
		}
	}
	// A right not re-rated is revised from the new value's day (the daily
	// sweep starts the revision, which fetches the evidence afresh and
	// decides, with four eyes where the right falls or ends).
	if len(revise) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE entitlements SET next_revision = least(coalesce(next_revision, $2), $2) WHERE id = ANY($1::uuid[])`,
			revise, r.EffectiveFrom); err != nil {
			return fmt.Errorf("revise the rights not re-rated: %w", err)
		}
	}
	if len(ids) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE entitlements e SET amount = u.amount FROM unnest($1::uuid[], $2::numeric[]) AS u(id, amount)
			WHERE e.id = u.id`, ids, amounts); err != nil {
			return fmt.Errorf("update re-rated amounts: %w", err)
		}
	}
	return nil
}

// AddNotice records a notice once per right and source.
func (db *DB) AddNotice(ctx context.Context, n Notice) error {
	lines := n.Lines
	if len(lines) == 0 {
		lines = json.RawMessage("[]")
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO notices (entitlement_id, person_id, kind, source, valid_from, old_amount, new_amount, lines)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (entitlement_id, source) DO NOTHING`,
		n.EntitlementID, string(n.PersonID), n.Kind, n.Source, n.ValidFrom, n.OldAmount.Round(2), n.NewAmount.Round(2), string(lines))
	if err != nil {
		return fmt.Errorf("insert notice of %s: %w", n.EntitlementID, err)
	}
	return nil
}

// MarkReassessmentStarted records that the reassessment's workflow was
// started: from then on its value cannot be approved again. A pending
// reassessment is one whose start failed (Temporal down at the approval).
func (db *DB) MarkReassessmentStarted(ctx context.Context, id int64) error {
	_, err := db.pool.Exec(ctx, `UPDATE reassessments SET state = 'running', started_at = coalesce(started_at, now()) WHERE id = $1 AND state = 'pending'`, id)
	if err != nil {
		return fmt.Errorf("mark reassessment %d started: %w", id, err)
	}
	return nil
}
