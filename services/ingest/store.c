/* store.c - every SQL statement of the ingest service and the transactions around them
 * (store.h). Files travel as bytea in PostgreSQL's hex text form, one piece (<= 256 KiB) per
 * statement, so no statement holds a whole file. Domain events go to ingest.outbox in the
 * transaction of the change.
 */
#include "store.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/dbmsg.h"
#include "shared/log.h"
#include "shared/pbjson.h"
#include "shared/util.h"

/* clang-format off */
#define DOC_COLS                                                                                   \
    "d.id, d.category_id, d.name, d.format, d.mime_type, d.size, d.sha256, d.status, "             \
    "d.progress, d.error, d.pages, d.chunks, d.encoding, d.attempts, d.created_by, "               \
    SVC_TS("d.created_at") " AS created_at, " SVC_TS("d.updated_at") " AS updated_at, "            \
    SVC_TS("d.indexed_at") " AS indexed_at"

static const db_stmt_t UPLOAD_NEW = {"ingest_upload_new",
    "INSERT INTO ingest.uploads (id, org_id, user_id, bytes, parts) VALUES ($1, $2, $3, $4, 1) "
    "ON CONFLICT (id) DO NOTHING RETURNING bytes", 4};
/* The next piece: in order, of this user's upload. */
static const db_stmt_t UPLOAD_GROW = {"ingest_upload_grow",
    "UPDATE ingest.uploads SET bytes = bytes + $5, parts = parts + 1 "
    "WHERE org_id = $1 AND id = $2 AND user_id = $3 AND parts = $4 RETURNING bytes", 5};
static const db_stmt_t UPLOAD_EXISTS = {"ingest_upload_exists",
    "SELECT parts FROM ingest.uploads WHERE org_id = $1 AND id = $2 AND user_id = $3", 3};
static const db_stmt_t PIECE_PUT = {"ingest_piece_put",
    "INSERT INTO ingest.file_pieces (document_id, seq, data) VALUES ($1, $2, $3::bytea)", 3};
static const db_stmt_t UPLOAD_DROP = {"ingest_upload_drop",
    "WITH u AS (DELETE FROM ingest.uploads WHERE org_id = $1 AND id = $2 RETURNING id) "
    "DELETE FROM ingest.file_pieces WHERE document_id IN (SELECT id FROM u)", 2};
/* What the pieces hold, computed where they are (no 50 MiB round trip): count, bytes, SHA-256
 * over them in order, and the first bytes of piece 0 for detection. */
static const db_stmt_t UPLOAD_FACTS = {"ingest_upload_facts",
    "SELECT u.bytes, u.parts, count(p.seq), coalesce(sum(octet_length(p.data)), 0), "
    "  coalesce(max(p.seq), -1), encode(sha256(coalesce(string_agg(p.data, ''::bytea "
    "    ORDER BY p.seq), ''::bytea)), 'hex'), "
    "  (SELECT substring(h.data from 1 for $4::int) FROM ingest.file_pieces h "
    "   WHERE h.document_id = u.id AND h.seq = 0) "
    "FROM ingest.uploads u LEFT JOIN ingest.file_pieces p ON p.document_id = u.id "
    "WHERE u.org_id = $1 AND u.id = $2 AND u.user_id = $3 GROUP BY u.id, u.bytes, u.parts", 4};
/* The document from the upload, unless the organisation has this file already. */
static const db_stmt_t DOC_INSERT = {"ingest_doc_insert",
    "INSERT INTO ingest.documents AS d (id, org_id, category_id, name, format, mime_type, size, "
    "  sha256, created_by) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (org_id, sha256) DO NOTHING "
    "RETURNING " DOC_COLS, 9};
static const db_stmt_t DOC_BY_SHA = {"ingest_doc_by_sha",
    "SELECT " DOC_COLS " FROM ingest.documents d WHERE d.org_id = $1 AND d.sha256 = $2", 2};
static const db_stmt_t UPLOAD_DONE = {"ingest_upload_done",
    "DELETE FROM ingest.uploads WHERE org_id = $1 AND id = $2", 2};
static const db_stmt_t STALE_DROP = {"ingest_stale_drop",
    "WITH u AS (DELETE FROM ingest.uploads "
    "  WHERE created_at < now() - make_interval(secs => $1::bigint) RETURNING id), "
    "p AS (DELETE FROM ingest.file_pieces WHERE document_id IN (SELECT id FROM u)) "
    "SELECT count(*) FROM u", 1};

static const db_stmt_t DOC_LIST = {"ingest_doc_list",
    "SELECT " DOC_COLS ", count(*) OVER () AS _total FROM ingest.documents d "
    "WHERE d.org_id = $1 AND ($2::uuid IS NULL OR d.category_id = $2::uuid) "
    "  AND ($3::text IS NULL OR d.status = $3) "
    "  AND ($4::text IS NULL OR strpos(lower(d.name), lower($4)) > 0) "
    "ORDER BY d.created_at DESC, d.id LIMIT $5 OFFSET $6", 6};
static const db_stmt_t DOC_COUNT = {"ingest_doc_count",
    "SELECT count(*) FROM ingest.documents d "
    "WHERE d.org_id = $1 AND ($2::uuid IS NULL OR d.category_id = $2::uuid) "
    "  AND ($3::text IS NULL OR d.status = $3) "
    "  AND ($4::text IS NULL OR strpos(lower(d.name), lower($4)) > 0)", 4};
static const db_stmt_t DOC_GET = {"ingest_doc_get",
    "SELECT " DOC_COLS ", d.generation AS _generation FROM ingest.documents d "
    "WHERE d.org_id = $1 AND d.id = $2", 2};
static const db_stmt_t DOC_DELETE = {"ingest_doc_delete",
    "DELETE FROM ingest.documents d WHERE d.org_id = $1 AND d.id = $2 RETURNING " DOC_COLS, 2};
static const db_stmt_t PIECES_DELETE = {"ingest_pieces_delete",
    "DELETE FROM ingest.file_pieces WHERE document_id = $1", 1};
static const db_stmt_t DOC_REINDEX = {"ingest_doc_reindex",
    "UPDATE ingest.documents d SET generation = generation + 1, status = 'queued', progress = 0, "
    "  attempts = 0, error = NULL, updated_at = now() "
    "WHERE d.org_id = $1 AND d.id = $2 RETURNING " DOC_COLS ", d.generation AS _generation", 2};
static const db_stmt_t FILE_PART = {"ingest_file_part",
    "SELECT d.name, d.mime_type, d.size, d.sha256, "
    "  (SELECT count(*) FROM ingest.file_pieces c WHERE c.document_id = d.id), p.data "
    "FROM ingest.documents d "
    "LEFT JOIN ingest.file_pieces p ON p.document_id = d.id AND p.seq = $3 "
    "WHERE d.org_id = $1 AND d.id = $2", 3};
/* clang-format on */

/* bytea in hex text form: "\x" and two digits a byte. */
static char *hex_bytea(const void *data, size_t len)
{
    char *out = xmalloc(2 * len + 3);
    out[0] = '\\';
    out[1] = 'x';
    sodium_bin2hex(out + 2, 2 * len + 1, data, len);
    return out;
}

/* ---- uploads --------------------------------------------------------------------------------- */

status_t ingest_store_put_piece(db_pool_t *pool, const char *org, const char *user, const char *id,
                                int seq, const void *data, size_t len, int64_t max_bytes,
                                svc_why_t *why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char seqs[16], lens[24], *hex = NULL;
    status_t st;

    snprintf(seqs, sizeof seqs, "%d", seq);
    snprintf(lens, sizeof lens, "%zu", len);
    if ((st = svc_tx_begin(pool, org, &db)))
        goto done;
    if (seq == 0) {
        const char *p[] = {id, org, user, lens};
        if ((st = db_exec(db, &UPLOAD_NEW, p, &res)))
            goto done;
        if (db_nrows(res) == 0) {
            st = svc_why(why, ST_CONFLICT, "upload_id: already used");
            goto done;
        }
    } else {
        const char *p[] = {org, id, user, seqs, lens};
        if ((st = db_exec(db, &UPLOAD_GROW, p, &res)))
            goto done;
        if (db_nrows(res) == 0) {
            PQclear(res);
            res = NULL;
            const char *q[] = {org, id, user};
            if ((st = db_exec(db, &UPLOAD_EXISTS, q, &res)))
                goto done;
            st = db_nrows(res) == 0 ? svc_why(why, ST_NOT_FOUND, "upload_id: no such upload")
                                    : svc_why(why, ST_CONFLICT, "seq: part %d expected, %d came",
                                              (int)db_get_int(res, 0, 0), seq);
            goto done;
        }
    }
    if (db_get_int(res, 0, 0) > max_bytes) {
        st = svc_why(why, ST_TOO_LARGE, "the file is over the limit of %lld bytes",
                     (long long)max_bytes);
        goto done;
    }
    hex = hex_bytea(data, len);
    const char *p[] = {id, seqs, hex};
    st = db_exec(db, &PIECE_PUT, p, NULL);
done:
    PQclear(res);
    free(hex);
    st = svc_tx_end(&db, st);
    if (st == ST_TOO_LARGE) /* what came before goes too */
        ingest_store_drop_upload(pool, org, id);
    return st;
}

status_t ingest_store_drop_upload(db_pool_t *pool, const char *org, const char *id)
{
    db_t *db = NULL;
    status_t st;
    const char *p[] = {org, id};
    if ((st = svc_tx_begin(pool, org, &db)) == ST_OK)
        st = db_exec(db, &UPLOAD_DROP, p, NULL);
    return svc_tx_end(&db, st);
}

void ingest_upload_facts_cleanup(ingest_upload_facts_t *f)
{
    if (!f)
        return;
    free(f->head);
    f->head = NULL;
    f->head_len = 0;
}

status_t ingest_store_upload_facts(db_pool_t *pool, const char *org, const char *user,
                                   const char *id, int parts, int64_t size, size_t head_max,
                                   ingest_upload_facts_t *out, svc_why_t *why)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char hmax[24];
    status_t st;

    snprintf(hmax, sizeof hmax, "%zu", head_max);
    const char *p[] = {org, id, user, hmax};
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &UPLOAD_FACTS, p, &res)))
        goto done;
    if (db_nrows(res) == 0) {
        st = svc_why(why, ST_NOT_FOUND, "upload_id: no such upload");
        goto done;
    }
    long long bytes = db_get_int(res, 0, 0), nparts = db_get_int(res, 0, 1),
              pieces = db_get_int(res, 0, 2), sum = db_get_int(res, 0, 3),
              last = db_get_int(res, 0, 4);
    if (bytes != size || nparts != parts || pieces != parts || sum != size || last != parts - 1) {
        st = svc_why(why, ST_INVALID, "the upload holds %lld bytes in %lld parts, not %lld in %d",
                     sum, pieces, (long long)size, parts);
        goto done;
    }
    size_t len = 0;
    const char *head = db_get(res, 0, 6);
    uint8_t *bytes_head = head ? PQunescapeBytea((const unsigned char *)head, &len) : NULL;
    out->head = xmalloc(len ? len : 1);
    if (len)
        memcpy(out->head, bytes_head, len);
    out->head_len = len;
    PQfreemem(bytes_head);
    snprintf(out->sha256, sizeof out->sha256, "%s", db_get(res, 0, 5));
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t ingest_store_create_document(db_pool_t *pool, const ingest_new_doc_t *d,
                                      Ingest__Document **out, bool *duplicate)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    Ingest__Document *doc = NULL;
    Ingest__DocumentEvent evt = INGEST__DOCUMENT_EVENT__INIT;
    char size[24];
    bool dup = false;
    status_t st;

    snprintf(size, sizeof size, "%lld", (long long)d->size);
    if ((st = svc_tx_begin(pool, d->org, &db)))
        goto done;
    const char *p[] = {d->id,        d->org, d->category, d->name, d->format,
                       d->mime_type, size,   d->sha256,   d->user};
    if ((st = db_exec(db, &DOC_INSERT, p, &res)))
        goto done;
    if (db_nrows(res) == 0) { /* the organisation has this file: that document, no new one */
        dup = true;
        PQclear(res);
        res = NULL;
        const char *q[] = {d->org, d->sha256};
        if ((st = db_exec(db, &DOC_BY_SHA, q, &res)))
            goto done;
        if (db_nrows(res) == 0) { /* deleted since the insert looked: try again later */
            st = ST_CONFLICT;
            goto done;
        }
        const char *u[] = {d->org, d->id};
        if ((st = db_exec(db, &UPLOAD_DROP, u, NULL)))
            goto done;
    } else {
        const char *u[] = {d->org, d->id};
        if ((st = db_exec(db, &UPLOAD_DONE, u, NULL)))
            goto done;
    }
    doc = (Ingest__Document *)db_row_new_msg(res, 0, &ingest__document__descriptor);
    if (!doc) {
        st = ST_INTERNAL;
        goto done;
    }
    if (!dup) {
        evt.document_id = doc->id;
        evt.document = doc;
        if ((st = svc_event(db, "ingest", "document", "created", d->org, d->user, &evt.base)))
            goto done;
    }
done:
    PQclear(res);
    if ((st = svc_tx_end(&db, st)) == ST_OK) {
        doc->has_duplicate = true;
        doc->duplicate = dup;
        *out = doc;
        *duplicate = dup;
    } else {
        svc_msg_free(doc);
    }
    return st;
}

status_t ingest_store_drop_stale_uploads(db_pool_t *pool, int64_t ttl_s, long *n)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char ttl[24];
    status_t st;

    snprintf(ttl, sizeof ttl, "%lld", (long long)ttl_s);
    const char *p[] = {ttl};
    if ((st = db_acquire(pool, &db)) || (st = db_begin(db)) ||
        (st = db_exec_sql(db, "SET LOCAL app.janitor = 'on'")) ||
        (st = db_exec(db, &STALE_DROP, p, &res)))
        goto done;
    *n = (long)db_get_int(res, 0, 0);
    st = db_commit(db);
done:
    PQclear(res);
    db_release(db);
    return st;
}

/* ---- documents ------------------------------------------------------------------------------- */

status_t ingest_store_list(db_pool_t *pool, const char *org, const ingest_doc_query_t *q,
                           Ingest__DocumentList *out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char limit[16], offset[24];
    int64_t total = 0;
    status_t st;

    snprintf(limit, sizeof limit, "%d", q->page.per_page);
    snprintf(offset, sizeof offset, "%lld", (long long)svc_page_offset(&q->page));
    const char *p[] = {org, q->category, q->status, q->q, limit, offset};
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &DOC_LIST, p, &res)))
        goto done;
    if (db_nrows(res) > 0) {
        total = db_get_int(res, 0, PQfnumber(res, "_total"));
    } else if (q->page.page > 1) { /* past the end: the total still counts */
        PGresult *c = NULL;
        if ((st = db_read_org(db, org, &DOC_COUNT, p, &c)))
            goto done;
        total = db_get_int(c, 0, 0);
        PQclear(c);
    }
    if ((st = db_rows_to_repeated(res, &out->base, "items")))
        goto done;
    svc_page_reply(&out->base, &q->page, total);
done:
    PQclear(res);
    db_release(db);
    return st;
}

status_t ingest_store_get(db_pool_t *pool, const char *org, const char *id, Ingest__Document **out,
                          int *generation)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    status_t st;
    const char *p[] = {org, id};

    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &DOC_GET, p, &res)))
        goto done;
    if (db_nrows(res) == 0) {
        st = ST_NOT_FOUND;
        goto done;
    }
    Ingest__Document *doc =
        (Ingest__Document *)db_row_new_msg(res, 0, &ingest__document__descriptor);
    if (!doc) {
        st = ST_INTERNAL;
        goto done;
    }
    if (generation)
        *generation = (int)db_get_int(res, 0, PQfnumber(res, "_generation"));
    *out = doc;
done:
    PQclear(res);
    db_release(db);
    return st;
}

/* The document in the one row of res (ST_NOT_FOUND without one) and its event `verb`, in db's
 * transaction. *doc (free with svc_msg_free) is set whenever the row was read. */
static status_t row_event(db_t *db, const PGresult *res, const char *verb, const char *org,
                          const char *user, Ingest__Document **doc)
{
    Ingest__DocumentEvent evt = INGEST__DOCUMENT_EVENT__INIT;
    if (db_nrows(res) == 0)
        return ST_NOT_FOUND;
    if (!(*doc = (Ingest__Document *)db_row_new_msg(res, 0, &ingest__document__descriptor)))
        return ST_INTERNAL;
    evt.document_id = (*doc)->id;
    evt.document = *doc;
    return svc_event(db, "ingest", "document", verb, org, user, &evt.base);
}

status_t ingest_store_delete(db_pool_t *pool, const char *org, const char *user,
                             const char *request_id, const char *id)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    Ingest__Document *doc = NULL;
    status_t st;
    const char *p[] = {org, id};
    const char *q[] = {id};

    (void)request_id; /* the event's envelope takes the request's id from the bus thread */
    /* The pieces first: they are visible only while their document is. */
    if ((st = svc_tx_begin(pool, org, &db)) == ST_OK &&
        (st = db_exec(db, &PIECES_DELETE, q, NULL)) == ST_OK &&
        (st = db_exec(db, &DOC_DELETE, p, &res)) == ST_OK)
        st = row_event(db, res, "deleted", org, user, &doc);
    PQclear(res);
    svc_msg_free(doc);
    return svc_tx_end(&db, st);
}

status_t ingest_store_reindex(db_pool_t *pool, const char *org, const char *user,
                              const char *request_id, const char *id, Ingest__Document **out,
                              int *generation)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    Ingest__Document *doc = NULL;
    status_t st;
    const char *p[] = {org, id};

    (void)request_id;
    if ((st = svc_tx_begin(pool, org, &db)) == ST_OK &&
        (st = db_exec(db, &DOC_REINDEX, p, &res)) == ST_OK &&
        (st = row_event(db, res, "updated", org, user, &doc)) == ST_OK)
        *generation = (int)db_get_int(res, 0, PQfnumber(res, "_generation"));
    PQclear(res);
    if ((st = svc_tx_end(&db, st)) == ST_OK)
        *out = doc;
    else
        svc_msg_free(doc);
    return st;
}

void ingest_file_part_cleanup(Common__FilePart *p)
{
    if (!p)
        return;
    if (p->data.data)
        PQfreemem(p->data.data);
    free(p->content_type);
    free(p->file_name);
    free(p->etag);
    common__file_part__init(p);
}

status_t ingest_store_file_part(db_pool_t *pool, const char *org, const char *id, int seq,
                                Common__FilePart *out)
{
    db_t *db = NULL;
    PGresult *res = NULL;
    char seqs[16];
    status_t st;

    snprintf(seqs, sizeof seqs, "%d", seq);
    const char *p[] = {org, id, seqs};
    common__file_part__init(out);
    if ((st = db_acquire(pool, &db)) || (st = db_read_org(db, org, &FILE_PART, p, &res)))
        goto done;
    if (db_nrows(res) == 0) {
        st = ST_NOT_FOUND;
        goto done;
    }
    int parts = (int)db_get_int(res, 0, 4);
    if (seq >= parts || (parts > 0 && !db_get(res, 0, 5))) {
        st = ST_NOT_FOUND;
        goto done;
    }
    if (parts > 0) {
        size_t len = 0;
        out->data.data = PQunescapeBytea((const unsigned char *)db_get(res, 0, 5), &len);
        if (!out->data.data) {
            st = ST_INTERNAL;
            goto done;
        }
        out->data.len = len;
        out->has_data = true;
    }
    if (seq == 0) {
        out->has_parts = out->has_size = true;
        out->parts = parts;
        out->size = db_get_int(res, 0, 2);
        out->content_type = xstrdup(db_get(res, 0, 1));
        out->file_name = xstrdup(db_get(res, 0, 0));
        out->etag = xstrdup(db_get(res, 0, 3));
    }
done:
    PQclear(res);
    db_release(db);
    if (st)
        ingest_file_part_cleanup(out);
    return st;
}
