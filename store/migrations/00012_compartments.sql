-- +goose Up
-- The domestic-violence compartment (DOMAIN.md §5.6). Its records exist
-- only for the staff cleared for it; for anyone else they do not exist.

-- Restricted accesses (GDPR Art. 23): an access made under a restricted
-- purpose stays in the chain for auditors but never shows in a citizen's
-- access log or a staff e-file.
ALTER TABLE audit_log ADD COLUMN restricted boolean NOT NULL DEFAULT false;

-- A task carries the compartment of its procedure ('' for none): the DV
-- notifications' tasks, the DV cases' and their sub-procedures'.
ALTER TABLE tasks ADD COLUMN compartment text NOT NULL DEFAULT '';

-- A sub-procedure opened from a DV case is in the compartment too, however
-- deep.
WITH RECURSIVE sealed AS (
    SELECT number FROM cases WHERE dv
    UNION
    SELECT c.number FROM cases c JOIN sealed s ON c.parent = s.number
)
UPDATE cases SET dv = true WHERE number IN (SELECT number FROM sealed) AND NOT dv;

UPDATE tasks SET compartment = 'dv'
WHERE workflow_id LIKE 'dv/%' OR workflow_id IN (SELECT 'case/' || number FROM cases WHERE dv);

-- Work inside the compartment goes to the roles cleared for it: approvals
-- and escalations to the DV supervisors, a sub-procedure's stages to the
-- DV caseworkers.
UPDATE tasks SET candidate_role = CASE candidate_role WHEN 'caseworker' THEN 'dv_caseworker' ELSE 'dv_supervisor' END
WHERE compartment = 'dv' AND candidate_role IN ('caseworker', 'supervisor', 'centre_head');
UPDATE tasks SET escalated_to = CASE escalated_to WHEN 'caseworker' THEN 'dv_caseworker' ELSE 'dv_supervisor' END
WHERE compartment = 'dv' AND escalated_to IN ('caseworker', 'supervisor', 'centre_head');

-- +goose Down
ALTER TABLE tasks DROP COLUMN compartment;
ALTER TABLE audit_log DROP COLUMN restricted;
