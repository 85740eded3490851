/* main.c - the rag service: its spec for the service kit (shared/svc.h), which reads the
 * configuration, migrates the `rag` schema, relays the outbox, serves svc.rag.* and shuts down
 * in order. No logic lives here.
 */
#include "rag.h"
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
};

static const svc_spec_t spec = {
    .name = "rag",
    .desc = &rag__rag__descriptor,
    .methods = methods,
    .n_methods = ARRAY_LEN(methods),
    .migrations = rag_migrations,
    .n_migrations = &rag_migrations_count,
    .outbox = true,
    .cache_env = "RAG_LIST_CACHE_MS",
};

int main(void)
{
    return svc_main(&spec, NULL);
}
