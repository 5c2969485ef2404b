package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/karton-social/karton/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is Karton's PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool

	auditOnce        sync.Once
	auditQueue       chan auditAppend
	auditAppended    atomic.Int64 // records this process appended (audit.go)
	auditIndexMerged atomic.Int64 // of those, how many have their index entries merged (auditindex.go)
	closed           chan struct{}
	closeOnce        sync.Once

	revoked    atomic.Pointer[revocations] // set by WatchRevocations
	taskCounts countsMemo                  // the counts of long task lists, for a second (tasks.go)
}

// DefaultMaxConns is the pool's size unless the database URL's
// pool_max_conns says otherwise: 16, or 4 a core on a larger machine.
func DefaultMaxConns() int { return max(16, 4*runtime.NumCPU()) }

// Open connects to the database at url and registers decimal for numeric.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	// The default (4 on 2 cores) queues the API's requests behind the
	// worker's activities; a URL's pool_max_conns still decides.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(DefaultMaxConns())
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		registerDecimal(c)
		return nil
	}
	cfg.ConnConfig.Tracer = newQueryTracer() // spans for SQL inside a trace (tracing.go)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return &DB{pool: pool, closed: make(chan struct{})}, nil
}

// Close stops the audit writer and releases every connection.
func (db *DB) Close() {
	db.closeOnce.Do(func() { close(db.closed) })
	db.pool.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Pool exposes the pool to tests and tools that need raw SQL.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Migrate brings the schema up to date, and the statistics' dimensions
// with the catalogue (bi.go).
func (db *DB) Migrate(ctx context.Context) error {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	if err := migrate(ctx, sqlDB); err != nil {
		return err
	}
	return db.SyncDimensions(ctx)
}

func migrate(ctx context.Context, sqlDB *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, sub)
	if err != nil {
		return fmt.Errorf("goose provider: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationsFS is the embedded migrations, so tests can name a template
// database after their content.
func MigrationsFS() fs.FS { return migrations }

// InTx runs fn in a transaction, committing if fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// foreignKeyViolation reports whether err is PostgreSQL's refusal of a
// row naming another that is not on record.
func foreignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// uniqueViolation reports whether err is PostgreSQL's refusal of a row
// whose key is taken: by the named constraint, or by any when it is "".
func uniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && (constraint == "" || pe.ConstraintName == constraint)
}

// notPermitted reports whether err is PostgreSQL's refusal of what the
// role may not do.
func notPermitted(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501"
}

// translate turns driver errors into domain errors where they mean one.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.CodeNotFound, "%s not found", what)
	}
	if uniqueViolation(err, "") {
		return domain.Errorf(domain.CodeConflict, "%s already exists", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// appendScanned appends the rows to list, scanning each in place into the
// list's next element through one slice of destinations, refilled by
// fields for each row. A row scanned into a local struct escapes (the
// heap gets a copy of the whole struct per row), and so does the slice of
// destinations built for each call of Scan: for the case and task lists
// at 500 requests/s, the two were 20% of all the lists allocated (issue 24).
func appendScanned[T any](list []T, rows pgx.Rows, fields func(dest []any, row *T) []any) ([]T, error) {
	defer rows.Close()
	var dest []any
	for rows.Next() {
		var zero T
		list = append(list, zero)
		dest = fields(dest, &list[len(list)-1])
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
	}
	return list, rows.Err()
}
