/* routes.c - the route table assembled from every services/<name>/routes.def, and matching of
 * "METHOD /path" against patterns with {param} segments. Patterns are few (tens): a linear scan
 * over pre-split segments is faster than anything cleverer at this size. */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge_routes_protos.h"
#include "proto/common.pb-c.h"
#include "shared/bus.h"
#include "shared/log.h"
#include "shared/util.h"

#define ROUTE(m, p, desc, rpc, auth, ok, summary) {m, p, &desc, rpc, auth, ok, summary, ROUTE_RPC},
#define RAW_ROUTE(m, p, desc, rpc, auth, summary) {m, p, &desc, rpc, auth, 200, summary, ROUTE_RAW},
#define UPLOAD_ROUTE(m, p, desc, rpc, auth, ok, summary)                                           \
    {m, p, &desc, rpc, auth, ok, summary, ROUTE_UPLOAD},
#define DOWNLOAD_ROUTE(m, p, desc, rpc, auth, summary)                                             \
    {m, p, &desc, rpc, auth, 200, summary, ROUTE_DOWNLOAD},
static route_t table[] = {
#include "edge_routes_defs.h"
    {NULL, NULL, NULL, NULL, ROUTE_PUBLIC, 0, NULL, ROUTE_RPC},
};
#undef ROUTE
#undef RAW_ROUTE
#undef UPLOAD_ROUTE
#undef DOWNLOAD_ROUTE

static int n_routes;
static const char *services[32];

/* The method of r's service called rpc (snake_case); aborts when there is none. */
static const ProtobufCMethodDescriptor *find_rpc(const route_t *r, const char *rpc)
{
    char name[96];
    for (unsigned i = 0; i < r->service->n_methods; i++) {
        bus_method_name(r->service->methods[i].name, name, sizeof name);
        if (strcmp(name, rpc) == 0)
            return &r->service->methods[i];
    }
    LOG_ERROR("routes: %s %s names rpc %s, which %s does not have", r->method, r->pattern, rpc,
              r->service->name);
    abort();
}

void routes_init(void)
{
    for (n_routes = 0; table[n_routes].method; n_routes++) {
        route_t *r = &table[n_routes];
        r->service_name = r->service->package;
        r->md = find_rpc(r, r->rpc);
        snprintf(r->subject, sizeof r->subject, "svc.%s.%s", r->service_name, r->rpc);
        if (r->kind == ROUTE_UPLOAD) {
            char part[96];
            snprintf(part, sizeof part, "%s_part", r->rpc);
            if (find_rpc(r, part)->input != &common__upload_part__descriptor) {
                LOG_ERROR("routes: %s %s: rpc %s must take common.UploadPart", r->method,
                          r->pattern, part);
                abort();
            }
            snprintf(r->part_subject, sizeof r->part_subject, "svc.%s.%s", r->service_name, part);
        }
        if (r->kind == ROUTE_DOWNLOAD && r->md->output != &common__file_part__descriptor) {
            LOG_ERROR("routes: %s %s: rpc %s must answer common.FilePart", r->method, r->pattern,
                      r->rpc);
            abort();
        }
        int k = 0;
        while (services[k] && strcmp(services[k], r->service_name) != 0)
            k++;
        if (!services[k] && k < (int)ARRAY_LEN(services) - 1)
            services[k] = r->service_name;
    }
}

const route_t *routes_all(int *n)
{
    *n = n_routes;
    return table;
}

const char *const *routes_services(void)
{
    return services;
}

void route_params_cleanup(route_params_t *params)
{
    for (int i = 0; i < params->n; i++)
        free(params->values[i]);
    params->n = 0;
}

/* Matches path against pattern segment by segment; captures {name} segments into params. */
static bool match_path(const char *pattern, const char *path, route_params_t *params)
{
    const char *p = pattern, *s = path;
    params->n = 0;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            goto fail;
        p++;
        s++;
        const char *pe = strchrnul(p, '/'), *se = strchrnul(s, '/');
        if (*p == '{') {
            if (se == s || params->n == (int)ARRAY_LEN(params->names))
                goto fail;
            snprintf(params->names[params->n], sizeof params->names[0], "%.*s", (int)(pe - p - 2),
                     p + 1);
            params->values[params->n] = xstrndup(s, (size_t)(se - s));
            params->n++;
        } else if (pe - p != se - s || memcmp(p, s, (size_t)(pe - p)) != 0) {
            goto fail;
        }
        p = pe;
        s = se;
    }
    if (*p == '\0' && (*s == '\0' || (s[0] == '/' && s[1] == '\0')))
        return true;
fail:
    route_params_cleanup(params);
    return false;
}

route_result_t routes_match(const char *method, const char *path, const route_t **out,
                            route_params_t *params, char *allow, size_t allow_len)
{
    bool path_seen = false;
    buf_t allowed = BUF_INIT;
    route_params_t tmp = {0};

    for (int i = 0; i < n_routes; i++) {
        if (!match_path(table[i].pattern, path, &tmp))
            continue;
        if (strcmp(table[i].method, method) == 0) {
            *params = tmp;
            *out = &table[i];
            buf_cleanup(&allowed);
            return ROUTE_MATCH;
        }
        route_params_cleanup(&tmp);
        path_seen = true;
        if (!allowed.len || !strstr(allowed.data, table[i].method))
            buf_printf(&allowed, "%s%s", allowed.len ? ", " : "", table[i].method);
    }
    if (allow && allow_len)
        snprintf(allow, allow_len, "%s", allowed.len ? allowed.data : "");
    buf_cleanup(&allowed);
    return path_seen ? ROUTE_BAD_METHOD : ROUTE_NO_PATH;
}
