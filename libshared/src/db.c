/* db.c - libpq connection pool with lazily prepared statements, transactions, error mapping
 * and migrations under an advisory lock (see db.h).
 *
 * Each pooled connection remembers which db_stmt_t it has prepared (by pointer: statements are
 * static). A broken connection is reset on the next acquire and forgets its statements.
 */
#include "shared/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shared/log.h"
#include "shared/metrics.h"
#include "shared/readiness.h"
#include "shared/util.h"

#define ACQUIRE_TIMEOUT_MS 5000
#define READY_TIMEOUT_MS   1000 /* readiness: a connection must come free within this */

struct db {
    db_pool_t *pool;
    PGconn *conn;
    const db_stmt_t **prepared;
    size_t nprepared, capprepared;
    bool in_tx;
    bool busy;
    char constraint[64];
};

struct db_pool {
    char *url;
    db_t *conns;
    int size;
    bool registered; /* with readiness and the size metric */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* ---- metrics: pool use, summed over the pools of the process ------------------------------ */

static metrics_series_t *m_size, *m_in_use, *m_waits, *m_wait_seconds, *m_timeouts;
static pthread_once_t metrics_once = PTHREAD_ONCE_INIT;

static void metrics_setup(void)
{
    m_size = metrics_get(metrics_gauge(NULL, "db_pool_connections",
                                       "Connections the database pool may open (its size).", NULL),
                         NULL);
    m_in_use = metrics_get(
        metrics_gauge(NULL, "db_pool_connections_in_use", "Pooled connections lent out now.", NULL),
        NULL);
    m_waits = metrics_get(metrics_counter(NULL, "db_pool_waits_total",
                                          "Acquisitions that found every connection busy and "
                                          "waited.",
                                          NULL),
                          NULL);
    m_wait_seconds = metrics_get(metrics_counter(NULL, "db_pool_wait_seconds_total",
                                                 "Time spent waiting for a free connection.", NULL),
                                 NULL);
    m_timeouts = metrics_get(metrics_counter(NULL, "db_pool_acquire_timeouts_total",
                                             "Acquisitions that gave up: no connection came free "
                                             "in time.",
                                             NULL),
                             NULL);
}

static status_t acquire_within(db_pool_t *pool, int timeout_ms, db_t **out);

/* Readiness (shared/readiness.h): a pooled connection answers SELECT 1. */
static bool db_ready(void *arg, char *why, size_t whylen)
{
    db_t *db = NULL;
    status_t st = acquire_within(arg, READY_TIMEOUT_MS, &db);
    if (!st)
        st = db_exec_sql(db, "SELECT 1");
    db_release(db);
    if (st)
        snprintf(why, whylen, "%s", st == ST_UNAVAILABLE ? "database unavailable" : status_str(st));
    return st == ST_OK;
}

static void forget_prepared(db_t *db)
{
    db->nprepared = 0;
}

/* libpq prints server notices on stderr by default; keep the log one JSON object per line. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    size_t n = strlen(message);
    while (n && message[n - 1] == '\n')
        n--;
    LOG_DEBUG("db: %.*s", (int)n, message);
}

static status_t connect_one(db_t *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return ST_OK;
    if (db->conn) {
        PQreset(db->conn);
        forget_prepared(db);
        if (PQstatus(db->conn) == CONNECTION_OK)
            return ST_OK;
        PQfinish(db->conn);
        db->conn = NULL;
    }
    /* application_name is the service's (log_init's name) unless the URL names one. */
    const char *keys[] = {"dbname", "fallback_application_name", NULL};
    const char *vals[] = {db->pool->url, log_service(), NULL};
    db->conn = PQconnectdbParams(keys, vals, 1);
    forget_prepared(db);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        /* The message can quote the host but never the password. */
        LOG_ERROR("db: cannot connect: %s", PQerrorMessage(db->conn));
        PQfinish(db->conn);
        db->conn = NULL;
        return ST_UNAVAILABLE;
    }
    PQsetNoticeProcessor(db->conn, on_notice, NULL);
    return ST_OK;
}

status_t db_pool_new(const char *url, int size, db_pool_t **out)
{
    db_pool_t *pool = xcalloc(1, sizeof *pool);
    pool->url = xstrdup(url);
    pool->size = size > 0 ? size : 1;
    pool->conns = xcalloc((size_t)pool->size, sizeof *pool->conns);
    for (int i = 0; i < pool->size; i++)
        pool->conns[i].pool = pool;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->cv, NULL);
    status_t st = connect_one(&pool->conns[0]);
    if (st) {
        db_pool_free(pool);
        return st;
    }
    pthread_once(&metrics_once, metrics_setup);
    metrics_add(m_size, pool->size);
    readiness_add("database", db_ready, pool);
    pool->registered = true;
    *out = pool;
    return ST_OK;
}

void db_pool_free(db_pool_t *pool)
{
    if (!pool)
        return;
    if (pool->registered) { /* before anything goes: a probe may be using the pool */
        readiness_remove(db_ready, pool);
        metrics_add(m_size, -pool->size);
    }
    for (int i = 0; i < pool->size; i++) {
        PQfinish(pool->conns[i].conn);
        free(pool->conns[i].prepared);
    }
    free(pool->conns);
    free(pool->url);
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv);
    free(pool);
}

static status_t acquire_within(db_pool_t *pool, int timeout_ms, db_t **out)
{
    db_t *db = NULL;
    struct timespec ts;
    int64_t wait_from = 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }

    pthread_mutex_lock(&pool->mu);
    while (!db) {
        /* Prefer a connection that is already open. */
        for (int i = 0; i < pool->size && !db; i++)
            if (!pool->conns[i].busy && pool->conns[i].conn)
                db = &pool->conns[i];
        for (int i = 0; i < pool->size && !db; i++)
            if (!pool->conns[i].busy)
                db = &pool->conns[i];
        if (!db && !wait_from)
            wait_from = time_mono_us();
        if (!db && pthread_cond_timedwait(&pool->cv, &pool->mu, &ts) != 0)
            break;
    }
    if (db)
        db->busy = true;
    pthread_mutex_unlock(&pool->mu);
    if (wait_from) {
        metrics_inc(m_waits);
        metrics_add(m_wait_seconds, metrics_since(wait_from));
    }
    if (!db) {
        metrics_inc(m_timeouts);
        LOG_ERROR("db: no free connection within %d ms", timeout_ms);
        return ST_UNAVAILABLE;
    }
    metrics_add(m_in_use, 1);
    status_t st = connect_one(db);
    if (st) {
        db_release(db);
        return st;
    }
    db->constraint[0] = '\0';
    *out = db;
    return ST_OK;
}

status_t db_acquire(db_pool_t *pool, db_t **out)
{
    return acquire_within(pool, ACQUIRE_TIMEOUT_MS, out);
}

void db_release(db_t *db)
{
    if (!db)
        return;
    /* Also a transaction opened with db_exec_sql(db, "BEGIN"), which in_tx does not track. */
    if (db->in_tx || (db->conn && PQtransactionStatus(db->conn) != PQTRANS_IDLE))
        db_rollback(db);
    db_pool_t *pool = db->pool;
    metrics_add(m_in_use, -1);
    pthread_mutex_lock(&pool->mu);
    db->busy = false;
    pthread_cond_signal(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

bool db_pool_healthy(db_pool_t *pool)
{
    db_t *db = NULL;
    bool ok = false;
    if (db_acquire(pool, &db) == ST_OK) {
        ok = db_exec_sql(db, "SELECT 1") == ST_OK;
        db_release(db);
    }
    return ok;
}

PGconn *db_pgconn(db_t *db)
{
    return db->conn;
}

const char *db_last_constraint(const db_t *db)
{
    return db->constraint;
}

/* Maps a failed result to a status, remembering the constraint; logs unexpected errors once. */
static status_t result_status(db_t *db, PGresult *res, const char *what)
{
    ExecStatusType es = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK)
        return ST_OK;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *cons = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    snprintf(db->constraint, sizeof db->constraint, "%s", cons ? cons : "");
    if (PQstatus(db->conn) != CONNECTION_OK) {
        LOG_ERROR("db: connection lost during %s", what);
        return ST_UNAVAILABLE;
    }
    if (state) {
        if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 ||
            strcmp(state, "40P01") == 0)
            return ST_CONFLICT;
        if (strcmp(state, "23503") == 0)
            return ST_NOT_FOUND;
        if (strcmp(state, "23514") == 0 || strcmp(state, "22P02") == 0 ||
            strcmp(state, "22001") == 0 || strcmp(state, "22003") == 0 ||
            strcmp(state, "23502") == 0 || strcmp(state, "22007") == 0 ||
            strcmp(state, "22008") == 0)
            return ST_INVALID;
        if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0)
            return ST_UNAVAILABLE;
        if (strcmp(state, "57014") == 0)
            return ST_TIMEOUT;
    }
    LOG_ERROR("db: %s failed: [%s] %s", what, state ? state : "?",
              res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
    return ST_INTERNAL;
}

static bool is_prepared(const db_t *db, const db_stmt_t *stmt)
{
    for (size_t i = 0; i < db->nprepared; i++)
        if (db->prepared[i] == stmt)
            return true;
    return false;
}

static void mark_prepared(db_t *db, const db_stmt_t *stmt)
{
    if (db->nprepared == db->capprepared) {
        db->capprepared = db->capprepared ? db->capprepared * 2 : 16;
        db->prepared = xrealloc(db->prepared, db->capprepared * sizeof *db->prepared);
    }
    db->prepared[db->nprepared++] = stmt;
}

status_t db_exec(db_t *db, const db_stmt_t *stmt, const char *const *params, PGresult **out)
{
    status_t st;
    PGresult *res = NULL;

    if (!is_prepared(db, stmt)) {
        res = PQprepare(db->conn, stmt->name, stmt->sql, stmt->nparams, NULL);
        if ((st = result_status(db, res, stmt->name)))
            goto done;
        PQclear(res);
        res = NULL;
        mark_prepared(db, stmt);
    }
    res = PQexecPrepared(db->conn, stmt->name, stmt->nparams, params, NULL, NULL, 0);
    if ((st = result_status(db, res, stmt->name)))
        goto done;
    if (out) {
        *out = res;
        res = NULL;
    }
done:
    PQclear(res);
    return st;
}

status_t db_exec_sql(db_t *db, const char *sql)
{
    PGresult *res = PQexec(db->conn, sql);
    status_t st = result_status(db, res, "statement");
    PQclear(res);
    return st;
}

status_t db_begin(db_t *db)
{
    status_t st = db_exec_sql(db, "BEGIN");
    if (!st)
        db->in_tx = true;
    return st;
}

status_t db_begin_org(db_t *db, const char *org_id)
{
    char sql[128];
    /* One round trip for both: the id goes into the SQL text, so it must be a UUID (it comes
     * from the trusted Org-Id header; anything else is refused rather than quoted). */
    if (org_id && !uuid_valid(org_id)) {
        LOG_ERROR("db: org id for row-level security is not a UUID");
        return ST_INVALID;
    }
    snprintf(sql, sizeof sql, "BEGIN; SELECT set_config('app.org_id', '%s', true)",
             org_id ? org_id : "");
    status_t st = db_exec_sql(db, sql);
    if (!st)
        db->in_tx = true;
    else
        db_rollback(db);
    return st;
}

/* The connection is in a state we cannot trust (a pipeline cut short): start it afresh. */
static status_t pipeline_broken(db_t *db, const char *what)
{
    LOG_ERROR("db: %s: %s; resetting the connection", what, PQerrorMessage(db->conn));
    PQreset(db->conn);
    forget_prepared(db);
    return ST_UNAVAILABLE;
}

status_t db_read_org(db_t *db, const char *org_id, const db_stmt_t *stmt, const char *const *params,
                     PGresult **out)
{
    PGconn *c = db->conn;
    bool prepare = !is_prepared(db, stmt);
    status_t st = ST_OK;

    if (org_id && !uuid_valid(org_id)) {
        LOG_ERROR("db: org id for row-level security is not a UUID");
        return ST_INVALID;
    }
    if (db->in_tx)
        return ST_INTERNAL;
    /* Until the Sync, the statements run in one implicit transaction: the setting (local to
     * it) holds for the statement and ends with it. */
    const char *op[] = {org_id ? org_id : ""};
    if (!PQenterPipelineMode(c))
        return pipeline_broken(db, "cannot enter pipeline mode");
    if (!PQsendQueryParams(c, "SELECT set_config('app.org_id', $1, true)", 1, NULL, op, NULL, NULL,
                           0) ||
        (prepare && !PQsendPrepare(c, stmt->name, stmt->sql, stmt->nparams, NULL)) ||
        !PQsendQueryPrepared(c, stmt->name, stmt->nparams, params, NULL, NULL, 0) ||
        !PQpipelineSync(c))
        return pipeline_broken(db, "cannot send a pipeline");

    /* One result (then NULL) per command, then the Sync. After a failure the later commands
     * answer PGRES_PIPELINE_ABORTED; the first failure is the status. */
    int ncommands = prepare ? 3 : 2;
    for (int i = 0; i < ncommands; i++) {
        PGresult *res = PQgetResult(c);
        if (!res)
            return pipeline_broken(db, "a pipeline ended early");
        bool last = i == ncommands - 1;
        if (!st) {
            st = result_status(db, res, last ? stmt->name : i == 0 ? "set tenant" : "prepare");
            if (!st && prepare && i == 1)
                mark_prepared(db, stmt);
        }
        if (!st && last && out)
            *out = res;
        else
            PQclear(res);
        if ((res = PQgetResult(c))) {
            PQclear(res);
            return pipeline_broken(db, "a pipeline answered more than expected");
        }
    }
    PGresult *sync = PQgetResult(c);
    bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!synced || !PQexitPipelineMode(c)) {
        if (out && !st) {
            PQclear(*out);
            *out = NULL;
        }
        return pipeline_broken(db, "a pipeline did not end cleanly");
    }
    return st;
}

status_t db_commit(db_t *db)
{
    PGresult *res = PQexec(db->conn, "COMMIT");
    status_t st = result_status(db, res, "commit");
    /* COMMIT of a transaction in which a statement failed "succeeds" as a ROLLBACK. */
    if (!st && strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
        LOG_ERROR("db: commit of a failed transaction: rolled back");
        st = ST_INTERNAL;
    }
    PQclear(res);
    db->in_tx = false;
    return st;
}

void db_rollback(db_t *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        PQclear(PQexec(db->conn, "ROLLBACK"));
    db->in_tx = false;
}

int db_nrows(const PGresult *res)
{
    return res ? PQntuples(res) : 0;
}

const char *db_get(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

bool db_get_bool(const PGresult *res, int row, int col)
{
    const char *v = db_get(res, row, col);
    return v && v[0] == 't';
}

long long db_get_int(const PGresult *res, int row, int col)
{
    const char *v = db_get(res, row, col);
    return v ? atoll(v) : 0;
}

/* ---- migrations ------------------------------------------------------------------------------ */

static int cmp_migration(const void *a, const void *b)
{
    return strcmp(((const db_migration_t *)a)->name, ((const db_migration_t *)b)->name);
}

status_t db_migrate(db_pool_t *pool, const char *schema, const db_migration_t *migrations, size_t n)
{
    db_t *db = NULL;
    status_t st;
    buf_t sql = BUF_INIT;
    PGresult *res = NULL;
    db_migration_t *sorted = NULL;
    bool locked = false;
    char *ident = NULL;

    if ((st = db_acquire(pool, &db)))
        goto done;
    ident = PQescapeIdentifier(db->conn, schema, strlen(schema));
    /* One lock per schema: replicas of one service serialise, other services don't wait. */
    const char *lp[] = {schema};
    res = PQexecParams(db->conn, "SELECT pg_advisory_lock(hashtext('migrate:' || $1))", 1, NULL, lp,
                       NULL, NULL, 0);
    if ((st = result_status(db, res, "migration lock")))
        goto done;
    locked = true;
    PQclear(res);
    res = NULL;
    /* A service's role owns its schema but may not create schemas: CREATE SCHEMA IF NOT EXISTS
     * would be refused even when the schema is there, so it is only sent when it is not. */
    res = PQexecParams(db->conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, NULL, lp, NULL,
                       NULL, 0);
    if ((st = result_status(db, res, "migration schema")))
        goto done;
    if (PQntuples(res) == 0)
        buf_printf(&sql, "CREATE SCHEMA %s; ", ident);
    PQclear(res);
    res = NULL;
    buf_printf(&sql,
               "CREATE TABLE IF NOT EXISTS %s.schema_migrations "
               "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
               ident);
    if ((st = db_exec_sql(db, sql.data)))
        goto done;

    sorted = xmalloc((n ? n : 1) * sizeof *sorted);
    /* migrations may be NULL when n is 0; memcpy from NULL is undefined even for 0 bytes. */
    if (n)
        memcpy(sorted, migrations, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_migration);
    for (size_t i = 0; i < n; i++) {
        buf_reset(&sql);
        buf_printf(&sql, "SELECT 1 FROM %s.schema_migrations WHERE name = $1", ident);
        const char *p[] = {sorted[i].name};
        res = PQexecParams(db->conn, sql.data, 1, NULL, p, NULL, NULL, 0);
        if ((st = result_status(db, res, "migration check")))
            goto done;
        bool applied = PQntuples(res) > 0;
        PQclear(res);
        res = NULL;
        if (applied)
            continue;
        if ((st = db_begin(db)) || (st = db_exec_sql(db, sorted[i].sql)))
            goto fail;
        buf_reset(&sql);
        buf_printf(&sql, "INSERT INTO %s.schema_migrations (name) VALUES ($1)", ident);
        res = PQexecParams(db->conn, sql.data, 1, NULL, p, NULL, NULL, 0);
        if ((st = result_status(db, res, "migration record")) || (st = db_commit(db)))
            goto fail;
        PQclear(res);
        res = NULL;
        LOG_INFO("db: applied migration %s/%s", schema, sorted[i].name);
        continue;
    fail:
        LOG_ERROR("db: migration %s/%s failed", schema, sorted[i].name);
        db_rollback(db);
        goto done;
    }
done:
    PQclear(res);
    if (locked) {
        const char *p[] = {schema};
        PQclear(PQexecParams(db->conn, "SELECT pg_advisory_unlock(hashtext('migrate:' || $1))", 1,
                             NULL, p, NULL, NULL, 0));
    }
    PQfreemem(ident);
    free(sorted);
    buf_cleanup(&sql);
    db_release(db);
    return st;
}
