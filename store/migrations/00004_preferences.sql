-- +goose Up
-- What each user chose in the pages, e.g. the language.
CREATE TABLE user_preferences (
    username   text PRIMARY KEY,
    language   text NOT NULL CHECK (language IN ('cnr', 'en')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE user_preferences;
