-- +goose Up
-- The citizens' benefits portal (issue 18): the channel a claim came by
-- (at the centre's counter, or filed online by the applicant), and the
-- request for a document a citizen's upload answers (the claim's
-- claim.obtain_document task), so that the centre sees which request an
-- upload answers and the citizen sees their request answered.
ALTER TABLE claims ADD COLUMN channel text NOT NULL DEFAULT 'counter' CHECK (channel IN ('counter', 'online'));
ALTER TABLE documents ADD COLUMN answers_task text;
CREATE INDEX documents_claim ON documents (claim_number, uploaded_at);

-- +goose Down
DROP INDEX documents_claim;
ALTER TABLE documents DROP COLUMN answers_task;
ALTER TABLE claims DROP COLUMN channel;
