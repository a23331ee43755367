-- Languages (docs/languages.md): a guest's own choice, and the language a tenant's guests get
-- when they have not chosen. Both hold a language code (`en`, `de`, `fr`); no row or NULL means
-- "not set", and an unknown code is ignored when read, never an error. The guest's choice has
-- its own table (one row per account that chose), beside the account's row.
CREATE TABLE user_languages (
    user_id  TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    language TEXT NOT NULL
);
ALTER TABLE tenants ADD COLUMN default_language TEXT;
