-- 003_user_language.sql - the interface language a user chose (the console follows it on every
-- device); NULL until they choose, when the browser's language applies.
ALTER TABLE auth.users ADD COLUMN language text CHECK (language IN ('ru', 'en'));
