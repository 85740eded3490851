/* test_agents_tenancy.c - tenant isolation: every id-taking route answers 404 for another
 * organisation's ids and changes nothing; lists never show other organisations' rows; and
 * row-level security holds on its own, for a query that forgot its WHERE org_id. */
#include <ctype.h>
#include <libpq-fe.h>

#include "agents_helpers.h"

Test(agents_tenancy, foreign_ids_are_not_found_and_lists_stay_separate)
{
    person_t a, b;
    person_sign_up(&a, "tenant-a");
    person_sign_up(&b, "tenant-b");
    char *agent = agent_create(&a, "{\"name\":\"A's agent\",\"channels\":[\"web\"]}");
    char *script = script_create(&a, agent, "{\"name\":\"A's script\",\"body\":\"secret\"}");
    char *b_agent = agent_create(&b, "{\"name\":\"B's agent\",\"channels\":[\"web\"]}");

    char *path = fmt("/api/agents/%s", agent);
    char *dup = fmt("/api/agents/%s/duplicate", agent);
    char *versions = fmt("/api/agents/%s/versions", agent);
    char *restore = fmt("/api/agents/%s/versions/1/restore", agent);
    char *scripts = fmt("/api/agents/%s/scripts", agent);
    char *spath = fmt("/api/agents/%s/scripts/%s", agent, script);
    /* A's script under B's own agent: still not B's. */
    char *mixed = fmt("/api/agents/%s/scripts/%s", b_agent, script);

    static const char *const writes[] = {"PATCH", "DELETE"};
    cr_assert_eq(call_status(&b, "GET", path, NULL), 404);
    for (size_t i = 0; i < ARRAY_LEN(writes); i++) {
        expect_error(&b, writes[i], path, writes[i][0] == 'P' ? "{\"name\":\"mine\"}" : NULL, 404,
                     "id");
        expect_error(&b, writes[i], spath, writes[i][0] == 'P' ? "{\"name\":\"mine\"}" : NULL, 404,
                     "id");
        expect_error(&b, writes[i], mixed, writes[i][0] == 'P' ? "{\"name\":\"mine\"}" : NULL, 404,
                     "id");
    }
    expect_error(&b, "POST", dup, NULL, 404, "id");
    expect_error(&b, "GET", versions, NULL, 404, "id");
    expect_error(&b, "POST", restore, NULL, 404, NULL);
    expect_error(&b, "GET", scripts, NULL, 404, "agent_id");
    expect_error(&b, "POST", scripts, "{\"name\":\"n\",\"body\":\"b\"}", 404, "agent_id");
    expect_error(&b, "GET", spath, NULL, 404, "id");
    expect_error(&b, "GET", mixed, NULL, 404, "id");

    /* Nothing of A's changed, and B got nothing. */
    cr_assert_eq(org_agents(a.org_id), 1);
    cr_assert_eq(org_scripts(a.org_id), 1);
    cr_assert_eq(org_versions(a.org_id), 1);
    cr_assert_eq(org_agents(b.org_id), 1);
    cr_assert_eq(org_scripts(b.org_id), 0);
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(a.c, "GET", spath, NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "A's script");
    req(a.c, "GET", path, NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "A's agent");

    /* Lists: each organisation sees only its own, whatever the filters. */
    static const char *const lists[] = {"/api/agents", "/api/agents?q=agent",
                                        "/api/agents?channel=web", "/api/agents?status=active",
                                        "/api/agents?sort=name&per_page=100"};
    for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
        req(b.c, "GET", lists[i], NULL, &r);
        expect_status(&r, 200);
        json_t *root = httpc_resp_json(&r);
        cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 1, "%s", lists[i]);
        cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), b_agent, "%s", lists[i]);
        cr_assert_null(strstr(r.body.data, agent), "%s shows A's agent", lists[i]);
    }
    char *b_scripts = fmt("/api/agents/%s/scripts", b_agent);
    req(b.c, "GET", b_scripts, NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 0);
    free(b_scripts);
    char *b_versions = fmt("/api/agents/%s/versions", b_agent);
    req(b.c, "GET", b_versions, NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 1);
    cr_assert_null(strstr(r.body.data, "A's agent"));
    free(b_versions);
    httpc_resp_cleanup(&r);

    free(mixed);
    free(spath);
    free(scripts);
    free(restore);
    free(versions);
    free(dup);
    free(path);
    free(b_agent);
    free(script);
    free(agent);
    person_free(&a);
    person_free(&b);
}

/* count(*) of table as the service's role `agents`, inside a transaction scoped to org (NULL: no
 * app.org_id at all): no WHERE clause, so only row-level security decides. */
static long rls_count(const char *table, const char *org)
{
    PGconn *c = PQconnectdb(harness_env("DATABASE_URL_AGENTS"));
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    PGresult *res = PQexec(c, "BEGIN");
    PQclear(res);
    if (org) {
        const char *p[] = {org};
        res =
            PQexecParams(c, "SELECT set_config('app.org_id', $1, true)", 1, NULL, p, NULL, NULL, 0);
        cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
        PQclear(res);
    }
    char *sql = fmt("SELECT count(*) FROM %s", table);
    res = PQexec(c, sql);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    long n = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    /* Writes are fenced too: an update without WHERE touches only the tenant's rows. */
    PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    free(sql);
    return n;
}

Test(agents_tenancy, row_level_security_holds_without_where)
{
    person_t a, b;
    person_sign_up(&a, "rls-a");
    person_sign_up(&b, "rls-b");
    char *a1 = agent_create(&a, "{\"name\":\"a1\"}");
    char *a2 = agent_create(&a, "{\"name\":\"a2\"}");
    char *b1 = agent_create(&b, "{\"name\":\"b1\"}");
    free(script_create(&a, a1, "{\"name\":\"s\",\"body\":\"b\"}"));

    cr_assert_gt(pg_count("SELECT count(*) FROM agents.agents", NULL), 2,
                 "the superuser sees every organisation");
    cr_assert_eq(rls_count("agents.agents", a.org_id), 2);
    cr_assert_eq(rls_count("agents.agents", b.org_id), 1);
    cr_assert_eq(rls_count("agents.scripts", a.org_id), 1);
    cr_assert_eq(rls_count("agents.scripts", b.org_id), 0);
    cr_assert_eq(rls_count("agents.versions", a.org_id), 2);
    cr_assert_eq(rls_count("agents.versions", b.org_id), 1);
    cr_assert_eq(rls_count("agents.agents", NULL), 0, "no tenant set: no rows");
    cr_assert_eq(rls_count("agents.agents", "00000000-0000-0000-0000-000000000000"), 0);

    /* An UPDATE without WHERE, as `agents` scoped to B, cannot reach A's rows. */
    PGconn *c = PQconnectdb(harness_env("DATABASE_URL_AGENTS"));
    cr_assert_eq(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "BEGIN"));
    const char *p[] = {b.org_id};
    PQclear(
        PQexecParams(c, "SELECT set_config('app.org_id', $1, true)", 1, NULL, p, NULL, NULL, 0));
    PGresult *res = PQexec(c, "UPDATE agents.agents SET description = 'hijacked'");
    cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    cr_assert_str_eq(PQcmdTuples(res), "1");
    PQclear(res);
    /* Nor insert a row for another organisation. */
    const char *q[] = {a.org_id};
    res = PQexecParams(c,
                       "INSERT INTO agents.agents (org_id, name, status, model, temperature, "
                       "max_tokens, response_delay_seconds, language) "
                       "VALUES ($1, 'x', 'active', 'm', 0, 1, 0, 'auto')",
                       1, NULL, q, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(res), PGRES_FATAL_ERROR, "RLS refuses the insert");
    PQclear(res);
    PQclear(PQexec(c, "ROLLBACK"));
    PQfinish(c);
    cr_assert_eq(
        pg_count("SELECT count(*) FROM agents.agents WHERE description = 'hijacked'", NULL), 0);

    free(a1);
    free(a2);
    free(b1);
    person_free(&a);
    person_free(&b);
}

/* kb_category_ids naming another organisation's categories are refused like any foreign id
 * (agents asks rag over the bus, svc.rag.categories_check): 404 naming the field, nothing
 * written; the organisation's own categories are taken. */
Test(agents_tenancy, foreign_knowledge_categories_are_refused)
{
    person_t a, b;
    person_sign_up(&a, "kb-a");
    person_sign_up(&b, "kb-b");
    char *a_cat = kb_category(&a, "A's prices");
    char *b_cat = kb_category(&b, "B's prices");
    char *body = fmt("{\"name\":\"B's agent\",\"kb_category_ids\":[\"%s\",\"%s\"]}", b_cat, a_cat);
    long before = org_agents(b.org_id);

    expect_error(&b, "POST", "/api/agents", body, 404, "kb_category_ids[1]");
    cr_assert_eq(org_agents(b.org_id), before, "nothing written");

    char *own = fmt("{\"name\":\"B's agent\",\"kb_category_ids\":[\"%s\"]}", b_cat);
    char *agent = agent_create(&b, own);
    char *path = fmt("/api/agents/%s", agent);
    char *foreign = fmt("{\"kb_category_ids\":[\"%s\"]}", a_cat);
    expect_error(&b, "PATCH", path, foreign, 404, "kb_category_ids[0]");
    /* A made-up id is no better than a foreign one. */
    expect_error(&b, "PATCH", path,
                 "{\"kb_category_ids\":[\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"]}", 404,
                 "kb_category_ids[0]");
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(b.c, "GET", path, NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "kb_category_ids.0"), b_cat, "unchanged");
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "version")), 1);
    httpc_resp_cleanup(&r);
    /* Upper case is the same id. */
    for (char *c = b_cat; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    char *upper = fmt("{\"kb_category_ids\":[\"%s\"]}", b_cat);
    cr_assert_eq(call_status(&b, "PATCH", path, upper), 200);
    free(upper);
    free(foreign);
    free(path);
    free(agent);
    free(own);
    free(body);
    free(a_cat);
    free(b_cat);
    person_free(&a);
    person_free(&b);
}
