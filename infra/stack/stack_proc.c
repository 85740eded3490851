/* stack_proc.c - the generic half of the stack module: signals, ports, environments, spawning and
 * stopping children, file helpers and one-shot HTTP requests (libshared's http). devstack_t
 * (stack_devstack.c, stack_pg.c) and the test harness are built on these. */
#include "stack/stack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared/http.h"
#include "shared/util.h"

extern char **environ;

/* ---- signals --------------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

void stack_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: sleeps end early */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool stack_interrupted(void)
{
    return interrupted != 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- ports ----------------------------------------------------------------------------------- */

static pthread_mutex_t ports_lock = PTHREAD_MUTEX_INITIALIZER;
static int ports_given[256];
static size_t nports_given;

static int bind_loopback(int port, bool reuse)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;

    if (fd < 0)
        return -1;
    if (reuse)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

status_t stack_port_free(int *port)
{
    status_t st = ST_UNAVAILABLE;

    pthread_mutex_lock(&ports_lock);
    for (int attempt = 0; attempt < 100 && st; attempt++) {
        struct sockaddr_in sa;
        socklen_t len = sizeof sa;
        int fd = bind_loopback(0, false);
        if (fd < 0)
            break;
        if (getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
            int p = ntohs(sa.sin_port);
            bool seen = false;
            for (size_t i = 0; i < nports_given; i++)
                seen = seen || ports_given[i] == p;
            if (!seen) {
                if (nports_given < ARRAY_LEN(ports_given))
                    ports_given[nports_given++] = p;
                *port = p;
                st = ST_OK;
            }
        }
        close(fd);
    }
    pthread_mutex_unlock(&ports_lock);
    if (st)
        fprintf(stderr, "devstack: cannot find a free TCP port on 127.0.0.1: %s\n",
                strerror(errno));
    return st;
}

bool stack_port_busy(int port)
{
    int fd = bind_loopback(port, true);
    if (fd < 0)
        return true;
    close(fd);
    return false;
}

status_t stack_port_check(int port, const char *var)
{
    if (!stack_port_busy(port))
        return ST_OK;
    fprintf(stderr, "devstack: port %d is in use (%s): stop the other program or set %s\n", port,
            var, var);
    return ST_CONFLICT;
}

/* True while pid is alive (a zombie counts as dead); does not reap it. */
static bool proc_alive(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
        return errno == ECHILD ? kill(pid, 0) == 0 : true;
    return si.si_pid == 0;
}

static bool port_accepts(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    if (fd < 0)
        return false;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

status_t stack_port_wait(int port, pid_t pid, int timeout_ms)
{
    int64_t deadline = time_mono_us() + (int64_t)timeout_ms * 1000;

    for (;;) {
        if (port_accepts(port))
            return ST_OK;
        if (pid > 0 && !proc_alive(pid))
            return ST_UNAVAILABLE;
        if (stack_interrupted())
            return ST_UNAVAILABLE;
        if (time_mono_us() > deadline)
            return ST_TIMEOUT;
        sleep_ms(25);
    }
}

/* ---- environments ---------------------------------------------------------------------------- */

void stack_env_init(stack_env_t *env)
{
    env->n = 0;
    env->cap = 16;
    env->v = xcalloc(env->cap, sizeof *env->v);
}

void stack_env_init_environ(stack_env_t *env)
{
    stack_env_init(env);
    for (char **e = environ; e && *e; e++)
        if (strchr(*e, '='))
            stack_env_put(env, *e);
}

static ssize_t env_find(const stack_env_t *env, const char *key, size_t keylen)
{
    for (size_t i = 0; i < env->n; i++)
        if (strncmp(env->v[i], key, keylen) == 0 && env->v[i][keylen] == '=')
            return (ssize_t)i;
    return -1;
}

void stack_env_put(stack_env_t *env, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t keylen = eq ? (size_t)(eq - kv) : strlen(kv);
    ssize_t i = env_find(env, kv, keylen);

    if (!eq)
        return;
    if (i >= 0) {
        free(env->v[i]);
        env->v[i] = xstrdup(kv);
        return;
    }
    if (env->n + 2 > env->cap) {
        env->cap *= 2;
        env->v = xrealloc(env->v, env->cap * sizeof *env->v);
    }
    env->v[env->n++] = xstrdup(kv);
    env->v[env->n] = NULL;
}

void stack_env_set(stack_env_t *env, const char *key, const char *value)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s=%s", key, value ? value : "");
    stack_env_put(env, b.data);
    buf_cleanup(&b);
}

void stack_env_setf(stack_env_t *env, const char *key, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;

    buf_printf(&b, "%s=", key);
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    stack_env_put(env, b.data);
    buf_cleanup(&b);
}

void stack_env_unset(stack_env_t *env, const char *key)
{
    ssize_t i = env_find(env, key, strlen(key));
    if (i < 0)
        return;
    free(env->v[i]);
    memmove(&env->v[i], &env->v[i + 1], (env->n - (size_t)i) * sizeof *env->v);
    env->n--;
}

const char *stack_env_get(const stack_env_t *env, const char *key)
{
    size_t keylen = strlen(key);
    ssize_t i = env_find(env, key, keylen);
    return i < 0 ? NULL : env->v[i] + keylen + 1;
}

void stack_env_cleanup(stack_env_t *env)
{
    if (!env || !env->v)
        return;
    for (size_t i = 0; i < env->n; i++)
        free(env->v[i]);
    free(env->v);
    env->v = NULL;
    env->n = env->cap = 0;
}

/* ---- processes ------------------------------------------------------------------------------- */

/* In the child, between fork and exec: only async-signal-safe calls. Reports errno over errfd. */
static void child_exec(const char *path, char *const argv[], char *const envp[],
                       const stack_spawn_opts_t *o, const struct passwd *pw, pid_t parent,
                       int errfd)
{
    int err = 0;
    sigset_t none;
    int fd;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    if (o->own_group)
        setpgid(0, 0);

    if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
        dup2(fd, STDIN_FILENO);
        if (fd != STDIN_FILENO)
            close(fd);
    }
    fd = -1;
    if (o->log_path) {
        if ((fd = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0)
            goto fail;
    } else if (o->out_fd >= 0) {
        fd = o->out_fd;
    }
    if (fd >= 0) {
        if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
            goto fail;
        if (fd > STDERR_FILENO)
            close(fd);
    }
    /* Nothing but 0-2 survives exec (errfd is close-on-exec already). */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        for (int i = 3; i < 1024; i++)
            fcntl(i, F_SETFD, FD_CLOEXEC);
    if (pw) {
        if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
            goto fail;
    }
    if (o->death_sig) { /* after setuid, which clears it */
        prctl(PR_SET_PDEATHSIG, o->death_sig);
        if (getppid() != parent)
            _exit(127);
    }
    if (o->cwd && chdir(o->cwd) < 0)
        goto fail;
    execve(path, argv, envp ? envp : environ);
fail:
    err = errno;
    if (write(errfd, &err, sizeof err) < 0)
        err = 0;
    _exit(127);
}

status_t stack_spawn(const char *path, char *const argv[], char *const envp[],
                     const stack_spawn_opts_t *opts, pid_t *pid)
{
    stack_spawn_opts_t defaults = STACK_SPAWN_OPTS_INIT;
    const stack_spawn_opts_t *o = opts ? opts : &defaults;
    struct passwd pwbuf, *pw = NULL;
    char pwstrings[1024];
    int pipefd[2] = {-1, -1};
    int err = 0;
    pid_t child;
    status_t st = ST_INTERNAL;

    if (o->run_as) {
        if (getpwnam_r(o->run_as, &pwbuf, pwstrings, sizeof pwstrings, &pw) != 0 || !pw) {
            fprintf(stderr, "devstack: no user %s to run %s as\n", o->run_as, path);
            goto done;
        }
    }
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        goto done;
    pid_t parent = getpid();
    child = fork();
    if (child < 0)
        goto done;
    if (child == 0) {
        close(pipefd[0]);
        child_exec(path, argv, envp, o, pw, parent, pipefd[1]);
    }
    if (o->own_group)
        setpgid(child, child); /* also in the parent: no race with a kill(-pid) */
    close(pipefd[1]);
    pipefd[1] = -1;
    ssize_t r;
    do
        r = read(pipefd[0], &err, sizeof err);
    while (r < 0 && errno == EINTR);
    if (r > 0) {
        waitpid(child, NULL, 0);
        fprintf(stderr, "devstack: cannot start %s: %s\n", path, strerror(err));
        st = ST_UNAVAILABLE;
        goto done;
    }
    *pid = child;
    st = ST_OK;
done:
    if (st == ST_INTERNAL)
        fprintf(stderr, "devstack: cannot start %s: %s\n", path, strerror(errno));
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    return st;
}

bool stack_proc_wait(pid_t pid, int timeout_ms, int *status)
{
    int64_t deadline = time_mono_us() + (int64_t)timeout_ms * 1000;
    int ws = 0;

    for (;;) {
        pid_t r = waitpid(pid, &ws, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) {
            if (status)
                *status = r == pid ? ws : -1;
            return true;
        }
        if (timeout_ms >= 0 && time_mono_us() >= deadline)
            return false;
        sleep_ms(10);
    }
}

int stack_proc_stop(pid_t pid, int sig, int grace_ms)
{
    int ws = -1;

    if (pid <= 0)
        return -1;
    bool leader = getpgid(pid) == pid;
    kill(pid, sig);
    if (!stack_proc_wait(pid, grace_ms, &ws)) {
        kill(pid, SIGKILL);
        stack_proc_wait(pid, -1, &ws);
    }
    if (leader)
        kill(-pid, SIGKILL); /* leftovers of the group it led */
    return ws;
}

void stack_status_describe(int status, char *out, size_t outlen)
{
    if (status == -1)
        snprintf(out, outlen, "was not a child (status unknown)");
    else if (WIFEXITED(status) && WEXITSTATUS(status) == 23)
        snprintf(out, outlen, "exited with status 23 (LeakSanitizer found leaks)");
    else if (WIFEXITED(status))
        snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, outlen, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(out, outlen, "wait status %#x", status);
}

status_t stack_run(char *const argv[], const stack_spawn_opts_t *opts, int *status)
{
    pid_t pid;
    int ws = -1;
    status_t st;

    if ((st = stack_spawn(argv[0], argv, NULL, opts, &pid)))
        return st;
    while (!stack_proc_wait(pid, 100, &ws)) {
        if (stack_interrupted()) {
            stack_proc_stop(pid, SIGTERM, STACK_STOP_GRACE_MS);
            return ST_UNAVAILABLE;
        }
    }
    *status = ws;
    return ST_OK;
}

/* ---- files ----------------------------------------------------------------------------------- */

status_t stack_mkdirs(const char *path, mode_t mode)
{
    char *p = xstrdup(path);
    status_t st = ST_OK;

    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST) {
            fprintf(stderr, "devstack: cannot create %s: %s\n", p, strerror(errno));
            st = ST_UNAVAILABLE;
            break;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return st;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT) {
        fprintf(stderr, "devstack: cannot remove %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

status_t stack_rmtree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) < 0)
        return errno == ENOENT ? ST_OK : ST_UNAVAILABLE;
    return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) == 0 ? ST_OK : ST_UNAVAILABLE;
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    if (lchown(path, chown_uid, chown_gid) < 0) {
        fprintf(stderr, "devstack: cannot chown %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

status_t stack_chown_tree(const char *path, uid_t uid, gid_t gid)
{
    chown_uid = uid;
    chown_gid = gid;
    return nftw(path, chown_one, 32, FTW_PHYS) == 0 ? ST_OK : ST_UNAVAILABLE;
}

void stack_log_tail(const char *path, int lines, const char *prefix, FILE *out)
{
    enum { MAXTAIL = 16384 };
    char *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    ssize_t n;

    if (fd < 0) {
        fprintf(out, "%s(no log at %s)\n", prefix, path);
        return;
    }
    if (fstat(fd, &sb) < 0)
        goto done;
    off_t from = sb.st_size > MAXTAIL ? sb.st_size - MAXTAIL : 0;
    data = xmalloc(MAXTAIL + 1);
    n = pread(fd, data, MAXTAIL, from);
    if (n <= 0) {
        fprintf(out, "%s(empty log %s)\n", prefix, path);
        goto done;
    }
    data[n] = '\0';
    char *start = data + n;
    if (start > data && start[-1] == '\n')
        start--;
    for (int seen = 0; start > data; start--)
        if (start[-1] == '\n' && ++seen == lines)
            break;
    for (char *line = start; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        fprintf(out, "%s%.*s\n", prefix, (int)len, line);
        line += len + (nl ? 1 : 0);
    }
done:
    free(data);
    close(fd);
}

/* ---- HTTP ------------------------------------------------------------------------------------ */

/* One client for the process (libshared's http), made on first use; no retries: devstack polls. */
static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static http_client_t *http;

static void http_init_once(void)
{
    http_client_opts_t o = {.max_attempts = 1, .pool_size = 2};
    http = http_client_new(&o);
}

status_t stack_http(const char *method, const char *url, const char *json_body,
                    const char *const headers[], int timeout_ms, int *code, char **response)
{
    return stack_http_cookie(method, url, json_body, headers, timeout_ms, code, response, NULL,
                             NULL);
}

status_t stack_http_cookie(const char *method, const char *url, const char *json_body,
                           const char *const headers[], int timeout_ms, int *code, char **response,
                           const char *cookie_name, char **cookie)
{
    http_resp_t r = HTTP_RESP_INIT;
    const char **hl = NULL;
    size_t n = 0, nl = cookie_name ? strlen(cookie_name) : 0;
    status_t st;

    pthread_once(&http_once, http_init_once);
    while (headers && headers[n])
        n++;
    hl = xcalloc(n + 2, sizeof *hl);
    memcpy(hl, headers ? headers : hl, n * sizeof *hl);
    if (json_body)
        hl[n] = "Content-Type: application/json";
    http_req_t req = {.method = method,
                      .url = url,
                      .headers = hl,
                      .body = json_body,
                      .body_len = json_body ? strlen(json_body) : 0,
                      .timeout_ms = timeout_ms,
                      .connect_timeout_ms = timeout_ms};
    st = http_request(http, &req, &r);
    *code = st == ST_OK ? (int)r.status : 0;
    if (st != ST_TIMEOUT && st != ST_OK)
        st = ST_UNAVAILABLE;
    if (response)
        *response = buf_steal(&r.body);
    if (cookie) {
        *cookie = NULL;
        for (size_t i = 0; cookie_name && i < r.n_headers; i++) {
            const char *v = r.headers[i].value;
            if (strcasecmp(r.headers[i].name, "Set-Cookie") == 0 &&
                strncmp(v, cookie_name, nl) == 0 && v[nl] == '=') {
                free(*cookie);
                *cookie = xstrndup(v, strcspn(v, ";"));
            }
        }
    }
    http_resp_cleanup(&r);
    free(hl);
    return st;
}
