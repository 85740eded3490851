/* openapi.c - the OpenAPI 3.0 document, generated once at start-up from the route table and
 * the protobuf descriptors: nobody edits it by hand, so it cannot drift from what the edge
 * actually accepts. Path parameters come from the pattern, query parameters (GET/DELETE) and
 * request bodies (other methods) from the rpc's input message, responses from its output.
 * Served with a weak ETag of its content (the same for every coding), revalidated each time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"
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
    if (s->n < MAX_SCHEMAS)
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

static void query_params(buf_t *out, const route_t *r, bool *first)
{
    const ProtobufCMessageDescriptor *in = r->md->input;
    for (unsigned i = 0; i < in->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &in->fields[i];
        if (is_path_param(r->pattern, f->name) || f->type == PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *type = f->type == PROTOBUF_C_TYPE_BOOL     ? "boolean"
                           : f->type == PROTOBUF_C_TYPE_STRING ? "string"
                           : f->type == PROTOBUF_C_TYPE_ENUM   ? "string"
                           : f->type == PROTOBUF_C_TYPE_FLOAT || f->type == PROTOBUF_C_TYPE_DOUBLE
                               ? "number"
                           : f->type == PROTOBUF_C_TYPE_BYTES ? "string"
                                                              : "integer";
        buf_printf(out, "%s{\"name\":\"%s\",\"in\":\"query\",\"required\":false,\"schema\":",
                   *first ? "" : ",", f->name);
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            buf_printf(out, "{\"type\":\"array\",\"items\":{\"type\":\"%s\"}},\"explode\":true}",
                       type);
        else
            buf_printf(out, "{\"type\":\"%s\"}}", type);
        *first = false;
    }
}

static void operation(buf_t *out, const route_t *r, schemas_t *s)
{
    bool body = strcmp(r->method, "GET") != 0 && strcmp(r->method, "DELETE") != 0;
    char method[16];
    size_t k = 0;
    for (; r->method[k] && k < sizeof method - 1; k++)
        method[k] = (char)(r->method[k] | 0x20);
    method[k] = '\0';
    buf_printf(out, "\"%s\":{\"operationId\":\"%s.%s\",\"summary\":\"%s\",\"tags\":[\"%s\"],",
               method, r->service_name, r->rpc, r->summary, r->service_name);
    buf_puts(out, "\"parameters\":[");
    bool first = true;
    for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        buf_printf(out,
                   "%s{\"name\":\"%.*s\",\"in\":\"path\",\"required\":true,"
                   "\"schema\":{\"type\":\"string\"}}",
                   first ? "" : ",", (int)(e - p - 1), p + 1);
        first = false;
    }
    if (!body && r->kind == ROUTE_RPC)
        query_params(out, r, &first);
    buf_puts(out, "],");
    if (body) {
        buf_puts(out, "\"requestBody\":{\"required\":false,\"content\":{");
        if (r->kind == ROUTE_RPC) {
            buf_puts(out, "\"application/json\":{\"schema\":");
            ref(out, r->md->input, s);
            buf_puts(out, "}");
        } else {
            buf_puts(out, "\"*/*\":{\"schema\":{\"type\":\"string\",\"format\":\"binary\"}}");
        }
        buf_puts(out, "}},");
    }
    if (r->auth == ROUTE_SESSION)
        buf_puts(out, "\"security\":[{\"cookie\":[]},{\"bearer\":[]}],");
    else
        buf_puts(out, "\"security\":[],");
    buf_printf(out, "\"responses\":{\"%d\":{\"description\":\"%s\"", r->ok_status,
               r->ok_status == 204 ? "No content" : "Success");
    if (r->ok_status != 204 && r->kind == ROUTE_RPC) {
        buf_puts(out, ",\"content\":{\"application/json\":{\"schema\":");
        ref(out, r->md->output, s);
        buf_puts(out, "}}");
    }
    buf_puts(out, "},\"default\":{\"description\":\"Error\",\"content\":{\"application/json\":"
                  "{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}}}");
}

void openapi_build(buf_t *out)
{
    int n;
    const route_t *routes = routes_all(&n);
    schemas_t s = {.n = 0};
    bool *done = xcalloc((size_t)n + 1, sizeof *done);

    buf_puts(out, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"AI Agents Platform API\","
                  "\"version\":\"1.0.0\",\"description\":\"Generated from the edge route table "
                  "and the protobuf contracts. JSON field names are the proto field names.\"},"
                  "\"servers\":[{\"url\":\"/\"}],\"paths\":{");
    /* Group routes by pattern: one path item per pattern, one operation per method. */
    for (int i = 0, first = 1; i < n; i++) {
        if (done[i])
            continue;
        buf_printf(out, "%s\"%s\":{", first ? "" : ",", routes[i].pattern);
        first = 0;
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
    buf_puts(out, "},\"components\":{\"securitySchemes\":{"
                  "\"cookie\":{\"type\":\"apiKey\",\"in\":\"cookie\",\"name\":\"sid\"},"
                  "\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"}},\"schemas\":{"
                  "\"Error\":{\"type\":\"object\",\"properties\":{\"error\":{\"type\":\"object\","
                  "\"properties\":{\"code\":{\"type\":\"string\"},\"message\":{\"type\":"
                  "\"string\"},\"request_id\":{\"type\":\"string\"}}}}}");
    /* Emitting a schema can discover more types: loop until none is new. */
    for (int i = 0; i < s.n; i++) {
        buf_printf(out, ",\"%s\":", s.seen[i]->name);
        pbjson_schema(s.seen[i], out, remember, &s);
    }
    buf_puts(out, "}}}");
    free(done);
}

void openapi_respond(struct lws *wsi, pss_t *pss)
{
    /* Made on first use, kept for the life of the process: the document never changes. */
    static char etag[24]; /* W/"<16 hex digits of its SHA-256>" */
    static buf_t gz = BUF_INIT;
    char inm[512], enc[256];
    const char *ae = edge_request_header(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING, enc, sizeof enc);

    if (!etag[0]) {
        char hex[CRYPTO_SHA256_HEX_SIZE];
        crypto_sha256_hex(edge.openapi.data, edge.openapi.len, hex);
        snprintf(etag, sizeof etag, "W/\"%.16s\"", hex);
    }
    edge_respond_add_header(pss, "cache-control", "no-cache");
    edge_respond_add_header(pss, "etag", etag);
    if (assets_etag_match(edge_request_header(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH, inm, sizeof inm),
                          etag)) {
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
