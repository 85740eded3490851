/* static.c - sends the web console's files from EDGE_STATIC_DIR. What to send (file, coding,
 * caching headers, 304, fallback to index.html, 404) is decided by assets.c from the request's
 * headers; this file reads them from the parsed request and hands the file to edge_serve_file.
 * Paths are confined to the directory: the parser refuses dot segments, assets.c the rest. */
#include <stdio.h>
#include <string.h>

#include "edge.h"
#include "services/edge/assets.h"

int static_serve(struct lws *wsi, pss_t *pss)
{
    char extra[1024];
    const char *pairs[ASSETS_MAX_HEADERS][2], *why = NULL;
    assets_answer_t a;
    assets_req_t req = {
        .path = pss->path,
        .accept = h1_header(&pss->req, "accept"),
        .accept_encoding = h1_header(&pss->req, "accept-encoding"),
        .if_none_match = h1_header(&pss->req, "if-none-match"),
        .if_modified_since = h1_header(&pss->req, "if-modified-since"),
    };
    status_t st = assets_resolve(edge.cfg.static_dir, &req, &a, &why);

    if (st) {
        edge_respond_error(pss, st, why);
        return 0;
    }
    int n = assets_headers(&a, pairs);
    if (a.not_modified) {
        for (int i = 0; i < n; i++)
            if (strcmp(pairs[i][0], "content-encoding") != 0) /* a 304 has no content */
                edge_respond_add_header(pss, pairs[i][0], pairs[i][1]);
        edge_respond(pss, 304, NULL, NULL, 0);
        return 0;
    }
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof extra; i++)
        len += (size_t)snprintf(extra + len, sizeof extra - len, "%s: %s\r\n", pairs[i][0],
                                pairs[i][1]);
    if (len >= sizeof extra)
        len = sizeof extra - 1;
    return edge_serve_file(wsi, pss, a.file, a.content_type, extra, (int)len);
}
