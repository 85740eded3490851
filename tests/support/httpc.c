/* httpc.c - test-side HTTP client: one curl handle with an in-memory cookie jar and default
 * headers, responses as status + headers + body with JSON path helpers (see httpc.h). */
#include "httpc.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct httpc {
    char *base;
    CURL *h;
    char **defaults; /* "Name: value" lines */
    size_t n_defaults;
    long timeout_ms;
};

httpc_t *httpc_new(const char *base_url)
{
    httpc_t *c = xcalloc(1, sizeof *c);

    curl_global_init(CURL_GLOBAL_DEFAULT); /* thread-safe since 7.84; no cleanup, as http.c */
    c->base = xstrdup(base_url);
    c->h = curl_easy_init();
    if (!c->h)
        abort();
    c->timeout_ms = 10000;
    curl_easy_setopt(c->h, CURLOPT_COOKIEFILE, ""); /* enable the in-memory jar */
    return c;
}

void httpc_free(httpc_t *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    for (size_t i = 0; i < c->n_defaults; i++)
        free(c->defaults[i]);
    free(c->defaults);
    free(c->base);
    free(c);
}

void httpc_set_header(httpc_t *c, const char *name, const char *value)
{
    size_t nl = strlen(name);

    for (size_t i = 0; i < c->n_defaults; i++) {
        if (strncasecmp(c->defaults[i], name, nl) == 0 && c->defaults[i][nl] == ':') {
            free(c->defaults[i]);
            c->defaults[i] = c->defaults[--c->n_defaults];
            break;
        }
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

static void headers_free(httpc_resp_t *r)
{
    for (size_t i = 0; i < 2 * r->n_headers; i++)
        free(r->headers[i]);
    free(r->headers);
    r->headers = NULL;
    r->n_headers = 0;
}

void httpc_resp_cleanup(httpc_resp_t *r)
{
    if (!r)
        return;
    headers_free(r);
    buf_cleanup(&r->body);
    json_decref(r->json);
    *r = (httpc_resp_t)HTTPC_RESP_INIT;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    httpc_resp_t *r = ud;
    size_t n = size * nmemb;
    char *colon;

    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' '))
        n--;
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        headers_free(r); /* a new response: keep only the final one's */
    } else if ((colon = memchr(p, ':', n)) && colon != p) {
        char *v = colon + 1;
        while (v < p + n && (*v == ' ' || *v == '\t'))
            v++;
        r->headers = xrealloc(r->headers, 2 * (r->n_headers + 1) * sizeof *r->headers);
        r->headers[2 * r->n_headers] = xstrndup(p, (size_t)(colon - p));
        r->headers[2 * r->n_headers + 1] = xstrndup(v, (size_t)(p + n - v));
        r->n_headers++;
    }
    return size * nmemb;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    buf_append(ud, p, size * nmemb);
    return size * nmemb;
}

status_t httpc_req(httpc_t *c, const char *method, const char *path, const char *json_body,
                   const char *const *extra_headers, httpc_resp_t *out)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    struct curl_slist *hdrs = NULL;
    buf_t url = BUF_INIT;
    CURLcode rc;
    status_t st = ST_OK;

    buf_printf(&url, "%s%s", c->base, path);
    for (size_t i = 0; i < c->n_defaults; i++)
        hdrs = curl_slist_append(hdrs, c->defaults[i]);
    for (const char *const *h = extra_headers; h && *h; h++)
        hdrs = curl_slist_append(hdrs, *h);
    if (json_body)
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");

    /* The same handle serves every request, so clear what the previous one set. */
    curl_easy_setopt(c->h, CURLOPT_URL, url.data);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L); /* resets POST state and the method */
    curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(c->h, CURLOPT_NOBODY, 0L);
    if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(c->h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0 || json_body) {
        curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
        if (json_body || !strcmp(method, "POST") || !strcmp(method, "PUT") ||
            !strcmp(method, "PATCH")) {
            curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, json_body ? (long)strlen(json_body) : 0L);
            curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, json_body ? json_body : "");
        }
    }
    rc = curl_easy_perform(c->h);
    switch (rc) {
    case CURLE_OK:
        break;
    case CURLE_OPERATION_TIMEDOUT:
        st = ST_TIMEOUT;
        break;
    case CURLE_URL_MALFORMAT:
        st = ST_INVALID;
        break;
    default:
        st = ST_UNAVAILABLE;
        break;
    }
    if (st == ST_OK) {
        curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &r.status);
        httpc_resp_cleanup(out);
        *out = r;
        r = (httpc_resp_t)HTTPC_RESP_INIT;
    }
    httpc_resp_cleanup(&r);
    curl_slist_free_all(hdrs);
    buf_cleanup(&url);
    return st;
}

const char *httpc_resp_header(const httpc_resp_t *r, const char *name)
{
    for (size_t i = 0; r && i < r->n_headers; i++)
        if (strcasecmp(r->headers[2 * i], name) == 0)
            return r->headers[2 * i + 1];
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
    struct curl_slist *list = NULL;
    char *value = NULL;

    if (curl_easy_getinfo(c->h, CURLINFO_COOKIELIST, &list) != CURLE_OK)
        list = NULL;
    /* Netscape format: domain, tailmatch, path, secure, expires, name, value (tab-separated). */
    for (struct curl_slist *l = list; l && !value; l = l->next) {
        const char *f = l->data;
        for (int i = 0; i < 5 && f; i++) {
            f = strchr(f, '\t');
            f = f ? f + 1 : NULL;
        }
        const char *tab = f ? strchr(f, '\t') : NULL;
        if (tab && (size_t)(tab - f) == strlen(name) && strncmp(f, name, strlen(name)) == 0)
            value = xstrdup(tab + 1);
    }
    curl_slist_free_all(list);
    return value;
}
