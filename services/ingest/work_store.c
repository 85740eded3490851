/* work_store.c - every SQL statement of the pipeline (work_int.h) against ingest's schema:
 * claim a document, read its file pieces, record status and progress, finish it ready or failed
 * with its domain event. Each runs in a tenant transaction for the document's organisation (the
 * worker is the system acting for org_id) and names the generation it works on, so a document
 * deleted or re-indexed meanwhile is never written by a stale item. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ingest.pb-c.h"
#include "services/ingest/work_int.h"
#include "shared/log.h"
#include "shared/util.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x)  STRINGIFY_(x)

#define DOC_COLUMNS                                                                                \
    "id, category_id, name, format, mime_type, size, sha256, status, progress, error, pages, "     \
    "chunks, encoding, attempts, created_by, " SVC_TS("created_at") " AS created_at, " SVC_TS(     \
        "updated_at") " AS updated_at, " SVC_TS("indexed_at") " AS indexed_at"

static const db_stmt_t CLAIM = {
    "ingest_work_claim",
    "UPDATE ingest.documents SET status = 'extracting', progress = 2, attempts = attempts + 1, "
    "error = NULL, updated_at = now() "
    "WHERE org_id = $1 AND id = $2 AND generation = $3 AND status NOT IN ('ready', 'failed') "
    "RETURNING name, category_id, size, attempts",
    3};

static const db_stmt_t PIECES = {
    "ingest_work_pieces",
    "SELECT p.seq, p.data FROM ingest.file_pieces p JOIN ingest.documents d "
    "ON d.id = p.document_id WHERE d.org_id = $1 AND d.id = $2 AND p.seq >= $3 "
    "ORDER BY p.seq LIMIT " STRINGIFY(WORK_PIECES_BATCH),
    3};

static const db_stmt_t STATUS = {
    "ingest_work_status",
    "UPDATE ingest.documents SET status = $4, progress = $5, pages = coalesce($6::int, pages), "
    "encoding = coalesce($7, encoding), updated_at = now() "
    "WHERE org_id = $1 AND id = $2 AND generation = $3 AND status NOT IN ('ready', 'failed')",
    7};

static const db_stmt_t READY = {
    "ingest_work_ready",
    "UPDATE ingest.documents SET status = 'ready', progress = 100, error = NULL, pages = $4, "
    "chunks = $5, indexed_at = now(), updated_at = now() "
    "WHERE org_id = $1 AND id = $2 AND generation = $3 AND status NOT IN ('ready', 'failed') "
    "RETURNING " DOC_COLUMNS,
    5};

static const db_stmt_t FAILED = {
    "ingest_work_failed",
    "UPDATE ingest.documents SET status = 'failed', error = $4, updated_at = now() "
    "WHERE org_id = $1 AND id = $2 AND generation = $3 AND status NOT IN ('ready', 'failed') "
    "RETURNING " DOC_COLUMNS,
    4};

static const db_stmt_t REQUEUE = {
    "ingest_work_requeue",
    "UPDATE ingest.documents SET status = 'queued', progress = 0, updated_at = now() "
    "WHERE org_id = $1 AND id = $2 AND generation = $3 AND status NOT IN ('ready', 'failed')",
    3};

static const db_stmt_t EXISTS = {"ingest_work_exists",
                                 "SELECT 1 FROM ingest.documents WHERE org_id = $1 AND id = $2", 2};

void work_doc_cleanup(work_doc_t *d)
{
    if (!d)
        return;
    free(d->request_id);
    free(d->name);
    free(d->category_id);
    free(d->encoding);
    d->request_id = d->name = d->category_id = d->encoding = NULL;
}

status_t work_store_claim(db_pool_t *pool, work_doc_t *d)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char gen[16];
    status_t st;

    snprintf(gen, sizeof gen, "%d", d->generation);
    const char *params[] = {d->org, d->doc, gen};
    if ((st = svc_tx_begin(pool, d->org, &db)) || (st = db_exec(db, &CLAIM, params, &res)))
        goto done;
    if (db_nrows(res) == 0) {
        st = ST_NOT_FOUND;
        goto done;
    }
    free(d->name);
    free(d->category_id);
    d->name = xstrdup(db_get(res, 0, 0));
    d->category_id = db_get(res, 0, 1) ? xstrdup(db_get(res, 0, 1)) : NULL;
    d->size = db_get_int(res, 0, 2);
    d->attempts = (int)db_get_int(res, 0, 3);
done:
    PQclear(res);
    return svc_tx_end(&db, st);
}

status_t work_store_load(db_pool_t *pool, const work_doc_t *d, void **data, size_t *len, char *why,
                         size_t why_len)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    buf_t file = BUF_INIT;
    status_t st = ST_OK;
    int next = 0;
    bool more = true;

    if (d->size > 0)
        buf_reserve(&file, (size_t)d->size);
    if ((st = db_acquire(pool, &db)))
        goto done;
    while (more) {
        char from[16];
        snprintf(from, sizeof from, "%d", next);
        const char *params[] = {d->org, d->doc, from};
        PQclear(res);
        res = NULL;
        if ((st = db_read_org(db, d->org, &PIECES, params, &res)))
            goto done;
        int rows = db_nrows(res);
        for (int i = 0; i < rows; i++, next++) {
            size_t n = 0;
            unsigned char *bytes = NULL;
            if (db_get_int(res, i, 0) != next ||
                !(bytes = PQunescapeBytea((const unsigned char *)db_get(res, i, 1), &n))) {
                snprintf(why, why_len, "the uploaded file is incomplete (piece %d is missing)",
                         next);
                st = ST_INVALID;
                goto done;
            }
            buf_append(&file, bytes, n);
            PQfreemem(bytes);
        }
        more = rows == WORK_PIECES_BATCH;
    }
    if ((int64_t)file.len != d->size) {
        snprintf(why, why_len, "the uploaded file is incomplete (%zu of %lld bytes)", file.len,
                 (long long)d->size);
        st = ST_INVALID;
        goto done;
    }
    *len = file.len;
    *data = buf_steal(&file);
done:
    PQclear(res);
    db_release(db);
    buf_cleanup(&file);
    return st;
}

status_t work_store_status(db_pool_t *pool, const work_doc_t *d)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char gen[16], progress[16], pages[16];
    status_t st;

    snprintf(gen, sizeof gen, "%d", d->generation);
    snprintf(progress, sizeof progress, "%d", d->progress);
    snprintf(pages, sizeof pages, "%d", d->pages);
    const char *params[] = {d->org,     d->doc, gen, d->status, progress, d->pages ? pages : NULL,
                            d->encoding};
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, d->org, &STATUS, params, &res)))
        goto done;
    if (PQcmdTuples(res)[0] == '0')
        st = ST_NOT_FOUND;
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t work_store_requeue(db_pool_t *pool, const work_doc_t *d)
{
    db_t *db = NULL;
    char gen[16];
    status_t st;

    snprintf(gen, sizeof gen, "%d", d->generation);
    const char *params[] = {d->org, d->doc, gen};
    if ((st = db_acquire(pool, &db)) == ST_OK)
        st = db_read_org(db, d->org, &REQUEUE, params, NULL);
    db_release(db);
    return st;
}

bool work_store_gone(db_pool_t *pool, const work_doc_t *d)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    const char *params[] = {d->org, d->doc};
    bool gone = db_acquire(pool, &db) == ST_OK &&
                db_read_org(db, d->org, &EXISTS, params, &res) == ST_OK && db_nrows(res) == 0;
    PQclear(res);
    db_release(db);
    return gone;
}

/* Runs stmt (READY or FAILED, RETURNING the document) and adds evt.ingest.document.updated. */
static status_t finish(db_pool_t *pool, const work_doc_t *d, const db_stmt_t *stmt,
                       const char *const *params)
{
    db_t *db = NULL;
    ProtobufCMessage *doc = NULL;
    Ingest__DocumentEvent evt = INGEST__DOCUMENT_EVENT__INIT;
    Common__EventMeta meta = COMMON__EVENT_META__INIT;
    char at[32], subject[NAMES_SUBJECT_MAX];
    status_t st;

    if ((st = svc_tx_begin(pool, d->org, &db)) ||
        (st = svc_store_one(db, stmt, params, &ingest__document__descriptor, &doc)))
        goto done;
    svc_event_meta(&meta, d->org, NULL, d->request_id, at);
    evt.meta = &meta;
    evt.document_id = (char *)d->doc;
    evt.document = (Ingest__Document *)doc;
    names_event(subject, sizeof subject, "ingest", "document", "updated");
    st = svc_event_add(db, "ingest", subject, d->org, &evt.base);
done:
    svc_msg_free(doc);
    return svc_tx_end(&db, st);
}

status_t work_store_ready(db_pool_t *pool, const work_doc_t *d)
{
    char gen[16], pages[16], chunks[16];
    snprintf(gen, sizeof gen, "%d", d->generation);
    snprintf(pages, sizeof pages, "%d", d->pages);
    snprintf(chunks, sizeof chunks, "%d", d->chunks);
    const char *params[] = {d->org, d->doc, gen, pages, chunks};
    return finish(pool, d, &READY, params);
}

status_t work_store_failed(db_pool_t *pool, const work_doc_t *d, const char *why)
{
    char gen[16];
    snprintf(gen, sizeof gen, "%d", d->generation);
    const char *params[] = {d->org, d->doc, gen, why};
    return finish(pool, d, &FAILED, params);
}
