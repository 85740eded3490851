/* test_db_roles.c - the database boundaries devstack sets up (infra/stack/stack_pg.c) and every
 * deployment must keep: each service signs in with its own role, by password, which owns its
 * schema and can read no other service's, create no schema, and names its sessions after the
 * service (application_name).
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"
#include "tests/support/harness.h"

static const char *const services[] = {"auth", "agents", "rag"};

/* DATABASE_URL_<SVC> of a service. */
static const char *url_of(const char *svc)
{
    char key[64];
    size_t i = 0;
    snprintf(key, sizeof key, "DATABASE_URL_");
    for (const char *p = svc; *p && i < 40; p++, i++)
        key[13 + i] = (char)(*p - 'a' + 'A');
    key[13 + i] = '\0';
    return harness_env(key);
}

static PGconn *connect_as(const char *svc)
{
    PGconn *c = PQconnectdb(url_of(svc));
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s: %s", svc, PQerrorMessage(c));
    return c;
}

/* SQLSTATE of sql on c ("" when it succeeds). */
static char *sqlstate(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    char *out = xstrdup(s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? "" : code ? code : "?");
    PQclear(r);
    return out;
}

static void expect_state(PGconn *c, const char *sql, const char *want, const char *who)
{
    char *got = sqlstate(c, sql);
    cr_assert_str_eq(got, want, "%s: %s -> SQLSTATE '%s'", who, sql, got);
    free(got);
}

Test(db_roles, a_service_role_reads_only_its_own_schema)
{
    for (size_t i = 0; i < ARRAY_LEN(services); i++) {
        PGconn *c = connect_as(services[i]);
        char sql[160];
        PGresult *r = PQexec(c, "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = "
                                "current_user");
        cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK);
        cr_assert_str_eq(PQgetvalue(r, 0, 0), services[i]);
        cr_assert_str_eq(PQgetvalue(r, 0, 1), "f", "not a superuser");
        PQclear(r);

        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.schema_migrations", services[i]);
        expect_state(c, sql, "", services[i]);
        for (size_t j = 0; j < ARRAY_LEN(services); j++) {
            if (j == i)
                continue;
            snprintf(sql, sizeof sql, "SELECT count(*) FROM %s.schema_migrations", services[j]);
            expect_state(c, sql, "42501", services[i]); /* insufficient_privilege */
            snprintf(sql, sizeof sql, "CREATE TABLE %s.intruder (x int)", services[j]);
            expect_state(c, sql, "42501", services[i]);
        }
        expect_state(c, "CREATE SCHEMA intruder", "42501", services[i]);
        expect_state(c, "CREATE TABLE public.intruder (x int)", "42501", services[i]);
        PQfinish(c);
    }
}

Test(db_roles, a_service_role_needs_its_password)
{
    for (size_t i = 0; i < ARRAY_LEN(services); i++) {
        char url[160];
        snprintf(url, sizeof url, "postgresql://%s@127.0.0.1:%s/platform", services[i],
                 harness_env("PG_PORT"));
        PGconn *c = PQconnectdb(url);
        cr_assert_neq(PQstatus(c), CONNECTION_OK, "%s signed in without a password", services[i]);
        PQfinish(c);
    }
}

/* The running services' sessions: each under its own role, named after the service. */
Test(db_roles, sessions_carry_the_service_name)
{
    for (size_t i = 0; i < ARRAY_LEN(services); i++) {
        const char *p[] = {services[i]};
        char *n = harness_pg_value_params(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'platform' AND usename = $1", 1,
            p);
        cr_assert_not_null(n);
        cr_assert_gt(atoi(n), 0, "%s has no session under its own role", services[i]);
        free(n);
        char *other = harness_pg_value_params(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'platform' AND usename = $1 "
            "AND application_name <> $1",
            1, p);
        cr_assert_str_eq(other, "0", "%s: a session not named after the service", services[i]);
        free(other);
    }
}
