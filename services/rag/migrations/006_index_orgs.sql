-- 006_index_orgs.sql - the organisations that have something to index, for the jobs that work
-- across organisations: the one-time indexing of articles written before retrieval existed, and
-- re-embedding chunks when the embedding model changes.
--
-- Row-level security hides every row of the other tables unless app.org_id is set, so such a
-- job must first know which organisations to visit; this table holds their ids and nothing
-- else (no RLS), and each job then works inside one organisation's transaction at a time.
-- index_put adds the organisation of every put. The organisations with articles today are
-- read here with the articles table's FORCE lifted for this transaction only (the owner, this
-- migration's role, then bypasses RLS; nothing else runs in it).

CREATE TABLE rag.index_orgs (
    org_id   uuid PRIMARY KEY,
    added_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE rag.articles NO FORCE ROW LEVEL SECURITY;
INSERT INTO rag.index_orgs (org_id) SELECT DISTINCT org_id FROM rag.articles
    ON CONFLICT DO NOTHING;
ALTER TABLE rag.articles FORCE ROW LEVEL SECURITY;
