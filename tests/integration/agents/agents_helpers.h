/* agents_helpers.h - shared steps of the agents integration tests (test_agents_*.c): people in
 * one organisation with each role, agents and scripts created through the edge, row counts
 * read as superuser (so "nothing written" is checked in the database itself).
 *
 * Header-only (static inline): the Makefile builds each integration test file into its own
 * binary. Builds on tests/support/auth_helpers.h (sign-up, invitations through the outbox).
 */
#ifndef TESTS_INTEGRATION_AGENTS_HELPERS_H
#define TESTS_INTEGRATION_AGENTS_HELPERS_H

#include <stdarg.h>

#include "tests/support/auth_helpers.h"

/* A member of owner's organisation with `role`, joined through an invitation. */
static inline void person_join(person_t *owner, person_t *p, const char *role)
{
    person_invite(owner, p, role, role);
}

/* The status of one request (the response is dropped). */
static inline long call_status(person_t *p, const char *method, const char *path, const char *body)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p->c, method, path, body, &r);
    long s = r.status;
    httpc_resp_cleanup(&r);
    return s;
}

/* Asserts an error reply: status want and a message containing `needle` (the field). */
static inline void expect_error(person_t *p, const char *method, const char *path, const char *body,
                                long want, const char *needle)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p->c, method, path, body, &r);
    expect_status(&r, want);
    const char *msg = httpc_resp_str(&r, "error.message");
    cr_assert_not_null(msg, "%s %s: no error message: %s", method, path, r.body.data);
    if (needle)
        cr_assert(strstr(msg, needle), "%s %s %s: message \"%s\" does not name \"%s\"", method,
                  path, body ? body : "", msg, needle);
    httpc_resp_cleanup(&r);
}

/* POST /api/agents body as p, expecting 201; the new id (heap). */
static inline char *agent_create(person_t *p, const char *body)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p->c, "POST", "/api/agents", body, &r);
    expect_status(&r, 201);
    const char *id = httpc_resp_str(&r, "id");
    cr_assert(uuid_valid(id));
    char *out = xstrdup(id);
    httpc_resp_cleanup(&r);
    return out;
}

/* A knowledge-base category of p's organisation (POST /api/kb/categories) under parent (NULL:
 * top level); its id (heap). */
static inline char *kb_subcategory(person_t *p, const char *name, const char *parent)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = parent ? fmt("{\"name\":\"%s\",\"parent_id\":\"%s\"}", name, parent)
                        : fmt("{\"name\":\"%s\"}", name);
    req(p->c, "POST", "/api/kb/categories", body, &r);
    expect_status(&r, 201);
    char *out = xstrdup(httpc_resp_str(&r, "id"));
    httpc_resp_cleanup(&r);
    free(body);
    return out;
}

/* A top-level category. */
static inline char *kb_category(person_t *p, const char *name)
{
    return kb_subcategory(p, name, NULL);
}

/* POST /api/agents/{agent}/scripts body as p, expecting 201; the new id (heap). */
static inline char *script_create(person_t *p, const char *agent, const char *body)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *path = fmt("/api/agents/%s/scripts", agent);
    req(p->c, "POST", path, body, &r);
    expect_status(&r, 201);
    const char *id = httpc_resp_str(&r, "id");
    cr_assert(uuid_valid(id));
    char *out = xstrdup(id);
    httpc_resp_cleanup(&r);
    free(path);
    return out;
}

/* A number from SQL run as superuser (row-level security off): -1 on error. */
static inline long pg_count(const char *sql, const char *param)
{
    const char *params[] = {param};
    char *v = param ? harness_pg_value_params(sql, 1, params) : harness_pg_value(sql);
    long n = v ? atol(v) : -1;
    free(v);
    return n;
}

/* Agents, scripts and versions of an organisation, in the database. */
static inline long org_agents(const char *org)
{
    return pg_count("SELECT count(*) FROM agents.agents WHERE org_id = $1", org);
}
static inline long org_scripts(const char *org)
{
    return pg_count("SELECT count(*) FROM agents.scripts WHERE org_id = $1", org);
}
static inline long org_versions(const char *org)
{
    return pg_count("SELECT count(*) FROM agents.versions WHERE org_id = $1", org);
}

#endif
