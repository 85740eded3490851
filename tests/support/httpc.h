/* httpc.h - a small HTTP client for integration tests against the edge, on libshared's http
 * (shared/http.h: libcurl) without its retries.
 *
 * One httpc_t is one browser-like user: it keeps cookies in memory across its requests (so a
 * session cookie set by login is sent afterwards) and a set of default headers (Origin, a
 * bearer token). Not thread-safe: one client per thread. No Criterion dependency.
 *
 *     httpc_t *c = httpc_new("http://127.0.0.1:18080");
 *     httpc_set_header(c, "Origin", "http://127.0.0.1:18080");
 *     httpc_resp_t r = HTTPC_RESP_INIT;
 *     httpc_req(c, "POST", "/api/login", "{\"email\":\"a@b.c\",\"password\":\"pw\"}", NULL, &r);
 *     assert(r.status == 200 && strcmp(httpc_resp_str(&r, "user.email"), "a@b.c") == 0);
 *     char *sid = httpc_cookie(c, "sid");       // e.g. for wsc_connect's "Cookie: sid=..."
 *     httpc_resp_cleanup(&r);
 *     httpc_free(c);
 */
#ifndef TESTS_SUPPORT_HTTPC_H
#define TESTS_SUPPORT_HTTPC_H

#include <jansson.h>

#include "shared/http.h"
#include "shared/status.h"
#include "shared/util.h"

typedef struct httpc httpc_t;

typedef struct {
    long status;
    http_header_t *headers; /* of the answer, in order received */
    size_t n_headers;
    buf_t body;
    json_t *json; /* parsed body, made by httpc_resp_json on first use */
} httpc_resp_t;

#define HTTPC_RESP_INIT                                                                            \
    {                                                                                              \
        0, NULL, 0, BUF_INIT, NULL                                                                 \
    }

/* base_url without a trailing slash, e.g. "http://127.0.0.1:18080". Never NULL. */
httpc_t *httpc_new(const char *base_url);
void httpc_free(httpc_t *c); /* NULL-safe */

/* Adds or replaces a header sent with every request; value NULL removes it. */
void httpc_set_header(httpc_t *c, const char *name, const char *value);
/* Sends "Authorization: Bearer <token>" with every request; NULL stops it. */
void httpc_set_bearer(httpc_t *c, const char *token);
/* Per-request timeout (default 10000 ms). */
void httpc_set_timeout(httpc_t *c, long timeout_ms);

/* method path?query, with json_body (sent with Content-Type: application/json) or NULL, and
 * extra_headers, a NULL-terminated list of "Name: value" lines or NULL. ST_OK when a response
 * arrived (any status); ST_TIMEOUT, ST_UNAVAILABLE or ST_INVALID when not. out must be
 * initialised; its old contents are released first. */
status_t httpc_req(httpc_t *c, const char *method, const char *path, const char *json_body,
                   const char *const *extra_headers, httpc_resp_t *out /* OUT */);

/* The same with any body: body[0..len) sent with Content-Type: content_type (NULL: none), e.g.
 * a multipart/form-data upload. */
status_t httpc_req_body(httpc_t *c, const char *method, const char *path, const char *content_type,
                        const void *body, size_t len, const char *const *extra_headers,
                        httpc_resp_t *out /* OUT */);
void httpc_resp_cleanup(httpc_resp_t *r); /* NULL-safe; leaves HTTPC_RESP_INIT */
/* First header called name (any case), or NULL. */
const char *httpc_resp_header(const httpc_resp_t *r, const char *name);
/* The body parsed as JSON (borrowed, lives as long as r), or NULL if it is not JSON. */
json_t *httpc_resp_json(httpc_resp_t *r);
/* The string at a dotted path in the body, e.g. "error.code" or "items.0.id", or NULL when
 * absent or not a string. Borrowed from r. */
const char *httpc_resp_str(httpc_resp_t *r, const char *path);
/* The value at a dotted path under root (borrowed), or NULL. Numbers in a segment index
 * arrays. */
json_t *httpc_json_path(json_t *root, const char *path);

/* Value of the cookie called name in c's jar, heap-allocated (free it), or NULL. */
char *httpc_cookie(httpc_t *c, const char *name);

#endif
