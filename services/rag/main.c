/* main.c - the rag service: reads its configuration, migrates the `rag` schema, serves svc.rag.*
 * on the bus until SIGTERM or SIGINT, then drains and closes. No logic lives here.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "rag.h"
#include "shared/config.h"
#include "shared/healthsrv.h"
#include "shared/outbox.h"
#include "shared/util.h"

#define BUS_CONNECT_TIMEOUT_MS 10000

static const bus_method_t methods[] = {
    {"list_categories", rag_handle_list_categories},
    {"create_category", rag_handle_create_category},
    {"update_category", rag_handle_update_category},
    {"delete_category", rag_handle_delete_category},
    {"reorder_categories", rag_handle_reorder_categories},
    {"list_articles", rag_handle_list_articles},
    {"create_article", rag_handle_create_article},
    {"get_article", rag_handle_get_article},
    {"update_article", rag_handle_update_article},
    {"delete_article", rag_handle_delete_article},
};

static bool healthy(void *arg)
{
    return db_pool_healthy(((rag_svc_t *)arg)->db);
}

int main(void)
{
    rag_svc_t svc = {0};
    outbox_relay_t *relay = NULL;
    const char *db_url;
    int64_t pool_size, workers, cache_ms;
    sigset_t sigs;
    int sig = 0, rc = 1;

    log_init("rag", config_str("LOG_LEVEL", NULL));
    if (config_int("DB_POOL_SIZE", 8, 1, 1024, &pool_size) ||
        config_int("BUS_WORKERS", 8, 1, 1024, &workers) ||
        config_int("RAG_LIST_CACHE_MS", 2000, 0, 60000, &cache_ms))
        return 2;

    /* Signals are taken synchronously by sigwait below; every thread inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    db_url = config_str("DATABASE_URL", "postgresql:///platform");
    if (db_pool_new(db_url, (int)pool_size, &svc.db) ||
        db_migrate(svc.db, "rag", rag_migrations, rag_migrations_count) ||
        outbox_install(svc.db, "rag") ||
        bus_connect("rag", config_str("NATS_URL", "nats://127.0.0.1:4222"), BUS_CONNECT_TIMEOUT_MS,
                    &svc.bus) ||
        outbox_relay_start(db_url, svc.db, svc.bus, "rag", &relay) ||
        buscache_new(svc.bus, RAG_CACHE_DROP_SUBJECT, cache_ms, 10000, &svc.lists))
        goto done;
    bus_set_health_check(svc.bus, healthy);
    if (bus_serve(svc.bus, &rag__rag__descriptor, methods, ARRAY_LEN(methods), &svc,
                  (int)workers) ||
        healthsrv_start("rag"))
        goto done;
    LOG_INFO("rag: ready");
    sigwait(&sigs, &sig);
    LOG_INFO("rag: signal %d, shutting down", sig);
    rc = 0;
done:
    outbox_relay_stop(relay); /* before the bus and the pool it borrows */
    bus_free(svc.bus);        /* drains in-flight handlers, which use the pool and the cache */
    buscache_free(svc.lists);
    db_pool_free(svc.db);
    return rc;
}
