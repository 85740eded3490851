/* store.h - every SQL statement of the ingest service and the transactions around them.
 *
 * Every function runs in a tenant transaction (svc_tx_begin / db_read_org), so row-level
 * security applies as well as the explicit org_id in every WHERE; the janitor alone runs
 * across organisations (app.janitor). Ids passed in are canonical UUIDs (validated by the
 * handler). Returned documents are heap messages: free with svc_msg_free.
 */
#ifndef INGEST_STORE_H
#define INGEST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/common.pb-c.h"
#include "proto/ingest.pb-c.h"
#include "shared/svc.h"

/* ---- uploads --------------------------------------------------------------------------------- */

/* Stores piece seq of upload id (seq 0 creates the upload for org/user). ST_CONFLICT: out of
 * order, or seq 0 of an id already used; ST_NOT_FOUND: no such upload of this user;
 * ST_TOO_LARGE: the upload's bytes would pass max_bytes (its pieces are dropped). */
status_t ingest_store_put_piece(db_pool_t *pool, const char *org, const char *user, const char *id,
                                int seq, const void *data, size_t len, int64_t max_bytes,
                                svc_why_t *why);

/* What the upload's pieces hold, checked against what the edge said. */
typedef struct {
    char sha256[65];
    uint8_t *head; /* the first bytes (at most head_max), heap */
    size_t head_len;
} ingest_upload_facts_t;

/* Reads upload id's pieces in order (they must be exactly parts pieces of size bytes in all,
 * from user) and hashes them. ST_NOT_FOUND: no such upload; ST_INVALID: the pieces disagree
 * (why says how). */
status_t ingest_store_upload_facts(db_pool_t *pool, const char *org, const char *user,
                                   const char *id, int parts, int64_t size, size_t head_max,
                                   ingest_upload_facts_t *out /* OUT */, svc_why_t *why);
void ingest_upload_facts_cleanup(ingest_upload_facts_t *f);

/* Drops upload id and its pieces (a refused upload). */
status_t ingest_store_drop_upload(db_pool_t *pool, const char *org, const char *id);

typedef struct {
    const char *org, *user, *request_id;
    const char *id; /* the upload's id: the new document's */
    const char *category;
    const char *name, *format, *mime_type, *sha256;
    int64_t size;
} ingest_new_doc_t;

/* In one transaction: the new document (queued, generation 1, created event) from the upload,
 * or, when the organisation has a document with this SHA-256, that one with *duplicate set and
 * the upload's pieces dropped. */
status_t ingest_store_create_document(db_pool_t *pool, const ingest_new_doc_t *d,
                                      Ingest__Document **out, bool *duplicate);

/* Drops uploads older than ttl_s seconds of every organisation with their pieces; *n: how many. */
status_t ingest_store_drop_stale_uploads(db_pool_t *pool, int64_t ttl_s, long *n);

/* ---- documents ------------------------------------------------------------------------------- */

typedef struct {
    const char *category; /* NULL: all */
    const char *status;   /* NULL: all */
    const char *q;        /* NULL: all; else a case-insensitive substring of the name */
    svc_page_t page;
} ingest_doc_query_t;

status_t ingest_store_list(db_pool_t *pool, const char *org, const ingest_doc_query_t *q,
                           Ingest__DocumentList *out);
/* ST_NOT_FOUND when org has no document id. *generation (may be NULL) gets its generation. */
status_t ingest_store_get(db_pool_t *pool, const char *org, const char *id, Ingest__Document **out,
                          int *generation);
/* Deletes the document and its pieces with the deleted event. ST_NOT_FOUND. */
status_t ingest_store_delete(db_pool_t *pool, const char *org, const char *user,
                             const char *request_id, const char *id);
/* generation + 1, status queued, progress and attempts 0, error cleared. ST_NOT_FOUND. */
status_t ingest_store_reindex(db_pool_t *pool, const char *org, const char *user,
                              const char *request_id, const char *id, Ingest__Document **out,
                              int *generation);
/* Piece seq of the file of document id; for seq 0 also parts, size, content type, name, etag.
 * ST_NOT_FOUND: no such document or piece. */
status_t
ingest_store_file_part(db_pool_t *pool, const char *org, const char *id, int seq,
                       Common__FilePart *out /* OUT: free with ingest_file_part_cleanup */);
void ingest_file_part_cleanup(Common__FilePart *p);

#endif
