/* http.c - outbound HTTP on libcurl: a pool of easy handles per client (each keeps its live
 * connections), a retry loop with backoff bounded by one deadline, and a server-sent events
 * parser fed straight from curl's write callback (see http.h for the contract).
 */
#include "shared/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "shared/log.h"

#define DEFAULT_USER_AGENT  "agentplatform/1"
#define DEFAULT_TIMEOUT_MS  30000
#define DEFAULT_CONNECT_MS  5000
#define DEFAULT_MAX_BYTES   ((size_t)8 << 20)
#define DEFAULT_ATTEMPTS    3
#define DEFAULT_BACKOFF_MS  200
#define DEFAULT_BACKOFF_MAX 5000
#define DEFAULT_POOL        4
#define RETRY_AFTER_MAX_S   86400
/* A timeout this close to the deadline is the deadline; earlier, it was the connect timeout. */
#define DEADLINE_SLACK_US 5000

struct http_client {
    http_client_opts_t o; /* defaults applied; the strings below are owned */
    char *user_agent;
    char *ca_file;
    pthread_mutex_t mu; /* guards idle and n_idle */
    CURL **idle;
    int n_idle;
};

/* Server-sent events parser state (WHATWG HTML, "event stream interpretation"). */
typedef struct {
    buf_t line;  /* the line being read */
    buf_t data;  /* data lines of the event being read, each followed by '\n' */
    buf_t event; /* its event name */
    bool cr;     /* the last byte was '\r': a '\n' right after it ends no new line */
    size_t max;  /* bound on line and data */
} sse_t;

enum { MODE_UNDECIDED, MODE_BODY, MODE_SSE };

/* One call of http_request or http_stream. */
typedef struct {
    CURL *h;
    size_t max_body;
    http_resp_t r;  /* the response being built */
    bool too_large; /* the write callback refused the body */
    /* http_stream only */
    bool streaming;
    http_sse_cb cb;
    void *ud;
    int mode;
    sse_t sse;
    status_t stop; /* why the write callback stopped the transfer (ST_OK: it did not) */
    bool delivered;
} call_t;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT); /* a failure shows as curl_easy_init failing */
}

/* ---- responses ---------------------------------------------------------------------------- */

void http_resp_init(http_resp_t *r)
{
    *r = (http_resp_t)HTTP_RESP_INIT;
}

static void headers_clear(http_resp_t *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->n_headers = 0;
}

void http_resp_cleanup(http_resp_t *r)
{
    if (!r)
        return;
    headers_clear(r);
    buf_cleanup(&r->body);
    http_resp_init(r);
}

const char *http_resp_header(const http_resp_t *r, const char *name)
{
    for (size_t i = 0; r && name && i < r->n_headers; i++)
        if (str_ieq(r->headers[i].name, name))
            return r->headers[i].value;
    return NULL;
}

/* ---- client and handle pool --------------------------------------------------------------- */

http_client_t *http_client_new(const http_client_opts_t *opts)
{
    http_client_t *c = xcalloc(1, sizeof *c);

    pthread_once(&global_once, global_init);
    if (opts)
        c->o = *opts;
    c->user_agent = xstrdup(c->o.user_agent ? c->o.user_agent : DEFAULT_USER_AGENT);
    c->ca_file = c->o.ca_file ? xstrdup(c->o.ca_file) : NULL;
    c->o.user_agent = c->user_agent;
    c->o.ca_file = c->ca_file;
    if (c->o.timeout_ms <= 0)
        c->o.timeout_ms = DEFAULT_TIMEOUT_MS;
    if (c->o.connect_timeout_ms <= 0)
        c->o.connect_timeout_ms = DEFAULT_CONNECT_MS;
    if (c->o.max_response_bytes == 0)
        c->o.max_response_bytes = DEFAULT_MAX_BYTES;
    if (c->o.max_attempts <= 0)
        c->o.max_attempts = DEFAULT_ATTEMPTS;
    if (c->o.backoff_base_ms <= 0)
        c->o.backoff_base_ms = DEFAULT_BACKOFF_MS;
    if (c->o.backoff_max_ms <= 0)
        c->o.backoff_max_ms = DEFAULT_BACKOFF_MAX;
    if (c->o.pool_size <= 0)
        c->o.pool_size = DEFAULT_POOL;
    c->idle = xcalloc((size_t)c->o.pool_size, sizeof *c->idle);
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void http_client_free(http_client_t *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_idle; i++)
        curl_easy_cleanup(c->idle[i]);
    pthread_mutex_destroy(&c->mu);
    free(c->idle);
    free(c->user_agent);
    free(c->ca_file);
    free(c);
}

static CURL *handle_take(http_client_t *c)
{
    CURL *h = NULL;

    pthread_mutex_lock(&c->mu);
    if (c->n_idle > 0)
        h = c->idle[--c->n_idle];
    pthread_mutex_unlock(&c->mu);
    return h ? h : curl_easy_init();
}

/* curl_easy_reset forgets the options but keeps the live connections, which is the point. */
static void handle_give(http_client_t *c, CURL *h)
{
    if (!h)
        return;
    curl_easy_reset(h);
    pthread_mutex_lock(&c->mu);
    if (c->n_idle < c->o.pool_size) {
        c->idle[c->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (h)
        curl_easy_cleanup(h);
}

/* ---- server-sent events ------------------------------------------------------------------- */

static void sse_init(sse_t *s, size_t max)
{
    buf_init(&s->line);
    buf_init(&s->data);
    buf_init(&s->event);
    s->cr = false;
    s->max = max;
}

static void sse_cleanup(sse_t *s)
{
    buf_cleanup(&s->line);
    buf_cleanup(&s->data);
    buf_cleanup(&s->event);
}

/* Handles one complete line (without its terminator). */
static status_t sse_line(call_t *k)
{
    sse_t *s = &k->sse;
    const char *line = s->line.data ? s->line.data : "";
    size_t n = s->line.len, flen;
    const char *colon, *value;
    status_t st = ST_OK;

    if (n == 0) { /* blank line: dispatch */
        if (s->data.len > 0) {
            s->data.data[--s->data.len] = '\0'; /* the '\n' after the last data line */
            k->delivered = true;
            st = k->cb(k->ud, s->event.len ? s->event.data : "message", s->data.data, s->data.len);
        }
        buf_reset(&s->data);
        buf_reset(&s->event);
        goto done;
    }
    if (line[0] == ':') /* comment, e.g. a keep-alive */
        goto done;
    colon = memchr(line, ':', n);
    flen = colon ? (size_t)(colon - line) : n;
    value = colon ? colon + 1 : line + n;
    if (*value == ' ')
        value++;
    if (flen == 4 && memcmp(line, "data", 4) == 0) {
        size_t vlen = (size_t)(line + n - value);
        if (s->data.len + vlen + 1 > s->max) {
            st = ST_TOO_LARGE;
            goto done;
        }
        buf_append(&s->data, value, vlen);
        buf_putc(&s->data, '\n');
    } else if (flen == 5 && memcmp(line, "event", 5) == 0) {
        buf_reset(&s->event);
        buf_append(&s->event, value, (size_t)(line + n - value));
    } /* "id", "retry" and unknown fields are ignored */
done:
    return st;
}

/* Feeds bytes as they arrive; lines end with "\r\n", "\n" or "\r", possibly split. */
static status_t sse_feed(call_t *k, const char *p, size_t n)
{
    sse_t *s = &k->sse;
    size_t i = 0;
    status_t st = ST_OK;

    while (i < n) {
        if (s->cr) {
            s->cr = false;
            if (p[i] == '\n') {
                i++;
                continue;
            }
        }
        size_t j = i;
        while (j < n && p[j] != '\n' && p[j] != '\r')
            j++;
        if (s->line.len + (j - i) > s->max) {
            st = ST_TOO_LARGE;
            goto done;
        }
        buf_append(&s->line, p + i, j - i);
        if (j == n)
            break;
        s->cr = p[j] == '\r';
        i = j + 1;
        if ((st = sse_line(k)))
            goto done;
        buf_reset(&s->line);
    }
done:
    return st;
}

/* ---- curl callbacks ----------------------------------------------------------------------- */

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    call_t *k = ud;
    size_t total = size * nmemb, n = total;
    const char *colon, *v;

    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new response (after 100, a redirect) */
        headers_clear(&k->r);
        goto done;
    }
    if (!(colon = memchr(p, ':', n)) || colon == p)
        goto done;
    for (v = colon + 1; v < p + n && (*v == ' ' || *v == '\t'); v++)
        ;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    k->r.headers = xrealloc(k->r.headers, (k->r.n_headers + 1) * sizeof *k->r.headers);
    k->r.headers[k->r.n_headers].name = xstrndup(p, (size_t)(colon - p));
    k->r.headers[k->r.n_headers].value = xstrndup(v, v < p + n ? (size_t)(p + n - v) : 0);
    k->r.n_headers++;
done:
    return total;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    call_t *k = ud;
    size_t n = size * nmemb;

    if (k->streaming && k->mode == MODE_UNDECIDED) {
        long code = 0;
        const char *ct = http_resp_header(&k->r, "content-type");
        curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &code);
        k->mode = code / 100 == 2 && ct && strncasecmp(ct, "text/event-stream", 17) == 0
                      ? MODE_SSE
                      : MODE_BODY;
    }
    if (k->mode == MODE_SSE) {
        if ((k->stop = sse_feed(k, p, n)))
            n = 0; /* a short count makes curl stop with CURLE_WRITE_ERROR */
    } else if (k->r.body.len + n > k->max_body) {
        k->too_large = true;
        n = 0;
    } else {
        buf_append(&k->r.body, p, n);
    }
    return n;
}

/* ---- the call ----------------------------------------------------------------------------- */

static bool method_idempotent(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "PUT") || !strcmp(m, "DELETE") ||
           !strcmp(m, "OPTIONS");
}

static bool status_retryable(long code)
{
    return code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
}

/* "Name: value" with a name and no CR or LF (which would smuggle in more headers). */
static bool header_line_ok(const char *h)
{
    const char *colon = strchr(h, ':');
    return colon && colon != h && !strpbrk(h, "\r\n");
}

static int64_t random_below(int64_t n)
{
    uint32_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (uint32_t)time_mono_us();
    return n > 0 ? (int64_t)(r % (uint64_t)n) : 0;
}

/* Exponential backoff with jitter: half the step fixed, half random. */
static int64_t backoff_ms(const http_client_t *c, int attempt)
{
    int64_t d = c->o.backoff_base_ms;
    for (int i = 1; i < attempt && d < c->o.backoff_max_ms; i++)
        d *= 2;
    if (d > c->o.backoff_max_ms)
        d = c->o.backoff_max_ms;
    return d / 2 + random_below(d / 2 + 1);
}

/* Retry-After in seconds as milliseconds, or -1 (absent, or an HTTP date: use backoff). */
static int64_t retry_after_ms(const http_resp_t *r)
{
    const char *v = http_resp_header(r, "retry-after");
    char *end;
    long s;

    if (!v || *v < '0' || *v > '9')
        return -1;
    errno = 0;
    s = strtol(v, &end, 10);
    if (errno || *end != '\0')
        return -1;
    return (int64_t)(s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : s) * 1000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Host of url for log lines: never the path or query, which may carry keys. */
static void log_retry(const char *method, const char *url, int attempt, const char *why,
                      int64_t wait)
{
    CURLU *u;
    char *host = NULL;

    if (!log_enabled(LOG_WARN))
        return;
    if ((u = curl_url())) {
        if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
            curl_url_get(u, CURLUPART_HOST, &host, 0);
        curl_url_cleanup(u);
    }
    LOG_WARN("http %s %s: attempt %d failed (%s), retrying in %lld ms", method, host ? host : "?",
             attempt, why, (long long)wait);
    curl_free(host);
}

/* Sets the options that stay the same for every attempt. */
static status_t setup(http_client_t *c, call_t *k, const http_req_t *req, const char *method,
                      struct curl_slist **hdrs)
{
    CURL *h = k->h;
    status_t st = ST_INVALID;

    if (!req->url || (!req->body && req->body_len))
        goto done;
    for (const char *const *p = req->headers; p && *p; p++) {
        if (!header_line_ok(*p))
            goto done;
        *hdrs = curl_slist_append(*hdrs, *p);
    }
    *hdrs = curl_slist_append(*hdrs, "Expect:"); /* no 100-continue round trip */
    if (!*hdrs) {
        st = ST_INTERNAL;
        goto done;
    }
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (c->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, k);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
    if (!k->streaming)
        curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k->max_body);

    if (!strcmp(method, "GET")) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        /* Methods whose request has content send Content-Length: 0 when there is none (RFC 9110
         * 8.6): a server may otherwise take the next request on the connection for the body. */
        if (req->body || !strcmp(method, "POST") || !strcmp(method, "PUT") ||
            !strcmp(method, "PATCH")) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        }
    }
    st = ST_OK;
done:
    return st;
}

/* What a curl result means: a status, and whether the request surely never left (conn_failed)
 * or the connection broke after it may have been sent (reset). */
static status_t map_curl(CURLcode rc, const call_t *k, bool deadline_passed, bool *conn_failed,
                         bool *reset)
{
    status_t st;

    *conn_failed = *reset = false;
    switch (rc) {
    case CURLE_OK:
        st = ST_OK;
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        *conn_failed = true;
        st = ST_UNAVAILABLE;
        break;
    case CURLE_OPERATION_TIMEDOUT:
        *conn_failed = !deadline_passed; /* with time left, it was the connect timeout */
        st = deadline_passed ? ST_TIMEOUT : ST_UNAVAILABLE;
        break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        *reset = true;
        st = ST_UNAVAILABLE;
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        st = ST_UNAVAILABLE;
        break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        st = ST_INVALID;
        break;
    case CURLE_FILESIZE_EXCEEDED:
        st = ST_TOO_LARGE;
        break;
    case CURLE_WRITE_ERROR:
        st = k->too_large ? ST_TOO_LARGE : k->stop != ST_OK ? k->stop : ST_INTERNAL;
        break;
    default:
        st = ST_INTERNAL;
        break;
    }
    return st;
}

static status_t perform(http_client_t *c, const http_req_t *req, bool streaming, http_sse_cb cb,
                        void *ud, http_resp_t *resp)
{
    const char *method = req->method ? req->method : req->body_len ? "POST" : "GET";
    int64_t timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : c->o.timeout_ms;
    int64_t connect_ms =
        req->connect_timeout_ms > 0 ? req->connect_timeout_ms : c->o.connect_timeout_ms;
    int max_attempts = req->max_attempts > 0 ? req->max_attempts : c->o.max_attempts;
    bool may_repeat = req->retry_unsafe || method_idempotent(method);
    int64_t deadline = time_mono_us() + timeout_ms * 1000;
    struct curl_slist *hdrs = NULL;
    call_t k = {.max_body =
                    req->max_response_bytes ? req->max_response_bytes : c->o.max_response_bytes,
                .streaming = streaming,
                .cb = cb,
                .ud = ud};
    int attempt = 0;
    status_t st;

    sse_init(&k.sse, k.max_body);
    if (!(k.h = handle_take(c))) {
        st = ST_INTERNAL;
        goto done;
    }
    if ((st = setup(c, &k, req, method, &hdrs)))
        goto done;
    for (;;) {
        int64_t left_ms = (deadline - time_mono_us()) / 1000, wait;
        bool conn_failed, reset, retry;
        long code = 0;
        CURLcode rc;

        if (left_ms <= 0) {
            st = attempt ? st : ST_TIMEOUT; /* keep the last result if there was one */
            break;
        }
        attempt++;
        http_resp_cleanup(&k.r);
        sse_cleanup(&k.sse);
        sse_init(&k.sse, k.max_body);
        k.too_large = false;
        k.mode = MODE_UNDECIDED;
        k.stop = ST_OK;
        curl_easy_setopt(k.h, CURLOPT_TIMEOUT_MS, (long)left_ms);
        curl_easy_setopt(k.h, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)(connect_ms < left_ms ? connect_ms : left_ms));
        rc = curl_easy_perform(k.h);
        st = map_curl(rc, &k, time_mono_us() >= deadline - DEADLINE_SLACK_US, &conn_failed, &reset);
        if (st == ST_OK) {
            curl_easy_getinfo(k.h, CURLINFO_RESPONSE_CODE, &code);
            k.r.status = code;
        }
        retry = attempt < max_attempts && !k.delivered &&
                (conn_failed || (may_repeat && (reset || status_retryable(code))));
        if (!retry)
            break;
        wait = st == ST_OK ? retry_after_ms(&k.r) : -1;
        if (wait < 0)
            wait = backoff_ms(c, attempt);
        if (time_mono_us() + wait * 1000 >= deadline)
            break; /* no time for another attempt: answer with this one */
        if (st == ST_OK) {
            char why[16];
            snprintf(why, sizeof why, "HTTP %ld", code);
            log_retry(method, req->url, attempt, why, wait);
        } else {
            log_retry(method, req->url, attempt, curl_easy_strerror(rc), wait);
        }
        sleep_ms(wait);
    }
    if (st == ST_OK) {
        http_resp_cleanup(resp);
        *resp = k.r;
        resp->attempts = attempt;
        http_resp_init(&k.r);
    }
done:
    curl_slist_free_all(hdrs);
    handle_give(c, k.h);
    http_resp_cleanup(&k.r);
    sse_cleanup(&k.sse);
    return st;
}

status_t http_request(http_client_t *c, const http_req_t *req, http_resp_t *resp)
{
    return perform(c, req, false, NULL, NULL, resp);
}

status_t http_stream(http_client_t *c, const http_req_t *req, http_sse_cb cb, void *ud,
                     http_resp_t *resp)
{
    return perform(c, req, true, cb, ud, resp);
}
