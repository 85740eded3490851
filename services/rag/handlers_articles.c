/* handlers_articles.c - Markdown articles: list_articles (with full-text search),
 * create_article, get_article, update_article, delete_article.
 *
 * Everyone in the organisation may read; changes need the owner or admin role. Titles are
 * 1-300 characters, bodies at most 1 MiB (a bigger body is 413 naming `body`), tags at most 50
 * of 1-50 characters. A category_id of another organisation is not found (404 naming it).
 */
#include <stdlib.h>
#include <string.h>

#include "rag.h"
#include "shared/util.h"
#include "store.h"
#include "validate.h"

/* Validated article fields of a create (all) or an update (only those sent). */
typedef struct {
    char *title;
    char **tags;
    size_t n_tags;
    char category[37];
    rag_article_fields_t f;
} fields_t;

static void fields_cleanup(fields_t *fl)
{
    free(fl->title);
    rag_strv_free(fl->tags, fl->n_tags);
}

/* Checks title, body, category_id and tags; create requires the title. */
static status_t fields_check(bus_req_t *req, bool create, const char *title, const char *body,
                             const char *category, char *const *tags, size_t n_tags,
                             bool clear_tags, fields_t *fl)
{
    char why[RAG_WHY_SIZE];
    int b;

    if ((create || title) &&
        !text_clean(title, 1, RAG_TITLE_MAX, false, &fl->title, why, sizeof why))
        return svc_fail(req, ST_INVALID, "title: %s", why);
    fl->f.title = fl->title;
    if (body && (b = rag_body_check(body, why, sizeof why)))
        return svc_fail(req, b > 0 ? ST_TOO_LARGE : ST_INVALID, "body: %s", why);
    fl->f.body = body;
    if (category) {
        fl->f.set_category = true;
        if (*category) {
            if (!svc_uuid_parse(category, fl->category))
                return svc_fail(req, ST_INVALID, "category_id: must be a UUID");
            fl->f.category = fl->category;
        }
    }
    if (n_tags && clear_tags)
        return svc_fail(req, ST_INVALID, "clear_tags: cannot be combined with tags");
    if (n_tags) {
        if (!rag_tags_clean(tags, n_tags, &fl->tags, why, sizeof why))
            return svc_fail(req, ST_INVALID, "tags%s", why);
        fl->n_tags = n_tags;
    }
    fl->f.set_tags = n_tags > 0 || clear_tags;
    fl->f.tags = fl->tags;
    fl->f.n_tags = fl->n_tags;
    return ST_OK;
}

/* A list or search for bus_reply_cached. */
typedef struct {
    svc_t *svc;
    bus_req_t *req;
    const char *org;
    const rag_article_query_t *q;
} list_call_t;

static status_t list_fill(void *arg, ProtobufCMessage **out)
{
    list_call_t *c = arg;
    svc_why_t err = {""};
    return svc_fail_why(
        c->req, rag_store_list_articles(c->svc->db, c->org, c->q, (Rag__ArticleList **)out, &err),
        &err, NULL);
}

/* svc.rag.list_articles: a page of the organisation's articles, or ranked search results. */
status_t rag_handle_list_articles(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__ListArticlesRequest *in = NULL;
    rag_article_query_t q = {0};
    char category[37], why[RAG_WHY_SIZE], *text = NULL;
    svc_caller_t c;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = svc_caller(req, NULL, &c)))
        goto done;
    if ((st = svc_page_parse(req, &in->base, &q.page)))
        goto done;
    if (in->category_id && *in->category_id) {
        if (!svc_uuid_parse(in->category_id, category)) {
            st = svc_fail(req, ST_INVALID, "category_id: must be a UUID");
            goto done;
        }
        q.category = category;
    }
    if (in->q && !text_clean(in->q, 0, RAG_Q_MAX, false, &text, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "q: %s", why);
        goto done;
    }
    q.q = text && *text ? text : NULL; /* a blank query lists everything */
    /* The key: every parameter that shapes the answer (a query holds no control characters). */
    buf_t key = BUF_INIT;
    buf_printf(&key, "%s\x1f%s\x1f%d\x1f%d", q.q ? q.q : "", q.category ? q.category : "",
               q.page.page, q.page.per_page);
    list_call_t call = {svc, req, c.org, &q};
    st = bus_reply_cached(req, svc->cache, c.org, key.data, list_fill, &call);
    buf_cleanup(&key);
    goto out;
done:
    bus_reply(req, st, NULL);
out:
    free(text);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.create_article */
status_t rag_handle_create_article(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__CreateArticleRequest *in = NULL;
    Rag__Article *art = NULL;
    fields_t fl = {0};
    svc_why_t err = {""};
    svc_caller_t c;
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_caller(req, RAG_WRITE_WHAT, &c)) ||
        (st = fields_check(req, true, in->title, in->body ? in->body : "", in->category_id,
                           in->tags, in->n_tags, false, &fl)))
        goto done;
    if (!fl.f.category)
        fl.f.set_category = false;
    rag_actor_t a = {c.org, c.user, bus_req_id(req)};
    st = svc_fail_why(req, rag_store_create_article(svc->db, &a, &fl.f, &art, &err), &err, NULL);
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "article %s created (%lld bytes)", art->id, (long long)art->body_size);
done:
    if (st == ST_OK)
        svc_changed(svc, c.org);
    bus_reply(req, st, st == ST_OK ? &art->base : NULL);
    if (art)
        protobuf_c_message_free_unpacked(&art->base, NULL);
    fields_cleanup(&fl);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.get_article: one article with its body. */
status_t rag_handle_get_article(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__ArticleRequest *in = NULL;
    Rag__Article *art = NULL;
    char id[37];
    svc_caller_t c;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = svc_caller(req, NULL, &c)))
        goto done;
    if (!svc_uuid_parse(in->id, id)) {
        st = svc_fail(req, ST_INVALID, "id: must be a UUID");
        goto done;
    }
    if ((st = rag_store_get_article(svc->db, c.org, id, &art)) == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such article");
done:
    bus_reply(req, st, st == ST_OK ? &art->base : NULL);
    if (art)
        protobuf_c_message_free_unpacked(&art->base, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.update_article: changes only the fields sent. */
status_t rag_handle_update_article(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__UpdateArticleRequest *in = NULL;
    Rag__Article *art = NULL;
    fields_t fl = {0};
    char id[37];
    svc_why_t err = {""};
    svc_caller_t c;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_caller(req, RAG_WRITE_WHAT, &c)))
        goto done;
    if (!svc_uuid_parse(in->id, id)) {
        st = svc_fail(req, ST_INVALID, "id: must be a UUID");
        goto done;
    }
    if ((st = fields_check(req, false, in->title, in->body, in->category_id, in->tags, in->n_tags,
                           in->has_clear_tags && in->clear_tags, &fl)))
        goto done;
    rag_actor_t a = {c.org, c.user, bus_req_id(req)};
    st =
        svc_fail_why(req, rag_store_update_article(svc->db, &a, id, &fl.f, &art, &err), &err, NULL);
done:
    if (st == ST_OK)
        svc_changed(svc, c.org);
    bus_reply(req, st, st == ST_OK ? &art->base : NULL);
    if (art)
        protobuf_c_message_free_unpacked(&art->base, NULL);
    fields_cleanup(&fl);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.delete_article */
status_t rag_handle_delete_article(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__ArticleRequest *in = NULL;
    char id[37];
    svc_caller_t c;
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_caller(req, RAG_WRITE_WHAT, &c)))
        goto done;
    if (!svc_uuid_parse(in->id, id)) {
        st = svc_fail(req, ST_INVALID, "id: must be a UUID");
        goto done;
    }
    rag_actor_t a = {c.org, c.user, bus_req_id(req)};
    if ((st = rag_store_delete_article(svc->db, &a, id)) == ST_NOT_FOUND)
        svc_fail(req, st, "id: no such article");
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "article %s deleted", id);
done:
    if (st == ST_OK)
        svc_changed(svc, c.org);
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
