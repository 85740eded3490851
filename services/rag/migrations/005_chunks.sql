-- 005_chunks.sql - the retrieval index: the chunks of documents (from ingest) and articles
-- (made by rag), each with its embedding vector and a full-text vector, and the live
-- generation of every source.
--
-- A source's chunks arrive in batches of one generation (index_put); they stay invisible
-- (live = false) until the batch marked `last` makes that generation live and deletes every
-- other generation of the source in one transaction. Vectors are kept as the embed service
-- answered them (float32, little-endian, L2-normalised, `dims` of them); the in-memory index
-- (vindex.c) quantises them to int8 when it loads an organisation.
--
-- Full text: the `russian` configuration of the article search (002): Russian and English
-- stemming in one vector; heading path and title weigh A, the text B. The RUM index returns
-- rows in rank order (`tsv <=> query`), so a common word that matches most chunks is not
-- ranked row by row; the extension itself is created by the database's superuser (the dev
-- stack and the operations guide do it), since CREATE EXTENSION rum needs one.
-- Row-level security as on the other rag tables.

CREATE TABLE rag.chunks (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid NOT NULL,
    source_kind  text NOT NULL CHECK (source_kind IN ('document', 'article')),
    source_id    uuid NOT NULL,
    category_id  uuid,
    generation   integer NOT NULL CHECK (generation >= 1),
    seq          integer NOT NULL CHECK (seq >= 0),
    live         boolean NOT NULL DEFAULT false,
    title        text NOT NULL DEFAULT '',
    heading_path text NOT NULL DEFAULT '',
    page         integer NOT NULL DEFAULT 0,
    text         text NOT NULL,
    chars        integer NOT NULL,
    model        text NOT NULL,
    dims         integer NOT NULL CHECK (dims BETWEEN 1 AND 4096),
    vector       bytea NOT NULL CHECK (octet_length(vector) = 4 * dims),
    tsv          tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian'::regconfig, title || ' ' || heading_path), 'A') ||
        setweight(to_tsvector('russian'::regconfig, text), 'B')) STORED,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chunks_source_seq_key UNIQUE (org_id, source_id, generation, seq)
);
CREATE INDEX chunks_live_idx ON rag.chunks (org_id, source_id, seq) WHERE live;
CREATE INDEX chunks_model_idx ON rag.chunks (org_id, model) WHERE live;
CREATE INDEX chunks_tsv_idx ON rag.chunks USING rum (tsv rum_tsvector_ops) WHERE live;

-- The live generation of each source (absent: none yet).
CREATE TABLE rag.sources (
    org_id      uuid NOT NULL,
    source_id   uuid NOT NULL,
    source_kind text NOT NULL,
    generation  integer NOT NULL,
    chunks      integer NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, source_id)
);

ALTER TABLE rag.chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE rag.chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY chunks_tenant ON rag.chunks
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE rag.sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE rag.sources FORCE ROW LEVEL SECURITY;
CREATE POLICY sources_tenant ON rag.sources
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)
    WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);
