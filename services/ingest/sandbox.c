/* sandbox.c - runs ingest-extract on one file (sandbox.h). The caller is multithreaded, so the
 * child is started with posix_spawn (no fork without exec), in its own process group, with only
 * stdin, stdout and /dev/null as stderr (every other descriptor closed), signals at their
 * defaults and a minimal environment. The file is fed through a pipe while the answer is read
 * from another (poll: a big answer never deadlocks against a big input), the answer is capped,
 * the wall time is enforced with SIGKILL, and every way the child can end gets a reason a user
 * can read. The child is always reaped: no zombie, no descriptor left open.
 */
#include "services/ingest/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared/log.h"
#include "shared/util.h"

#define DEFAULT_CPU_S  60
#define DEFAULT_MEM_MB 1024
#define DEFAULT_WALL_S 120
/* The biggest answer taken: the extractor's text cap (64 MiB) plus the framing of its blocks. */
#define MAX_ANSWER (96u * 1024 * 1024)

static void say(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t why_len, const char *fmt, ...)
{
    va_list ap;
    if (!why || !why_len)
        return;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

static status_t env_int(const char *key, int *out)
{
    const char *v = getenv(key);
    if (!v || !*v)
        return ST_OK;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n <= 0 || n > 1000000) {
        LOG_ERROR("sandbox: %s must be a positive number of %s, not \"%s\"", key,
                  strstr(key, "MEM") ? "megabytes" : "seconds", v);
        return ST_INVALID;
    }
    *out = (int)n;
    return ST_OK;
}

status_t sandbox_limits_from_env(sandbox_limits_t *out)
{
    sandbox_limits_t l = {.bin = getenv("INGEST_EXTRACT_BIN")};
    status_t st;
    if (l.bin && !*l.bin)
        l.bin = NULL;
    if ((st = env_int("INGEST_EXTRACT_CPU_S", &l.cpu_s)) ||
        (st = env_int("INGEST_EXTRACT_MEM_MB", &l.mem_mb)) ||
        (st = env_int("INGEST_EXTRACT_WALL_S", &l.wall_s)))
        return st;
    *out = l;
    return ST_OK;
}

/* ingest-extract next to the running program. */
static char *default_bin(void)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return xstrdup("ingest-extract");
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    buf_t b = BUF_INIT;
    buf_printf(&b, "%.*s/ingest-extract", slash ? (int)(slash - self) : 0, self);
    return buf_steal(&b);
}

static int64_t mono_ms(void)
{
    return time_mono_us() / 1000;
}

typedef struct {
    int in, out;    /* our ends: the child's stdin (write), stdout (read) */
    pid_t pid;      /* 0 once reaped */
    bool killed;    /* by us: wall time or answer size */
    bool too_big;   /* the answer passed MAX_ANSWER */
    bool timed_out; /* the wall time passed */
    int status;     /* waitpid's */
    struct rusage ru;
} child_t;

static status_t spawn(const char *bin, char *const argv[], child_t *c, char *why, size_t why_len)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all;
    char *envp[] = {"LC_ALL=C.UTF-8", "ASAN_OPTIONS=detect_leaks=0", NULL};
    status_t st = ST_OK;
    int rc;

    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        say(why, why_len, "the file cannot be read now (no pipes: %s)", strerror(errno));
        st = ST_UNAVAILABLE;
        goto done;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&at);
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
    rc = posix_spawn(&c->pid, bin, &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc != 0) {
        LOG_ERROR("sandbox: cannot start %s: %s", bin, strerror(rc));
        say(why, why_len, "the file cannot be read now (the reader cannot start)");
        c->pid = 0;
        st = ST_UNAVAILABLE;
        goto done;
    }
    c->in = in[1];
    c->out = out[0];
    in[1] = out[0] = -1;
    fcntl(c->in, F_SETFL, O_NONBLOCK);
    fcntl(c->out, F_SETFL, O_NONBLOCK);
done:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
    }
    return st;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void kill_child(child_t *c)
{
    if (c->pid > 0) {
        kill(-c->pid, SIGKILL); /* its process group: anything it started too */
        kill(c->pid, SIGKILL);
        c->killed = true;
    }
}

/* Feeds data and collects the answer until the child closes stdout or the deadline passes. */
static void pump(child_t *c, const char *data, size_t len, int64_t deadline, buf_t *answer)
{
    size_t sent = 0;
    if (len == 0)
        close_fd(&c->in);
    while (c->out >= 0) {
        struct pollfd p[2];
        nfds_t n = 0;
        p[n++] = (struct pollfd){.fd = c->out, .events = POLLIN};
        if (c->in >= 0)
            p[n++] = (struct pollfd){.fd = c->in, .events = POLLOUT};
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            c->timed_out = true;
            kill_child(c);
            break;
        }
        int r = poll(p, n, left > INT_MAX ? INT_MAX : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        if (n > 1 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = write(c->in, data + sent, len - sent < 65536 ? len - sent : 65536);
            if (w > 0)
                sent += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == len)
                close_fd(&c->in); /* done, or the child stopped reading (EPIPE) */
        }
        if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
            buf_reserve(answer, 65536);
            ssize_t got = read(c->out, answer->data + answer->len, answer->cap - answer->len - 1);
            if (got > 0) {
                answer->len += (size_t)got;
                answer->data[answer->len] = '\0';
                if (answer->len > MAX_ANSWER) {
                    c->too_big = true;
                    kill_child(c);
                    break;
                }
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                break; /* EOF */
            }
        }
    }
    close_fd(&c->in);
    close_fd(&c->out);
}

/* Reaps the child, killing it when it outlives the deadline after closing its stdout. */
static void reap(child_t *c, int64_t deadline)
{
    while (c->pid > 0) {
        pid_t r = wait4(c->pid, &c->status, c->killed ? 0 : WNOHANG, &c->ru);
        if (r == c->pid) {
            c->pid = 0;
            break;
        }
        if (r < 0 && errno != EINTR) {
            c->pid = 0;
            break;
        }
        if (r == 0) {
            if (mono_ms() >= deadline) {
                c->timed_out = true;
                kill_child(c);
            } else {
                struct timespec ts = {0, 2 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
        }
    }
}

/* The answer: a 4-byte big-endian length, then the message. */
static status_t decode(const buf_t *answer, Ingest__ExtractResult **out, char *why, size_t why_len)
{
    const unsigned char *p = (const unsigned char *)answer->data;
    if (answer->len < 4)
        goto bad;
    size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    if (n != answer->len - 4)
        goto bad;
    Ingest__ExtractResult *r = ingest__extract_result__unpack(NULL, n, p + 4);
    if (!r)
        goto bad;
    *out = r;
    return ST_OK;
bad:
    say(why, why_len, "the reader gave no usable answer for this file");
    return ST_UNPROCESSABLE;
}

/* Why the child ended as it did (it did not exit 0 with an answer). */
static status_t ending(const child_t *c, const sandbox_limits_t *l, char *why, size_t why_len)
{
    double cpu = (double)c->ru.ru_utime.tv_sec + (double)c->ru.ru_stime.tv_sec +
                 (double)(c->ru.ru_utime.tv_usec + c->ru.ru_stime.tv_usec) / 1e6;
    if (c->timed_out) {
        say(why, why_len, "the file took longer than %d s to read", l->wall_s);
        return ST_TIMEOUT;
    }
    if (c->too_big) {
        say(why, why_len, "the file holds more text than can be indexed");
        return ST_UNPROCESSABLE;
    }
    if (WIFEXITED(c->status)) {
        say(why, why_len, "the reader failed on this file (exit status %d)",
            WEXITSTATUS(c->status));
        return ST_UNPROCESSABLE;
    }
    int sig = WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0;
    bool memory = (double)c->ru.ru_maxrss * 1024.0 >= (double)l->mem_mb * 1024 * 1024 / 2;
    if (sig == SIGXCPU || (sig == SIGKILL && cpu >= l->cpu_s))
        say(why, why_len, "the file needs more than %d s of processor time to read", l->cpu_s);
    else if (sig == SIGSYS)
        say(why, why_len, "the reader tried something the sandbox forbids on this file");
    else if ((sig == SIGABRT || sig == SIGTRAP || sig == SIGSEGV || sig == SIGBUS ||
              sig == SIGKILL) &&
             memory)
        say(why, why_len, "the file needs more than %d MB of memory to read", l->mem_mb);
    else if (sig == SIGABRT || sig == SIGTRAP)
        say(why, why_len,
            "the reader failed on this file (it gave up: out of memory or a fatal "
            "error)");
    else
        say(why, why_len, "the reader crashed on this file (signal %d)", sig);
    return ST_UNPROCESSABLE;
}

status_t sandbox_extract_named(const sandbox_limits_t *limits, const char *name, const void *data,
                               size_t len, Ingest__ExtractResult **out, char *why, size_t why_len)
{
    sandbox_limits_t l = limits ? *limits : (sandbox_limits_t){0};
    char *bin = l.bin ? xstrdup(l.bin) : default_bin();
    char cpu[16], mem[16], max[32];
    child_t c = {.in = -1, .out = -1};
    buf_t answer = BUF_INIT;
    sigset_t pipe_set, old;
    status_t st;

    l.cpu_s = l.cpu_s > 0 ? l.cpu_s : DEFAULT_CPU_S;
    l.mem_mb = l.mem_mb > 0 ? l.mem_mb : DEFAULT_MEM_MB;
    l.wall_s = l.wall_s > 0 ? l.wall_s : DEFAULT_WALL_S;
    snprintf(cpu, sizeof cpu, "%d", l.cpu_s);
    snprintf(mem, sizeof mem, "%d", l.mem_mb);
    snprintf(max, sizeof max, "%zu", len ? len : 1);
    char *argv[] = {"ingest-extract",       "--cpu",      cpu, "--mem", mem, "--max-bytes", max,
                    name ? "--name" : NULL, (char *)name, NULL};

    /* a child that stops reading must not kill us with SIGPIPE: block it in this thread and
     * drop what is pending before unblocking */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    int64_t deadline = mono_ms() + (int64_t)l.wall_s * 1000;
    if ((st = spawn(bin, argv, &c, why, why_len)))
        goto done;
    pump(&c, data, len, deadline, &answer);
    reap(&c, deadline);
    if (!c.killed && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0)
        st = decode(&answer, out, why, why_len);
    else
        st = ending(&c, &l, why, why_len);
done:
    if (!sigismember(&old, SIGPIPE)) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
            ;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    close_fd(&c.in);
    close_fd(&c.out);
    buf_cleanup(&answer);
    free(bin);
    return st;
}

status_t sandbox_extract(const sandbox_limits_t *limits, const void *data, size_t len,
                         Ingest__ExtractResult **out, char *why, size_t why_len)
{
    return sandbox_extract_named(limits, NULL, data, len, out, why, why_len);
}
