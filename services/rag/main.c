/* main.c - the rag service: its spec for the service kit (shared/svc.h), which reads the
 * configuration, migrates the `rag` schema, relays the outbox, serves svc.rag.* and shuts down
 * in order; its own state: the in-memory vector indexes (RAG_INDEX_BUDGET_MB) and the embed
 * call's timeout (RAG_EMBED_TIMEOUT_MS), the article indexer and re-embedding job
 * (RAG_REEMBED_INTERVAL_S). No logic lives here.
 */
#include "indexer.h"
#include "rag.h"
#include "shared/config.h"
#include "shared/util.h"

static const bus_method_t methods[] = {
    {"list_categories", rag_handle_list_categories},
    {"create_category", rag_handle_create_category},
    {"update_category", rag_handle_update_category},
    {"delete_category", rag_handle_delete_category},
    {"reorder_categories", rag_handle_reorder_categories},
    {"categories_check", rag_handle_categories_check},
    {"list_articles", rag_handle_list_articles},
    {"create_article", rag_handle_create_article},
    {"get_article", rag_handle_get_article},
    {"update_article", rag_handle_update_article},
    {"delete_article", rag_handle_delete_article},
    {"index_put", rag_handle_index_put},
    {"index_delete", rag_handle_index_delete},
    {"list_chunks", rag_handle_list_chunks},
    {"retrieve", rag_handle_retrieve},
};

static rag_app_t app;
static rag_indexer_t *indexer;
static int64_t reembed_s;

static status_t start(svc_t *svc)
{
    if (rag_index_new(svc->bus, svc->db, app.index_budget, &app.index) ||
        rag_indexer_start(svc, (int)reembed_s, &indexer))
        return ST_UNAVAILABLE;
    LOG_INFO("rag: vector index budget %zu MB, kernel %s", app.index_budget >> 20, vindex_kernel());
    return ST_OK;
}

static void stop(svc_t *svc)
{
    (void)svc;
    rag_indexer_stop(indexer); /* its job calls the bus: before the bus closes */
    indexer = NULL;
}

static const svc_spec_t spec = {
    .name = "rag",
    .desc = &rag__rag__descriptor,
    .methods = methods,
    .n_methods = ARRAY_LEN(methods),
    .migrations = rag_migrations,
    .n_migrations = &rag_migrations_count,
    .outbox = true,
    .cache_env = "RAG_LIST_CACHE_MS",
    .app = &app,
    .start = start,
    .stop = stop,
};

int main(void)
{
    int64_t budget_mb, embed_ms;

    log_init("rag", config_str("LOG_LEVEL", NULL));
    if (config_int("RAG_INDEX_BUDGET_MB", RAG_INDEX_BUDGET_DEFAULT_MB, 1, 1 << 20, &budget_mb) ||
        config_int("RAG_EMBED_TIMEOUT_MS", 5000, 100, 120000, &embed_ms) ||
        config_int("RAG_REEMBED_INTERVAL_S", 60, 1, 86400, &reembed_s))
        return 2;
    app.index_budget = (size_t)budget_mb << 20;
    app.embed_timeout_ms = (int)embed_ms;
    int rc = svc_main(&spec, NULL);
    rag_index_free(app.index); /* after the bus drained the handlers that use it */
    return rc;
}
