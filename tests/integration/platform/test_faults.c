/* test_faults.c - the platform rides out a NATS restart: a private nats-server with every service
 * and an edge on it (so the shared stack is untouched), NATS killed and started again on the same
 * port, and the same session keeps working once the connections have re-established themselves.
 * While NATS is down the edge answers 503 quickly instead of hanging. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/util.h"
#include "stack/stack.h"
#include "tests/support/harness.h"
#include "tests/support/httpc.h"

/* With JetStream, as every stack has it (outbox relays, durable consumers); store survives a
 * restart. */
static pid_t start_nats(int port, const char *store)
{
    pid_t pid = harness_start_nats(port, store, 0);
    cr_assert_gt(pid, 0);
    return pid;
}

#define MAX_SERVICES 32

/* Starts every service of the stack (every program in STACK_BIN_DIR but the edge, devstack and
 * helper programs <service>-<program>)
 * against the private NATS, since the edge's readiness needs each one the routes name. */
static int start_services(const char *const env[], pid_t pids[MAX_SERVICES])
{
    int n = 0;
    DIR *d = opendir(harness_env("STACK_BIN_DIR"));
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d)) && n < MAX_SERVICES;) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "edge") == 0 ||
            strcmp(e->d_name, "devstack") == 0 ||
            strchr(e->d_name, '-')) /* a service's helper (ingest-extract), as devstack skips */
            continue;
        pids[n] = harness_spawn_service(e->d_name, env);
        cr_assert(pids[n] > 0, "spawn %s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* GET path until it answers want or timeout_ms passes; the last status. */
static long poll_status(httpc_t *c, const char *path, long want, int timeout_ms)
{
    long got = 0;
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        httpc_resp_t r = HTTPC_RESP_INIT;
        if (httpc_req(c, "GET", path, NULL, NULL, &r) == ST_OK)
            got = r.status;
        httpc_resp_cleanup(&r);
        if (got == want)
            break;
        usleep(100 * 1000);
    }
    return got;
}

Test(faults, nats_restart_is_survived, .timeout = 120)
{
    int nport = harness_free_port(), eport = harness_free_port();
    char store[256];
    snprintf(store, sizeof store, "%s/faults-js-%d", harness_env("VAR_DIR"), (int)getpid());
    pid_t nats = start_nats(nport, store);
    char e_nats[64], e_port[32], base[64];
    snprintf(e_nats, sizeof e_nats, "NATS_URL=nats://127.0.0.1:%d", nport);
    snprintf(e_port, sizeof e_port, "EDGE_PORT=%d", eport);
    const char *svc_env[] = {e_nats, NULL};
    const char *edge_env[] = {e_nats, e_port, "EDGE_TIMEOUT_MS=1500", NULL};
    pid_t services[MAX_SERVICES];
    int nservices = start_services(svc_env, services);
    pid_t edge = harness_spawn_service("edge", edge_env);
    cr_assert(nservices > 0 && edge > 0);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", eport);
    cr_assert(harness_wait_ready(base, 30000), "private stack ready");

    httpc_t *c = httpc_new(base);
    httpc_resp_t r = HTTPC_RESP_INIT;
    char id[37], body[256];
    uuid_new(id);
    snprintf(body, sizeof body,
             "{\"email\":\"fault-%.8s@example.com\",\"password\":\"Correct-Horse-42\","
             "\"name\":\"F\",\"org_name\":\"F org\"}",
             id);
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/register", body, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 201, "%s", r.body.data);
    httpc_resp_cleanup(&r);
    cr_assert_eq(poll_status(c, "/api/auth/me", 200, 0), 200);

    /* NATS goes away: the edge stays up and says so quickly. */
    cr_assert_eq(stack_proc_stop(nats, SIGKILL, 1000) >= 0, true);
    httpc_set_timeout(c, 5000);
    long down = poll_status(c, "/api/health/ready", 503, 5000);
    cr_assert_eq(down, 503, "readiness while NATS is down: %ld", down);
    cr_assert_eq(poll_status(c, "/api/health", 200, 0), 200, "liveness does not need NATS");

    /* NATS comes back on the same port: both services reconnect by themselves. */
    nats = start_nats(nport, store);
    long up = poll_status(c, "/api/auth/me", 200, 30000);
    cr_assert_eq(up, 200, "the session works again after the restart: %ld", up);
    cr_assert_eq(poll_status(c, "/api/health/ready", 200, 10000), 200);

    httpc_free(c);
    cr_assert_eq(harness_stop(edge), 0, "edge stops cleanly");
    for (int i = 0; i < nservices; i++)
        cr_assert_eq(harness_stop(services[i]), 0, "service %d stops cleanly", i);
    stack_proc_stop(nats, SIGTERM, 5000);
}
