/* harness.c - integration-test helpers over infra/stack: the stack's environment, extra service
 * replicas, HTTP to the edge and superuser SQL for assertions. See harness.h. */
#include "harness.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/outbox.h"
#include "shared/util.h"
#include "stack/stack.h"

const char *harness_env_opt(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

const char *harness_env(const char *name)
{
    const char *v = harness_env_opt(name);
    if (!v) {
        fprintf(stderr,
                "harness: environment variable %s is not set: integration tests run inside the "
                "stack, through `make test` or `build/bin/devstack test <test binary>`\n",
                name);
        abort();
    }
    return v;
}

bool harness_in_stack(void)
{
    return harness_env_opt("EDGE_URL") && harness_env_opt("NATS_URL") &&
           harness_env_opt("PG_ADMIN_URL");
}

char *harness_log_path(const char *name, pid_t pid)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s/%s-%ld.log", harness_env("STACK_LOG_DIR"), name, (long)pid);
    return buf_steal(&b);
}

pid_t harness_spawn_service(const char *name, const char *const extra_env[])
{
    stack_env_t env;
    buf_t path = BUF_INIT, tmplog = BUF_INIT;
    stack_spawn_opts_t o = STACK_SPAWN_OPTS_INIT;
    char *argv[] = {NULL, NULL};
    char *log = NULL;
    pid_t pid = -1;

    buf_printf(&path, "%s/%s", harness_env("STACK_BIN_DIR"), name);
    /* The pid is known only after the fork: log to a temporary name, then rename it (the child
     * keeps appending to the same file). */
    buf_printf(&tmplog, "%s/%s-starting-%ld.log", harness_env("STACK_LOG_DIR"), name,
               (long)getpid());
    stack_env_init_environ(&env);
    stack_env_for_service(&env, name); /* its own database role, never the superuser */
    for (size_t i = 0; extra_env && extra_env[i]; i++)
        stack_env_put(&env, extra_env[i]);
    argv[0] = path.data;
    o.log_path = tmplog.data;
    o.own_group = false; /* stays in the test's group: devstack cleans up after the test */
    o.death_sig = SIGTERM;
    if (stack_spawn(path.data, argv, env.v, &o, &pid)) {
        pid = -1;
        goto done;
    }
    log = harness_log_path(name, pid);
    if (rename(tmplog.data, log) < 0)
        fprintf(stderr, "harness: %s logs to %s\n", name, tmplog.data);
done:
    free(log);
    buf_cleanup(&path);
    buf_cleanup(&tmplog);
    stack_env_cleanup(&env);
    return pid;
}

int harness_kill(pid_t pid, int sig)
{
    return kill(pid, sig);
}

int harness_wait_exit(pid_t pid, int timeout_ms)
{
    int ws = -1;
    return stack_proc_wait(pid, timeout_ms, &ws) ? ws : -1;
}

int harness_stop(pid_t pid)
{
    int ws = stack_proc_stop(pid, SIGTERM, STACK_STOP_GRACE_MS);
    if (ws == -1)
        return -1;
    if ((WIFEXITED(ws) && WEXITSTATUS(ws) == 0) || (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM))
        return 0;
    return ws ? ws : 1;
}

char *harness_fmt(const char *f, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, f);
    buf_vprintf(&b, f, ap);
    va_end(ap);
    return buf_steal(&b);
}

int harness_free_port(void)
{
    int port;
    return stack_port_free(&port) ? -1 : port;
}

pid_t harness_start_nats(int port, const char *store, int monitor_port)
{
    char port_s[16], monitor_s[16];
    pid_t pid = -1;
    char *argv[12] = {"nats-server", "-a", "127.0.0.1", "-p", port_s};
    int n = 5;
    snprintf(port_s, sizeof port_s, "%d", port);
    snprintf(monitor_s, sizeof monitor_s, "%d", monitor_port);
    if (store) {
        argv[n++] = "-js";
        argv[n++] = "-sd";
        argv[n++] = (char *)store;
    }
    if (monitor_port) {
        argv[n++] = "-m";
        argv[n++] = monitor_s;
    }
    stack_spawn_opts_t opts = STACK_SPAWN_OPTS_INIT;
    opts.log_path = "/dev/null";
    if (stack_spawn("/usr/sbin/nats-server", argv, NULL, &opts, &pid))
        return -1;
    if (stack_port_wait(port, pid, 10000)) {
        harness_stop(pid);
        return -1;
    }
    return pid;
}

bool harness_wait_ready(const char *base_url, int timeout_ms)
{
    buf_t url = BUF_INIT;
    int64_t deadline = time_mono_us() + (int64_t)timeout_ms * 1000;
    int code = 0;
    bool ok = false;

    buf_printf(&url, "%s/api/health/ready", base_url);
    while (!ok && time_mono_us() < deadline) {
        ok = stack_http("GET", url.data, NULL, NULL, 2000, &code, NULL) == ST_OK && code == 200;
        if (!ok)
            usleep(100000);
    }
    buf_cleanup(&url);
    return ok;
}

int harness_http(const char *method, const char *path, const char *json_body,
                 const char *const headers[], char **response)
{
    buf_t url = BUF_INIT;
    int code = 0;

    if (str_has_prefix(path, "http://") || str_has_prefix(path, "https://"))
        buf_puts(&url, path);
    else
        buf_printf(&url, "%s%s", harness_env("EDGE_URL"), path);
    if (stack_http(method, url.data, json_body, headers, 30000, &code, response) != ST_OK)
        code = 0;
    buf_cleanup(&url);
    return code;
}

static PGconn *connect_to(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "harness: cannot connect to the database: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

static PGconn *admin_connect(void)
{
    return connect_to(harness_env("PG_ADMIN_URL"));
}

/* Runs sql (one or more statements) on url; the error on stderr. */
static bool exec_on(const char *url, const char *sql)
{
    PGconn *c = connect_to(url);
    PGresult *r = NULL;
    bool ok = false;

    if (!c)
        return false;
    r = PQexec(c, sql);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "harness: SQL failed: %s\n  %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok;
}

bool harness_pg_exec(const char *sql)
{
    return exec_on(harness_env("PG_ADMIN_URL"), sql);
}

bool harness_outbox_schema(const char *schema)
{
    buf_t sql = BUF_INIT;
    char *tables = outbox_migration_sql(schema);
    bool ok = false;

    if (!tables) {
        fprintf(stderr, "harness: no outbox migration for schema %s\n", schema);
        goto done;
    }
    buf_printf(&sql, "CREATE SCHEMA \"%s\";\n%s", schema, tables);
    ok = exec_on(harness_env("DATABASE_URL"), sql.data);
done:
    free(tables);
    buf_cleanup(&sql);
    return ok;
}

char *harness_pg_value_params(const char *sql, int nparams, const char *const params[])
{
    PGconn *c = admin_connect();
    PGresult *r = NULL;
    char *v = NULL;

    if (!c)
        return NULL;
    r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "harness: SQL failed: %s\n  %s", sql, PQerrorMessage(c));
    else if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
        v = xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return v;
}

char *harness_pg_value(const char *sql)
{
    return harness_pg_value_params(sql, 0, NULL);
}
