/* indexer.c - articles into the retrieval index, and re-embedding (see indexer.h). */
#include "indexer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artchunk.h"
#include "embedder.h"
#include "rag.h"
#include "shared/outbox.h"
#include "shared/util.h"
#include "validate.h"

struct rag_indexer {
    svc_t *svc;
    int interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    bool stopping;
};

/* ---- one article ----------------------------------------------------------------------------- */

/* Embeds chunks [from, from + n) of list and puts them as one batch of p. */
static status_t put_batch(svc_t *svc, rag_put_t *p, const chunk_list_t *list, size_t from, size_t n)
{
    rag_app_t *app = svc->app;
    bus_ctx_t ctx = {.org_id = p->org};
    char **texts = xcalloc(n ? n : 1, sizeof *texts);
    Rag__Chunk *cs = xcalloc(n ? n : 1, sizeof *cs), **cp = xcalloc(n ? n : 1, sizeof *cp);
    Embed__EmbedReply *e = NULL;
    svc_why_t why = {""};
    int live = 0;
    status_t st = ST_OK;

    for (size_t i = 0; i < n; i++)
        texts[i] = rag_embed_text(p->title, list->items[from + i].heading_path,
                                  list->items[from + i].text);
    if (n && (st = rag_embed(svc->bus, &ctx, texts, n, "passage", app->embed_timeout_ms, &e)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        const chunk_t *c = &list->items[from + i];
        rag__chunk__init(&cs[i]);
        cs[i].has_seq = true;
        cs[i].seq = c->seq;
        cs[i].text = c->text;
        cs[i].heading_path = c->heading_path;
        cs[i].has_page = true;
        cs[i].page = c->page;
        cs[i].model = e->model;
        cs[i].n_vector = e->vectors[i]->n_values;
        cs[i].vector = e->vectors[i]->values;
        cp[i] = &cs[i];
    }
    p->chunks = cp;
    p->n = n;
    p->model = e ? e->model : NULL;
    p->dims = e ? (int)e->vectors[0]->n_values : 0;
    st = rag_store_index_put(svc->db, p, &live, &why);
    if (st)
        LOG_WARN("rag: article %s could not be indexed (%s): %s", p->source, status_str(st),
                 why.text);
done:
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(cs);
    free(cp);
    if (e)
        protobuf_c_message_free_unpacked(&e->base, NULL);
    return st;
}

static status_t drop_article(svc_t *svc, const char *org, const char *id)
{
    rag_app_t *app = svc->app;
    long n = 0;
    status_t st = rag_store_index_delete(svc->db, org, id, &n);
    if (st == ST_OK)
        rag_index_changed(app->index, org, id);
    return st;
}

status_t rag_index_article(svc_t *svc, const char *org, const char *id)
{
    rag_app_t *app = svc->app;
    Rag__Article *art = NULL;
    chunk_list_t list = {0};
    int gen = 0;
    status_t st = rag_store_get_article(svc->db, org, id, &art);

    if (st == ST_NOT_FOUND)
        return drop_article(svc, org, id);
    if (st || (st = rag_store_source_generation(svc->db, org, id, &gen)))
        goto done;
    rag_article_chunks(art->body, &list);
    rag_put_t p = {
        .org = org,
        .kind = "article",
        .source = id,
        .category = art->category_id,
        .title = art->title,
        .generation = gen + 1,
        .total = (int)list.n,
    };
    size_t from = 0;
    do {
        size_t n = list.n - from < RAG_EMBED_BATCH ? list.n - from : RAG_EMBED_BATCH;
        p.last = from + n == list.n;
        st = put_batch(svc, &p, &list, from, n);
        from += n;
    } while (!st && from < list.n);
    if (st == ST_OK)
        rag_index_changed(app->index, org, id);
done:
    chunk_list_free(&list);
    if (art)
        protobuf_c_message_free_unpacked(&art->base, NULL);
    return st;
}

/* evt.rag.article.<verb> from EVENTS. */
static status_t on_article_event(void *arg, natsMsg *msg, int delivery)
{
    svc_t *svc = arg;
    const char *subject = natsMsg_GetSubject(msg), *verb = strrchr(subject, '.');
    Rag__ArticleEvent *ev = rag__article_event__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
                                                       (const uint8_t *)natsMsg_GetData(msg));
    char org[37], id[37];
    status_t st = ST_INVALID; /* a message that can never be applied is terminated */

    (void)delivery;
    if (!ev || !verb || !ev->meta || !svc_uuid_parse(ev->meta->org_id, org) ||
        !svc_uuid_parse(ev->article_id, id)) {
        LOG_WARN("rag: an article event on %s that cannot be read: dropped", subject);
        goto done;
    }
    st = strcmp(verb, ".deleted") == 0 ? drop_article(svc, org, id)
                                       : rag_index_article(svc, org, id);
done:
    if (ev)
        rag__article_event__free_unpacked(ev, NULL);
    return st;
}

/* ---- the job --------------------------------------------------------------------------------- */

static bool stopping(rag_indexer_t *ix)
{
    pthread_mutex_lock(&ix->mu);
    bool s = ix->stopping;
    pthread_mutex_unlock(&ix->mu);
    return s;
}

/* Articles of org never indexed. */
static void backfill(rag_indexer_t *ix, const char *org)
{
    char **ids = NULL;
    size_t n = 0;
    if (rag_store_unindexed_articles(ix->svc->db, org, &ids, &n))
        return;
    for (size_t i = 0; i < n && !stopping(ix); i++)
        if (rag_index_article(ix->svc, org, ids[i]))
            break; /* embed unavailable: the next run */
    if (n)
        LOG_INFO("rag: indexed %zu article(s) of %s written before retrieval", n, org);
    rag_strv_free(ids, n);
}

/* Chunks of org whose vectors another model made. */
static void reembed(rag_indexer_t *ix, const char *org, const char *model)
{
    rag_app_t *app = ix->svc->app;
    bus_ctx_t ctx = {.org_id = org};
    size_t total = 0;

    while (!stopping(ix)) {
        rag_stale_t *c = NULL;
        size_t n = 0;
        Embed__EmbedReply *e = NULL;
        if (rag_store_stale_chunks(ix->svc->db, org, model, RAG_EMBED_BATCH, &c, &n) || !n) {
            rag_stale_free(c, n);
            break;
        }
        char **texts = xcalloc(n, sizeof *texts);
        for (size_t i = 0; i < n; i++)
            texts[i] = rag_embed_text(c[i].title, c[i].heading_path, c[i].text);
        status_t st = rag_embed(ix->svc->bus, &ctx, texts, n, "passage", app->embed_timeout_ms, &e);
        if (st == ST_OK && strcmp(e->model, model) != 0)
            st = ST_CONFLICT; /* the model changed again meanwhile: the next run */
        if (st == ST_OK) {
            int dims = (int)e->vectors[0]->n_values;
            float *v = xcalloc(n * (size_t)dims, sizeof *v);
            for (size_t i = 0; i < n; i++)
                memcpy(v + i * (size_t)dims, e->vectors[i]->values, (size_t)dims * sizeof *v);
            st = rag_store_set_vectors(ix->svc->db, org, c, n, e->model, v, dims);
            free(v);
        }
        for (size_t i = 0; i < n && st == ST_OK; i++) /* sorted by source: each once */
            if (i == 0 || strcmp(c[i].source, c[i - 1].source) != 0)
                rag_index_changed(app->index, org, c[i].source);
        total += st == ST_OK ? n : 0;
        for (size_t i = 0; i < n; i++)
            free(texts[i]);
        free(texts);
        rag_stale_free(c, n);
        if (e)
            protobuf_c_message_free_unpacked(&e->base, NULL);
        if (st)
            break;
    }
    if (total)
        LOG_INFO("rag: re-embedded %zu chunk(s) of %s with %s", total, org, model);
}

static void run_once(rag_indexer_t *ix)
{
    rag_app_t *app = ix->svc->app;
    char **orgs = NULL, *model = NULL;
    size_t n = 0;

    if (rag_store_index_orgs(ix->svc->db, &orgs, &n))
        return;
    for (size_t i = 0; i < n && !stopping(ix); i++)
        backfill(ix, orgs[i]);
    if (rag_embed_model(ix->svc->bus, app->embed_timeout_ms, &model) == ST_OK)
        for (size_t i = 0; i < n && !stopping(ix); i++)
            reembed(ix, orgs[i], model);
    free(model);
    rag_strv_free(orgs, n);
}

static void *job(void *arg)
{
    rag_indexer_t *ix = arg;
    for (;;) {
        run_once(ix);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += ix->interval_s;
        pthread_mutex_lock(&ix->mu);
        while (!ix->stopping && pthread_cond_timedwait(&ix->wake, &ix->mu, &until) == 0) {
        }
        bool stop = ix->stopping;
        pthread_mutex_unlock(&ix->mu);
        if (stop)
            return NULL;
    }
}

status_t rag_indexer_start(svc_t *svc, int interval_s, rag_indexer_t **out)
{
    status_t st;
    if ((st = outbox_ensure_stream(svc->bus)) ||
        (st = bus_js_consume(svc->bus, OUTBOX_STREAM, RAG_ARTICLE_DURABLE, "evt.rag.article.>", 10,
                             on_article_event, svc)))
        return st;
    rag_indexer_t *ix = xcalloc(1, sizeof *ix);
    ix->svc = svc;
    ix->interval_s = interval_s;
    pthread_mutex_init(&ix->mu, NULL);
    pthread_cond_init(&ix->wake, NULL);
    if (pthread_create(&ix->thread, NULL, job, ix) != 0) {
        pthread_mutex_destroy(&ix->mu);
        pthread_cond_destroy(&ix->wake);
        free(ix);
        return ST_INTERNAL;
    }
    *out = ix;
    return ST_OK;
}

void rag_indexer_stop(rag_indexer_t *ix)
{
    if (!ix)
        return;
    pthread_mutex_lock(&ix->mu);
    ix->stopping = true;
    pthread_cond_signal(&ix->wake);
    pthread_mutex_unlock(&ix->mu);
    pthread_join(ix->thread, NULL);
    pthread_mutex_destroy(&ix->mu);
    pthread_cond_destroy(&ix->wake);
    free(ix);
}
