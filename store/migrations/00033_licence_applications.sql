-- +goose Up
-- Providers' e-applications for licences (issue 21): registration,
-- modification, deletion, and the renewals Karton opens three months
-- before a licence expires; each decided by a Licence workflow. A
-- provider is a legal person: no person's data is kept here (the
-- usernames of the maintainer and the officers who acted).
CREATE TABLE licence_applications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('registration', 'modification', 'deletion', 'renewal')),
    pib             text NOT NULL,
    provider_id     bigint REFERENCES providers (id),
    name            text NOT NULL DEFAULT '',
    street          text NOT NULL DEFAULT '',
    municipality    text NOT NULL DEFAULT '',
    founded_on      date,
    services        text[] NOT NULL DEFAULT '{}',
    start_on        date,
    reason          text NOT NULL DEFAULT '',
    state           text NOT NULL,
    inspection_on   date,
    inspection      jsonb,
    inspected_by    text,
    draft           jsonb,
    drafted_by      text,
    approved_by     text,
    decision_number text UNIQUE,
    decision_key    text,
    decision_sha256 text,
    decided_at      timestamptz,
    licences        text[] NOT NULL DEFAULT '{}',
    valid_until     date,
    renewal_of      bigint UNIQUE REFERENCES licence_applications (id),
    filed_by        text NOT NULL,
    filed_at        timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX licence_applications_pib ON licence_applications (pib);
CREATE INDEX licence_applications_state ON licence_applications (state);

-- The documents of an application, kept in the object store.
CREATE TABLE licence_documents (
    application_id bigint NOT NULL REFERENCES licence_applications (id) ON DELETE CASCADE,
    kind           text NOT NULL,
    object_key     text NOT NULL,
    file_name      text NOT NULL,
    content_type   text NOT NULL,
    size           bigint NOT NULL,
    sha256         text NOT NULL,
    uploaded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, kind)
);

-- Notices of a licence's coming expiry (six and three months before),
-- shown to the provider's maintainers and the ministry's officers; one of
-- each kind per granting application.
CREATE TABLE licence_notices (
    application_id bigint NOT NULL REFERENCES licence_applications (id),
    kind           text NOT NULL CHECK (kind IN ('expiry_6m', 'expiry_3m')),
    pib            text NOT NULL,
    valid_until    date NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, kind)
);
CREATE INDEX licence_notices_pib ON licence_notices (pib);

-- +goose Down
DROP TABLE licence_notices;
DROP TABLE licence_documents;
DROP TABLE licence_applications;
