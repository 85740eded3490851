/* devstack - runs the platform on this machine, over infra/stack.
 *
 *   devstack run            `make run`: data under $VAR_DIR (default ./var), fixed ports, demo
 *                           organisation seeded; Ctrl-C stops everything. Services that die are
 *                           restarted with backoff; PostgreSQL or nats dying stops the stack.
 *   devstack test BIN...    `make test`: an ephemeral stack (free ports, data in a fresh /tmp dir)
 *                           and each integration test binary run against it in turn.
 *   devstack env            the environment of the running `devstack run` stack, for a shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared/config.h"
#include "shared/log.h"
#include "shared/util.h"
#include "stack/stack.h"

/* Keys `devstack env` prints: what a shell or a test needs to reach the running stack. */
static const char *const env_keys[] = {
    "EDGE_URL",     "PUBLIC_URL", "NATS_URL",      "NATS_MONITOR_URL", "DATABASE_URL",
    "PG_ADMIN_URL", "VAR_DIR",    "STACK_BIN_DIR", "STACK_LOG_DIR",    "STACK_REPO_DIR",
    "EDGE_PORT",    "NATS_PORT",  "PG_PORT",       "EDGE_STATIC_DIR",  "LOG_LEVEL",
};

static void usage(void)
{
    fprintf(stderr, "usage: devstack run | devstack test [TEST_BINARY...] | devstack env\n"
                    "  run:  env VAR_DIR (./var), EDGE_PORT (8080), NATS_PORT (4222), PG_PORT "
                    "(5433),\n"
                    "        NATS_MONITOR_PORT (8222), LOG_LEVEL (info), STACK_READY_TIMEOUT "
                    "(60 s)\n"
                    "  test: env BUILD (build: services are the executables in $BUILD/bin), "
                    "LOG_LEVEL (warn),\n"
                    "        TEST_TIMEOUT (1200 s per binary), STACK_KEEP=1 keeps the temp dir\n");
}

static char *absolute(const char *path)
{
    char *r = realpath(path, NULL);
    return r ? r : xstrdup(path);
}

/* $BUILD/bin when BUILD is set, else the directory devstack itself is in. */
static char *find_bin_dir(void)
{
    const char *build = getenv("BUILD");
    buf_t b = BUF_INIT;
    char *self, *slash, *r;

    if (build && *build) {
        buf_printf(&b, "%s/bin", build);
        r = absolute(b.data);
        buf_cleanup(&b);
        return r;
    }
    self = realpath("/proc/self/exe", NULL);
    if (self && (slash = strrchr(self, '/'))) {
        *slash = '\0';
        return self;
    }
    free(self);
    return absolute("build/bin");
}

static status_t env_port(const char *var, int def, int *out)
{
    int64_t v;
    status_t st = config_int(var, def, 1, 65535, &v);
    if (st == ST_OK)
        *out = (int)v;
    return st;
}

static int ready_timeout_ms(void)
{
    int64_t v = STACK_READY_TIMEOUT / 1000;
    if (config_int("STACK_READY_TIMEOUT", v, 1, 3600, &v))
        v = STACK_READY_TIMEOUT / 1000;
    return (int)v * 1000;
}

/* ---- devstack run ---------------------------------------------------------------------------- */

/* Another devstack running on this VAR_DIR? (pid file with a live devstack in it) */
static bool other_running(const char *pidfile, long *pid_out)
{
    FILE *f = fopen(pidfile, "r");
    char comm[64] = "";
    long pid = 0;
    bool alive = false;

    if (!f)
        return false;
    if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != (long)getpid() &&
        kill((pid_t)pid, 0) == 0) {
        char path[64];
        FILE *c;
        snprintf(path, sizeof path, "/proc/%ld/comm", pid);
        if ((c = fopen(path, "r"))) {
            if (fgets(comm, sizeof comm, c))
                alive = strncmp(comm, "devstack", 8) == 0;
            fclose(c);
        }
    }
    fclose(f);
    *pid_out = pid;
    return alive;
}

/* The file holds the database roles' passwords: readable by this user only. */
static void write_env_file(const devstack_t *s, const char *path)
{
    stack_env_t env;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

    if (!f) {
        if (fd >= 0)
            close(fd);
        return;
    }
    devstack_test_env(s, &env);
    for (size_t i = 0; i < ARRAY_LEN(env_keys); i++) {
        const char *v = stack_env_get(&env, env_keys[i]);
        if (v)
            fprintf(f, "export %s='%s'\n", env_keys[i], v);
    }
    for (size_t i = 0; i < s->db_urls.n; i++) /* DATABASE_URL_<NAME>: each service's role */
        if (str_has_prefix(s->db_urls.v[i], "DATABASE_URL_"))
            fprintf(f, "export %.*s'%s'\n",
                    (int)(strchr(s->db_urls.v[i], '=') - s->db_urls.v[i] + 1), s->db_urls.v[i],
                    strchr(s->db_urls.v[i], '=') + 1);
    for (size_t i = 0; i < env.n; i++) /* HEALTH_PORT_<NAME>=port, one per service */
        if (str_has_prefix(env.v[i], "HEALTH_PORT_") && strchr(env.v[i], '='))
            fprintf(f, "export %.*s='%s'\n", (int)(strchr(env.v[i], '=') - env.v[i]), env.v[i],
                    strchr(env.v[i], '=') + 1);
    fclose(f);
    stack_env_cleanup(&env);
}

static int cmd_run(void)
{
    devstack_t s;
    buf_t var = BUF_INIT, pidfile = BUF_INIT, envfile = BUF_INIT;
    char cwd[PATH_MAX];
    long other = 0;
    int rc = 1;
    bool own_pidfile = false;
    status_t st;

    devstack_init(&s);
    stack_signals_install();
    if (!getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "devstack: getcwd: %s\n", strerror(errno));
        goto done;
    }
    s.repo_dir = xstrdup(cwd);
    s.bin_dir = find_bin_dir();
    buf_printf(&var, "%s/var", cwd);
    if (stack_mkdirs(config_str("VAR_DIR", var.data), 0755))
        goto done;
    s.var_dir = absolute(config_str("VAR_DIR", var.data));
    s.log_level = xstrdup(config_str("LOG_LEVEL", "info"));
    s.restart = true;
    s.ready_timeout_ms = ready_timeout_ms();
    if (env_port("EDGE_PORT", 8080, &s.edge_port) || env_port("NATS_PORT", 4222, &s.nats_port) ||
        env_port("PG_PORT", 5433, &s.pg_port) ||
        env_port("NATS_MONITOR_PORT", 8222, &s.nats_mon_port))
        goto done;

    buf_printf(&pidfile, "%s/devstack.pid", s.var_dir);
    buf_printf(&envfile, "%s/devstack.env", s.var_dir);
    if (other_running(pidfile.data, &other)) {
        fprintf(stderr,
                "devstack: another devstack (pid %ld) is running with VAR_DIR=%s: stop it "
                "first\n",
                other, s.var_dir);
        goto done;
    }
    if (stack_port_check(s.edge_port, "EDGE_PORT") || stack_port_check(s.nats_port, "NATS_PORT") ||
        stack_port_check(s.pg_port, "PG_PORT") ||
        stack_port_check(s.nats_mon_port, "NATS_MONITOR_PORT"))
        goto done;
    FILE *pf = fopen(pidfile.data, "w");
    if (pf) {
        fprintf(pf, "%ld\n", (long)getpid());
        fclose(pf);
        own_pidfile = true;
    }

    if (devstack_discover(&s))
        goto done;
    fprintf(stderr, "devstack: data in %s, logs in %s\n", s.var_dir, s.log_dir);
    fprintf(stderr, "devstack: services:");
    for (size_t i = 0; i < s.nsvcs; i++)
        fprintf(stderr, " %s", s.svcs[i].name);
    fprintf(stderr, "%s\n", s.nsvcs ? "" : " (none built yet)");

    if ((st = devstack_start(&s))) {
        if (stack_interrupted())
            rc = 0; /* Ctrl-C while starting: a clean stop */
        else
            fprintf(stderr, "devstack: the stack did not start (%s); stopping\n", status_str(st));
        goto stop;
    }
    write_env_file(&s, envfile.data);
    bool seeded = s.have_edge && stack_seed_demo(s.edge_port);

    printf("\n  The platform is running.\n");
    if (s.have_edge) {
        printf("    URL:         http://127.0.0.1:%d/\n", s.edge_port);
        if (seeded)
            printf("    demo login:  %s / %s\n", STACK_DEMO_EMAIL, STACK_DEMO_PASSWORD);
        else
            printf("    demo login:  none yet (no auth API to seed it; see the warning above)\n");
    } else {
        printf("    (no edge built yet: no HTTP endpoint)\n");
    }
    char ports[1024];
    devstack_health_ports(&s, ports, sizeof ports);
    printf("    health:      /healthz /readyz /metrics on 127.0.0.1, ports: %s\n", ports);
    printf("    logs:        %s/\n", s.log_dir);
    printf("    environment: %s/devstack env   (eval \"$(%s/devstack env)\")\n", s.bin_dir,
           s.bin_dir);
    printf("  Press Ctrl-C to stop.\n\n");
    fflush(stdout);

    rc = 0;
    while (!stack_interrupted()) {
        if (devstack_supervise(&s, 1000)) {
            fprintf(stderr, "devstack: stopping everything\n");
            rc = 1;
            break;
        }
    }
stop:
    fprintf(stderr, "devstack: stopping\n");
    devstack_stop(&s);
    fprintf(stderr, "devstack: stopped\n");
done:
    if (own_pidfile) {
        unlink(pidfile.data);
        unlink(envfile.data);
    }
    buf_cleanup(&var);
    buf_cleanup(&pidfile);
    buf_cleanup(&envfile);
    devstack_cleanup(&s);
    return rc;
}

/* ---- devstack env ---------------------------------------------------------------------------- */

static int cmd_env(void)
{
    char cwd[PATH_MAX];
    buf_t var = BUF_INIT, pidfile = BUF_INIT, envfile = BUF_INIT;
    long pid = 0;
    int rc = 1;
    char line[4096];
    FILE *f;

    if (!getcwd(cwd, sizeof cwd))
        goto done;
    buf_printf(&var, "%s/var", cwd);
    char *vdir = absolute(config_str("VAR_DIR", var.data));
    buf_printf(&pidfile, "%s/devstack.pid", vdir);
    buf_printf(&envfile, "%s/devstack.env", vdir);
    if (!other_running(pidfile.data, &pid) || !(f = fopen(envfile.data, "r"))) {
        fprintf(stderr,
                "devstack: no dev stack is running with VAR_DIR=%s (start one with make "
                "run)\n",
                vdir);
        free(vdir);
        goto done;
    }
    free(vdir);
    while (fgets(line, sizeof line, f))
        fputs(line, stdout);
    fclose(f);
    rc = 0;
done:
    buf_cleanup(&var);
    buf_cleanup(&pidfile);
    buf_cleanup(&envfile);
    return rc;
}

/* ---- devstack test --------------------------------------------------------------------------- */

typedef struct {
    buf_t line;
    bool synthesis; /* saw Criterion's "Synthesis:" line */
    long tested, passing, failing, crashing;
    bool sanitizer; /* a sanitizer report in the output */
} test_output_t;

/* Removes ANSI colour sequences in place. */
static void strip_ansi(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        if (*r == '\033' && r[1] == '[') {
            r += 2;
            while (*r && !((*r >= 'A' && *r <= 'Z') || (*r >= 'a' && *r <= 'z')))
                r++;
            if (*r)
                r++;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
}

static void scan_line(test_output_t *t, char *line)
{
    const char *syn;

    strip_ansi(line);
    if ((syn = strstr(line, "Synthesis: Tested:")) &&
        sscanf(syn, "Synthesis: Tested: %ld | Passing: %ld | Failing: %ld | Crashing: %ld",
               &t->tested, &t->passing, &t->failing, &t->crashing) == 4)
        t->synthesis = true;
    if (strstr(line, "ERROR: LeakSanitizer") || strstr(line, "ERROR: AddressSanitizer") ||
        strstr(line, "WARNING: ThreadSanitizer") || strstr(line, "runtime error:"))
        t->sanitizer = true;
}

static void feed(test_output_t *t, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] != '\n') {
            buf_putc(&t->line, data[i]);
            continue;
        }
        if (t->line.data)
            scan_line(t, t->line.data);
        buf_reset(&t->line);
    }
}

/* Kills what is left of a test's process group and reaps it (devstack is a subreaper). */
static void reap_group(pid_t pgid)
{
    if (kill(-pgid, SIGTERM) == 0) {
        for (int i = 0; i < 50 && kill(-pgid, 0) == 0; i++) {
            while (waitpid(-pgid, NULL, WNOHANG) > 0)
                ;
            usleep(100000);
        }
        kill(-pgid, SIGKILL);
    }
    while (waitpid(-pgid, NULL, WNOHANG) > 0)
        ;
}

/* Runs one test binary against the stack, streaming its output; adds to *passed / *failed. */
static void run_test(devstack_t *s, const stack_env_t *env, const char *path, int timeout_s,
                     long *passed, long *failed)
{
    test_output_t t = {BUF_INIT, false, 0, 0, 0, 0, false};
    int fds[2] = {-1, -1};
    pid_t pid = 0;
    int ws = -1;
    bool exited = false, timed_out = false, eof = false;
    int64_t deadline = time_mono_us() + (int64_t)timeout_s * 1000000;
    int64_t exited_at = 0;
    char buf[8192], desc[128];
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *argv[] = {(char *)path, NULL};

    fprintf(stderr, "devstack: === %s\n", name);
    if (pipe2(fds, O_CLOEXEC) < 0) {
        fprintf(stderr, "devstack: pipe: %s\n", strerror(errno));
        (*failed)++;
        return;
    }
    stack_spawn_opts_t o = STACK_SPAWN_OPTS_INIT;
    o.out_fd = fds[1];
    o.cwd = s->repo_dir;
    if (stack_spawn(path, argv, env->v, &o, &pid)) {
        close(fds[0]);
        close(fds[1]);
        (*failed)++;
        return;
    }
    close(fds[1]);

    while (!eof || !exited) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        if (!eof && poll(&pfd, 1, 200) > 0) {
            ssize_t n = read(fds[0], buf, sizeof buf);
            if (n > 0) {
                fwrite(buf, 1, (size_t)n, stdout);
                fflush(stdout);
                feed(&t, buf, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                eof = true;
            }
        } else if (eof) {
            usleep(50000);
        }
        if (!exited && waitpid(pid, &ws, WNOHANG) == pid) {
            exited = true;
            exited_at = time_mono_us();
        }
        /* Something the test left running holds its output open: stop reading after 2 s. */
        if (exited && !eof && time_mono_us() - exited_at > 2000000)
            break;
        devstack_supervise(s, 0);
        if (!exited && (time_mono_us() > deadline || stack_interrupted())) {
            timed_out = !stack_interrupted();
            fprintf(stderr, "devstack: %s: %s: stopping it\n", name,
                    timed_out ? "timed out" : "interrupted");
            ws = stack_proc_stop(pid, SIGTERM, STACK_STOP_GRACE_MS);
            exited = true;
            exited_at = time_mono_us();
        }
    }
    if (t.line.len)
        scan_line(&t, t.line.data);
    close(fds[0]);
    reap_group(pid);

    bool ok_exit = ws != -1 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && !timed_out;
    stack_status_describe(ws, desc, sizeof desc);
    if (t.synthesis) {
        *passed += t.passing;
        *failed += t.failing;
        if ((!ok_exit || t.sanitizer) && t.failing == 0) {
            /* One of the "passing" tests leaked or broke something: count it failed. */
            *passed -= t.passing > 0 ? 1 : 0;
            (*failed)++;
            fprintf(stderr, "devstack: %s: %s%s\n", name,
                    t.sanitizer ? "a sanitizer reported errors (see above); " : "", desc);
        }
    } else if (ok_exit && !t.sanitizer) {
        (*passed)++;
    } else {
        (*failed)++;
        fprintf(stderr, "devstack: %s: %s%s\n", name,
                t.sanitizer ? "a sanitizer reported errors (see above); " : "", desc);
    }
    fprintf(stderr, "devstack: === %s: %s\n", name,
            ok_exit && !t.sanitizer && t.failing == 0 ? "ok" : "FAILED");
    buf_cleanup(&t.line);
}

static int cmd_test(int ntests, char **tests)
{
    devstack_t s;
    stack_env_t env = {NULL, 0, 0};
    char tmpl[] = "/tmp/devstack-test-XXXXXX";
    char cwd[PATH_MAX];
    long passed = 0, failed = 0;
    int64_t timeout_s = 1200;
    bool keep = false;
    status_t st = ST_OK;

    devstack_init(&s);
    stack_signals_install();
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (config_int("TEST_TIMEOUT", 1200, 1, 86400, &timeout_s) || !getcwd(cwd, sizeof cwd) ||
        !mkdtemp(tmpl)) {
        fprintf(stderr, "devstack: cannot set up the test stack: %s\n", strerror(errno));
        printf("integration: 0 passed, %d failed\n", ntests > 0 ? ntests : 1);
        devstack_cleanup(&s);
        return 1;
    }
    if (geteuid() == 0)
        chmod(tmpl, 0711); /* agentpg must reach <tmp>/pg */
    s.repo_dir = xstrdup(cwd);
    s.bin_dir = find_bin_dir();
    s.var_dir = xstrdup(tmpl);
    s.ephemeral = true;
    s.restart = false;
    s.log_level = xstrdup(config_str("LOG_LEVEL", "warn"));
    s.ready_timeout_ms = ready_timeout_ms();
    if (stack_port_free(&s.edge_port) || stack_port_free(&s.nats_port) ||
        stack_port_free(&s.pg_port) || stack_port_free(&s.nats_mon_port)) {
        failed = ntests > 0 ? ntests : 1;
        goto stop;
    }
    if (devstack_discover(&s)) {
        failed = ntests > 0 ? ntests : 1;
        goto stop;
    }
    fprintf(stderr,
            "devstack: test stack in %s (edge %d, nats %d, postgres %d); services:", s.var_dir,
            s.edge_port, s.nats_port, s.pg_port);
    for (size_t i = 0; i < s.nsvcs; i++)
        fprintf(stderr, " %s", s.svcs[i].name);
    fprintf(stderr, "%s\n", s.nsvcs ? "" : " (none)");

    if ((st = devstack_start(&s))) {
        fprintf(stderr, "devstack: the test stack did not start (%s)\n", status_str(st));
        failed = ntests > 0 ? ntests : 1;
        goto stop;
    }
    char ports[1024];
    devstack_health_ports(&s, ports, sizeof ports);
    fprintf(stderr, "devstack: health ports (/healthz /readyz /metrics): %s\n", ports);
    devstack_test_env(&s, &env);
    for (int i = 0; i < ntests && !stack_interrupted(); i++)
        run_test(&s, &env, tests[i], (int)timeout_s, &passed, &failed);
    if (stack_interrupted()) {
        fprintf(stderr, "devstack: interrupted\n");
        failed++;
    }
stop:
    devstack_stop(&s);
    if (s.pg.failed || s.nats.failed) {
        fprintf(stderr, "devstack: %s died during the tests\n",
                s.pg.failed ? "postgres" : "nats-server");
        failed++;
    }
    failed += (long)devstack_failures(&s, stderr);
    keep = failed > 0 || getenv("STACK_KEEP");
    if (failed > 0 && st == ST_OK) /* failed services were shown above; now the others */
        for (size_t i = 0; i < s.nsvcs; i++)
            if (!s.svcs[i].failed) {
                fprintf(stderr, "devstack: the end of %s:\n", s.svcs[i].log_path);
                stack_log_tail(s.svcs[i].log_path, STACK_LOG_TAIL_LINES, "  | ", stderr);
            }
    if (keep)
        fprintf(stderr, "devstack: kept the test stack's data and logs in %s\n", s.var_dir);
    else
        stack_rmtree(s.var_dir);
    fflush(stdout);
    printf("integration: %ld passed, %ld failed\n", passed, failed);
    stack_env_cleanup(&env);
    devstack_cleanup(&s);
    return failed > 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    log_init("devstack", config_str("DEVSTACK_LOG_LEVEL", "info"));
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "run") == 0 && argc == 2)
        return cmd_run();
    if (argc >= 2 && strcmp(argv[1], "test") == 0)
        return cmd_test(argc - 2, argv + 2);
    if (argc == 2 && strcmp(argv[1], "env") == 0)
        return cmd_env();
    usage();
    return 2;
}
