package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// ChangeEvent is a change a registry published (or Karton found), as
// stored: see store/migrations/00020_change_events.sql.
type ChangeEvent struct {
	ID         string
	Feed       string
	Source     string // a domain.Source, or "karton"
	JMBG       domain.JMBG
	PersonID   domain.PersonID // "" while unmatched
	Kind       domain.ChangeKind
	OccurredOn time.Time
	Payload    json.RawMessage
	State      string
	Outcome    []ChangeOutcome
	ReceivedAt time.Time
	AppliedAt  *time.Time
}

// ChangeOutcome is what a change did to one right it touched.
type ChangeOutcome struct {
	EntitlementID string `json:"entitlement_id"`
	Benefit       string `json:"benefit"`
	// Action: ended (ex officio, a death), rerated (ex officio, a child
	// came of age), proposed (a reassessment was proposed to a caseworker),
	// unchanged (the right was already ended, or nothing to do).
	Action  string `json:"action"`
	From    string `json:"from,omitempty"`    // the first day of the new version
	Version int    `json:"version,omitempty"` // the version added
	Task    string `json:"task,omitempty"`    // the caseworker's task
	Note    string `json:"note,omitempty"`
}

const changeColumns = `id, feed, source, jmbg, coalesce(person_id::text, ''), kind, occurred_on, payload, state, outcome, received_at, applied_at`

func scanChange(r pgx.CollectableRow) (ChangeEvent, error) {
	var e ChangeEvent
	var outcome []byte
	err := r.Scan(&e.ID, &e.Feed, &e.Source, &e.JMBG, &e.PersonID, &e.Kind, &e.OccurredOn, &e.Payload, &e.State, &outcome, &e.ReceivedAt, &e.AppliedAt)
	if err == nil {
		err = json.Unmarshal(outcome, &e.Outcome)
	}
	return e, err
}

// FeedCursor is where Karton stands in feed: the cursor to ask from next
// ("" before the first poll).
func (db *DB) FeedCursor(ctx context.Context, feed string) (string, error) {
	var c string
	err := db.pool.QueryRow(ctx, `SELECT cursor FROM change_feed_cursors WHERE feed = $1`, feed).Scan(&c)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("select cursor of %s: %w", feed, err)
	}
	return c, nil
}

// personOfJMBG is the person a JMBG names: null unless exactly one person
// has it (a confirmed duplicate number is for an operator to resolve).
const personOfJMBG = `(SELECT CASE WHEN count(*) = 1 THEN min(id::text)::uuid END FROM persons WHERE jmbg = $4)`

// StoreChanges stores a page of feed read from cursor since, and moves the
// feed's cursor to next, in one transaction: a page is taken exactly once.
// If the cursor is no longer since (another poll took the page first), it
// stores nothing and returns CodeConflict. An event already stored (the
// same id) is not stored again. Each event is matched to the person its
// JMBG names, or kept unmatched. Returns how many events were new.
func (db *DB) StoreChanges(ctx context.Context, feed, since, next string, events []ChangeEvent) (int, error) {
	stored := 0
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO change_feed_cursors (feed) VALUES ($1) ON CONFLICT DO NOTHING`, feed); err != nil {
			return fmt.Errorf("cursor of %s: %w", feed, err)
		}
		var cur string
		if err := tx.QueryRow(ctx, `SELECT cursor FROM change_feed_cursors WHERE feed = $1 FOR UPDATE`, feed).Scan(&cur); err != nil {
			return fmt.Errorf("cursor of %s: %w", feed, err)
		}
		if cur != since {
			return domain.Errorf(domain.CodeConflict, "the feed %s moved on from %q to %q: another poll took this page", feed, since, cur)
		}
		for _, e := range events {
			payload := e.Payload
			if len(payload) == 0 {
				payload = json.RawMessage("{}")
			}
			tag, err := tx.Exec(ctx, `INSERT INTO change_events (id, feed, source, jmbg, person_id, kind, occurred_on, payload, state)
				VALUES ($1, $2, $3, $4, `+personOfJMBG+`, $5, $6, $7, CASE WHEN `+personOfJMBG+` IS NULL THEN 'unmatched' ELSE 'new' END)
				ON CONFLICT (id) DO NOTHING`, e.ID, feed, e.Source, string(e.JMBG), string(e.Kind), e.OccurredOn, string(payload))
			if err != nil {
				return translate(err, "change "+e.ID)
			}
			stored += int(tag.RowsAffected())
		}
		_, err := tx.Exec(ctx, `UPDATE change_feed_cursors SET cursor = $2, events = events + $3, polled_at = now() WHERE feed = $1`, feed, next, stored)
		return err
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

// MatchChanges matches the unmatched changes whose JMBG is now a person
// Karton knows (registered since): they become new, to be applied.
func (db *DB) MatchChanges(ctx context.Context) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE change_events c SET person_id = p.id, state = 'new'
		FROM persons p WHERE c.state = 'unmatched' AND p.jmbg = c.jmbg
		AND (SELECT count(*) FROM persons q WHERE q.jmbg = c.jmbg) = 1`)
	if err != nil {
		return 0, fmt.Errorf("match changes: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// NewChanges lists the ids of changes not yet applied, oldest first.
func (db *DB) NewChanges(ctx context.Context, limit int) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM change_events WHERE state = 'new' ORDER BY received_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("select new changes: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("select new changes: %w", err)
	}
	return ids, nil
}

// Change returns one change. Returns CodeNotFound for an unknown id.
func (db *DB) Change(ctx context.Context, id string) (ChangeEvent, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+changeColumns+` FROM change_events WHERE id = $1`, id)
	if err != nil {
		return ChangeEvent{}, fmt.Errorf("select change %s: %w", id, err)
	}
	e, err := pgx.CollectExactlyOneRow(rows, scanChange)
	if err != nil {
		return ChangeEvent{}, translate(err, "change "+id)
	}
	return e, nil
}

// FinishChange records what a new change did (state applied or proposed,
// and its outcome per right). A change no longer new is left as it is:
// the first outcome stands; finished is false then.
func (db *DB) FinishChange(ctx context.Context, id, state string, outcome []ChangeOutcome, at time.Time) (finished bool, err error) {
	if state != domain.ChangeApplied && state != domain.ChangeProposed {
		return false, domain.Errorf(domain.CodeInvalid, "a change is finished as applied or proposed, not %q", state)
	}
	if outcome == nil {
		outcome = []ChangeOutcome{}
	}
	b, _ := json.Marshal(outcome)
	tag, err := db.pool.Exec(ctx, `UPDATE change_events SET state = $2, outcome = $3, applied_at = $4 WHERE id = $1 AND state = 'new'`,
		id, state, string(b), at)
	if err != nil {
		return false, fmt.Errorf("finish change %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ChangeFilter selects changes: by state, by person, or both.
type ChangeFilter struct {
	State    string
	PersonID domain.PersonID
	Limit    int // default 100, at most 1000
}

// Changes lists changes, newest first.
func (db *DB) Changes(ctx context.Context, f ChangeFilter) ([]ChangeEvent, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var person any
	if f.PersonID != "" {
		if _, err := uuid.Parse(string(f.PersonID)); err != nil {
			return []ChangeEvent{}, nil
		}
		person = string(f.PersonID)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+changeColumns+` FROM change_events
		WHERE ($1 = '' OR state = $1) AND ($2::uuid IS NULL OR person_id = $2::uuid)
		ORDER BY occurred_on DESC, received_at DESC, id LIMIT $3`, f.State, person, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("select changes: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanChange)
	if err != nil {
		return nil, fmt.Errorf("select changes: %w", err)
	}
	return out, nil
}

// TouchedRight is a right a person's change touches.
type TouchedRight struct {
	EntitlementID string
	Benefit       string
	ClaimNumber   string
	CentreID      string
	BeneficiaryID domain.PersonID
	// Own: the person holds the right (its beneficiary, or the claim's
	// subject); otherwise the person is a member of the household the
	// right was granted to.
	Own       bool
	ValidFrom time.Time
	Amount    string
	Basis     json.RawMessage // benefits.Situation, when the grant recorded it
}

// RightsTouchedBy lists the periodic rights not ended that person holds or
// is a member of (claim_members of the right's claim), oldest first.
func (db *DB) RightsTouchedBy(ctx context.Context, person domain.PersonID) ([]TouchedRight, error) {
	rows, err := db.pool.Query(ctx, `SELECT e.id::text, e.benefit, e.claim_number, c.centre_id, e.beneficiary_id::text,
			(e.beneficiary_id = $1 OR c.subject_id IS NOT DISTINCT FROM $1::uuid), e.valid_from, e.amount::text, coalesce(e.basis, 'null'::jsonb)
		FROM entitlements e JOIN claims c ON c.number = e.claim_number
		WHERE e.state <> 'ended' AND e.periodicity = 'monthly'
		AND (e.beneficiary_id = $1 OR c.subject_id = $1
			OR EXISTS (SELECT 1 FROM claim_members m WHERE m.claim_number = e.claim_number AND m.person_id = $1))
		ORDER BY e.valid_from, e.id`, string(person))
	if err != nil {
		return nil, fmt.Errorf("select rights of %s: %w", person, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (TouchedRight, error) {
		var t TouchedRight
		var basis []byte
		err := r.Scan(&t.EntitlementID, &t.Benefit, &t.ClaimNumber, &t.CentreID, &t.BeneficiaryID, &t.Own, &t.ValidFrom, &t.Amount, &basis)
		if string(basis) != "null" {
			t.Basis = basis
		}
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("select rights of %s: %w", person, err)
	}
	return out, nil
}

// RecordAdulthood records, once per person, a change "adulthood" for each
// child (household relation child, not the holder) of a right of benefit
// not ended who reached age on or before day, after the right began: the
// daily check that ends a child's part of the child allowance. Returns how
// many were recorded.
func (db *DB) RecordAdulthood(ctx context.Context, benefit string, age int, day time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `INSERT INTO change_events (id, feed, source, jmbg, person_id, kind, occurred_on, state)
		SELECT DISTINCT 'karton-adulthood-' || p.id::text, 'karton', 'karton', p.jmbg, p.id, 'adulthood',
			(p.birth_date + make_interval(years => $2))::date, 'new'
		FROM entitlements e JOIN claim_members m ON m.claim_number = e.claim_number JOIN persons p ON p.id = m.person_id
		WHERE e.benefit = $1 AND e.state <> 'ended' AND p.id <> e.beneficiary_id AND p.relation = 'child'
		AND p.birth_date + make_interval(years => $2) <= $3 AND p.birth_date + make_interval(years => $2) > e.valid_from
		ON CONFLICT (id) DO NOTHING`, benefit, age, day)
	if err != nil {
		return 0, fmt.Errorf("record adulthood: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// ChildrenOfRight lists the birth dates of the children (household
// relation child) among the members of a right's claim, its holder aside.
func (db *DB) ChildrenOfRight(ctx context.Context, entitlement string) ([]time.Time, error) {
	rows, err := db.pool.Query(ctx, `SELECT p.birth_date FROM entitlements e JOIN claim_members m ON m.claim_number = e.claim_number
		JOIN persons p ON p.id = m.person_id WHERE e.id = $1 AND p.id <> e.beneficiary_id AND p.relation = 'child' ORDER BY p.birth_date`, entitlement)
	if err != nil {
		return nil, fmt.Errorf("select children of %s: %w", entitlement, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, fmt.Errorf("select children of %s: %w", entitlement, err)
	}
	return out, nil
}
