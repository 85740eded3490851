/* outbox.h - the transactional outbox: domain events written in the same PostgreSQL transaction
 * as the change they announce, relayed to the JetStream stream EVENTS, and consumed
 * idempotently.
 *
 * Producer side (a handler changing state):
 *
 *     if ((st = db_begin_org(db, org)) || (st = agents_store_insert(db, ...)) ||
 *         (st = outbox_add(db, "agents", "evt.agents.agent.created", org, buf, len, NULL)) ||
 *         (st = db_commit(db)))
 *         goto done;
 *
 * The tables come from one migration of the kit, OUTBOX_MIGRATION, which outbox_migrate applies
 * with the service's own (svc_main does it for a spec with .outbox = true: a service writes no
 * outbox SQL); then outbox_install checks them and one relay runs per replica:
 *
 *     outbox_relay_t *relay = NULL;
 *     if ((st = outbox_migrate(pool, "agents", migrations, n)) ||
 *         (st = outbox_install(pool, "agents")) ||
 *         (st = outbox_relay_start(db_url, pool, bus, "agents", &relay)))
 *         goto done;
 *     ... serve ...
 *     outbox_relay_stop(relay);   // before bus_free and db_pool_free
 *
 * The relay publishes each committed row with Nats-Msg-Id = the row's id (and Org-Id when set)
 * and marks it sent on PubAck. Rows of a schema are published one at a time in insertion order
 * (one relay of the schema at a time holds a lock; the others stand by). A row that cannot be
 * published blocks the rows after it, on purpose: events are never reordered or skipped; the
 * relay retries it with a backoff capped at 5 s and records attempts and last_error on the row.
 * Insertion order is the order of outbox_add calls as committed rows become visible: events of
 * two concurrent transactions may interleave, but events about one entity keep their order when
 * the change locks the entity's row (UPDATE it first, then outbox_add).
 *
 * Delivery is at least once: a crash between the PubAck and the UPDATE publishes the row again,
 * which JetStream drops as a duplicate within the stream's duplicate window (2 min) but not
 * after it. Consumers therefore record what they applied (outbox_applied) in the transaction
 * that applies it, paired with bus_js_consume:
 *
 *     static status_t on_agent_created(void *ctx, natsMsg *msg, int delivery)
 *     {
 *         svc_t *svc = ctx;
 *         db_t *db = NULL;
 *         bool first = false;
 *         status_t st;
 *         const char *id = NULL;
 *         natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
 *         if ((st = db_acquire(svc->pool, &db)) || (st = db_begin(db)) ||
 *             (st = outbox_applied(db, "rag", "rag.agent_created", id, &first)))
 *             goto done;
 *         if (first && (st = apply_the_effect(db, msg)))   // skipped when seen before
 *             goto done;
 *         st = db_commit(db);
 *     done:
 *         db_release(db);   // rolls back what was not committed
 *         return st;        // ST_OK acks; a failure naks and the message comes again
 *     }
 *     outbox_ensure_stream(bus);   // the stream with its limits, before consuming
 *     bus_js_consume(bus, "EVENTS", "rag_agent_created", "evt.agents.agent.created", 10,
 *                    on_agent_created, svc);
 */
#ifndef SHARED_OUTBOX_H
#define SHARED_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/bus.h"
#include "shared/db.h"
#include "shared/status.h"

#define OUTBOX_STREAM         "EVENTS"
#define OUTBOX_STREAM_SUBJECT "evt.>"
#define OUTBOX_BATCH          100  /* rows per relay transaction */
#define OUTBOX_POLL_MS        1000 /* safety poll against lost notifications */
#define OUTBOX_BACKOFF_MAX_MS 5000 /* cap of the retry backoff after a failed publish */
#define OUTBOX_KEEP_DAYS      7    /* sent rows older than this are deleted (hourly) */
/* EVENTS retention defaults (JS_EVENTS_MAX_AGE, JS_EVENTS_MAX_BYTES); the age must cover the
 * stream's 2-minute duplicate window. */
#define OUTBOX_STREAM_MAX_AGE_S (7 * 24 * 3600)
#define OUTBOX_STREAM_MIN_AGE_S 120
#define OUTBOX_STREAM_MAX_BYTES (1LL << 30)

/* The name the outbox migration is recorded under in <schema>.schema_migrations. It sorts before
 * a service's own migrations (which may refer to the tables). Databases migrated before the kit
 * had it recorded a copy of it under the service's own name (agents 002_outbox.sql, rag and
 * auth 004_outbox.sql): the statements are IF NOT EXISTS, so there it runs once, changes
 * nothing and is recorded. */
#define OUTBOX_MIGRATION "000_outbox.sql"

/* The outbox migration's SQL for schema (heap, free it): <schema>.outbox and
 * <schema>.events_applied. NULL for a name outbox_install would refuse or one with a '"'. */
char *outbox_migration_sql(const char *schema);

/* db_migrate of schema with the service's migrations plus OUTBOX_MIGRATION, in name order
 * (same lock and record). ST_INVALID for a bad name, else db_migrate's status. */
status_t outbox_migrate(db_pool_t *pool, const char *schema, const db_migration_t *migrations,
                        size_t n);

/* Checks that <schema>.outbox and <schema>.events_applied exist (outbox_migrate creates them),
 * so the tables are versioned with the rest of the schema and the service's role needs no DDL
 * at run time. ST_UNAVAILABLE (logged) when they are missing, ST_INVALID for a bad name.
 * schema: at most 48 bytes (the channel is "<schema>_outbox"). */
status_t outbox_install(db_pool_t *pool, const char *schema);

/* Adds an event to <schema>.outbox. MUST run inside the caller's open transaction, the one that
 * makes the change: outside one it returns ST_INTERNAL (logged), since an event committed apart
 * from its change breaks the guarantee. subject must start with "evt." and org_id (may be NULL)
 * be a UUID, else ST_INVALID. payload (len bytes, usually a packed protobuf) is copied. Also
 * notifies <schema>_outbox, delivered to the relays on commit. id_out (may be NULL) gets the
 * event's id, which is its Nats-Msg-Id. */
status_t outbox_add(db_t *db, const char *schema, const char *subject, const char *org_id,
                    const void *payload, size_t len, char id_out[37]);

/* Records that `consumer` applied message msg_id, inside the consumer's open transaction
 * (ST_INTERNAL outside one). *first_time is false when it was already applied: skip the effect
 * but still succeed, so the message is acked. If the transaction rolls back, nothing is
 * recorded and the redelivery counts as a first time. */
status_t outbox_applied(db_t *db, const char *schema, const char *consumer, const char *msg_id,
                        bool *first_time /* OUT */);

/* The EVENTS stream's settings, read from the environment: JS_REPLICAS (copies, 1..5, default 1;
 * 3 on the 3-node cluster of k8s/), JS_EVENTS_MAX_AGE (seconds, >= 120, default 7 days),
 * JS_EVENTS_MAX_BYTES (>= 1 MiB, default 1 GiB). ST_INVALID (logged, naming the key) when one is
 * malformed or out of range. */
status_t outbox_stream_limits(bus_js_limits_t *out /* OUT */);
/* Creates or updates EVENTS with those settings. Consumers call it rather than
 * bus_js_ensure_stream, which would drop the limits. */
status_t outbox_ensure_stream(bus_t *bus);

typedef struct outbox_relay outbox_relay_t;

typedef struct {
    uint64_t notifies;  /* notifications received on <schema>_outbox */
    uint64_t polls;     /* wakes by the safety poll */
    uint64_t published; /* rows published and marked sent */
    uint64_t failures;  /* failed publish attempts */
} outbox_relay_stats_t;

/* Starts the relay thread of `schema`: it LISTENs on a dedicated connection to database_url
 * (ST_UNAVAILABLE when it cannot connect now) and publishes through pool and bus, which are
 * borrowed and must outlive the relay. Ensures the EVENTS stream with outbox_stream_limits
 * (again after failures); ST_INVALID when those settings are malformed. */
status_t outbox_relay_start(const char *database_url, db_pool_t *pool, bus_t *bus,
                            const char *schema, outbox_relay_t **out);
/* Stops the thread (promptly, unless a publish is waiting for its PubAck: up to 5 s), closes
 * its connection and frees. NULL-safe. */
void outbox_relay_stop(outbox_relay_t *relay);
/* Counters since start, for tests and metrics. */
void outbox_relay_stats(outbox_relay_t *relay, outbox_relay_stats_t *out);

#endif
