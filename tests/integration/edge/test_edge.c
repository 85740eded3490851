/* test_edge.c - the edge against the real stack: every error status on real routes, request ids,
 * the generated OpenAPI document, static files, and WebSocket notification delivery. The 503 and
 * 504 cases run a second edge on a private nats-server, so no service of the shared stack has to
 * be stopped: with nobody subscribed the edge must say 503, with a silent subscriber 504. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <nats/nats.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/util.h"
#include "stack/stack.h"
#include "tests/support/harness.h"
#include "tests/support/httpc.h"
#include "tests/support/wsclient.h"

static char *unique_email(const char *tag)
{
    char id[37], *out = NULL;
    uuid_new(id);
    if (asprintf(&out, "%s-%.8s@example.com", tag, id) < 0)
        abort();
    return out;
}

/* Registers a fresh user in a fresh organisation; c keeps the session cookie. */
static void sign_up(httpc_t *c, const char *tag, char **user_id, char **org_id)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *email = unique_email(tag), body[512];
    snprintf(body, sizeof body,
             "{\"email\":\"%s\",\"password\":\"Correct-Horse-42\",\"name\":\"%s\","
             "\"org_name\":\"%s org\"}",
             email, tag, tag);
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/register", body, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 201, "register: %ld %s", r.status, r.body.data);
    if (user_id)
        *user_id = xstrdup(httpc_resp_str(&r, "user.id"));
    if (org_id)
        *org_id = xstrdup(httpc_resp_str(&r, "organization.id"));
    httpc_resp_cleanup(&r);
    free(email);
}

static void expect_error(httpc_resp_t *r, long status, const char *code)
{
    cr_assert_eq(r->status, status, "expected %ld, got %ld: %s", status, r->status,
                 r->body.data ? r->body.data : "");
    cr_assert_str_eq(httpc_resp_str(r, "error.code"), code);
    const char *rid = httpc_resp_str(r, "error.request_id");
    cr_assert(rid && *rid);
    cr_assert_str_eq(rid, httpc_resp_header(r, "x-request-id"));
    cr_assert(httpc_resp_str(r, "error.message"));
}

/* A request that must fail with status and the error code (expect_error). */
static void expect_call_error(httpc_t *c, const char *method, const char *path, const char *body,
                              long status, const char *code)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, method, path, body, NULL, &r), ST_OK);
    expect_error(&r, status, code);
    httpc_resp_cleanup(&r);
}

static httpc_t *client(void)
{
    return httpc_new(harness_env("EDGE_URL"));
}

Test(edge, health_and_ready)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, "GET", "/api/health", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    httpc_resp_cleanup(&r);
    cr_assert_eq(httpc_req(c, "GET", "/api/health/ready", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    cr_assert_str_eq(httpc_resp_str(&r, "checks.auth"), "ok");
    cr_assert_str_eq(httpc_resp_str(&r, "checks.bus"), "ok");
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge, malformed_json_is_400)
{
    httpc_t *c = client();
    expect_call_error(c, "POST", "/api/auth/login", "{\"email\": ", 400, "invalid_argument");
    expect_call_error(c, "POST", "/api/auth/login", "[1,2]", 400, "invalid_argument");
    httpc_free(c);
}

Test(edge, unknown_field_is_400_naming_it)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/login",
                           "{\"email\":\"a@example.com\",\"password\":\"x\",\"remember_me\":true}",
                           NULL, &r),
                 ST_OK);
    expect_error(&r, 400, "invalid_argument");
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "remember_me"), "%s", r.body.data);
    httpc_resp_cleanup(&r);
    /* Wrong type names the field too. */
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/login", "{\"email\":42}", NULL, &r), ST_OK);
    expect_error(&r, 400, "invalid_argument");
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "email"), "%s", r.body.data);
    httpc_resp_cleanup(&r);
    /* Unknown query parameter on a GET route. */
    sign_up(c, "query", NULL, NULL);
    cr_assert_eq(httpc_req(c, "GET", "/api/auth/me?verbose=1", NULL, NULL, &r), ST_OK);
    expect_error(&r, 400, "invalid_argument");
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "verbose"), "%s", r.body.data);
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge, path_parameter_wins_over_the_body)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *uid = NULL, path[128], body[160];
    sign_up(c, "pathwins", &uid, NULL);
    snprintf(path, sizeof path, "/api/org/members/%s", uid);
    snprintf(body, sizeof body,
             "{\"user_id\":\"00000000-0000-4000-8000-000000000000\",\"role\":\"owner\"}");
    cr_assert_eq(httpc_req(c, "PATCH", path, body, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body.data);
    cr_assert_str_eq(httpc_resp_str(&r, "user_id"), uid);
    httpc_resp_cleanup(&r);
    free(uid);
    httpc_free(c);
}

Test(edge, no_credentials_is_401)
{
    httpc_t *c = client();
    expect_call_error(c, "GET", "/api/auth/me", NULL, 401, "unauthorized");
    httpc_set_bearer(c, "ak_not-a-real-key");
    expect_call_error(c, "GET", "/api/auth/me", NULL, 401, "unauthorized");
    httpc_set_bearer(c, NULL);
    httpc_set_header(c, "Cookie", "sid=forged-session-value");
    expect_call_error(c, "GET", "/api/auth/me", NULL, 401, "unauthorized");
    httpc_free(c);
}

Test(edge, cross_site_cookie_request_is_403)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    sign_up(c, "csrf", NULL, NULL);
    /* Same-origin state change works... */
    char origin[256];
    snprintf(origin, sizeof origin, "%s", harness_env("EDGE_URL"));
    httpc_set_header(c, "Origin", origin);
    cr_assert_eq(httpc_req(c, "POST", "/api/api-keys", "{\"name\":\"same site\"}", NULL, &r),
                 ST_OK);
    cr_assert_eq(r.status, 201, "%ld %s", r.status, r.body.data);
    httpc_resp_cleanup(&r);
    /* ...another site's page driving the same cookie does not. */
    httpc_set_header(c, "Origin", "https://evil.example");
    cr_assert_eq(httpc_req(c, "POST", "/api/api-keys", "{\"name\":\"cross site\"}", NULL, &r),
                 ST_OK);
    expect_error(&r, 403, "forbidden");
    httpc_resp_cleanup(&r);
    expect_call_error(c, "POST", "/api/auth/logout", NULL, 403, "forbidden");
    /* Reads are not state changes. */
    cr_assert_eq(httpc_req(c, "GET", "/api/auth/me", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge, unknown_route_is_404_and_wrong_method_405)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    expect_call_error(c, "GET", "/api/no/such/thing", NULL, 404, "not_found");
    cr_assert_eq(httpc_req(c, "DELETE", "/api/auth/login", NULL, NULL, &r), ST_OK);
    expect_error(&r, 405, "method_not_allowed");
    cr_assert_str_eq(httpc_resp_header(&r, "allow"), "POST");
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge, body_over_limit_is_413)
{
    httpc_t *c = client();
    size_t n = 3 * 1024 * 1024;
    char *big = xmalloc(n + 64);
    int k = snprintf(big, 64, "{\"email\":\"");
    memset(big + k, 'a', n);
    strcpy(big + k + n, "\"}");
    expect_call_error(c, "POST", "/api/auth/login", big, 413, "payload_too_large");
    free(big);
    httpc_free(c);
}

Test(edge, request_id_is_propagated)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    httpc_set_header(c, "X-Request-Id", "test-req-0042");
    cr_assert_eq(httpc_req(c, "GET", "/api/auth/me", NULL, NULL, &r), ST_OK);
    cr_assert_str_eq(httpc_resp_header(&r, "x-request-id"), "test-req-0042");
    cr_assert_str_eq(httpc_resp_str(&r, "error.request_id"), "test-req-0042");
    httpc_resp_cleanup(&r);
    /* An unsafe id is replaced, not echoed. */
    httpc_set_header(c, "X-Request-Id", "bad id with spaces");
    cr_assert_eq(httpc_req(c, "GET", "/api/auth/me", NULL, NULL, &r), ST_OK);
    cr_assert_str_neq(httpc_resp_header(&r, "x-request-id"), "bad id with spaces");
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge, openapi_is_generated_from_routes)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, "GET", "/api/openapi.json", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    json_t *doc = httpc_resp_json(&r);
    cr_assert(doc, "openapi.json must parse");
    cr_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    json_t *paths = json_object_get(doc, "paths");
    cr_assert(json_object_get(json_object_get(paths, "/api/auth/login"), "post"));
    cr_assert(json_object_get(json_object_get(paths, "/api/org/members/{user_id}"), "patch"));
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    json_t *login = json_object_get(schemas, "auth.LoginRequest");
    cr_assert(login, "LoginRequest schema");
    cr_assert(json_object_get(json_object_get(login, "properties"), "email"));
    /* Every $ref points at a schema that exists. */
    char *text = json_dumps(doc, 0);
    for (char *p = strstr(text, "#/components/schemas/"); p;
         p = strstr(p + 1, "#/components/schemas/")) {
        char name[128];
        sscanf(p + 21, "%127[^\"]", name);
        cr_assert(json_object_get(schemas, name), "dangling $ref %s", name);
    }
    free(text);
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

Test(edge, console_is_served_with_spa_fallback)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, "GET", "/", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(httpc_resp_header(&r, "content-type"), "text/html"));
    httpc_resp_cleanup(&r);
    cr_assert_eq(httpc_req(c, "GET", "/agents/some-client-route", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200);
    httpc_resp_cleanup(&r);
    cr_assert_eq(httpc_req(c, "GET", "/assets/missing-1234.js", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 404);
    httpc_resp_cleanup(&r);
    httpc_free(c);
}

/* Opens a TCP connection to the edge, sends text, and hangs up without reading. */
static void hang_up_after(const char *text)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)atoi(harness_env("EDGE_PORT")))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

Test(edge, clients_hanging_up_mid_request_do_no_harm)
{
    httpc_t *c = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *uid = NULL, *sid, req[512];
    sign_up(c, "hangup", &uid, NULL);
    sid = httpc_cookie(c, "sid");
    snprintf(req, sizeof req, "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nCookie: sid=%s\r\n\r\n",
             sid);
    for (int i = 0; i < 200; i++) {
        hang_up_after(req); /* the reply arrives after the client has gone */
        hang_up_after(
            "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"e");
        hang_up_after("GET /api/auth/m");
    }
    cr_assert_eq(httpc_req(c, "GET", "/api/auth/me", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200, "the edge still answers: %ld", r.status);
    cr_assert_str_eq(httpc_resp_str(&r, "user.id"), uid);
    httpc_resp_cleanup(&r);
    free(sid);
    free(uid);
    httpc_free(c);
}

/* ---- WebSocket ------------------------------------------------------------------------------ */

static natsConnection *nats(void)
{
    natsConnection *nc = NULL;
    cr_assert_eq(natsConnection_ConnectTo(&nc, harness_env("NATS_URL")), NATS_OK);
    return nc;
}

static wsc_t *ws_open(httpc_t *c, int *status)
{
    char *sid = httpc_cookie(c, "sid"), cookie[512];
    int port = atoi(harness_env("EDGE_PORT"));
    snprintf(cookie, sizeof cookie, "Cookie: sid=%s", sid ? sid : "");
    free(sid);
    const char *hdrs[] = {cookie, NULL};
    return wsc_connect("127.0.0.1", port, "/ws", hdrs, status);
}

static json_t *ws_next(wsc_t *ws, int timeout_ms)
{
    char *text = NULL;
    if (wsc_recv_text(ws, timeout_ms, &text) != ST_OK)
        return NULL;
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    return j;
}

Test(edge, websocket_gets_own_notifications_only)
{
    httpc_t *a = client(), *b = client();
    char *ua, *oa, *ub;
    int status = 0;
    sign_up(a, "wsa", &ua, &oa);
    sign_up(b, "wsb", &ub, NULL);

    wsc_t *wa = ws_open(a, &status), *wb = ws_open(b, &status);
    cr_assert(wa && wb, "upgrade refused: %d", status);
    json_t *hello = ws_next(wa, 5000);
    cr_assert(hello);
    cr_assert_str_eq(json_string_value(json_object_get(hello, "type")), "hello");
    cr_assert_str_eq(json_string_value(json_object_get(hello, "user_id")), ua);
    json_decref(hello);
    json_decref(ws_next(wb, 5000));

    natsConnection *nc = nats();
    char subject[160];
    snprintf(subject, sizeof subject, "notify.user.%s.test", ua);
    cr_assert_eq(natsConnection_PublishString(nc, subject, "{\"n\":1}"), NATS_OK);
    snprintf(subject, sizeof subject, "notify.org.%s.agent_created", oa);
    cr_assert_eq(natsConnection_PublishString(nc, subject, "{\"n\":2}"), NATS_OK);
    natsConnection_Flush(nc);

    /* The user and org subjects are separate subscriptions: either may arrive first. */
    json_t *m1 = ws_next(wa, 5000), *m2 = ws_next(wa, 5000);
    cr_assert(m1 && m2);
    if (strcmp(json_string_value(json_object_get(m1, "kind")), "test") != 0) {
        json_t *t = m1;
        m1 = m2;
        m2 = t;
    }
    cr_assert_str_eq(json_string_value(json_object_get(m1, "type")), "notification");
    cr_assert_str_eq(json_string_value(json_object_get(m1, "kind")), "test");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(m1, "data"), "n")), 1);
    cr_assert_str_eq(json_string_value(json_object_get(m2, "kind")), "agent_created");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(m2, "data"), "n")), 2);
    json_decref(m1);
    json_decref(m2);
    /* User B saw neither. */
    json_t *none = ws_next(wb, 700);
    cr_assert_null(none, "user B received another user's notification");

    /* And B gets its own. */
    snprintf(subject, sizeof subject, "notify.user.%s.test", ub);
    natsConnection_PublishString(nc, subject, "plain text");
    natsConnection_Flush(nc);
    json_t *mb = ws_next(wb, 5000);
    cr_assert(mb);
    cr_assert_str_eq(json_string_value(json_object_get(mb, "data")), "plain text");
    json_decref(mb);

    wsc_close(wa);
    wsc_close(wb);
    natsConnection_Destroy(nc);
    free(ua);
    free(oa);
    free(ub);
    httpc_free(a);
    httpc_free(b);
}

Test(edge, websocket_every_socket_of_the_user)
{
    httpc_t *a = client();
    char *ua;
    int status;
    sign_up(a, "wsmulti", &ua, NULL);
    wsc_t *s1 = ws_open(a, &status), *s2 = ws_open(a, &status);
    cr_assert(s1 && s2);
    json_decref(ws_next(s1, 5000));
    json_decref(ws_next(s2, 5000));
    natsConnection *nc = nats();
    char subject[160];
    snprintf(subject, sizeof subject, "notify.user.%s.ping", ua);
    natsConnection_PublishString(nc, subject, "{}");
    natsConnection_Flush(nc);
    json_t *m1 = ws_next(s1, 5000), *m2 = ws_next(s2, 5000);
    cr_assert(m1 && m2, "both sockets of the user get the message");
    json_decref(m1);
    json_decref(m2);
    wsc_close(s1);
    wsc_close(s2);
    natsConnection_Destroy(nc);
    free(ua);
    httpc_free(a);
}

Test(edge, websocket_with_api_key)
{
    httpc_t *a = client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *ua, auth[256];
    int status = 0;
    sign_up(a, "wskey", &ua, NULL);
    cr_assert_eq(httpc_req(a, "POST", "/api/api-keys", "{\"name\":\"socket\"}", NULL, &r), ST_OK);
    cr_assert_eq(r.status, 201, "%s", r.body.data);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", httpc_resp_str(&r, "key"));
    httpc_resp_cleanup(&r);

    const char *hdrs[] = {auth, NULL};
    wsc_t *ws = wsc_connect("127.0.0.1", atoi(harness_env("EDGE_PORT")), "/ws", hdrs, &status);
    cr_assert(ws, "upgrade refused: %d", status);
    json_t *hello = ws_next(ws, 5000);
    cr_assert(hello);
    cr_assert_str_eq(json_string_value(json_object_get(hello, "user_id")), ua);
    json_decref(hello);
    cr_assert_eq(wsc_send_text(ws, "{\"type\":\"ping\"}"), ST_OK);
    json_t *pong = ws_next(ws, 5000);
    cr_assert(pong);
    cr_assert_str_eq(json_string_value(json_object_get(pong, "type")), "pong");
    json_decref(pong);
    wsc_close(ws);
    free(ua);
    httpc_free(a);
}

Test(edge, websocket_without_session_is_refused)
{
    int status = 0;
    int port = atoi(harness_env("EDGE_PORT"));
    wsc_t *ws = wsc_connect("127.0.0.1", port, "/ws", NULL, &status);
    if (ws) {
        /* Accepted at the HTTP level, then closed with 4401 before anything is delivered. */
        char *text = NULL;
        cr_assert_neq(wsc_recv_text(ws, 3000, &text), ST_OK);
        cr_assert_eq(wsc_close_code(ws), 4401);
        wsc_close(ws);
    }
    const char *forged[] = {"Cookie: sid=forged", NULL};
    ws = wsc_connect("127.0.0.1", port, "/ws", forged, &status);
    if (ws) {
        char *text = NULL;
        cr_assert_neq(wsc_recv_text(ws, 3000, &text), ST_OK);
        cr_assert_eq(wsc_close_code(ws), 4401);
        wsc_close(ws);
    }
}

/* ---- 503 and 504: a second edge on a private nats-server ------------------------------------ */

typedef struct {
    pid_t nats, edge;
    int edge_port;
    char nats_url[64];
} private_t;

static void private_start(private_t *p, const char *timeout_ms)
{
    int nport = harness_free_port();
    p->edge_port = harness_free_port();
    cr_assert_gt(p->nats = harness_start_nats(nport, NULL, 0), 0);
    snprintf(p->nats_url, sizeof p->nats_url, "nats://127.0.0.1:%d", nport);
    char e1[96], e2[48], e3[48];
    snprintf(e1, sizeof e1, "NATS_URL=%s", p->nats_url);
    snprintf(e2, sizeof e2, "EDGE_PORT=%d", p->edge_port);
    snprintf(e3, sizeof e3, "EDGE_TIMEOUT_MS=%s", timeout_ms);
    const char *env[] = {e1, e2, e3, NULL};
    p->edge = harness_spawn_service("edge", env);
    cr_assert(p->edge > 0);
    cr_assert_eq(stack_port_wait(p->edge_port, p->edge, 10000), ST_OK);
}

static void private_stop(private_t *p)
{
    harness_stop(p->edge);
    stack_proc_stop(p->nats, SIGTERM, 5000);
}

Test(edge, no_responders_is_503)
{
    private_t p;
    private_start(&p, "2000");
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", p.edge_port);
    httpc_t *c = httpc_new(base);
    httpc_resp_t r = HTTPC_RESP_INIT;
    httpc_resp_cleanup(&r);
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/login",
                           "{\"email\":\"a@example.com\",\"password\":\"whatever-123\"}", NULL, &r),
                 ST_OK);
    expect_error(&r, 503, "unavailable");
    httpc_resp_cleanup(&r);
    /* Readiness says which service is missing. */
    cr_assert_eq(httpc_req(c, "GET", "/api/health/ready", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 503);
    cr_assert_str_eq(httpc_resp_str(&r, "checks.auth"), "no responders");
    httpc_resp_cleanup(&r);
    httpc_free(c);
    private_stop(&p);
}

static void swallow(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    natsMsg_Destroy(msg); /* a service that never answers */
}

Test(edge, past_deadline_is_504)
{
    private_t p;
    private_start(&p, "300");
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    cr_assert_eq(natsConnection_ConnectTo(&nc, p.nats_url), NATS_OK);
    cr_assert_eq(natsConnection_QueueSubscribe(&sub, nc, "svc.auth.login", "auth", swallow, NULL),
                 NATS_OK);
    natsConnection_Flush(nc);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", p.edge_port);
    httpc_t *c = httpc_new(base);
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/login",
                           "{\"email\":\"a@example.com\",\"password\":\"whatever-123\"}", NULL, &r),
                 ST_OK);
    expect_error(&r, 504, "timeout");
    httpc_resp_cleanup(&r);
    httpc_free(c);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    private_stop(&p);
}
