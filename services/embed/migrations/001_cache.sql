-- 001_cache.sql - vectors a provider answered, so unchanged text is never embedded twice.
--
-- Keyed by organisation, model and the SHA-256 of the text (the text itself is not kept):
-- organisations never share an entry, so whether a text was cached tells nothing about another
-- organisation's texts. Every statement of store.c names the org_id. The vector is float32
-- little-endian, dims of them. used_at is touched on a hit (at most once a minute per row) and
-- drives the janitor's least-recently-used eviction above EMBED_CACHE_MAX_ROWS.
-- (db_migrate creates the schema itself before the first migration.)

CREATE TABLE embed.cache (
    org_id  uuid NOT NULL,
    model   text NOT NULL CHECK (char_length(model) BETWEEN 1 AND 200),
    sha256  bytea NOT NULL CHECK (length(sha256) = 32),
    dims    integer NOT NULL CHECK (dims > 0),
    vector  bytea NOT NULL CHECK (length(vector) = 4 * dims),
    used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, model, sha256)
);
CREATE INDEX cache_used_idx ON embed.cache (used_at);
