-- +goose Up
-- Person-first desk (issue 17 item 2): names found without their
-- diacritics, and a registered name or address corrected with a record of
-- who changed what, from what, and why.

-- karton_fold is a name as the search compares it: the letters of
-- Montenegrin (and the accented ones of its neighbours' names) without
-- their marks, in lower case, and "dj" read as "d", so that Đurović,
-- Djurović, Durovic and DJUROVIC all fold to "durovic". Both sides of a
-- search are folded by it. IMMUTABLE: generated columns and indexes use it.
-- +goose StatementBegin
CREATE FUNCTION karton_fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT replace(lower(translate(s,
        'ČĆĐŠŽčćđšžÇçËëÁáÀàÂâÄäÉéÈèÊêÍíÌìÎîÏïÓóÒòÔôÖöÚúÙùÛûÜüÝý',
        'CCDSZccdszCcEeAaAaAaAaEeEeEeIiIiIiIiOoOoOoOoUuUuUuUuYy')), 'dj', 'd')
$$;
-- +goose StatementEnd

ALTER TABLE persons
    ADD COLUMN given_folded  text GENERATED ALWAYS AS (karton_fold(given_name)) STORED,
    ADD COLUMN family_folded text GENERATED ALWAYS AS (karton_fold(family_name)) STORED;

-- A word of the query is a prefix of the given or the family name: two
-- prefix scans (text_pattern_ops), within a centre or across all.
CREATE INDEX persons_family_folded ON persons (centre_id, family_folded text_pattern_ops);
CREATE INDEX persons_given_folded ON persons (centre_id, given_folded text_pattern_ops);
CREATE INDEX persons_family_folded_all ON persons (family_folded text_pattern_ops);
CREATE INDEX persons_given_folded_all ON persons (given_folded text_pattern_ops);
CREATE INDEX persons_birth_date ON persons (centre_id, birth_date);
-- A JMBG found by an index the planner can use (persons_jmbg_unique is
-- partial: WHERE NOT jmbg_override, which no lookup says).
CREATE INDEX persons_jmbg ON persons (jmbg);
DROP INDEX persons_name;

-- Every change of a registered name or address: taken from the population
-- register's evidence (source 'register', with the evidence rows it took)
-- or corrected by hand (source 'hand', with the reason). The audit log
-- records the request; this row records the values before and after.
CREATE TABLE person_corrections (
    id          bigserial PRIMARY KEY,
    person_id   uuid NOT NULL REFERENCES persons (id),
    source      text NOT NULL CHECK (source IN ('register', 'hand')),
    fields      text[] NOT NULL, -- given_name, family_name, address
    before      jsonb NOT NULL,  -- {given_name, family_name, municipality, settlement, street}
    after       jsonb NOT NULL,
    evidence    bigint[] NOT NULL DEFAULT '{}',
    reason      text NOT NULL DEFAULT '',
    by_username text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX person_corrections_person ON person_corrections (person_id, at);

-- +goose Down
DROP TABLE person_corrections;
CREATE INDEX persons_name ON persons (lower(family_name), lower(given_name));
DROP INDEX persons_jmbg;
DROP INDEX persons_birth_date;
DROP INDEX persons_given_folded_all;
DROP INDEX persons_family_folded_all;
DROP INDEX persons_given_folded;
DROP INDEX persons_family_folded;
ALTER TABLE persons DROP COLUMN family_folded, DROP COLUMN given_folded;
DROP FUNCTION karton_fold(text);
