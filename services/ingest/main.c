/* main.c - the ingest service: its spec for the service kit (shared/svc.h), which reads the
 * configuration, migrates the `ingest` schema, relays the outbox, serves svc.ingest.* and shuts
 * down in order. The start hook reads ingest's settings, ensures the work queue, starts the
 * janitor and the pipeline's consumers (work.h). No logic lives here.
 */
#include "ingest.h"
#include "shared/config.h"
#include "shared/util.h"
#include "work.h"

static ingest_app_t app;

static const bus_method_t methods[] = {
    {"upload", ingest_handle_upload},
    {"upload_part", ingest_handle_upload_part},
    {"list_documents", ingest_handle_list_documents},
    {"get_document", ingest_handle_get_document},
    {"delete_document", ingest_handle_delete_document},
    {"reindex_document", ingest_handle_reindex_document},
    {"list_document_chunks", ingest_handle_list_document_chunks},
    {"get_file", ingest_handle_get_file},
};

static status_t start(svc_t *svc)
{
    status_t st;
    /* At most 512 MiB: upload hashes the pieces in PostgreSQL (string_agg, 1 GB at most). */
    if ((st = config_int("INGEST_MAX_FILE_BYTES", 50LL * 1024 * 1024, 1, 512LL * 1024 * 1024,
                         &app.max_file_bytes)) ||
        (st = config_int("INGEST_UPLOAD_TTL_S", 3600, 1, 7 * 86400, &app.upload_ttl_s)) ||
        (st = ingest_enqueue_init(svc)) || (st = ingest_janitor_start(svc)))
        return st;
    return ingest_work_start(svc); /* the pipeline's consumers (work.h) */
}

static void stop(svc_t *svc)
{
    ingest_work_stop(svc); /* first: the items in progress finish */
    ingest_janitor_stop(svc);
}

static const svc_spec_t spec = {
    .name = "ingest",
    .desc = &ingest__ingest__descriptor,
    .methods = methods,
    .n_methods = ARRAY_LEN(methods),
    .migrations = ingest_migrations,
    .n_migrations = &ingest_migrations_count,
    .outbox = true,
    .app = &app,
    .start = start,
    .stop = stop,
};

int main(void)
{
    return svc_main(&spec, NULL);
}
