-- 001_init.sql - the agents schema: agents, their sales scripts and configuration versions.
--
-- Every table carries org_id and is under row-level security keyed on the per-transaction
-- setting app.org_id (db_begin_org): the service's role `app` owns the tables, so FORCE is
-- needed for the policies to apply to it. The service also scopes every statement by org_id
-- itself; the policies are the second wall. nullif: once a session has set app.org_id, outside
-- a transaction it reads '' (not NULL), and ''::uuid would be an error instead of "no rows".
-- Enumerations are stored by their JSON names (agents.proto); lists of ids as uuid[].
-- (db_migrate creates the schema itself before the first migration.)

CREATE TABLE agents.agents (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id                 uuid NOT NULL,
    name                   text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description            text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    status                 text NOT NULL CHECK (status IN ('active', 'paused')),
    model                  text NOT NULL CHECK (char_length(model) BETWEEN 1 AND 200),
    instructions           text NOT NULL DEFAULT ''
                           CHECK (char_length(instructions) <= 20000),
    temperature            double precision NOT NULL CHECK (temperature BETWEEN 0 AND 2),
    max_tokens             integer NOT NULL CHECK (max_tokens BETWEEN 1 AND 128000),
    response_delay_seconds integer NOT NULL CHECK (response_delay_seconds BETWEEN 0 AND 3600),
    channels               text[] NOT NULL DEFAULT '{}'
                           CHECK (channels <@ ARRAY['kommo_chat', 'email', 'whatsapp', 'telegram',
                                                    'instagram', 'facebook', 'web']),
    pipeline_ids           uuid[] NOT NULL DEFAULT '{}',
    pipeline_status_ids    uuid[] NOT NULL DEFAULT '{}',
    kb_category_ids        uuid[] NOT NULL DEFAULT '{}',
    working_hours          jsonb, -- WorkingHours as JSON; NULL: always
    language               text NOT NULL CHECK (language IN ('auto', 'ru', 'en')),
    version                integer NOT NULL DEFAULT 1, -- newest row of agents.versions
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    created_by             uuid,
    updated_by             uuid
);
CREATE INDEX agents_org_created_idx ON agents.agents (org_id, created_at);
CREATE UNIQUE INDEX agents_org_id_key ON agents.agents (org_id, id); -- target of the tenant FKs

CREATE TABLE agents.scripts (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id             uuid NOT NULL,
    agent_id           uuid NOT NULL,
    name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    body               text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
    variables          text[] NOT NULL DEFAULT '{}',
    pipeline_status_id uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    created_by         uuid,
    updated_by         uuid,
    FOREIGN KEY (org_id, agent_id) REFERENCES agents.agents (org_id, id) ON DELETE CASCADE
);
CREATE INDEX scripts_agent_idx ON agents.scripts (org_id, agent_id, created_at);

CREATE TABLE agents.versions (
    org_id        uuid NOT NULL,
    agent_id      uuid NOT NULL,
    version       integer NOT NULL CHECK (version >= 1),
    action        text NOT NULL CHECK (action IN ('create', 'update', 'restore', 'duplicate')),
    restored_from integer,
    snapshot      jsonb NOT NULL, -- the Agent as JSON after the change
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    uuid,
    PRIMARY KEY (agent_id, version),
    FOREIGN KEY (org_id, agent_id) REFERENCES agents.agents (org_id, id) ON DELETE CASCADE
);

ALTER TABLE agents.agents ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.agents FORCE ROW LEVEL SECURITY;
CREATE POLICY agents_tenant ON agents.agents
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE agents.scripts ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.scripts FORCE ROW LEVEL SECURITY;
CREATE POLICY scripts_tenant ON agents.scripts
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid);

ALTER TABLE agents.versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE agents.versions FORCE ROW LEVEL SECURITY;
CREATE POLICY versions_tenant ON agents.versions
    USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid);
