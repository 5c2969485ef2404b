-- +goose Up
-- The audit log's index of persons is a GIN index, and a case list's
-- record names about 150 persons: 150 entries. Migration 00009 made the
-- index take them as they come (fastupdate off), so that no append would
-- stall on merging a pending list. At 500 audited requests a second that
-- is 75,000 entries a second, each a descent of the index and its pages
-- written to the WAL: the commit every audited request waits for grew slow
-- with the machine busy (issue 24). The pending list is back, and it is
-- merged every second by the store, off the audit's path
-- (store/auditindex.go), in one sorted pass for a second's entries. Its
-- limit is raised from 4 MB (a second's entries at that rate) to 64 MB,
-- so that an append merges it only when that loop has fallen about
-- fifteen seconds behind or is not running.
ALTER INDEX audit_log_persons RESET (fastupdate);
ALTER INDEX audit_log_persons SET (gin_pending_list_limit = 65536);

-- +goose Down
ALTER INDEX audit_log_persons RESET (gin_pending_list_limit);
ALTER INDEX audit_log_persons SET (fastupdate = off);
