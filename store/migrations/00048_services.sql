-- +goose Up
-- Services delivered by licensed providers (issue 23): a centre's (or the
-- ministry's) contracts with providers for a service, the delegations
-- under which a provider's staff process the data of the persons referred
-- to it, and the referrals of persons from cases to contracted providers.
-- The service-use records, cost reports and waiting-list reports have
-- their own migrations.
CREATE TABLE service_contracts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number       text NOT NULL UNIQUE, -- UG-YYYY-NNNN
    service      text NOT NULL,
    centre_id    text NOT NULL DEFAULT '', -- '' the ministry
    provider_id  bigint NOT NULL REFERENCES providers (id),
    capacity     int NOT NULL CHECK (capacity > 0),
    valid_from   date NOT NULL,
    valid_until  date NOT NULL CHECK (valid_until >= valid_from),
    unit         text NOT NULL CHECK (unit IN ('day', 'visit', 'hour')),
    rate         numeric(10, 2) NOT NULL CHECK (rate > 0),
    normative    boolean NOT NULL DEFAULT false,
    legal_ref    text NOT NULL,
    payee_iban   text NOT NULL, -- the provider's account the contract's cost reports are paid to
    state        text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended', 'ended')),
    renews_id    bigint REFERENCES service_contracts (id),
    ended_on     date,
    end_reason   text,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_contracts_provider ON service_contracts (provider_id);
CREATE INDEX service_contracts_service ON service_contracts (service, state);

CREATE TABLE service_delegations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    centre_id    text NOT NULL,
    provider_id  bigint NOT NULL REFERENCES providers (id),
    scope        text[] NOT NULL,
    valid_from   date NOT NULL,
    valid_until  date NOT NULL CHECK (valid_until >= valid_from),
    dv           boolean NOT NULL DEFAULT false,
    granted_by   text NOT NULL,
    granted_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    revoked_by   text,
    revoke_reason text
);
CREATE INDEX service_delegations_provider ON service_delegations (provider_id, centre_id);

CREATE TABLE service_referrals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number   text NOT NULL,
    person_id     uuid NOT NULL REFERENCES persons (id),
    centre_id     text NOT NULL,
    contract_id   bigint NOT NULL REFERENCES service_contracts (id),
    service       text NOT NULL,
    dv            boolean NOT NULL DEFAULT false, -- from the DV compartment
    state         text NOT NULL DEFAULT 'referred'
        CHECK (state IN ('referred', 'waiting', 'active', 'ended', 'cancelled')),
    referred_on   date NOT NULL,
    waiting_since date,
    started_on    date,
    ended_on      date,
    end_reason    text CHECK (end_reason IN ('goal_reached', 'moved', 'deceased', 'refused')),
    workflow_id   text,
    referred_by   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX service_referrals_contract ON service_referrals (contract_id, state);
CREATE INDEX service_referrals_person ON service_referrals (person_id);
CREATE INDEX service_referrals_case ON service_referrals (case_number);
-- One open referral of a person to a service at a time.
CREATE UNIQUE INDEX service_referrals_open ON service_referrals (person_id, service)
    WHERE state IN ('referred', 'waiting', 'active');

-- The service a provider delivered (item 4): one record per referral, day
-- and kind of unit, appended by the provider's staff (page, CSV upload or
-- API); a correction is a new record superseding the one it corrects,
-- never an edit. The effective records are those nobody superseded.
CREATE TABLE service_use (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id   bigint NOT NULL REFERENCES service_referrals (id),
    day           date NOT NULL,
    quantity      numeric(6, 2) NOT NULL CHECK (quantity >= 0), -- days (1), visits or hours; 0 cancels a record
    note          text NOT NULL DEFAULT '',
    supersedes    bigint UNIQUE REFERENCES service_use (id),
    channel       text NOT NULL CHECK (channel IN ('page', 'csv', 'api')),
    batch         text NOT NULL DEFAULT '', -- an upload's id
    recorded_by   text NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_use_referral_day ON service_use (referral_id, day);

-- +goose Down
DROP TABLE service_use;
DROP TABLE service_referrals;
DROP TABLE service_delegations;
DROP TABLE service_contracts;
