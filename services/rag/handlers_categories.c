/* handlers_categories.c - the category tree: list_categories, create_category, update_category,
 * delete_category, reorder_categories.
 *
 * Everyone in the organisation may read; changes need the owner or admin role. Ids from the
 * path and the body must be UUIDs (400 naming the field); ids of another organisation are
 * simply not found (404 naming the field).
 */
#include <stdlib.h>
#include <string.h>

#include "rag.h"
#include "shared/pbjson.h"
#include "shared/util.h"
#include "store.h"
#include "tree.h"
#include "validate.h"

/* An optional UUID field: "" or absent -> *out NULL; else must be a UUID. */
static status_t opt_uuid(bus_req_t *req, const char *field, const char *s, char buf[37],
                         const char **out)
{
    *out = NULL;
    if (!s || !*s)
        return ST_OK;
    if (!svc_uuid_parse(s, buf))
        return svc_fail(req, ST_INVALID, "%s: must be a UUID", field);
    *out = buf;
    return ST_OK;
}

/* The organisation's tree, for bus_reply_cached. */
typedef struct {
    svc_t *svc;
    const char *org;
} tree_call_t;

static status_t tree_fill(void *arg, ProtobufCMessage **out)
{
    tree_call_t *c = arg;
    Rag__Category **flat = NULL;
    size_t n = 0;
    status_t st = rag_store_list_categories(c->svc->db, c->org, &flat, &n);
    if (st)
        return st;
    Rag__CategoryTree *tree = xcalloc(1, sizeof *tree);
    rag__category_tree__init(tree);
    rag_tree_build(&flat, n, &tree->items, &tree->n_items); /* freed with the message */
    *out = &tree->base;
    return ST_OK;
}

/* svc.rag.list_categories: the organisation's whole tree, siblings in their manual order
 * (cached like the article lists, dropped by every change). */
status_t rag_handle_list_categories(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__ListCategoriesRequest *in = NULL;
    svc_caller_t c;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) || (st = svc_caller(req, NULL, &c))) {
        bus_reply(req, st, NULL);
    } else {
        tree_call_t call = {svc, c.org};
        st = bus_reply_cached(req, svc->cache, c.org, "categories", tree_fill, &call);
    }
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.create_category: a new category, last among its siblings. */
status_t rag_handle_create_category(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__CreateCategoryRequest *in = NULL;
    Rag__Category *cat = NULL;
    char *name = NULL, *desc = NULL, why[RAG_WHY_SIZE], parent_buf[37];
    const char *parent = NULL;
    svc_why_t err = {""};
    svc_caller_t c;
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_caller(req, RAG_WRITE_WHAT, &c)))
        goto done;
    if (!text_clean(in->name, 1, RAG_NAME_MAX, false, &name, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "name: %s", why);
        goto done;
    }
    if (in->description &&
        !text_clean(in->description, 0, RAG_DESC_MAX, true, &desc, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "description: %s", why);
        goto done;
    }
    if ((st = opt_uuid(req, "parent_id", in->parent_id, parent_buf, &parent)))
        goto done;
    rag_actor_t a = {c.org, c.user, bus_req_id(req)};
    st = svc_fail_why(req, rag_store_create_category(svc->db, &a, name, desc, parent, &cat, &err),
                      &err, NULL);
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "category %s created", cat->id);
done:
    if (st == ST_OK)
        svc_changed(svc, c.org);
    bus_reply(req, st, st == ST_OK ? &cat->base : NULL);
    if (cat)
        protobuf_c_message_free_unpacked(&cat->base, NULL);
    free(name);
    free(desc);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.update_category: rename, describe, or move (parent_id; "" = top level). */
status_t rag_handle_update_category(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__UpdateCategoryRequest *in = NULL;
    Rag__Category *cat = NULL;
    char *name = NULL, *desc = NULL, why[RAG_WHY_SIZE], id[37], parent_buf[37];
    rag_category_patch_t patch = {0};
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
    if (in->name && !text_clean(in->name, 1, RAG_NAME_MAX, false, &name, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "name: %s", why);
        goto done;
    }
    if (in->description &&
        !text_clean(in->description, 0, RAG_DESC_MAX, true, &desc, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "description: %s", why);
        goto done;
    }
    if (in->parent_id) {
        patch.move = true;
        if ((st = opt_uuid(req, "parent_id", in->parent_id, parent_buf, &patch.parent)))
            goto done;
        if (patch.parent && strcmp(patch.parent, id) == 0) {
            st = svc_fail(req, ST_CONFLICT, "parent_id: a category cannot be its own parent");
            goto done;
        }
    }
    patch.name = name;
    patch.description = desc;
    rag_actor_t a = {c.org, c.user, bus_req_id(req)};
    st = svc_fail_why(req, rag_store_update_category(svc->db, &a, id, &patch, &cat, &err), &err,
                      NULL);
done:
    if (st == ST_OK)
        svc_changed(svc, c.org);
    bus_reply(req, st, st == ST_OK ? &cat->base : NULL);
    if (cat)
        protobuf_c_message_free_unpacked(&cat->base, NULL);
    free(name);
    free(desc);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.delete_category: an empty category, or with cascade the subtree and its articles. */
status_t rag_handle_delete_category(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__DeleteCategoryRequest *in = NULL;
    char id[37];
    long n_cats = 0, n_arts = 0;
    svc_why_t err = {""};
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
    st = svc_fail_why(req,
                      rag_store_delete_category(svc->db, &a, id, in->has_cascade && in->cascade,
                                                &n_cats, &n_arts, &err),
                      &err, NULL);
    if (st)
        goto done;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "category %s deleted (%ld categories, %ld articles)", id, n_cats, n_arts);
done:
    if (st == ST_OK)
        svc_changed(svc, c.org);
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.reorder_categories: the children of one parent in a new order. */
status_t rag_handle_reorder_categories(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__ReorderCategoriesRequest *in = NULL;
    Rag__CategoryTree out = RAG__CATEGORY_TREE__INIT;
    char parent_buf[37], **ids = NULL;
    const char *parent = NULL;
    size_t n_ids = 0;
    svc_why_t err = {""};
    svc_caller_t c;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)) ||
        (st = svc_caller(req, RAG_WRITE_WHAT, &c)) ||
        (st = opt_uuid(req, "parent_id", in->parent_id, parent_buf, &parent)))
        goto done;
    if (in->n_ids > RAG_REORDER_MAX) {
        st = svc_fail(req, ST_INVALID, "ids: at most %d", RAG_REORDER_MAX);
        goto done;
    }
    ids = xcalloc(in->n_ids ? in->n_ids : 1, sizeof *ids);
    for (; n_ids < in->n_ids; n_ids++) {
        ids[n_ids] = xmalloc(37);
        if (!svc_uuid_parse(in->ids[n_ids], ids[n_ids])) {
            st = svc_fail(req, ST_INVALID, "ids[%zu]: must be a UUID", n_ids);
            n_ids++;
            goto done;
        }
    }
    rag_actor_t a = {c.org, c.user, bus_req_id(req)};
    st = svc_fail_why(req,
                      rag_store_reorder_categories(svc->db, &a, parent, ids, n_ids, &out.items,
                                                   &out.n_items, &err),
                      &err, NULL);
done:
    if (st == ST_OK)
        svc_changed(svc, c.org);
    bus_reply(req, st, st == ST_OK ? &out.base : NULL);
    rag_tree_free(out.items, out.n_items);
    rag_strv_free(ids, n_ids);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.rag.categories_check: the ids sent that name no category of the caller's organisation
 * (agents asks before it stores kb_category_ids). */
status_t rag_handle_categories_check(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    Rag__CategoriesCheckRequest *in = NULL;
    Rag__CategoriesCheckReply out = RAG__CATEGORIES_CHECK_REPLY__INIT;
    char **ids = NULL;
    svc_caller_t c;
    status_t st;

    if ((st = svc_caller(req, NULL, &c)) || (st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if (in->n_ids > RAG_REORDER_MAX) {
        st = svc_fail(req, ST_INVALID, "ids: at most %d", RAG_REORDER_MAX);
        goto done;
    }
    ids = xcalloc(in->n_ids + 1, sizeof *ids);
    for (size_t i = 0; i < in->n_ids; i++) {
        ids[i] = xmalloc(37);
        if ((st = svc_uuid(req, "ids[]", in->ids[i], ids[i])))
            goto done;
    }
    st = rag_store_unknown_categories(svc->db, c.org, ids, in->n_ids, &out);
done:
    bus_reply(req, st, st == ST_OK ? &out.base : NULL);
    rag_strv_free(ids, in ? in->n_ids : 0);
    for (size_t i = 0; i < out.n_unknown; i++)
        free(out.unknown[i]);
    free(out.unknown);
    svc_msg_free(in);
    return st;
}
