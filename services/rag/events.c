/* events.c - builds and writes the rag domain events (see events.h). */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/outbox.h"
#include "shared/util.h"
#include "validate.h"

/* Packs msg and adds it to rag.outbox in the current transaction, under subject. */
static status_t emit(db_t *db, const char *subject, const char *org, const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *data = xmalloc(len ? len : 1);
    status_t st;

    protobuf_c_message_pack(msg, data);
    st = outbox_add(db, "rag", subject, org, data, len, NULL);
    free(data);
    return st;
}

static void now_rfc3339(char out[32])
{
    time_format_rfc3339(time_now_ms(), out, 32);
}

status_t rag_event_category(db_t *db, const rag_actor_t *a, const char *verb,
                            const Rag__Category *c)
{
    Rag__CategoryEvent ev = RAG__CATEGORY_EVENT__INIT;
    Rag__Category snap = *c;
    char subject[64], at[32];

    snap.n_children = 0; /* the node, not its subtree */
    snap.children = NULL;
    snprintf(subject, sizeof subject, RAG_EVT_CATEGORY "%s", verb);
    now_rfc3339(at);
    ev.org_id = (char *)a->org;
    ev.actor_id = (char *)a->user;
    ev.category_id = c->id;
    ev.category = &snap;
    ev.occurred_at = at;
    return emit(db, subject, a->org, &ev.base);
}

status_t rag_event_article(db_t *db, const rag_actor_t *a, const char *verb,
                           const Rag__Article *art)
{
    Rag__ArticleEvent ev = RAG__ARTICLE_EVENT__INIT;
    Rag__Article snap = *art;
    char subject[64], at[32];

    if (art->body && !snap.has_body_size) {
        snap.has_body_size = true;
        snap.body_size = (int64_t)strlen(art->body);
    }
    if (snap.body && strlen(snap.body) > RAG_EVENT_BODY_MAX)
        snap.body = NULL;
    snap.snippet = NULL;
    snap.has_rank = false;
    snprintf(subject, sizeof subject, RAG_EVT_ARTICLE "%s", verb);
    now_rfc3339(at);
    ev.org_id = (char *)a->org;
    ev.actor_id = (char *)a->user;
    ev.article_id = art->id;
    ev.article = &snap;
    ev.occurred_at = at;
    return emit(db, subject, a->org, &ev.base);
}
