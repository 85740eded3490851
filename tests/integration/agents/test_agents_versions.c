/* test_agents_versions.c - the configuration history of an agent: a version per create, update
 * and restore, with who and when; restoring brings a configuration back as a new version. */
#include "agents_helpers.h"

Test(agents_versions, history_and_restore)
{
    person_t owner, admin;
    person_sign_up(&owner, "versions");
    person_join(&owner, &admin, "admin");
    char *id = agent_create(&owner, "{\"name\":\"V1\",\"channels\":[\"web\"],\"temperature\":0.2,"
                                    "\"working_hours\":{\"timezone\":\"UTC\"}}");
    char *path = fmt("/api/agents/%s", id);
    char *versions = fmt("/api/agents/%s/versions", id);
    char *restore1 = fmt("/api/agents/%s/versions/1/restore", id);
    httpc_resp_t r = HTTPC_RESP_INIT;

    cr_assert_eq(call_status(&admin, "PATCH", path,
                             "{\"name\":\"V2\",\"temperature\":1.5,\"clear\":[\"working_hours\"]}"),
                 200);
    cr_assert_eq(call_status(&owner, "PATCH", path, "{\"channels\":[\"email\",\"telegram\"]}"),
                 200);

    req(owner.c, "GET", versions, NULL, &r);
    expect_status(&r, 200);
    json_t *root = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 3);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "items.0.version")), 3);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.action"), "update");
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.created_by"), owner.user_id);
    cr_assert_str_eq(httpc_resp_str(&r, "items.1.created_by"), admin.user_id);
    cr_assert_str_eq(httpc_resp_str(&r, "items.1.agent.name"), "V2");
    cr_assert_str_eq(httpc_resp_str(&r, "items.2.action"), "create");
    cr_assert_str_eq(httpc_resp_str(&r, "items.2.agent.name"), "V1");
    cr_assert_str_eq(httpc_resp_str(&r, "items.2.agent.working_hours.timezone"), "UTC");
    cr_assert_not_null(httpc_resp_str(&r, "items.2.created_at"));
    httpc_resp_cleanup(&r);

    /* Restore version 1: its configuration comes back as version 4. */
    req(admin.c, "POST", restore1, NULL, &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "V1");
    cr_assert_float_eq(json_number_value(httpc_json_path(root, "temperature")), 0.2, 1e-9);
    cr_assert_eq(json_array_size(httpc_json_path(root, "channels")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "channels.0"), "web");
    cr_assert_str_eq(httpc_resp_str(&r, "working_hours.timezone"), "UTC");
    cr_assert_eq(json_integer_value(httpc_json_path(root, "version")), 4);
    cr_assert_str_eq(httpc_resp_str(&r, "updated_by"), admin.user_id);
    cr_assert_str_eq(httpc_resp_str(&r, "created_by"), owner.user_id);
    httpc_resp_cleanup(&r);

    char *page = fmt("%s?per_page=1&page=1", versions);
    req(owner.c, "GET", page, NULL, &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 4);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "pages")), 4);
    cr_assert_eq(json_array_size(httpc_json_path(root, "items")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.action"), "restore");
    cr_assert_eq(json_integer_value(httpc_json_path(root, "items.0.restored_from")), 1);
    httpc_resp_cleanup(&r);
    free(page);

    /* Bad versions. */
    char *bad = fmt("/api/agents/%s/versions/9/restore", id);
    expect_error(&owner, "POST", bad, NULL, 404, "version");
    free(bad);
    bad = fmt("/api/agents/%s/versions/0/restore", id);
    expect_error(&owner, "POST", bad, NULL, 400, "version");
    free(bad);
    bad = fmt("/api/agents/%s/versions/one/restore", id);
    expect_error(&owner, "POST", bad, NULL, 400, "version");
    free(bad);
    bad = fmt("%s?per_page=500", versions);
    expect_error(&owner, "GET", bad, NULL, 400, "per_page");
    free(bad);
    expect_error(&owner, "GET", "/api/agents/xyz/versions", NULL, 400, "id");
    expect_error(&owner, "GET", "/api/agents/6f9619ff-8b86-d011-b42d-00c04fc964ff/versions", NULL,
                 404, "id");
    expect_error(&owner, "POST",
                 "/api/agents/6f9619ff-8b86-d011-b42d-00c04fc964ff/versions/1/restore", NULL, 404,
                 NULL);
    cr_assert_eq(org_versions(owner.org_id), 4, "refusals write nothing");

    free(restore1);
    free(versions);
    free(path);
    free(id);
    person_free(&owner);
    person_free(&admin);
}
