/* work_index.c - the pipeline's calls to the other services (work_int.h): the chunks of a
 * document embedded by svc.embed.embed (purpose passage) and put into rag's index by
 * svc.rag.index_put, WORK_BATCH at a time, at the document's generation with `last` on the final
 * batch, so a batch delivered twice replaces itself. Every call carries the document's Org-Id
 * and its uploader as User-Id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/embed.pb-c.h"
#include "proto/rag.pb-c.h"
#include "services/ingest/work_int.h"
#include "shared/log.h"
#include "shared/names.h"
#include "shared/util.h"

bool work_transient(status_t st)
{
    return st == ST_RATE_LIMITED || status_http(st) >= 500;
}

static void ctx_of(const work_doc_t *d, bus_ctx_t *ctx)
{
    *ctx = (bus_ctx_t){
        .org_id = d->org,
        .user_id = d->user[0] ? d->user : NULL,
        .request_id = d->request_id,
    };
}

/* Vectors for chunks[from, from + n): *out on success (free with
 * embed__embed_reply__free_unpacked). */
static status_t embed_batch(svc_t *svc, const work_doc_t *d, const chunk_list_t *chunks,
                            size_t from, size_t n, Embed__EmbedReply **out, char *why,
                            size_t why_len)
{
    Embed__EmbedRequest in = EMBED__EMBED_REQUEST__INIT;
    Embed__EmbedReply *reply = NULL;
    bus_ctx_t ctx;
    char **texts = xcalloc(n, sizeof *texts);
    status_t st;

    for (size_t i = 0; i < n; i++)
        texts[i] = work_embed_text(&chunks->items[from + i]);
    in.n_texts = n;
    in.texts = texts;
    in.purpose = "passage";
    ctx_of(d, &ctx);
    if ((st = bus_call(svc->bus, SUBJ_EMBED_EMBED, &ctx, &in.base, &embed__embed_reply__descriptor,
                       (ProtobufCMessage **)&reply, why, why_len, WORK_EMBED_MS)))
        goto done;
    if (reply->n_vectors != n || !reply->model || !reply->model[0]) {
        snprintf(why, why_len, "the embed service answered %zu vectors for %zu texts",
                 reply->n_vectors, n);
        st = ST_INTERNAL;
        goto done;
    }
    *out = reply;
    reply = NULL;
done:
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    if (reply)
        embed__embed_reply__free_unpacked(reply, NULL);
    return st;
}

static status_t put_batch(svc_t *svc, const work_doc_t *d, const chunk_list_t *chunks, size_t from,
                          size_t n, const Embed__EmbedReply *vectors, bool last, char *why,
                          size_t why_len)
{
    Rag__IndexPutRequest in = RAG__INDEX_PUT_REQUEST__INIT;
    Rag__Chunk *items = xcalloc(n ? n : 1, sizeof *items);
    Rag__Chunk **ptrs = xcalloc(n ? n : 1, sizeof *ptrs);
    bus_ctx_t ctx;

    for (size_t i = 0; i < n; i++) {
        const chunk_t *c = &chunks->items[from + i];
        rag__chunk__init(&items[i]);
        items[i].has_seq = items[i].has_page = items[i].has_chars = true;
        items[i].seq = c->seq;
        items[i].text = c->text;
        items[i].heading_path = c->heading_path;
        items[i].page = c->page;
        items[i].chars = (int32_t)c->chars;
        items[i].model = vectors->model;
        items[i].n_vector = vectors->vectors[i]->n_values;
        items[i].vector = vectors->vectors[i]->values;
        ptrs[i] = &items[i];
    }
    in.source_kind = "document";
    in.source_id = (char *)d->doc;
    in.category_id = d->category_id;
    in.title = d->name;
    in.has_generation = in.has_last = true;
    in.generation = d->generation;
    in.last = last;
    in.n_chunks = n;
    in.chunks = ptrs;
    ctx_of(d, &ctx);
    status_t st = bus_call(svc->bus, SUBJ_RAG_INDEX_PUT, &ctx, &in.base, NULL, NULL, why, why_len,
                           WORK_INDEX_MS);
    free(ptrs);
    free(items);
    return st;
}

status_t work_index(svc_t *svc, work_doc_t *d, const chunk_list_t *chunks, work_batch_fn on_batch,
                    void *arg, char *why, size_t why_len)
{
    status_t st = ST_OK;

    for (size_t from = 0; from < chunks->n && st == ST_OK; from += WORK_BATCH) {
        size_t n = chunks->n - from < WORK_BATCH ? chunks->n - from : WORK_BATCH;
        Embed__EmbedReply *vectors = NULL;
        int64_t t = time_mono_us();
        st = embed_batch(svc, d, chunks, from, n, &vectors, why, why_len);
        d->us_embed += time_mono_us() - t;
        if (st == ST_OK)
            st = put_batch(svc, d, chunks, from, n, vectors, from + n == chunks->n, why, why_len);
        if (vectors)
            embed__embed_reply__free_unpacked(vectors, NULL);
        if (st == ST_OK && on_batch)
            st = on_batch(arg, from + n, chunks->n);
    }
    return st;
}

status_t work_index_delete(svc_t *svc, const work_doc_t *d)
{
    Rag__IndexDeleteRequest in = RAG__INDEX_DELETE_REQUEST__INIT;
    bus_ctx_t ctx;

    in.source_id = (char *)d->doc;
    ctx_of(d, &ctx);
    return bus_call(svc->bus, SUBJ_RAG_INDEX_DELETE, &ctx, &in.base, NULL, NULL, NULL, 0,
                    WORK_INDEX_MS);
}
