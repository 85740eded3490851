/* test_agents_replicas.c - two agents replicas answer one client; stopping one (cleanly or
 * killed hard) loses no request after it; with every replica gone the edge answers 503 at once,
 * and after a restart every acknowledged change is there, each announced once in the outbox.
 * The replicas, an auth replica and an edge run on a private nats-server (with JetStream, for
 * their outbox relays) and share the stack's database, so the shared stack is never touched. */
#include <signal.h>
#include <sys/wait.h>

#include "agents_helpers.h"
#include "stack/stack.h"

typedef struct {
    pid_t nats, edge;
    char nats_env[96], edge_url[64], store[128];
} private_t;

/* Waits until a replica's log says it serves. */
static void wait_serving(const char *name, pid_t pid)
{
    char *path = harness_log_path(name, pid), *want = fmt("%s: ready", name);
    for (int i = 0; i < 400; i++) {
        char *log = slurp(path);
        bool ready = log && strstr(log, want);
        free(log);
        if (ready)
            break;
        cr_assert_lt(i, 399, "%s replica %d did not get ready; see %s", name, (int)pid, path);
        cr_assert_eq(kill(pid, 0), 0, "%s replica %d died; see %s", name, (int)pid, path);
        usleep(25 * 1000);
    }
    free(want);
    free(path);
}

static pid_t spawn(private_t *p, const char *name)
{
    const char *env[] = {p->nats_env, "LOG_LEVEL=info", NULL};
    pid_t pid = harness_spawn_service(name, env);
    cr_assert_gt(pid, 0);
    wait_serving(name, pid);
    return pid;
}

static void private_start(private_t *p)
{
    int nport = harness_free_port(), eport = harness_free_port();
    char port_s[16], edge_env[32];
    snprintf(port_s, sizeof port_s, "%d", nport);
    snprintf(p->store, sizeof p->store, "%s/agents-replicas-js-%d", harness_env("VAR_DIR"),
             (int)getpid());
    char *argv[] = {"nats-server", "-a", "127.0.0.1", "-p", port_s, "-js", "-sd", p->store, NULL};
    stack_spawn_opts_t opts = STACK_SPAWN_OPTS_INIT;
    opts.log_path = "/dev/null";
    cr_assert_eq(stack_spawn("/usr/sbin/nats-server", argv, NULL, &opts, &p->nats), ST_OK);
    cr_assert_eq(stack_port_wait(nport, p->nats, 10000), ST_OK);
    snprintf(p->nats_env, sizeof p->nats_env, "NATS_URL=nats://127.0.0.1:%d", nport);

    snprintf(edge_env, sizeof edge_env, "EDGE_PORT=%d", eport);
    snprintf(p->edge_url, sizeof p->edge_url, "http://127.0.0.1:%d", eport);
    const char *env[] = {p->nats_env, edge_env, "EDGE_TIMEOUT_MS=3000", "LOG_LEVEL=info", NULL};
    p->edge = harness_spawn_service("edge", env);
    cr_assert_gt(p->edge, 0);
    cr_assert_eq(stack_port_wait(eport, p->edge, 10000), ST_OK);
}

static void private_stop(private_t *p)
{
    harness_stop(p->edge);
    stack_proc_stop(p->nats, SIGTERM, 5000);
}

/* Creates agent `name` through the private edge; the status. */
static long create(httpc_t *c, int n)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char body[64];
    snprintf(body, sizeof body, "{\"name\":\"replica test %d\"}", n);
    cr_assert_eq(httpc_req(c, "POST", "/api/agents", body, NULL, &r), ST_OK);
    long s = r.status;
    httpc_resp_cleanup(&r);
    return s;
}

/* Lines of a replica's log that mention `needle`. */
static int log_mentions(const char *name, pid_t pid, const char *needle)
{
    char *path = harness_log_path(name, pid), *log = slurp(path);
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, needle)); p++)
        n++;
    free(log);
    free(path);
    return n;
}

Test(agents_replicas, replicas_share_the_work_and_losing_one_loses_nothing, .timeout = 180)
{
    private_t p;
    private_start(&p);
    pid_t auth = spawn(&p, "auth");
    pid_t a = spawn(&p, "agents"), b = spawn(&p, "agents");

    httpc_t *c = httpc_new(p.edge_url);
    httpc_resp_t r = HTTPC_RESP_INIT;
    char id[37], body[256];
    uuid_new(id);
    snprintf(body, sizeof body,
             "{\"email\":\"replicas-%.8s@example.com\",\"password\":\"" PASSWORD "\","
             "\"name\":\"R\",\"org_name\":\"R org\"}",
             id);
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/register", body, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 201, "%s", r.body.data);
    char *org = xstrdup(httpc_resp_str(&r, "organization.id"));
    httpc_resp_cleanup(&r);

    /* Both replicas answer. */
    int acked = 0;
    for (int i = 0; i < 30; i++) {
        cr_assert_eq(create(c, i), 201);
        acked++;
    }
    cr_assert_gt(log_mentions("agents", a, "created agent"), 0, "replica a served none");
    cr_assert_gt(log_mentions("agents", b, "created agent"), 0, "replica b served none");

    /* a stops cleanly: every request after it is answered by b. */
    cr_assert_eq(harness_stop(a), 0, "agents exits 0 on SIGTERM");
    for (int i = 0; i < 10; i++, acked++)
        cr_assert_eq(create(c, 100 + i), 201);

    /* A new replica c; b is killed hard: c answers everything after. */
    pid_t c2 = spawn(&p, "agents");
    cr_assert_eq(harness_kill(b, SIGKILL), 0);
    cr_assert_geq(harness_wait_exit(b, 5000), 0);
    for (int i = 0; i < 10; i++, acked++)
        cr_assert_eq(create(c, 200 + i), 201);

    /* No replica at all: 503 at once, nothing written. */
    cr_assert_eq(harness_stop(c2), 0);
    int64_t t0 = time_mono_us();
    cr_assert_eq(create(c, 999), 503);
    cr_assert_lt(time_mono_us() - t0, 2000000, "no responders is answered quickly");
    cr_assert_eq(org_agents(org), acked);

    /* Back again: every acknowledged agent is there, each announced exactly once. */
    pid_t d = spawn(&p, "agents");
    httpc_resp_t list = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, "GET", "/api/agents?per_page=100", NULL, NULL, &list), ST_OK);
    cr_assert_eq(list.status, 200);
    cr_assert_eq(json_integer_value(httpc_json_path(httpc_resp_json(&list), "total")), acked);
    httpc_resp_cleanup(&list);
    cr_assert_eq(pg_count("SELECT count(*) FROM agents.outbox WHERE org_id = $1 "
                          "AND subject = 'evt.agents.agent.created'",
                          org),
                 acked);

    cr_assert_eq(harness_stop(d), 0);
    harness_stop(auth);
    private_stop(&p);
    free(org);
    httpc_free(c);
}
