package store

import (
	"context"
	"time"

	"github.com/karton-social/karton/domain"
)

// RevokedInMemory answers from the watched copy only: ok is false when
// there is none or it is not to be trusted (tests of WatchRevocations).
func (db *DB) RevokedInMemory(hash []byte) (revoked, ok bool) {
	mem := db.revoked.Load()
	if mem == nil {
		return false, false
	}
	return mem.revoked(hash, time.Now())
}

// KeepRevocationsUnwatched gives db a trusted copy of the revoked tokens
// with no watch feeding it: only what this process revokes comes in.
func (db *DB) KeepRevocationsUnwatched() {
	db.revoked.Store(&revocations{live: true, synced: time.Now()})
}

// ReadRevocationsEvery makes the watches read the table every d (tests of
// the watch's loop) and returns the setting to put back.
func ReadRevocationsEvery(d time.Duration) (restore func()) {
	was := revocationSync
	revocationSync = d
	return func() { revocationSync = was }
}

// AuditIndexMerged is how many records this process has appended to the
// audit log, and of those how many have their index entries merged by its
// loop.
func (db *DB) AuditIndexMerged() (appended, merged int64) {
	return db.auditAppended.Load(), db.auditIndexMerged.Load()
}

// MergeAuditIndex merges what is pending in the audit log's index of
// persons and returns how many pages of the pending list it emptied.
func (db *DB) MergeAuditIndex(ctx context.Context) (int64, error) { return db.mergeAuditIndex(ctx) }

// CaseListQuery is ListCases's query of f, with its arguments (tests of
// its plan).
func CaseListQuery(f CaseFilter) (string, []any) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	return caseListQuery(f)
}

// PaidSumsSQL is the payroll's statement of what other payrolls paid.
const PaidSumsSQL = paidSumsSQL

// PaidOf is the payroll's paid sums of the rights from first to last.
func (db *DB) PaidOf(ctx context.Context, first, last, payroll string, from time.Time) (map[string]map[domain.Month]PaidMonth, error) {
	return db.paidOf(ctx, first, last, payroll, from)
}
