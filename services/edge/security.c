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
#include "shared/log.h"

#define ORIGIN_LEN  128
#define MAX_ORIGINS 32
#define MAX_XFF     64

typedef struct {
    char list[MAX_ORIGINS][ORIGIN_LEN];
    int n;
} origins_t;

static char public_origin[ORIGIN_LEN]; /* PUBLIC_URL's, "" when unset */
static origins_t allowed;              /* EDGE_ALLOWED_ORIGINS: same site (cookies work) */
static origins_t cors;                 /* EDGE_CORS_ORIGINS: API keys only */
static buf_t fixed_headers;            /* the same on every answer */

/* "scheme://host[:port]" (for a URL, its path is ignored when path_ok) into its normal form.
 * False when it is not an http(s) origin. */
static bool origin_norm(const char *in, size_t n, bool path_ok, char *out, size_t outlen)
{
    const char *scheme;
    int def_port;
    if (n > 7 && strncasecmp(in, "http://", 7) == 0)
        scheme = "http", def_port = 80, in += 7, n -= 7;
    else if (n > 8 && strncasecmp(in, "https://", 8) == 0)
        scheme = "https", def_port = 443, in += 8, n -= 8;
    else
        return false;
    size_t hlen = 0;
    if (in[0] == '[') { /* IPv6 literal */
        const char *close = memchr(in, ']', n);
        if (!close)
            return false;
        hlen = (size_t)(close - in) + 1;
    } else {
        while (hlen < n && in[hlen] != ':' && in[hlen] != '/')
            hlen++;
    }
    if (hlen == 0 || hlen >= 100)
        return false;
    size_t i = hlen;
    long port = def_port;
    if (i < n && in[i] == ':') {
        size_t d = ++i;
        port = 0;
        while (i < n && in[i] >= '0' && in[i] <= '9' && port <= 65535)
            port = port * 10 + (in[i++] - '0');
        if (i == d || port < 1 || port > 65535)
            return false;
    }
    if (i < n && !(path_ok && in[i] == '/'))
        return false;
    int len = port == def_port
                  ? snprintf(out, outlen, "%s://%.*s", scheme, (int)hlen, in)
                  : snprintf(out, outlen, "%s://%.*s:%ld", scheme, (int)hlen, in, port);
    if (len < 0 || (size_t)len >= outlen)
        return false;
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    for (const char *p = out + strlen(scheme) + 3; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-_:[]", *p))
            return false;
    return true;
}

static void origins_load(origins_t *o, const char *list, const char *what)
{
    o->n = 0;
    for (const char *p = list; p && *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (n && o->n < MAX_ORIGINS) {
            if (origin_norm(p, n, false, o->list[o->n], ORIGIN_LEN))
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
    if (pub && *pub && !origin_norm(pub, strlen(pub), true, public_origin, sizeof public_origin))
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
    if (!origin_norm(o, strlen(o), false, out, outlen))
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
    return origin_norm(url, strlen(url), false, out, outlen);
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
    const char *entries[MAX_XFF], *v;
    size_t lens[MAX_XFF];
    int n = 0, it = 0;

    lws_get_peer_simple(wsi, out, outlen);
    if (str_has_prefix(out, "::ffff:") && strchr(out, '.')) /* IPv4 on the dual-stack socket */
        memmove(out, out + 7, strlen(out + 7) + 1);
    if (!edge.cfg.trusted_hops)
        return;
    /* Every X-Forwarded-For entry in order: each proxy appends the address it saw, so only
     * the right-most `hops` entries were written by proxies we trust; the one just left of
     * them is the client. Entries further left are whatever the client sent. */
    while ((v = h1_header_next(&pss->req, "x-forwarded-for", &it))) {
        for (const char *p = v; *p;) {
            while (*p == ',' || *p == ' ' || *p == '\t')
                p++;
            size_t len = strcspn(p, ", \t");
            if (len) {
                if (n == MAX_XFF) { /* keep the right-most ones */
                    memmove(entries, entries + 1, sizeof entries[0] * (MAX_XFF - 1));
                    memmove(lens, lens + 1, sizeof lens[0] * (MAX_XFF - 1));
                    n--;
                }
                entries[n] = p;
                lens[n++] = len;
            }
            p += len;
        }
    }
    if (!n)
        return;
    int i = n - edge.cfg.trusted_hops;
    if (i < 0)
        i = 0;
    if (lens[i] < outlen && strspn(entries[i], "0123456789abcdefABCDEF:.[]") >= lens[i])
        snprintf(out, outlen, "%.*s", (int)lens[i], entries[i]);
}
