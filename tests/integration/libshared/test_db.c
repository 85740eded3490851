/* test_db.c - libshared/src/db.c against the stack's PostgreSQL: the pool (reuse, exhaustion,
 * hand-over between threads), lazily prepared statements, the SQLSTATE -> status mapping,
 * transactions and tenant scoping, and migrations (order, once only, idempotence, atomic
 * failure, concurrent runners under the advisory lock).
 *
 * The code under test connects as DATABASE_URL (role app, not a superuser: row-level security
 * applies); assertions about the database's state go through PG_ADMIN_URL (harness_pg_*). Every
 * test works in its own schema t_<random hex>, dropped after the test by the suite's fini. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/db.h"
#include "shared/log.h"
#include "shared/util.h"
#include "tests/support/harness.h"

/* ---- helpers --------------------------------------------------------------------------------- */

#define MAX_SCHEMAS 8
#define MAX_POOLS   8
static char *schemas[MAX_SCHEMAS];
static int nschemas;
/* Pools opened by pool_new and not yet closed by pool_free: a failed assertion leaves them
 * open, perhaps mid-transaction holding locks that would block dropping the schema. */
static db_pool_t *pools[MAX_POOLS];

static void suite_init(void)
{
    const char *lvl = harness_env_opt("LOG_LEVEL");
    log_init("test_db", lvl ? lvl : "warn");
}

/* Drops every schema the test created, whether it passed or not. */
static void suite_fini(void)
{
    for (int i = 0; i < MAX_POOLS; i++) {
        db_pool_free(pools[i]);
        pools[i] = NULL;
    }
    for (int i = 0; i < nschemas; i++) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SET client_min_messages = warning; SET lock_timeout = '30s'; "
                 "DROP SCHEMA IF EXISTS \"%s\" CASCADE",
                 schemas[i]);
        harness_pg_exec(sql);
        free(schemas[i]);
    }
    nschemas = 0;
}

TestSuite(db, .init = suite_init, .fini = suite_fini);

/* A fresh schema name "t_<12 hex>" (prefix may change the "t_"), dropped after the test. The
 * schema itself is not created: db_migrate or the test does that. */
static const char *schema_name(const char *prefix)
{
    char id[37], name[64];
    uuid_new(id);
    snprintf(name, sizeof name, "%s%.8s%.4s", prefix, id, id + 9);
    cr_assert_lt(nschemas, MAX_SCHEMAS);
    schemas[nschemas] = xstrdup(name);
    return schemas[nschemas++];
}

static db_pool_t *pool_new(int size)
{
    db_pool_t *p = NULL;
    cr_assert_eq(db_pool_new(harness_env("DATABASE_URL"), size, &p), ST_OK);
    cr_assert_not_null(p);
    for (int i = 0; i < MAX_POOLS; i++) {
        if (!pools[i]) {
            pools[i] = p;
            return p;
        }
    }
    cr_assert_fail("too many pools");
    return NULL;
}

static void pool_free(db_pool_t *p)
{
    for (int i = 0; i < MAX_POOLS; i++)
        if (pools[i] == p)
            pools[i] = NULL;
    db_pool_free(p);
}

static db_t *acquire(db_pool_t *p)
{
    db_t *db = NULL;
    cr_assert_eq(db_acquire(p, &db), ST_OK);
    cr_assert_not_null(db);
    return db;
}

#define fmt harness_fmt

/* Runs SQL on db's own session (bypassing db.c) and returns the first value (heap, NULL when no
 * row or SQL NULL). For session-local state: pg_prepared_statements, current_setting. */
static char *session_value(db_t *db, const char *sql)
{
    PGresult *r = PQexec(db_pgconn(db), sql);
    char *v = NULL;
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(r));
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static long long session_int(db_t *db, const char *sql)
{
    char *v = session_value(db, sql);
    cr_assert_not_null(v, "%s: no value", sql);
    long long n = atoll(v);
    free(v);
    return n;
}

/* Superuser query returning one integer (count(*) and the like). */
static long long admin_int(const char *sql)
{
    char *v = harness_pg_value(sql);
    cr_assert_not_null(v, "%s: no value", sql);
    long long n = atoll(v);
    free(v);
    return n;
}

static void exec_ok(db_t *db, const char *sql)
{
    status_t st = db_exec_sql(db, sql);
    cr_assert_eq(st, ST_OK, "%s: %s", sql, status_str(st));
}

static void exec_fmt_ok(db_t *db, const char *f, const char *schema)
{
    char *sql = fmt(f, schema, schema, schema, schema);
    exec_ok(db, sql);
    free(sql);
}

static double ms_since(int64_t start_us)
{
    return (double)(time_mono_us() - start_us) / 1000.0;
}

/* ---- pool ------------------------------------------------------------------------------------ */

Test(db, pool_acquire_release_reuses_connections)
{
    db_pool_t *p = pool_new(2);
    cr_assert(db_pool_healthy(p));

    db_t *a = acquire(p);
    db_t *b = acquire(p);
    cr_assert_neq(a, b);
    long long pa = session_int(a, "SELECT pg_backend_pid()");
    long long pb = session_int(b, "SELECT pg_backend_pid()");
    cr_assert_neq(pa, pb, "two connections, two sessions");
    char *who = session_value(a, "SELECT current_user");
    cr_assert_str_eq(who, "app");
    free(who);
    char *super = session_value(a, "SELECT rolsuper::text FROM pg_roles WHERE rolname = "
                                   "current_user");
    cr_assert_str_eq(super, "false", "the code under test must not run as a superuser");
    free(super);
    char *appname = session_value(a, "SHOW application_name");
    cr_assert_str_eq(appname, "test_db", "named after the program (log_init) by default");
    free(appname);
    cr_assert_str_eq(db_last_constraint(a), "");

    db_release(a);
    db_release(b);
    db_release(NULL);

    /* Released connections come back open, with the same sessions. */
    db_t *c = acquire(p);
    db_t *d = acquire(p);
    long long pc = session_int(c, "SELECT pg_backend_pid()");
    long long pd = session_int(d, "SELECT pg_backend_pid()");
    cr_assert((pc == pa && pd == pb) || (pc == pb && pd == pa));
    db_release(c);
    db_release(d);
    cr_assert(db_pool_healthy(p));
    pool_free(p);
    db_pool_free(NULL);
}

/* The first connection opens at once, so a bad URL fails db_pool_new. */
Test(db, pool_with_a_bad_url_fails_fast)
{
    db_pool_t *p = (db_pool_t *)0x1;
    char *url = fmt("postgresql://app@127.0.0.1:1/platform?connect_timeout=2");
    int64_t t0 = time_mono_us();
    cr_assert_eq(db_pool_new(url, 2, &p), ST_UNAVAILABLE);
    cr_assert_eq(p, (db_pool_t *)0x1, "out untouched on failure");
    cr_assert_lt(ms_since(t0), 5000);
    free(url);

    /* A role that does not exist. */
    char *bad = xstrdup(harness_env("DATABASE_URL"));
    char *at = strstr(bad, "//app:");
    cr_assert_not_null(at, "DATABASE_URL is %s", bad);
    char *url2 = fmt("%.*s//nobody_here:%s", (int)(at - bad), bad, at + 6);
    cr_assert_eq(db_pool_new(url2, 1, &p), ST_UNAVAILABLE);
    free(url2);
    free(bad);
}

Test(db, pool_size_zero_means_one)
{
    db_pool_t *p = pool_new(0);
    db_t *a = acquire(p);
    exec_ok(a, "SELECT 1");
    db_release(a);
    pool_free(p);
}

Test(db, exhausted_pool_times_out_unavailable)
{
    db_pool_t *p = pool_new(1);
    db_t *a = acquire(p);
    db_t *b = (db_t *)0x1;
    int64_t t0 = time_mono_us();
    cr_assert_eq(db_acquire(p, &b), ST_UNAVAILABLE);
    double took = ms_since(t0);
    cr_assert(took >= 4500 && took < 15000, "gave up after %.0f ms (expected ~5000)", took);
    cr_assert_eq(b, (db_t *)0x1, "out untouched on failure");
    db_release(a);
    /* Usable again at once. */
    t0 = time_mono_us();
    b = acquire(p);
    cr_assert_lt(ms_since(t0), 2000);
    cr_assert_eq(b, a);
    db_release(b);
    pool_free(p);
}

typedef struct {
    db_pool_t *pool;
    atomic_int state; /* 0 waiting, 1 got it, 2 failed */
    db_t *got;
    int64_t waited_us;
} waiter_t;

static void *acquire_in_thread(void *arg)
{
    waiter_t *w = arg;
    int64_t t0 = time_mono_us();
    db_t *db = NULL;
    status_t st = db_acquire(w->pool, &db);
    w->waited_us = time_mono_us() - t0;
    w->got = db;
    atomic_store(&w->state, st == ST_OK ? 1 : 2);
    return NULL;
}

/* A waiter gets the connection as soon as another thread releases it. */
Test(db, waiter_gets_a_released_connection)
{
    db_pool_t *p = pool_new(1);
    db_t *a = acquire(p);
    long long pid = session_int(a, "SELECT pg_backend_pid()");
    waiter_t w = {.pool = p};
    atomic_init(&w.state, 0);
    pthread_t th;
    pthread_create(&th, NULL, acquire_in_thread, &w);
    usleep(300 * 1000);
    cr_assert_eq(atomic_load(&w.state), 0, "the waiter must wait while the pool is empty");
    db_release(a);
    pthread_join(th, NULL);
    cr_assert_eq(atomic_load(&w.state), 1);
    cr_assert_lt(w.waited_us, 4000 * 1000, "waited %lld us", (long long)w.waited_us);
    cr_assert_eq(w.got, a);
    cr_assert_eq(session_int(w.got, "SELECT pg_backend_pid()"), pid);
    db_release(w.got);
    pool_free(p);
}

typedef struct {
    db_pool_t *pool;
    int rounds;
    atomic_int *inside;
    atomic_int *max_inside;
    int failures;
} hammer_t;

static void *hammer(void *arg)
{
    hammer_t *h = arg;
    for (int i = 0; i < h->rounds; i++) {
        db_t *db = NULL;
        if (db_acquire(h->pool, &db)) {
            h->failures++;
            continue;
        }
        int n = atomic_fetch_add(h->inside, 1) + 1;
        int m = atomic_load(h->max_inside);
        while (n > m && !atomic_compare_exchange_weak(h->max_inside, &m, n))
            ;
        if (db_exec_sql(db, "SELECT pg_sleep(0.002)"))
            h->failures++;
        atomic_fetch_sub(h->inside, 1);
        db_release(db);
    }
    return NULL;
}

/* Eight threads over a pool of three: never more than three out at once, nobody starves. */
Test(db, pool_under_contention)
{
    db_pool_t *p = pool_new(3);
    atomic_int inside, max_inside;
    atomic_init(&inside, 0);
    atomic_init(&max_inside, 0);
    hammer_t h[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        h[i] = (hammer_t){p, 40, &inside, &max_inside, 0};
        pthread_create(&th[i], NULL, hammer, &h[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(h[i].failures, 0, "thread %d: %d failures", i, h[i].failures);
    }
    cr_assert_leq(atomic_load(&max_inside), 3);
    cr_assert_geq(atomic_load(&max_inside), 2, "the pool was used concurrently");
    pool_free(p);
}

/* ---- prepared statements --------------------------------------------------------------------- */

static const db_stmt_t ADD_ONE = {"test_db_add_one", "SELECT $1::int + 1", 1};
static const db_stmt_t IS_NULL = {"test_db_is_null", "SELECT $1::text IS NULL, $1::text", 1};
static const db_stmt_t NO_PARAMS = {"test_db_no_params", "SELECT 'x' AS a, NULL::int AS b", 0};
static const db_stmt_t BROKEN = {"test_db_broken", "SELEC 1", 0};

static long long prepared_count(db_t *db, const char *name)
{
    char *sql = fmt("SELECT count(*) FROM pg_prepared_statements WHERE name = '%s'", name);
    long long n = session_int(db, sql);
    free(sql);
    return n;
}

Test(db, statements_are_prepared_once_per_connection)
{
    db_pool_t *p = pool_new(1);
    db_t *db = acquire(p);
    PGresult *res = NULL;

    cr_assert_eq(prepared_count(db, ADD_ONE.name), 0);
    const char *p1[] = {"41"};
    cr_assert_eq(db_exec(db, &ADD_ONE, p1, &res), ST_OK);
    cr_assert_eq(db_nrows(res), 1);
    cr_assert_str_eq(db_get(res, 0, 0), "42");
    cr_assert_eq(db_get_int(res, 0, 0), 42);
    PQclear(res);
    res = NULL;
    cr_assert_eq(prepared_count(db, ADD_ONE.name), 1);

    /* The second run reuses the statement: preparing the same name twice would fail. */
    const char *p2[] = {"-8"};
    cr_assert_eq(db_exec(db, &ADD_ONE, p2, &res), ST_OK);
    cr_assert_eq(db_get_int(res, 0, 0), -7);
    PQclear(res);
    res = NULL;
    cr_assert_eq(prepared_count(db, ADD_ONE.name), 1);
    cr_assert_eq(session_int(db, "SELECT count(*) FROM pg_prepared_statements"), 1);

    /* Still prepared after the connection went back to the pool and came out again. */
    db_release(db);
    db = acquire(p);
    cr_assert_eq(prepared_count(db, ADD_ONE.name), 1);
    cr_assert_eq(db_exec(db, &ADD_ONE, p1, NULL), ST_OK, "out may be NULL");
    cr_assert_eq(prepared_count(db, ADD_ONE.name), 1);

    /* Many runs, still one statement. */
    for (int i = 0; i < 50; i++) {
        char n[16];
        snprintf(n, sizeof n, "%d", i);
        const char *pi[] = {n};
        cr_assert_eq(db_exec(db, &ADD_ONE, pi, &res), ST_OK);
        cr_assert_eq(db_get_int(res, 0, 0), i + 1);
        PQclear(res);
        res = NULL;
    }
    cr_assert_eq(session_int(db, "SELECT count(*) FROM pg_prepared_statements"), 1);
    db_release(db);
    pool_free(p);
}

Test(db, each_pooled_connection_prepares_its_own)
{
    db_pool_t *p = pool_new(2);
    db_t *a = acquire(p);
    db_t *b = acquire(p);
    const char *p1[] = {"1"};
    cr_assert_eq(db_exec(a, &ADD_ONE, p1, NULL), ST_OK);
    cr_assert_eq(prepared_count(a, ADD_ONE.name), 1);
    cr_assert_eq(prepared_count(b, ADD_ONE.name), 0);
    cr_assert_eq(db_exec(b, &ADD_ONE, p1, NULL), ST_OK);
    cr_assert_eq(prepared_count(b, ADD_ONE.name), 1);
    db_release(a);
    db_release(b);
    pool_free(p);
}

/* A statement first prepared inside a transaction that rolls back stays usable. */
Test(db, statement_prepared_in_a_rolled_back_transaction)
{
    db_pool_t *p = pool_new(1);
    db_t *db = acquire(p);
    const char *p1[] = {"1"};
    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_eq(db_exec(db, &ADD_ONE, p1, NULL), ST_OK);
    db_rollback(db);
    cr_assert_eq(db_exec(db, &ADD_ONE, p1, NULL), ST_OK);

    /* First use inside a transaction that already failed: the prepare fails, and is retried
     * (successfully) once the transaction is over. */
    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_neq(db_exec_sql(db, "SELECT 1/0"), ST_OK);
    cr_assert_neq(db_exec(db, &IS_NULL, p1, NULL), ST_OK);
    db_rollback(db);
    cr_assert_eq(db_exec(db, &IS_NULL, p1, NULL), ST_OK);
    db_release(db);
    pool_free(p);
}

Test(db, parameters_and_result_helpers)
{
    db_pool_t *p = pool_new(1);
    db_t *db = acquire(p);
    PGresult *res = NULL;

    const char *pnull[] = {NULL};
    cr_assert_eq(db_exec(db, &IS_NULL, pnull, &res), ST_OK);
    cr_assert(db_get_bool(res, 0, 0), "a NULL parameter is SQL NULL");
    cr_assert_null(db_get(res, 0, 1));
    cr_assert_eq(db_get_int(res, 0, 1), 0);
    cr_assert_not(db_get_bool(res, 0, 1));
    PQclear(res);
    res = NULL;

    const char *pstr[] = {"it's \"quoted\"; DROP TABLE x; --"};
    cr_assert_eq(db_exec(db, &IS_NULL, pstr, &res), ST_OK);
    cr_assert_not(db_get_bool(res, 0, 0));
    cr_assert_str_eq(db_get(res, 0, 1), pstr[0], "parameters are never interpolated");
    PQclear(res);
    res = NULL;

    const char *pempty[] = {""};
    cr_assert_eq(db_exec(db, &IS_NULL, pempty, &res), ST_OK);
    cr_assert_not(db_get_bool(res, 0, 0), "the empty string is not NULL");
    cr_assert_str_eq(db_get(res, 0, 1), "");
    PQclear(res);
    res = NULL;

    cr_assert_eq(db_exec(db, &NO_PARAMS, NULL, &res), ST_OK);
    cr_assert_eq(db_nrows(res), 1);
    cr_assert_str_eq(db_get(res, 0, 0), "x");
    cr_assert_null(db_get(res, 0, 1));
    PQclear(res);
    cr_assert_eq(db_nrows(NULL), 0);

    /* A statement that does not parse is an internal error and is not remembered as
     * prepared: the next run tries (and fails) again rather than executing nothing. */
    res = (PGresult *)0x1;
    cr_assert_eq(db_exec(db, &BROKEN, NULL, &res), ST_INTERNAL);
    cr_assert_eq(res, (PGresult *)0x1, "out untouched on failure");
    cr_assert_eq(db_exec(db, &BROKEN, NULL, NULL), ST_INTERNAL);
    cr_assert_eq(prepared_count(db, BROKEN.name), 0);
    /* The session is fine afterwards. */
    cr_assert_eq(db_exec(db, &NO_PARAMS, NULL, NULL), ST_OK);
    db_release(db);
    pool_free(p);
}

/* ---- SQLSTATE mapping ------------------------------------------------------------------------ */

/* Creates <schema>.parents and <schema>.items with named constraints. */
static void make_tables(db_t *db, const char *s)
{
    exec_fmt_ok(db, "CREATE SCHEMA %s", s);
    exec_fmt_ok(db, "CREATE TABLE %s.parents (id uuid PRIMARY KEY)", s);
    char *sql = fmt("CREATE TABLE %s.items ("
                    " id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
                    " parent_id uuid CONSTRAINT items_parent_fk REFERENCES %s.parents(id),"
                    " name text NOT NULL CONSTRAINT items_name_key UNIQUE,"
                    " qty int CONSTRAINT items_qty_check CHECK (qty >= 0),"
                    " code varchar(3),"
                    " day date)",
                    s, s);
    exec_ok(db, sql);
    free(sql);
}

/* A fresh schema with the tables above, a pool of one and its connection (for the test to
 * release and free); the schema's name. */
static const char *tables_fixture(db_pool_t **p /* OUT */, db_t **db /* OUT */)
{
    const char *s = schema_name("t_");
    *p = pool_new(1);
    *db = acquire(*p);
    make_tables(*db, s);
    return s;
}

typedef struct {
    const char *what;
    const char *sql; /* %s: schema (up to 2 times) */
    status_t want;
    const char *constraint;
} sql_case_t;

Test(db, sqlstates_map_to_statuses)
{
    db_pool_t *p = NULL;
    db_t *db = NULL;
    const char *s = tables_fixture(&p, &db);
    exec_fmt_ok(db, "INSERT INTO %s.parents VALUES ('11111111-1111-4111-8111-111111111111')", s);
    exec_fmt_ok(db, "INSERT INTO %s.items (name, qty) VALUES ('first', 1)", s);

    static const sql_case_t cases[] = {
        {"unique violation", "INSERT INTO %s.items (name) VALUES ('first')", ST_CONFLICT,
         "items_name_key"},
        {"check violation", "INSERT INTO %s.items (name, qty) VALUES ('neg', -1)", ST_INVALID,
         "items_qty_check"},
        {"foreign key violation",
         "INSERT INTO %s.items (name, parent_id) VALUES ('orphan', "
         "'22222222-2222-4222-8222-222222222222')",
         ST_NOT_FOUND, "items_parent_fk"},
        {"not null violation", "INSERT INTO %s.items (name) VALUES (NULL)", ST_INVALID, ""},
        {"invalid uuid text", "SELECT 'not-a-uuid'::uuid", ST_INVALID, ""},
        {"invalid integer text", "SELECT 'abc'::int", ST_INVALID, ""},
        {"string too long", "INSERT INTO %s.items (name, code) VALUES ('long', 'abcdef')",
         ST_INVALID, ""},
        {"integer out of range", "SELECT 99999999999::int", ST_INVALID, ""},
        {"invalid date", "SELECT '2024-13-45'::date", ST_INVALID, ""},
        {"invalid datetime format", "SELECT 'not a date'::date", ST_INVALID, ""},
        {"datetime field overflow", "SELECT '2024-01-01 25:00'::timestamp", ST_INVALID, ""},
        {"syntax error", "SELEC 1", ST_INTERNAL, ""},
        {"undefined table", "SELECT * FROM %s.no_such_table", ST_INTERNAL, ""},
        {"division by zero", "SELECT 1/0", ST_INTERNAL, ""},
        {"serialization failure",
         "DO $$ BEGIN RAISE EXCEPTION 'ser' USING ERRCODE = 'serialization_failure'; END $$",
         ST_CONFLICT, ""},
        {"deadlock", "DO $$ BEGIN RAISE EXCEPTION 'dl' USING ERRCODE = 'deadlock_detected'; END $$",
         ST_CONFLICT, ""},
        {"connection class (08)",
         "DO $$ BEGIN RAISE EXCEPTION 'cf' USING ERRCODE = 'connection_failure'; END $$",
         ST_UNAVAILABLE, ""},
        {"admin shutdown",
         "DO $$ BEGIN RAISE EXCEPTION 'sd' USING ERRCODE = 'admin_shutdown'; END $$",
         ST_UNAVAILABLE, ""},
        {"query canceled",
         "DO $$ BEGIN RAISE EXCEPTION 'qc' USING ERRCODE = 'query_canceled'; END $$", ST_TIMEOUT,
         ""},
        {"constraint named by the error",
         "DO $$ BEGIN RAISE EXCEPTION 'u' USING ERRCODE = 'unique_violation', "
         "CONSTRAINT = 'users_email_key'; END $$",
         ST_CONFLICT, "users_email_key"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *sql = fmt(cases[i].sql, s, s);
        status_t st = db_exec_sql(db, sql);
        cr_assert_eq(st, cases[i].want, "%s: got %s, want %s", cases[i].what, status_str(st),
                     status_str(cases[i].want));
        cr_assert_str_eq(db_last_constraint(db), cases[i].constraint, "%s", cases[i].what);
        free(sql);
        /* Outside a transaction the session carries on after any error. */
        exec_ok(db, "SELECT 1");
    }
    char *count = fmt("SELECT count(*) FROM %s.items", s);
    cr_assert_eq(admin_int(count), 1);
    free(count);
    db_release(db);
    pool_free(p);
}

/* The same mapping through prepared statements with parameters, as services use it. */
Test(db, sqlstates_through_prepared_statements)
{
    db_pool_t *p = NULL;
    db_t *db = NULL;
    const char *s = tables_fixture(&p, &db);

    char *ins_parent = fmt("INSERT INTO %s.parents (id) VALUES ($1)", s);
    char *ins_item = fmt("INSERT INTO %s.items (name, qty, parent_id) VALUES ($1, $2, $3) "
                         "RETURNING id",
                         s);
    /* Statements are static in services; these live as long as the pool that uses them. */
    const db_stmt_t parent = {"test_db_ins_parent", ins_parent, 1};
    const db_stmt_t item = {"test_db_ins_item", ins_item, 3};

    const char *pid[] = {"33333333-3333-4333-8333-333333333333"};
    cr_assert_eq(db_exec(db, &parent, pid, NULL), ST_OK);
    cr_assert_eq(db_exec(db, &parent, pid, NULL), ST_CONFLICT);
    cr_assert_str_eq(db_last_constraint(db), "parents_pkey");

    const char *bad_uuid[] = {"3333-not-a-uuid"};
    cr_assert_eq(db_exec(db, &parent, bad_uuid, NULL), ST_INVALID);
    cr_assert_str_eq(db_last_constraint(db), "");

    PGresult *res = NULL;
    const char *ok[] = {"widget", "3", pid[0]};
    cr_assert_eq(db_exec(db, &item, ok, &res), ST_OK);
    cr_assert(uuid_valid(db_get(res, 0, 0)), "%s", db_get(res, 0, 0));
    PQclear(res);

    const char *dup[] = {"widget", "1", NULL};
    cr_assert_eq(db_exec(db, &item, dup, NULL), ST_CONFLICT);
    cr_assert_str_eq(db_last_constraint(db), "items_name_key");
    const char *neg[] = {"gadget", "-5", NULL};
    cr_assert_eq(db_exec(db, &item, neg, NULL), ST_INVALID);
    cr_assert_str_eq(db_last_constraint(db), "items_qty_check");
    const char *orphan[] = {"gizmo", "1", "44444444-4444-4444-8444-444444444444"};
    cr_assert_eq(db_exec(db, &item, orphan, NULL), ST_NOT_FOUND);
    cr_assert_str_eq(db_last_constraint(db), "items_parent_fk");
    const char *notint[] = {"gizmo", "three", NULL};
    cr_assert_eq(db_exec(db, &item, notint, NULL), ST_INVALID);
    const char *nullname[] = {NULL, "1", NULL};
    cr_assert_eq(db_exec(db, &item, nullname, NULL), ST_INVALID);

    /* The constraint is forgotten when the connection goes back to the pool. */
    cr_assert_eq(db_exec(db, &item, dup, NULL), ST_CONFLICT);
    cr_assert_str_eq(db_last_constraint(db), "items_name_key");
    db_release(db);
    db = acquire(p);
    cr_assert_str_eq(db_last_constraint(db), "");
    db_release(db);
    pool_free(p);
    free(ins_parent);
    free(ins_item);
}

Test(db, statement_timeout_is_timeout)
{
    db_pool_t *p = pool_new(1);
    db_t *db = acquire(p);
    exec_ok(db, "SET statement_timeout = '100ms'");
    int64_t t0 = time_mono_us();
    cr_assert_eq(db_exec_sql(db, "SELECT pg_sleep(5)"), ST_TIMEOUT);
    cr_assert_lt(ms_since(t0), 4000);
    exec_ok(db, "RESET statement_timeout");
    exec_ok(db, "SELECT 1");
    db_release(db);
    pool_free(p);
}

/* A session killed by the server is ST_UNAVAILABLE, and the next acquire reconnects. */
Test(db, lost_connection_is_unavailable_then_recovers)
{
    db_pool_t *p = pool_new(1);
    db_t *db = acquire(p);
    static const db_stmt_t PID = {"test_db_pid", "SELECT pg_backend_pid()", 0};
    PGresult *res = NULL;
    cr_assert_eq(db_exec(db, &PID, NULL, &res), ST_OK);
    long long pid = db_get_int(res, 0, 0);
    PQclear(res);
    res = NULL;

    char *kill = fmt("SELECT pg_terminate_backend(%lld)", pid);
    char *v = harness_pg_value(kill);
    cr_assert_str_eq(v, "t");
    free(v);
    free(kill);
    usleep(200 * 1000);

    cr_assert_eq(db_exec_sql(db, "SELECT 1"), ST_UNAVAILABLE);
    db_release(db);
    db = acquire(p);
    /* Reconnected: a new session, which has to prepare its statements again. */
    cr_assert_eq(db_exec(db, &PID, NULL, &res), ST_OK);
    cr_assert_neq(db_get_int(res, 0, 0), pid);
    PQclear(res);
    db_release(db);
    cr_assert(db_pool_healthy(p));
    pool_free(p);
}

/* ---- transactions ---------------------------------------------------------------------------- */

static long long count_items(const char *s, const char *name)
{
    char *sql = fmt("SELECT count(*) FROM %s.items WHERE name = '%s'", s, name);
    long long n = admin_int(sql);
    free(sql);
    return n;
}

static void insert_item(db_t *db, const char *s, const char *name)
{
    char *sql = fmt("INSERT INTO %s.items (name) VALUES ('%s')", s, name);
    exec_ok(db, sql);
    free(sql);
}

Test(db, commit_and_rollback)
{
    db_pool_t *p = NULL;
    db_t *db = NULL;
    const char *s = tables_fixture(&p, &db);

    cr_assert_eq(db_begin(db), ST_OK);
    insert_item(db, s, "kept");
    cr_assert_eq(count_items(s, "kept"), 0, "not visible to others before commit");
    cr_assert_eq(db_commit(db), ST_OK);
    cr_assert_eq(count_items(s, "kept"), 1);

    cr_assert_eq(db_begin(db), ST_OK);
    insert_item(db, s, "discarded");
    db_rollback(db);
    cr_assert_eq(count_items(s, "discarded"), 0);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE);

    /* Rolling back with no transaction open is harmless. */
    db_rollback(db);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE);
    db_release(db);
    pool_free(p);
}

Test(db, release_rolls_back_an_open_transaction)
{
    db_pool_t *p = NULL;
    db_t *db = NULL;
    const char *s = tables_fixture(&p, &db);

    cr_assert_eq(db_begin(db), ST_OK);
    insert_item(db, s, "forgotten");
    db_release(db); /* no commit */
    cr_assert_eq(count_items(s, "forgotten"), 0);
    db = acquire(p);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE,
                 "the next user gets a connection outside any transaction");

    /* Also after a failed statement left the transaction aborted. */
    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_neq(db_exec_sql(db, "SELECT 1/0"), ST_OK);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_INERROR);
    db_release(db);
    db = acquire(p);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE);
    exec_ok(db, "SELECT 1");
    db_release(db);
    pool_free(p);
}

/* db_exec_sql is documented for "DDL, BEGIN...": a transaction opened that way is rolled back
 * by db_release too, or the pool would hand the next caller a connection mid-transaction. */
Test(db, release_rolls_back_a_transaction_begun_with_sql)
{
    db_pool_t *p = NULL;
    db_t *db = NULL;
    const char *s = tables_fixture(&p, &db);

    exec_ok(db, "BEGIN");
    insert_item(db, s, "via_sql");
    db_release(db);
    db = acquire(p);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE,
                 "released mid-transaction: the next caller would run inside it");
    db_release(db);
    cr_assert_eq(count_items(s, "via_sql"), 0);
    pool_free(p);
}

/* COMMIT of a transaction in which a statement failed is answered "ROLLBACK" by PostgreSQL;
 * db_commit must not report that as success. */
Test(db, commit_of_a_failed_transaction_is_an_error)
{
    db_pool_t *p = NULL;
    db_t *db = NULL;
    const char *s = tables_fixture(&p, &db);
    insert_item(db, s, "exists");

    cr_assert_eq(db_begin(db), ST_OK);
    insert_item(db, s, "lost");
    char *dup = fmt("INSERT INTO %s.items (name) VALUES ('exists')", s);
    cr_assert_eq(db_exec_sql(db, dup), ST_CONFLICT);
    free(dup);
    status_t st = db_commit(db);
    cr_assert_neq(st, ST_OK, "the transaction was rolled back, not committed");
    cr_assert_eq(count_items(s, "lost"), 0);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE);
    exec_ok(db, "SELECT 1");
    db_release(db);
    pool_free(p);
}

Test(db, begin_org_sets_the_tenant_for_the_transaction)
{
    db_pool_t *p = pool_new(1);
    db_t *db = acquire(p);
    const char *org = "55555555-5555-4555-8555-555555555555";

    cr_assert_eq(db_begin_org(db, org), ST_OK);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_INTRANS);
    char *v = session_value(db, "SELECT current_setting('app.org_id', true)");
    cr_assert_str_eq(v, org);
    free(v);
    cr_assert_eq(db_commit(db), ST_OK);

    /* Transaction-local: gone after the commit. */
    v = session_value(db, "SELECT coalesce(current_setting('app.org_id', true), '')");
    cr_assert_str_eq(v, "");
    free(v);

    /* Rolled back with the transaction too, and NULL means no tenant. */
    cr_assert_eq(db_begin_org(db, org), ST_OK);
    db_rollback(db);
    v = session_value(db, "SELECT coalesce(current_setting('app.org_id', true), '')");
    cr_assert_str_eq(v, "");
    free(v);
    cr_assert_eq(db_begin_org(db, NULL), ST_OK);
    v = session_value(db, "SELECT coalesce(current_setting('app.org_id', true), '')");
    cr_assert_str_eq(v, "");
    free(v);
    db_release(db); /* rolls back */

    /* A second pooled connection never sees another's tenant. */
    db = acquire(p);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE);
    v = session_value(db, "SELECT coalesce(current_setting('app.org_id', true), '')");
    cr_assert_str_eq(v, "");
    free(v);
    db_release(db);
    pool_free(p);
}

/* Schema s with a table notes (org_id, body) under forced row-level security on app.org_id. */
static void notes_table(db_t *db, const char *s)
{
    exec_fmt_ok(db, "CREATE SCHEMA %s", s);
    exec_fmt_ok(db, "CREATE TABLE %s.notes (org_id uuid NOT NULL, body text)", s);
    exec_fmt_ok(db, "ALTER TABLE %s.notes ENABLE ROW LEVEL SECURITY", s);
    exec_fmt_ok(db, "ALTER TABLE %s.notes FORCE ROW LEVEL SECURITY", s);
    exec_fmt_ok(db,
                "CREATE POLICY tenant ON %s.notes USING "
                "(org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
                s);
}

/* Row-level security keyed on app.org_id scopes what the (non-superuser) app role sees. */
Test(db, begin_org_scopes_row_level_security)
{
    const char *s = schema_name("t_");
    const char *org_a = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    const char *org_b = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    db_pool_t *p = pool_new(1);
    db_t *db = acquire(p);
    notes_table(db, s);

    char *ins = fmt("INSERT INTO %s.notes VALUES ('%s', 'a1'), ('%s', 'a2'), ('%s', 'b1')", s,
                    org_a, org_a, org_b);
    cr_assert(harness_pg_exec(ins));
    free(ins);
    char *count = fmt("SELECT count(*) FROM %s.notes", s);

    cr_assert_eq(db_begin_org(db, org_a), ST_OK);
    cr_assert_eq(session_int(db, count), 2);
    cr_assert_eq(db_commit(db), ST_OK);
    cr_assert_eq(db_begin_org(db, org_b), ST_OK);
    cr_assert_eq(session_int(db, count), 1);
    /* Writing another tenant's row is refused. */
    char *cross = fmt("INSERT INTO %s.notes VALUES ('%s', 'sneaky')", s, org_a);
    cr_assert_neq(db_exec_sql(db, cross), ST_OK);
    free(cross);
    db_rollback(db);
    /* Without a tenant: nothing. */
    cr_assert_eq(session_int(db, count), 0);
    free(count);
    db_release(db);
    pool_free(p);
}

static const db_stmt_t TENANT = {"test_db_tenant",
                                 "SELECT coalesce(current_setting('app.org_id', true), '')", 0};
static const db_stmt_t NOTES = {"test_db_notes", "SELECT count(*) FROM notes WHERE body <> $1", 1};
static const db_stmt_t BAD_CAST = {"test_db_bad_cast", "SELECT $1::int", 1};

/* db_read_org: the statement sees the tenant (row-level security), the setting ends with it,
 * errors come back as statuses and leave the connection usable, statements stay prepared. */
Test(db, read_org_is_one_statement_in_the_tenant_transaction)
{
    const char *s = schema_name("t_");
    const char *org_a = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    const char *org_b = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    db_pool_t *p = pool_new(1);
    db_t *db = acquire(p);
    notes_table(db, s);
    exec_fmt_ok(db, "SET search_path TO %s", s);
    char *ins = fmt("INSERT INTO %s.notes VALUES ('%s', 'a1'), ('%s', 'a2'), ('%s', 'b1')", s,
                    org_a, org_a, org_b);
    cr_assert(harness_pg_exec(ins));
    free(ins);

    PGresult *res = NULL;
    const char *none[] = {NULL};
    const char *empty[] = {""};
    for (int round = 0; round < 2; round++) { /* prepared in the first, reused in the second */
        cr_assert_eq(db_read_org(db, org_a, &TENANT, none, &res), ST_OK);
        cr_assert_str_eq(db_get(res, 0, 0), org_a);
        PQclear(res);
        cr_assert_eq(db_read_org(db, org_a, &NOTES, empty, &res), ST_OK);
        cr_assert_eq(db_get_int(res, 0, 0), 2);
        PQclear(res);
        cr_assert_eq(db_read_org(db, org_b, &NOTES, empty, &res), ST_OK);
        cr_assert_eq(db_get_int(res, 0, 0), 1);
        PQclear(res);
    }
    cr_assert_eq(prepared_count(db, "test_db_notes"), 1);
    /* The setting and the transaction end with the statement. */
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE);
    char *v = session_value(db, "SELECT coalesce(current_setting('app.org_id', true), '')");
    cr_assert_str_eq(v, "");
    free(v);
    cr_assert_eq(db_read_org(db, NULL, &NOTES, empty, &res), ST_OK);
    cr_assert_eq(db_get_int(res, 0, 0), 0, "no tenant, no rows");
    PQclear(res);

    /* A failing statement: its status; the connection goes on. */
    const char *word[] = {"seven"};
    res = NULL;
    cr_assert_eq(db_read_org(db, org_a, &BAD_CAST, word, &res), ST_INVALID);
    cr_assert_null(res);
    const char *seven[] = {"7"};
    cr_assert_eq(db_read_org(db, org_a, &BAD_CAST, seven, &res), ST_OK);
    cr_assert_eq(db_get_int(res, 0, 0), 7);
    PQclear(res);
    cr_assert_eq(db_read_org(db, "not-a-uuid", &TENANT, none, NULL), ST_INVALID);
    /* Not inside a transaction of the caller's. */
    cr_assert_eq(db_begin(db), ST_OK);
    cr_assert_eq(db_read_org(db, org_a, &TENANT, none, NULL), ST_INTERNAL);
    db_rollback(db);
    db_release(db);
    pool_free(p);
}

/* ---- migrations ------------------------------------------------------------------------------ */

typedef struct {
    db_migration_t m[8];
    char *sql[8];
    size_t n;
} migrations_t;

static void mig_add(migrations_t *ms, const char *name, char *sql)
{
    cr_assert_lt(ms->n, ARRAY_LEN(ms->m));
    ms->sql[ms->n] = sql;
    ms->m[ms->n] = (db_migration_t){name, sql};
    ms->n++;
}

static void mig_cleanup(migrations_t *ms)
{
    for (size_t i = 0; i < ms->n; i++)
        free(ms->sql[i]);
    ms->n = 0;
}

/* Three migrations given out of order; each depends on the one before it and writes its name
 * into <schema>.log, whose serial id records the order they ran in. */
static void three_migrations(migrations_t *ms, const char *s)
{
    mig_add(ms, "003_c.sql",
            fmt("ALTER TABLE %s.things ADD COLUMN c int; INSERT INTO %s.log (name) VALUES "
                "('003')",
                s, s));
    mig_add(ms, "001_a.sql",
            fmt("CREATE TABLE %s.log (id serial PRIMARY KEY, name text NOT NULL); "
                "CREATE TABLE %s.things (a int); INSERT INTO %s.log (name) VALUES ('001')",
                s, s, s));
    mig_add(ms, "002_b.sql",
            fmt("ALTER TABLE %s.things ADD COLUMN b int; INSERT INTO %s.log (name) VALUES "
                "('002')",
                s, s));
}

static char *log_order(const char *s)
{
    char *sql = fmt("SELECT string_agg(name, ',' ORDER BY id) FROM %s.log", s);
    char *v = harness_pg_value(sql);
    free(sql);
    return v;
}

static char *applied(const char *s)
{
    char *sql = fmt("SELECT string_agg(name, ',' ORDER BY name) FROM %s.schema_migrations", s);
    char *v = harness_pg_value(sql);
    free(sql);
    return v;
}

Test(db, migrate_applies_in_name_order_once)
{
    const char *s = schema_name("t_");
    db_pool_t *p = pool_new(2);
    migrations_t ms = {0};
    three_migrations(&ms, s);

    cr_assert_eq(db_migrate(p, s, ms.m, ms.n), ST_OK);
    char *order = log_order(s);
    cr_assert_str_eq(order, "001,002,003");
    free(order);
    char *names = applied(s);
    cr_assert_str_eq(names, "001_a.sql,002_b.sql,003_c.sql");
    free(names);
    char *owner = fmt("SELECT tableowner FROM pg_tables WHERE schemaname = '%s' AND "
                      "tablename = 'things'",
                      s);
    char *who = harness_pg_value(owner);
    cr_assert_str_eq(who, "app", "migrations run as the service's role");
    free(who);
    free(owner);
    char *applied_at = fmt("SELECT count(*) FROM %s.schema_migrations WHERE applied_at > now() - "
                           "interval '10 minutes'",
                           s);
    cr_assert_eq(admin_int(applied_at), 3);
    free(applied_at);

    /* Idempotent: nothing runs again. */
    cr_assert_eq(db_migrate(p, s, ms.m, ms.n), ST_OK);
    cr_assert_eq(db_migrate(p, s, ms.m, ms.n), ST_OK);
    order = log_order(s);
    cr_assert_str_eq(order, "001,002,003");
    free(order);

    /* A later release adds 004: only it runs. */
    mig_add(&ms, "004_d.sql", fmt("INSERT INTO %s.log (name) VALUES ('004')", s));
    cr_assert_eq(db_migrate(p, s, ms.m, ms.n), ST_OK);
    order = log_order(s);
    cr_assert_str_eq(order, "001,002,003,004");
    free(order);
    names = applied(s);
    cr_assert_str_eq(names, "001_a.sql,002_b.sql,003_c.sql,004_d.sql");
    free(names);

    /* The caller's array is not reordered. */
    cr_assert_str_eq(ms.m[0].name, "003_c.sql");
    mig_cleanup(&ms);

    /* The pool is intact: both connections free, no transaction open. */
    db_t *a = acquire(p), *b = acquire(p);
    cr_assert_eq(PQtransactionStatus(db_pgconn(a)), PQTRANS_IDLE);
    cr_assert_eq(PQtransactionStatus(db_pgconn(b)), PQTRANS_IDLE);
    db_release(a);
    db_release(b);
    pool_free(p);
}

Test(db, migrate_with_no_migrations_creates_the_bookkeeping)
{
    const char *s = schema_name("t_Mixed");
    db_pool_t *p = pool_new(1);
    cr_assert_eq(db_migrate(p, s, NULL, 0), ST_OK);
    char *sql = fmt("SELECT count(*) FROM \"%s\".schema_migrations", s);
    cr_assert_eq(admin_int(sql), 0);
    free(sql);
    cr_assert_eq(db_migrate(p, s, NULL, 0), ST_OK);
    pool_free(p);
}

static bool lock_is_free(const char *schema)
{
    const char *params[] = {schema};
    char *v =
        harness_pg_value_params("SELECT pg_try_advisory_lock(hashtext('migrate:' || $1::text)) AND "
                                "pg_advisory_unlock(hashtext('migrate:' || $1::text))",
                                1, params);
    bool ok = v && strcmp(v, "t") == 0;
    free(v);
    return ok;
}

Test(db, failing_migration_rolls_back_entirely)
{
    const char *s = schema_name("t_");
    db_pool_t *p = pool_new(1);
    migrations_t ms = {0};
    mig_add(&ms, "001_ok.sql",
            fmt("CREATE TABLE %s.log (id serial PRIMARY KEY, name text NOT NULL); "
                "INSERT INTO %s.log (name) VALUES ('001')",
                s, s));
    /* Several statements, the last one failing: none of them may stay. */
    mig_add(&ms, "002_bad.sql",
            fmt("CREATE TABLE %s.half (x int); INSERT INTO %s.log (name) VALUES ('002'); "
                "ALTER TABLE %s.log ADD COLUMN extra int; INSERT INTO %s.no_such_table VALUES (1)",
                s, s, s, s));
    mig_add(&ms, "003_after.sql", fmt("INSERT INTO %s.log (name) VALUES ('003')", s));

    status_t st = db_migrate(p, s, ms.m, ms.n);
    cr_assert_neq(st, ST_OK, "a failing migration is an error");

    char *order = log_order(s);
    cr_assert_str_eq(order, "001", "002 rolled back, 003 never ran");
    free(order);
    char *names = applied(s);
    cr_assert_str_eq(names, "001_ok.sql");
    free(names);
    char *half = fmt("SELECT to_regclass('%s.half') IS NULL", s);
    char *v = harness_pg_value(half);
    cr_assert_str_eq(v, "t", "the table created by the failed migration is gone");
    free(v);
    free(half);
    char *col = fmt("SELECT count(*) FROM information_schema.columns WHERE table_schema = '%s' "
                    "AND table_name = 'log' AND column_name = 'extra'",
                    s);
    cr_assert_eq(admin_int(col), 0);
    free(col);
    cr_assert(lock_is_free(s), "the advisory lock was released");

    /* The connection went back clean. */
    db_t *db = acquire(p);
    cr_assert_eq(PQtransactionStatus(db_pgconn(db)), PQTRANS_IDLE);
    db_release(db);

    /* Fixing the migration lets the next start finish the job. */
    free(ms.sql[1]);
    ms.sql[1] = fmt("CREATE TABLE %s.half (x int); INSERT INTO %s.log (name) VALUES ('002')", s, s);
    ms.m[1].sql = ms.sql[1];
    cr_assert_eq(db_migrate(p, s, ms.m, ms.n), ST_OK);
    order = log_order(s);
    cr_assert_str_eq(order, "001,002,003");
    free(order);
    mig_cleanup(&ms);
    pool_free(p);
}

/* A syntax error in the first migration: nothing at all is recorded. */
Test(db, failing_first_migration_records_nothing)
{
    const char *s = schema_name("t_");
    db_pool_t *p = pool_new(1);
    migrations_t ms = {0};
    mig_add(&ms, "001_typo.sql", fmt("CREATE TABLE %s.a (x int); CREAT TABLE %s.b (y int)", s, s));
    cr_assert_neq(db_migrate(p, s, ms.m, ms.n), ST_OK);
    char *sql = fmt("SELECT count(*) FROM %s.schema_migrations", s);
    cr_assert_eq(admin_int(sql), 0);
    free(sql);
    char *a = fmt("SELECT to_regclass('%s.a') IS NULL", s);
    char *v = harness_pg_value(a);
    cr_assert_str_eq(v, "t");
    free(v);
    free(a);
    cr_assert(lock_is_free(s));
    mig_cleanup(&ms);
    pool_free(p);
}

typedef struct {
    const char *schema;
    const db_migration_t *m;
    size_t n;
    status_t st;
} migrate_job_t;

static void *migrate_thread(void *arg)
{
    migrate_job_t *j = arg;
    db_pool_t *p = NULL;
    j->st = db_pool_new(harness_env("DATABASE_URL"), 1, &p);
    if (j->st == ST_OK)
        j->st = db_migrate(p, j->schema, j->m, j->n);
    db_pool_free(p);
    return NULL;
}

/* Replicas starting together: every runner succeeds and each migration runs exactly once.
 * The migrations are not idempotent (CREATE TABLE without IF NOT EXISTS), so a second
 * application would fail. */
Test(db, concurrent_migrations_apply_each_once)
{
    enum { RUNNERS = 4 };
    const char *s = schema_name("t_");
    migrations_t ms = {0};
    mig_add(&ms, "001_a.sql",
            fmt("CREATE TABLE %s.log (id serial PRIMARY KEY, name text NOT NULL); "
                "SELECT pg_sleep(0.3); INSERT INTO %s.log (name) VALUES ('001')",
                s, s));
    mig_add(&ms, "002_b.sql",
            fmt("CREATE TABLE %s.b (x int); SELECT pg_sleep(0.1); "
                "INSERT INTO %s.log (name) VALUES ('002')",
                s, s));
    mig_add(&ms, "003_c.sql",
            fmt("CREATE TABLE %s.c (x int); INSERT INTO %s.log (name) VALUES ('003')", s, s));

    migrate_job_t jobs[RUNNERS];
    pthread_t th[RUNNERS];
    for (int i = 0; i < RUNNERS; i++) {
        jobs[i] = (migrate_job_t){s, ms.m, ms.n, ST_INTERNAL};
        pthread_create(&th[i], NULL, migrate_thread, &jobs[i]);
    }
    for (int i = 0; i < RUNNERS; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(jobs[i].st, ST_OK, "runner %d: %s", i, status_str(jobs[i].st));
    }
    char *order = log_order(s);
    cr_assert_str_eq(order, "001,002,003");
    free(order);
    char *names = applied(s);
    cr_assert_str_eq(names, "001_a.sql,002_b.sql,003_c.sql");
    free(names);
    cr_assert(lock_is_free(s));

    /* Two more runners on one shared pool of two connections. */
    db_pool_t *p = pool_new(2);
    mig_add(&ms, "004_d.sql",
            fmt("CREATE TABLE %s.d (x int); SELECT pg_sleep(0.2); "
                "INSERT INTO %s.log (name) VALUES ('004')",
                s, s));
    migrate_job_t j2 = {s, ms.m, ms.n, ST_INTERNAL};
    pthread_t t2;
    pthread_create(&t2, NULL, migrate_thread, &j2);
    cr_assert_eq(db_migrate(p, s, ms.m, ms.n), ST_OK);
    pthread_join(t2, NULL);
    cr_assert_eq(j2.st, ST_OK);
    order = log_order(s);
    cr_assert_str_eq(order, "001,002,003,004");
    free(order);
    pool_free(p);
    mig_cleanup(&ms);
}

/* Different schemas use different locks: one slow migration does not hold up another
 * service's. */
Test(db, migrations_of_different_schemas_do_not_wait)
{
    const char *slow = schema_name("t_");
    const char *fast = schema_name("t_");
    migrations_t ms_slow = {0}, ms_fast = {0};
    mig_add(&ms_slow, "001.sql", fmt("CREATE TABLE %s.x (a int); SELECT pg_sleep(5)", slow));
    mig_add(&ms_fast, "001.sql", fmt("CREATE TABLE %s.x (a int)", fast));

    migrate_job_t j = {slow, ms_slow.m, ms_slow.n, ST_INTERNAL};
    pthread_t th;
    pthread_create(&th, NULL, migrate_thread, &j);
    /* Wait until the slow one holds its lock. */
    int64_t until = time_mono_us() + 10 * 1000000LL;
    while (lock_is_free(slow) && time_mono_us() < until)
        usleep(20 * 1000);
    cr_assert_not(lock_is_free(slow), "the slow migration never took its lock");

    db_pool_t *p = pool_new(1);
    int64_t t0 = time_mono_us();
    cr_assert_eq(db_migrate(p, fast, ms_fast.m, ms_fast.n), ST_OK);
    cr_assert_lt(ms_since(t0), 4000, "waited for another schema's lock (%.0f ms)", ms_since(t0));
    pthread_join(th, NULL);
    cr_assert_eq(j.st, ST_OK);
    pool_free(p);
    mig_cleanup(&ms_slow);
    mig_cleanup(&ms_fast);
}
