/* test_openapi.c - the edge's generated OpenAPI document: every route is an operation with the
 * error statuses its shape implies (and those openapi.def adds), request bodies are required and
 * leave path parameters out, answers list what is always there, enums never offer
 * "unspecified", timestamps and ids carry their formats, every $ref resolves, and the edge's own
 * routes (health, /ws) are described. tests/openapi runs a real validator and a generated
 * client over the same document. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "services/edge/apifacts.h"
#include "services/edge/edge.h"

edge_t edge; /* the edge's global, defined by main.c in the program */

static json_t *doc;

static void setup(void)
{
    buf_t b = BUF_INIT;
    json_error_t err;
    routes_init();
    openapi_build(&b);
    doc = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &err);
    cr_assert_not_null(doc, "not JSON: %s at %d", err.text, err.position);
    buf_cleanup(&b);
}

static void teardown(void)
{
    json_decref(doc);
}

TestSuite(openapi, .init = setup, .fini = teardown);

static json_t *op_of(const route_t *r)
{
    char method[16];
    size_t k = 0;
    for (; r->method[k]; k++)
        method[k] = (char)(r->method[k] | 0x20);
    method[k] = '\0';
    return json_object_get(json_object_get(json_object_get(doc, "paths"), r->pattern), method);
}

static json_t *schema(const char *name)
{
    json_t *s =
        json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"), name);
    cr_assert_not_null(s, "no schema %s", name);
    return s;
}

static bool has_string(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

static bool required(const char *schema_name, const char *field)
{
    return has_string(json_object_get(schema(schema_name), "required"), field);
}

static json_t *prop(const char *schema_name, const char *field)
{
    return json_object_get(json_object_get(schema(schema_name), "properties"), field);
}

Test(openapi, every_route_with_the_errors_its_shape_implies)
{
    int n;
    const route_t *r = routes_all(&n);
    cr_assert_gt(n, 10);
    for (int i = 0; i < n; i++) {
        json_t *op = op_of(&r[i]), *resp = json_object_get(op, "responses");
        cr_assert_not_null(op, "%s %s missing", r[i].method, r[i].pattern);
        char ok[8];
        snprintf(ok, sizeof ok, "%d", r[i].ok_status);
        cr_assert_not_null(json_object_get(resp, ok), "%s %s", r[i].method, r[i].pattern);
        cr_assert_not_null(json_object_get(resp, "400"));
        cr_assert_not_null(json_object_get(resp, "503"));
        cr_assert_not_null(json_object_get(resp, "504"));
        bool session = r[i].auth == ROUTE_SESSION;
        cr_assert_eq(json_object_get(resp, "401") != NULL || !session, true, "%s", r[i].pattern);
        cr_assert_eq(json_array_size(json_object_get(op, "security")), session ? 2 : 0);
        if (strcmp(r[i].method, "GET") != 0)
            cr_assert_not_null(json_object_get(resp, "403"), "%s %s", r[i].method, r[i].pattern);
        if (strchr(r[i].pattern, '{')) {
            cr_assert_not_null(json_object_get(resp, "404"), "%s", r[i].pattern);
            json_t *p0 = json_array_get(json_object_get(op, "parameters"), 0);
            cr_assert_str_eq(json_string_value(json_object_get(p0, "in")), "path");
            cr_assert(json_is_true(json_object_get(p0, "required")));
        }
        json_t *body = json_object_get(op, "requestBody");
        if (body) {
            cr_assert(apifacts_has_body(&r[i]));
            cr_assert(json_is_true(json_object_get(body, "required")), "%s", r[i].pattern);
            cr_assert_not_null(json_object_get(resp, "413"));
        }
    }
}

Test(openapi, statuses_declared_in_openapi_def)
{
    json_t *login = json_object_get(json_object_get(doc, "paths"), "/api/auth/login");
    json_t *resp = json_object_get(json_object_get(login, "post"), "responses");
    cr_assert_not_null(json_object_get(resp, "401"));
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(resp, "429"), "$ref")),
                     "#/components/responses/rate_limited");
    json_t *limited = json_object_get(
        json_object_get(json_object_get(doc, "components"), "responses"), "rate_limited");
    cr_assert_not_null(json_object_get(json_object_get(limited, "headers"), "Retry-After"));
    json_t *del = json_object_get(json_object_get(doc, "paths"), "/api/kb/categories/{id}");
    cr_assert_not_null(
        json_object_get(json_object_get(json_object_get(del, "delete"), "responses"), "409"));
    /* GET /api/agents needs no 404, 403 or 413 */
    json_t *list = json_object_get(json_object_get(doc, "paths"), "/api/agents");
    resp = json_object_get(json_object_get(list, "get"), "responses");
    cr_assert_null(json_object_get(resp, "404"));
    cr_assert_null(json_object_get(resp, "403"));
    cr_assert_null(json_object_get(resp, "413"));
}

Test(openapi, bodies_leave_path_parameters_out)
{
    cr_assert_null(prop("agents.UpdateAgentRequest", "id"));
    cr_assert_not_null(prop("agents.UpdateAgentRequest", "name"));
    cr_assert_null(prop("agents.CreateScriptRequest", "agent_id"));
    /* all from the path: no body at all */
    json_t *dup = json_object_get(json_object_get(doc, "paths"), "/api/agents/{id}/duplicate");
    cr_assert_null(json_object_get(json_object_get(dup, "post"), "requestBody"));
    json_t *logout = json_object_get(json_object_get(doc, "paths"), "/api/auth/logout");
    cr_assert_null(json_object_get(json_object_get(logout, "post"), "requestBody"));
}

Test(openapi, required_fields_of_requests_and_answers)
{
    cr_assert(required("auth.LoginRequest", "email"));
    cr_assert(required("auth.LoginRequest", "password"));
    cr_assert(required("agents.CreateAgentRequest", "name"));
    cr_assert_not(required("agents.CreateAgentRequest", "channels")); /* requests: as sent */
    cr_assert(required("agents.Agent", "id"));
    cr_assert(required("agents.Agent", "channels")); /* answer lists are always there */
    cr_assert(required("agents.AgentList", "items"));
    cr_assert(required("agents.AgentList", "total"));
    cr_assert(required("rag.Category", "children"));
    cr_assert_not(required("rag.Article", "snippet"));           /* search results only */
    cr_assert_not(required("agents.WorkingHours", "intervals")); /* also in requests */
}

Test(openapi, formats_and_read_only)
{
    json_t *id = prop("agents.Agent", "id"), *at = prop("agents.Agent", "created_at");
    cr_assert_str_eq(json_string_value(json_object_get(id, "format")), "uuid");
    cr_assert(json_is_true(json_object_get(id, "readOnly")));
    cr_assert_str_eq(json_string_value(json_object_get(at, "format")), "date-time");
    cr_assert(json_is_true(json_object_get(at, "readOnly")));
    json_t *ids = prop("agents.CreateAgentRequest", "kb_category_ids");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(ids, "items"), "format")),
                     "uuid");
    cr_assert_null(json_object_get(ids, "readOnly"));
    /* "" is allowed there (moves to the top level): no uuid format */
    cr_assert_null(json_object_get(prop("rag.UpdateCategoryRequest", "parent_id"), "format"));
}

/* Walks every value of the document: no enum offers "unspecified", every $ref resolves. */
static void walk(json_t *v, int *refs)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) walk(x, refs);
        return;
    }
    if (!json_is_object(v))
        return;
    json_object_foreach(v, k, x)
    {
        if (strcmp(k, "enum") == 0 && json_is_array(x))
            cr_assert_not(has_string(x, "unspecified"));
        if (strcmp(k, "$ref") == 0) {
            const char *ref = json_string_value(x);
            cr_assert(str_has_prefix(ref, "#/components/"), "%s", ref);
            char sect[32], name[96];
            cr_assert_eq(sscanf(ref, "#/components/%31[^/]/%95s", sect, name), 2, "%s", ref);
            cr_assert_not_null(
                json_object_get(json_object_get(json_object_get(doc, "components"), sect), name),
                "dangling %s", ref);
            (*refs)++;
        }
        walk(x, refs);
    }
}

Test(openapi, no_unspecified_and_no_dangling_refs)
{
    int refs = 0;
    walk(doc, &refs);
    cr_assert_gt(refs, 100);
    json_t *status = prop("agents.Agent", "status");
    cr_assert_eq(json_array_size(json_object_get(status, "enum")), 2);
}

Test(openapi, edge_routes_and_security_schemes)
{
    json_t *paths = json_object_get(doc, "paths");
    cr_assert_not_null(json_object_get(json_object_get(paths, "/api/health"), "get"));
    json_t *ready = json_object_get(json_object_get(paths, "/api/health/ready"), "get");
    cr_assert_not_null(json_object_get(json_object_get(ready, "responses"), "503"));
    json_t *ws = json_object_get(json_object_get(paths, "/ws"), "get");
    cr_assert_not_null(json_object_get(json_object_get(ws, "responses"), "101"));
    json_t *schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(schemes, "cookie"), "name")),
                     "sid");
    cr_assert_str_eq(
        json_string_value(json_object_get(json_object_get(schemes, "bearer"), "scheme")), "bearer");
    json_t *err = schema("Error");
    cr_assert(has_string(json_object_get(err, "required"), "error"));
}
