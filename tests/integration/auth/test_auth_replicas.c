/* test_auth_replicas.c - several auth replicas serve the same requests, and losing one (killed
 * hard, or stopped cleanly) loses no request after it. The replicas and an edge run on a private
 * nats-server, sharing the stack's database, so the shared stack's own auth is never touched. */
#include "tests/support/auth_helpers.h"

#include <signal.h>
#include <sys/wait.h>

#include "stack/stack.h"

typedef struct {
    pid_t nats, edge;
    char nats_env[96], edge_url[64];
} private_t;

/* Waits until the replica's log says it serves (its subscriptions are registered by then). */
static void wait_serving(pid_t pid)
{
    char *path = harness_log_path("auth", pid);
    for (int i = 0; i < 400; i++) {
        char *log = slurp(path);
        bool ready = log && strstr(log, "auth: ready");
        free(log);
        if (ready)
            break;
        cr_assert_lt(i, 399, "auth replica %d did not get ready; see %s", (int)pid, path);
        cr_assert_eq(kill(pid, 0), 0, "auth replica %d died; see %s", (int)pid, path);
        usleep(25 * 1000);
    }
    free(path);
}

static pid_t spawn_auth(private_t *p)
{
    const char *env[] = {p->nats_env, "LOG_LEVEL=info", NULL};
    pid_t pid = harness_spawn_service("auth", env);
    cr_assert_gt(pid, 0);
    wait_serving(pid);
    return pid;
}

/* A private nats-server; replicas are started with spawn_auth, then the edge. */
static void private_start_nats(private_t *p)
{
    int nport = harness_free_port();
    cr_assert_gt(p->nats = harness_start_nats(nport, NULL, 0), 0);
    snprintf(p->nats_env, sizeof p->nats_env, "NATS_URL=nats://127.0.0.1:%d", nport);
}

/* An edge on the private nats-server; waits until GET /api/health answers. */
static void private_start_edge(private_t *p)
{
    int eport = harness_free_port();
    char edge_env[32];
    snprintf(edge_env, sizeof edge_env, "EDGE_PORT=%d", eport);
    snprintf(p->edge_url, sizeof p->edge_url, "http://127.0.0.1:%d", eport);
    const char *env[] = {p->nats_env, edge_env, "LOG_LEVEL=info", NULL};
    p->edge = harness_spawn_service("edge", env);
    cr_assert_gt(p->edge, 0);
    cr_assert_eq(stack_port_wait(eport, p->edge, 10000), ST_OK);
    httpc_t *c = httpc_new(p->edge_url);
    long status = 0;
    for (int i = 0; i < 200 && status != 200; i++) {
        httpc_resp_t r = HTTPC_RESP_INIT;
        if (httpc_req(c, "GET", "/api/health", NULL, NULL, &r) == ST_OK)
            status = r.status;
        httpc_resp_cleanup(&r);
        if (status != 200)
            usleep(25 * 1000);
    }
    cr_assert_eq(status, 200, "the private edge does not answer /api/health");
    httpc_free(c);
}

static void private_stop(private_t *p)
{
    harness_stop(p->edge);
    stack_proc_stop(p->nats, SIGTERM, 5000);
}

/* Signs in through the private edge; asserts 200 and that /me then answers too. */
static void sign_in(private_t *p, const char *email)
{
    httpc_t *c = httpc_new(p->edge_url);
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = login_body(email, PASSWORD);
    req(c, "POST", "/api/auth/login", body, &r);
    expect_status(&r, 200);
    req(c, "GET", "/api/auth/me", NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "user.email"), email);
    httpc_resp_cleanup(&r);
    free(body);
    httpc_free(c);
}

/* How many sign-ins the replica logged. */
static int sign_ins(pid_t pid)
{
    char *path = harness_log_path("auth", pid), *log = slurp(path);
    int n = 0;
    for (const char *s = log; s && (s = strstr(s, " signed in\"")); s++)
        n++;
    free(log);
    free(path);
    return n;
}

Test(auth_replicas, requests_survive_the_loss_of_a_replica, .timeout = 120)
{
    private_t p;
    private_start_nats(&p);
    pid_t a = spawn_auth(&p), b = spawn_auth(&p);
    private_start_edge(&p);

    /* An account made through the private edge (same database as the shared stack). */
    httpc_t *c = httpc_new(p.edge_url);
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *email = unique_email("replica"), *body = NULL;
    if (asprintf(&body,
                 "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"name\":\"R\","
                 "\"org_name\":\"Replicated\"}",
                 email) < 0)
        abort();
    req(c, "POST", "/api/auth/register", body, &r);
    expect_status(&r, 201);
    httpc_resp_cleanup(&r);

    /* Both replicas take requests (a queue group spreads them at random). */
    for (int i = 0; i < 16; i++)
        sign_in(&p, email);
    cr_assert_gt(sign_ins(a), 0, "replica a served none of 16 sign-ins");
    cr_assert_gt(sign_ins(b), 0, "replica b served none of 16 sign-ins");

    /* Killed without warning: the survivor takes every request after it. */
    cr_assert_eq(harness_kill(a, SIGKILL), 0);
    cr_assert_geq(harness_wait_exit(a, 5000), 0);
    int before = sign_ins(b);
    for (int i = 0; i < 8; i++)
        sign_in(&p, email);
    cr_assert_eq(sign_ins(b), before + 8);

    /* A clean stop (SIGTERM) drains and exits 0; a new replica has taken over by then. */
    pid_t c2 = spawn_auth(&p);
    cr_assert_eq(harness_stop(b), 0, "auth exits 0 on SIGTERM");
    for (int i = 0; i < 8; i++)
        sign_in(&p, email);
    cr_assert_eq(sign_ins(c2), 8);

    cr_assert_eq(harness_stop(c2), 0);
    free(body);
    free(email);
    httpc_free(c);
    private_stop(&p);
}
