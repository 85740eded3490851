/* bench_ingest.c - ingest throughput in PDF pages per second, end to end through the queue:
 * many-page PDFs from extract's make-pdf (as bench_extract uses) are put into ingest's tables as an
 * upload leaves them and queued on WORK; the clock runs from the enqueue to the last `ready`, so it
 * covers the load from PostgreSQL, extraction in the sandboxed child, chunking, embedding with
 * the offline embedder and indexing into rag. A private pipeline (tests/support/pipeline.h: its
 * own nats-server, database and replicas of embed, rag and ingest with INGEST_WORKERS=2) makes
 * the CPU time its processes spent (children included: the extractor) a per-page figure.
 * Prints figures; asserts nothing. Run inside `devstack test` (make bench). Target: >= 100
 * pages/s on a 2-core machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/log.h"
#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/support/pipeline.h"

/* CPU seconds of pid and its waited-for children (utime + stime + cutime + cstime). */
static double cpu_s(pid_t pid)
{
    char path[64], *stat;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(stat = pipeline_slurp(path, NULL)))
        return 0;
    const char *p = strrchr(stat, ')'); /* the command name may hold spaces */
    long long v[17] = {0};
    int i = 0;
    for (char *save = NULL, *t = p ? strtok_r((char *)p + 2, " ", &save) : NULL; t && i < 17;
         t = strtok_r(NULL, " ", &save))
        v[i++] = atoll(t);
    free(stat);
    /* after the name: state(0) ... utime(11) stime(12) cutime(13) cstime(14) */
    return (double)(v[11] + v[12] + v[13] + v[14]) / (double)sysconf(_SC_CLK_TCK);
}

typedef struct {
    pid_t pids[3];
    int n;
} procs_t;

static double procs_cpu(const procs_t *ps)
{
    double s = 0;
    for (int i = 0; i < ps->n; i++)
        s += cpu_s(ps->pids[i]);
    return s;
}

/* docs documents of `pages` pages each, queued at once; false when one did not end ready. */
static bool run(pipeline_t *p, const procs_t *ps, int docs, int pages, const char *label)
{
    char org[37], user[37], ids[8][37];
    size_t len = 0;
    char *pdf = pipeline_make_pdf(pages, &len);
    bool ok = pdf != NULL;

    uuid_new(org);
    uuid_new(user);
    for (int i = 0; ok && i < docs; i++) {
        ok = pipeline_seed(p, org, user, "bench.pdf", "pdf", pdf, len, ids[i]) == ST_OK;
    }
    double cpu0 = procs_cpu(ps);
    int64_t t0 = time_mono_us();
    for (int i = 0; ok && i < docs; i++)
        ok = pipeline_enqueue(p, org, user, ids[i], 1) == ST_OK;
    for (int i = 0; ok && i < docs; i++) {
        char *st = pipeline_wait_status(p, ids[i], 600000);
        ok = st && strcmp(st, "ready") == 0;
        if (!ok)
            fprintf(stderr, "bench_ingest: %s ended %s\n", ids[i], st ? st : "(gone)");
        free(st);
    }
    double wall = (double)(time_mono_us() - t0) / 1e6, cpu = procs_cpu(ps) - cpu0;
    /* Where the time went: the steps of the last document, from the ingest replica's log. */
    char *path = harness_log_path("ingest", ps->pids[2]), *log = pipeline_slurp(path, NULL);
    const char *steps = log ? strstr(log, ids[docs - 1]) : NULL;
    steps = steps ? strstr(steps, "(ms: ") : NULL;
    const char *end = steps ? strchr(steps, ')') : NULL;
    if (ok) {
        const char *params[] = {ids[0]};
        char *chunks =
            pipeline_sql(p, "SELECT chunks FROM ingest.documents WHERE id = $1", 1, params);
        int total = docs * pages;
        printf("ingest %-30s %5d pages  %6.2f s  %7.1f pages/s  CPU %5.2f ms/page  (%s chunks "
               "per document, %zu KiB each)\n",
               label, total, wall, total / wall, cpu * 1000 / total, chunks ? chunks : "?",
               len / 1024);
        free(chunks);
        if (end)
            printf("ingest %-30s steps of one document %.*s\n", "", (int)(end - steps + 1), steps);
    }
    free(log);
    free(path);
    free(pdf);
    return ok;
}

int main(void)
{
    pipeline_t p;
    procs_t ps = {.n = 0};
    int rc = 1;

    log_init("bench", "error");
    if (!harness_in_stack()) {
        fprintf(stderr, "bench_ingest: run inside devstack test (make bench)\n");
        return 1;
    }
    if (pipeline_start(&p) != ST_OK)
        goto done;
    const char *ingest_env[] = {"INGEST_WORKERS=2", NULL};
    if ((ps.pids[ps.n++] = pipeline_spawn(&p, "embed", NULL)) <= 0 ||
        (ps.pids[ps.n++] = pipeline_spawn(&p, "rag", NULL)) <= 0 ||
        (ps.pids[ps.n++] = pipeline_spawn(&p, "ingest", ingest_env)) <= 0)
        goto done;
    if (run(&p, &ps, 1, 50, "warm-up (50 pages)") && run(&p, &ps, 1, 1000, "one 1000-page PDF") &&
        run(&p, &ps, 4, 250, "four 250-page PDFs at once"))
        rc = 0;
done:
    for (int i = 0; i < ps.n; i++)
        if (ps.pids[i] > 0)
            harness_stop(ps.pids[i]);
    pipeline_stop(&p);
    return rc;
}
