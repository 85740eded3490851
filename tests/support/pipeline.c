/* pipeline.c - a private knowledge pipeline (pipeline.h): nats-server, database, replicas,
 * documents seeded as an upload leaves them. */
#include "tests/support/pipeline.h"

#include <libpq-fe.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/ingest.pb-c.h"
#include "shared/crypto.h"
#include "shared/names.h"
#include "shared/util.h"
#include "stack/stack.h"
#include "tests/support/harness.h"

#define PIECE (256 * 1024)

char *pipeline_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    buf_t b = BUF_INIT;
    char chunk[65536];
    size_t n;

    if (!f)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    if (len)
        *len = b.len;
    buf_putc(&b, '\0');
    return buf_steal(&b);
}

char *pipeline_make_pdf(int pages, size_t *len)
{
    char self[PATH_MAX], out[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *cut = strstr(self, "/tests/"); /* $(BUILD)/tests/<kind>/...: the build's root */
    if (cut)
        *cut = '\0';
    snprintf(out, sizeof out, "%s/pipeline-%d-%d.pdf", harness_env("VAR_DIR"), (int)getpid(),
             pages);
    buf_t cmd = BUF_INIT;
    /* An ASan build's make-pdf would fail on fontconfig's own leaks. */
    buf_printf(&cmd, "ASAN_OPTIONS=detect_leaks=0 %s/tests/support/make-pdf %s %d", self, out,
               pages);
    char *data = system(cmd.data) == 0 ? pipeline_slurp(out, len) : NULL;
    if (!data)
        fprintf(stderr, "pipeline: %s failed\n", cmd.data);
    unlink(out);
    buf_cleanup(&cmd);
    return data;
}

/* url with its database name replaced by db. */
static void url_with_db(const char *url, const char *db, char *out, size_t outlen)
{
    const char *slash = strrchr(url, '/'), *query = strchr(url, '?');
    snprintf(out, outlen, "%.*s/%s%s", slash ? (int)(slash - url) : 0, url, db, query ? query : "");
}

status_t pipeline_start(pipeline_t *p)
{
    int port = harness_free_port();
    char port_s[16], id[37], url[256];
    status_t st;

    memset(p, 0, sizeof *p);
    uuid_new(id);
    snprintf(port_s, sizeof port_s, "%d", port);
    snprintf(p->store, sizeof p->store, "%s/pipeline-js-%.8s", harness_env("VAR_DIR"), id);
    char *argv[] = {"nats-server", "-a", "127.0.0.1", "-p", port_s, "-js", "-sd", p->store, NULL};
    stack_spawn_opts_t opts = STACK_SPAWN_OPTS_INIT;
    opts.log_path = "/dev/null";
    if ((st = stack_spawn("/usr/sbin/nats-server", argv, NULL, &opts, &p->nats)) ||
        (st = stack_port_wait(port, p->nats, 10000)))
        return st;
    snprintf(p->nats_env, sizeof p->nats_env, "NATS_URL=nats://127.0.0.1:%d", port);
    if ((st = bus_connect("pipeline-test", p->nats_env + strlen("NATS_URL="), 5000, &p->bus)))
        return st;

    snprintf(p->db, sizeof p->db, "pipeline_%.8s", id);
    char *sql = NULL;
    if (asprintf(&sql, "CREATE DATABASE %s OWNER app", p->db) < 0)
        abort();
    bool ok = harness_pg_exec(sql);
    free(sql);
    if (!ok) {
        p->db[0] = '\0';
        return ST_UNAVAILABLE;
    }
    url_with_db(harness_env("DATABASE_URL"), p->db, url, sizeof url);
    snprintf(p->db_env, sizeof p->db_env, "DATABASE_URL=%s", url);
    url_with_db(harness_env("PG_ADMIN_URL"), p->db, p->admin_url, sizeof p->admin_url);
    /* What devstack does for the stack's database: the extensions services need but may not
     * create (rag's full-text index). */
    free(pipeline_sql(p, "CREATE EXTENSION IF NOT EXISTS rum", 0, NULL));
    return ST_OK;
}

void pipeline_stop(pipeline_t *p)
{
    bus_free(p->bus);
    p->bus = NULL;
    if (p->nats > 0)
        stack_proc_stop(p->nats, SIGTERM, 5000);
    p->nats = 0;
    if (p->store[0])
        stack_rmtree(p->store);
    if (p->db[0]) {
        char *sql = NULL;
        if (asprintf(&sql, "DROP DATABASE %s WITH (FORCE)", p->db) < 0)
            abort();
        harness_pg_exec(sql);
        free(sql);
        p->db[0] = '\0';
    }
}

pid_t pipeline_spawn(pipeline_t *p, const char *name, const char *const extra_env[])
{
    const char *env[32];
    size_t n = 0;
    env[n++] = p->nats_env;
    env[n++] = p->db_env;
    env[n++] = "LOG_LEVEL=info";
    for (size_t i = 0; extra_env && extra_env[i] && n < 31; i++)
        env[n++] = extra_env[i];
    env[n] = NULL;
    pid_t pid = harness_spawn_service(name, env);
    if (pid <= 0)
        return -1;

    char *path = harness_log_path(name, pid), want[64];
    snprintf(want, sizeof want, "%s: ready", name);
    bool ready = false;
    for (int i = 0; i < 2400 && !ready; i++) {
        char *log = pipeline_slurp(path, NULL);
        ready = log && strstr(log, want);
        free(log);
        if (!ready && kill(pid, 0) != 0)
            break;
        if (!ready)
            usleep(25 * 1000);
    }
    if (!ready)
        fprintf(stderr, "pipeline: %s replica %d did not get ready; see %s\n", name, (int)pid,
                path);
    free(path);
    return ready ? pid : -1;
}

char *pipeline_sql(pipeline_t *p, const char *sql, int nparams, const char *const params[])
{
    PGconn *c = PQconnectdb(p->admin_url);
    char *out = NULL;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
            out = xstrdup(PQgetvalue(r, 0, 0));
        else if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK)
            fprintf(stderr, "pipeline: %s", PQerrorMessage(c));
        PQclear(r);
    } else {
        fprintf(stderr, "pipeline: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return out;
}

status_t pipeline_seed(pipeline_t *p, const char *org, const char *user, const char *name,
                       const char *format, const void *data, size_t len, char doc[37])
{
    PGconn *c = PQconnectdb(p->admin_url);
    PGresult *r = NULL;
    status_t st = ST_INTERNAL;
    char id[37], size[24], sha[CRYPTO_SHA256_HEX_SIZE], salt[37];

    uuid_new(id);
    snprintf(size, sizeof size, "%zu", len);
    /* The hash of the bytes and the id: the same file seeded twice is two documents here. */
    uuid_new(salt);
    buf_t h = BUF_INIT;
    buf_append(&h, data, len);
    buf_puts(&h, salt);
    crypto_sha256_hex(h.data, h.len, sha);
    buf_cleanup(&h);
    if (PQstatus(c) != CONNECTION_OK)
        goto done;
    r = PQexec(c, "BEGIN");
    PQclear(r);
    const char *dp[] = {id, org, name, size, user, sha, format};
    r = PQexecParams(c,
                     "INSERT INTO ingest.documents (id, org_id, name, format, size, sha256, "
                     "status, generation, created_by) VALUES ($1, $2, $3, $7, $4, $6, 'queued', "
                     "1, $5)",
                     7, NULL, dp, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        goto done;
    for (size_t off = 0, seq = 0; off < len; off += PIECE, seq++) {
        char seq_s[16];
        size_t n = len - off < PIECE ? len - off : PIECE;
        snprintf(seq_s, sizeof seq_s, "%zu", seq);
        const char *pp[] = {id, seq_s, (const char *)data + off};
        int lens[] = {0, 0, (int)n}, fmts[] = {0, 0, 1};
        PQclear(r);
        r = PQexecParams(c,
                         "INSERT INTO ingest.file_pieces (document_id, seq, data) "
                         "VALUES ($1, $2, $3)",
                         3, NULL, pp, lens, fmts, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            goto done;
    }
    PQclear(r);
    r = PQexec(c, "COMMIT");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        goto done;
    memcpy(doc, id, 37);
    st = ST_OK;
done:
    if (st != ST_OK)
        fprintf(stderr, "pipeline: seeding %s failed: %s", name, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return st;
}

status_t pipeline_enqueue(pipeline_t *p, const char *org, const char *user, const char *doc,
                          int generation)
{
    Ingest__WorkItem item = INGEST__WORK_ITEM__INIT;
    char msg_id[64];
    item.org_id = (char *)org;
    item.document_id = (char *)doc;
    item.user_id = (char *)user;
    item.has_generation = true;
    item.generation = generation;
    size_t len = ingest__work_item__get_packed_size(&item);
    uint8_t *buf = xmalloc(len ? len : 1);
    ingest__work_item__pack(&item, buf);
    snprintf(msg_id, sizeof msg_id, "%s:%d", doc, generation);
    status_t st = bus_js_publish(p->bus, SUBJ_WORK_INGEST_DOCUMENT, msg_id, buf, len);
    free(buf);
    return st;
}

char *pipeline_wait_status(pipeline_t *p, const char *doc, int timeout_ms)
{
    const char *params[] = {doc};
    char *status = NULL;
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        free(status);
        status = pipeline_sql(p, "SELECT status FROM ingest.documents WHERE id = $1", 1, params);
        if (!status || strcmp(status, "ready") == 0 || strcmp(status, "failed") == 0)
            break;
        usleep(100 * 1000);
    }
    return status;
}
