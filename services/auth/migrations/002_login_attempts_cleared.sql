-- 002_login_attempts_cleared.sql - a successful sign-in forgives the account's failures but not
-- the client address's: failures are marked instead of deleted, so they still count for the IP.
ALTER TABLE auth.login_attempts ADD COLUMN email_cleared boolean NOT NULL DEFAULT false;
