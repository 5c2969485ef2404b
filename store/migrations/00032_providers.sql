-- +goose Up
-- The register of licensed social service providers (issue 21, a first
-- slice): providers and their licences, one per service, recorded by the
-- ministry's officers and read by anyone through the public register. No
-- person's data is kept here.
CREATE TABLE providers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    pib          text NOT NULL UNIQUE,
    street       text NOT NULL,
    municipality text NOT NULL,
    founded_on   date NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE provider_licences (
    number            text PRIMARY KEY,
    provider_id       bigint NOT NULL REFERENCES providers (id),
    service           text NOT NULL,
    valid_from        date NOT NULL,
    valid_until       date NOT NULL CHECK (valid_until >= valid_from),
    suspended_on      date,
    withdrawn_on      date,
    withdrawal_reason text,
    recorded_by       text NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    withdrawn_by      text
);
CREATE INDEX provider_licences_provider ON provider_licences (provider_id);
CREATE INDEX providers_municipality ON providers (municipality);

-- +goose Down
DROP TABLE provider_licences;
DROP TABLE providers;
