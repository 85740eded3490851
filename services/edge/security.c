/* security.c - request-level checks that need no bus: the same-origin policy for cookie
 * requests (CSRF) and WebSocket upgrades, CORS for other sites' apps that call the API with a
 * key, the headers every answer carries, and the client's address behind trusted proxies.
 *
 * Origins are compared in one normal form, "scheme://host[:port]" in lower case without the
 * default port, so scheme, host and port all have to match. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "edge.h"
#include "services/edge/fields.h"
#include "shared/log.h"

#define ORIGIN_LEN  128
#define MAX_ORIGINS 32

typedef struct {
    char list[MAX_ORIGINS][ORIGIN_LEN];
    int n;
} origins_t;

static char public_origin[ORIGIN_LEN]; /* PUBLIC_URL's, "" when unset */
static origins_t allowed;              /* EDGE_ALLOWED_ORIGINS: same site (cookies work) */
static origins_t cors;                 /* EDGE_CORS_ORIGINS: API keys only */
static buf_t fixed_headers;            /* the same on every answer */

static void origins_load(origins_t *o, const char *list, const char *what)
{
    o->n = 0;
    for (const char *p = list; p && *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (n && o->n < MAX_ORIGINS) {
            if (fields_origin_norm(p, n, false, o->list[o->n], ORIGIN_LEN))
                o->n++;
            else
                LOG_WARN("edge: %s: %.*s is no origin (scheme://host[:port]), ignored", what,
                         (int)n, p);
        }
        p += n;
    }
}

static bool origins_has(const origins_t *o, const char *norm)
{
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->list[i], norm) == 0)
            return true;
    return false;
}

void edge_security_init(void)
{
    const char *pub = edge.cfg.public_url;
    public_origin[0] = '\0';
    if (pub && *pub &&
        !fields_origin_norm(pub, strlen(pub), true, public_origin, sizeof public_origin))
        public_origin[0] = '\0';
    origins_load(&allowed, edge.cfg.allowed_origins, "EDGE_ALLOWED_ORIGINS");
    origins_load(&cors, edge.cfg.cors_origins, "EDGE_CORS_ORIGINS");
    buf_cleanup(&fixed_headers);
    buf_puts(&fixed_headers,
             "content-security-policy: default-src 'none'; img-src 'self' data: ; script-src "
             "'self'; font-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
             "frame-ancestors 'none'; base-uri 'none'; form-action 'self'\r\n"
             "x-content-type-options: nosniff\r\n"
             "x-frame-options: deny\r\n"
             "referrer-policy: no-referrer\r\n"
             "permissions-policy: camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
             "interest-cohort=()\r\n");
    if (str_has_prefix(public_origin, "https://"))
        buf_puts(&fixed_headers, "strict-transport-security: max-age=31536000\r\n");
}

/* The Origin header in normal form; false when absent. "null" and garbage give "!". */
static bool request_origin(const pss_t *pss, char *out, size_t outlen)
{
    const char *o = edge_header(pss, "origin");
    if (!o)
        return false;
    if (!fields_origin_norm(o, strlen(o), false, out, outlen))
        snprintf(out, outlen, "!");
    return true;
}

/* The request's own origin: its Host, with the scheme a trusted proxy reports (else http). */
static bool own_origin(const pss_t *pss, char *out, size_t outlen)
{
    const char *host = edge_header(pss, "host");
    const char *proto = edge.cfg.trusted_hops ? edge_header(pss, "x-forwarded-proto") : NULL;
    char url[256];
    if (!host)
        return false;
    if (!proto || (strcasecmp(proto, "https") != 0 && strcasecmp(proto, "http") != 0))
        proto = "http";
    snprintf(url, sizeof url, "%s://%s", proto, host);
    return fields_origin_norm(url, strlen(url), false, out, outlen);
}

bool edge_origin_allowed(const pss_t *pss)
{
    char origin[ORIGIN_LEN], own[ORIGIN_LEN];
    if (!request_origin(pss, origin, sizeof origin))
        return true;
    if (origin[0] == '!')
        return false;
    if (own_origin(pss, own, sizeof own) && strcmp(origin, own) == 0)
        return true;
    if (public_origin[0] && strcmp(origin, public_origin) == 0)
        return true;
    return origins_has(&allowed, origin);
}

void edge_cors_origin(const pss_t *pss, char *out, size_t outlen)
{
    char origin[ORIGIN_LEN];
    out[0] = '\0';
    if (cors.n && request_origin(pss, origin, sizeof origin) && origins_has(&cors, origin))
        snprintf(out, outlen, "%s", origin);
}

bool edge_cors_preflight(pss_t *pss)
{
    const char *method = edge_header(pss, "access-control-request-method");
    if (!method || !edge_header(pss, "origin"))
        return false;
    if (!pss->cors_origin[0]) {
        edge_respond_error(pss, ST_FORBIDDEN, "this origin may not call the API");
        return true;
    }
    edge_respond_add_header(pss, "access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE");
    edge_respond_add_header(pss, "access-control-allow-headers",
                            "authorization, content-type, x-request-id, cache-control");
    edge_respond_add_header(pss, "access-control-max-age", "600");
    edge_respond(pss, 204, NULL, NULL, 0);
    return true;
}

void edge_security_headers(const pss_t *pss, buf_t *out)
{
    buf_append(out, fixed_headers.data, fixed_headers.len);
    if (pss->cors_origin[0]) {
        /* No Access-Control-Allow-Credentials: cookies are never credentials cross-origin. */
        buf_printf(out,
                   "access-control-allow-origin: %s\r\nvary: origin\r\n"
                   "access-control-expose-headers: x-request-id, retry-after\r\n",
                   pss->cors_origin);
    } else if (cors.n) {
        buf_puts(out, "vary: origin\r\n");
    }
}

void edge_client_ip(struct lws *wsi, const pss_t *pss, char *out, size_t outlen)
{
    fields_xff_t xff = {.n = 0};
    const char *v;
    int it = 0;

    lws_get_peer_simple(wsi, out, outlen);
    if (str_has_prefix(out, "::ffff:") && strchr(out, '.')) /* IPv4 on the dual-stack socket */
        memmove(out, out + 7, strlen(out + 7) + 1);
    if (!edge.cfg.trusted_hops)
        return;
    /* Every X-Forwarded-For entry in order: each proxy appends the address it saw, so only
     * the right-most `hops` entries were written by proxies we trust; the one just left of
     * them is the client. Entries further left are whatever the client sent. */
    while ((v = h1_header_next(&pss->req, "x-forwarded-for", &it)))
        fields_xff_add(&xff, v);
    (void)fields_xff_client(&xff, edge.cfg.trusted_hops, out, outlen); /* else: the peer */
}
