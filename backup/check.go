package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/karton-social/karton/objects"
)

// RowCounts counts the rows of every table of the public schema (exactly,
// not the planner's estimate), by table name.
func RowCounts(ctx context.Context, pool *pgxpool.Pool) (map[string]int64, error) {
	rows, err := pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		return nil, fmt.Errorf("tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("tables: %w", err)
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t}.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		counts[t] = n
	}
	return counts, nil
}

// DocumentRef is a column pair naming a document: its key and its SHA-256
// (documents.object_key and sha256, decisions' document_key and
// document_sha256, ...).
type DocumentRef struct {
	Table, KeyColumn, HashColumn string
}

// DocumentRefs finds every column pair of the schema that names a
// document: a text column ending in "key" beside one ending in "sha256"
// with the same prefix (object_key beside sha256). A table added later is checked without a change
// here.
func DocumentRefs(ctx context.Context, pool *pgxpool.Pool) ([]DocumentRef, error) {
	rows, err := pool.Query(ctx, `SELECT k.table_name, k.column_name, h.column_name
		FROM information_schema.columns k JOIN information_schema.columns h
			ON h.table_schema = k.table_schema AND h.table_name = k.table_name
			AND (h.column_name = left(k.column_name, length(k.column_name) - 3) || 'sha256'
				OR (k.column_name = 'object_key' AND h.column_name = 'sha256'))
		WHERE k.table_schema = 'public' AND k.column_name LIKE '%key' AND k.data_type = 'text'
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("document columns: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DocumentRef, error) {
		var d DocumentRef
		return d, r.Scan(&d.Table, &d.KeyColumn, &d.HashColumn)
	})
}

// Problem is one document the database names that the store does not hold
// as recorded.
type Problem struct {
	Ref    DocumentRef
	Key    string
	Reason string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s.%s %s: %s", p.Ref.Table, p.Ref.KeyColumn, p.Key, p.Reason)
}

// CheckDocuments reads every document the database names from the store
// and compares its SHA-256 with the one recorded; it returns how many it
// checked and what is missing or differs.
func CheckDocuments(ctx context.Context, pool *pgxpool.Pool, s *objects.Store) (int, []Problem, error) {
	refs, err := DocumentRefs(ctx, pool)
	if err != nil {
		return 0, nil, err
	}
	checked := 0
	var problems []Problem
	for _, ref := range refs {
		q := fmt.Sprintf(`SELECT %s, %s FROM %s WHERE %s IS NOT NULL`, pgx.Identifier{ref.KeyColumn}.Sanitize(),
			pgx.Identifier{ref.HashColumn}.Sanitize(), pgx.Identifier{ref.Table}.Sanitize(), pgx.Identifier{ref.KeyColumn}.Sanitize())
		rows, err := pool.Query(ctx, q)
		if err != nil {
			return checked, nil, fmt.Errorf("%s: %w", ref.Table, err)
		}
		pairs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Key, Hash string }])
		if err != nil {
			return checked, nil, fmt.Errorf("%s: %w", ref.Table, err)
		}
		for _, p := range pairs {
			checked++
			data, err := s.Get(ctx, p.Key)
			if err != nil {
				problems = append(problems, Problem{ref, p.Key, "missing from the object store"})
				continue
			}
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, p.Hash) {
				problems = append(problems, Problem{ref, p.Key, "its SHA-256 differs from the one recorded"})
			}
		}
	}
	return checked, problems, nil
}
