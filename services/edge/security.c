/* security.c - request-level checks that need no bus: same-origin policy for state-changing
 * cookie requests (CSRF) and WebSocket upgrades, and the client's address. */
#include <stdio.h>
#include <string.h>

#include "edge.h"

/* True when the request has no Origin (not a browser cross-site request), or its Origin is the
 * request's own scheme://host, the configured PUBLIC_URL, or listed in EDGE_ALLOWED_ORIGINS. */
bool edge_origin_allowed(struct lws *wsi)
{
    char origin[256], host[256];
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0)
        return true;
    if (strcmp(origin, "null") == 0)
        return false;
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) > 0) {
        const char *o = strstr(origin, "://");
        if (o && strcmp(o + 3, host) == 0)
            return true;
    }
    if (edge.cfg.public_url && strncmp(edge.cfg.public_url, origin, strlen(origin)) == 0 &&
        (edge.cfg.public_url[strlen(origin)] == '\0' || edge.cfg.public_url[strlen(origin)] == '/'))
        return true;
    const char *list = edge.cfg.allowed_origins;
    size_t olen = strlen(origin);
    while (list && *list) {
        size_t n = strcspn(list, ",");
        if (n == olen && strncmp(list, origin, n) == 0)
            return true;
        list += n;
        while (*list == ',' || *list == ' ')
            list++;
    }
    return false;
}

void edge_client_ip(struct lws *wsi, char *out, size_t outlen)
{
    char xff[256];
    if (edge.cfg.trust_proxy && lws_hdr_copy(wsi, xff, sizeof xff, WSI_TOKEN_X_FORWARDED_FOR) > 0) {
        /* The left-most address is the client as seen by the first proxy. */
        size_t n = strcspn(xff, ", ");
        snprintf(out, outlen, "%.*s", (int)n, xff);
        return;
    }
    lws_get_peer_simple(wsi, out, outlen);
}
