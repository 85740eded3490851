/* test_agents_scripts.c - sales scripts of an agent: create, list, get, PATCH of the fields sent,
 * delete; {{variables}} in the body must be declared; bad input names the field and writes
 * nothing. */
#include "agents_helpers.h"

Test(agents_scripts, crud_with_variables)
{
    person_t owner;
    person_sign_up(&owner, "scripts");
    char *agent = agent_create(&owner, "{\"name\":\"Closer\"}");
    char *list = fmt("/api/agents/%s/scripts", agent);
    httpc_resp_t r = HTTPC_RESP_INIT;

    req(owner.c, "POST", list,
        "{\"name\":\"Offer\",\"body\":\"Hello {{ client_name }}, {{product}} costs {{price}}.\","
        "\"variables\":[\"client_name\",\"product\",\"price\",\"unused\"],"
        "\"pipeline_status_id\":\"AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE\"}",
        &r);
    expect_status(&r, 201);
    char *id = xstrdup(httpc_resp_str(&r, "id"));
    cr_assert_str_eq(httpc_resp_str(&r, "agent_id"), agent);
    cr_assert_str_eq(httpc_resp_str(&r, "variables.3"), "unused");
    cr_assert_str_eq(httpc_resp_str(&r, "pipeline_status_id"),
                     "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    cr_assert_str_eq(httpc_resp_str(&r, "created_by"), owner.user_id);
    httpc_resp_cleanup(&r);
    char *second = script_create(&owner, agent, "{\"name\":\"Plain\",\"body\":\"No variables\"}");

    req(owner.c, "GET", list, NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 2);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), id);
    cr_assert_str_eq(httpc_resp_str(&r, "items.1.id"), second);
    httpc_resp_cleanup(&r);

    char *path = fmt("/api/agents/%s/scripts/%s", agent, id);
    req(owner.c, "GET", path, NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Offer");
    cr_assert(strstr(httpc_resp_str(&r, "body"), "{{ client_name }}"));
    httpc_resp_cleanup(&r);

    /* PATCH: only the name; then unbind the status; then body + variables together. */
    req(owner.c, "PATCH", path, "{\"name\":\"Offer v2\"}", &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Offer v2");
    cr_assert_str_eq(httpc_resp_str(&r, "variables.0"), "client_name");
    cr_assert_not_null(httpc_resp_str(&r, "pipeline_status_id"));
    cr_assert_str_eq(httpc_resp_str(&r, "updated_by"), owner.user_id);
    req(owner.c, "PATCH", path, "{\"pipeline_status_id\":\"\"}", &r);
    expect_status(&r, 200);
    cr_assert_null(httpc_resp_str(&r, "pipeline_status_id"));
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Offer v2");
    req(owner.c, "PATCH", path, "{\"body\":\"Bye {{who}}\",\"variables\":[\"who\"]}", &r);
    expect_status(&r, 200);
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "variables")), 1);
    /* A body that needs a variable the script no longer declares is refused. */
    expect_error(&owner, "PATCH", path, "{\"clear\":[\"variables\"]}", 400, "{{who}}");
    req(owner.c, "PATCH", path, "{\"body\":\"Bye\",\"clear\":[\"variables\"]}", &r);
    expect_status(&r, 200);
    cr_assert(json_is_array(httpc_json_path(httpc_resp_json(&r), "variables"))); /* [] */
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "variables")), 0);
    httpc_resp_cleanup(&r);

    cr_assert_eq(call_status(&owner, "DELETE", path, NULL), 204);
    cr_assert_eq(call_status(&owner, "GET", path, NULL), 404);
    cr_assert_eq(call_status(&owner, "DELETE", path, NULL), 404);
    cr_assert_eq(org_scripts(owner.org_id), 1);

    free(path);
    free(second);
    free(id);
    free(list);
    free(agent);
    person_free(&owner);
}

Test(agents_scripts, bad_input_is_refused_naming_the_field)
{
    person_t owner;
    person_sign_up(&owner, "badscr");
    char *agent = agent_create(&owner, "{\"name\":\"Closer\"}");
    char *list = fmt("/api/agents/%s/scripts", agent);
    char *id = script_create(&owner, agent,
                             "{\"name\":\"Keep\",\"body\":\"Hi {{a}}\","
                             "\"variables\":[\"a\"]}");
    char *path = fmt("/api/agents/%s/scripts/%s", agent, id);
    char long_body[20100];
    snprintf(long_body, sizeof long_body, "{\"name\":\"n\",\"body\":\"%020001d\"}", 0);

    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"body\":\"x\"}", "name"},
        {"{\"name\":\"n\"}", "body"},
        {"{\"name\":\"n\",\"body\":\"Hi {{who}}\"}", "{{who}}"},
        {"{\"name\":\"n\",\"body\":\"Hi {{Who}}\",\"variables\":[\"Who\"]}", "variables[0]"},
        {"{\"name\":\"n\",\"body\":\"Hi {{9x}}\"}", "body"},
        {"{\"name\":\"n\",\"body\":\"Hi {{a b}}\",\"variables\":[\"a\"]}", "body"},
        {"{\"name\":\"n\",\"body\":\"Hi {{a\",\"variables\":[\"a\"]}", "body"},
        {"{\"name\":\"n\",\"body\":\"x\",\"variables\":[\"a\",\"a\"]}", "variables[1]"},
        {"{\"name\":\"n\",\"body\":\"x\",\"variables\":[\"\"]}", "variables[0]"},
        {"{\"name\":\"n\",\"body\":\"x\",\"variables\":\"a\"}", "variables"},
        {"{\"name\":\"n\",\"body\":\"x\",\"pipeline_status_id\":\"7\"}", "pipeline_status_id"},
        {"{\"name\":\"n\",\"body\":\"x\",\"color\":\"red\"}", "color"},
        {"{\"name\":\"n\",\"body\":true}", "body"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        expect_error(&owner, "POST", list, cases[i].body, 400, cases[i].field);
    expect_error(&owner, "POST", list, long_body, 400, "body");
    for (size_t i = 2; i < ARRAY_LEN(cases); i++)
        expect_error(&owner, "PATCH", path, cases[i].body, 400, cases[i].field);
    expect_error(&owner, "PATCH", path, "{\"clear\":[\"name\"]}", 400, "clear[0]");
    expect_error(&owner, "PATCH", path, "{\"variables\":[\"a\"],\"clear\":[\"variables\"]}", 400,
                 "clear[0]");
    expect_error(&owner, "POST", "/api/agents/xyz/scripts", "{\"name\":\"n\",\"body\":\"b\"}", 400,
                 "agent_id");
    expect_error(&owner, "POST", "/api/agents/6f9619ff-8b86-d011-b42d-00c04fc964ff/scripts",
                 "{\"name\":\"n\",\"body\":\"b\"}", 404, "agent_id");
    char *bad_id = fmt("/api/agents/%s/scripts/nope", agent);
    expect_error(&owner, "GET", bad_id, NULL, 400, "id");
    expect_error(&owner, "DELETE", bad_id, NULL, 400, "id");
    free(bad_id);
    /* A script id under another agent of the same organisation is not found. */
    char *other = agent_create(&owner, "{\"name\":\"Other\"}");
    char *wrong = fmt("/api/agents/%s/scripts/%s", other, id);
    expect_error(&owner, "GET", wrong, NULL, 404, "id");
    expect_error(&owner, "PATCH", wrong, "{\"name\":\"x\"}", 404, "id");
    expect_error(&owner, "DELETE", wrong, NULL, 404, "id");
    free(wrong);

    cr_assert_eq(org_scripts(owner.org_id), 1, "nothing was written");
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(owner.c, "GET", path, NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Keep");
    cr_assert_str_eq(httpc_resp_str(&r, "body"), "Hi {{a}}");
    httpc_resp_cleanup(&r);

    free(other);
    free(path);
    free(id);
    free(list);
    free(agent);
    person_free(&owner);
}
