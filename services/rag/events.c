/* events.c - builds and writes the rag domain events (see events.h). */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/svc.h"
#include "shared/util.h"
#include "validate.h"

status_t rag_event_category(db_t *db, const rag_actor_t *a, const char *verb,
                            const Rag__Category *c)
{
    Rag__CategoryEvent ev = RAG__CATEGORY_EVENT__INIT;
    Rag__Category snap = *c;
    char subject[64], at[32];
    Common__EventMeta meta;

    snap.n_children = 0; /* the node, not its subtree */
    snap.children = NULL;
    snprintf(subject, sizeof subject, RAG_EVT_CATEGORY "%s", verb);
    svc_event_meta(&meta, a->org, a->user, a->request_id, at);
    ev.meta = &meta;
    ev.category_id = c->id;
    ev.category = &snap;
    return svc_event_add(db, "rag", subject, a->org, &ev.base);
}

status_t rag_event_article(db_t *db, const rag_actor_t *a, const char *verb,
                           const Rag__Article *art)
{
    Rag__ArticleEvent ev = RAG__ARTICLE_EVENT__INIT;
    Rag__Article snap = *art;
    char subject[64], at[32];
    Common__EventMeta meta;

    if (art->body && !snap.has_body_size) {
        snap.has_body_size = true;
        snap.body_size = (int64_t)strlen(art->body);
    }
    if (snap.body && strlen(snap.body) > RAG_EVENT_BODY_MAX)
        snap.body = NULL;
    snap.snippet = NULL;
    snap.has_rank = false;
    snprintf(subject, sizeof subject, RAG_EVT_ARTICLE "%s", verb);
    svc_event_meta(&meta, a->org, a->user, a->request_id, at);
    ev.meta = &meta;
    ev.article_id = art->id;
    ev.article = &snap;
    return svc_event_add(db, "rag", subject, a->org, &ev.base);
}
