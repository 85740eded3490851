/* fakeembed.c - the fake OpenAI-compatible embeddings server (fakeembed.h) on libmicrohttpd and
 * jansson. One polling thread answers every connection, so the handlers never race each other;
 * the controls take the mutex.
 */
#include "fakeembed.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/crypto.h"
#include "shared/util.h"

#define MAX_BODY   (32u << 20)
#define MAX_INPUTS 2048

struct fakeembed {
    struct MHD_Daemon *d;
    int port;
    char *key, *models;
    int dims;
    bool unnormalised, reversed;
    pthread_mutex_t mu;
    int fail_count, fail_status, fail_retry_after;
    int delay_count, delay_ms;
    fakeembed_stats_t stats;
    unsigned long seq;
};

/* ---- vectors ----------------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void fakeembed_vector(const char *text, size_t len, int dims, float *out)
{
    uint64_t s = 0xcbf29ce484222325ULL;
    double ss = 0;
    for (size_t i = 0; i < len; i++)
        s = (s ^ (unsigned char)text[i]) * 0x100000001b3ULL;
    for (int i = 0; i < dims; i++) {
        out[i] = (float)((double)(splitmix(&s) >> 11) / 9007199254740992.0 * 2.0 - 1.0);
        ss += (double)out[i] * out[i];
    }
    float inv = ss > 0 ? (float)(1.0 / sqrt(ss)) : 0;
    for (int i = 0; i < dims; i++)
        out[i] *= inv;
}

/* ---- answers ----------------------------------------------------------------------------- */

typedef struct {
    buf_t body;
    bool too_large;
} conn_t;

static enum MHD_Result send_json(fakeembed_t *f, struct MHD_Connection *c, unsigned status,
                                 buf_t *b, const char *const *headers)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(b->len, b->data ? b->data : "", MHD_RESPMEM_MUST_COPY);
    char id[48];
    snprintf(id, sizeof id, "req_fake%08lu", ++f->seq);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "x-request-id", id);
    for (size_t i = 0; headers && headers[i]; i += 2)
        MHD_add_response_header(r, headers[i], headers[i + 1]);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    buf_cleanup(b);
    return ret;
}

/* OpenAI's error shape; param and code NULL become JSON null. */
static enum MHD_Result send_error(fakeembed_t *f, struct MHD_Connection *c, unsigned status,
                                  const char *message, const char *type, const char *param,
                                  const char *code, const char *const *headers)
{
    json_t *e = json_object(), *root = json_object();
    json_object_set_new(e, "message", json_string(message));
    json_object_set_new(e, "type", json_string(type));
    json_object_set_new(e, "param", param ? json_string(param) : json_null());
    json_object_set_new(e, "code", code ? json_string(code) : json_null());
    json_object_set_new(root, "error", e);
    char *s = json_dumps(root, JSON_COMPACT);
    buf_t b = BUF_INIT;
    buf_puts(&b, s);
    free(s);
    json_decref(root);
    return send_json(f, c, status, &b, headers);
}

static enum MHD_Result send_injected(fakeembed_t *f, struct MHD_Connection *c, int status,
                                     int retry_after)
{
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry_after);
    if (status == 429) {
        char reset[16];
        snprintf(reset, sizeof reset, "%ds", retry_after > 0 ? retry_after : 1);
        const char *h[] = {"x-ratelimit-limit-requests",
                           "3000",
                           "x-ratelimit-remaining-requests",
                           "0",
                           "x-ratelimit-reset-requests",
                           reset,
                           retry_after >= 0 ? "retry-after" : NULL,
                           ra,
                           NULL};
        return send_error(f, c, 429,
                          "Rate limit reached for text-embedding-3-small in organization "
                          "org-fake on requests per min (RPM): Limit 3000, Used 3000, "
                          "Requested 1. Please try again in 20ms.",
                          "requests", "requests", "rate_limit_exceeded", h);
    }
    const char *h[] = {retry_after >= 0 ? "retry-after" : NULL, ra, NULL};
    if (status >= 500)
        return send_error(f, c, (unsigned)status,
                          "The server had an error while processing your request. Sorry about "
                          "that!",
                          "server_error", NULL, NULL, h);
    return send_error(f, c, (unsigned)status, "Injected failure", "invalid_request_error", NULL,
                      NULL, h);
}

static bool model_known(const fakeembed_t *f, const char *m)
{
    if (!f->models)
        return true;
    size_t ml = strlen(m);
    for (const char *p = f->models; *p;) {
        size_t l = strcspn(p, ",");
        if (l == ml && strncmp(p, m, l) == 0)
            return true;
        p += l + (p[l] == ',');
    }
    return false;
}

/* The text an input stands for: a string, or "tokens:1,2,3" for a token array. false when the
 * item is neither (or empty). */
static bool input_text(json_t *item, buf_t *out, int *tokens)
{
    buf_reset(out);
    if (json_is_string(item)) {
        const char *s = json_string_value(item);
        size_t n = json_string_length(item);
        if (n == 0)
            return false;
        buf_append(out, s, n);
        int words = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i] != ' ' && (i == 0 || s[i - 1] == ' '))
                words++;
        *tokens += words + (int)(n / 16); /* about what a BPE tokenizer counts */
        return true;
    }
    if (json_is_array(item) && json_array_size(item) > 0) {
        buf_puts(out, "tokens:");
        for (size_t i = 0; i < json_array_size(item); i++) {
            json_t *t = json_array_get(item, i);
            if (!json_is_integer(t) || json_integer_value(t) < 0)
                return false;
            buf_printf(out, "%s%lld", i ? "," : "", (long long)json_integer_value(t));
        }
        *tokens += (int)json_array_size(item);
        return true;
    }
    return false;
}

static enum MHD_Result embeddings(fakeembed_t *f, struct MHD_Connection *c, const buf_t *body)
{
    json_t *root = NULL, *input, *inputs = NULL, *model, *fmt, *dim;
    buf_t text = BUF_INIT, out = BUF_INIT, b64 = BUF_INIT;
    enum MHD_Result ret;
    char msg[300];
    int fail = 0, retry_after = -1, tokens = 0, dims;
    bool base64 = false;
    float *v = NULL;

    /* auth first, as OpenAI does */
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&f->mu);
    f->stats.requests++;
    pthread_mutex_unlock(&f->mu);
    if (f->key && (!auth || strncmp(auth, "Bearer ", 7) != 0 || !auth[7])) {
        ret = send_error(f, c, 401,
                         "You didn't provide an API key. You need to provide your API key in an "
                         "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                         "YOUR_KEY), or as the password field (with blank username) if you're "
                         "accessing the API from your browser and are prompted for a username "
                         "and password. You can obtain an API key from "
                         "https://platform.openai.com/account/api-keys.",
                         "invalid_request_error", NULL, NULL, NULL);
        goto done;
    }
    if (f->key && strcmp(auth + 7, f->key) != 0) {
        const char *k = auth + 7;
        size_t kl = strlen(k);
        snprintf(msg, sizeof msg,
                 "Incorrect API key provided: %.3s%s%s. You can find your API key at "
                 "https://platform.openai.com/account/api-keys.",
                 k, kl > 7 ? "***" : "", kl > 7 ? k + kl - 4 : "");
        ret = send_error(f, c, 401, msg, "invalid_request_error", NULL, "invalid_api_key", NULL);
        goto done;
    }
    int delay = 0;
    pthread_mutex_lock(&f->mu);
    if (f->fail_count > 0) {
        f->fail_count--;
        fail = f->fail_status;
        retry_after = f->fail_retry_after;
    }
    if (f->delay_count > 0) {
        f->delay_count--;
        delay = f->delay_ms;
    }
    pthread_mutex_unlock(&f->mu);
    if (delay > 0)
        usleep((useconds_t)delay * 1000);
    if (fail) {
        ret = send_injected(f, c, fail, retry_after);
        goto done;
    }

    if (!(root = json_loadb(body->data ? body->data : "", body->len, 0, NULL)) ||
        !json_is_object(root)) {
        ret = send_error(f, c, 400,
                         "We could not parse the JSON body of your request. (HINT: This likely "
                         "means you aren't using your HTTP library correctly. The OpenAI API "
                         "expects a JSON payload, but what was sent was not valid JSON.)",
                         "invalid_request_error", NULL, NULL, NULL);
        goto done;
    }
    model = json_object_get(root, "model");
    if (!json_is_string(model) || !json_string_length(model)) {
        ret = send_error(f, c, 400, "you must provide a model parameter", "invalid_request_error",
                         NULL, NULL, NULL);
        goto done;
    }
    if (!model_known(f, json_string_value(model))) {
        snprintf(msg, sizeof msg,
                 "The model `%.100s` does not exist or you do not have access to it.",
                 json_string_value(model));
        ret = send_error(f, c, 404, msg, "invalid_request_error", NULL, "model_not_found", NULL);
        goto done;
    }
    fmt = json_object_get(root, "encoding_format");
    if (fmt && !json_is_null(fmt)) {
        const char *s = json_is_string(fmt) ? json_string_value(fmt) : "";
        if (strcmp(s, "base64") == 0)
            base64 = true;
        else if (strcmp(s, "float") != 0) {
            snprintf(msg, sizeof msg,
                     "'%.50s' is not one of ['float', 'base64'] - 'encoding_format'", s);
            ret =
                send_error(f, c, 400, msg, "invalid_request_error", "encoding_format", NULL, NULL);
            goto done;
        }
    }
    dims = f->dims;
    dim = json_object_get(root, "dimensions");
    if (dim && !json_is_null(dim)) {
        if (!json_is_integer(dim) || json_integer_value(dim) < 1 ||
            json_integer_value(dim) > f->dims) {
            snprintf(msg, sizeof msg, "Invalid 'dimensions': must be between 1 and %d.", f->dims);
            ret = send_error(f, c, 400, msg, "invalid_request_error", "dimensions", "invalid_value",
                             NULL);
            goto done;
        }
        dims = (int)json_integer_value(dim);
    }
    input = json_object_get(root, "input");
    /* one string or one token array is one input; otherwise an array of inputs */
    if (json_is_string(input) || (json_is_array(input) && json_array_size(input) &&
                                  json_is_integer(json_array_get(input, 0)))) {
        inputs = json_array();
        json_array_append(inputs, input);
    } else if (json_is_array(input) && json_array_size(input) > 0) {
        inputs = json_incref(input);
    }
    if (!inputs || json_array_size(inputs) > MAX_INPUTS) {
        ret = send_error(f, c, 400,
                         !inputs ? "'$.input' is invalid. Please check the API reference: "
                                   "https://platform.openai.com/docs/api-reference."
                                 : "'$.input' is too long: an array must be 2048 dimensions or "
                                   "less.",
                         "invalid_request_error", "input", NULL, NULL);
        goto done;
    }

    size_t n = json_array_size(inputs);
    v = xmalloc((size_t)dims * sizeof *v);
    buf_puts(&out, "{\"object\":\"list\",\"data\":[");
    for (size_t k = 0; k < n; k++) {
        size_t i = f->reversed ? n - 1 - k : k;
        if (!input_text(json_array_get(inputs, i), &text, &tokens)) {
            snprintf(msg, sizeof msg,
                     "'$.input[%zu]' is invalid: expected a non-empty string or array of tokens.",
                     i);
            ret = send_error(f, c, 400, msg, "invalid_request_error", "input", NULL, NULL);
            goto done;
        }
        fakeembed_vector(text.data, text.len, dims, v);
        if (f->unnormalised)
            for (int j = 0; j < dims; j++)
                v[j] *= 3.0f;
        buf_printf(&out, "%s{\"object\":\"embedding\",\"index\":%zu,\"embedding\":", k ? "," : "",
                   i);
        if (base64) {
            buf_reset(&b64);
            crypto_b64_encode(v, (size_t)dims * sizeof *v, CRYPTO_B64, &b64); /* little-endian */
            buf_printf(&out, "\"%s\"}", b64.data);
        } else {
            buf_putc(&out, '[');
            for (int j = 0; j < dims; j++)
                buf_printf(&out, "%s%.9g", j ? "," : "", (double)v[j]);
            buf_puts(&out, "]}");
        }
    }
    buf_printf(&out, "],\"model\":");
    char *ms = json_dumps(model, JSON_ENCODE_ANY);
    buf_puts(&out, ms);
    free(ms);
    buf_printf(&out, ",\"usage\":{\"prompt_tokens\":%d,\"total_tokens\":%d}}", tokens, tokens);
    pthread_mutex_lock(&f->mu);
    f->stats.answered++;
    f->stats.inputs += (int)n;
    if ((int)n > f->stats.max_batch)
        f->stats.max_batch = (int)n;
    pthread_mutex_unlock(&f->mu);
    const char *h[] = {"openai-model",
                       json_string_value(model),
                       "openai-processing-ms",
                       "1",
                       "x-ratelimit-limit-requests",
                       "3000",
                       "x-ratelimit-remaining-requests",
                       "2999",
                       "x-ratelimit-reset-requests",
                       "20ms",
                       NULL};
    ret = send_json(f, c, 200, &out, h);
done:
    free(v);
    json_decref(inputs);
    json_decref(root);
    buf_cleanup(&text);
    buf_cleanup(&out);
    buf_cleanup(&b64);
    return ret;
}

static enum MHD_Result controls(fakeembed_t *f, struct MHD_Connection *c, const char *url,
                                const buf_t *body)
{
    buf_t b = BUF_INIT;
    if (strcmp(url, "/_fake/stats") == 0) {
        fakeembed_stats_t s;
        fakeembed_stats(f, &s);
        buf_printf(&b, "{\"requests\":%d,\"answered\":%d,\"inputs\":%d,\"max_batch\":%d}",
                   s.requests, s.answered, s.inputs, s.max_batch);
        return send_json(f, c, 200, &b, NULL);
    }
    if (strcmp(url, "/_fake/reset") == 0) {
        fakeembed_reset(f);
        buf_puts(&b, "{}");
        return send_json(f, c, 200, &b, NULL);
    }
    json_t *root = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
    json_t *count = json_object_get(root, "count"), *status = json_object_get(root, "status"),
           *ra = json_object_get(root, "retry_after"), *ms = json_object_get(root, "ms");
    if (strcmp(url, "/_fake/delay") == 0 && json_is_integer(count) && json_is_integer(ms)) {
        fakeembed_delay_next(f, (int)json_integer_value(count), (int)json_integer_value(ms));
        json_decref(root);
        buf_puts(&b, "{}");
        return send_json(f, c, 200, &b, NULL);
    }
    if (!json_is_integer(count) || !json_is_integer(status)) {
        json_decref(root);
        return send_error(f, c, 400, "count and status (or ms) are required",
                          "invalid_request_error", NULL, NULL, NULL);
    }
    fakeembed_fail_next(f, (int)json_integer_value(count), (int)json_integer_value(status),
                        json_is_integer(ra) ? (int)json_integer_value(ra) : -1);
    json_decref(root);
    buf_puts(&b, "{}");
    return send_json(f, c, 200, &b, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    fakeembed_t *f = cls;
    conn_t *cn = *req_cls;
    (void)version;

    if (!cn) { /* the headers: keep a place for the body */
        cn = xcalloc(1, sizeof *cn);
        *req_cls = cn;
        return MHD_YES;
    }
    if (*upload_size) {
        if (cn->body.len + *upload_size > MAX_BODY)
            cn->too_large = true;
        else
            buf_append(&cn->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (cn->too_large)
        return send_error(f, c, 413, "Request body too large.", "invalid_request_error", NULL, NULL,
                          NULL);
    size_t ul = strlen(url);
    if (strcmp(method, "POST") == 0 && ul >= 11 && strcmp(url + ul - 11, "/embeddings") == 0)
        return embeddings(f, c, &cn->body);
    if ((strcmp(method, "GET") == 0 && strcmp(url, "/_fake/stats") == 0) ||
        (strcmp(method, "POST") == 0 &&
         (strcmp(url, "/_fake/fail") == 0 || strcmp(url, "/_fake/delay") == 0 ||
          strcmp(url, "/_fake/reset") == 0)))
        return controls(f, c, url, &cn->body);
    char msg[300];
    snprintf(msg, sizeof msg, "Invalid URL (%.10s %.200s)", method, url);
    return send_error(f, c, 404, msg, "invalid_request_error", NULL, NULL, NULL);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
    conn_t *cn = *req_cls;
    (void)cls;
    (void)c;
    (void)why;
    if (cn) {
        buf_cleanup(&cn->body);
        free(cn);
        *req_cls = NULL;
    }
}

fakeembed_t *fakeembed_start(const fakeembed_opts_t *o)
{
    fakeembed_t *f = xcalloc(1, sizeof *f);
    f->key = o->api_key ? xstrdup(o->api_key) : NULL;
    f->models = o->models ? xstrdup(o->models) : NULL;
    f->dims = o->dims > 0 ? o->dims : 1536;
    f->unnormalised = o->unnormalised;
    f->reversed = o->reversed;
    pthread_mutex_init(&f->mu, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)o->port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)o->port,
                            NULL, NULL, on_request, f, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, f,
                            MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!f->d) {
        fprintf(stderr, "fakeembed: cannot listen on 127.0.0.1:%d\n", o->port);
        fakeembed_stop(f);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info ? info->port : o->port;
    return f;
}

void fakeembed_stop(fakeembed_t *f)
{
    if (!f)
        return;
    if (f->d)
        MHD_stop_daemon(f->d);
    pthread_mutex_destroy(&f->mu);
    free(f->key);
    free(f->models);
    free(f);
}

int fakeembed_port(const fakeembed_t *f)
{
    return f->port;
}

void fakeembed_fail_next(fakeembed_t *f, int count, int status, int retry_after_s)
{
    pthread_mutex_lock(&f->mu);
    f->fail_count = count;
    f->fail_status = status;
    f->fail_retry_after = retry_after_s;
    pthread_mutex_unlock(&f->mu);
}

void fakeembed_delay_next(fakeembed_t *f, int count, int ms)
{
    pthread_mutex_lock(&f->mu);
    f->delay_count = count;
    f->delay_ms = ms;
    pthread_mutex_unlock(&f->mu);
}

void fakeembed_stats(fakeembed_t *f, fakeembed_stats_t *out)
{
    pthread_mutex_lock(&f->mu);
    *out = f->stats;
    pthread_mutex_unlock(&f->mu);
}

void fakeembed_reset(fakeembed_t *f)
{
    pthread_mutex_lock(&f->mu);
    memset(&f->stats, 0, sizeof f->stats);
    f->fail_count = 0;
    f->delay_count = 0;
    pthread_mutex_unlock(&f->mu);
}
