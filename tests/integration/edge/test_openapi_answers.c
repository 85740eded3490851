/* test_openapi_answers.c - what the services answer matches what GET /api/openapi.json promises:
 * a walk through every public route (sign-up, profile, members, invitations, API keys, agents
 * with versions and scripts, the knowledge base) checks each answer against the schema the
 * document gives for that operation and status: every `required` field is there (so the
 * openapi.def facts cannot drift from the handlers), no field is undeclared, types, enums, uuid
 * and date-time formats hold, and every error status met is declared by its operation. Also:
 * enums in another spelling are refused with a 400 naming the field.
 */
#include <ctype.h>

#include "tests/integration/agents/agents_helpers.h"

static json_t *doc;

static void load_doc(void)
{
    if (doc)
        return;
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(c, "GET", "/api/openapi.json", NULL, &r);
    expect_status(&r, 200);
    doc = json_incref(httpc_resp_json(&r));
    cr_assert_not_null(doc);
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

/* ---- a JSON Schema subset: what the generated document uses ---------------------------------- */

static json_t *resolve(json_t *schema)
{
    const char *ref = json_string_value(json_object_get(schema, "$ref"));
    if (!ref)
        return schema;
    char sect[32], name[128];
    cr_assert_eq(sscanf(ref, "#/components/%31[^/]/%127s", sect, name), 2, "%s", ref);
    json_t *s = json_object_get(json_object_get(json_object_get(doc, "components"), sect), name);
    cr_assert_not_null(s, "dangling %s", ref);
    return resolve(s);
}

static bool date_time(const char *s)
{
    /* 2026-12-03T22:13:00.123Z (or with an offset) */
    int n = 0;
    for (const char *p = s; *p && n < 19; p++, n++)
        if (!(isdigit((unsigned char)*p) || strchr("-T:", *p)))
            return false;
    return n == 19 && s[4] == '-' && s[10] == 'T' && (strchr(s + 19, 'Z') || strchr(s + 19, '+'));
}

static void check(json_t *schema, json_t *v, const char *where);

static void check_object(json_t *s, json_t *v, const char *where)
{
    json_t *props = json_object_get(s, "properties"),
           *extra = json_object_get(s, "additionalProperties");
    const char *k;
    json_t *x;
    size_t i;
    char sub[256];

    cr_assert(json_is_object(v), "%s: expected an object", where);
    json_array_foreach(json_object_get(s, "required"), i, x)
        cr_assert_not_null(json_object_get(v, json_string_value(x)), "%s: required %s is missing",
                           where, json_string_value(x));
    json_object_foreach(v, k, x)
    {
        snprintf(sub, sizeof sub, "%s.%s", where, k);
        json_t *ps = props ? json_object_get(props, k) : NULL;
        if (ps)
            check(ps, x, sub);
        else if (json_is_object(extra))
            check(extra, x, sub);
        else
            cr_assert(props == NULL && extra == NULL, "%s: not declared", sub);
    }
}

static void check(json_t *schema, json_t *v, const char *where)
{
    json_t *s = resolve(schema), *x;
    const char *type = json_string_value(json_object_get(s, "type"));
    const char *format = json_string_value(json_object_get(s, "format"));
    json_t *en = json_object_get(s, "enum");
    size_t i;
    char sub[256];

    if (!type)
        return; /* any value */
    if (strcmp(type, "object") == 0) {
        check_object(s, v, where);
    } else if (strcmp(type, "array") == 0) {
        cr_assert(json_is_array(v), "%s: expected an array", where);
        json_array_foreach(v, i, x)
        {
            snprintf(sub, sizeof sub, "%s[%zu]", where, i);
            check(json_object_get(s, "items"), x, sub);
        }
    } else if (strcmp(type, "string") == 0) {
        cr_assert(json_is_string(v), "%s: expected a string", where);
        const char *str = json_string_value(v);
        if (format && strcmp(format, "uuid") == 0)
            cr_assert(uuid_valid(str), "%s: \"%s\" is no uuid", where, str);
        if (format && strcmp(format, "date-time") == 0)
            cr_assert(date_time(str), "%s: \"%s\" is no date-time", where, str);
        if (en) {
            bool found = false;
            json_array_foreach(en, i, x) found |= strcmp(json_string_value(x), str) == 0;
            cr_assert(found, "%s: \"%s\" is not in the enum", where, str);
        }
    } else if (strcmp(type, "integer") == 0) {
        cr_assert(json_is_integer(v), "%s: expected an integer", where);
    } else if (strcmp(type, "number") == 0) {
        cr_assert(json_is_number(v), "%s: expected a number", where);
    } else if (strcmp(type, "boolean") == 0) {
        cr_assert(json_is_boolean(v), "%s: expected a boolean", where);
    }
}

/* The operation of the document that serves method path (path parameters as {x}). */
static json_t *operation(const char *method, const char *path)
{
    char m[16], p[512];
    size_t k = 0;
    for (; method[k] && k < sizeof m - 1; k++)
        m[k] = (char)tolower((unsigned char)method[k]);
    m[k] = '\0';
    snprintf(p, sizeof p, "%.*s", (int)strcspn(path, "?"), path);

    const char *pattern;
    json_t *item, *best = NULL;
    int best_params = 99;
    json_object_foreach(json_object_get(doc, "paths"), pattern, item)
    {
        const char *a = pattern, *b = p;
        int params = 0;
        while (*a && *b) {
            size_t na = strcspn(a + 1, "/") + 1, nb = strcspn(b + 1, "/") + 1;
            if (a[1] == '{')
                params++;
            else if (na != nb || strncmp(a, b, na) != 0)
                break;
            a += na;
            b += nb;
        }
        json_t *op = json_object_get(item, m);
        if (!*a && !*b && op && params < best_params) {
            best = op;
            best_params = params;
        }
    }
    cr_assert_not_null(best, "%s %s: no operation in the document", method, path);
    return best;
}

/* One request as p, which must answer want; the answer is checked against the document. */
static void answer(httpc_t *c, const char *method, const char *path, const char *body, long want,
                   httpc_resp_t *r)
{
    char code[8], where[600];
    req(c, method, path, body, r);
    expect_status(r, want);
    snprintf(code, sizeof code, "%ld", want);
    snprintf(where, sizeof where, "%s %s -> %ld", method, path, want);
    json_t *resp = json_object_get(json_object_get(operation(method, path), "responses"), code);
    cr_assert_not_null(resp, "%s: status not declared by the operation", where);
    resp = resolve(resp);
    json_t *schema = json_object_get(
        json_object_get(json_object_get(resp, "content"), "application/json"), "schema");
    if (!schema) {
        cr_assert_eq(r->body.len, 0, "%s: a body where none is declared", where);
        return;
    }
    json_t *v = httpc_resp_json(r);
    cr_assert_not_null(v, "%s: not JSON: %s", where, r->body.data);
    check(schema, v, where);
}

/* answer(), keeping the string at `field` of the answer (heap). */
static char *answer_id(httpc_t *c, const char *method, const char *path, const char *body,
                       long want, const char *field)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    answer(c, method, path, body, want, &r);
    const char *v = httpc_resp_str(&r, field);
    cr_assert_not_null(v, "%s %s: no %s", method, path, field);
    char *out = xstrdup(v);
    httpc_resp_cleanup(&r);
    return out;
}

static void ok(httpc_t *c, const char *method, const char *path, const char *body, long want)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    answer(c, method, path, body, want, &r);
    httpc_resp_cleanup(&r);
}

static void ok_f(httpc_t *c, const char *method, const char *body, long want, const char *f, ...)
    __attribute__((format(printf, 5, 6)));
static void ok_f(httpc_t *c, const char *method, const char *body, long want, const char *f, ...)
{
    va_list ap;
    char *path = NULL;
    va_start(ap, f);
    if (vasprintf(&path, f, ap) < 0)
        abort();
    va_end(ap);
    ok(c, method, path, body, want);
    free(path);
}

TestSuite(openapi_answers, .init = load_doc);

Test(openapi_answers, auth_and_organization)
{
    person_t owner, member;
    person_sign_up(&owner, "oa-auth");
    person_join(&owner, &member, "member");

    ok(owner.c, "GET", "/api/auth/me", NULL, 200);
    ok(owner.c, "PATCH", "/api/auth/me", "{\"language\":\"en\"}", 200);
    ok(owner.c, "GET", "/api/auth/orgs", NULL, 200);
    ok(owner.c, "PATCH", "/api/org", "{\"name\":\"Renamed org\"}", 200);
    ok(owner.c, "GET", "/api/org/members", NULL, 200);
    ok_f(owner.c, "PATCH", "{\"role\":\"admin\"}", 200, "/api/org/members/%s", member.user_id);
    char *email = unique_email("oa-invitee"), *body = fmt("{\"email\":\"%s\"}", email);
    char *invite = answer_id(owner.c, "POST", "/api/org/invites", body, 201, "id");
    ok(owner.c, "GET", "/api/org/invites", NULL, 200);
    ok(owner.c, "POST", "/api/org/invites", "{\"email\":\"not an address\"}", 400);
    char *key = answer_id(owner.c, "POST", "/api/api-keys", "{\"name\":\"ci\"}", 201, "key");
    ok(owner.c, "GET", "/api/api-keys", NULL, 200);

    /* the key works as a bearer credential on the same routes */
    httpc_t *bot = edge_client();
    httpc_set_bearer(bot, key);
    ok(bot, "GET", "/api/auth/me", NULL, 200);
    httpc_free(bot);

    /* errors, each declared by its operation */
    httpc_t *anon = edge_client();
    ok(anon, "GET", "/api/auth/me", NULL, 401);
    char *bad = login_body(owner.email, "Wrong-Password-1");
    ok(anon, "POST", "/api/auth/login", bad, 401);
    ok(anon, "POST", "/api/auth/password/forgot", "{\"email\":\"nobody@example.com\"}", 202);
    ok(anon, "POST", "/api/auth/register", "{\"email\":\"x@example.com\"}", 400);
    httpc_free(anon);
    ok_f(owner.c, "DELETE", NULL, 404, "/api/org/invites/%s",
         "00000000-0000-4000-8000-000000000000");
    ok_f(owner.c, "DELETE", NULL, 204, "/api/org/invites/%s", invite);

    person_t plain;
    person_join(&owner, &plain, "member");
    ok(plain.c, "GET", "/api/org/invites", NULL, 403);
    ok(plain.c, "PATCH", "/api/org", "{\"name\":\"Mine now\"}", 403);

    ok(owner.c, "POST", "/api/auth/logout", NULL, 204);
    free(email);
    free(body);
    free(invite);
    free(key);
    free(bad);
    person_free(&owner);
    person_free(&member);
    person_free(&plain);
}

#define AGENT_BODY                                                                                 \
    "{\"name\":\"Doc Bot\",\"status\":\"paused\",\"channels\":[\"telegram\",\"web\"],"             \
    "\"kb_category_ids\":[],"                                                                      \
    "\"working_hours\":{\"timezone\":\"Europe/Moscow\",\"intervals\":["                            \
    "{\"day\":1,\"start\":\"09:00\",\"end\":\"18:00\"}]},\"language\":\"ru\"}"

Test(openapi_answers, agents_versions_scripts)
{
    person_t owner, member;
    person_sign_up(&owner, "oa-agents");
    person_join(&owner, &member, "member");

    ok(owner.c, "POST", "/api/agents", "{\"name\":\"Minimal\"}", 201); /* empty lists: [] */
    char *id = answer_id(owner.c, "POST", "/api/agents", AGENT_BODY, 201, "id");
    ok_f(owner.c, "GET", NULL, 200, "/api/agents/%s", id);
    ok(owner.c, "GET", "/api/agents", NULL, 200);
    ok(owner.c, "GET", "/api/agents?status=paused&channel=web&sort=-name&per_page=5", NULL, 200);
    ok_f(owner.c, "PATCH", "{\"description\":\"d\",\"clear\":[\"working_hours\"]}", 200,
         "/api/agents/%s", id);
    ok_f(owner.c, "GET", NULL, 200, "/api/agents/%s/versions", id);
    ok_f(owner.c, "POST", NULL, 200, "/api/agents/%s/versions/1/restore", id);
    char *dup = fmt("/api/agents/%s/duplicate", id);
    char *copy = answer_id(owner.c, "POST", dup, NULL, 201, "id");

    char *scripts = fmt("/api/agents/%s/scripts", id);
    char *sid = answer_id(owner.c, "POST", scripts,
                          "{\"name\":\"Greeting\",\"body\":\"Hello {{name}}\","
                          "\"variables\":[\"name\"]}",
                          201, "id");
    ok(owner.c, "POST", scripts, "{\"name\":\"Plain\",\"body\":\"Hi\"}", 201);
    ok(owner.c, "GET", scripts, NULL, 200);
    ok_f(owner.c, "GET", NULL, 200, "%s/%s", scripts, sid);
    ok_f(owner.c, "PATCH", "{\"body\":\"Bye\",\"clear\":[\"variables\"]}", 200, "%s/%s", scripts,
         sid);

    /* enums only in their documented spelling, in bodies and in query parameters */
    expect_error(&owner, "POST", "/api/agents", "{\"name\":\"x\",\"status\":\"ACTIVE\"}", 400,
                 "status");
    expect_error(&owner, "POST", "/api/agents", "{\"name\":\"x\",\"status\":\"unspecified\"}", 400,
                 "status");
    expect_error(&owner, "POST", "/api/agents", "{\"name\":\"x\",\"channels\":[1]}", 400,
                 "channels[0]");
    expect_error(&owner, "GET", "/api/agents?status=STATUS_ACTIVE", NULL, 400, "status");
    ok(owner.c, "POST", "/api/agents", "{\"name\":\"x\",\"language\":\"RU\"}", 400);
    ok(owner.c, "POST", "/api/agents", "{}", 400);
    ok_f(owner.c, "GET", NULL, 404, "/api/agents/%s", "00000000-0000-4000-8000-000000000000");
    ok(owner.c, "GET", "/api/agents/not-a-uuid", NULL, 400);
    ok_f(member.c, "PATCH", "{\"name\":\"mine\"}", 403, "/api/agents/%s", id);

    ok_f(owner.c, "DELETE", NULL, 204, "%s/%s", scripts, sid);
    ok_f(owner.c, "DELETE", NULL, 204, "/api/agents/%s", copy);
    ok_f(owner.c, "DELETE", NULL, 204, "/api/agents/%s", id);
    free(id);
    free(copy);
    free(dup);
    free(sid);
    free(scripts);
    person_free(&owner);
    person_free(&member);
}

Test(openapi_answers, knowledge_base_and_edge)
{
    person_t owner;
    person_sign_up(&owner, "oa-kb");

    char *top = answer_id(owner.c, "POST", "/api/kb/categories", "{\"name\":\"Top\"}", 201, "id");
    char *body = fmt("{\"name\":\"Child\",\"parent_id\":\"%s\"}", top);
    char *child = answer_id(owner.c, "POST", "/api/kb/categories", body, 201, "id");
    char *second =
        answer_id(owner.c, "POST", "/api/kb/categories", "{\"name\":\"Second\"}", 201, "id");
    ok(owner.c, "GET", "/api/kb/categories", NULL, 200); /* nested, children: [] on leaves */
    char *order = fmt("{\"ids\":[\"%s\",\"%s\"]}", second, top);
    ok(owner.c, "POST", "/api/kb/categories/reorder", order, 200);
    ok_f(owner.c, "PATCH", "{\"description\":\"about\"}", 200, "/api/kb/categories/%s", child);
    char *art_body = fmt("{\"title\":\"Refunds\",\"body\":\"Refunds take 14 days.\","
                         "\"category_id\":\"%s\",\"tags\":[\"money\"]}",
                         child);
    char *art = answer_id(owner.c, "POST", "/api/kb/articles", art_body, 201, "id");
    ok(owner.c, "POST", "/api/kb/articles", "{\"title\":\"Untagged\",\"body\":\"\"}", 201);
    ok(owner.c, "GET", "/api/kb/articles", NULL, 200);
    ok(owner.c, "GET", "/api/kb/articles?q=refunds", NULL, 200);
    ok_f(owner.c, "GET", NULL, 200, "/api/kb/articles/%s", art);
    ok_f(owner.c, "PATCH", "{\"clear_tags\":true}", 200, "/api/kb/articles/%s", art);
    ok_f(owner.c, "DELETE", NULL, 409, "/api/kb/categories/%s", top);
    ok(owner.c, "POST", "/api/kb/articles", "{\"body\":\"no title\"}", 400);
    ok_f(owner.c, "DELETE", NULL, 204, "/api/kb/articles/%s", art);
    ok_f(owner.c, "DELETE", NULL, 204, "/api/kb/categories/%s?cascade=true", top);

    ok(owner.c, "GET", "/api/health", NULL, 200);
    ok(owner.c, "GET", "/api/health/ready", NULL, 200);
    free(top);
    free(second);
    free(order);
    free(body);
    free(child);
    free(art_body);
    free(art);
    person_free(&owner);
}
