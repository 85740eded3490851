/* apifacts.c - the facts of every services/<name>/openapi.def, checked against the descriptors
 * and the route table at start-up, and the rules that derive the rest (see apifacts.h). Asked
 * only while the OpenAPI document is built: linear scans over a few hundred entries. */
#include "apifacts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_routes_protos.h"
#include "shared/log.h"
#include "shared/pbjson.h"
#include "shared/status.h"
#include "shared/util.h"

typedef struct {
    const ProtobufCMessageDescriptor *d;
    unsigned facts;     /* PBJSON_FACT_* */
    const char *fields; /* space separated */
    const char *line;   /* for error messages */
} field_line_t;

typedef struct {
    const ProtobufCServiceDescriptor *service;
    const char *rpc;
    int statuses[APIFACTS_MAX_ERRORS];
} errors_line_t;

#define REQUIRED(d, f) {&d, PBJSON_FACT_REQUIRED, f, "REQUIRED(" #d ")"},
#define ID(d, f)       {&d, PBJSON_FACT_UUID | PBJSON_FACT_READ_ONLY, f, "ID(" #d ")"},
#define UUID(d, f)     {&d, PBJSON_FACT_UUID, f, "UUID(" #d ")"},
#define ERRORS(...)
static const field_line_t field_lines[] = {
#include "edge_openapi_defs.h"
};
#undef REQUIRED
#undef ID
#undef UUID
#undef ERRORS

#define REQUIRED(d, f)
#define ID(d, f)
#define UUID(d, f)
#define ERRORS(svc, rpc, ...) {&svc, rpc, {__VA_ARGS__}},
static const errors_line_t errors_lines[] = {
#include "edge_openapi_defs.h"
};
#undef REQUIRED
#undef ID
#undef UUID
#undef ERRORS

/* Messages reachable from the routes' inputs (requests) and outputs (answers). */
#define MAX_MESSAGES 256
typedef struct {
    const ProtobufCMessageDescriptor *v[MAX_MESSAGES];
    int n;
} msgset_t;

static msgset_t requests, answers;
static bool ready;

static bool msgset_has(const msgset_t *s, const ProtobufCMessageDescriptor *d)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i] == d)
            return true;
    return false;
}

static void msgset_walk(msgset_t *s, const ProtobufCMessageDescriptor *d)
{
    if (msgset_has(s, d))
        return;
    if (s->n == MAX_MESSAGES) {
        LOG_ERROR("apifacts: more than %d message types: raise MAX_MESSAGES", MAX_MESSAGES);
        abort();
    }
    s->v[s->n++] = d;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
            msgset_walk(s, d->fields[i].descriptor);
}

/* True if the space-separated list has the word name. */
static bool list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        p += strspn(p, " ");
        size_t k = strcspn(p, " ");
        if (k == n && memcmp(p, name, n) == 0)
            return true;
        p += k;
    }
    return false;
}

static bool known_error(int status)
{
    status_t st = status_from_http(status);
    return status >= 400 && st != ST_INTERNAL && status_http(st) == status;
}

static bool check_field_line(const field_line_t *l)
{
    char name[64];
    for (const char *p = l->fields; *p;) {
        p += strspn(p, " ");
        size_t k = strcspn(p, " ");
        if (k == 0)
            break;
        snprintf(name, sizeof name, "%.*s", (int)k, p);
        p += k;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(l->d, name);
        if (!f) {
            LOG_ERROR("openapi.def: %s names field %s, which %s does not have", l->line, name,
                      l->d->name);
            return false;
        }
        if ((l->facts & PBJSON_FACT_UUID) && f->type != PROTOBUF_C_TYPE_STRING) {
            LOG_ERROR("openapi.def: %s: %s.%s is not a string", l->line, l->d->name, name);
            return false;
        }
    }
    return true;
}

static bool check_errors_line(const errors_line_t *l)
{
    int n;
    const route_t *r = routes_all(&n);
    bool routed = false;
    for (int i = 0; i < n; i++)
        routed |= r[i].service == l->service && strcmp(r[i].rpc, l->rpc) == 0;
    if (!routed) {
        LOG_ERROR("openapi.def: ERRORS names %s.%s, which no route reaches", l->service->name,
                  l->rpc);
        return false;
    }
    for (int i = 0; i < APIFACTS_MAX_ERRORS && l->statuses[i]; i++) {
        if (!known_error(l->statuses[i])) {
            LOG_ERROR("openapi.def: ERRORS of %s.%s: %d is no error status of the platform",
                      l->service->name, l->rpc, l->statuses[i]);
            return false;
        }
    }
    return true;
}

void apifacts_init(void)
{
    int n;
    const route_t *r = routes_all(&n);
    bool ok = true;

    if (ready)
        return;
    for (size_t i = 0; i < ARRAY_LEN(field_lines); i++)
        ok &= check_field_line(&field_lines[i]);
    for (size_t i = 0; i < ARRAY_LEN(errors_lines); i++)
        ok &= check_errors_line(&errors_lines[i]);
    if (!ok)
        abort();
    for (int i = 0; i < n; i++) {
        if (r[i].kind == ROUTE_RAW)
            continue;
        msgset_walk(&requests, r[i].md->input);
        if (r[i].kind != ROUTE_DOWNLOAD) /* a download answers bytes, not its message */
            msgset_walk(&answers, r[i].md->output);
    }
    ready = true;
}

bool apifacts_answer_only(const ProtobufCMessageDescriptor *d)
{
    return msgset_has(&answers, d) && !msgset_has(&requests, d);
}

static bool is_timestamp(const ProtobufCFieldDescriptor *f)
{
    size_t n = strlen(f->name);
    return f->type == PROTOBUF_C_TYPE_STRING &&
           (strcmp(f->name, "at") == 0 || (n > 3 && strcmp(f->name + n - 3, "_at") == 0));
}

unsigned apifacts_field(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
    unsigned facts = 0;
    for (size_t i = 0; i < ARRAY_LEN(field_lines); i++)
        if (field_lines[i].d == d && list_has(field_lines[i].fields, f->name))
            facts |= field_lines[i].facts;
    if (is_timestamp(f))
        facts |= PBJSON_FACT_DATE_TIME | PBJSON_FACT_READ_ONLY;
    if (f->label == PROTOBUF_C_LABEL_REPEATED && apifacts_answer_only(d))
        facts |= PBJSON_FACT_REQUIRED;
    return facts;
}

bool apifacts_has_body(const route_t *r)
{
    return strcmp(r->method, "GET") != 0 && strcmp(r->method, "DELETE") != 0;
}

static void add(int *out, int *n, int status)
{
    for (int i = 0; i < *n; i++)
        if (out[i] == status)
            return;
    if (*n < APIFACTS_MAX_ERRORS)
        out[(*n)++] = status;
}

static int by_value(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

int apifacts_errors(const route_t *r, int out[APIFACTS_MAX_ERRORS])
{
    int n = 0;
    add(out, &n, 400);
    if (r->auth == ROUTE_SESSION)
        add(out, &n, 401);
    if (strcmp(r->method, "GET") != 0)
        add(out, &n, 403); /* dispatch.c refuses cross-site requests that change state */
    if (strchr(r->pattern, '{'))
        add(out, &n, 404);
    if (apifacts_has_body(r))
        add(out, &n, 413);
    if (r->kind == ROUTE_UPLOAD)
        add(out, &n, 415); /* the body is no multipart/form-data */
    add(out, &n, 503);
    add(out, &n, 504);
    for (size_t i = 0; i < ARRAY_LEN(errors_lines); i++) {
        const errors_line_t *l = &errors_lines[i];
        if (l->service != r->service || strcmp(l->rpc, r->rpc) != 0)
            continue;
        for (int k = 0; k < APIFACTS_MAX_ERRORS && l->statuses[k]; k++)
            add(out, &n, l->statuses[k]);
    }
    qsort(out, (size_t)n, sizeof *out, by_value);
    return n;
}
