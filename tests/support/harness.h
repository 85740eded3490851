/* harness.h - helpers for integration tests run by `devstack test` (make test).
 *
 * devstack starts PostgreSQL, nats-server, every service and the edge on free ports, then runs
 * each test binary with this environment:
 *
 *   EDGE_URL         http://127.0.0.1:<edge port>      the stack's edge
 *   NATS_URL         nats://127.0.0.1:<port>
 *   DATABASE_URL     postgresql://app:<pw>@127.0.0.1:<pg port>/platform  (role app: not a
 *                    superuser, may create schemas: what tests of libshared's db code use)
 *   DATABASE_URL_<SVC> the role of service <svc> (DATABASE_URL_AGENTS, ...): owns schema <svc>
 *                    and nothing else; harness_spawn_service hands a replica its own as
 *                    DATABASE_URL and no other
 *   PG_ADMIN_URL     postgresql://postgres@127.0.0.1:<pg port>/platform  (superuser, tests only)
 *   VAR_DIR          the stack's data dir (services write e.g. $VAR_DIR/outbox)
 *   STACK_BIN_DIR    where the service binaries are
 *   STACK_LOG_DIR    where their logs are (<name>.log; replicas: <name>-<pid>.log)
 *   NATS_MONITOR_URL, NATS_PORT, PG_PORT, EDGE_PORT, EDGE_STATIC_DIR, PUBLIC_URL, LOG_LEVEL
 *
 * Plain C, no Criterion: unit tests link this file too. Typical use in a Criterion test:
 *
 *     Test(auth, replica_takes_over) {
 *         pid_t extra = harness_spawn_service("auth", NULL);
 *         cr_assert(extra > 0);
 *         char *body = NULL;
 *         int code = harness_http("POST", "/api/auth/login", "{...}", NULL, &body);
 *         ...
 *         cr_assert_eq(harness_stop(extra), 0);
 *         free(body);
 *     }
 *
 * A second edge needs its own port: harness_spawn_service("edge", (const char *[]){
 * "EDGE_PORT=<harness_free_port()>", NULL}) and then harness_wait_ready().
 * Replicas are killed when the test process (a Criterion worker) exits, and devstack kills
 * whatever a test binary leaves behind in its process group.
 */
#ifndef TESTS_SUPPORT_HARNESS_H
#define TESTS_SUPPORT_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

/* getenv that aborts with a clear message when name is unset (the test was not started by
 * devstack test). */
const char *harness_env(const char *name);
/* getenv, NULL when unset or empty. */
const char *harness_env_opt(const char *name);
/* True when running under devstack test (EDGE_URL, NATS_URL and PG_ADMIN_URL set): tests can
 * skip themselves otherwise. */
bool harness_in_stack(void);

/* Starts another replica of $STACK_BIN_DIR/<name> with the stack's environment narrowed to that
 * service (DATABASE_URL = DATABASE_URL_<NAME>, or none; no other role, no superuser) plus extra_env
 * ("KEY=VALUE" strings, NULL-terminated, may be NULL; they override), output appended to
 * $STACK_LOG_DIR/<name>-<pid>.log. Returns the pid, or -1 (message on stderr). */
pid_t harness_spawn_service(const char *name, const char *const extra_env[]);
/* kill(2): 0 or -1. */
int harness_kill(pid_t pid, int sig);
/* Waits for a spawned replica: its waitpid status (>= 0), or -1 on timeout (it keeps running). */
int harness_wait_exit(pid_t pid, int timeout_ms);
/* SIGTERM, SIGKILL after 5 s, reaped: 0 when it exited 0 or died of the SIGTERM, else its
 * waitpid status (non-zero), -1 if it was not a child. */
int harness_stop(pid_t pid);
/* printf into a heap string (free it). */
char *harness_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* A free TCP port on 127.0.0.1 (for an extra edge), -1 when none. */
int harness_free_port(void);
/* A private nats-server on 127.0.0.1:port (its output dropped), with JetStream stored in store
 * unless store is NULL, and its monitoring endpoint (/connz, ...) on monitor_port unless 0;
 * returns once it listens: its pid, -1 when it did not start. Stop it with harness_stop. */
pid_t harness_start_nats(int port, const char *store, int monitor_port);
/* Polls GET <base_url>/api/health/ready until 200; false on timeout. */
bool harness_wait_ready(const char *base_url, int timeout_ms);
/* Path of a replica's log: $STACK_LOG_DIR/<name>-<pid>.log (caller frees). */
char *harness_log_path(const char *name, pid_t pid);

/* HTTP against the edge. path is relative to $EDGE_URL ("/api/...") or a full URL; json_body
 * NULL for no body; headers NULL-terminated "Name: value" strings or NULL. Returns the status
 * code (0: no answer); *response (may be NULL) gets the body, caller frees. */
int harness_http(const char *method, const char *path, const char *json_body,
                 const char *const headers[], char **response);

/* SQL as superuser on PG_ADMIN_URL (assertions on the database; row-level security does not
 * apply). harness_pg_exec: true on success, the error on stderr otherwise. harness_pg_value:
 * the first column of the first row (caller frees), NULL when no row, NULL value or error. */
bool harness_pg_exec(const char *sql);
char *harness_pg_value(const char *sql);
/* Same with $1..$n text parameters. */
char *harness_pg_value_params(const char *sql, int nparams, const char *const params[]);

/* Creates schema (as the role of DATABASE_URL, which then owns it) with the outbox tables, from
 * the kit's outbox migration (outbox_migration_sql). True on success, the error on stderr. */
bool harness_outbox_schema(const char *schema);

#endif
