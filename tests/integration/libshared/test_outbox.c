/* test_outbox.c - libshared/src/outbox.c against the stack's PostgreSQL and nats-server: events
 * committed with a change reach the EVENTS stream once, in order, with Nats-Msg-Id = the row's
 * id; rolled-back ones never do; the relay wakes on NOTIFY, shares a schema with another relay,
 * survives its own restart and a NATS outage (a private nats-server, stopped and replaced);
 * consumers record what they applied; EVENTS gets its retention limits.
 *
 * Every test works in its own schema ob_<hex> (dropped by the suite's fini) and on subjects
 * evt.t<hex>.> read back through its own durable consumer (deleted at the end). */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <nats/nats.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/bus.h"
#include "shared/db.h"
#include "shared/log.h"
#include "shared/outbox.h"
#include "shared/util.h"
#include "stack/stack.h"
#include "tests/support/harness.h"

/* ---- helpers --------------------------------------------------------------------------------- */

#define MAX_SEEN 256
#define MAX_RES  8

/* What a durable consumer received, in delivery order. */
typedef struct {
    pthread_mutex_t mu;
    int n;
    char ids[MAX_SEEN][40];
    char orgs[MAX_SEEN][40];
    unsigned char data[MAX_SEEN][16];
    int len[MAX_SEEN];
} seen_t;

/* One test's names and resources; fini releases whatever a failed assertion left behind. */
static struct {
    char schema[32];
    char tag[16];     /* subjects are evt.<tag>.thing.created */
    char durable[32]; /* its consumer on EVENTS */
    char filter[48];
    outbox_relay_t *relays[MAX_RES];
    db_pool_t *pools[MAX_RES];
    bus_t *buses[MAX_RES];
    seen_t seen;
} t;

static void suite_init(void)
{
    char id[37];
    const char *lvl = harness_env_opt("LOG_LEVEL");
    log_init("test_outbox", lvl ? lvl : "error");
    uuid_new(id);
    snprintf(t.schema, sizeof t.schema, "ob_%.8s%.4s", id, id + 9);
    snprintf(t.tag, sizeof t.tag, "t%.8s", id);
    snprintf(t.durable, sizeof t.durable, "ob_%.8s", id);
    snprintf(t.filter, sizeof t.filter, "evt.%s.>", t.tag);
    pthread_mutex_init(&t.seen.mu, NULL);
    cr_assert(harness_outbox_schema(t.schema), "the outbox migration in schema %s", t.schema);
}

static void delete_consumer(const char *url, const char *durable)
{
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    if (natsConnection_ConnectTo(&nc, url) == NATS_OK &&
        natsConnection_JetStream(&js, nc, NULL) == NATS_OK)
        js_DeleteConsumer(js, OUTBOX_STREAM, durable, NULL, NULL);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
}

static void suite_fini(void)
{
    for (int i = 0; i < MAX_RES; i++)
        outbox_relay_stop(t.relays[i]);
    for (int i = 0; i < MAX_RES; i++)
        bus_free(t.buses[i]);
    for (int i = 0; i < MAX_RES; i++)
        db_pool_free(t.pools[i]);
    delete_consumer(harness_env("NATS_URL"), t.durable);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning; SET lock_timeout = '30s'; "
             "DROP SCHEMA IF EXISTS \"%s\", \"%s_old\", \"%s_new\" CASCADE",
             t.schema, t.schema, t.schema);
    harness_pg_exec(sql);
    pthread_mutex_destroy(&t.seen.mu);
}

TestSuite(outbox, .init = suite_init, .fini = suite_fini, .timeout = 120);

static int slot(void **arr)
{
    for (int i = 0; i < MAX_RES; i++)
        if (!arr[i])
            return i;
    cr_assert_fail("too many resources");
    return -1;
}

static db_pool_t *pool_new(void)
{
    int i = slot((void **)t.pools);
    cr_assert_eq(db_pool_new(harness_env("DATABASE_URL"), 4, &t.pools[i]), ST_OK);
    return t.pools[i];
}

static bus_t *bus_new(const char *url)
{
    int i = slot((void **)t.buses);
    cr_assert_eq(bus_connect("test-outbox", url, 10000, &t.buses[i]), ST_OK);
    return t.buses[i];
}

static outbox_relay_t *relay_start(db_pool_t *pool, bus_t *bus)
{
    int i = slot((void **)t.relays);
    cr_assert_eq(outbox_relay_start(harness_env("DATABASE_URL"), pool, bus, t.schema, &t.relays[i]),
                 ST_OK);
    return t.relays[i];
}

static void relay_stop(outbox_relay_t *r)
{
    for (int i = 0; i < MAX_RES; i++)
        if (t.relays[i] == r)
            t.relays[i] = NULL;
    outbox_relay_stop(r);
}

static status_t on_event(void *ctx, natsMsg *msg, int delivery)
{
    seen_t *s = ctx;
    const char *id = NULL, *org = NULL;
    (void)delivery;
    natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
    natsMsgHeader_Get(msg, BUS_HDR_ORG, &org);
    pthread_mutex_lock(&s->mu);
    if (s->n < MAX_SEEN) {
        snprintf(s->ids[s->n], sizeof s->ids[0], "%s", id ? id : "");
        snprintf(s->orgs[s->n], sizeof s->orgs[0], "%s", org ? org : "");
        int len = natsMsg_GetDataLength(msg);
        s->len[s->n] = len;
        memcpy(s->data[s->n], natsMsg_GetData(msg), len < 16 ? (size_t)len : 16);
        s->n++;
    }
    pthread_mutex_unlock(&s->mu);
    return ST_OK;
}

/* Reads the test's subjects from EVENTS on bus into t.seen. */
static void watch(bus_t *bus)
{
    cr_assert_eq(outbox_ensure_stream(bus), ST_OK);
    cr_assert_eq(bus_js_consume(bus, OUTBOX_STREAM, t.durable, t.filter, 5, on_event, &t.seen),
                 ST_OK);
}

static int seen_count(void)
{
    pthread_mutex_lock(&t.seen.mu);
    int n = t.seen.n;
    pthread_mutex_unlock(&t.seen.mu);
    return n;
}

/* Waits until at least want events were received; then lingers so that duplicates would show. */
static int wait_seen(int want, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms && seen_count() < want; waited += 50)
        usleep(50 * 1000);
    usleep(1200 * 1000);
    return seen_count();
}

static void payload_of(int i, unsigned char out[6])
{
    /* NUL, 0xff, a backslash and a quote: bytes, not text. */
    const unsigned char p[6] = {0, 0xff, '\\', '\'', (unsigned char)i, (unsigned char)(i >> 8)};
    memcpy(out, p, 6);
}

/* Adds n events (payload_of(first..first+n-1)) in one transaction, committed or rolled back. */
static void add_events(db_pool_t *pool, int first, int n, bool commit, char ids[][37])
{
    db_t *db = NULL;
    char subject[64];
    snprintf(subject, sizeof subject, "evt.%s.thing.created", t.tag);
    cr_assert_eq(db_acquire(pool, &db), ST_OK);
    cr_assert_eq(db_begin(db), ST_OK);
    for (int i = 0; i < n; i++) {
        unsigned char p[6];
        char org[37];
        uuid_new(org);
        payload_of(first + i, p);
        cr_assert_eq(outbox_add(db, t.schema, subject, (first + i) % 2 ? org : NULL, p, sizeof p,
                                ids ? ids[i] : NULL),
                     ST_OK);
    }
    if (commit)
        cr_assert_eq(db_commit(db), ST_OK);
    else
        db_rollback(db);
    db_release(db);
}

static long long admin_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long long admin_int(const char *fmt, ...)
{
    buf_t sql = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&sql, fmt, ap);
    va_end(ap);
    char *v = harness_pg_value(sql.data);
    cr_assert_not_null(v, "%s: no value", sql.data);
    long long n = atoll(v);
    free(v);
    buf_cleanup(&sql);
    return n;
}

static long long unsent(void)
{
    return admin_int("SELECT count(*) FROM %s.outbox WHERE sent_at IS NULL", t.schema);
}

/* Every received id is distinct and each of ids[0..n) was received exactly once, in order. */
static void expect_in_order(char ids[][37], int n)
{
    pthread_mutex_lock(&t.seen.mu);
    cr_assert_eq(t.seen.n, n, "received %d events, expected %d", t.seen.n, n);
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(t.seen.ids[i], ids[i], "event %d out of order or missing", i);
    pthread_mutex_unlock(&t.seen.mu);
}

/* ---- tests ----------------------------------------------------------------------------------- */

Test(outbox, committed_events_reach_the_stream_in_order)
{
    db_pool_t *pool = pool_new();
    bus_t *bus = bus_new(harness_env("NATS_URL"));
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK);
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK, "idempotent");
    watch(bus);
    outbox_relay_t *r = relay_start(pool, bus);

    char ids[12][37];
    add_events(pool, 0, 5, true, ids);
    add_events(pool, 5, 7, true, ids + 5);
    cr_assert_eq(wait_seen(12, 15000), 12);
    expect_in_order(ids, 12);
    for (int i = 0; i < 12; i++) {
        unsigned char p[6];
        payload_of(i, p);
        cr_assert_eq(t.seen.len[i], 6);
        cr_assert_eq(memcmp(t.seen.data[i], p, 6), 0, "payload %d intact", i);
        cr_assert_eq(strlen(t.seen.orgs[i]) == 36, i % 2 == 1, "Org-Id header when set");
    }
    cr_assert_eq(unsent(), 0);
    cr_assert_eq(admin_int("SELECT count(*) FROM %s.outbox WHERE attempts > 0", t.schema), 0);
    outbox_relay_stats_t s;
    outbox_relay_stats(r, &s);
    cr_assert_eq(s.published, 12);
    cr_assert_eq(s.failures, 0);
    relay_stop(r);
}

Test(outbox, rolled_back_events_never_appear)
{
    db_pool_t *pool = pool_new();
    bus_t *bus = bus_new(harness_env("NATS_URL"));
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK);
    watch(bus);
    relay_start(pool, bus);

    add_events(pool, 0, 3, false, NULL);
    char ids[1][37];
    add_events(pool, 3, 1, true, ids); /* a marker: once it is in, the others would be too */
    cr_assert_eq(wait_seen(1, 15000), 1);
    expect_in_order(ids, 1);
    cr_assert_eq(admin_int("SELECT count(*) FROM %s.outbox", t.schema), 1);
}

Test(outbox, add_and_applied_refuse_to_run_outside_a_transaction)
{
    db_pool_t *pool = pool_new();
    db_t *db = NULL;
    bool first = false;
    char id[37] = "unchanged";
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK);
    cr_assert_eq(db_acquire(pool, &db), ST_OK);
    cr_assert_eq(outbox_add(db, t.schema, "evt.x.y.z", NULL, "p", 1, id), ST_INTERNAL);
    cr_assert_str_eq(id, "unchanged");
    cr_assert_eq(outbox_applied(db, t.schema, "c", "m", &first), ST_INTERNAL);
    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_eq(outbox_add(db, t.schema, "svc.x.y", NULL, "p", 1, NULL), ST_INVALID);
    cr_assert_eq(outbox_add(db, t.schema, "evt.", NULL, "p", 1, NULL), ST_INVALID);
    cr_assert_eq(outbox_add(db, t.schema, "evt.x.y.z", "not-a-uuid", "p", 1, NULL), ST_INVALID);
    cr_assert_eq(outbox_add(db, t.schema, "evt.x.y.z", NULL, NULL, 0, id), ST_OK, "empty payload");
    cr_assert(uuid_valid(id));
    cr_assert_eq(db_commit(db), ST_OK);
    db_release(db);
    cr_assert_eq(admin_int("SELECT count(*) FROM %s.outbox", t.schema), 1);
    cr_assert_eq(outbox_install(pool, ""), ST_INVALID);
}

/* The tables come from the services' migration; outbox_install only checks they are there. */
Test(outbox, install_checks_the_migration_made_the_tables)
{
    db_pool_t *pool = pool_new();
    char bare[40], sql[80];
    snprintf(bare, sizeof bare, "%s_bare", t.schema);
    snprintf(sql, sizeof sql, "CREATE SCHEMA \"%s\"", bare);
    cr_assert(harness_pg_exec(sql));
    cr_assert_eq(outbox_install(pool, bare), ST_UNAVAILABLE, "no tables: refused");
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK);
    cr_assert_eq(admin_int("SELECT count(*) FROM pg_tables WHERE schemaname = '%s' AND "
                           "tablename IN ('outbox', 'events_applied')",
                           t.schema),
                 2);
    snprintf(sql, sizeof sql, "DROP SCHEMA \"%s\"", bare);
    cr_assert(harness_pg_exec(sql));
}

static long long applied(const char *schema, const char *name)
{
    return admin_int("SELECT count(*) FROM \"%s\".schema_migrations WHERE name = '%s'", schema,
                     name);
}

/* A database that ran a service's own copy of the outbox SQL (recorded as 004_outbox.sql, as
 * rag and auth did) takes the kit's migration without a change to its tables or rows; a new
 * schema gets the tables before its own first migration, which may use them. */
Test(outbox, the_kit_migration_upgrades_old_copies_and_comes_first)
{
    db_pool_t *pool = pool_new();
    char old[48], fresh[48];
    snprintf(old, sizeof old, "%s_old", t.schema);
    snprintf(fresh, sizeof fresh, "%s_new", t.schema);
    char *copy = outbox_migration_sql(old);
    cr_assert_not_null(copy);
    char things[96];
    snprintf(things, sizeof things, "CREATE TABLE \"%s\".things (id int)", old);
    const db_migration_t before[] = {{"001_init.sql", things}, {"004_outbox.sql", copy}};
    cr_assert_eq(db_migrate(pool, old, before, 2), ST_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO \"%s\".outbox (subject, payload) VALUES ('evt.x.y.z', 'p'); "
             "INSERT INTO \"%s\".events_applied VALUES ('c', 'm')",
             old, old);
    cr_assert(harness_pg_exec(sql));
    cr_assert_eq(applied(old, OUTBOX_MIGRATION), 0);

    for (int run = 0; run < 2; run++) {
        cr_assert_eq(outbox_migrate(pool, old, before, 1), ST_OK, "run %d", run);
        cr_assert_eq(applied(old, OUTBOX_MIGRATION), 1, "recorded once");
        cr_assert_eq(admin_int("SELECT count(*) FROM \"%s\".schema_migrations", old), 3);
        cr_assert_eq(admin_int("SELECT count(*) FROM \"%s\".outbox WHERE sent_at IS NULL", old), 1,
                     "the unsent event is still there");
        cr_assert_eq(admin_int("SELECT count(*) FROM \"%s\".events_applied", old), 1);
    }
    cr_assert_eq(outbox_install(pool, old), ST_OK);

    /* A new service's first migration may refer to the outbox: the kit's runs before it. */
    snprintf(sql, sizeof sql, "CREATE VIEW \"%s\".pending AS SELECT id FROM \"%s\".outbox", fresh,
             fresh);
    const db_migration_t own[] = {{"001_init.sql", sql}};
    cr_assert_eq(outbox_migrate(pool, fresh, own, 1), ST_OK);
    cr_assert_eq(applied(fresh, OUTBOX_MIGRATION), 1);
    cr_assert_eq(applied(fresh, "001_init.sql"), 1);
    cr_assert_eq(outbox_install(pool, fresh), ST_OK);

    cr_assert_null(outbox_migration_sql("bad\"name"));
    cr_assert_eq(outbox_migrate(pool, "", NULL, 0), ST_INVALID);
    free(copy);
}

Test(outbox, relay_is_woken_by_notify)
{
    db_pool_t *pool = pool_new();
    bus_t *bus = bus_new(harness_env("NATS_URL"));
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK);
    watch(bus);
    outbox_relay_t *r = relay_start(pool, bus);
    outbox_relay_stats_t s;
    outbox_relay_stats(r, &s);
    cr_assert_eq(s.notifies, 0);

    char ids[1][37];
    add_events(pool, 0, 1, true, ids);
    cr_assert_eq(wait_seen(1, 15000), 1);
    expect_in_order(ids, 1);
    outbox_relay_stats(r, &s);
    cr_assert_geq(s.notifies, 1, "the commit's notification reached the relay");
    cr_assert_eq(s.published, 1);
}

Test(outbox, two_relays_publish_every_event_exactly_once)
{
    db_pool_t *p1 = pool_new(), *p2 = pool_new();
    bus_t *b1 = bus_new(harness_env("NATS_URL")), *b2 = bus_new(harness_env("NATS_URL"));
    cr_assert_eq(outbox_install(p1, t.schema), ST_OK);
    watch(b1);
    outbox_relay_t *r1 = relay_start(p1, b1), *r2 = relay_start(p2, b2);

    enum { TX = 12, PER = 10 };
    static char ids[TX * PER][37];
    for (int i = 0; i < TX; i++) {
        add_events(i % 2 ? p1 : p2, i * PER, PER, true, ids + i * PER);
        usleep(20 * 1000);
    }
    cr_assert_eq(wait_seen(TX * PER, 30000), TX * PER);
    expect_in_order(ids, TX * PER);
    cr_assert_eq(unsent(), 0);
    outbox_relay_stats_t s1, s2;
    outbox_relay_stats(r1, &s1);
    outbox_relay_stats(r2, &s2);
    cr_assert_eq(s1.published + s2.published, TX * PER);
}

Test(outbox, restarted_relay_delivers_what_was_added_meanwhile)
{
    db_pool_t *pool = pool_new();
    bus_t *bus = bus_new(harness_env("NATS_URL"));
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK);
    watch(bus);
    outbox_relay_t *r = relay_start(pool, bus);

    char ids[7][37];
    add_events(pool, 0, 3, true, ids);
    cr_assert_eq(wait_seen(3, 15000), 3);
    relay_stop(r);
    add_events(pool, 3, 4, true, ids + 3);
    cr_assert_eq(wait_seen(7, 500), 3, "nothing relays while the relay is stopped");
    cr_assert_eq(unsent(), 4);
    relay_start(pool, bus);
    cr_assert_eq(wait_seen(7, 15000), 7);
    expect_in_order(ids, 7);
    cr_assert_eq(unsent(), 0);
}

/* A private nats-server with JetStream in store (a fresh directory under VAR_DIR or /tmp). */
static pid_t nats_start(int port, char *store, size_t storelen)
{
    const char *var = harness_env_opt("VAR_DIR");
    char id[37];
    uuid_new(id);
    snprintf(store, storelen, "%s/ob-js-%.8s", var ? var : "/tmp", id);
    pid_t pid = harness_start_nats(port, store, 0);
    cr_assert_gt(pid, 0);
    return pid;
}

Test(outbox, nats_outage_holds_events_back_then_delivers_them)
{
    int port = harness_free_port();
    char url[64], store1[256], store2[256];
    snprintf(url, sizeof url, "nats://127.0.0.1:%d", port);
    pid_t nats = nats_start(port, store1, sizeof store1);
    db_pool_t *pool = pool_new();
    bus_t *bus = bus_new(url);
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK);
    relay_start(pool, bus);
    char first[1][37];
    add_events(pool, 0, 1, true, first);
    for (int i = 0; i < 150 && unsent() > 0; i++)
        usleep(100 * 1000);
    cr_assert_eq(unsent(), 0, "relayed while NATS was up");

    stack_proc_stop(nats, SIGTERM, 5000);
    char ids[3][37];
    add_events(pool, 1, 3, true, ids);
    char sql[192];
    snprintf(sql, sizeof sql, "SELECT last_error FROM %s.outbox WHERE id = '%s'", t.schema, ids[0]);
    char *err = NULL;
    for (int i = 0; i < 300 && !err; i++) {
        err = harness_pg_value(sql);
        if (!err)
            usleep(100 * 1000);
    }
    cr_assert_not_null(err, "the failed publish is recorded on the row");
    free(err);
    cr_assert_eq(unsent(), 3, "nothing marked sent while NATS is down");
    cr_assert_geq(admin_int("SELECT attempts FROM %s.outbox WHERE id = '%s'", t.schema, ids[0]), 1);
    cr_assert_eq(admin_int("SELECT count(*) FROM %s.outbox WHERE attempts > 0 AND id <> '%s'",
                           t.schema, ids[0]),
                 0, "later events wait behind the first, untried");

    /* A new server with an empty store: the relay must create the stream again. */
    nats = nats_start(port, store2, sizeof store2);
    for (int i = 0; i < 600 && unsent() > 0; i++)
        usleep(100 * 1000);
    cr_assert_eq(unsent(), 0, "delivered once NATS is back");
    watch(bus);
    cr_assert_eq(wait_seen(3, 15000), 3);
    expect_in_order(ids, 3);

    relay_stop(t.relays[0]);
    for (int i = 0; i < MAX_RES; i++)
        if (t.buses[i] == bus) {
            t.buses[i] = NULL;
            bus_free(bus);
        }
    stack_proc_stop(nats, SIGTERM, 5000);
    stack_rmtree(store1);
    stack_rmtree(store2);
}

Test(outbox, applied_records_each_message_once_per_consumer)
{
    db_pool_t *pool = pool_new();
    db_t *db = NULL;
    bool first = false;
    cr_assert_eq(outbox_install(pool, t.schema), ST_OK);
    cr_assert_eq(db_acquire(pool, &db), ST_OK);

    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_eq(outbox_applied(db, t.schema, "rag.x", "m-1", &first), ST_OK);
    cr_assert(first);
    cr_assert_eq(db_commit(db), ST_OK);

    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_eq(outbox_applied(db, t.schema, "rag.x", "m-1", &first), ST_OK);
    cr_assert_not(first, "already applied");
    cr_assert_eq(outbox_applied(db, t.schema, "crm.y", "m-1", &first), ST_OK);
    cr_assert(first, "another consumer has its own record");
    db_rollback(db);

    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_eq(outbox_applied(db, t.schema, "rag.x", "m-2", &first), ST_OK);
    cr_assert(first);
    db_rollback(db);
    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_eq(outbox_applied(db, t.schema, "rag.x", "m-2", &first), ST_OK);
    cr_assert(first, "a rolled-back application is not recorded");
    cr_assert_eq(outbox_applied(db, t.schema, "crm.y", "m-1", &first), ST_OK);
    cr_assert(first, "nor was the other consumer's, rolled back with it");
    cr_assert_eq(db_commit(db), ST_OK);
    db_release(db);
    cr_assert_eq(admin_int("SELECT count(*) FROM %s.events_applied", t.schema), 3);
}

/* EVENTS carries the limits of outbox_stream_limits; the test stack sets no JS_* variable, so
 * the defaults: one copy, 7 days, 1 GiB (tests/unit/libshared/test_outbox.c reads the others). */
Test(outbox, events_stream_has_its_retention_limits)
{
    bus_t *bus = bus_new(harness_env("NATS_URL"));
    jsCtx *js = NULL;
    jsStreamInfo *si = NULL;
    cr_assert_eq(outbox_ensure_stream(bus), ST_OK);
    cr_assert_eq(natsConnection_JetStream(&js, bus_nats(bus), NULL), NATS_OK);
    cr_assert_eq(js_GetStreamInfo(&si, js, OUTBOX_STREAM, NULL, NULL), NATS_OK);
    cr_assert_eq(si->Config->MaxAge, (int64_t)OUTBOX_STREAM_MAX_AGE_S * 1000000000LL);
    cr_assert_eq(si->Config->MaxBytes, OUTBOX_STREAM_MAX_BYTES);
    cr_assert_eq(si->Config->Replicas, 1);
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
}
