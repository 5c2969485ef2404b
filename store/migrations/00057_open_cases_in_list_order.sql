-- +goose Up
-- The case lists show a centre's or a manager's open cases by their
-- stage's deadline, then by number (store.ListCases). The open cases'
-- indexes of migration 00009 held the deadline only, so a page was read
-- from them as far as its last deadline went and sorted again on the
-- number: at 100,000 cases, the team's list read 257 rows for its 100 and
-- sorted them, about 1 ms of PostgreSQL's CPU each time, half of what
-- PostgreSQL spent on the case lists at 500 requests a second (issue 24).
-- With the number in the index, a page is the index's first rows in order.
--
-- A manager's list names the centre too, and a manager works at one
-- centre: PostgreSQL, taking the two conditions as independent, expected
-- a manager's open cases at their centre to be a few, and chose to gather
-- and sort them all rather than read the first in order. The statistics
-- of the dependency tell it that the manager decides the centre.
CREATE STATISTICS cases_manager_centre (dependencies) ON manager, centre_id FROM cases;
CREATE INDEX cases_open_in_order ON cases (centre_id, stage_due, number) WHERE status = 'open';
CREATE INDEX cases_open_manager_in_order ON cases (manager, stage_due, number) WHERE status = 'open';
DROP INDEX cases_open;
DROP INDEX cases_open_manager;

-- +goose Down
DROP STATISTICS cases_manager_centre;
CREATE INDEX cases_open ON cases (centre_id, stage_due) WHERE status = 'open';
CREATE INDEX cases_open_manager ON cases (manager, stage_due) WHERE status = 'open';
DROP INDEX cases_open_manager_in_order;
DROP INDEX cases_open_in_order;
