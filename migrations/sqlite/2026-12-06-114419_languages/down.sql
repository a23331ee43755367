ALTER TABLE tenants DROP COLUMN default_language;
DROP TABLE user_languages;
