-- 002_deleted_categories.sql - knowledge-base categories rag has deleted (evt.rag.category.deleted),
-- so an id checked just before its category went away never stays in an agent: the consumer
-- records the id here and drops it from the agents holding it, and every write of an agent
-- drops the ids recorded here (store.c). Category ids are never reused, so rows are kept.

CREATE TABLE agents.deleted_categories (
    org_id     uuid NOT NULL,
    id         uuid NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id)
);

ALTER TABLE agents.deleted_categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.deleted_categories FORCE ROW LEVEL SECURITY;
CREATE POLICY deleted_categories_tenant ON agents.deleted_categories
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid);
