package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// auditIndexMergeEvery is how often the audit log's pending index entries
// are merged into its index of persons (migration 00056): a second's
// appends at 500 audited requests a second are about 4 MB of entries.
const auditIndexMergeEvery = time.Second

// mergeAuditIndexLoop merges the pending entries of the audit log's index
// of persons every auditIndexMergeEvery while this process appends, so no
// audit batch does it inside its commit (issue 24). It stops when the
// database is closed, or for good when the role may not do it (only the
// index's owner may): the inserts then merge the list when it passes its
// limit, as PostgreSQL does by default, and nothing is lost but speed.
func (db *DB) mergeAuditIndexLoop() {
	tick := time.NewTicker(auditIndexMergeEvery)
	defer tick.Stop()
	failing := false // said once, not every second
	for {
		select {
		case <-db.closed:
			return
		case <-tick.C:
		}
		appended := db.auditAppended.Load()
		if appended == db.auditIndexMerged.Load() {
			continue // nothing new in the list since the last merge
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := db.mergeAuditIndex(ctx)
		cancel()
		switch {
		case err == nil:
			db.auditIndexMerged.Store(appended)
			failing = false
		case db.isClosed():
			return
		case notPermitted(err):
			slog.Warn("audit log: the index of persons is merged by the appends that fill it, not in the background: the database role does not own it", "error", err)
			return
		case !failing:
			slog.Warn("audit log: merging the index of persons failed; tried again every second", "error", err)
			failing = true
		}
	}
}

// mergeAuditIndex moves the pending entries of the audit log's index of
// persons into the index and returns how many pages of the pending list
// it emptied.
func (db *DB) mergeAuditIndex(ctx context.Context) (int64, error) {
	var pages int64
	err := db.pool.QueryRow(ctx, `SELECT gin_clean_pending_list('audit_log_persons'::regclass)`).Scan(&pages)
	if err != nil {
		return 0, fmt.Errorf("merge the audit log's index of persons: %w", err)
	}
	return pages, nil
}

func (db *DB) isClosed() bool {
	select {
	case <-db.closed:
		return true
	default:
		return false
	}
}
