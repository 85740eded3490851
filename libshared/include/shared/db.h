/* db.h - PostgreSQL through libpq: a connection pool, prepared statements, transactions,
 * tenant scoping and per-service migrations.
 *
 * Statements are declared once, statically, in the service's store.c and prepared lazily on
 * each pooled connection the first time they run there:
 *
 *     static const db_stmt_t FIND_USER = {"auth_find_user",
 *         "SELECT id, email FROM auth.users WHERE lower(email) = lower($1)", 1};
 *     db_t *db; PGresult *res = NULL;
 *     if ((st = db_acquire(pool, &db))) goto done;
 *     const char *params[] = {email};
 *     if ((st = db_exec(db, &FIND_USER, params, &res))) goto done;
 *     if (db_nrows(res) == 0) { st = ST_NOT_FOUND; goto done; }
 *   done:
 *     PQclear(res); db_release(db);
 *
 * SQL errors map to statuses: unique violation -> ST_CONFLICT (db_last_constraint names the
 * constraint), check/invalid-text -> ST_INVALID, connection loss -> ST_UNAVAILABLE, else
 * ST_INTERNAL (logged once here, without parameters: they may be secrets).
 */
#ifndef SHARED_DB_H
#define SHARED_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "shared/status.h"

typedef struct db_pool db_pool_t;
typedef struct db db_t;

typedef struct {
    const char *name; /* unique per process, e.g. "auth_find_user" */
    const char *sql;
    int nparams;
} db_stmt_t;

typedef struct {
    const char *name; /* "001_init.sql": applied in name order, each at most once */
    const char *sql;
} db_migration_t;

/* Opens `size` connections lazily (the first at once, to fail fast on a bad URL). */
status_t db_pool_new(const char *url, int size, db_pool_t **out);
void db_pool_free(db_pool_t *pool);
/* Waits up to timeout_ms for a free connection (ST_UNAVAILABLE after). */
status_t db_acquire(db_pool_t *pool, db_t **out);
/* Returns the connection; an open transaction is rolled back first. NULL-safe. */
void db_release(db_t *db);
/* Quick liveness probe (SELECT 1 on a pooled connection). */
bool db_pool_healthy(db_pool_t *pool);

/* Runs a prepared statement. params has stmt->nparams entries (NULL = SQL NULL). *out (may be
 * NULL when the rows are not needed) receives the result on success. */
status_t db_exec(db_t *db, const db_stmt_t *stmt, const char *const *params, PGresult **out);
/* Runs literal SQL without parameters (DDL, BEGIN...). */
status_t db_exec_sql(db_t *db, const char *sql);

status_t db_begin(db_t *db);
/* BEGIN and set the tenant for row-level security (app.org_id) for this transaction. */
status_t db_begin_org(db_t *db, const char *org_id);
status_t db_commit(db_t *db);
void db_rollback(db_t *db);
/* One statement in a transaction of its own for org_id (row-level security), sent together
 * with setting the tenant in a single round trip (libpq pipeline mode) instead of the three of
 * db_begin_org + db_exec + db_commit. For reads that need nothing else in their transaction;
 * not inside one. */
status_t db_read_org(db_t *db, const char *org_id, const db_stmt_t *stmt, const char *const *params,
                     PGresult **out);

/* Name of the constraint behind the last ST_CONFLICT/ST_INVALID, or "". */
const char *db_last_constraint(const db_t *db);
PGconn *db_pgconn(db_t *db);

/* Result helpers: NULL for SQL NULL. */
int db_nrows(const PGresult *res);
const char *db_get(const PGresult *res, int row, int col);
bool db_get_bool(const PGresult *res, int row, int col);
long long db_get_int(const PGresult *res, int row, int col);

/* Applies `migrations` (sorted by name) to schema `schema` under a session advisory lock, so N
 * replicas may start at once; records applied names in <schema>.schema_migrations. */
status_t db_migrate(db_pool_t *pool, const char *schema, const db_migration_t *migrations,
                    size_t n);

#endif
