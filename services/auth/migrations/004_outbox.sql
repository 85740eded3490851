-- 004_outbox.sql - the transactional outbox's tables (libshared/src/outbox.c): auth's domain
-- events added in the transaction of the change they describe, relayed to JetStream in seq order,
-- and the messages this service's consumers have applied.

CREATE TABLE IF NOT EXISTS auth.outbox (
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
CREATE INDEX IF NOT EXISTS outbox_unsent ON auth.outbox (seq) WHERE sent_at IS NULL;

CREATE TABLE IF NOT EXISTS auth.events_applied (
    consumer   text NOT NULL,
    msg_id     text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, msg_id)
);
