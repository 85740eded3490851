/* http.h - outbound HTTP(S) for services (LLM APIs, CRM, payments), on libcurl.
 *
 * A client keeps a small pool of curl handles; each handle keeps its open connections, so
 * successive calls to the same host reuse them. A client may be shared by any number of
 * threads: a call takes an idle handle from the pool (or makes one) and gives it back after.
 * Free a client only when no call on it is running.
 *
 *     http_client_t *http = http_client_new(NULL);
 *     http_resp_t resp = HTTP_RESP_INIT;
 *     http_req_t req = {.method = "POST", .url = url, .body = json, .body_len = strlen(json),
 *                       .headers = (const char *[]){"Content-Type: application/json",
 *                                                   auth_header, NULL},
 *                       .timeout_ms = 60000};
 *     if ((st = http_request(http, &req, &resp))) goto done;  // transport failure
 *     if (resp.status != 200) { st = status_from_http(resp.status); goto done; }
 *     use(resp.body.data, resp.body.len, http_resp_header(&resp, "x-request-id"));
 * done:
 *     http_resp_cleanup(&resp);
 *
 * Retries: a call makes up to max_attempts attempts. It tries again after a connection failure
 * (a refused or unresolved connect, for any method, since nothing was sent), and after a reset
 * connection, 429, 500, 502, 503 or 504 only for idempotent methods (GET, HEAD, PUT, DELETE,
 * OPTIONS) or when req->retry_unsafe is set. It waits base * 2^(attempt-1) ms, capped, half of
 * it random (jitter); a Retry-After header in seconds replaces that wait. timeout_ms bounds the
 * whole call, waits included: a wait that would end past the deadline is not made, and the
 * last response (the 429 or 5xx) is returned instead.
 *
 * Headers are never logged: they carry API keys. Neither are bodies or query strings.
 */
#ifndef SHARED_HTTP_H
#define SHARED_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/status.h"
#include "shared/util.h"

typedef struct http_client http_client_t;

/* Client-wide defaults; zero (or NULL) fields take the default in brackets. */
typedef struct {
    const char *user_agent;    /* ["agentplatform/1"] */
    int timeout_ms;            /* whole-call deadline, retries included [30000] */
    int connect_timeout_ms;    /* per attempt [5000] */
    size_t max_response_bytes; /* larger bodies fail with ST_TOO_LARGE [8 MiB] */
    int max_attempts;          /* 1 = no retry [3] */
    int backoff_base_ms;       /* first retry waits about this long [200] */
    int backoff_max_ms;        /* cap of one wait [5000] */
    int pool_size;             /* idle handles (and their connections) kept [4] */
    const char *ca_file;       /* CA bundle instead of the system store [NULL] */
} http_client_opts_t;

typedef struct {
    const char *method;         /* "GET", "POST", ...; NULL: POST with a body, else GET */
    const char *url;            /* http:// or https:// */
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const void *body;           /* sent as is; NULL with body_len 0 for none */
    size_t body_len;
    int timeout_ms;            /* 0: the client's */
    int connect_timeout_ms;    /* 0: the client's */
    size_t max_response_bytes; /* 0: the client's */
    int max_attempts;          /* 0: the client's */
    bool retry_unsafe;         /* retry POST/PATCH too (the API is idempotent, e.g. with an
                                  Idempotency-Key header) */
} http_req_t;

typedef struct {
    char *name;
    char *value;
} http_header_t;

typedef struct {
    long status;            /* HTTP status code of the final response */
    http_header_t *headers; /* of the final response, in order received */
    size_t n_headers;
    buf_t body;   /* NUL-terminated when non-empty */
    int attempts; /* attempts made, 1 when no retry was needed */
} http_resp_t;

#define HTTP_RESP_INIT                                                                             \
    {                                                                                              \
        0, NULL, 0, BUF_INIT, 0                                                                    \
    }

/* opts may be NULL for all defaults; strings in opts are copied. Never NULL. */
http_client_t *http_client_new(const http_client_opts_t *opts);
/* NULL-safe. No call on the client may be running. */
void http_client_free(http_client_t *c);

/* Performs req. ST_OK when a response arrived, whatever its status code (check resp->status);
 * otherwise ST_INVALID (bad URL or request), ST_TIMEOUT (deadline passed), ST_UNAVAILABLE
 * (connect failed, connection reset, TLS failure), ST_TOO_LARGE (body over the limit) or
 * ST_INTERNAL. resp must be initialised (HTTP_RESP_INIT or an earlier response); on success its
 * old contents are released and replaced, on failure it is left as it was. */
status_t http_request(http_client_t *c, const http_req_t *req, http_resp_t *resp /* OUT */);

/* Called for each server-sent event as it arrives: event is its "event:" name ("message" when
 * none), data the "data:" lines joined by '\n', NUL-terminated; both are valid during the call
 * only. Return ST_OK to go on; any other status stops the stream and http_stream returns it. */
typedef status_t (*http_sse_cb)(void *ud, const char *event, const char *data, size_t len);

/* Performs req and, when the answer is a 2xx text/event-stream, feeds its events to cb as they
 * arrive; an event not finished by a blank line when the stream ends is dropped. Any other
 * answer (an error JSON, say) is collected into resp->body as http_request would. Retries as
 * http_request does, but only until the first event has been delivered. max_response_bytes
 * bounds one event, not the stream; timeout_ms bounds the whole stream. Returns and fills resp
 * as http_request does, or the status cb stopped with. */
status_t http_stream(http_client_t *c, const http_req_t *req, http_sse_cb cb, void *ud,
                     http_resp_t *resp /* OUT */);

void http_resp_init(http_resp_t *r);
/* NULL-safe; leaves r as HTTP_RESP_INIT. */
void http_resp_cleanup(http_resp_t *r);
/* Value of the first header called name (any case), or NULL. Valid until resp is cleaned up. */
const char *http_resp_header(const http_resp_t *r, const char *name);

#endif
