/* test_agents_replicas.c - two agents replicas answer one client; stopping one (cleanly or
 * killed hard) loses no request after it; with every replica gone the edge answers 503 at once,
 * and after a restart every acknowledged change is there, each announced once in the outbox; a
 * replica killed while clients write loses no acknowledged change, and every committed change
 * reaches the EVENTS stream exactly once.
 * The replicas, an auth replica and an edge run on a private nats-server (with JetStream, for
 * their outbox relays) and share the stack's database, so the shared stack is never touched. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "agents_helpers.h"
#include "shared/bus.h"
#include "shared/outbox.h"
#include "stack/stack.h"

typedef struct {
    pid_t nats, edge;
    char nats_env[96], edge_url[64], store[128], monitor_url[64];
    char db[48], db_env[256], admin_url[256]; /* a database of its own ("" = the stack's) */
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
    const char *env[] = {p->nats_env, "LOG_LEVEL=info", p->db[0] ? p->db_env : NULL, NULL};
    pid_t pid = harness_spawn_service(name, env);
    cr_assert_gt(pid, 0);
    wait_serving(name, pid);
    return pid;
}

static void private_start(private_t *p)
{
    int nport = harness_free_port(), eport = harness_free_port(), mport = harness_free_port();
    char edge_env[32];
    snprintf(p->store, sizeof p->store, "%s/agents-replicas-js-%d", harness_env("VAR_DIR"),
             (int)getpid());
    snprintf(p->monitor_url, sizeof p->monitor_url, "http://127.0.0.1:%d", mport);
    cr_assert_gt(p->nats = harness_start_nats(nport, p->store, mport), 0);
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
    if (p->db[0]) {
        char *sql = fmt("DROP DATABASE %s", p->db);
        harness_pg_exec(sql);
        free(sql);
    }
}

/* Client connections named `name` the private nats-server has (its /connz), -1 if it did not
 * answer. */
static int connections(const private_t *p, const char *name)
{
    httpc_t *m = httpc_new(p->monitor_url);
    httpc_resp_t r = HTTPC_RESP_INIT;
    int n = -1;
    if (httpc_req(m, "GET", "/connz?limit=1024", NULL, NULL, &r) == ST_OK && r.status == 200) {
        json_t *conns = httpc_json_path(httpc_resp_json(&r), "connections");
        n = 0;
        for (size_t i = 0; i < json_array_size(conns); i++) {
            const char *cn = json_string_value(json_object_get(json_array_get(conns, i), "name"));
            n += cn && strcmp(cn, name) == 0;
        }
    }
    httpc_resp_cleanup(&r);
    httpc_free(m);
    return n;
}

/* Waits until the server has dropped a replica killed hard: until it has read the end of that
 * connection, the replica stays in the queue group and a request routed to it is lost (the
 * client waits out its timeout), however long ago the process died. */
static void wait_connections(const private_t *p, const char *name, int want)
{
    int got = connections(p, name);
    for (int i = 0; i < 400 && got != want; i++) {
        usleep(25 * 1000);
        got = connections(p, name);
    }
    cr_assert_eq(got, want, "the server still counts %d %s connections, not %d", got, name, want);
}

/* A URL of the stack's cluster naming database db instead of the stack's. */
static void url_with_db(const char *url, const char *db, char *out, size_t outlen)
{
    const char *slash = strrchr(url, '/'), *query = strchr(url, '?');
    cr_assert_not_null(slash);
    snprintf(out, outlen, "%.*s/%s%s", (int)(slash - url), url, db, query ? query : "");
}

/* The private replicas get a database of their own: no replica of the stack (or of another
 * test) relays their outbox to another server. */
static void private_database(private_t *p)
{
    char id[37];
    uuid_new(id);
    snprintf(p->db, sizeof p->db, "private_%.8s", id);
    char *sql = fmt("CREATE DATABASE %s OWNER app", p->db);
    cr_assert(harness_pg_exec(sql));
    free(sql);
    char url[200];
    url_with_db(harness_env("DATABASE_URL"), p->db, url, sizeof url);
    snprintf(p->db_env, sizeof p->db_env, "DATABASE_URL=%s", url);
    url_with_db(harness_env("PG_ADMIN_URL"), p->db, p->admin_url, sizeof p->admin_url);
}

/* count(*) of sql ($1 = param) in the private database. */
static long private_count(const private_t *p, const char *sql, const char *param)
{
    PGconn *c = PQconnectdb(p->admin_url);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    PGresult *r = PQexecParams(c, sql, 1, NULL, &param, NULL, NULL, 0);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    long n = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return n;
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

/* Registers a new owner through c (which keeps the session cookie); their organisation's id. */
static char *sign_up(httpc_t *c, const char *tag)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char id[37], body[256];
    uuid_new(id);
    snprintf(body, sizeof body,
             "{\"email\":\"%s-%.8s@example.com\",\"password\":\"" PASSWORD "\","
             "\"name\":\"R\",\"org_name\":\"%s org\"}",
             tag, id, tag);
    cr_assert_eq(httpc_req(c, "POST", "/api/auth/register", body, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 201, "%s", r.body.data);
    char *org = xstrdup(httpc_resp_str(&r, "organization.id"));
    httpc_resp_cleanup(&r);
    return org;
}

Test(agents_replicas, replicas_share_the_work_and_losing_one_loses_nothing, .timeout = 180)
{
    private_t p = {0};
    private_start(&p);
    pid_t auth = spawn(&p, "auth");
    pid_t a = spawn(&p, "agents"), b = spawn(&p, "agents");

    httpc_t *c = httpc_new(p.edge_url);
    char *org = sign_up(c, "replicas");

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
    wait_connections(&p, "agents", 1);
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

/* ---- killed mid-run ------------------------------------------------------------------------ */

/* Clients creating agents as fast as they are answered, tallying the answers. */
typedef struct {
    const char *url, *sid;
    atomic_bool stop;
    atomic_long created, unavailable, timed_out, other;
} writers_t;

static void *writer(void *arg)
{
    writers_t *w = arg;
    httpc_t *c = httpc_new(w->url);
    char *cookie = fmt("sid=%s", w->sid);
    httpc_set_header(c, "Cookie", cookie);
    for (int n = 0; !atomic_load(&w->stop); n++) {
        long s = create(c, n);
        atomic_fetch_add(s == 201   ? &w->created
                         : s == 503 ? &w->unavailable
                         : s == 504 ? &w->timed_out
                                    : &w->other,
                         1);
        if (s != 201)
            usleep(5 * 1000);
    }
    free(cookie);
    httpc_free(c);
    return NULL;
}

/* evt.agents.agent.created messages of one organisation seen on EVENTS, by Nats-Msg-Id. */
static struct {
    pthread_mutex_t mu;
    const char *org;
    int n, dups;
    char ids[4096][37];
} created_events = {.mu = PTHREAD_MUTEX_INITIALIZER};

static status_t on_created(void *ctx, natsMsg *msg, int delivery)
{
    const char *id = NULL, *org = NULL;
    (void)ctx;
    (void)delivery;
    natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
    natsMsgHeader_Get(msg, BUS_HDR_ORG, &org);
    if (!org || strcmp(org, created_events.org) != 0)
        return ST_OK;
    pthread_mutex_lock(&created_events.mu);
    bool dup = false;
    for (int i = 0; id && i < created_events.n; i++)
        dup |= strcmp(created_events.ids[i], id) == 0;
    if (dup)
        created_events.dups++;
    else if (id && created_events.n < 4096)
        snprintf(created_events.ids[created_events.n++], 37, "%s", id);
    pthread_mutex_unlock(&created_events.mu);
    return ST_OK;
}

static int created_seen(void)
{
    pthread_mutex_lock(&created_events.mu);
    int n = created_events.n;
    pthread_mutex_unlock(&created_events.mu);
    return n;
}

Test(agents_replicas, killed_mid_run_loses_nothing_and_every_event_reaches_the_stream_once,
     .timeout = 180)
{
    private_t p = {0};
    private_database(&p);
    private_start(&p);
    pid_t auth = spawn(&p, "auth");
    pid_t a = spawn(&p, "agents"), b = spawn(&p, "agents");

    httpc_t *c = httpc_new(p.edge_url);
    char *org = sign_up(c, "midrun");
    char *sid = httpc_cookie(c, "sid");
    cr_assert_not_null(sid);

    writers_t w = {.url = p.edge_url, .sid = sid};
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, writer, &w);

    /* Mid-run: a dies hard, then b stops too; for a while no replica answers at all. */
    usleep(700 * 1000);
    cr_assert_gt(atomic_load(&w.created), 0, "the writers got going");
    cr_assert_eq(harness_kill(a, SIGKILL), 0);
    cr_assert_geq(harness_wait_exit(a, 5000), 0);
    usleep(300 * 1000);
    cr_assert_eq(harness_kill(b, SIGKILL), 0);
    cr_assert_geq(harness_wait_exit(b, 5000), 0);
    long before = atomic_load(&w.unavailable);
    for (int i = 0; i < 1000 && atomic_load(&w.unavailable) < before + 3; i++)
        usleep(10 * 1000);
    cr_assert_geq(atomic_load(&w.unavailable), before + 3, "no replica: the edge answers 503");

    /* Restarted: the writers go on, the new replica relays what the dead ones left. */
    pid_t d = spawn(&p, "agents");
    long resumed = atomic_load(&w.created);
    for (int i = 0; i < 500 && atomic_load(&w.created) < resumed + 20; i++)
        usleep(10 * 1000);
    atomic_store(&w.stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    cr_assert_geq(atomic_load(&w.created), resumed + 20, "writes succeed after the restart");
    cr_assert_eq(atomic_load(&w.other), 0, "only 201, 503 or 504 (in flight on a dead replica)");

    /* Every acknowledged agent is there; a request that timed out may or may not have been. */
    long acked = atomic_load(&w.created),
         stored = private_count(&p, "SELECT count(*) FROM agents.agents WHERE org_id = $1", org);
    cr_assert_geq(stored, acked, "an acknowledged agent was lost");
    cr_assert_leq(stored, acked + atomic_load(&w.timed_out));
    cr_assert_eq(private_count(&p,
                               "SELECT count(*) FROM agents.outbox WHERE org_id = $1 "
                               "AND subject = 'evt.agents.agent.created'",
                               org),
                 stored);

    /* On the private server's EVENTS: each committed agent's event exactly once. */
    created_events.org = org;
    bus_t *bus = NULL;
    cr_assert_eq(bus_connect("test", p.nats_env + strlen("NATS_URL="), 5000, &bus), ST_OK);
    cr_assert_eq(bus_js_ensure_stream(bus, OUTBOX_STREAM, OUTBOX_STREAM_SUBJECT), ST_OK);
    cr_assert_eq(bus_js_consume(bus, OUTBOX_STREAM, "test_midrun", "evt.agents.agent.created", 5,
                                on_created, NULL),
                 ST_OK);
    for (int waited = 0; waited < 15000 && created_seen() < stored; waited += 50)
        usleep(50 * 1000);
    usleep(1000 * 1000); /* duplicates would show by now */
    cr_assert_eq(created_seen(), stored, "every committed agent announced on EVENTS: %d of %ld",
                 created_seen(), stored);
    cr_assert_eq(created_events.dups, 0, "an event reached EVENTS twice");
    bus_free(bus);

    cr_assert_eq(harness_stop(d), 0);
    harness_stop(auth);
    private_stop(&p);
    free(sid);
    free(org);
    httpc_free(c);
}

/* ---- cached lists ---------------------------------------------------------------------------- */

/* The name of the first agent of GET /api/agents (the caller frees). */
static char *first_name(httpc_t *c)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    cr_assert_eq(httpc_req(c, "GET", "/api/agents?sort=name", NULL, NULL, &r), ST_OK);
    cr_assert_eq(r.status, 200, "%s", r.body.data);
    char *name = xstrdup(httpc_resp_str(&r, "items.0.name"));
    httpc_resp_cleanup(&r);
    return name;
}

Test(agents_replicas, every_replica_lists_a_change_at_once, .timeout = 120)
{
    private_t p = {0};
    private_start(&p);
    pid_t auth = spawn(&p, "auth");
    pid_t a = spawn(&p, "agents"), b = spawn(&p, "agents");

    httpc_t *c = httpc_new(p.edge_url);
    free(sign_up(c, "fresh"));
    httpc_resp_t r = HTTPC_RESP_INIT;
    char body[64];
    cr_assert_eq(httpc_req(c, "POST", "/api/agents", "{\"name\":\"v0\"}", NULL, &r), ST_OK);
    cr_assert_eq(r.status, 201);
    char *path = fmt("/api/agents/%s", httpc_resp_str(&r, "id"));
    httpc_resp_cleanup(&r);

    /* Every rename is seen by the very next lists, whichever replica answers them (each list
     * is cached by the replica that answered it, so both hold stale copies to drop). */
    for (int v = 1; v <= 20; v++) {
        for (int i = 0; i < 4; i++)
            free(first_name(c));
        snprintf(body, sizeof body, "{\"name\":\"v%d\"}", v);
        cr_assert_eq(httpc_req(c, "PATCH", path, body, NULL, &r), ST_OK);
        cr_assert_eq(r.status, 200);
        httpc_resp_cleanup(&r);
        for (int i = 0; i < 4; i++) {
            char *name = first_name(c);
            char want[16];
            snprintf(want, sizeof want, "v%d", v);
            cr_assert_str_eq(name, want, "a list after rename %d showed %s", v, name);
            free(name);
        }
    }
    cr_assert_gt(log_mentions("agents", a, "updated agent"), 0, "replica a served none");
    cr_assert_gt(log_mentions("agents", b, "updated agent"), 0, "replica b served none");

    harness_stop(a);
    harness_stop(b);
    harness_stop(auth);
    private_stop(&p);
    free(path);
    httpc_free(c);
}
