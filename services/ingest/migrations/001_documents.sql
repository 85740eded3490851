-- 001_documents.sql - documents uploaded into the knowledge base, their files (in pieces, so
-- every replica reads them and no local disk is needed) and the uploads still in progress.
--
-- Tenant isolation as in agents and rag: every statement names org_id, and FORCEd row-level
-- security hides every row whose organisation is not the transaction's app.org_id. file_pieces
-- carries no org_id of its own: a piece is visible when its document or its upload is (the
-- policies of those tables apply inside the policy's subqueries).
-- (db_migrate creates the schema itself before the first migration.)

CREATE TABLE ingest.documents (
    id          uuid PRIMARY KEY,
    org_id      uuid NOT NULL,
    category_id uuid NULL,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
    format      text NOT NULL CHECK (format IN ('pdf', 'docx', 'txt', 'md')),
    mime_type   text NOT NULL DEFAULT '',
    size        bigint NOT NULL CHECK (size >= 0),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    status      text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'extracting', 'chunking', 'embedding', 'ready',
                                  'failed')),
    progress    int NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    error       text NULL,
    pages       int NOT NULL DEFAULT 0,
    chunks      int NOT NULL DEFAULT 0,
    encoding    text NULL,
    attempts    int NOT NULL DEFAULT 0,
    generation  int NOT NULL DEFAULT 1,
    created_by  uuid NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    indexed_at  timestamptz NULL,
    CONSTRAINT documents_org_sha256_key UNIQUE (org_id, sha256)
);
CREATE INDEX documents_org_created_idx ON ingest.documents (org_id, created_at DESC, id);
CREATE INDEX documents_org_category_idx ON ingest.documents (org_id, category_id, created_at DESC);

-- Uploads in progress: created with the first piece, gone when the upload becomes a document
-- (or a duplicate of one) or when the janitor finds it older than INGEST_UPLOAD_TTL_S.
CREATE TABLE ingest.uploads (
    id         uuid PRIMARY KEY,
    org_id     uuid NOT NULL,
    user_id    uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    bytes      bigint NOT NULL DEFAULT 0,
    parts      int NOT NULL DEFAULT 0
);
CREATE INDEX uploads_created_idx ON ingest.uploads (created_at);

-- The file's bytes, one row per upload part (<= 256 KiB) in order: keyed by the upload id,
-- which becomes the document's id.
CREATE TABLE ingest.file_pieces (
    document_id uuid NOT NULL,
    seq         int NOT NULL CHECK (seq >= 0),
    data        bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 262144),
    PRIMARY KEY (document_id, seq)
);
ALTER TABLE ingest.file_pieces ALTER COLUMN data SET STORAGE EXTERNAL; -- no compression work

ALTER TABLE ingest.documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest.documents FORCE ROW LEVEL SECURITY;
CREATE POLICY documents_tenant ON ingest.documents
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE ingest.uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest.uploads FORCE ROW LEVEL SECURITY;
CREATE POLICY uploads_tenant ON ingest.uploads
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE ingest.file_pieces ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest.file_pieces FORCE ROW LEVEL SECURITY;
CREATE POLICY file_pieces_tenant ON ingest.file_pieces
    USING (EXISTS (SELECT 1 FROM ingest.documents d WHERE d.id = document_id)
           OR EXISTS (SELECT 1 FROM ingest.uploads u WHERE u.id = document_id));

-- The outbox tables come from the kit's migration 000_outbox.sql (.outbox = true).
