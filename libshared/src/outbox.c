/* outbox.c - the transactional outbox (see outbox.h): the check of its tables (which the
 * services' migrations create), outbox_add and outbox_applied
 * inside the caller's transaction, and the relay thread that LISTENs for commits and publishes
 * unsent rows to JetStream in insertion order.
 *
 * SQL naming a schema cannot be a static db_stmt_t, yet it should stay prepared: each schema
 * gets its statements built once and kept for the process in a small registry (a service has
 * one schema), under names "outbox<n>_<what>" unique per process, so db_exec prepares them
 * lazily per pooled connection and maps errors like any other statement.
 */
#include "shared/outbox.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/config.h"
#include "shared/log.h"
#include "shared/metrics.h"
#include "shared/util.h"

#define SCHEMA_MAX     48 /* "<schema>_outbox" must fit a 63-byte channel name */
#define PURGE_EVERY_US (3600LL * 1000000)
#define PUBLISH_WAIT   5000 /* ms for a PubAck */

/* The statements of one schema. Entries live as long as the process (db.c keeps pointers). */
typedef struct stmts {
    char *schema;
    char channel[SCHEMA_MAX + 8];
    db_stmt_t add, applied, fetch, sent, failed, purge, unsent;
    struct stmts *next;
} stmts_t;

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static stmts_t *registry;
static int registry_n;

static const db_stmt_t TABLES_PRESENT = {
    "outbox_tables_present",
    "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename IN ('outbox', "
    "'events_applied')",
    1};
/* One relay per schema at a time: the order of events needs a single publisher. */
static const db_stmt_t RELAY_LOCK = {
    "outbox_relay_lock", "SELECT pg_try_advisory_xact_lock(hashtext('outbox:relay:' || $1))", 1};

struct outbox_relay {
    char *url, *schema;
    char channel[SCHEMA_MAX + 8];
    db_pool_t *pool;
    bus_t *bus;
    jsCtx *js;
    stmts_t *stmts;
    PGconn *listen; /* dedicated LISTEN connection; NULL while lost */
    int wake[2];    /* self-pipe: outbox_relay_stop writes one byte */
    pthread_t thread;
    atomic_bool stop;
    bus_js_limits_t limits; /* of EVENTS, from the environment at start */
    bool stream_ok;         /* EVENTS ensured since the last "no responders" */
    bool failing;           /* in a streak of failures (logged once) */
    int backoff_ms;         /* 0 when the last pass succeeded */
    int64_t next_purge_us;
    atomic_uint_fast64_t notifies, polls, published, failures;
    /* metrics: outbox_unsent_events is this replica's view: the backlog while it relays the
     * schema, 0 while another replica does */
    metrics_series_t *m_unsent, *m_published, *m_failures;
};

static bool schema_ok(const char *schema)
{
    size_t n = schema ? strlen(schema) : 0;
    return n > 0 && n <= SCHEMA_MAX;
}

static void stmt_init(db_stmt_t *stmt, int n, const char *what, int nparams, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void stmt_init(db_stmt_t *stmt, int n, const char *what, int nparams, const char *fmt, ...)
{
    buf_t name = BUF_INIT, sql = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&sql, fmt, ap);
    va_end(ap);
    buf_printf(&name, "outbox%d_%s", n, what);
    stmt->name = buf_steal(&name);
    stmt->sql = buf_steal(&sql);
    stmt->nparams = nparams;
}

/* The statements of schema, built on first use (conn quotes the identifier). */
static status_t stmts_for(PGconn *conn, const char *schema, stmts_t **out)
{
    stmts_t *s;
    char *q = NULL;
    status_t st = ST_OK;

    pthread_mutex_lock(&registry_mu);
    for (s = registry; s && strcmp(s->schema, schema) != 0; s = s->next)
        ;
    if (s)
        goto done;
    if (!(q = PQescapeIdentifier(conn, schema, strlen(schema)))) {
        LOG_ERROR("outbox: bad schema name: %s", PQerrorMessage(conn));
        st = ST_INVALID;
        goto done;
    }
    s = xcalloc(1, sizeof *s);
    int n = registry_n++;
    s->schema = xstrdup(schema);
    snprintf(s->channel, sizeof s->channel, "%s_outbox", schema);
    /* One round trip: the notification is queued by the same statement, sent on commit. */
    stmt_init(&s->add, n, "add", 5,
              "WITH ins AS (INSERT INTO %s.outbox (id, subject, payload, org_id) "
              "VALUES ($1::uuid, $2, $3::bytea, $4::uuid) RETURNING 1) "
              "SELECT pg_notify($5, '') FROM ins",
              q);
    stmt_init(&s->applied, n, "applied", 2,
              "INSERT INTO %s.events_applied (consumer, msg_id) VALUES ($1, $2) "
              "ON CONFLICT DO NOTHING RETURNING 1",
              q);
    /* seq, not created_at: now() is one value per transaction, seq is strict insertion order. */
    stmt_init(&s->fetch, n, "fetch", 0,
              "SELECT id, subject, payload, org_id FROM %s.outbox WHERE sent_at IS NULL "
              "ORDER BY seq LIMIT %d FOR UPDATE SKIP LOCKED",
              q, OUTBOX_BATCH);
    stmt_init(&s->sent, n, "sent", 1,
              "UPDATE %s.outbox SET sent_at = now() WHERE id = ANY($1::uuid[])", q);
    stmt_init(&s->failed, n, "failed", 2,
              "UPDATE %s.outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1::uuid",
              q);
    /* Served by the partial index outbox_unsent. */
    stmt_init(&s->unsent, n, "unsent", 0, "SELECT count(*) FROM %s.outbox WHERE sent_at IS NULL",
              q);
    stmt_init(&s->purge, n, "purge", 0,
              "DELETE FROM %s.outbox WHERE sent_at < now() - make_interval(days => %d)", q,
              OUTBOX_KEEP_DAYS);
    s->next = registry;
    registry = s;
done:
    pthread_mutex_unlock(&registry_mu);
    PQfreemem(q);
    if (!st)
        *out = s;
    return st;
}

/* Refuses to run outside the caller's transaction: the row would commit apart from the change. */
static status_t require_tx(db_t *db, const char *what)
{
    if (PQtransactionStatus(db_pgconn(db)) == PQTRANS_INTRANS)
        return ST_OK;
    LOG_ERROR("outbox: %s outside an open transaction refused", what);
    return ST_INTERNAL;
}

/* The outbox's tables: events added in the transaction of the change they describe, relayed to
 * JetStream in seq order, and the messages this service's consumers have applied. %1$s is the
 * quoted schema. IF NOT EXISTS adopts the tables of databases that ran a service's own copy. */
static const char MIGRATION_SQL[] =
    "CREATE TABLE IF NOT EXISTS %1$s.outbox (\n"
    "    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n"
    "    seq        bigint GENERATED ALWAYS AS IDENTITY,\n"
    "    subject    text NOT NULL,\n"
    "    payload    bytea NOT NULL,\n"
    "    org_id     uuid NULL,\n"
    "    created_at timestamptz NOT NULL DEFAULT now(),\n"
    "    sent_at    timestamptz NULL,\n"
    "    attempts   int NOT NULL DEFAULT 0,\n"
    "    last_error text\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS outbox_unsent ON %1$s.outbox (seq) WHERE sent_at IS NULL;\n"
    "CREATE TABLE IF NOT EXISTS %1$s.events_applied (\n"
    "    consumer   text NOT NULL,\n"
    "    msg_id     text NOT NULL,\n"
    "    applied_at timestamptz NOT NULL DEFAULT now(),\n"
    "    PRIMARY KEY (consumer, msg_id)\n"
    ");\n";

char *outbox_migration_sql(const char *schema)
{
    buf_t sql = BUF_INIT, q = BUF_INIT;

    if (!schema_ok(schema) || strchr(schema, '"'))
        return NULL;
    buf_printf(&q, "\"%s\"", schema);
    buf_printf(&sql, MIGRATION_SQL, q.data);
    buf_cleanup(&q);
    return buf_steal(&sql);
}

status_t outbox_migrate(db_pool_t *pool, const char *schema, const db_migration_t *migrations,
                        size_t n)
{
    db_migration_t *all = NULL;
    char *sql = outbox_migration_sql(schema);
    status_t st;

    if (!sql)
        return ST_INVALID;
    all = xmalloc((n + 1) * sizeof *all);
    if (n)
        memcpy(all, migrations, n * sizeof *all);
    all[n] = (db_migration_t){.name = OUTBOX_MIGRATION, .sql = sql};
    st = db_migrate(pool, schema, all, n + 1);
    free(all);
    free(sql);
    return st;
}

status_t outbox_install(db_pool_t *pool, const char *schema)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;

    if (!schema_ok(schema)) {
        st = ST_INVALID;
        goto done;
    }
    const char *p[] = {schema};
    if ((st = db_acquire(pool, &db)) || (st = db_exec(db, &TABLES_PRESENT, p, &res)))
        goto done;
    if (db_get_int(res, 0, 0) != 2) {
        LOG_ERROR("outbox: %s.outbox or %s.events_applied is missing: the service's migrations "
                  "create them (see outbox.h)",
                  schema, schema);
        st = ST_UNAVAILABLE;
    }
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t outbox_add(db_t *db, const char *schema, const char *subject, const char *org_id,
                    const void *payload, size_t len, char id_out[37])
{
    static const char hex[] = "0123456789abcdef";
    stmts_t *s = NULL;
    buf_t bytea = BUF_INIT;
    char id[37];
    status_t st;

    if (!schema_ok(schema) || !str_has_prefix(subject, "evt.") || !subject[4] ||
        (org_id && !uuid_valid(org_id)) || (len && !payload)) {
        st = ST_INVALID;
        goto done;
    }
    if ((st = require_tx(db, "outbox_add")) || (st = stmts_for(db_pgconn(db), schema, &s)))
        goto done;
    /* bytea in its text form: \x and two hex digits a byte. */
    buf_reserve(&bytea, 2 * len + 3);
    buf_puts(&bytea, "\\x");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = ((const unsigned char *)payload)[i];
        buf_putc(&bytea, hex[c >> 4]);
        buf_putc(&bytea, hex[c & 15]);
    }
    uuid_new(id);
    const char *p[] = {id, subject, bytea.data, org_id, s->channel};
    if ((st = db_exec(db, &s->add, p, NULL)))
        goto done;
    if (id_out)
        memcpy(id_out, id, sizeof id);
done:
    buf_cleanup(&bytea);
    return st;
}

status_t outbox_applied(db_t *db, const char *schema, const char *consumer, const char *msg_id,
                        bool *first_time)
{
    stmts_t *s = NULL;
    PGresult *res = NULL;
    status_t st;

    if (!schema_ok(schema) || !consumer || !*consumer || !msg_id || !*msg_id) {
        st = ST_INVALID;
        goto done;
    }
    if ((st = require_tx(db, "outbox_applied")) || (st = stmts_for(db_pgconn(db), schema, &s)))
        goto done;
    const char *p[] = {consumer, msg_id};
    if ((st = db_exec(db, &s->applied, p, &res)))
        goto done;
    *first_time = db_nrows(res) == 1;
done:
    PQclear(res);
    return st;
}

/* ---- the relay ------------------------------------------------------------------------------- */

static void listen_close(outbox_relay_t *r)
{
    PQfinish(r->listen);
    r->listen = NULL;
}

/* (Re)opens the LISTEN connection. */
static status_t listen_open(outbox_relay_t *r)
{
    PGresult *res = NULL;
    buf_t sql = BUF_INIT;
    char *q = NULL;
    status_t st = ST_UNAVAILABLE;

    listen_close(r);
    r->listen = PQconnectdb(r->url);
    if (PQstatus(r->listen) != CONNECTION_OK) {
        LOG_WARN("outbox: relay of %s cannot connect: %s", r->schema, PQerrorMessage(r->listen));
        goto done;
    }
    if (!(q = PQescapeIdentifier(r->listen, r->channel, strlen(r->channel)))) {
        st = ST_INVALID;
        goto done;
    }
    buf_printf(&sql, "LISTEN %s", q);
    res = PQexec(r->listen, sql.data);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        LOG_WARN("outbox: relay of %s cannot listen: %s", r->schema, PQerrorMessage(r->listen));
        goto done;
    }
    st = ST_OK;
done:
    if (st)
        listen_close(r);
    PQclear(res);
    PQfreemem(q);
    buf_cleanup(&sql);
    return st;
}

/* Publishes one row with Nats-Msg-Id = its id and Org-Id when set. bus_js_publish takes no
 * headers, hence a message of our own; the error text goes to the row's last_error. */
static status_t publish_row(outbox_relay_t *r, const char *id, const char *subject, const char *org,
                            const unsigned char *data, size_t len, char *err, size_t errlen)
{
    natsMsg *m = NULL;
    jsPubAck *ack = NULL;
    jsPubOptions po;
    jsErrCode jerr = 0;
    status_t st = ST_OK;

    natsStatus ns = natsMsg_Create(&m, subject, NULL, (const char *)data, (int)len);
    if (ns == NATS_OK && org)
        ns = natsMsgHeader_Set(m, BUS_HDR_ORG, org);
    if (ns == NATS_OK) {
        jsPubOptions_Init(&po);
        po.MsgId = id;
        po.MaxWait = PUBLISH_WAIT;
        ns = js_PublishMsg(&ack, r->js, m, &po, &jerr);
    }
    if (ns != NATS_OK) {
        snprintf(err, errlen, "publish: %s (%d)", natsStatus_GetText(ns), (int)jerr);
        if (ns == NATS_NO_RESPONDERS)
            r->stream_ok = false; /* a new server without the stream: ensure it again */
        st = ns == NATS_TIMEOUT ? ST_TIMEOUT : ST_UNAVAILABLE;
    }
    jsPubAck_Destroy(ack);
    natsMsg_Destroy(m);
    return st;
}

/* One transaction: up to OUTBOX_BATCH unsent rows in order, published until one fails; the
 * published ones are marked sent, the failing one gets attempts/last_error. *more when a full
 * batch went out (there may be more rows). */
static status_t relay_batch(outbox_relay_t *r, bool *more)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    buf_t ids = BUF_INIT;
    status_t st, pub = ST_OK;
    int n = 0, sent = 0;

    *more = false;
    if (!r->stream_ok) {
        if ((st = bus_js_ensure_stream_limits(r->bus, OUTBOX_STREAM, OUTBOX_STREAM_SUBJECT,
                                              &r->limits)))
            goto done;
        r->stream_ok = true;
    }
    if ((st = db_acquire(r->pool, &db)) || (st = db_begin(db)))
        goto done;
    const char *lp[] = {r->schema};
    if ((st = db_exec(db, &RELAY_LOCK, lp, &res)))
        goto done;
    if (!db_get_bool(res, 0, 0)) {
        metrics_set(r->m_unsent, 0);
        goto done; /* another replica is relaying this schema; its commit wakes us too */
    }
    PQclear(res);
    res = NULL;
    /* SKIP LOCKED is a second guard: no two relays ever hold the same row. */
    if ((st = db_exec(db, &r->stmts->fetch, NULL, &res)))
        goto done;
    n = db_nrows(res);
    buf_putc(&ids, '{');
    for (int i = 0; i < n && !atomic_load(&r->stop); i++) {
        const char *id = db_get(res, i, 0);
        size_t len = 0;
        unsigned char *data = PQunescapeBytea((const unsigned char *)db_get(res, i, 2), &len);
        char err[256];
        if (!data) {
            st = ST_INTERNAL;
            goto done;
        }
        pub = publish_row(r, id, db_get(res, i, 1), db_get(res, i, 3), data, len, err, sizeof err);
        PQfreemem(data);
        if (pub) {
            atomic_fetch_add(&r->failures, 1);
            metrics_inc(r->m_failures);
            if (!r->failing)
                LOG_WARN("outbox: %s: event %s held back, retrying: %s", r->schema, id, err);
            const char *fp[] = {id, err};
            if ((st = db_exec(db, &r->stmts->failed, fp, NULL)))
                goto done;
            break; /* later rows wait: never reorder */
        }
        buf_printf(&ids, "%s%s", sent ? "," : "", id);
        sent++;
    }
    buf_putc(&ids, '}');
    if (sent) {
        const char *sp[] = {ids.data};
        if ((st = db_exec(db, &r->stmts->sent, sp, NULL)))
            goto done;
    }
    /* The backlog: none when a short batch all went out, else counted (a full batch or a
     * failure is rare, and the count reads only the partial index of unsent rows). */
    long long unsent = 0;
    if (pub || n == OUTBOX_BATCH) {
        PQclear(res);
        res = NULL;
        if ((st = db_exec(db, &r->stmts->unsent, NULL, &res)))
            goto done;
        unsent = db_get_int(res, 0, 0);
    }
    if ((st = db_commit(db)))
        goto done;
    metrics_set(r->m_unsent, (double)unsent);
    metrics_add(r->m_published, sent);
    atomic_fetch_add(&r->published, (uint_fast64_t)sent);
    st = pub;
    *more = !pub && n == OUTBOX_BATCH;
done:
    PQclear(res);
    buf_cleanup(&ids);
    db_release(db); /* rolls back on failure: unmarked rows go again, deduplicated by id */
    return st;
}

static status_t relay_drain(outbox_relay_t *r)
{
    status_t st = ST_OK;
    bool more = true;
    while (more && !atomic_load(&r->stop) && !(st = relay_batch(r, &more)))
        ;
    return st;
}

/* Deletes rows sent more than OUTBOX_KEEP_DAYS ago, at most once an hour. */
static void relay_purge(outbox_relay_t *r)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    if (time_mono_us() < r->next_purge_us)
        return;
    r->next_purge_us = time_mono_us() + PURGE_EVERY_US;
    if (db_acquire(r->pool, &db) == ST_OK && db_exec(db, &r->stmts->purge, NULL, &res) == ST_OK &&
        atoll(PQcmdTuples(res)) > 0)
        LOG_INFO("outbox: %s: deleted %s sent events", r->schema, PQcmdTuples(res));
    PQclear(res);
    db_release(db);
}

/* Sleeps up to ms, or until stopped, or (unless backing off) until a notification arrives. */
static void relay_wait(outbox_relay_t *r, int ms, bool backing_off)
{
    int64_t until = time_mono_us() + (int64_t)ms * 1000;
    for (;;) {
        int64_t left = (until - time_mono_us()) / 1000;
        if (atomic_load(&r->stop))
            return;
        if (left <= 0) {
            if (!backing_off)
                atomic_fetch_add(&r->polls, 1);
            return;
        }
        struct pollfd fds[2] = {{.fd = r->wake[0], .events = POLLIN},
                                {.fd = r->listen ? PQsocket(r->listen) : -1, .events = POLLIN}};
        if (poll(fds, 2, (int)left) <= 0)
            continue;
        if (fds[0].revents)
            return;
        if (!fds[1].revents)
            continue;
        if (!PQconsumeInput(r->listen)) {
            LOG_WARN("outbox: relay of %s lost its connection: %s", r->schema,
                     PQerrorMessage(r->listen));
            listen_close(r);
            return;
        }
        bool woken = false;
        PGnotify *note;
        while ((note = PQnotifies(r->listen))) {
            atomic_fetch_add(&r->notifies, 1);
            woken = true;
            PQfreemem(note);
        }
        if (woken && !backing_off)
            return;
    }
}

static void *relay_main(void *arg)
{
    outbox_relay_t *r = arg;
    while (!atomic_load(&r->stop)) {
        /* Draining after (re)connecting also covers notifications missed meanwhile. */
        if (!r->listen)
            listen_open(r);
        status_t st = relay_drain(r);
        if (st) {
            r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : 100;
            if (r->backoff_ms > OUTBOX_BACKOFF_MAX_MS)
                r->backoff_ms = OUTBOX_BACKOFF_MAX_MS;
            r->failing = true;
        } else if (r->failing) {
            LOG_INFO("outbox: %s: relaying again", r->schema);
            r->failing = false;
            r->backoff_ms = 0;
        }
        relay_purge(r);
        if (r->failing)
            relay_wait(r, r->backoff_ms, true);
        else
            relay_wait(r, r->listen ? OUTBOX_POLL_MS : OUTBOX_BACKOFF_MAX_MS, false);
    }
    return NULL;
}

status_t outbox_stream_limits(bus_js_limits_t *out)
{
    int64_t replicas, age, bytes;
    status_t st;
    if ((st = config_int("JS_REPLICAS", 1, 1, 5, &replicas)) ||
        (st = config_int("JS_EVENTS_MAX_AGE", OUTBOX_STREAM_MAX_AGE_S, OUTBOX_STREAM_MIN_AGE_S,
                         INT32_MAX, &age)) ||
        (st = config_int("JS_EVENTS_MAX_BYTES", OUTBOX_STREAM_MAX_BYTES, 1 << 20, INT64_MAX,
                         &bytes)))
        return st;
    *out = (bus_js_limits_t){.replicas = (int)replicas, .max_age_s = age, .max_bytes = bytes};
    return ST_OK;
}

status_t outbox_ensure_stream(bus_t *bus)
{
    bus_js_limits_t limits;
    status_t st = outbox_stream_limits(&limits);
    return st ? st
              : bus_js_ensure_stream_limits(bus, OUTBOX_STREAM, OUTBOX_STREAM_SUBJECT, &limits);
}

status_t outbox_relay_start(const char *database_url, db_pool_t *pool, bus_t *bus,
                            const char *schema, outbox_relay_t **out)
{
    outbox_relay_t *r = xcalloc(1, sizeof *r);
    status_t st = ST_INVALID;

    r->wake[0] = r->wake[1] = -1;
    r->url = xstrdup(database_url);
    r->pool = pool;
    r->bus = bus;
    if ((st = outbox_stream_limits(&r->limits)))
        goto done;
    st = ST_INVALID;
    if (!schema_ok(schema)) {
        LOG_ERROR("outbox: invalid schema name");
        goto done;
    }
    r->schema = xstrdup(schema);
    snprintf(r->channel, sizeof r->channel, "%s_outbox", schema);
    r->m_unsent = METRICS_GET(metrics_gauge(NULL, "outbox_unsent_events",
                                            "Outbox rows not yet published to JetStream, seen by "
                                            "the replica relaying the schema (others report 0).",
                                            "schema"),
                              schema);
    r->m_published =
        METRICS_GET(metrics_counter(NULL, "outbox_published_total",
                                    "Outbox rows published and marked sent.", "schema"),
                    schema);
    r->m_failures =
        METRICS_GET(metrics_counter(NULL, "outbox_publish_failures_total",
                                    "Failed attempts to publish an outbox row.", "schema"),
                    schema);
    if ((st = listen_open(r)) || (st = stmts_for(r->listen, schema, &r->stmts)))
        goto done;
    if (natsConnection_JetStream(&r->js, bus_nats(bus), NULL) != NATS_OK ||
        pipe2(r->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        LOG_ERROR("outbox: relay of %s cannot start", schema);
        st = ST_INTERNAL;
        goto done;
    }
    pthread_create(&r->thread, NULL, relay_main, r);
    st = ST_OK;
done:
    if (st) {
        listen_close(r);
        jsCtx_Destroy(r->js);
        for (int i = 0; i < 2; i++)
            if (r->wake[i] >= 0)
                close(r->wake[i]);
        free(r->schema);
        free(r->url);
        free(r);
        return st;
    }
    *out = r;
    return ST_OK;
}

void outbox_relay_stop(outbox_relay_t *r)
{
    if (!r)
        return;
    atomic_store(&r->stop, true);
    if (write(r->wake[1], "x", 1) < 0) {
        /* full pipe: the thread is being woken anyway */
    }
    pthread_join(r->thread, NULL);
    listen_close(r);
    jsCtx_Destroy(r->js);
    close(r->wake[0]);
    close(r->wake[1]);
    free(r->schema);
    free(r->url);
    free(r);
}

void outbox_relay_stats(outbox_relay_t *r, outbox_relay_stats_t *out)
{
    out->notifies = atomic_load(&r->notifies);
    out->polls = atomic_load(&r->polls);
    out->published = atomic_load(&r->published);
    out->failures = atomic_load(&r->failures);
}
