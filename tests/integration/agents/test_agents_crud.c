/* test_agents_crud.c - agents through the edge: create with defaults and with every field, get,
 * PATCH of only the fields sent (and clearing lists), delete, duplicate, the list with search,
 * filters, sorting and pages, and the roles (members read, owners and admins write). */
#include "agents_helpers.h"

#define FULL_AGENT                                                                                 \
    "{\"name\":\"Sales Bot\",\"description\":\"Sells things\",\"status\":\"paused\","              \
    "\"model\":\"anthropic/claude-3.5-sonnet\",\"instructions\":\"Be kind.\\nBe brief.\","         \
    "\"temperature\":1.25,\"max_tokens\":2048,\"response_delay_seconds\":30,"                      \
    "\"channels\":[\"telegram\",\"web\"],"                                                         \
    "\"pipeline_ids\":[\"6F9619FF-8B86-D011-B42D-00C04FC964FF\"],"                                 \
    "\"pipeline_status_ids\":[\"11111111-2222-3333-4444-555555555555\"],"                          \
    "\"kb_category_ids\":[\"%s\",\"%s\"],"                                                         \
    "\"working_hours\":{\"timezone\":\"Europe/Moscow\",\"intervals\":["                            \
    "{\"day\":1,\"start\":\"09:00\",\"end\":\"18:00\"},"                                           \
    "{\"day\":6,\"start\":\"10:00\",\"end\":\"24:00\"}]},"                                         \
    "\"language\":\"ru\"}"

/* FULL_AGENT with two knowledge-base categories of p's organisation (heap). */
static char *full_agent(person_t *p)
{
    char *a = kb_category(p, "Pricing"), *b = kb_category(p, "Delivery");
    char *body = fmt(FULL_AGENT, a, b);
    free(a);
    free(b);
    return body;
}

Test(agents_crud, create_get_patch_delete)
{
    person_t owner;
    person_sign_up(&owner, "crud");
    httpc_resp_t r = HTTPC_RESP_INIT;

    /* Only the name: the rest are defaults. */
    req(owner.c, "POST", "/api/agents", "{\"name\":\"  Minimal  \"}", &r);
    expect_status(&r, 201);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Minimal", "names are trimmed");
    cr_assert_str_eq(httpc_resp_str(&r, "status"), "active");
    cr_assert_str_eq(httpc_resp_str(&r, "model"), "openai/gpt-4o-mini");
    cr_assert_str_eq(httpc_resp_str(&r, "language"), "auto");
    json_t *root = httpc_resp_json(&r);
    cr_assert_float_eq(json_number_value(httpc_json_path(root, "temperature")), 0.7, 1e-9);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "max_tokens")), 1024);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "response_delay_seconds")), 0);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "version")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "created_by"), owner.user_id);
    cr_assert_not_null(httpc_resp_str(&r, "created_at"));
    cr_assert_null(httpc_json_path(root, "working_hours"));
    httpc_resp_cleanup(&r);

    /* Every field. */
    char *full = full_agent(&owner);
    req(owner.c, "POST", "/api/agents", full, &r);
    free(full);
    expect_status(&r, 201);
    char *id = xstrdup(httpc_resp_str(&r, "id"));
    httpc_resp_cleanup(&r);
    char *path = fmt("/api/agents/%s", id);
    req(owner.c, "GET", path, NULL, &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Sales Bot");
    cr_assert_str_eq(httpc_resp_str(&r, "description"), "Sells things");
    cr_assert_str_eq(httpc_resp_str(&r, "status"), "paused");
    cr_assert_str_eq(httpc_resp_str(&r, "model"), "anthropic/claude-3.5-sonnet");
    cr_assert_str_eq(httpc_resp_str(&r, "instructions"), "Be kind.\nBe brief.");
    cr_assert_float_eq(json_number_value(httpc_json_path(root, "temperature")), 1.25, 1e-9);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "max_tokens")), 2048);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "response_delay_seconds")), 30);
    cr_assert_str_eq(httpc_resp_str(&r, "channels.0"), "telegram");
    cr_assert_str_eq(httpc_resp_str(&r, "channels.1"), "web");
    cr_assert_str_eq(httpc_resp_str(&r, "pipeline_ids.0"), "6f9619ff-8b86-d011-b42d-00c04fc964ff",
                     "ids are lower-cased");
    cr_assert_str_eq(httpc_resp_str(&r, "pipeline_status_ids.0"),
                     "11111111-2222-3333-4444-555555555555");
    cr_assert_eq(json_array_size(httpc_json_path(root, "kb_category_ids")), 2);
    cr_assert_str_eq(httpc_resp_str(&r, "working_hours.timezone"), "Europe/Moscow");
    cr_assert_eq(json_integer_value(httpc_json_path(root, "working_hours.intervals.1.day")), 6);
    cr_assert_str_eq(httpc_resp_str(&r, "working_hours.intervals.1.end"), "24:00");
    cr_assert_str_eq(httpc_resp_str(&r, "language"), "ru");
    httpc_resp_cleanup(&r);

    /* PATCH changes only what is sent. */
    req(owner.c, "PATCH", path, "{\"temperature\":0,\"channels\":[\"email\"]}", &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_float_eq(json_number_value(httpc_json_path(root, "temperature")), 0, 1e-9);
    cr_assert_eq(json_array_size(httpc_json_path(root, "channels")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "channels.0"), "email");
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Sales Bot");
    cr_assert_str_eq(httpc_resp_str(&r, "status"), "paused");
    cr_assert_str_eq(httpc_resp_str(&r, "working_hours.timezone"), "Europe/Moscow");
    cr_assert_eq(json_array_size(httpc_json_path(root, "kb_category_ids")), 2);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "version")), 2);
    cr_assert_str_eq(httpc_resp_str(&r, "updated_by"), owner.user_id);
    httpc_resp_cleanup(&r);

    /* clear empties lists and working hours; a field cannot be sent and cleared at once. */
    req(owner.c, "PATCH", path, "{\"clear\":[\"kb_category_ids\",\"working_hours\"]}", &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert(json_is_array(httpc_json_path(root, "kb_category_ids"))); /* lists: [] */
    cr_assert_eq(json_array_size(httpc_json_path(root, "kb_category_ids")), 0);
    cr_assert_null(httpc_json_path(root, "working_hours"));
    cr_assert_eq(json_array_size(httpc_json_path(root, "pipeline_ids")), 1);
    httpc_resp_cleanup(&r);
    expect_error(&owner, "PATCH", path, "{\"channels\":[\"web\"],\"clear\":[\"channels\"]}", 400,
                 "clear[0]");
    expect_error(&owner, "PATCH", path, "{\"clear\":[\"name\"]}", 400, "clear[0]");
    cr_assert_eq(org_versions(owner.org_id), 4, "1 + 1 (create) + 2 updates; refusals write none");

    /* Delete: 204, then 404; scripts and versions go with it. */
    cr_assert_eq(call_status(&owner, "DELETE", path, NULL), 204);
    cr_assert_eq(call_status(&owner, "GET", path, NULL), 404);
    cr_assert_eq(call_status(&owner, "DELETE", path, NULL), 404);
    cr_assert_eq(call_status(&owner, "PATCH", path, "{\"name\":\"x\"}"), 404);
    cr_assert_eq(org_agents(owner.org_id), 1);
    cr_assert_eq(org_versions(owner.org_id), 1);

    free(path);
    free(id);
    person_free(&owner);
}

Test(agents_crud, bad_input_is_refused_naming_the_field_and_nothing_is_written)
{
    person_t owner;
    person_sign_up(&owner, "bad");
    char *id = agent_create(&owner, "{\"name\":\"Keeper\"}");
    char *path = fmt("/api/agents/%s", id);
    char *long_name = fmt("{\"name\":\"%0101d\"}", 0);
    char long_desc[2100], long_instr[20100], long_model[230];
    snprintf(long_desc, sizeof long_desc, "{\"name\":\"n\",\"description\":\"%02001d\"}", 0);
    snprintf(long_instr, sizeof long_instr, "{\"name\":\"n\",\"instructions\":\"%020001d\"}", 0);
    snprintf(long_model, sizeof long_model, "{\"name\":\"n\",\"model\":\"a/%0199d\"}", 0);

    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{}", "name"},
        {"{\"name\":\"   \"}", "name"},
        {"{\"name\":\"a\\u0001b\"}", "name"},
        {"{\"name\":42}", "name"},
        {"{\"name\":\"n\",\"nickname\":\"x\"}", "nickname"},
        {"{\"name\":\"n\",\"id\":\"6f9619ff-8b86-d011-b42d-00c04fc964ff\"}", "id"},
        {"{\"name\":\"n\",\"status\":\"sleeping\"}", "status"},
        {"{\"name\":\"n\",\"status\":0}", "status"},
        {"{\"name\":\"n\",\"model\":\"\"}", "model"},
        {"{\"name\":\"n\",\"model\":\"open ai/gpt\"}", "model"},
        {"{\"name\":\"n\",\"model\":\"openai//gpt\"}", "model"},
        {"{\"name\":\"n\",\"temperature\":2.01}", "temperature"},
        {"{\"name\":\"n\",\"temperature\":-0.1}", "temperature"},
        {"{\"name\":\"n\",\"temperature\":\"hot\"}", "temperature"},
        {"{\"name\":\"n\",\"max_tokens\":0}", "max_tokens"},
        {"{\"name\":\"n\",\"max_tokens\":128001}", "max_tokens"},
        {"{\"name\":\"n\",\"max_tokens\":1.5}", "max_tokens"},
        {"{\"name\":\"n\",\"response_delay_seconds\":-1}", "response_delay_seconds"},
        {"{\"name\":\"n\",\"response_delay_seconds\":3601}", "response_delay_seconds"},
        {"{\"name\":\"n\",\"channels\":[\"fax\"]}", "channels"},
        {"{\"name\":\"n\",\"channels\":[\"web\",\"web\"]}", "channels[1]"},
        {"{\"name\":\"n\",\"channels\":\"web\"}", "channels"},
        {"{\"name\":\"n\",\"pipeline_ids\":[\"12\"]}", "pipeline_ids[0]"},
        {"{\"name\":\"n\",\"pipeline_status_ids\":[\"6f9619ff-8b86-d011-b42d-00c04fc964ff\","
         "\"6F9619FF-8B86-D011-B42D-00C04FC964FF\"]}",
         "pipeline_status_ids[1]"},
        {"{\"name\":\"n\",\"kb_category_ids\":[\"not-a-uuid\"]}", "kb_category_ids[0]"},
        {"{\"name\":\"n\",\"working_hours\":{\"intervals\":[]}}", "working_hours.timezone"},
        {"{\"name\":\"n\",\"working_hours\":{\"timezone\":\"Mars/Base One\"}}",
         "working_hours.timezone"},
        {"{\"name\":\"n\",\"working_hours\":{\"timezone\":\"UTC\",\"intervals\":"
         "[{\"day\":7,\"start\":\"09:00\",\"end\":\"10:00\"}]}}",
         "working_hours.intervals[0].day"},
        {"{\"name\":\"n\",\"working_hours\":{\"timezone\":\"UTC\",\"intervals\":"
         "[{\"day\":1,\"start\":\"9:00\",\"end\":\"10:00\"}]}}",
         "working_hours.intervals[0].start"},
        {"{\"name\":\"n\",\"working_hours\":{\"timezone\":\"UTC\",\"intervals\":"
         "[{\"day\":1,\"start\":\"10:00\",\"end\":\"09:00\"}]}}",
         "working_hours.intervals[0]"},
        {"{\"name\":\"n\",\"working_hours\":{\"timezone\":\"UTC\",\"intervals\":"
         "[{\"day\":1,\"start\":\"09:00\",\"end\":\"12:00\"},"
         "{\"day\":1,\"start\":\"11:00\",\"end\":\"13:00\"}]}}",
         "working_hours.intervals[1]"},
        {"{\"name\":\"n\",\"language\":\"de\"}", "language"},
        {"[\"name\"]", NULL},
        {"{\"name\":", NULL},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        expect_error(&owner, "POST", "/api/agents", cases[i].body, 400, cases[i].field);
    expect_error(&owner, "POST", "/api/agents", long_name, 400, "name");
    expect_error(&owner, "POST", "/api/agents", long_desc, 400, "description");
    expect_error(&owner, "POST", "/api/agents", long_instr, 400, "instructions");
    expect_error(&owner, "POST", "/api/agents", long_model, 400, "model");
    cr_assert_eq(org_agents(owner.org_id), 1, "nothing was written");

    /* The same rules on PATCH; the stored agent is untouched. */
    for (size_t i = 1; i < ARRAY_LEN(cases) - 2; i++) {
        if (strstr(cases[i].body, "\"id\""))
            continue; /* the path sets id on PATCH */
        expect_error(&owner, "PATCH", path, cases[i].body, 400, cases[i].field);
    }
    expect_error(&owner, "PATCH", path, "{\"name\":\"\"}", 400, "name");
    expect_error(&owner, "PATCH", "/api/agents/not-a-uuid", "{\"name\":\"x\"}", 400, "id");
    expect_error(&owner, "GET", "/api/agents/not-a-uuid", NULL, 400, "id");
    expect_error(&owner, "DELETE", "/api/agents/123", NULL, 400, "id");
    expect_error(&owner, "GET", "/api/agents/6f9619ff-8b86-d011-b42d-00c04fc964ff", NULL, 404,
                 "id");
    cr_assert_eq(org_versions(owner.org_id), 1, "no version was written");
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(owner.c, "GET", path, NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Keeper");
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "version")), 1);
    httpc_resp_cleanup(&r);

    /* The limits themselves are accepted. */
    char *edge = fmt("{\"name\":\"%0100d\",\"temperature\":2,\"max_tokens\":128000,"
                     "\"response_delay_seconds\":3600}",
                     0);
    free(agent_create(&owner, edge));
    free(edge);

    /* List parameters. */
    expect_error(&owner, "GET", "/api/agents?sort=size", NULL, 400, "sort");
    expect_error(&owner, "GET", "/api/agents?per_page=101", NULL, 400, "per_page");
    expect_error(&owner, "GET", "/api/agents?per_page=0", NULL, 400, "per_page");
    expect_error(&owner, "GET", "/api/agents?page=0", NULL, 400, "page");
    expect_error(&owner, "GET", "/api/agents?page=x", NULL, 400, "page");
    expect_error(&owner, "GET", "/api/agents?status=asleep", NULL, 400, "status");
    expect_error(&owner, "GET", "/api/agents?channel=fax", NULL, 400, "channel");
    expect_error(&owner, "GET", "/api/agents?color=red", NULL, 400, "color");

    free(long_name);
    free(path);
    free(id);
    person_free(&owner);
}

Test(agents_crud, list_search_filter_sort_and_pages)
{
    person_t owner;
    person_sign_up(&owner, "list");
    char *a = agent_create(&owner, "{\"name\":\"Bravo\",\"channels\":[\"web\"]}");
    char *b = agent_create(&owner, "{\"name\":\"alpha\",\"description\":\"Handles REFUNDS\","
                                   "\"status\":\"paused\",\"channels\":[\"email\",\"web\"]}");
    char *c = agent_create(&owner, "{\"name\":\"Charlie 100%\",\"description\":\"Продажи\"}");
    httpc_resp_t r = HTTPC_RESP_INIT;

    /* Default order: newest first, with total and page info. */
    req(owner.c, "GET", "/api/agents", NULL, &r);
    expect_status(&r, 200);
    json_t *root = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 3);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "page")), 1);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "per_page")), 20);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "pages")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), c);
    cr_assert_str_eq(httpc_resp_str(&r, "items.2.id"), a);

    /* sort by name, case-insensitively, both ways. */
    req(owner.c, "GET", "/api/agents?sort=name", NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.name"), "alpha");
    cr_assert_str_eq(httpc_resp_str(&r, "items.1.name"), "Bravo");
    req(owner.c, "GET", "/api/agents?sort=-name", NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.name"), "Charlie 100%");
    req(owner.c, "GET", "/api/agents?sort=created_at", NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), a);
    char *apath = fmt("/api/agents/%s", a);
    cr_assert_eq(call_status(&owner, "PATCH", apath, "{\"max_tokens\":5}"), 200);
    free(apath);
    req(owner.c, "GET", "/api/agents?sort=-updated_at", NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), a);

    /* Search is case-insensitive over name and description; % is literal. */
    req(owner.c, "GET", "/api/agents?q=refund", NULL, &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), b);
    req(owner.c, "GET", "/api/agents?q=0%25", NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 1);
    req(owner.c, "GET", "/api/agents?q=%25", NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 1);
    req(owner.c, "GET", "/api/agents?q=%D0%BF%D0%A0%D0%BE%D0%B4", NULL, &r); /* пРод */
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), c);

    /* Filters. */
    req(owner.c, "GET", "/api/agents?status=paused", NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), b);
    req(owner.c, "GET", "/api/agents?channel=web&sort=name", NULL, &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 2);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), b);
    cr_assert_str_eq(httpc_resp_str(&r, "items.1.id"), a);
    req(owner.c, "GET", "/api/agents?channel=telegram", NULL, &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 0);
    cr_assert_eq(json_array_size(httpc_json_path(root, "items")), 0);

    /* Pages. */
    req(owner.c, "GET", "/api/agents?sort=name&per_page=2&page=2", NULL, &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 3);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "pages")), 2);
    cr_assert_eq(json_array_size(httpc_json_path(root, "items")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.id"), c);
    req(owner.c, "GET", "/api/agents?per_page=2&page=5", NULL, &r);
    expect_status(&r, 200);
    root = httpc_resp_json(&r);
    cr_assert_eq(json_integer_value(httpc_json_path(root, "total")), 3);
    cr_assert_eq(json_array_size(httpc_json_path(root, "items")), 0);
    httpc_resp_cleanup(&r);

    free(a);
    free(b);
    free(c);
    person_free(&owner);
}

Test(agents_crud, duplicate_copies_configuration_and_scripts)
{
    person_t owner;
    person_sign_up(&owner, "dup");
    char *full = full_agent(&owner);
    char *src = agent_create(&owner, full);
    free(full);
    char *script = script_create(&owner, src,
                                 "{\"name\":\"Greeting\",\"body\":\"Hi {{name}}\","
                                 "\"variables\":[\"name\"]}");
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *path = fmt("/api/agents/%s/duplicate", src);

    req(owner.c, "POST", path, NULL, &r);
    expect_status(&r, 201);
    char *copy = xstrdup(httpc_resp_str(&r, "id"));
    cr_assert_str_neq(copy, src);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Sales Bot (copy)");
    cr_assert_str_eq(httpc_resp_str(&r, "model"), "anthropic/claude-3.5-sonnet");
    cr_assert_str_eq(httpc_resp_str(&r, "working_hours.timezone"), "Europe/Moscow");
    cr_assert_str_eq(httpc_resp_str(&r, "channels.1"), "web");
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "version")), 1);
    httpc_resp_cleanup(&r);

    char *scripts = fmt("/api/agents/%s/scripts", copy);
    req(owner.c, "GET", scripts, NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&r), "total")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.name"), "Greeting");
    cr_assert_str_eq(httpc_resp_str(&r, "items.0.agent_id"), copy);
    cr_assert_str_neq(httpc_resp_str(&r, "items.0.id"), script);
    httpc_resp_cleanup(&r);

    /* A name at the limit is shortened so the copy still fits. */
    char *body = fmt("{\"name\":\"%0100d\"}", 7);
    char *long_one = agent_create(&owner, body);
    char *dup_long = fmt("/api/agents/%s/duplicate", long_one);
    req(owner.c, "POST", dup_long, NULL, &r);
    expect_status(&r, 201);
    const char *name = httpc_resp_str(&r, "name");
    cr_assert_eq(strlen(name), 100);
    cr_assert(strstr(name, " (copy)"));
    httpc_resp_cleanup(&r);

    expect_error(&owner, "POST", "/api/agents/6f9619ff-8b86-d011-b42d-00c04fc964ff/duplicate", NULL,
                 404, "id");
    expect_error(&owner, "POST", "/api/agents/nope/duplicate", NULL, 400, "id");
    cr_assert_eq(org_agents(owner.org_id), 4);
    cr_assert_eq(org_scripts(owner.org_id), 2);

    free(body);
    free(long_one);
    free(dup_long);
    free(scripts);
    free(copy);
    free(path);
    free(script);
    free(src);
    person_free(&owner);
}

Test(agents_crud, members_read_owners_and_admins_write)
{
    person_t owner, admin, member;
    person_sign_up(&owner, "roles");
    person_join(&owner, &admin, "admin");
    person_join(&owner, &member, "member");
    char *id = agent_create(&owner, "{\"name\":\"Shared\"}");
    char *script = script_create(&owner, id, "{\"name\":\"S\",\"body\":\"Hello\"}");
    char *path = fmt("/api/agents/%s", id);
    char *dup = fmt("/api/agents/%s/duplicate", id);
    char *restore = fmt("/api/agents/%s/versions/1/restore", id);
    char *scripts = fmt("/api/agents/%s/scripts", id);
    char *spath = fmt("/api/agents/%s/scripts/%s", id, script);
    char *versions = fmt("/api/agents/%s/versions", id);

    /* Members read everything... */
    cr_assert_eq(call_status(&member, "GET", "/api/agents", NULL), 200);
    cr_assert_eq(call_status(&member, "GET", path, NULL), 200);
    cr_assert_eq(call_status(&member, "GET", versions, NULL), 200);
    cr_assert_eq(call_status(&member, "GET", scripts, NULL), 200);
    cr_assert_eq(call_status(&member, "GET", spath, NULL), 200);
    /* ... and change nothing. */
    expect_error(&member, "POST", "/api/agents", "{\"name\":\"x\"}", 403, NULL);
    expect_error(&member, "PATCH", path, "{\"name\":\"x\"}", 403, NULL);
    expect_error(&member, "DELETE", path, NULL, 403, NULL);
    expect_error(&member, "POST", dup, NULL, 403, NULL);
    expect_error(&member, "POST", restore, NULL, 403, NULL);
    expect_error(&member, "POST", scripts, "{\"name\":\"x\",\"body\":\"y\"}", 403, NULL);
    expect_error(&member, "PATCH", spath, "{\"name\":\"x\"}", 403, NULL);
    expect_error(&member, "DELETE", spath, NULL, 403, NULL);
    cr_assert_eq(org_agents(owner.org_id), 1);
    cr_assert_eq(org_scripts(owner.org_id), 1);
    cr_assert_eq(org_versions(owner.org_id), 1);

    /* Admins write. */
    cr_assert_eq(call_status(&admin, "PATCH", path, "{\"name\":\"By admin\"}"), 200);
    cr_assert_eq(call_status(&admin, "POST", dup, NULL), 201);
    cr_assert_eq(call_status(&admin, "PATCH", spath, "{\"body\":\"Bye\"}"), 200);
    cr_assert_eq(call_status(&admin, "DELETE", spath, NULL), 204);
    cr_assert_eq(call_status(&admin, "DELETE", path, NULL), 204);

    /* Without a session: 401. */
    httpc_t *anon = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(anon, "GET", "/api/agents", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 401);
    httpc_resp_cleanup(&r);
    httpc_free(anon);

    free(path);
    free(dup);
    free(restore);
    free(scripts);
    free(spath);
    free(versions);
    free(script);
    free(id);
    person_free(&owner);
    person_free(&admin);
    person_free(&member);
}
