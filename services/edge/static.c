/* static.c - sends the web console's files from EDGE_STATIC_DIR. What to send (file, coding,
 * caching headers, 304, fallback to index.html, 404) is decided by assets.c from the request's
 * headers; this file only reads them from lws and hands the file to lws_serve_http_file. */
#include <stdio.h>
#include <string.h>

#include "edge.h"
#include "services/edge/assets.h"

int static_serve(struct lws *wsi, pss_t *pss)
{
    char accept[512], enc[256], inm[512], ims[64], extra[1024];
    const char *pairs[ASSETS_MAX_HEADERS][2], *why = NULL;
    assets_answer_t a;
    assets_req_t req = {
        .path = pss->path,
        .accept = edge_request_header(wsi, WSI_TOKEN_HTTP_ACCEPT, accept, sizeof accept),
        .accept_encoding =
            edge_request_header(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING, enc, sizeof enc),
        .if_none_match = edge_request_header(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH, inm, sizeof inm),
        .if_modified_since =
            edge_request_header(wsi, WSI_TOKEN_HTTP_IF_MODIFIED_SINCE, ims, sizeof ims),
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
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(extra + len, sizeof extra - len, "%s: %s\r\n", pairs[i][0],
                                pairs[i][1]);
    if (pss->method == LWSHUMETH_HEAD)
        edge_pss_reset(pss); /* lws sends the headers and completes (frees pss) right away */
    else
        pss->serving_file = true;
    int rc = lws_serve_http_file(wsi, a.file, a.content_type, extra, (int)len);
    if (rc < 0)
        return -1;
    if (rc > 0) /* lws answered (e.g. an error) and wants the transaction completed */
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    return 0;
}
