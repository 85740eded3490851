/* openapi.c - the OpenAPI 3.0 document, generated once at start-up from the route table, the
 * protobuf descriptors and the services' openapi.def facts (apifacts.h): nobody edits it by
 * hand, so it cannot drift from what the edge actually accepts. Path parameters come from the
 * pattern, query parameters (GET/DELETE) and request bodies (other methods) from the rpc's input
 * message, answers from its output, error statuses from the route's shape and ERRORS lines.
 * The edge's own routes (health, this document, /ws) are described here by hand.
 * Served with a weak ETag of its content (the same for every coding), revalidated each time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apifacts.h"
#include "edge.h"
#include "shared/log.h"
#include "services/edge/assets.h"
#include "services/edge/compress.h"
#include "shared/crypto.h"
#include "shared/pbjson.h"

#define MAX_SCHEMAS 256

typedef struct {
    const ProtobufCMessageDescriptor *seen[MAX_SCHEMAS];
    int n;
} schemas_t;

static void remember(const ProtobufCMessageDescriptor *d, void *ctx)
{
    schemas_t *s = ctx;
    for (int i = 0; i < s->n; i++)
        if (s->seen[i] == d)
            return;
    if (s->n == MAX_SCHEMAS) {
        LOG_ERROR("openapi: more than %d schemas: raise MAX_SCHEMAS", MAX_SCHEMAS);
        abort();
    }
    s->seen[s->n++] = d;
}

static void ref(buf_t *out, const ProtobufCMessageDescriptor *d, schemas_t *s)
{
    remember(d, s);
    buf_printf(out, "{\"$ref\":\"#/components/schemas/%s\"}", d->name);
}

static bool is_path_param(const char *pattern, const char *name)
{
    char needle[80];
    snprintf(needle, sizeof needle, "{%s}", name);
    return strstr(pattern, needle) != NULL;
}

/* True if field f of d comes from the URL path of a route with a body whose input d is: such
 * fields are left out of d's schema (the path sets them; a body value would be overwritten). */
static bool from_path(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
    int n;
    const route_t *r = routes_all(&n);
    for (int i = 0; i < n; i++)
        if (r[i].kind == ROUTE_RPC && r[i].md->input == d && apifacts_has_body(&r[i]) &&
            is_path_param(r[i].pattern, f->name))
            return true;
    return false;
}

static unsigned schema_facts(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                             void *ctx)
{
    (void)ctx;
    return apifacts_field(d, f) | (from_path(d, f) ? PBJSON_FACT_OMIT : 0);
}

/* True if the body of route r (an rpc with a body) has any field left once path ones are out. */
static bool body_has_fields(const route_t *r)
{
    const ProtobufCMessageDescriptor *in = r->md->input;
    for (unsigned i = 0; i < in->n_fields; i++)
        if (!is_path_param(r->pattern, in->fields[i].name))
            return true;
    return false;
}

/* One parameter of route r: its schema is that of the input field of the same name. */
static void parameter(buf_t *out, const route_t *r, const char *where, const char *name, size_t len,
                      bool *first)
{
    char fname[64];
    snprintf(fname, sizeof fname, "%.*s", (int)len, name);
    const ProtobufCMessageDescriptor *in = r->kind != ROUTE_RAW ? r->md->input : NULL;
    const ProtobufCFieldDescriptor *f =
        in ? protobuf_c_message_descriptor_get_field_by_name(in, fname) : NULL;
    bool path = strcmp(where, "path") == 0;
    unsigned facts = f ? apifacts_field(in, f) & ~(unsigned)PBJSON_FACT_READ_ONLY : 0;

    buf_printf(out,
               "%s{\"name\":\"%s\",\"in\":\"%s\",\"required\":%s,\"schema\":", *first ? "" : ",",
               fname, where, path || (facts & PBJSON_FACT_REQUIRED) ? "true" : "false");
    if (f)
        pbjson_schema_field(in, f, facts, out);
    else
        buf_puts(out, "{\"type\":\"string\"}");
    if (f && f->label == PROTOBUF_C_LABEL_REPEATED)
        buf_puts(out, ",\"explode\":true");
    buf_putc(out, '}');
    *first = false;
}

static void parameters(buf_t *out, const route_t *r)
{
    bool first = true;
    buf_puts(out, "\"parameters\":[");
    for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{'))
        parameter(out, r, "path", p + 1, (size_t)(strchr(p, '}') - p - 1), &first);
    if (!apifacts_has_body(r) && (r->kind == ROUTE_RPC || r->kind == ROUTE_DOWNLOAD)) {
        const ProtobufCMessageDescriptor *in = r->md->input;
        for (unsigned i = 0; i < in->n_fields; i++) {
            const ProtobufCFieldDescriptor *f = &in->fields[i];
            if (r->kind == ROUTE_DOWNLOAD && strcmp(f->name, "seq") == 0)
                continue; /* the edge's own: which part it fetches */
            if (!is_path_param(r->pattern, f->name) && f->type != PROTOBUF_C_TYPE_MESSAGE)
                parameter(out, r, "query", f->name, strlen(f->name), &first);
        }
    }
    buf_puts(out, "],");
}

/* True for the input fields of an UPLOAD route that the edge sets (common.UploadPart's facts). */
static bool upload_own(const char *name)
{
    static const char *const own[] = {"upload_id", "file_name", "file_type", "file_size",
                                      "file_parts"};
    for (size_t i = 0; i < ARRAY_LEN(own); i++)
        if (strcmp(own[i], name) == 0)
            return true;
    return false;
}

/* An UPLOAD route's body: multipart/form-data with a binary `file` and the input's other fields
 * (those the path and the edge do not set), so Swagger UI offers a file picker. */
static void upload_body(buf_t *out, const route_t *r)
{
    const ProtobufCMessageDescriptor *in = r->md->input;
    buf_t required = BUF_INIT;
    buf_puts(out, "\"requestBody\":{\"required\":true,\"content\":{\"multipart/form-data\":"
                  "{\"schema\":{\"type\":\"object\",\"properties\":{\"file\":{\"type\":"
                  "\"string\",\"format\":\"binary\",\"description\":\"The file, streamed to the "
                  "service\"}");
    buf_puts(&required, "\"file\"");
    for (unsigned i = 0; i < in->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &in->fields[i];
        if (upload_own(f->name) || is_path_param(r->pattern, f->name) ||
            f->type == PROTOBUF_C_TYPE_MESSAGE)
            continue;
        unsigned facts = apifacts_field(in, f) & ~(unsigned)PBJSON_FACT_READ_ONLY;
        buf_printf(out, ",\"%s\":", f->name);
        pbjson_schema_field(in, f, facts, out);
        if (facts & PBJSON_FACT_REQUIRED)
            buf_printf(&required, ",\"%s\"", f->name);
    }
    buf_printf(out, "},\"required\":[%s]}}}},", required.data);
    buf_cleanup(&required);
}

static void request_body(buf_t *out, const route_t *r, schemas_t *s)
{
    if (!apifacts_has_body(r))
        return;
    if (r->kind == ROUTE_UPLOAD) {
        upload_body(out, r);
        return;
    }
    if (r->kind == ROUTE_RAW) {
        buf_puts(out, "\"requestBody\":{\"content\":{\"*/*\":{\"schema\":{\"type\":\"string\","
                      "\"format\":\"binary\"}}}},");
        return;
    }
    if (!body_has_fields(r))
        return; /* everything comes from the path (or there is nothing): no body to send */
    buf_puts(out, "\"requestBody\":{\"required\":true,\"content\":{\"application/json\":"
                  "{\"schema\":");
    ref(out, r->md->input, s);
    buf_puts(out, "}}},");
}

static void error_refs(buf_t *out, const int *codes, int n)
{
    for (int i = 0; i < n; i++)
        buf_printf(out, ",\"%d\":{\"$ref\":\"#/components/responses/%s\"}", codes[i],
                   status_str(status_from_http(codes[i])));
}

static void responses(buf_t *out, const route_t *r, schemas_t *s)
{
    int codes[APIFACTS_MAX_ERRORS];
    int n = apifacts_errors(r, codes);

    buf_printf(out, "\"responses\":{\"%d\":{\"description\":\"%s\"", r->ok_status,
               r->ok_status == 204 ? "No content" : "Success");
    if (r->kind == ROUTE_DOWNLOAD) {
        buf_puts(out, ",\"headers\":{\"Content-Disposition\":{\"schema\":{\"type\":\"string\"},"
                      "\"description\":\"attachment; filename and filename*=UTF-8''\"},\"ETag\":"
                      "{\"schema\":{\"type\":\"string\"},\"description\":\"strong; send it in "
                      "If-None-Match\"}},\"content\":{\"application/octet-stream\":{\"schema\":"
                      "{\"type\":\"string\",\"format\":\"binary\"}}}},\"304\":{\"description\":"
                      "\"Not modified: If-None-Match names the file's ETag\"");
    } else if (r->ok_status != 204 && r->kind != ROUTE_RAW) {
        buf_puts(out, ",\"content\":{\"application/json\":{\"schema\":");
        ref(out, r->md->output, s);
        buf_puts(out, "}}");
        if (r->kind == ROUTE_UPLOAD && r->ok_status != 200) { /* HDR_OK_STATUS: found already */
            buf_puts(out, "},\"200\":{\"description\":\"The organization has this file already: "
                          "that one, with duplicate: true\",\"content\":{\"application/json\":"
                          "{\"schema\":");
            ref(out, r->md->output, s);
            buf_puts(out, "}}");
        }
    }
    buf_putc(out, '}');
    error_refs(out, codes, n);
    buf_puts(out, ",\"default\":{\"$ref\":\"#/components/responses/internal\"}}");
}

static void security(buf_t *out, bool session)
{
    buf_puts(out, session ? "\"security\":[{\"cookie\":[]},{\"bearer\":[]}]," : "\"security\":[],");
}

static void operation(buf_t *out, const route_t *r, schemas_t *s)
{
    char method[16];
    size_t k = 0;
    for (; r->method[k] && k < sizeof method - 1; k++)
        method[k] = (char)(r->method[k] | 0x20);
    method[k] = '\0';
    buf_printf(out, "\"%s\":{\"operationId\":\"%s.%s\",\"summary\":\"%s\",\"tags\":[\"%s\"],",
               method, r->service_name, r->rpc, r->summary, r->service_name);
    parameters(out, r);
    request_body(out, r, s);
    security(out, r->auth == ROUTE_SESSION);
    responses(out, r, s);
    buf_putc(out, '}');
}

/* ---- the edge's own routes ------------------------------------------------------------------ */

#define JSON_OF(schema)                                                                            \
    "\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/" schema "\"}" \
    "}}"

static const char edge_paths[] =
    "\"/api/health\":{\"get\":{\"operationId\":\"edge.health\",\"tags\":[\"edge\"],"
    "\"summary\":\"Liveness: the edge answers (nothing else is checked)\",\"security\":[],"
    "\"responses\":{\"200\":{\"description\":\"Alive\"," JSON_OF(
        "edge.Health") "}}}},"
                       "\"/api/health/"
                       "ready\":{\"get\":{\"operationId\":\"edge.ready\",\"tags\":[\"edge\"],"
                       "\"summary\":\"Readiness: the bus, and a ping to every service (which "
                       "reports its "
                       "database)\",\"security\":[],\"responses\":{"
                       "\"200\":{\"description\":\"Ready\"," JSON_OF(
                           "edge.Readiness") "},"
                                             "\"503\":{\"description\":\"Not ready: checks names "
                                             "the failing parts\"," JSON_OF(
                                                 "edge.Readiness") "}}}},"
                                                                   "\"/api/"
                                                                   "openapi.json\":{\"get\":{"
                                                                   "\"operationId\":\"edge."
                                                                   "openapi\",\"tags\":[\"edge\"],"
                                                                   "\"summary\":\"This "
                                                                   "document\",\"security\":[],"
                                                                   "\"responses\":{\"200\":{"
                                                                   "\"description\":"
                                                                   "\"The OpenAPI 3.0 "
                                                                   "document\",\"content\":{"
                                                                   "\"application/"
                                                                   "json\":{\"schema\":{\"type\":"
                                                                   "\"object\"}}}}}}},"
                                                                   "\"/"
                                                                   "ws\":{\"get\":{\"operationId\":"
                                                                   "\"edge.ws\",\"tags\":[\"edge\"]"
                                                                   ","
                                                                   "\"summary\":\"WebSocket of "
                                                                   "notifications for the "
                                                                   "signed-in user and "
                                                                   "organization\","
                                                                   "\"description\":\"Send "
                                                                   "Upgrade: websocket (a page of "
                                                                   "another origin is refused). "
                                                                   "The "
                                                                   "credential is the sid cookie "
                                                                   "or an API key (Authorization: "
                                                                   "Bearer); without a valid one "
                                                                   "the socket is closed right "
                                                                   "after the upgrade with code "
                                                                   "4401, and with 1011 when "
                                                                   "authentication is unavailable. "
                                                                   "The server sends JSON text "
                                                                   "frames: first edge.WsHello "
                                                                   "({\\\"type\\\":\\\"hello\\\",.."
                                                                   ".}), then one "
                                                                   "edge.WsNotification per "
                                                                   "notify.user.<id>.* "
                                                                   "or notify.org.<org>.* message "
                                                                   "for the caller. A revoked "
                                                                   "session or key closes the "
                                                                   "socket.\",\"parameters\":[{"
                                                                   "\"name\":\"Upgrade\",\"in\":"
                                                                   "\"header\",\"required\":true,"
                                                                   "\"schema\":{\"type\":"
                                                                   "\"string\",\"enum\":["
                                                                   "\"websocket\"]}}],"
                                                                   "\"security\":[{\"cookie\":[]},{"
                                                                   "\"bearer\":[]}],\"responses\":{"
                                                                   "\"101\":{\"description\":"
                                                                   "\"Switching Protocols: frames "
                                                                   "as described above\"}}}}";

static const char edge_schemas[] =
    "\"edge.Health\":{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\","
    "\"enum\":[\"ok\"]}},\"required\":[\"status\"]},"
    "\"edge.Readiness\":{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\","
    "\"enum\":[\"ready\",\"unavailable\"]},\"checks\":{\"type\":\"object\",\"description\":"
    "\"bus, then one entry per service: ok, down, unreachable, timeout, no responders, "
    "database down\",\"additionalProperties\":{\"type\":\"string\"}}},"
    "\"required\":[\"status\",\"checks\"]},"
    "\"edge.WsHello\":{\"type\":\"object\",\"properties\":{\"type\":{\"type\":\"string\","
    "\"enum\":[\"hello\"]},\"user_id\":{\"type\":\"string\",\"format\":\"uuid\"},\"org_id\":"
    "{\"type\":\"string\",\"format\":\"uuid\"},\"role\":{\"type\":\"string\"}},\"required\":"
    "[\"type\",\"user_id\",\"org_id\",\"role\"]},"
    "\"edge.WsNotification\":{\"type\":\"object\",\"properties\":{\"type\":{\"type\":"
    "\"string\",\"enum\":[\"notification\"]},\"subject\":{\"type\":\"string\"},\"kind\":"
    "{\"type\":\"string\"},\"data\":{\"description\":\"the published JSON object or array, or "
    "else the payload as a string\"}},\"required\":[\"type\",\"subject\",\"kind\",\"data\"]}";

/* ---- components ------------------------------------------------------------------------------ */

static const struct {
    int status;
    const char *description;
} error_texts[] = {
    {400, "The input is invalid (unknown field, wrong type, failed validation): the message "
          "names the field"},
    {401, "No valid credential: sign in, or send an API key"},
    {403, "Refused: the caller's role does not allow it, or a cross-site request"},
    {404, "No such resource in the caller's organization"},
    {405, "The path does not take this method (see Allow)"},
    {409, "Conflicts with the current state: the message says how"},
    {413, "The request body is over the size limit"},
    {415, "The file's type (read from its content) is not one the route takes, or the body is "
          "not multipart/form-data"},
    {422, "The file is broken or encrypted and cannot be read"},
    {429, "Too many attempts: wait Retry-After seconds"},
    {500, "Unexpected error"},
    {503, "A service, its database or the bus is unavailable"},
    {504, "A service did not answer in time"},
};

static void components(buf_t *out)
{
    buf_puts(out, "\"securitySchemes\":{"
                  "\"cookie\":{\"type\":\"apiKey\",\"in\":\"cookie\",\"name\":\"sid\","
                  "\"description\":\"The session cookie set by login, register, accept invite "
                  "and switch org (HttpOnly)\"},"
                  "\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\",\"description\":"
                  "\"An API key (POST /api/api-keys) as Authorization: Bearer <key>\"}},"
                  "\"responses\":{");
    for (size_t i = 0; i < ARRAY_LEN(error_texts); i++) {
        buf_printf(out, "%s\"%s\":{\"description\":\"%s\",", i ? "," : "",
                   status_str(status_from_http(error_texts[i].status)), error_texts[i].description);
        if (error_texts[i].status == 429)
            buf_puts(out, "\"headers\":{\"Retry-After\":{\"description\":\"Seconds to wait\","
                          "\"schema\":{\"type\":\"integer\",\"minimum\":1}}},");
        if (error_texts[i].status == 405)
            buf_puts(out, "\"headers\":{\"Allow\":{\"schema\":{\"type\":\"string\"}}},");
        buf_puts(out, JSON_OF("Error") "}");
    }
    /* The error answer: code is status_str() of the status (status.c), one per HTTP code. */
    buf_puts(out, "},\"schemas\":{\"Error\":{\"type\":\"object\",\"required\":[\"error\"],"
                  "\"properties\":{\"error\":{\"type\":\"object\",\"required\":[\"code\","
                  "\"message\",\"request_id\"],\"properties\":{\"code\":{\"type\":\"string\","
                  "\"enum\":[");
    for (int st = ST_OK + 1; st < ST__COUNT; st++)
        buf_printf(out, "%s\"%s\"", st > ST_OK + 1 ? "," : "", status_str((status_t)st));
    buf_puts(out, "]},\"message\":{\"type\":\"string\"},\"request_id\":{\"type\":\"string\"}"
                  "}}}},");
    buf_puts(out, edge_schemas);
}

void openapi_build(buf_t *out)
{
    int n;
    const route_t *routes = routes_all(&n);
    schemas_t s = {.n = 0};
    bool *done = xcalloc((size_t)n + 1, sizeof *done);

    apifacts_init();
    buf_puts(out, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"AI Agents Platform API\","
                  "\"version\":\"1.0.0\",\"description\":\"Generated from the edge route table, "
                  "the protobuf contracts and the services' openapi.def. JSON field names are the "
                  "proto field names; enums are their lower-case names; lists are always "
                  "present ([] when empty); timestamps are RFC 3339 UTC with milliseconds. Every "
                  "error is {\\\"error\\\":{\\\"code\\\",\\\"message\\\",\\\"request_id\\\"}}."
                  "\"},\"servers\":[{\"url\":\"/\"}],\"paths\":{");
    buf_puts(out, edge_paths);
    /* Group routes by pattern: one path item per pattern, one operation per method. */
    for (int i = 0; i < n; i++) {
        if (done[i])
            continue;
        buf_printf(out, ",\"%s\":{", routes[i].pattern);
        for (int j = i, op = 0; j < n; j++) {
            if (done[j] || strcmp(routes[j].pattern, routes[i].pattern) != 0)
                continue;
            done[j] = true;
            if (op++)
                buf_putc(out, ',');
            operation(out, &routes[j], &s);
        }
        buf_putc(out, '}');
    }
    buf_puts(out, "},\"components\":{");
    components(out);
    /* Emitting a schema can discover more types: loop until none is new. */
    pbjson_schema_opts_t opts = {.on_ref = remember, .facts = schema_facts, .ctx = &s};
    for (int i = 0; i < s.n; i++) {
        buf_printf(out, ",\"%s\":", s.seen[i]->name);
        pbjson_schema_with(s.seen[i], out, &opts);
    }
    buf_puts(out, "}}}");
    free(done);
}

void openapi_respond(pss_t *pss)
{
    /* Made on first use, kept for the life of the process: the document never changes. */
    static char etag[24]; /* W/"<16 hex digits of its SHA-256>" */
    static buf_t gz = BUF_INIT;
    const char *ae = h1_header(&pss->req, "accept-encoding");

    if (!etag[0]) {
        char hex[CRYPTO_SHA256_HEX_SIZE];
        crypto_sha256_hex(edge.openapi.data, edge.openapi.len, hex);
        snprintf(etag, sizeof etag, "W/\"%.16s\"", hex);
    }
    edge_respond_add_header(pss, "cache-control", "no-cache");
    edge_respond_add_header(pss, "etag", etag);
    if (assets_etag_match(h1_header(&pss->req, "if-none-match"), etag)) {
        edge_respond_add_header(pss, "vary", "Accept-Encoding");
        edge_respond(pss, 304, NULL, NULL, 0);
        return;
    }
    /* Gzipped once, not by edge_respond on every request (36 KB -> 3.5 KB). */
    if (compress_wanted("application/json", edge.openapi.len, (size_t)edge.cfg.gzip_min_bytes,
                        ae) &&
        (gz.len || compress_gzip(edge.openapi.data, edge.openapi.len, &gz) == ST_OK)) {
        edge_respond_add_header(pss, "vary", "Accept-Encoding");
        edge_respond_add_header(pss, "content-encoding", "gzip");
        edge_respond(pss, 200, "application/json", gz.data, gz.len);
        return;
    }
    edge_respond(pss, 200, "application/json", edge.openapi.data, edge.openapi.len);
}
