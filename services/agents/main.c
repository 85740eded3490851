/* main.c - the agents service: its spec for the service kit (shared/svc.h), which reads the
 * configuration, migrates the `agents` schema, relays the outbox, serves svc.agents.* and shuts
 * down in order. The start hook derives the store's statements and starts the consumer of
 * evt.rag.category.deleted. No logic lives here.
 */
#include "agents.h"
#include "shared/outbox.h"
#include "store.h"
#include "shared/util.h"

static const bus_method_t methods[] = {
    {"list", agents_handle_list},
    {"create", agents_handle_create},
    {"get", agents_handle_get},
    {"update", agents_handle_update},
    {"delete", agents_handle_delete},
    {"duplicate", agents_handle_duplicate},
    {"list_versions", agents_handle_list_versions},
    {"restore_version", agents_handle_restore_version},
    {"list_scripts", agents_handle_list_scripts},
    {"create_script", agents_handle_create_script},
    {"get_script", agents_handle_get_script},
    {"update_script", agents_handle_update_script},
    {"delete_script", agents_handle_delete_script},
};

static status_t start(svc_t *svc)
{
    status_t st;

    if ((st = agents_store_init(svc->db)) || (st = outbox_ensure_stream(svc->bus)))
        return st;
    return bus_js_consume(svc->bus, OUTBOX_STREAM, AGENTS_DURABLE_CATEGORY_DELETED,
                          AGENTS_SUBJ_CATEGORY_DELETED, 10, agents_on_category_deleted, svc);
}

static const svc_spec_t spec = {
    .name = "agents",
    .desc = &agents__agents__descriptor,
    .methods = methods,
    .n_methods = ARRAY_LEN(methods),
    .migrations = agents_migrations,
    .n_migrations = &agents_migrations_count,
    .outbox = true,
    .cache_env = "AGENTS_LIST_CACHE_MS",
    .start = start,
};

int main(void)
{
    int rc = svc_main(&spec, NULL);
    agents_store_cleanup(); /* after the bus drained the handlers and consumers that use it */
    return rc;
}
