/* handlers_documents.c - the documents' API: list, get, delete (from rag's index first, then
 * the rows and the file), reindex (a new generation, queued again), the chunks rag holds of a
 * document, and the file itself part by part (common.FilePart, for the edge's DOWNLOAD route).
 * Members read; owners and admins write. Another organisation's id is a 404.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "proto/rag.pb-c.h"
#include "shared/names.h"
#include "shared/text.h"
#include "shared/util.h"
#include "store.h"
#include "work.h"

#define NO_SUCH_DOCUMENT "id: no such document"
#define Q_MAX            200

static const char *const statuses[] = {"queued",    "extracting", "chunking",
                                       "embedding", "ready",      "failed"};

status_t ingest_handle_list_documents(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Ingest__ListDocumentsRequest *in = NULL;
    Ingest__DocumentList out = INGEST__DOCUMENT_LIST__INIT;
    ingest_doc_query_t q = {0};
    char category[37], why[128], *text = NULL;
    svc_caller_t c;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = svc_caller(req, NULL, &c)) ||
        (st = svc_page_parse(req, &in->base, &q.page)))
        goto done;
    if (in->category_id && *in->category_id) {
        if ((st = svc_uuid(req, "category_id", in->category_id, category)))
            goto done;
        q.category = category;
    }
    if (in->status && *in->status) {
        bool known = false;
        for (size_t i = 0; i < ARRAY_LEN(statuses) && !known; i++)
            known = strcmp(statuses[i], in->status) == 0;
        if (!known) {
            st = svc_fail(req, ST_INVALID,
                          "status: must be one of queued, extracting, "
                          "chunking, embedding, ready, failed");
            goto done;
        }
        q.status = in->status;
    }
    if (in->q && !text_clean(in->q, 0, Q_MAX, false, &text, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "q: %s", why);
        goto done;
    }
    q.q = text && *text ? text : NULL;
    st = ingest_store_list(svc->db, c.org, &q, &out);
done:
    bus_reply(req, st, st == ST_OK ? &out.base : NULL);
    for (size_t i = 0; i < out.n_items; i++)
        svc_msg_free(out.items[i]);
    free(out.items);
    free(text);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* The request's document id and the caller (write_what: see svc_caller). */
static status_t doc_request(bus_req_t *req, const char *write_what, Ingest__DocumentRequest **in,
                            svc_caller_t *c, char id[37])
{
    status_t st;
    if ((st = bus_req_decode(req, (ProtobufCMessage **)in)) ||
        (st = svc_caller(req, write_what, c)) || (st = svc_uuid(req, "id", (*in)->id, id)))
        return st;
    return ST_OK;
}

status_t ingest_handle_get_document(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Ingest__DocumentRequest *in = NULL;
    Ingest__Document *doc = NULL;
    svc_caller_t c;
    char id[37];
    status_t st;

    if ((st = doc_request(req, NULL, &in, &c, id)))
        goto done;
    if ((st = ingest_store_get(svc->db, c.org, id, &doc, NULL)) == ST_NOT_FOUND)
        svc_fail(req, st, NO_SUCH_DOCUMENT);
done:
    bus_reply(req, st, st == ST_OK ? &doc->base : NULL);
    svc_msg_free(doc);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

status_t ingest_handle_delete_document(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Ingest__DocumentRequest *in = NULL;
    Ingest__Document *doc = NULL;
    Rag__IndexDeleteRequest del = RAG__INDEX_DELETE_REQUEST__INIT;
    svc_caller_t c;
    bus_ctx_t ctx;
    char id[37], err[128] = "";
    status_t st;

    if ((st = doc_request(req, INGEST_WRITE_WHAT, &in, &c, id)))
        goto done;
    if ((st = ingest_store_get(svc->db, c.org, id, &doc, NULL))) {
        if (st == ST_NOT_FOUND)
            svc_fail(req, st, NO_SUCH_DOCUMENT);
        goto done;
    }
    /* Out of every replica's index first: if rag cannot be reached nothing is deleted, so the
     * user can try again rather than leave passages nobody can remove. */
    del.source_id = id;
    bus_ctx_from_req(req, &ctx);
    st = bus_call(svc->bus, SUBJ_RAG_INDEX_DELETE, &ctx, &del.base, NULL, NULL, err, sizeof err,
                  BUS_DEFAULT_TIMEOUT_MS);
    if (st && st != ST_NOT_FOUND) {
        log_ctx_t lc;
        svc_log_ctx(req, &lc);
        LOG_CTX_ERROR(&lc, "ingest: %s: %s (%s)", SUBJ_RAG_INDEX_DELETE, status_str(st), err);
        st = svc_fail(req, ST_UNAVAILABLE,
                      "the knowledge index cannot be reached now: nothing was deleted");
        goto done;
    }
    if ((st = ingest_store_delete(svc->db, c.org, c.user, bus_req_id(req), id)) == ST_NOT_FOUND)
        svc_fail(req, st, NO_SUCH_DOCUMENT);
done:
    bus_reply(req, st, NULL);
    svc_msg_free(doc);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

status_t ingest_handle_reindex_document(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Ingest__DocumentRequest *in = NULL;
    Ingest__Document *doc = NULL;
    svc_caller_t c;
    char id[37];
    int generation = 0;
    status_t st;

    if ((st = doc_request(req, INGEST_WRITE_WHAT, &in, &c, id)))
        goto done;
    st = ingest_store_reindex(svc->db, c.org, c.user, bus_req_id(req), id, &doc, &generation);
    if (st == ST_NOT_FOUND)
        svc_fail(req, st, NO_SUCH_DOCUMENT);
    if (st)
        goto done;
    if ((st = ingest_work_enqueue(svc, c.org, c.user, id, generation, bus_req_id(req))))
        svc_fail(req, st,
                 "the document is queued but the work queue cannot be reached: "
                 "reindex it again later");
done:
    bus_reply(req, st, st == ST_OK ? &doc->base : NULL);
    svc_msg_free(doc);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

status_t ingest_handle_list_document_chunks(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Ingest__ListDocumentChunksRequest *in = NULL;
    Ingest__Document *doc = NULL;
    Rag__ListChunksRequest ask = RAG__LIST_CHUNKS_REQUEST__INIT;
    Rag__ChunkList *out = NULL;
    svc_caller_t c;
    svc_page_t page;
    bus_ctx_t ctx;
    char id[37], err[256] = "";
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = svc_caller(req, NULL, &c)) ||
        (st = svc_uuid(req, "id", in->id, id)) || (st = svc_page_parse(req, &in->base, &page)))
        goto done;
    if ((st = ingest_store_get(svc->db, c.org, id, &doc, NULL))) { /* the caller's, or 404 */
        if (st == ST_NOT_FOUND)
            svc_fail(req, st, NO_SUCH_DOCUMENT);
        goto done;
    }
    ask.source_id = id;
    ask.has_page = ask.has_per_page = true;
    ask.page = page.page;
    ask.per_page = page.per_page;
    bus_ctx_from_req(req, &ctx);
    st = bus_call(svc->bus, SUBJ_RAG_LIST_CHUNKS, &ctx, &ask.base, &rag__chunk_list__descriptor,
                  (ProtobufCMessage **)&out, err, sizeof err, BUS_DEFAULT_TIMEOUT_MS);
    if (st) {
        log_ctx_t lc;
        svc_log_ctx(req, &lc);
        LOG_CTX_ERROR(&lc, "ingest: %s: %s (%s)", SUBJ_RAG_LIST_CHUNKS, status_str(st), err);
        st = svc_fail(req, ST_UNAVAILABLE, "the knowledge index cannot be reached now");
    }
done:
    bus_reply(req, st, st == ST_OK ? &out->base : NULL);
    svc_msg_free(out);
    svc_msg_free(doc);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

status_t ingest_handle_get_file(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Ingest__FileRequest *in = NULL;
    Common__FilePart part = COMMON__FILE_PART__INIT;
    svc_caller_t c;
    char id[37];
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = svc_caller(req, NULL, &c)) ||
        (st = svc_uuid(req, "id", in->id, id)))
        goto done;
    if (in->has_seq && in->seq < 0) {
        st = svc_fail(req, ST_INVALID, "seq: must be 0 or more");
        goto done;
    }
    st = ingest_store_file_part(svc->db, c.org, id, in->has_seq ? in->seq : 0, &part);
    if (st == ST_NOT_FOUND)
        svc_fail(req, st, NO_SUCH_DOCUMENT);
done:
    bus_reply(req, st, st == ST_OK ? &part.base : NULL);
    ingest_file_part_cleanup(&part);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
