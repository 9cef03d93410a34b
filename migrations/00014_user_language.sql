-- +goose Up
-- The language a user reads the pages in: Indonesian for everyone, English
-- for company users who choose it (many factories' staff read English
-- better). Formats (rupiah, dates, WIB) are the same in both.
ALTER TABLE users ADD COLUMN language text NOT NULL DEFAULT 'id'
    CONSTRAINT users_language_check CHECK (language IN ('id', 'en'));

-- +goose Down
ALTER TABLE users DROP COLUMN language;
