/* work_int.h - the pieces of ingest's pipeline (work.h) and how they meet.
 *
 * work.c runs the consumer threads and takes one WorkItem through the steps; each step lives in
 * a file of its own: work_store.c (every SQL statement of the pipeline, in tenant transactions),
 * work_blocks.c (the extractor's blocks as the chunker's input: pure), work_index.c (embed and
 * index the chunks in batches), work_progress.c (the pushes to the uploader's browsers).
 *
 * Failures are sorted in two: transient (the database, embed or rag unavailable, a timeout),
 * which nak the item so it comes again later, and permanent (the file cannot be read, a sandbox
 * limit), which end the document `failed` with a reason a user can read. A document deleted or
 * re-indexed while it is processed makes every later step find no row of its generation
 * (ST_NOT_FOUND): the item is acknowledged and dropped.
 */
#ifndef INGEST_WORK_INT_H
#define INGEST_WORK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ingest.pb-c.h"
#include "shared/chunk.h"
#include "shared/status.h"
#include "shared/svc.h"

#define WORK_DURABLE      "ingest"
#define WORK_BATCH        256 /* chunks per embed call and per index_put (contract: <= 256) */
#define WORK_WHY_SIZE     512
#define WORK_PUSH_GAP_US  250000 /* progress pushes of one document: at most 4 a second */
#define WORK_EMBED_MS     60000
#define WORK_INDEX_MS     30000
#define WORK_PIECES_BATCH 16 /* file pieces (<= 256 KiB each) read per query */

/* One document being processed: what the item and the claim said. Strings owned. */
typedef struct {
    char org[37], doc[37], user[37];
    char *request_id; /* may be NULL */
    int generation;
    char *name, *category_id; /* category_id NULL when uncategorised */
    int64_t size;
    int attempts; /* including this one */
    int pages, chunks;
    char *encoding;                                  /* NULL unless the extractor said */
    int64_t ms_load, ms_extract, ms_chunk, ms_index; /* how long each step took */
    int64_t us_embed;                                /* of ms_index, in svc.embed.embed */
    /* progress pushes */
    const char *status;
    int progress;
    int64_t pushed_us;
    const char *pushed_status;
    int pushed_progress;
} work_doc_t;

void work_doc_cleanup(work_doc_t *d);

/* ---- work_store.c -------------------------------------------------------------------------- */

/* Starts processing: status extracting, attempts + 1, when the document exists at this
 * generation and is not finished (ready or failed). ST_NOT_FOUND: drop the item (deleted,
 * re-indexed, or already done). Fills name, category_id, size, attempts. */
status_t work_store_claim(db_pool_t *pool, work_doc_t *d);
/* The file: its pieces in order, joined (free). ST_INVALID with why when they do not add up
 * to the document's size (a broken upload: permanent). */
status_t work_store_load(db_pool_t *pool, const work_doc_t *d, void **data /* OUT */,
                         size_t *len /* OUT */, char *why, size_t why_len);
/* d's status and progress (and pages, encoding when set). ST_NOT_FOUND: the document left this
 * generation. */
status_t work_store_status(db_pool_t *pool, const work_doc_t *d);
/* Back to queued (progress 0) after a transient failure, while the item waits to come again. */
status_t work_store_requeue(db_pool_t *pool, const work_doc_t *d);
/* True when the document no longer exists (deleted while it was processed). */
bool work_store_gone(db_pool_t *pool, const work_doc_t *d);
/* ready: pages, chunks, indexed_at, progress 100, error cleared, and evt.ingest.document.updated
 * in the same transaction. */
status_t work_store_ready(db_pool_t *pool, const work_doc_t *d);
/* failed with the reason (and the event). */
status_t work_store_failed(db_pool_t *pool, const work_doc_t *d, const char *why);

/* ---- work_blocks.c ------------------------------------------------------------------------- */

/* The extractor's blocks as chunker blocks (borrowing their text: valid while r lives); an
 * unknown kind is a paragraph. *out is NULL when r has no blocks; free it. */
void work_blocks(const Ingest__ExtractResult *r, chunk_block_t **out /* OUT */,
                 size_t *n /* OUT */);
/* The text embedded for a chunk: "<heading path>\n<text>", or the text alone at the top. */
char *work_embed_text(const chunk_t *c);

/* ---- work_index.c -------------------------------------------------------------------------- */

/* Called after each batch: progress within the embedding step, and the chance to say the item
 * is still in progress. Returning a failure stops the indexing with it. */
typedef status_t (*work_batch_fn)(void *arg, size_t done, size_t total);

/* Embeds the chunks (purpose passage) and puts them into rag's index in batches of WORK_BATCH
 * at the document's generation, `last` on the final one (d->us_embed: the time embed took). A
 * failing call's status comes back with the remote's message in why. */
status_t work_index(svc_t *svc, work_doc_t *d, const chunk_list_t *chunks, work_batch_fn on_batch,
                    void *arg, char *why, size_t why_len);
/* Drops the document's chunks from rag (a document deleted while it was indexed). */
status_t work_index_delete(svc_t *svc, const work_doc_t *d);
/* Whether a failed call's status is worth trying again (5xx-like, rate limited). */
bool work_transient(status_t st);

/* ---- work_progress.c ----------------------------------------------------------------------- */

/* The push's JSON: {"id","name","status","progress","pages","chunks","error"} (free). */
char *work_progress_json(const work_doc_t *d, const char *error);
/* Whether a push of status and progress is due now (pure): status changed, force, or the
 * progress moved and WORK_PUSH_GAP_US passed since the last push. */
bool work_progress_due(const work_doc_t *d, const char *status, int progress, bool force,
                       int64_t now_us);
/* Sets d's status and progress and pushes them on notify.user.<user>.document.progress when the
 * status changed, when force, or WORK_PUSH_GAP_US after the last push. */
void work_progress(bus_t *bus, work_doc_t *d, const char *status, int progress, bool force,
                   const char *error);

#endif
