package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
)

// Exchange is one answer of a registry, as received.
type Exchange struct {
	RequestID    string
	PersonID     domain.PersonID
	Source       domain.Source
	Issue        string
	RequestedAt  time.Time
	AnsweredAt   time.Time
	ResponseHash string
	Body         []byte // JSON
}

// Fact is one piece of evidence an answer states.
type Fact struct {
	Kind      domain.EvidenceKind
	Value     []byte // canonical JSON
	ValidFrom time.Time
}

// RecordAnswer stores a registry's answer in one transaction: the exchange
// itself, a new evidence version for each fact whose value or date changed
// (none for a fact that stands), and the source marked answered. A retry
// with the same answer writes no new evidence. It returns the changes made,
// by kind.
func (db *DB) RecordAnswer(ctx context.Context, ex Exchange, facts []Fact) (map[domain.EvidenceKind]domain.Change, error) {
	changes, err := db.RecordAnswers(ctx, []Answer{{Exchange: ex, Facts: facts}})
	if err != nil {
		return nil, err
	}
	return changes[0], nil
}

// Answer is one registry's answer to record: the exchange and its facts.
type Answer struct {
	Exchange Exchange
	Facts    []Fact
}

// RecordAnswers stores several answers as RecordAnswer does each, all in
// one transaction: a refresh's ten registries are one commit instead of
// ten (bench/claims: a claim of three persons waited on thirty commits
// and on connections for them). It returns each answer's changes.
func (db *DB) RecordAnswers(ctx context.Context, answers []Answer) ([]map[domain.EvidenceKind]domain.Change, error) {
	out := make([]map[domain.EvidenceKind]domain.Change, len(answers))
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		for i, a := range answers {
			changes, err := recordAnswer(ctx, tx, a.Exchange, a.Facts)
			if err != nil {
				return err
			}
			out[i] = changes
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recordAnswer is RecordAnswer's part in a transaction.
func recordAnswer(ctx context.Context, tx pgx.Tx, ex Exchange, facts []Fact) (map[domain.EvidenceKind]domain.Change, error) {
	changes := map[domain.EvidenceKind]domain.Change{}
	const qx = `
		INSERT INTO registry_exchanges (request_id, person_id, source, issue, requested_at, answered_at, response_hash, body)
		VALUES (@request, @person, @source, @issue, @requested, @answered, @hash, @body)
		ON CONFLICT (request_id) DO NOTHING`
	_, err := tx.Exec(ctx, qx, pgx.NamedArgs{
		"request": ex.RequestID, "person": string(ex.PersonID), "source": string(ex.Source), "issue": ex.Issue,
		"requested": ex.RequestedAt, "answered": ex.AnsweredAt, "hash": ex.ResponseHash, "body": string(ex.Body),
	})
	if err != nil {
		return nil, fmt.Errorf("insert exchange %s: %w", ex.RequestID, err)
	}
	for _, f := range facts {
		change, err := recordFact(ctx, tx, ex, f)
		if err != nil {
			return nil, err
		}
		if change != "" {
			changes[f.Kind] = change
		}
	}
	const qs = `
		INSERT INTO evidence_sources (person_id, source, state, workflow_id, requested_at, answered_at)
		VALUES (@person, @source, 'answered', '', @requested, @answered)
		ON CONFLICT (person_id, source) DO UPDATE SET state = 'answered',
			answered_at = excluded.answered_at, last_error = ''`
	_, err = tx.Exec(ctx, qs, pgx.NamedArgs{
		"person": string(ex.PersonID), "source": string(ex.Source), "requested": ex.RequestedAt, "answered": ex.AnsweredAt,
	})
	if err != nil {
		return nil, fmt.Errorf("mark %s answered: %w", ex.Source, err)
	}
	return changes, nil
}

func recordFact(ctx context.Context, tx pgx.Tx, ex Exchange, f Fact) (domain.Change, error) {
	const qcur = `
		SELECT id, valid_from, value = @value::jsonb
		FROM evidence WHERE person_id = @person AND kind = @kind AND superseded_at IS NULL
		FOR UPDATE`
	var (
		cur  *domain.Evidence
		id   int64
		from time.Time
		same bool
	)
	err := tx.QueryRow(ctx, qcur, pgx.NamedArgs{"person": string(ex.PersonID), "kind": string(f.Kind), "value": string(f.Value)}).
		Scan(&id, &from, &same)
	switch {
	case err == nil:
		cur = &domain.Evidence{ID: id, ValidFrom: from}
	case err != pgx.ErrNoRows:
		return "", fmt.Errorf("select current %s: %w", f.Kind, err)
	}
	write, change := domain.ClassifyEvidence(cur, same, f.ValidFrom)
	if !write {
		return "", nil
	}
	if cur != nil {
		const qold = `UPDATE evidence SET superseded_at = @at,
			valid_to = CASE WHEN @change = 'change' THEN @to::date ELSE valid_to END
			WHERE id = @id`
		_, err := tx.Exec(ctx, qold, pgx.NamedArgs{"at": ex.AnsweredAt, "change": string(change), "to": f.ValidFrom, "id": cur.ID})
		if err != nil {
			return "", fmt.Errorf("supersede %s: %w", f.Kind, err)
		}
	}
	const qnew = `
		INSERT INTO evidence (person_id, kind, source, value, valid_from, fetched_at, request_id, response_hash, issue, change)
		VALUES (@person, @kind, @source, @value, @from, @fetched, @request, @hash, @issue, @change)`
	_, err = tx.Exec(ctx, qnew, pgx.NamedArgs{
		"person": string(ex.PersonID), "kind": string(f.Kind), "source": string(ex.Source), "value": string(f.Value),
		"from": f.ValidFrom, "fetched": ex.AnsweredAt, "request": ex.RequestID, "hash": ex.ResponseHash,
		"issue": ex.Issue, "change": string(change),
	})
	if err != nil {
		return "", fmt.Errorf("insert %s: %w", f.Kind, err)
	}
	return change, nil
}

// MarkSourcesPending records that a refresh asked each source and waits
// for its answer. The last answer stays readable meanwhile.
func (db *DB) MarkSourcesPending(ctx context.Context, person domain.PersonID, workflowID string, sources []domain.Source, at time.Time) error {
	names := make([]string, len(sources))
	for i, s := range sources {
		names[i] = string(s)
	}
	const q = `
		INSERT INTO evidence_sources (person_id, source, state, workflow_id, requested_at)
		SELECT @person, s, 'pending', @workflow, @at FROM unnest(@sources::text[]) AS s
		ON CONFLICT (person_id, source) DO UPDATE SET state = 'pending',
			workflow_id = excluded.workflow_id, requested_at = excluded.requested_at, last_error = ''`
	_, err := db.pool.Exec(ctx, q, pgx.NamedArgs{"person": string(person), "workflow": workflowID, "sources": names, "at": at})
	if err != nil {
		return fmt.Errorf("mark sources pending for %s: %w", person, err)
	}
	return nil
}

// NoteSourceError keeps the latest error of a source that is still pending
// (the refresh goes on retrying), or marks it failed when the refresh gave up.
func (db *DB) NoteSourceError(ctx context.Context, person domain.PersonID, source domain.Source, msg string, failed bool) error {
	const q = `UPDATE evidence_sources SET last_error = @msg,
		state = CASE WHEN @failed THEN 'failed' ELSE state END
		WHERE person_id = @person AND source = @source AND state <> 'answered'`
	_, err := db.pool.Exec(ctx, q, pgx.NamedArgs{"msg": msg, "failed": failed, "person": string(person), "source": string(source)})
	if err != nil {
		return fmt.Errorf("note %s error for %s: %w", source, person, err)
	}
	return nil
}

// SourceStatus is where one source stands for a person.
type SourceStatus struct {
	Source      domain.Source
	State       string // pending, answered, failed
	WorkflowID  string
	RequestedAt time.Time
	AnsweredAt  *time.Time
	LastError   string
}

// EvidenceSources lists the state of every source asked about person.
func (db *DB) EvidenceSources(ctx context.Context, person domain.PersonID) ([]SourceStatus, error) {
	const q = `SELECT source, state, workflow_id, requested_at, answered_at, last_error
		FROM evidence_sources WHERE person_id = @person ORDER BY source`
	rows, err := db.pool.Query(ctx, q, pgx.NamedArgs{"person": string(person)})
	if err != nil {
		return nil, fmt.Errorf("select sources of %s: %w", person, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SourceStatus, error) {
		var s SourceStatus
		err := r.Scan(&s.Source, &s.State, &s.WorkflowID, &s.RequestedAt, &s.AnsweredAt, &s.LastError)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan sources of %s: %w", person, err)
	}
	return out, nil
}

// Evidence lists person's evidence: only the current version of each kind,
// or with history every version, newest first within a kind.
func (db *DB) Evidence(ctx context.Context, person domain.PersonID, history bool) ([]domain.Evidence, error) {
	const q = `
		SELECT id, kind, source, value::text, valid_from, valid_to, fetched_at, declared,
			request_id, response_hash, issue, change
		FROM evidence
		WHERE person_id = @person AND (@history OR superseded_at IS NULL)
		ORDER BY source, kind, id DESC`
	rows, err := db.pool.Query(ctx, q, pgx.NamedArgs{"person": string(person), "history": history})
	if err != nil {
		return nil, fmt.Errorf("select evidence of %s: %w", person, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Evidence, error) {
		e := domain.Evidence{PersonID: person}
		var value string
		err := r.Scan(&e.ID, &e.Kind, &e.Source, &value, &e.ValidFrom, &e.ValidTo, &e.FetchedAt, &e.Declared,
			&e.Provenance.RequestID, &e.Provenance.ResponseHash, &e.Provenance.Issue, &e.Change)
		e.Value = []byte(value)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan evidence of %s: %w", person, err)
	}
	return out, nil
}
