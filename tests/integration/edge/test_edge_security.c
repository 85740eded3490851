/* test_edge_security.c - where credentials may be, CORS for other sites' apps using API keys,
 * exact origin comparison, the client address behind trusted proxies, and the headers every
 * answer carries. Extra edges (own ports) run with the CORS and proxy settings under test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/support/httpc.h"
#include "tests/support/rawhttp.h"

#define APP "https://app.example.com"

typedef struct {
    char *sid;
    char *key;
} creds_t;

/* A fresh user with a session (sid) and an API key. */
static creds_t make_creds(const char *tag)
{
    httpc_t *c = httpc_new(harness_env("EDGE_URL"));
    httpc_resp_t r = HTTPC_RESP_INIT;
    char id[37], body[512];
    creds_t out;
    uuid_new(id);
    snprintf(body, sizeof body,
             "{\"email\":\"%s-%.8s@example.com\",\"password\":\"Correct-Horse-42\",\"name\":\"%s\","
             "\"org_name\":\"%s org\"}",
             tag, id, tag, tag);
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/register", body, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 201, "%s", r.body.data);
    cr_assert_eq(httpc_req(c, "POST", "/api/api-keys", "{\"name\":\"k\"}", NULL, &r), ST_OK);
    cr_assert_eq(r.status, 201, "%s", r.body.data);
    out.key = xstrdup(httpc_resp_str(&r, "key"));
    out.sid = httpc_cookie(c, "sid");
    cr_assert(out.sid && out.key);
    httpc_resp_cleanup(&r);
    httpc_free(c);
    return out;
}

static void creds_free(creds_t *c)
{
    free(c->sid);
    free(c->key);
}

/* One request on a fresh connection to port: its status; the raw answer in *r (cleanup). */
static int ask(int port, const char *method, const char *path, const char *headers,
               const char *body, rawhttp_t *r)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s", method, path,
               port, headers ? headers : "");
    if (body)
        buf_printf(&b, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                   strlen(body), body);
    else
        buf_puts(&b, "\r\n");
    rawhttp_exchange(port, b.data, b.len, 0, 3000, r);
    buf_cleanup(&b);
    cr_assert_eq(r->n, 1, "%s", r->data);
    return r->status[0];
}

static int ask_status(int port, const char *method, const char *path, const char *headers,
                      const char *body)
{
    rawhttp_t r;
    int st = ask(port, method, path, headers, body, &r);
    rawhttp_cleanup(&r);
    return st;
}

static bool has_header(const rawhttp_t *r, const char *name, const char *want)
{
    char v[512];
    if (!rawhttp_header(r, 0, name, v, sizeof v))
        return false;
    return !want || strstr(v, want) != NULL;
}

/* Another edge with extra settings; *port gets its port. */
static pid_t spawn_edge(int *port, const char *e1, const char *e2)
{
    static char penv[32], url[64];
    *port = harness_free_port();
    snprintf(penv, sizeof penv, "EDGE_PORT=%d", *port);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", *port);
    pid_t pid = harness_spawn_service("edge", (const char *[]){penv, e1, e2, NULL});
    cr_assert_gt(pid, 0);
    cr_assert(harness_wait_ready(url, 20000));
    return pid;
}

Test(edge_security, credentials_only_in_their_place)
{
    int port = atoi(harness_env("EDGE_PORT"));
    creds_t c = make_creds("place");
    char h[512];
    /* In their place, accepted (and now cached). */
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", c.key);
    cr_assert_eq(ask_status(port, "GET", "/api/auth/me", h, NULL), 200);
    snprintf(h, sizeof h, "Cookie: sid=%s\r\n", c.sid);
    cr_assert_eq(ask_status(port, "GET", "/api/auth/me", h, NULL), 200);
    /* Swapped, refused: also when the identity is in the edge's cache. */
    snprintf(h, sizeof h, "Cookie: sid=%s\r\n", c.key);
    cr_assert_eq(ask_status(port, "GET", "/api/auth/me", h, NULL), 401);
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", c.sid);
    cr_assert_eq(ask_status(port, "GET", "/api/auth/me", h, NULL), 401);
    creds_free(&c);
}

Test(edge_security, origin_is_compared_exactly)
{
    int port = atoi(harness_env("EDGE_PORT"));
    creds_t c = make_creds("origin");
    char h[512];
    snprintf(h, sizeof h, "Cookie: sid=%s\r\nOrigin: http://127.0.0.1:%d\r\n", c.sid, port);
    cr_assert_eq(ask_status(port, "POST", "/api/api-keys", h, "{\"name\":\"same\"}"), 201);
    /* Same host, other scheme or port: another origin. */
    snprintf(h, sizeof h, "Cookie: sid=%s\r\nOrigin: https://127.0.0.1:%d\r\n", c.sid, port);
    cr_assert_eq(ask_status(port, "POST", "/api/api-keys", h, "{\"name\":\"https\"}"), 403);
    snprintf(h, sizeof h, "Cookie: sid=%s\r\nOrigin: http://127.0.0.1:%d\r\n", c.sid, port + 1);
    cr_assert_eq(ask_status(port, "POST", "/api/api-keys", h, "{\"name\":\"port\"}"), 403);
    snprintf(h, sizeof h, "Cookie: sid=%s\r\nOrigin: http://127.0.0.1:%d.evil.example\r\n", c.sid,
             port);
    cr_assert_eq(ask_status(port, "POST", "/api/api-keys", h, "{\"name\":\"suffix\"}"), 403);
    creds_free(&c);
}

Test(edge_security, cors_for_api_keys_from_configured_origins, .timeout = 60)
{
    int port;
    pid_t edge =
        spawn_edge(&port, "EDGE_CORS_ORIGINS=" APP ", https://other.example.com:8443", NULL);
    creds_t c = make_creds("cors");
    rawhttp_t r;
    char h[512];

    /* Preflight from a configured origin. */
    cr_assert_eq(ask(port, "OPTIONS", "/api/api-keys",
                     "Origin: " APP "\r\nAccess-Control-Request-Method: POST\r\n"
                     "Access-Control-Request-Headers: authorization, content-type\r\n",
                     NULL, &r),
                 204, "%s", r.data);
    cr_assert(has_header(&r, "access-control-allow-origin", APP));
    cr_assert(has_header(&r, "access-control-allow-methods", "POST"));
    cr_assert(has_header(&r, "access-control-allow-headers", "authorization"));
    cr_assert(has_header(&r, "access-control-allow-headers", "content-type"));
    cr_assert(has_header(&r, "access-control-max-age", NULL));
    cr_assert(has_header(&r, "vary", "origin"));
    cr_assert_not(has_header(&r, "access-control-allow-credentials", NULL));
    rawhttp_cleanup(&r);
    /* Other sites, other schemes or ports of a configured one: refused. */
    cr_assert_eq(ask_status(port, "OPTIONS", "/api/api-keys",
                            "Origin: https://evil.example\r\nAccess-Control-Request-Method: "
                            "POST\r\n",
                            NULL),
                 403);
    cr_assert_eq(ask_status(port, "OPTIONS", "/api/api-keys",
                            "Origin: http://app.example.com\r\nAccess-Control-Request-Method: "
                            "POST\r\n",
                            NULL),
                 403);
    cr_assert_eq(ask_status(port, "OPTIONS", "/api/api-keys",
                            "Origin: https://other.example.com:8443\r\n"
                            "Access-Control-Request-Method: POST\r\n",
                            NULL),
                 204);
    /* The actual requests with a key: answered with the CORS headers, state changes too. */
    snprintf(h, sizeof h, "Origin: " APP "\r\nAuthorization: Bearer %s\r\n", c.key);
    cr_assert_eq(ask(port, "GET", "/api/auth/me", h, NULL, &r), 200);
    cr_assert(has_header(&r, "access-control-allow-origin", APP));
    cr_assert(has_header(&r, "access-control-expose-headers", "x-request-id"));
    cr_assert_not(has_header(&r, "access-control-allow-credentials", NULL));
    rawhttp_cleanup(&r);
    cr_assert_eq(ask_status(port, "POST", "/api/api-keys", h, "{\"name\":\"from app\"}"), 201);
    /* Errors carry them too, so the app can read them. */
    cr_assert_eq(ask(port, "GET", "/api/nope", "Origin: " APP "\r\n", NULL, &r), 404);
    cr_assert(has_header(&r, "access-control-allow-origin", APP));
    rawhttp_cleanup(&r);
    /* A cookie is no credential across origins. */
    snprintf(h, sizeof h, "Origin: " APP "\r\nCookie: sid=%s\r\n", c.sid);
    cr_assert_eq(ask_status(port, "POST", "/api/api-keys", h, "{\"name\":\"cookie\"}"), 403);
    creds_free(&c);
    cr_assert_eq(harness_stop(edge), 0);
}

/* The address auth recorded for a failed sign-in of a new email sent with this XFF. */
static char *recorded_ip(int port, const char *xff)
{
    char id[37], body[256], h[256], email[80];
    uuid_new(id);
    snprintf(email, sizeof email, "xff-%.8s@example.com", id);
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"Wrong-Password-1\"}", email);
    snprintf(h, sizeof h, "X-Forwarded-For: %s\r\n", xff);
    cr_assert_eq(ask_status(port, "POST", "/api/auth/login", h, body), 401);
    const char *p[] = {email};
    return harness_pg_value_params("SELECT ip FROM auth.login_attempts WHERE email = $1", 1, p);
}

Test(edge_security, client_address_from_the_right_of_x_forwarded_for, .timeout = 60)
{
    int port1, port2, port3;
    pid_t e1 = spawn_edge(&port1, "EDGE_TRUSTED_HOPS=1", NULL);
    pid_t e2 = spawn_edge(&port2, "EDGE_TRUSTED_HOPS=2", NULL);
    /* The older switch EDGE_TRUST_PROXY is gone: it trusts nothing. */
    pid_t e3 = spawn_edge(&port3, "EDGE_TRUST_PROXY=true", NULL);
    char *ip;

    ip = recorded_ip(port1, "6.6.6.6, 198.51.100.7");
    cr_assert_str_eq(ip, "198.51.100.7", "the client-chosen left entry is not believed");
    free(ip);
    ip = recorded_ip(port2, "6.6.6.6, 198.51.100.8, 10.0.0.2");
    cr_assert_str_eq(ip, "198.51.100.8");
    free(ip);
    ip = recorded_ip(port2, "198.51.100.9");
    cr_assert_str_eq(ip, "198.51.100.9", "fewer entries than hops: the left-most");
    free(ip);
    /* Without trusted hops the header is ignored. */
    ip = recorded_ip(atoi(harness_env("EDGE_PORT")), "198.51.100.10");
    cr_assert_str_eq(ip, "127.0.0.1");
    free(ip);
    ip = recorded_ip(port3, "198.51.100.11");
    cr_assert_str_eq(ip, "127.0.0.1", "EDGE_TRUST_PROXY is no longer read");
    free(ip);
    cr_assert_eq(harness_stop(e1), 0);
    cr_assert_eq(harness_stop(e2), 0);
    cr_assert_eq(harness_stop(e3), 0);
}

Test(edge_security, response_headers, .timeout = 60)
{
    rawhttp_t r;
    int port = atoi(harness_env("EDGE_PORT")), tls_port;
    cr_assert_eq(ask(port, "GET", "/api/health", NULL, NULL, &r), 200);
    cr_assert(has_header(&r, "permissions-policy", "camera=()"));
    cr_assert(has_header(&r, "content-security-policy", "default-src 'none'"));
    cr_assert(has_header(&r, "x-content-type-options", "nosniff"));
    cr_assert_not(has_header(&r, "x-xss-protection", NULL));
    cr_assert_not(has_header(&r, "strict-transport-security", NULL), "PUBLIC_URL is http");
    rawhttp_cleanup(&r);
    pid_t e = spawn_edge(&tls_port, "PUBLIC_URL=https://console.example.com", NULL);
    cr_assert_eq(ask(tls_port, "GET", "/api/health", NULL, NULL, &r), 200);
    cr_assert(has_header(&r, "strict-transport-security", "max-age="));
    rawhttp_cleanup(&r);
    cr_assert_eq(harness_stop(e), 0);
}
