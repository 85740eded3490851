/* assets.h - what answers a GET for the web console's files, decided without sending anything:
 * the file (or its precompressed .br / .gz sibling), Content-Type, Content-Encoding, Vary,
 * Cache-Control, ETag, Last-Modified, and 200, 304 or an error. Only stat(2) touches the disk;
 * static.c sends the answer. Unit-tested in tests/unit/services/edge/test_assets.c.
 *
 * The rules (docs/web.md, "How the edge serves it"):
 * - a path naming a regular file under the root is that file ("/" is /index.html);
 * - otherwise a navigation gets /index.html, so the app's own routes (/agents/123) load on
 *   refresh. A navigation: the last path segment has no '.', the path is not under /assets/, and
 *   the Accept header takes HTML (absent, text/html, text/ * or * / * with q > 0);
 * - anything else is 404, and so are /metrics, /healthz and /readyz (served on the health port,
 *   never by the console); a plain GET /ws (no WebSocket upgrade) is 400;
 * - file.br / file.gz, when present and not older than file, are sent to a client that prefers
 *   that coding (accept_encoding_pick), with Vary: Accept-Encoding whenever a sibling exists;
 * - /assets/ files (content-hashed names) are cached for a year, immutable; everything else is
 *   "no-cache": revalidated each time with If-None-Match (ETag, from size and mtime of the file
 *   sent, so each coding has its own) or If-Modified-Since, answered 304 when unchanged.
 */
#ifndef EDGE_ASSETS_H
#define EDGE_ASSETS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "shared/status.h"

typedef struct {
    const char *path;   /* as lws decoded it, e.g. "/assets/index-3f2a.js" */
    const char *accept; /* request headers; NULL when absent */
    const char *accept_encoding;
    const char *if_none_match;
    const char *if_modified_since;
} assets_req_t;

typedef struct {
    bool not_modified;            /* 304: send the headers only */
    char file[PATH_MAX];          /* the file to send, maybe a .br / .gz sibling */
    const char *content_type;     /* of the original file */
    const char *content_encoding; /* "br", "gzip" or NULL */
    bool vary;                    /* Vary: Accept-Encoding */
    const char *cache_control;
    char etag[64];          /* with its quotes */
    char last_modified[32]; /* IMF-fixdate */
    int64_t size;           /* of file */
} assets_answer_t;

#define ASSETS_MAX_HEADERS 5

/* Decides the answer for req against the directory root. ST_OK fills out (a file to send, or a
 * 304); ST_NOT_FOUND or ST_INVALID leave out alone and set *why to the message for the error. */
status_t assets_resolve(const char *root, const assets_req_t *req, assets_answer_t *out /* OUT */,
                        const char **why /* OUT */);

/* The answer's headers besides Content-Type and Content-Length, as name/value pairs borrowed
 * from a; returns how many (at most ASSETS_MAX_HEADERS). */
int assets_headers(const assets_answer_t *a, const char *pairs[ASSETS_MAX_HEADERS][2]);

/* Whether an If-None-Match value (a list of entity tags, or "*") matches etag, compared weakly. */
bool assets_etag_match(const char *if_none_match, const char *etag);

#endif
