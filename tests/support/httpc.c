/* httpc.c - test-side HTTP client on libshared's http (one client, no retries), with an
 * in-memory cookie jar and default headers; responses as status + headers + body with JSON path
 * helpers (see httpc.h). */
#include "httpc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/http.h"

struct httpc {
    char *base;
    http_client_t *http;
    char **defaults; /* "Name: value" lines */
    size_t n_defaults;
    char **jar; /* "name=value" cookies, as the server last set them */
    size_t n_jar;
    long timeout_ms;
};

httpc_t *httpc_new(const char *base_url)
{
    httpc_t *c = xcalloc(1, sizeof *c);
    /* A test sees every answer as the server gave it: no retry of a 503, no size cap to speak
     * of. */
    http_client_opts_t o = {.max_attempts = 1, .pool_size = 1, .max_response_bytes = 256u << 20};

    c->base = xstrdup(base_url);
    c->http = http_client_new(&o);
    c->timeout_ms = 10000;
    return c;
}

static void lines_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void httpc_free(httpc_t *c)
{
    if (!c)
        return;
    http_client_free(c->http);
    lines_free(c->defaults, c->n_defaults);
    lines_free(c->jar, c->n_jar);
    free(c->base);
    free(c);
}

/* Index of the entry of v that starts with key[0..keylen) followed by sep, or -1. */
static long find_entry(char **v, size_t n, const char *key, size_t keylen, char sep, bool nocase)
{
    for (size_t i = 0; i < n; i++)
        if ((nocase ? strncasecmp(v[i], key, keylen) : strncmp(v[i], key, keylen)) == 0 &&
            v[i][keylen] == sep)
            return (long)i;
    return -1;
}

void httpc_set_header(httpc_t *c, const char *name, const char *value)
{
    long i = find_entry(c->defaults, c->n_defaults, name, strlen(name), ':', true);

    if (i >= 0) {
        free(c->defaults[i]);
        c->defaults[i] = c->defaults[--c->n_defaults];
    }
    if (value) {
        buf_t b = BUF_INIT;
        buf_printf(&b, "%s: %s", name, value);
        c->defaults = xrealloc(c->defaults, (c->n_defaults + 1) * sizeof *c->defaults);
        c->defaults[c->n_defaults++] = buf_steal(&b);
    }
}

void httpc_set_bearer(httpc_t *c, const char *token)
{
    buf_t b = BUF_INIT;

    if (token)
        buf_printf(&b, "Bearer %s", token);
    httpc_set_header(c, "Authorization", token ? b.data : NULL);
    buf_cleanup(&b);
}

void httpc_set_timeout(httpc_t *c, long timeout_ms)
{
    c->timeout_ms = timeout_ms;
}

void httpc_resp_cleanup(httpc_resp_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    buf_cleanup(&r->body);
    json_decref(r->json);
    *r = (httpc_resp_t)HTTPC_RESP_INIT;
}

/* Keeps the cookie of one Set-Cookie value ("name=value; Path=/; Max-Age=0; ..."): replaced, or
 * dropped when Max-Age is 0 or less (one host, one path: the attributes say nothing else here). */
static void jar_take(httpc_t *c, const char *set_cookie)
{
    size_t pair = strcspn(set_cookie, ";"), keylen = strcspn(set_cookie, "=");
    const char *attrs = set_cookie + pair;
    bool expired = false;

    if (keylen == 0 || keylen >= pair)
        return;
    for (const char *a = attrs; (a = strchr(a, ';'));) {
        a++;
        while (*a == ' ')
            a++;
        if (strncasecmp(a, "max-age=", 8) == 0 && atol(a + 8) <= 0)
            expired = true;
    }
    long i = find_entry(c->jar, c->n_jar, set_cookie, keylen, '=', false);
    if (i >= 0) {
        free(c->jar[i]);
        c->jar[i] = c->jar[--c->n_jar];
    }
    if (!expired) {
        c->jar = xrealloc(c->jar, (c->n_jar + 1) * sizeof *c->jar);
        c->jar[c->n_jar++] = xstrndup(set_cookie, pair);
    }
}

status_t httpc_req(httpc_t *c, const char *method, const char *path, const char *json_body,
                   const char *const *extra_headers, httpc_resp_t *out)
{
    return httpc_req_body(c, method, path, json_body ? "application/json" : NULL, json_body,
                          json_body ? strlen(json_body) : 0, extra_headers, out);
}

status_t httpc_req_body(httpc_t *c, const char *method, const char *path, const char *content_type,
                        const void *body, size_t len, const char *const *extra_headers,
                        httpc_resp_t *out)
{
    http_resp_t r = HTTP_RESP_INIT;
    buf_t url = BUF_INIT, cookie = BUF_INIT, type = BUF_INIT;
    const char **hdrs = NULL;
    size_t n = 0, extra = 0;
    status_t st;

    buf_printf(&url, "%s%s", c->base, path);
    while (extra_headers && extra_headers[extra])
        extra++;
    hdrs = xcalloc(c->n_defaults + extra + 3, sizeof *hdrs); /* + type, cookie, NULL */
    for (size_t i = 0; i < c->n_defaults; i++)
        hdrs[n++] = c->defaults[i];
    for (size_t i = 0; i < extra; i++)
        hdrs[n++] = extra_headers[i];
    if (content_type) {
        buf_printf(&type, "Content-Type: %s", content_type);
        hdrs[n++] = type.data;
    }
    for (size_t i = 0; i < c->n_jar; i++)
        buf_printf(&cookie, "%s%s", i ? "; " : "Cookie: ", c->jar[i]);
    if (c->n_jar)
        hdrs[n++] = cookie.data;

    http_req_t req = {.method = method,
                      .url = url.data,
                      .headers = hdrs,
                      .body = body,
                      .body_len = len,
                      .timeout_ms = (int)c->timeout_ms,
                      .connect_timeout_ms = (int)c->timeout_ms};
    if ((st = http_request(c->http, &req, &r)))
        goto done;
    for (size_t i = 0; i < r.n_headers; i++)
        if (strcasecmp(r.headers[i].name, "Set-Cookie") == 0)
            jar_take(c, r.headers[i].value);
    httpc_resp_cleanup(out);
    out->status = r.status;
    out->headers = r.headers;
    out->n_headers = r.n_headers;
    out->body = r.body;
    r.headers = NULL;
    r.n_headers = 0;
    buf_init(&r.body);
done:
    http_resp_cleanup(&r);
    free(hdrs);
    buf_cleanup(&url);
    buf_cleanup(&cookie);
    buf_cleanup(&type);
    return st;
}

const char *httpc_resp_header(const httpc_resp_t *r, const char *name)
{
    for (size_t i = 0; r && i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

json_t *httpc_resp_json(httpc_resp_t *r)
{
    if (!r->json && r->body.len)
        r->json = json_loadb(r->body.data, r->body.len, 0, NULL);
    return r->json;
}

json_t *httpc_json_path(json_t *root, const char *path)
{
    json_t *cur = root;
    const char *p = path;

    while (cur && p && *p) {
        size_t n = strcspn(p, ".");
        char *seg = xstrndup(p, n);
        char *end;
        if (json_is_array(cur)) {
            unsigned long i = strtoul(seg, &end, 10);
            cur = *seg && !*end ? json_array_get(cur, i) : NULL;
        } else {
            cur = json_object_get(cur, seg); /* NULL when cur is not an object */
        }
        free(seg);
        p += n;
        if (*p == '.')
            p++;
    }
    return cur;
}

const char *httpc_resp_str(httpc_resp_t *r, const char *path)
{
    return json_string_value(httpc_json_path(httpc_resp_json(r), path));
}

char *httpc_cookie(httpc_t *c, const char *name)
{
    long i = find_entry(c->jar, c->n_jar, name, strlen(name), '=', false);
    return i >= 0 ? xstrdup(c->jar[i] + strlen(name) + 1) : NULL;
}
