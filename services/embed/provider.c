/* provider.c - calls an OpenAI-compatible embeddings endpoint (provider.h): one HTTP request
 * per batch through shared/http.h, the answer checked and normalised by oaiwire.c.
 */
#include "provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oaiwire.h"
#include "shared/http.h"
#include "shared/log.h"
#include "shared/metrics.h"
#include "shared/util.h"

#define MAX_ANSWER_BYTES (64u << 20) /* 2048 texts x 3072 dims of JSON numbers fit */

/* The provider's side of /metrics: requests by final status ("error" when no answer came),
 * the retries they needed, their time and the tokens they were charged. */
static metrics_family_t *m_requests, *m_retries, *m_seconds, *m_tokens;

struct provider {
    http_client_t *http;
    char *url;  /* {base}/embeddings */
    char *auth; /* "Authorization: Bearer <key>" or NULL */
    char *key;  /* for redaction */
    char *model;
    int dims, batch, timeout_ms, max_attempts;
};

provider_t *provider_new(const provider_opts_t *o)
{
    provider_t *p = xcalloc(1, sizeof *p);
    buf_t b = BUF_INIT;
    size_t bl = strlen(o->base_url);

    while (bl > 0 && o->base_url[bl - 1] == '/')
        bl--;
    buf_printf(&b, "%.*s/embeddings", (int)bl, o->base_url);
    p->url = buf_steal(&b);
    if (o->api_key && *o->api_key) {
        buf_printf(&b, "Authorization: Bearer %s", o->api_key);
        p->auth = buf_steal(&b);
        p->key = xstrdup(o->api_key);
    }
    p->model = xstrdup(o->model);
    p->dims = o->dims;
    p->batch = o->batch > 0 ? o->batch : 64;
    p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
    p->max_attempts = o->max_attempts > 0 ? o->max_attempts : 4;
    http_client_opts_t ho = {.timeout_ms = p->timeout_ms,
                             .max_response_bytes = MAX_ANSWER_BYTES,
                             .max_attempts = p->max_attempts};
    p->http = http_client_new(&ho);
    m_requests =
        metrics_counter(NULL, "embed_provider_requests_total",
                        "Requests to the embeddings provider, by final HTTP status", "status");
    m_retries = metrics_counter(NULL, "embed_provider_retries_total",
                                "Attempts beyond the first (429, 5xx, connection failures)", NULL);
    m_seconds = metrics_histogram(NULL, "embed_provider_request_duration_seconds",
                                  "Time of one provider request, retries included", NULL, NULL, 0);
    m_tokens = metrics_counter(NULL, "embed_provider_tokens_total",
                               "Prompt tokens the provider reported", NULL);
    return p;
}

void provider_free(provider_t *p)
{
    if (!p)
        return;
    http_client_free(p->http);
    free(p->url);
    if (p->auth)
        memset(p->auth, 0, strlen(p->auth));
    free(p->auth);
    if (p->key)
        memset(p->key, 0, strlen(p->key));
    free(p->key);
    free(p->model);
    free(p);
}

/* One request for texts[0..n): vectors into out (n * dims, dims fixed by the first batch). */
static status_t one_batch(provider_t *p, const char *const *texts, size_t n, int *dims, float **out,
                          int *tokens, char *why, size_t whylen)
{
    char *body = oaiwire_request(p->model, texts, n, p->dims);
    const char *headers[] = {"Content-Type: application/json", p->auth, NULL};
    http_req_t req = {.method = "POST",
                      .url = p->url,
                      .headers = headers,
                      .body = body,
                      .body_len = strlen(body),
                      .retry_unsafe = true}; /* embeddings change nothing: safe to repeat */
    http_resp_t resp = HTTP_RESP_INIT;
    char msg[200], reason[160], code[16];
    int64_t t0 = time_mono_us();
    status_t st = http_request(p->http, &req, &resp);

    metrics_observe(metrics_get(m_seconds, NULL), (double)(time_mono_us() - t0) / 1e6);
    if (st == ST_OK)
        snprintf(code, sizeof code, "%ld", resp.status);
    metrics_inc(METRICS_GET(m_requests, st == ST_OK ? code : "error"));
    if (resp.attempts > 1)
        metrics_add(metrics_get(m_retries, NULL), resp.attempts - 1);
    if (st) {
        snprintf(why, whylen, "embedding provider %s",
                 st == ST_TIMEOUT     ? "did not answer in time"
                 : st == ST_TOO_LARGE ? "answered more than the size limit"
                 : st == ST_INVALID   ? "URL is not valid (EMBED_BASE_URL)"
                                      : "is unreachable");
        st = st == ST_TIMEOUT ? ST_TIMEOUT : ST_UNAVAILABLE;
        goto done;
    }
    if (resp.status != 200) {
        oaiwire_error_message(resp.body.data, resp.body.len, msg, sizeof msg);
        oaiwire_redact(msg, sizeof msg, p->key);
        snprintf(why, whylen, "embedding provider answered %ld%s%s", resp.status, *msg ? ": " : "",
                 msg);
        st = ST_UNAVAILABLE;
        goto done;
    }
    if ((st = oaiwire_parse(resp.body.data, resp.body.len, n, *dims ? *dims : p->dims, out, dims,
                            tokens, reason, sizeof reason))) {
        snprintf(why, whylen, "embedding provider's answer is not usable: %s", reason);
        st = ST_UNAVAILABLE;
    } else {
        metrics_add(metrics_get(m_tokens, NULL), *tokens);
    }
done:
    if (st)
        LOG_WARN("embed: %s (%d attempts)", why, resp.attempts);
    http_resp_cleanup(&resp);
    free(body);
    return st;
}

status_t provider_embed(provider_t *p, const char *const *texts, size_t n, float **out, int *dims,
                        int *tokens, char *why, size_t whylen)
{
    float *all = NULL;
    int d = *dims, total = 0;
    status_t st = ST_OK;

    for (size_t i = 0; i < n; i += (size_t)p->batch) {
        size_t m = n - i < (size_t)p->batch ? n - i : (size_t)p->batch;
        float *v = NULL;
        int t = 0;
        if ((st = one_batch(p, texts + i, m, &d, &v, &t, why, whylen)))
            goto done;
        if (!all)
            all = xmalloc(n * (size_t)d * sizeof *all);
        memcpy(all + i * (size_t)d, v, m * (size_t)d * sizeof *v);
        free(v);
        total += t;
    }
    *out = all;
    *dims = d;
    *tokens = total;
    all = NULL;
done:
    free(all);
    return st;
}
