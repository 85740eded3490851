/* stack_devstack.c - one local stack: nats-server, the services found in the bin dir, the edge;
 * readiness, supervision (restart with backoff, or mark failed in tests) and ordered shutdown.
 * PostgreSQL lives in stack_pg.c, the process and port helpers in stack_proc.c. */
#include "stack/stack.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/util.h"

#define NATS_START_TIMEOUT_MS 30000
#define RESTART_BACKOFF_MAX_S 30
#define RESTART_STABLE_US     (60 * 1000000LL) /* up this long: the backoff starts over */

static void proc_set(stack_proc_t *p, const char *name, const char *path, const char *log_dir)
{
    buf_t b = BUF_INIT;
    free(p->name);
    free(p->path);
    free(p->log_path);
    p->name = xstrdup(name);
    p->path = path ? xstrdup(path) : NULL;
    buf_printf(&b, "%s/%s.log", log_dir, name);
    p->log_path = buf_steal(&b);
}

static void proc_cleanup(stack_proc_t *p)
{
    free(p->name);
    free(p->path);
    free(p->log_path);
    memset(p, 0, sizeof *p);
}

void devstack_init(devstack_t *s)
{
    memset(s, 0, sizeof *s);
    s->ready_timeout_ms = STACK_READY_TIMEOUT;
}

void devstack_cleanup(devstack_t *s)
{
    if (!s)
        return;
    free(s->repo_dir);
    free(s->bin_dir);
    free(s->var_dir);
    free(s->log_level);
    free(s->log_dir);
    free(s->pg_bindir);
    proc_cleanup(&s->pg);
    proc_cleanup(&s->nats);
    for (size_t i = 0; i < s->nsvcs; i++)
        proc_cleanup(&s->svcs[i]);
    free(s->svcs);
    stack_env_cleanup(&s->svc_env);
    stack_env_cleanup(&s->db_urls);
    memset(s, 0, sizeof *s);
}

/* Log dir and the names of the fixed processes; idempotent. */
static status_t prepare(devstack_t *s)
{
    buf_t b = BUF_INIT;
    status_t st;

    if (s->log_dir)
        return ST_OK;
    buf_printf(&b, "%s/log", s->var_dir);
    if ((st = stack_mkdirs(b.data, 0755))) {
        buf_cleanup(&b);
        return st;
    }
    s->log_dir = buf_steal(&b);
    proc_set(&s->pg, "postgres", NULL, s->log_dir);
    proc_set(&s->nats, "nats", NULL, s->log_dir);
    return ST_OK;
}

/* ---- services -------------------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A tool built from infra/<name>/main.c (devstack itself, ...), a service's helper program
 * <svc>-<prog> built from services/<svc>/<prog>/main.c (ingest-extract, run by ingest itself),
 * or excluded by STACK_EXCLUDE. */
static bool is_not_service(const devstack_t *s, const char *name)
{
    buf_t b = BUF_INIT;
    const char *ex = getenv("STACK_EXCLUDE");
    const char *repo = s->repo_dir ? s->repo_dir : ".";
    const char *dash = strchr(name, '-');
    bool skip = strcmp(name, "devstack") == 0;

    buf_printf(&b, "%s/infra/%s/main.c", repo, name);
    skip = skip || access(b.data, F_OK) == 0;
    if (dash && !skip) {
        buf_reset(&b);
        buf_printf(&b, "%s/services/%.*s/%s/main.c", repo, (int)(dash - name), name, dash + 1);
        skip = access(b.data, F_OK) == 0;
    }
    buf_cleanup(&b);
    for (const char *p = ex; p && *p && !skip;) {
        size_t len = strcspn(p, " ,");
        skip = len == strlen(name) && strncmp(p, name, len) == 0;
        p += len;
        p += strspn(p, " ,");
    }
    return skip;
}

status_t devstack_discover(devstack_t *s)
{
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    status_t st;

    if ((st = prepare(s)))
        return st;
    if (!(d = opendir(s->bin_dir))) {
        fprintf(stderr, "devstack: cannot read the bin dir %s: %s\n", s->bin_dir, strerror(errno));
        return ST_NOT_FOUND;
    }
    while ((de = readdir(d))) {
        buf_t path = BUF_INIT;
        struct stat sb;
        buf_printf(&path, "%s/%s", s->bin_dir, de->d_name);
        if (de->d_name[0] != '.' && strchr(de->d_name, '.') == NULL && stat(path.data, &sb) == 0 &&
            S_ISREG(sb.st_mode) && access(path.data, X_OK) == 0 && !is_not_service(s, de->d_name)) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                names = xrealloc(names, cap * sizeof *names);
            }
            names[n++] = xstrdup(de->d_name);
        }
        buf_cleanup(&path);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);

    for (size_t i = 0; i < s->nsvcs; i++)
        proc_cleanup(&s->svcs[i]);
    free(s->svcs);
    s->svcs = xcalloc(n ? n : 1, sizeof *s->svcs);
    s->nsvcs = 0;
    s->have_edge = false;
    for (int pass = 0; pass < 2; pass++) { /* services first, the edge last */
        for (size_t i = 0; i < n; i++) {
            bool edge = strcmp(names[i], "edge") == 0;
            if (edge != (pass == 1))
                continue;
            buf_t path = BUF_INIT;
            buf_printf(&path, "%s/%s", s->bin_dir, names[i]);
            proc_set(&s->svcs[s->nsvcs++], names[i], path.data, s->log_dir);
            s->have_edge = s->have_edge || edge;
            buf_cleanup(&path);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ST_OK;
}

void devstack_service_env(const devstack_t *s, stack_env_t *env)
{
    buf_t b = BUF_INIT;
    struct stat sb;

    stack_env_init_environ(env);
    stack_env_setf(env, "NATS_URL", "nats://127.0.0.1:%d", s->nats_port);
    stack_env_set(env, "LOG_LEVEL", s->log_level ? s->log_level : "info");
    stack_env_set(env, "VAR_DIR", s->var_dir);
    stack_env_setf(env, "EDGE_PORT", "%d", s->edge_port);
    buf_printf(&b, "%s/web/dist", s->repo_dir);
    if (stat(b.data, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        buf_reset(&b);
        buf_printf(&b, "%s/web/placeholder", s->repo_dir);
    }
    stack_env_set(env, "EDGE_STATIC_DIR", b.data);
    stack_env_setf(env, "PUBLIC_URL", "http://127.0.0.1:%d", s->edge_port);
    for (size_t i = 0; i < s->db_urls.n; i++)
        stack_env_put(env, s->db_urls.v[i]);
    /* svc_spawn gives each service its own; anything else started with this environment (a
     * test's extra replica) serves no health port unless it asks for one. */
    stack_env_set(env, "HEALTH_PORT", "0");
    /* Never handed to services: they must not reach the database as superuser. */
    stack_env_unset(env, "PG_ADMIN_URL");
    buf_cleanup(&b);
}

void devstack_test_env(const devstack_t *s, stack_env_t *env)
{
    devstack_service_env(s, env);
    stack_env_setf(env, "EDGE_URL", "http://127.0.0.1:%d", s->edge_port);
    stack_env_setf(env, "PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:%d/platform", s->pg_port);
    stack_env_set(env, "STACK_BIN_DIR", s->bin_dir);
    stack_env_set(env, "STACK_LOG_DIR", s->log_dir);
    stack_env_set(env, "STACK_REPO_DIR", s->repo_dir);
    stack_env_setf(env, "NATS_PORT", "%d", s->nats_port);
    stack_env_setf(env, "PG_PORT", "%d", s->pg_port);
    stack_env_setf(env, "NATS_MONITOR_URL", "http://127.0.0.1:%d", s->nats_mon_port);
    for (size_t i = 0; i < s->nsvcs; i++) {
        char key[64];
        size_t k = (size_t)snprintf(key, sizeof key, "HEALTH_PORT_");
        for (const char *c = s->svcs[i].name; *c && k + 1 < sizeof key; c++)
            key[k++] = (*c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : *c == '-' ? '_' : *c;
        key[k] = '\0';
        if (s->svcs[i].health_port)
            stack_env_setf(env, key, "%d", s->svcs[i].health_port);
    }
}

void devstack_health_ports(const devstack_t *s, char *out, size_t outlen)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->nsvcs && n < outlen; i++) {
        int w = snprintf(out + n, outlen - n, "%s%s %d", n ? ", " : "", s->svcs[i].name,
                         s->svcs[i].health_port);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

static status_t svc_spawn(devstack_t *s, stack_proc_t *p)
{
    char *argv[] = {p->path, NULL};
    stack_spawn_opts_t o = STACK_SPAWN_OPTS_INIT;
    stack_env_t env;
    status_t st;

    stack_env_init(&env);
    for (size_t i = 0; i < s->svc_env.n; i++)
        stack_env_put(&env, s->svc_env.v[i]);
    stack_env_for_service(&env, p->name); /* its own database role only */
    o.log_path = p->log_path;
    o.cwd = s->repo_dir;
    if (!p->health_port && (st = stack_port_free(&p->health_port))) {
        stack_env_cleanup(&env);
        return st;
    }
    stack_env_setf(&env, "HEALTH_PORT", "%d", p->health_port);
    st = stack_spawn(p->path, argv, env.v, &o, &p->pid);
    stack_env_cleanup(&env);
    if (st)
        return st;
    p->started_us = time_mono_us();
    p->retry_at_us = 0;
    return ST_OK;
}

status_t devstack_services_start(devstack_t *s)
{
    status_t st;

    if ((st = prepare(s)))
        return st;
    stack_env_cleanup(&s->svc_env);
    devstack_service_env(s, &s->svc_env);
    for (size_t i = 0; i < s->nsvcs; i++) {
        if (stack_interrupted())
            return ST_UNAVAILABLE;
        if ((st = svc_spawn(s, &s->svcs[i])))
            return st;
    }
    return ST_OK;
}

/* ---- nats ------------------------------------------------------------------------------------ */

static const char *nats_binary(void)
{
    const char *env = getenv("NATS_SERVER");
    if (env && *env)
        return env;
    if (access("/usr/sbin/nats-server", X_OK) == 0)
        return "/usr/sbin/nats-server";
    if (access("/usr/bin/nats-server", X_OK) == 0)
        return "/usr/bin/nats-server";
    return NULL;
}

status_t devstack_nats_start(devstack_t *s)
{
    buf_t store = BUF_INIT, port = BUF_INIT, mon = BUF_INIT, url = BUF_INIT, conf = BUF_INIT;
    const char *bin = nats_binary();
    FILE *f = NULL;
    status_t st;

    if ((st = prepare(s)))
        return st;
    if (!bin) {
        fprintf(stderr, "devstack: nats-server not found (Debian package nats-server; or set "
                        "NATS_SERVER): run infra/deps.sh\n");
        return ST_NOT_FOUND;
    }
    buf_printf(&store, "%s/nats", s->var_dir);
    buf_printf(&port, "%d", s->nats_port);
    buf_printf(&mon, "%d", s->nats_mon_port);
    if ((st = stack_mkdirs(store.data, 0755)))
        goto done;
    /* Messages carry whole request bodies (the edge accepts up to EDGE_MAX_BODY, 2 MiB by
     * default): NATS's 1 MiB default payload limit is too small. Only a config file sets it. */
    buf_printf(&conf, "%s/nats.conf", s->var_dir);
    if (!(f = fopen(conf.data, "w")) || fputs("max_payload: 8388608\n", f) < 0) {
        fprintf(stderr, "devstack: cannot write %s\n", conf.data);
        st = ST_INTERNAL;
        goto done;
    }
    fclose(f);
    f = NULL;
    char *argv[] = {(char *)bin, "-c",  conf.data,  "-a", "127.0.0.1", "-p", port.data,
                    "-js",       "-sd", store.data, "-m", mon.data,    NULL};
    stack_spawn_opts_t o = STACK_SPAWN_OPTS_INIT;
    proc_set(&s->nats, "nats", bin, s->log_dir);
    o.log_path = s->nats.log_path;
    o.cwd = "/";
    if ((st = stack_spawn(bin, argv, NULL, &o, &s->nats.pid)))
        goto done;
    s->nats.started_us = time_mono_us();
    st = stack_port_wait(s->nats_port, s->nats.pid, NATS_START_TIMEOUT_MS);
    if (st == ST_OK) {
        /* JetStream ready too; /healthz is there in 2.9 (tolerate its absence). */
        int64_t deadline = time_mono_us() + 10 * 1000000LL;
        buf_printf(&url, "http://127.0.0.1:%d/healthz", s->nats_mon_port);
        for (int code = 0; code != 200 && code != 404 && time_mono_us() < deadline;) {
            if (stack_http("GET", url.data, NULL, NULL, 1000, &code, NULL) || code != 200)
                usleep(50000);
        }
    } else if (!stack_interrupted()) {
        fprintf(stderr, "devstack: nats-server did not start%s; the end of %s:\n",
                st == ST_TIMEOUT ? " in time" : "", s->nats.log_path);
        stack_log_tail(s->nats.log_path, STACK_LOG_TAIL_LINES, "  | ", stderr);
    }
done:
    if (f)
        fclose(f);
    buf_cleanup(&store);
    buf_cleanup(&port);
    buf_cleanup(&mon);
    buf_cleanup(&url);
    buf_cleanup(&conf);
    return st;
}

/* ---- readiness and supervision --------------------------------------------------------------- */

status_t devstack_wait_ready(devstack_t *s, int timeout_ms)
{
    buf_t url = BUF_INIT;
    int64_t deadline = time_mono_us() + (int64_t)timeout_ms * 1000;
    int code = 0;
    status_t st = ST_TIMEOUT;

    if (!s->have_edge) {
        fprintf(stderr,
                "devstack: warning: no edge binary in %s, so no readiness check (and no "
                "HTTP)\n",
                s->bin_dir);
        return ST_OK;
    }
    buf_printf(&url, "http://127.0.0.1:%d/api/health/ready", s->edge_port);
    while (time_mono_us() < deadline) {
        if (stack_http("GET", url.data, NULL, NULL, 2000, &code, NULL) == ST_OK && code == 200) {
            st = ST_OK;
            break;
        }
        if (stack_interrupted() || devstack_supervise(s, 0) ||
            (!s->restart && devstack_failures(s, NULL) > 0)) {
            st = ST_UNAVAILABLE;
            break;
        }
        usleep(200000);
    }
    if (st && !stack_interrupted()) {
        fprintf(stderr, "devstack: the platform is not ready: %s answered %d%s\n", url.data, code,
                st == ST_TIMEOUT ? " until the timeout" : "");
        devstack_print_logs(s, true, stderr);
    }
    buf_cleanup(&url);
    return st;
}

status_t devstack_start(devstack_t *s)
{
    status_t st;

    if ((st = prepare(s)))
        return st;
    if (!s->nsvcs && (st = devstack_discover(s)))
        return st;
    if ((st = devstack_pg_start(s)))
        return st;
    if (stack_interrupted())
        return ST_UNAVAILABLE;
    if ((st = devstack_nats_start(s)))
        return st;
    if (!s->nsvcs)
        fprintf(stderr, "devstack: warning: no service binaries in %s\n", s->bin_dir);
    if ((st = devstack_services_start(s)))
        return st;
    return devstack_wait_ready(s, s->ready_timeout_ms);
}

static void report_death(const stack_proc_t *p, const char *what_next)
{
    char desc[128];
    stack_status_describe(p->last_status, desc, sizeof desc);
    fprintf(stderr, "devstack: %s %s%s; the end of %s:\n", p->name, desc, what_next, p->log_path);
    stack_log_tail(p->log_path, STACK_LOG_TAIL_LINES, "  | ", stderr);
}

/* One pass over the children; no sleeping. */
static status_t supervise_once(devstack_t *s)
{
    int64_t now = time_mono_us();
    stack_proc_t *core[] = {&s->pg, &s->nats};
    status_t st = ST_OK;

    for (size_t i = 0; i < ARRAY_LEN(core); i++) {
        stack_proc_t *p = core[i];
        if (p->pid > 0 && waitpid(p->pid, &p->last_status, WNOHANG) == p->pid) {
            p->pid = 0;
            p->failed = true;
            report_death(p, ": the stack cannot go on without it");
            st = ST_UNAVAILABLE;
        }
    }
    for (size_t i = 0; i < s->nsvcs; i++) {
        stack_proc_t *p = &s->svcs[i];
        if (p->pid > 0 && waitpid(p->pid, &p->last_status, WNOHANG) == p->pid) {
            p->pid = 0;
            if (!s->restart) {
                p->failed = true;
                report_death(p, "");
                continue;
            }
            if (now - p->started_us > RESTART_STABLE_US)
                p->restarts = 0;
            int delay = p->restarts < 5 ? 1 << p->restarts : RESTART_BACKOFF_MAX_S;
            if (delay > RESTART_BACKOFF_MAX_S)
                delay = RESTART_BACKOFF_MAX_S;
            char next[64];
            snprintf(next, sizeof next, "; restarting it in %d s", delay);
            report_death(p, next);
            p->restarts++;
            p->retry_at_us = now + (int64_t)delay * 1000000;
        }
        if (p->pid == 0 && p->retry_at_us && now >= p->retry_at_us && !stack_interrupted()) {
            if (svc_spawn(s, p))
                p->retry_at_us = now + (int64_t)RESTART_BACKOFF_MAX_S * 1000000;
            else
                fprintf(stderr, "devstack: restarted %s (pid %d)\n", p->name, (int)p->pid);
        }
    }
    return st;
}

status_t devstack_supervise(devstack_t *s, int wait_ms)
{
    int64_t deadline = time_mono_us() + (int64_t)wait_ms * 1000;
    status_t st;

    while (!(st = supervise_once(s)) && time_mono_us() < deadline && !stack_interrupted())
        usleep(50000);
    return st;
}

/* SIGTERM to each, one shared grace period, SIGKILL to what is left. */
static void stop_group(devstack_t *s, stack_proc_t **procs, size_t n, int sig, int grace_ms)
{
    int64_t deadline = time_mono_us() + (int64_t)grace_ms * 1000;
    char desc[128];

    for (size_t i = 0; i < n; i++)
        if (procs[i]->pid > 0)
            kill(procs[i]->pid, sig);
    for (size_t i = 0; i < n; i++) {
        stack_proc_t *p = procs[i];
        if (p->pid <= 0)
            continue;
        int64_t left_ms = (deadline - time_mono_us()) / 1000;
        bool killed = false;
        if (!stack_proc_wait(p->pid, left_ms > 0 ? (int)left_ms : 0, &p->last_status)) {
            fprintf(stderr, "devstack: %s did not stop within %d s of SIGTERM: killing it\n",
                    p->name, grace_ms / 1000);
            killed = true;
            p->last_status = stack_proc_stop(p->pid, SIGKILL, grace_ms);
        }
        kill(-p->pid, SIGKILL); /* anything left in its process group */
        p->pid = 0;
        int ws = p->last_status;
        bool clean =
            !killed && ws != -1 &&
            ((WIFEXITED(ws) && WEXITSTATUS(ws) == 0) || (WIFSIGNALED(ws) && WTERMSIG(ws) == sig));
        if (!clean && s->ephemeral && !p->failed) {
            p->failed = true;
            stack_status_describe(ws, desc, sizeof desc);
            fprintf(stderr, "devstack: %s did not stop cleanly: %s%s\n", p->name, desc,
                    killed ? " (had to be killed)" : "");
        }
    }
}

void devstack_stop(devstack_t *s)
{
    stack_proc_t **procs = xcalloc(s->nsvcs + 1, sizeof *procs);
    size_t n = 0;

    /* The edge first, so no request reaches a half-stopped platform; then the services. */
    for (size_t i = 0; i < s->nsvcs; i++)
        if (strcmp(s->svcs[i].name, "edge") == 0) {
            stack_proc_t *edge = &s->svcs[i];
            stop_group(s, &edge, 1, SIGTERM, STACK_STOP_GRACE_MS);
        } else {
            procs[n++] = &s->svcs[i];
        }
    for (size_t i = 0; i < s->nsvcs; i++)
        s->svcs[i].retry_at_us = 0;
    stop_group(s, procs, n, SIGTERM, STACK_STOP_GRACE_MS);
    free(procs);

    if (s->nats.pid > 0) {
        stack_proc_stop(s->nats.pid, SIGTERM, STACK_STOP_GRACE_MS);
        s->nats.pid = 0;
    }
    if (s->pg.pid > 0) {
        /* SIGINT is PostgreSQL's fast shutdown (pg_ctl stop -m fast). */
        stack_proc_stop(s->pg.pid, SIGINT, 30000);
        s->pg.pid = 0;
    }
}

size_t devstack_failures(const devstack_t *s, FILE *out)
{
    size_t n = 0;
    char desc[128];

    for (size_t i = 0; i < s->nsvcs; i++) {
        const stack_proc_t *p = &s->svcs[i];
        if (!p->failed)
            continue;
        n++;
        if (out) {
            stack_status_describe(p->last_status, desc, sizeof desc);
            fprintf(out, "devstack: service %s failed (%s); the end of %s:\n", p->name, desc,
                    p->log_path);
            stack_log_tail(p->log_path, STACK_LOG_TAIL_LINES, "  | ", out);
        }
    }
    return n;
}

void devstack_print_logs(const devstack_t *s, bool core_too, FILE *out)
{
    const stack_proc_t *core[] = {&s->pg, &s->nats};

    for (size_t i = 0; i < ARRAY_LEN(core); i++) {
        if (!core[i]->log_path || !(core_too || core[i]->failed))
            continue;
        fprintf(out, "devstack: the end of %s:\n", core[i]->log_path);
        stack_log_tail(core[i]->log_path, STACK_LOG_TAIL_LINES, "  | ", out);
    }
    for (size_t i = 0; i < s->nsvcs; i++) {
        fprintf(out, "devstack: the end of %s:\n", s->svcs[i].log_path);
        stack_log_tail(s->svcs[i].log_path, STACK_LOG_TAIL_LINES, "  | ", out);
    }
}
