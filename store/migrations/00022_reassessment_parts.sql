-- +goose Up
-- A reassessment walks the rights in parts (issue 16's benchmark): the
-- rights' ids split into ranges by their first 32 bits, one cursor per
-- range, so that two chunks run at once, each done exactly once under its
-- part's lock. A reassessment run in one part keeps its cursor in
-- reassessments.cursor, as before.
CREATE TABLE reassessment_parts (
    reassessment_id bigint NOT NULL REFERENCES reassessments (id),
    part            int NOT NULL CHECK (part >= 0),
    parts           int NOT NULL CHECK (parts > part),
    cursor          uuid,
    done            boolean NOT NULL DEFAULT false,
    PRIMARY KEY (reassessment_id, part)
);

-- +goose Down
DROP TABLE reassessment_parts;
