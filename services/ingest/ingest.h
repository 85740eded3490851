/* ingest.h - the ingest service's module interface: its state, handlers and helpers.
 *
 * The service owns the `ingest` schema: documents, their files in pieces and the uploads in
 * progress. main.c wires it; handlers_upload.c takes files in (the edge streams them as parts,
 * then calls upload), handlers_documents.c answers the documents' API; store.c holds every SQL
 * statement; enqueue.c queues documents on the WORK stream for the pipeline (work.h);
 * janitor.c drops uploads that never finished.
 */
#ifndef INGEST_INGEST_H
#define INGEST_INGEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto/ingest.pb-c.h"
#include "shared/svc.h"

/* The service's migrations, embedded by the Makefile from migrations/NNN_*.sql. */
extern const db_migration_t ingest_migrations[];
extern const size_t ingest_migrations_count;

/* The forbidden message's end: "only owners and admins may change the knowledge base". */
#define INGEST_WRITE_WHAT "change the knowledge base"
#define INGEST_PART_MAX   262144 /* bytes of one piece (common.UploadPart) */

typedef struct {
    int64_t max_file_bytes;        /* INGEST_MAX_FILE_BYTES (50 MiB) */
    int64_t upload_ttl_s;          /* INGEST_UPLOAD_TTL_S (3600) */
    int64_t js_replicas;           /* JS_REPLICAS (1): copies of the WORK stream */
    atomic_bool work_stream_ready; /* enqueue.c: WORK was ensured */
    /* janitor.c */
    pthread_t janitor;
    bool janitor_running, janitor_stop;
    pthread_mutex_t janitor_mu;
    pthread_cond_t janitor_cv;
} ingest_app_t;

/* ---- handlers: svc.ingest.<method> -> ingest_handle_<method> -------------------------------- */

/* handlers_upload.c */
status_t ingest_handle_upload_part(void *svc, bus_req_t *req);
status_t ingest_handle_upload(void *svc, bus_req_t *req);
/* handlers_documents.c */
status_t ingest_handle_list_documents(void *svc, bus_req_t *req);
status_t ingest_handle_get_document(void *svc, bus_req_t *req);
status_t ingest_handle_delete_document(void *svc, bus_req_t *req);
status_t ingest_handle_reindex_document(void *svc, bus_req_t *req);
status_t ingest_handle_list_document_chunks(void *svc, bus_req_t *req);
status_t ingest_handle_get_file(void *svc, bus_req_t *req);

/* ---- enqueue.c (with ingest_work_enqueue of work.h) ------------------------------------------ */

/* Reads JS_REPLICAS and ensures the JetStream work queue WORK (work.>, work-queue retention,
 * JS_REPLICAS copies). JetStream being unavailable is no failure: the stream is ensured again
 * before the next publish. */
status_t ingest_enqueue_init(svc_t *svc);

/* ---- janitor.c ------------------------------------------------------------------------------- */

/* A thread that drops uploads older than INGEST_UPLOAD_TTL_S with their pieces, every
 * min(ttl / 4, 60) seconds. */
status_t ingest_janitor_start(svc_t *svc);
void ingest_janitor_stop(svc_t *svc); /* NULL-safe, idempotent */

#endif
