-- +goose Up
-- The resident's care (issue 22, DOMAIN.md §7.1): the individual plan,
-- kept as versions (each save a new version with who and when; its lists
-- of visitors are the visit rules, replaced in the same transaction); the
-- social service's dated notes; the medical records, a compartment of the
-- institution's medical staff. Notes and records are never edited nor
-- deleted: a correction is a new note naming the one it corrects.
CREATE TABLE care_plans (
    placement_id bigint NOT NULL REFERENCES placements (id),
    version      int NOT NULL CHECK (version >= 1),
    data         jsonb NOT NULL,
    saved_by     text NOT NULL,
    saved_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (placement_id, version)
);

CREATE TABLE social_notes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL REFERENCES placements (id),
    note_date    date NOT NULL,
    text         text NOT NULL CHECK (text <> ''),
    corrects     bigint REFERENCES social_notes (id),
    written_by   text NOT NULL,
    written_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX social_notes_placement ON social_notes (placement_id, note_date);

CREATE TABLE medical_records (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL REFERENCES placements (id),
    entry_date   date NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('examination', 'diagnosis', 'note', 'referral')),
    text         text NOT NULL CHECK (text <> ''),
    written_by   text NOT NULL,
    written_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX medical_records_placement ON medical_records (placement_id, entry_date);

-- +goose StatementBegin
CREATE FUNCTION care_records_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is never edited: % refused (a correction is a new entry)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER social_notes_append_only BEFORE UPDATE OR DELETE ON social_notes
    FOR EACH ROW EXECUTE FUNCTION care_records_append_only();
CREATE TRIGGER medical_records_append_only BEFORE UPDATE OR DELETE ON medical_records
    FOR EACH ROW EXECUTE FUNCTION care_records_append_only();
CREATE TRIGGER care_plans_append_only BEFORE UPDATE OR DELETE ON care_plans
    FOR EACH ROW EXECUTE FUNCTION care_records_append_only();

-- A visit rule names the person it is about.
ALTER TABLE visit_rules ADD CONSTRAINT visit_rules_names_someone CHECK (btrim(visitor_name) <> '');

-- +goose Down
ALTER TABLE visit_rules DROP CONSTRAINT visit_rules_names_someone;
DROP TABLE medical_records;
DROP TABLE social_notes;
DROP TABLE care_plans;
DROP FUNCTION care_records_append_only();
