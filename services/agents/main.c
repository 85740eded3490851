/* main.c - the agents service: reads its configuration, migrates the `agents` schema, serves
 * svc.agents.* on the bus and relays its outbox to the EVENTS stream until SIGTERM or SIGINT,
 * then drains and closes. No logic lives here.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "agents.h"
#include "shared/buscache.h"
#include "shared/config.h"
#include "shared/healthsrv.h"
#include "shared/outbox.h"
#include "shared/util.h"

#define BUS_CONNECT_TIMEOUT_MS 10000

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

static bool healthy(void *arg)
{
    return db_pool_healthy(((agents_svc_t *)arg)->db);
}

int main(void)
{
    agents_svc_t svc = {0};
    outbox_relay_t *relay = NULL;
    const char *db_url = config_str("DATABASE_URL", "postgresql:///platform");
    int64_t pool_size, workers, cache_ms;
    sigset_t sigs;
    int sig = 0, rc = 1;

    log_init("agents", config_str("LOG_LEVEL", NULL));
    if (config_int("DB_POOL_SIZE", 8, 1, 1024, &pool_size) ||
        config_int("BUS_WORKERS", 8, 1, 1024, &workers) ||
        config_int("AGENTS_LIST_CACHE_MS", 2000, 0, 60000, &cache_ms))
        return 2;

    /* Signals are taken synchronously by sigwait below; every thread inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (db_pool_new(db_url, (int)pool_size, &svc.db) ||
        db_migrate(svc.db, "agents", agents_migrations, agents_migrations_count) ||
        outbox_install(svc.db, "agents") ||
        bus_connect("agents", config_str("NATS_URL", "nats://127.0.0.1:4222"),
                    BUS_CONNECT_TIMEOUT_MS, &svc.bus))
        goto done;
    bus_set_health_check(svc.bus, healthy);
    if (buscache_new(svc.bus, AGENTS_CACHE_DROP_SUBJECT, cache_ms, 10000, &svc.lists))
        goto done;
    if (outbox_relay_start(db_url, svc.db, svc.bus, "agents", &relay) ||
        bus_serve(svc.bus, &agents__agents__descriptor, methods, ARRAY_LEN(methods), &svc,
                  (int)workers) ||
        healthsrv_start("agents"))
        goto done;
    LOG_INFO("agents: ready");
    sigwait(&sigs, &sig);
    LOG_INFO("agents: signal %d, shutting down", sig);
    rc = 0;
done:
    outbox_relay_stop(relay);
    bus_free(svc.bus); /* drains in-flight handlers, which use the pool and the cache */
    buscache_free(svc.lists);
    db_pool_free(svc.db);
    return rc;
}
