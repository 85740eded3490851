-- 001_init.sql - the auth schema: organisations, users, memberships, sessions, API keys,
-- invitations, password resets and failed sign-ins.
--
-- Secrets (session tokens, API keys, reset and invitation tokens) are stored only as their
-- sha256 hex digest. Email addresses are stored normalised (trimmed, ASCII lower case) and are
-- unique. A session and an API key both reference the membership they act through, so removing
-- a member removes its credentials in that organisation with it.
-- (db_migrate creates the schema itself before the first migration.)

CREATE TABLE auth.orgs (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth.users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL
                        CHECK (email = lower(email) AND char_length(email) BETWEEN 3 AND 254),
    password_hash       text NOT NULL,
    name                text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE auth.memberships (
    org_id       uuid NOT NULL REFERENCES auth.orgs (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(), -- last sign-in or switch into this org
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user_idx ON auth.memberships (user_id, last_used_at DESC);

CREATE TABLE auth.sessions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash   text NOT NULL CONSTRAINT sessions_token_hash_key UNIQUE,
    user_id      uuid NOT NULL,
    org_id       uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(), -- bumped at most once a minute
    expires_at   timestamptz NOT NULL,               -- absolute end; idle end = last_seen_at + idle
    user_agent   text,
    ip           text,
    FOREIGN KEY (org_id, user_id) REFERENCES auth.memberships (org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON auth.sessions (user_id);
CREATE INDEX sessions_org_user_idx ON auth.sessions (org_id, user_id);
CREATE INDEX sessions_expires_idx ON auth.sessions (expires_at);

CREATE TABLE auth.api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid NOT NULL,
    user_id      uuid NOT NULL,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,
    key_hash     text NOT NULL CONSTRAINT api_keys_key_hash_key UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    FOREIGN KEY (org_id, user_id) REFERENCES auth.memberships (org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX api_keys_org_idx ON auth.api_keys (org_id, created_at);
CREATE INDEX api_keys_org_user_idx ON auth.api_keys (org_id, user_id);

CREATE TABLE auth.invites (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES auth.orgs (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email)),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash  text NOT NULL CONSTRAINT invites_token_hash_key UNIQUE,
    invited_by  uuid REFERENCES auth.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz
);
CREATE INDEX invites_org_email_idx ON auth.invites (org_id, email);

CREATE TABLE auth.password_resets (
    token_hash text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON auth.password_resets (user_id, created_at);

-- One row per failed sign-in, counted per account and per client address over a sliding
-- window (see services/auth/throttle.h); rows older than an hour are deleted by the janitor.
CREATE TABLE auth.login_attempts (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    ip    text,
    at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON auth.login_attempts (email, at);
CREATE INDEX login_attempts_ip_idx ON auth.login_attempts (ip, at) WHERE ip IS NOT NULL;
CREATE INDEX login_attempts_at_idx ON auth.login_attempts (at);
