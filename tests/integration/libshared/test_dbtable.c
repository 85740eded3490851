/* test_dbtable.c - libshared dbtable against the stack's PostgreSQL: the column lists derived
 * from a descriptor and the catalog (types cast, defaults for unset fields, timestamps in the
 * API's form), a row written and read back through them, and the start-up errors when the
 * proto, the table and the spec disagree.
 *
 * The message is common.EventMeta {org_id, actor_id, occurred_at, request_id}; each test works
 * in its own schema dt_<hex>, dropped by the suite's fini. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/common.pb-c.h"
#include "shared/dbmsg.h"
#include "shared/dbtable.h"
#include "shared/log.h"
#include "shared/util.h"
#include "tests/support/harness.h"

static struct {
    char schema[32], table[48];
    db_pool_t *pool;
    db_t *db;
    db_table_t t;
} s;

static const char *const MANAGED[] = {"occurred_at", NULL};

static void suite_init(void)
{
    char id[37], sql[512];
    const char *lvl = harness_env_opt("LOG_LEVEL");
    log_init("test_dbtable", lvl ? lvl : "fatal");
    uuid_new(id);
    snprintf(s.schema, sizeof s.schema, "dt_%.8s", id);
    snprintf(s.table, sizeof s.table, "%s.events", s.schema);
    cr_assert_eq(db_pool_new(harness_env("DATABASE_URL"), 2, &s.pool), ST_OK);
    cr_assert_eq(db_acquire(s.pool, &s.db), ST_OK);
    snprintf(
        sql, sizeof sql,
        "CREATE SCHEMA %s; CREATE TABLE %s (seq serial, org_id uuid NOT NULL, actor_id uuid, "
        "occurred_at timestamptz NOT NULL DEFAULT now(), request_id text NOT NULL DEFAULT "
        "'none'); CREATE TABLE %s.bare (org_id uuid, occurred_at timestamptz, request_id text)",
        s.schema, s.table, s.schema);
    cr_assert_eq(db_exec_sql(s.db, sql), ST_OK);
}

static void suite_fini(void)
{
    char sql[96];
    db_table_cleanup(&s.t);
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", s.schema);
    if (s.db)
        db_exec_sql(s.db, sql);
    db_release(s.db);
    db_pool_free(s.pool);
}

TestSuite(dbtable, .init = suite_init, .fini = suite_fini);

static status_t load(const char *table, const char *const *not_columns, const char *const *managed)
{
    db_table_spec_t spec = {table, "e", &common__event_meta__descriptor, not_columns, managed};
    db_table_cleanup(&s.t);
    return db_table_load(s.db, &spec, &s.t);
}

Test(dbtable, lists_follow_the_descriptor_and_the_catalog)
{
    buf_t b = BUF_INIT;
    cr_assert_eq(load(s.table, NULL, MANAGED), ST_OK);
    cr_assert_str_eq(s.t.select,
                     "e.org_id, e.actor_id, to_char(e.occurred_at AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS occurred_at, e.request_id");
    cr_assert_str_eq(s.t.columns, "org_id, actor_id, request_id", "managed fields are not written");
    cr_assert_eq(s.t.n_written, 3);
    cr_assert_str_eq(s.t.written[2], "request_id");
    cr_assert_null(s.t.written[3]);
    db_table_values(&s.t, 2, &b);
    cr_assert_str_eq(b.data, "$2::uuid, $3::uuid, coalesce($4::text, 'none'::text)");
    buf_reset(&b);
    db_table_assignments(&s.t, 3, &b);
    cr_assert_str_eq(b.data, "org_id = $3::uuid, actor_id = $4::uuid, "
                             "request_id = coalesce($5::text, 'none'::text)");
    buf_cleanup(&b);
}

Test(dbtable, a_row_goes_in_and_comes_back_as_the_message)
{
    buf_t sql = BUF_INIT;
    db_params_t p;
    PGresult *res = NULL;
    cr_assert_eq(load(s.table, NULL, MANAGED), ST_OK);
    Common__EventMeta in = COMMON__EVENT_META__INIT;
    in.org_id = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    in.occurred_at = "1999-01-01T00:00:00.000Z"; /* managed: not written */
    cr_assert_eq(db_msg_params(&in.base, s.t.written, &p), ST_OK);
    buf_printf(&sql, "INSERT INTO %s AS e (%s) VALUES (", s.table, s.t.columns);
    db_table_values(&s.t, 1, &sql);
    buf_printf(&sql, ") RETURNING %s", s.t.select);
    db_stmt_t ins = {"dbtable_test_insert", sql.data, (int)s.t.n_written};
    cr_assert_eq(db_exec(s.db, &ins, p.v, &res), ST_OK);
    Common__EventMeta *out =
        (Common__EventMeta *)db_row_new_msg(res, 0, &common__event_meta__descriptor);
    cr_assert_not_null(out);
    cr_assert_str_eq(out->org_id, in.org_id);
    cr_assert_null(out->actor_id, "unset and no default: NULL");
    cr_assert_str_eq(out->request_id, "none", "unset: the column's default");
    regex_t re;
    cr_assert_eq(regcomp(&re, "^2[0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$", REG_EXTENDED),
                 0);
    cr_assert_eq(regexec(&re, out->occurred_at, 0, NULL, 0), 0, "set by the table: %s",
                 out->occurred_at);
    regfree(&re);
    protobuf_c_message_free_unpacked(&out->base, NULL);
    PQclear(res);
    db_params_cleanup(&p);
    buf_cleanup(&sql);
}

Test(dbtable, disagreements_fail_at_start_up)
{
    char bare[48];
    snprintf(bare, sizeof bare, "%s.bare", s.schema);
    cr_assert_eq(load(bare, NULL, MANAGED), ST_INTERNAL, "no column for actor_id");
    const char *const none[] = {"actor_id", NULL};
    cr_assert_eq(load(bare, none, MANAGED), ST_OK, "listed as no column");
    cr_assert_null(strstr(s.t.select, "actor_id"));
    cr_assert_str_eq(s.t.columns, "org_id, request_id");
    const char *const typo[] = {"ocurred_at", NULL};
    cr_assert_eq(load(s.table, NULL, typo), ST_INTERNAL, "a managed name that is no field");
    cr_assert_eq(load(s.table, typo, NULL), ST_INTERNAL, "a no-column name that is no field");
    db_table_cleanup(NULL);
}
