/* embedder.c - calls to the embed service, with their answers checked (see embedder.h). */
#include "embedder.h"

#include <stdio.h>
#include <stdlib.h>

#include "shared/log.h"
#include "shared/names.h"
#include "shared/util.h"

/* An organisation no tenant has: svc.embed.info needs some Org-Id and reads nothing of it. */
#define SYSTEM_ORG "00000000-0000-0000-0000-000000000000"

status_t rag_embed(bus_t *bus, const bus_ctx_t *ctx, char *const *texts, size_t n,
                   const char *purpose, int timeout_ms, Embed__EmbedReply **out)
{
    Embed__EmbedRequest in = EMBED__EMBED_REQUEST__INIT;
    Embed__EmbedReply *r = NULL;
    char errmsg[256] = "";
    status_t st;

    in.n_texts = n;
    in.texts = (char **)texts;
    in.purpose = (char *)purpose;
    st = bus_call(bus, SUBJ_EMBED_EMBED, ctx, &in.base, &embed__embed_reply__descriptor,
                  (ProtobufCMessage **)&r, errmsg, sizeof errmsg, timeout_ms);
    if (st == ST_OK) {
        bool ok = r->model && *r->model && r->n_vectors == n;
        for (size_t i = 0; ok && i < n; i++)
            ok = r->vectors[i] && r->vectors[i]->n_values > 0 &&
                 r->vectors[i]->n_values == r->vectors[0]->n_values;
        if (!ok) {
            snprintf(errmsg, sizeof errmsg, "an answer without one vector of one length a text");
            st = ST_UNAVAILABLE;
        }
    }
    if (st) {
        LOG_WARN("rag: %zu text(s) could not be embedded (%s): %s", n, status_str(st), errmsg);
        if (r)
            protobuf_c_message_free_unpacked(&r->base, NULL);
        return st;
    }
    *out = r;
    return ST_OK;
}

status_t rag_embed_model(bus_t *bus, int timeout_ms, char **model)
{
    Common__Empty in = COMMON__EMPTY__INIT;
    Embed__InfoReply *r = NULL;
    bus_ctx_t ctx = {.org_id = SYSTEM_ORG};
    status_t st = bus_call(bus, SUBJ_EMBED_INFO, &ctx, &in.base, &embed__info_reply__descriptor,
                           (ProtobufCMessage **)&r, NULL, 0, timeout_ms);
    if (st == ST_OK && (!r->model || !*r->model))
        st = ST_UNAVAILABLE;
    if (st == ST_OK)
        *model = xstrdup(r->model);
    if (r)
        protobuf_c_message_free_unpacked(&r->base, NULL);
    return st;
}
