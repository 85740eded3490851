/* handlers_index.c - the retrieval index as other services change it: index_put,
 * index_delete, list_chunks (no HTTP routes: ingest calls them on the bus).
 *
 * The caller's Org-Id scopes everything (User-Id and Role are not needed: ingest's pipeline
 * puts on the uploader's behalf, after the upload was authorised). A put with `last` and a
 * delete update the in-memory vector index of every replica before they answer
 * (orgindex.h), so a retrieval after the answer sees the change on any replica.
 */
#include <stdlib.h>
#include <string.h>

#include "rag.h"
#include "validate_index.h"

/* The Org-Id of a call from another service: ST_UNAUTHORIZED without a valid one. */
static status_t caller_org(bus_req_t *req, char org[37])
{
    if (!svc_uuid_parse(bus_req_org(req), org))
        return svc_fail(req, ST_UNAUTHORIZED, "Org-Id: required");
    return ST_OK;
}

/* svc.rag.index_put: one batch of a source's chunks; `last` makes its generation live. */
status_t rag_handle_index_put(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    rag_app_t *app = svc->app;
    Rag__IndexPutRequest *in = NULL;
    Rag__IndexPutReply out = RAG__INDEX_PUT_REPLY__INIT;
    char org[37], source[37], category[37], why[RAG_WHY_SIZE_INDEX];
    svc_why_t err = {""};
    rag_put_t p = {0};
    int live = 0;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = caller_org(req, org)) ||
        (st = svc_uuid(req, "source_id", in->source_id, source)))
        goto done;
    if (in->category_id && *in->category_id &&
        (st = svc_uuid(req, "category_id", in->category_id, category)))
        goto done;
    if (!rag_put_check(in, &p.model, &p.dims, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "%s", why);
        goto done;
    }
    p.org = org;
    p.kind = in->source_kind;
    p.source = source;
    p.category = in->category_id && *in->category_id ? category : NULL;
    p.title = in->title;
    p.generation = in->generation;
    p.last = in->has_last && in->last;
    p.chunks = in->chunks;
    p.n = in->n_chunks;
    p.total = -1;
    if ((st = svc_fail_why(req, rag_store_index_put(svc->db, &p, &live, &err), &err, NULL)))
        goto done;
    if (p.last) {
        rag_index_changed(app->index, org, source);
        out.has_chunks = true;
        out.chunks = live;
    }
done:
    bus_reply(req, st, st == ST_OK ? &out.base : NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.index_delete: every chunk of a source, everywhere (none is fine). */
status_t rag_handle_index_delete(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    rag_app_t *app = svc->app;
    Rag__IndexDeleteRequest *in = NULL;
    char org[37], source[37];
    long n = 0;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = caller_org(req, org)) ||
        (st = svc_uuid(req, "source_id", in->source_id, source)) ||
        (st = rag_store_index_delete(svc->db, org, source, &n)))
        goto done;
    rag_index_changed(app->index, org, source);
done:
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.list_chunks: a page of a source's live chunks, in order. */
status_t rag_handle_list_chunks(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__ListChunksRequest *in = NULL;
    Rag__ChunkList *out = NULL;
    char org[37], source[37];
    svc_page_t page;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = caller_org(req, org)) ||
        (st = svc_uuid(req, "source_id", in->source_id, source)) ||
        (st = svc_page_parse(req, &in->base, &page)))
        goto done;
    st = rag_store_list_chunks(svc->db, org, source, &page, &out);
done:
    bus_reply(req, st, st == ST_OK ? &out->base : NULL);
    svc_msg_free(out);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
