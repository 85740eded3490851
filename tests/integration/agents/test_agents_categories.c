/* test_agents_categories.c - knowledge-base categories rag deletes leave agents: the consumer of
 * evt.rag.category.deleted drops the id from every agent holding it (a new version by whoever
 * deleted the category, subcategories deleted by a cascade too), and an id recorded as deleted
 * never comes back through a restore or a write that checked it just before the deletion. */
#include <unistd.h>

#include "agents_helpers.h"

/* An agent's kb_category_ids, comma-joined (heap). */
static char *kb_ids(person_t *p, const char *id)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    buf_t out = BUF_INIT;
    char *path = fmt("/api/agents/%s", id);
    req(p->c, "GET", path, NULL, &r);
    expect_status(&r, 200);
    json_t *ids = httpc_json_path(httpc_resp_json(&r), "kb_category_ids");
    for (size_t i = 0; ids && i < json_array_size(ids); i++)
        buf_printf(&out, "%s%s", i ? "," : "", json_string_value(json_array_get(ids, i)));
    buf_puts(&out, "");
    httpc_resp_cleanup(&r);
    free(path);
    return buf_steal(&out);
}

/* Waits (up to 15 s) until the agent's kb_category_ids read want. */
static void expect_kb_ids(person_t *p, const char *id, const char *want)
{
    char *got = NULL;
    for (int i = 0; i < 300; i++) {
        free(got);
        got = kb_ids(p, id);
        if (strcmp(got, want) == 0)
            break;
        usleep(50 * 1000);
    }
    cr_assert_str_eq(got, want, "agent %s", id);
    free(got);
}

Test(agents_categories, deleted_categories_leave_every_agent, .timeout = 60)
{
    person_t owner, admin;
    person_sign_up(&owner, "kbdrop");
    person_join(&owner, &admin, "admin");
    char *a = kb_category(&owner, "A"), *b = kb_category(&owner, "B");
    char *parent = kb_category(&owner, "P"), *child = kb_subcategory(&owner, "C", parent);
    char *body = fmt("{\"name\":\"X\",\"kb_category_ids\":[\"%s\",\"%s\",\"%s\"]}", a, b, child);
    char *x = agent_create(&owner, body);
    free(body);
    body = fmt("{\"name\":\"Y\",\"kb_category_ids\":[\"%s\"]}", a);
    char *y = agent_create(&owner, body);
    free(body);
    char *bc = fmt("%s,%s", b, child);

    char *path = fmt("/api/kb/categories/%s", a);
    cr_assert_eq(call_status(&admin, "DELETE", path, NULL), 204);
    expect_kb_ids(&owner, x, bc);
    expect_kb_ids(&owner, y, "");

    /* The change is a version of its own, by whoever deleted the category. */
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *versions = fmt("/api/agents/%s/versions", x);
    req(owner.c, "GET", versions, NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 2);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.action"), "update");
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.created_by"), admin.user_id);
    httpc_resp_cleanup(&r);

    /* A cascade deletes the subcategory too: each deletion is an event. */
    free(path);
    path = fmt("/api/kb/categories/%s?cascade=true", parent);
    cr_assert_eq(call_status(&owner, "DELETE", path, NULL), 204);
    expect_kb_ids(&owner, x, b);

    /* Version 1 held all three: a restore brings back only the one that still exists. */
    char *restore = fmt("/api/agents/%s/versions/1/restore", x);
    cr_assert_eq(call_status(&owner, "POST", restore, NULL), 200);
    expect_kb_ids(&owner, x, b);

    /* A write that checked b with rag just before rag deleted it (simulated: the deletion is
     * recorded, the category still exists in rag) keeps no stale id. */
    const char *rec[] = {owner.org_id, b};
    free(harness_pg_value_params(
        "INSERT INTO agents.deleted_categories (org_id, id) VALUES ($1, $2) RETURNING id", 2, rec));
    body = fmt("{\"name\":\"Z\",\"kb_category_ids\":[\"%s\"]}", b);
    char *z = agent_create(&owner, body);
    expect_kb_ids(&owner, z, "");
    cr_assert_eq(
        pg_count("SELECT count(*) FROM agents.deleted_categories WHERE org_id = $1", owner.org_id),
        4, "A, P, C by the consumer and B by hand");
    free(body);
    body = fmt("{\"name\":\"W\",\"kb_category_ids\":[\"%s\"]}", a);
    expect_error(&owner, "POST", "/api/agents", body, 404, "kb_category_ids[0]");

    free(z);
    free(restore);
    free(versions);
    free(path);
    free(bc);
    free(body);
    free(y);
    free(x);
    free(child);
    free(parent);
    free(b);
    free(a);
    person_free(&admin);
    person_free(&owner);
}
