/* metrics_process.c - the standard process_* metrics of Prometheus client libraries, read from
 * /proc on each exposition: resident and virtual memory, CPU seconds, open and maximum file
 * descriptors, and the start time (boot time + the process's start in clock ticks). */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "shared/metrics.h"

typedef struct {
    metrics_series_t *rss, *vsize, *cpu, *fds, *max_fds, *start;
    double cpu_seen; /* the counter's value so far: it moves by what /proc adds */
} proc_metrics_t;

/* utime + stime (seconds), vsize and rss (bytes), start (seconds since boot), from
 * /proc/self/stat, whose second field (the command) may hold spaces and parentheses. */
static bool read_stat(double *cpu, double *vsize, double *rss, double *start)
{
    char line[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    bool ok = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    char *p = ok ? strrchr(line, ')') : NULL;
    unsigned long long utime, stime, starttime, vs;
    long long rs;
    /* After ")": state(3) ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24). */
    if (!p || sscanf(p + 2,
                     "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
                     "%*d %llu %llu %lld",
                     &utime, &stime, &starttime, &vs, &rs) != 5)
        return false;
    double tick = (double)sysconf(_SC_CLK_TCK);
    *cpu = (double)(utime + stime) / tick;
    *vsize = (double)vs;
    *rss = (double)rs * (double)sysconf(_SC_PAGESIZE);
    *start = (double)starttime / tick;
    return true;
}

static double boot_time(void)
{
    char line[256];
    double btime = 0;
    FILE *f = fopen("/proc/stat", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lf", &btime) == 1)
            break;
    if (f)
        fclose(f);
    return btime;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static void collect(void *arg, metrics_registry_t *r)
{
    proc_metrics_t *m = arg;
    double cpu, vsize, rss, start;
    struct rlimit rl;
    (void)r;
    if (read_stat(&cpu, &vsize, &rss, &start)) {
        metrics_set(m->rss, rss);
        metrics_set(m->vsize, vsize);
        metrics_set(m->start, boot_time() + start);
        if (cpu > m->cpu_seen) { /* collectors run one at a time: no race on cpu_seen */
            metrics_add(m->cpu, cpu - m->cpu_seen);
            m->cpu_seen = cpu;
        }
    }
    int fds = open_fds();
    if (fds >= 0)
        metrics_set(m->fds, fds);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        metrics_set(m->max_fds, rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur);
}

static proc_metrics_t proc_metrics;
static pthread_once_t proc_once = PTHREAD_ONCE_INIT;

static void register_once(void)
{
    proc_metrics_t *m = &proc_metrics;
    metrics_registry_t *r = metrics_default();
    m->rss = metrics_get(
        metrics_gauge(r, "process_resident_memory_bytes", "Resident memory size in bytes.", NULL),
        NULL);
    m->vsize = metrics_get(
        metrics_gauge(r, "process_virtual_memory_bytes", "Virtual memory size in bytes.", NULL),
        NULL);
    m->cpu = metrics_get(metrics_counter(r, "process_cpu_seconds_total",
                                         "Total user and system CPU time spent in seconds.", NULL),
                         NULL);
    m->fds = metrics_get(
        metrics_gauge(r, "process_open_fds", "Number of open file descriptors.", NULL), NULL);
    m->max_fds = metrics_get(
        metrics_gauge(r, "process_max_fds", "Maximum number of open file descriptors.", NULL),
        NULL);
    m->start =
        metrics_get(metrics_gauge(r, "process_start_time_seconds",
                                  "Start time of the process since unix epoch in seconds.", NULL),
                    NULL);
    metrics_collector_add(r, collect, m);
}

void metrics_process_register(void)
{
    pthread_once(&proc_once, register_once);
}
