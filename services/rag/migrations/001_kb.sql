-- 001_kb.sql - the knowledge base: categories (a tree with a manual order) and Markdown articles
-- with a combined Russian + English full-text index.
--
-- Tenant isolation has two walls: every statement of store.c is scoped by org_id, and row-level
-- security (FORCEd, because the service's role owns these tables) hides every row whose org_id
-- is not the transaction's app.org_id (db_begin_org). Without app.org_id no row is visible.
-- Parent and category references are composite (org_id, id) foreign keys, so a row can never
-- point into another organisation.
-- (db_migrate creates the schema itself before the first migration.)

CREATE TABLE rag.categories (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL,
    parent_id   uuid,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    created_by  uuid,
    updated_by  uuid,
    CONSTRAINT categories_org_id_key UNIQUE (org_id, id),
    CONSTRAINT categories_parent_fkey FOREIGN KEY (org_id, parent_id)
        REFERENCES rag.categories (org_id, id),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX categories_parent_idx ON rag.categories (org_id, parent_id, position);

-- search: title (weight A) and the first 131,072 characters of the body (weight B), each under
-- both the russian and the english configuration (a tsvector is capped at 1 MB, so a 1 MiB body
-- is not indexed whole).
CREATE TABLE rag.articles (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL,
    category_id uuid,
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    body        text NOT NULL DEFAULT '' CHECK (octet_length(body) <= 1048576),
    tags        text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    created_by  uuid,
    updated_by  uuid,
    search      tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('russian'::regconfig, left(body, 131072)), 'B') ||
        setweight(to_tsvector('english'::regconfig, left(body, 131072)), 'B')) STORED,
    CONSTRAINT articles_category_fkey FOREIGN KEY (org_id, category_id)
        REFERENCES rag.categories (org_id, id)
);
CREATE INDEX articles_org_updated_idx ON rag.articles (org_id, updated_at DESC);
CREATE INDEX articles_category_idx ON rag.articles (org_id, category_id, updated_at DESC);
CREATE INDEX articles_search_idx ON rag.articles USING gin (search);

ALTER TABLE rag.categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE rag.categories FORCE ROW LEVEL SECURITY;
CREATE POLICY categories_tenant ON rag.categories
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE rag.articles ENABLE ROW LEVEL SECURITY;
ALTER TABLE rag.articles FORCE ROW LEVEL SECURITY;
CREATE POLICY articles_tenant ON rag.articles
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);
