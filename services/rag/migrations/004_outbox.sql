-- 004_outbox.sql - the transactional outbox's tables (libshared/src/outbox.c): events added in
-- the transaction of the change they describe, relayed to JetStream in seq order, and the
-- messages this service's consumers have applied. Until this migration, outbox_install created
-- them at start-up; IF NOT EXISTS adopts those.

CREATE TABLE IF NOT EXISTS rag.outbox (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    subject    text NOT NULL,
    payload    bytea NOT NULL,
    org_id     uuid NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz NULL,
    attempts   int NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX IF NOT EXISTS outbox_unsent ON rag.outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE IF NOT EXISTS rag.events_applied (
    consumer   text NOT NULL,
    msg_id     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, msg_id)
);
