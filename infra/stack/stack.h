/* stack.h - supervise the local platform: PostgreSQL, nats-server, every service and the edge.
 *
 * Used by build/bin/devstack (`make run`, and `devstack test` for the integration tests) and by
 * the test harness (tests/support/harness.c) that starts extra replicas. Two layers:
 *
 *   - small process/port/HTTP helpers (stack_port_*, stack_env_*, stack_spawn, stack_proc_*);
 *   - devstack_t, one local stack with its data under var_dir:
 *
 *     devstack_t s;
 *     devstack_init(&s);
 *     s.var_dir = xstrdup("/abs/var"); ... ports, bin_dir, repo_dir, ephemeral ...
 *     stack_signals_install();                 // SIGINT/SIGTERM only set a flag
 *     if (!(st = devstack_start(&s)))          // pg, nats, services, edge; waits until ready
 *         while (!stack_interrupted()) devstack_supervise(&s, 500);
 *     devstack_stop(&s);                       // edge+services, then nats, then pg
 *     devstack_cleanup(&s);
 *
 * Children run in their own process group (a terminal's Ctrl-C reaches devstack only, which then
 * stops everything in order) and get a parent-death signal, so nothing outlives a killed devstack.
 * When running as root, initdb and postgres run as the unprivileged system user agentpg
 * (STACK_PG_USER), created on first use.
 */
#ifndef INFRA_STACK_H
#define INFRA_STACK_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "shared/status.h"

#define STACK_PG_USER        "agentpg"
#define STACK_STOP_GRACE_MS  5000  /* SIGTERM, then SIGKILL after this long */
#define STACK_READY_TIMEOUT  60000 /* default readiness wait, ms (env STACK_READY_TIMEOUT, s) */
#define STACK_LOG_TAIL_LINES 20

/* ---- signals --------------------------------------------------------------------------------- */

/* SIGINT, SIGTERM and SIGHUP set a flag that every wait in this module checks; SIGPIPE ignored. */
void stack_signals_install(void);
bool stack_interrupted(void);

/* ---- ports ----------------------------------------------------------------------------------- */

/* A currently free TCP port on 127.0.0.1 (bind to port 0), never one this process handed out
 * before. */
status_t stack_port_free(int *port /* OUT */);
/* True if a server could not bind 127.0.0.1:port (someone listens there). */
bool stack_port_busy(int port);
/* ST_CONFLICT with a message on stderr naming var when the port is busy:
 * "port 8080 is in use (EDGE_PORT): stop the other program or set EDGE_PORT". */
status_t stack_port_check(int port, const char *var);
/* Waits until 127.0.0.1:port accepts connections, while pid (if > 0) is alive. */
status_t stack_port_wait(int port, pid_t pid, int timeout_ms);

/* ---- environments ---------------------------------------------------------------------------- */

/* A NULL-terminated "KEY=VALUE" array for execve, owned strings. */
typedef struct {
    char **v;
    size_t n, cap;
} stack_env_t;

void stack_env_init(stack_env_t *env);         /* empty */
void stack_env_init_environ(stack_env_t *env); /* a copy of this process's environ */
void stack_env_set(stack_env_t *env, const char *key, const char *value); /* replaces */
void stack_env_setf(stack_env_t *env, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void stack_env_put(stack_env_t *env, const char *kv); /* "KEY=VALUE", replaces KEY */
void stack_env_unset(stack_env_t *env, const char *key);
const char *stack_env_get(const stack_env_t *env, const char *key); /* NULL when unset */
void stack_env_cleanup(stack_env_t *env);

/* ---- processes ------------------------------------------------------------------------------- */

typedef struct {
    const char *log_path; /* stdout+stderr appended here; NULL: inherit */
    int out_fd;           /* when >= 0 (and no log_path): stdout+stderr go to this fd */
    const char *run_as;   /* user name to setuid to (root only), or NULL */
    const char *cwd;      /* working directory, NULL: inherit */
    bool own_group;       /* setpgid(0, 0): a terminal's Ctrl-C does not reach it */
    int death_sig;        /* sent to the child when this process dies; 0: none */
} stack_spawn_opts_t;

#define STACK_SPAWN_OPTS_INIT                                                                      \
    {                                                                                              \
        NULL, -1, NULL, NULL, true, SIGTERM                                                        \
    }

/* fork + execve(path, argv, envp). envp NULL: this process's environ. A child that cannot exec
 * writes why to its log and exits 127. */
status_t stack_spawn(const char *path, char *const argv[], char *const envp[],
                     const stack_spawn_opts_t *opts, pid_t *pid /* OUT */);
/* Waits for pid up to timeout_ms (< 0: forever). true and *status (waitpid status) when it
 * exited; false on timeout. Not interrupted by stack_interrupted(). */
bool stack_proc_wait(pid_t pid, int timeout_ms, int *status /* OUT, may be NULL */);
/* Sends sig, waits up to grace_ms, then SIGKILL (to the process group too when it leads one) and
 * waits. Returns the waitpid status, or -1 if pid was not a child. */
int stack_proc_stop(pid_t pid, int sig, int grace_ms);
/* "exited with status 1", "killed by signal 9 (Killed)" into out. */
void stack_status_describe(int status, char *out, size_t outlen);
/* Runs argv to completion (output to log_path or inherited); its waitpid status in *status. */
status_t stack_run(char *const argv[], const stack_spawn_opts_t *opts, int *status /* OUT */);

/* ---- files ----------------------------------------------------------------------------------- */

/* mkdir -p with mode for created directories. */
status_t stack_mkdirs(const char *path, mode_t mode);
/* rm -rf; ST_OK when path did not exist. */
status_t stack_rmtree(const char *path);
/* chown -R to uid:gid. */
status_t stack_chown_tree(const char *path, uid_t uid, gid_t gid);
/* The last `lines` lines of the file at path, each prefixed with prefix, to out. */
void stack_log_tail(const char *path, int lines, const char *prefix, FILE *out);

/* ---- HTTP (shared/http.h) ------------------------------------------------------------------ */

/* One request; *code is the HTTP status (0 when no answer). body and the response may be NULL.
 * The response is NUL-terminated, caller frees. */
status_t stack_http(const char *method, const char *url, const char *json_body,
                    const char *const headers[], int timeout_ms, int *code /* OUT */,
                    char **response /* OUT, may be NULL */);
/* stack_http, and *cookie (caller frees; NULL when the answer set none) gets
 * "<cookie_name>=<value>" from the answer's Set-Cookie headers, ready for a Cookie header. */
status_t stack_http_cookie(const char *method, const char *url, const char *json_body,
                           const char *const headers[], int timeout_ms, int *code /* OUT */,
                           char **response /* OUT, may be NULL */, const char *cookie_name,
                           char **cookie /* OUT */);

/* ---- the demo organisation (make run) -------------------------------------------------------- */

#define STACK_DEMO_EMAIL    "demo@example.com"
#define STACK_DEMO_PASSWORD "Demo-Agents-2026"

/* Makes sure the demo account exists on the edge at http://127.0.0.1:<edge_port>: signs it up
 * when it is not there and then gives its organisation a sample agent with a sales script and a
 * knowledge-base category with two articles (Russian and English). Warnings go to stderr. True
 * when the demo account can sign in afterwards. */
bool stack_seed_demo(int edge_port);

/* ---- one local stack ------------------------------------------------------------------------- */

typedef struct {
    char *name;     /* "auth", "edge", "postgres", "nats" */
    char *path;     /* executable */
    char *log_path; /* <log_dir>/<name>.log */
    pid_t pid;      /* 0 when not running */
    int last_status;
    int restarts;
    int64_t started_us; /* monotonic */
    int64_t retry_at_us;
    bool failed;     /* died unexpectedly or stopped uncleanly */
    int health_port; /* services: its HEALTH_PORT (/healthz, /readyz, /metrics), kept on restart */
} stack_proc_t;

typedef struct {
    /* Configuration: set these (heap strings, owned, freed by devstack_cleanup) before start. */
    char *repo_dir;  /* absolute; web/dist or web/placeholder is served from here */
    char *bin_dir;   /* services are the executables here (see devstack_discover) */
    char *var_dir;   /* absolute; pg/, nats/, log/, outbox/ ... live under it */
    char *log_level; /* LOG_LEVEL for services */
    bool ephemeral;  /* tests: fsync off etc., no restarts, data thrown away */
    bool restart;    /* restart services that die (make run) */
    int edge_port, nats_port, nats_mon_port, pg_port;
    int ready_timeout_ms;

    /* State. */
    char *log_dir;
    char *pg_bindir;
    stack_proc_t pg, nats;
    stack_proc_t *svcs; /* services in start order, the edge last */
    size_t nsvcs;
    bool have_edge;
    stack_env_t svc_env; /* environment of every service (narrowed per service at spawn) */
    stack_env_t db_urls; /* DATABASE_URL (role app) and DATABASE_URL_<NAME> per service role */
} devstack_t;

void devstack_init(devstack_t *s);
void devstack_cleanup(devstack_t *s); /* frees; does not stop anything (call devstack_stop) */

/* Services: every executable in bin_dir that is not a tool (infra/<name>/main.c exists) nor
 * listed in STACK_EXCLUDE (space-separated); sorted, the edge last. */
status_t devstack_discover(devstack_t *s);
/* The environment services get: this process's environ plus NATS_URL, LOG_LEVEL, VAR_DIR,
 * EDGE_PORT, EDGE_STATIC_DIR, PUBLIC_URL, every URL of s->db_urls and HEALTH_PORT=0 (each process
 * devstack starts gets a free port of its own instead; replicas a test starts serve none unless
 * asked); each service is spawned with it narrowed by stack_env_for_service. */
void devstack_service_env(const devstack_t *s, stack_env_t *env /* OUT, init'ed here */);
/* What tests get: the service environment (DATABASE_URL is role app's, which may create scratch
 * schemas; DATABASE_URL_<NAME> each service's own) plus EDGE_URL, PG_ADMIN_URL, STACK_BIN_DIR,
 * STACK_LOG_DIR, NATS_PORT, PG_PORT, NATS_MONITOR_URL, STACK_VAR_DIR, and HEALTH_PORT_<NAME>
 * (upper case) for each service, its health port. */
void devstack_test_env(const devstack_t *s, stack_env_t *env /* OUT, init'ed here */);
/* "auth 40123, agents 40125, ..., edge 40131": every service's health port, for banners. */
void devstack_health_ports(const devstack_t *s, char *out, size_t outlen);

/* Initialises the cluster on first use (as agentpg when root), starts postgres on
 * 127.0.0.1:pg_port only (only postgres trusted, other roles by password), waits for it, ensures
 * database platform, role app and, for every discovered service with a database
 * (devstack_has_db), a role of its name owning the schema of its name and nothing else; each
 * role gets a fresh password, its URL (with application_name) stored in s->db_urls. */
status_t devstack_pg_start(devstack_t *s);
/* True when services/<name>/migrations exists under repo_dir: the service has a database. */
bool devstack_has_db(const devstack_t *s, const char *name);
/* Narrows a stack environment to what service `name` may see: DATABASE_URL becomes the value of
 * DATABASE_URL_<NAME> (upper case, '-' as '_'), or is removed when there is none (the service
 * has no database); every other DATABASE_URL_* and PG_ADMIN_URL are removed. */
void stack_env_for_service(stack_env_t *env, const char *name);
/* Starts nats-server with JetStream (store under var_dir/nats) and waits for it. */
status_t devstack_nats_start(devstack_t *s);
/* Starts every discovered service, the edge last. */
status_t devstack_services_start(devstack_t *s);
/* Polls GET /api/health/ready until 200; skipped (ST_OK, warning) without an edge. On failure
 * prints the tail of every log. */
status_t devstack_wait_ready(devstack_t *s, int timeout_ms);
/* pg, nats, services, ready: all of it. On failure what was started keeps running: call
 * devstack_stop. */
status_t devstack_start(devstack_t *s);
/* Reaps children for up to wait_ms. A dead service is restarted with backoff when s->restart,
 * else marked failed. ST_UNAVAILABLE when postgres or nats died (the stack is unusable). */
status_t devstack_supervise(devstack_t *s, int wait_ms);
/* Edge and services (SIGTERM, SIGKILL after 5 s), then nats, then postgres (fast shutdown).
 * In ephemeral mode a service that exits non-zero or must be killed is marked failed. */
void devstack_stop(devstack_t *s);
/* Number of services marked failed; their log tails printed to out when out != NULL. */
size_t devstack_failures(const devstack_t *s, FILE *out);
/* Tail of every service's log to out; postgres' and nats' too when core_too or they failed. */
void devstack_print_logs(const devstack_t *s, bool core_too, FILE *out);

#endif
