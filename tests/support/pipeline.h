/* pipeline.h - a private knowledge pipeline for tests and benchmarks that must own every
 * replica (kill one mid-document, count CPU per page): its own nats-server (with JetStream) and
 * its own database on the stack's PostgreSQL, with embed, rag and ingest replicas started on
 * them, and documents put straight into ingest's tables and queued on WORK, as an upload would.
 * The stack's own replicas never see any of it. Plain C (no Criterion): benchmarks link it too.
 *
 *     pipeline_t p;
 *     if (pipeline_start(&p)) fail();
 *     pid_t a = pipeline_spawn(&p, "ingest", NULL);       // waits for "ingest: ready"
 *     char doc[37];
 *     pipeline_seed(&p, org, user, "big.pdf", "pdf", data, len, doc);
 *     pipeline_enqueue(&p, org, user, doc, 1);
 *     char *status = pipeline_wait_status(&p, doc, 60000); // "ready" or "failed" (free)
 *     pipeline_stop(&p);
 */
#ifndef TESTS_SUPPORT_PIPELINE_H
#define TESTS_SUPPORT_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "shared/bus.h"
#include "shared/status.h"

typedef struct {
    pid_t nats;
    char nats_env[96], store[192];
    char db[48], db_env[320], admin_url[320];
    bus_t *bus; /* connected to the private nats-server */
} pipeline_t;

/* nats-server and a fresh database (owned by the stack's role app). ST_OK or a status, the
 * reason on stderr. */
status_t pipeline_start(pipeline_t *p);
/* Stops the private nats-server, drops the database (after its replicas were stopped: the
 * caller's). NULL-safe fields. */
void pipeline_stop(pipeline_t *p);
/* Starts a replica of the stack's `name` on the private nats-server and database (plus
 * extra_env, NULL-terminated "K=V" or NULL) and waits up to 60 s for "<name>: ready" in its
 * log. The pid, or -1 (why on stderr). */
pid_t pipeline_spawn(pipeline_t *p, const char *name, const char *const extra_env[]);

/* A document of org, uploaded by user, named name, of format (pdf | docx | txt | md), with the
 * file data[0..len) in 256 KiB
 * pieces, status queued, generation 1: what the upload leaves behind. Needs ingest's schema (an
 * ingest replica started once). doc gets the new id. */
status_t pipeline_seed(pipeline_t *p, const char *org, const char *user, const char *name,
                       const char *format, const void *data, size_t len, char doc[37] /* OUT */);
/* Publishes the document's ingest.WorkItem on WORK (Nats-Msg-Id "<doc>:<generation>"). */
status_t pipeline_enqueue(pipeline_t *p, const char *org, const char *user, const char *doc,
                          int generation);
/* The first column of the first row of sql ($1.. = params) in the private database as the
 * superuser (no row-level security), heap; NULL when no row or on error. */
char *pipeline_sql(pipeline_t *p, const char *sql, int nparams, const char *const params[]);
/* Polls the document's status until ready or failed, or timeout_ms: the last status seen
 * (heap; NULL when there is no such document). */
char *pipeline_wait_status(pipeline_t *p, const char *doc, int timeout_ms);

/* An N-page PDF of Russian and English prose from extract's make-pdf (its build's
 * tests/support/make-pdf: "Двухместный номер стоит 120 евро за ночь..." on every few pages), heap;
 * NULL (why on stderr) when it could not be made. */
char *pipeline_make_pdf(int pages, size_t *len /* OUT */);
/* The whole file at path (heap, NUL-terminated after len bytes), NULL when unreadable. */
char *pipeline_slurp(const char *path, size_t *len /* OUT, may be NULL */);

#endif
