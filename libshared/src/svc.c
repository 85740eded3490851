/* svc.c - the one `main` of a service (svc.h): configuration, signals, the pool and its
 * migrations, the outbox and its relay, the bus, the answer cache, the service's own start
 * hook, serving, and the orderly shutdown in reverse. Request and store helpers are in
 * svc_req.c and svc_store.c.
 */
#include "shared/svc.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "shared/config.h"
#include "shared/healthsrv.h"
#include "shared/outbox.h"
#include "shared/util.h"

#define BUS_CONNECT_TIMEOUT_MS 10000
#define CACHE_MAX_ENTRIES      10000

typedef struct {
    const char *db_url, *nats_url;
    int64_t pool_size, workers, cache_ms;
} settings_t;

static status_t load_settings(const svc_spec_t *spec, settings_t *s)
{
    status_t st;

    s->db_url = config_str("DATABASE_URL", "postgresql:///platform");
    s->nats_url = config_str("NATS_URL", "nats://127.0.0.1:4222");
    s->cache_ms = 0;
    if ((st = config_int("DB_POOL_SIZE", 8, 1, 1024, &s->pool_size)) ||
        (st = config_int("BUS_WORKERS", 8, 1, 1024, &s->workers)))
        return st;
    if (spec->cache_env)
        st = config_int(spec->cache_env, 2000, 0, 60000, &s->cache_ms);
    return st;
}

static bool healthy(void *arg)
{
    return db_pool_healthy(((svc_t *)arg)->db);
}

/* The database, its schema and the outbox table: before anything talks to the bus. */
static status_t open_db(const svc_spec_t *spec, const settings_t *s, svc_t *svc)
{
    status_t st;

    size_t n = spec->n_migrations ? *spec->n_migrations : 0;

    if ((st = db_pool_new(s->db_url, (int)s->pool_size, &svc->db)))
        return st;
    if (!spec->outbox)
        return db_migrate(svc->db, spec->name, spec->migrations, n);
    if ((st = outbox_migrate(svc->db, spec->name, spec->migrations, n)))
        return st;
    return outbox_install(svc->db, spec->name);
}

static status_t open_bus(const svc_spec_t *spec, const settings_t *s, svc_t *svc)
{
    char drop[128];
    status_t st;

    if ((st = bus_connect(spec->name, s->nats_url, BUS_CONNECT_TIMEOUT_MS, &svc->bus)))
        return st;
    bus_set_health_check(svc->bus, healthy);
    snprintf(drop, sizeof drop, "%s.cache.drop", spec->name);
    return buscache_new(svc->bus, spec->cache_subject ? spec->cache_subject : drop, s->cache_ms,
                        spec->cache_max ? spec->cache_max : CACHE_MAX_ENTRIES, &svc->cache);
}

int svc_main(const svc_spec_t *spec, svc_t *out)
{
    svc_t local = {0}, *svc = out ? out : &local;
    outbox_relay_t *relay = NULL;
    settings_t s;
    sigset_t sigs;
    bool started = false;
    int sig = 0, rc = 1;

    log_init(spec->name, config_str("LOG_LEVEL", NULL));
    if (load_settings(spec, &s))
        return 2;
    *svc = (svc_t){.spec = spec, .app = spec->app};

    /* Signals are taken synchronously by sigwait below; every thread inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (open_db(spec, &s, svc) || open_bus(spec, &s, svc) ||
        (spec->outbox && outbox_relay_start(s.db_url, svc->db, svc->bus, spec->name, &relay)))
        goto done;
    started = true; /* stop runs from here on, so it must undo a start that failed halfway */
    if (spec->start && spec->start(svc))
        goto done;
    /* The health server (HEALTH_PORT: /healthz, /readyz, /metrics): its readiness checks are the
     * bus and the pool, which registered themselves when they were opened. */
    if (healthsrv_start(spec->name) ||
        bus_serve(svc->bus, spec->desc, spec->methods, spec->n_methods, svc, (int)s.workers))
        goto done;
    LOG_INFO("%s: ready", spec->name);
    sigwait(&sigs, &sig);
    LOG_INFO("%s: signal %d, shutting down", spec->name, sig);
    rc = 0;
done:
    outbox_relay_stop(relay); /* before the bus and the pool it borrows */
    if (started && spec->stop)
        spec->stop(svc);
    bus_free(svc->bus); /* drains in-flight handlers, which use the pool and the cache */
    buscache_free(svc->cache);
    db_pool_free(svc->db);
    svc->bus = NULL;
    svc->cache = NULL;
    svc->db = NULL;
    return rc;
}

void svc_changed(svc_t *svc, const char *org)
{
    if (buscache_drop(svc->cache, org))
        LOG_WARN("%s: could not announce a change of %s; other replicas catch up within the TTL",
                 svc->spec->name, org);
}
