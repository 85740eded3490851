/* work.h - ingest's background pipeline: the durable consumer of the JetStream work queue WORK
 * (work.ingest.document, ingest.WorkItem) that takes a document from `queued` to `ready` or
 * `failed`: load the file, extract it in the sandboxed child (sandbox.h), chunk (shared/chunk.h),
 * embed (svc.embed.embed), index (svc.rag.index_put), with progress pushed on
 * notify.user.<uploader>.document.progress. main.c calls start/stop from the kit's hooks.
 */
#ifndef INGEST_WORK_H
#define INGEST_WORK_H

#include "shared/status.h"
#include "shared/svc.h"

/* (work.c) Ensures the WORK stream and starts INGEST_WORKERS consumer threads (default 2). */
status_t ingest_work_start(svc_t *svc);
/* Stops taking new items and waits for the ones in progress (they finish or are left
 * unacknowledged for redelivery). */
void ingest_work_stop(svc_t *svc);
/* (services/ingest/enqueue.c, built with the API) Queues a document after its commit: publishes the
 * WorkItem with Nats-Msg-Id "<document id>:<generation>". */
status_t ingest_work_enqueue(svc_t *svc, const char *org, const char *user, const char *doc,
                             int generation, const char *request_id);

#endif
