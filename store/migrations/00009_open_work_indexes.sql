-- +goose Up
-- The inboxes and case lists read open work only: a few percent of the
-- rows once a centre has years of completed tasks and closed cases behind
-- it. These partial indexes hold the open rows alone, in the order the
-- lists show them (overdue first, then by due date), so that a page of an
-- inbox reads its rows and no more, however long the group's backlog, and
-- its counts come from the index alone.
CREATE INDEX tasks_open_role ON tasks (centre_id, candidate_role, overdue DESC, due_at, priority DESC, created_at)
    WHERE state = 'open';
CREATE INDEX tasks_open_unassigned ON tasks (centre_id, candidate_role, overdue DESC, due_at, priority DESC, created_at)
    WHERE state = 'open' AND assignee IS NULL;
CREATE INDEX tasks_open_escalated ON tasks (centre_id, escalated_to, overdue DESC, due_at, priority DESC, created_at)
    WHERE state = 'open' AND escalated_to IS NOT NULL;
CREATE INDEX tasks_open_assignee ON tasks (assignee, overdue DESC, due_at, priority DESC, created_at)
    WHERE state = 'open';
CREATE INDEX cases_open ON cases (centre_id, stage_due) WHERE status = 'open';
-- An inbox page names up to 50 persons in its audit record, at hundreds
-- of records a second: the persons' index takes them as they come rather
-- than in a pending list whose periodic clean-up stalls an append.
ALTER INDEX audit_log_persons SET (fastupdate = off);
CREATE INDEX cases_open_manager ON cases (manager, stage_due) WHERE status = 'open';

-- +goose Down
ALTER INDEX audit_log_persons RESET (fastupdate);
DROP INDEX cases_open_manager;
DROP INDEX cases_open;
DROP INDEX tasks_open_assignee;
DROP INDEX tasks_open_escalated;
DROP INDEX tasks_open_unassigned;
DROP INDEX tasks_open_role;
