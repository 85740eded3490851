/* janitor.c - keeps the cache under EMBED_CACHE_MAX_ROWS: a thread that evicts the least
 * recently used rows every EMBED_CACHE_JANITOR_MS (one replica at a time: store.c's advisory
 * lock). Runs only with a provider (the offline embedder does not use the cache).
 */
#include <errno.h>
#include <time.h>

#include "embed.h"
#include "shared/log.h"

static void *janitor_main(void *arg)
{
    embed_app_t *app = arg;

    pthread_mutex_lock(&app->lock);
    while (!app->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += app->janitor_ms / 1000;
        until.tv_nsec += (app->janitor_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!app->stop && pthread_cond_timedwait(&app->wake, &app->lock, &until) != ETIMEDOUT)
            ;
        if (app->stop)
            break;
        pthread_mutex_unlock(&app->lock);
        int64_t deleted = 0;
        if (embed_store_evict(app->db, app->cache_max_rows, &deleted) == ST_OK && deleted > 0)
            LOG_INFO("embed: cache janitor evicted %lld rows (max %lld)", (long long)deleted,
                     (long long)app->cache_max_rows);
        pthread_mutex_lock(&app->lock);
    }
    pthread_mutex_unlock(&app->lock);
    return NULL;
}

status_t embed_janitor_start(embed_app_t *app)
{
    pthread_condattr_t ca;

    pthread_mutex_init(&app->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&app->wake, &ca);
    pthread_condattr_destroy(&ca);
    app->stop = false;
    if (pthread_create(&app->janitor, NULL, janitor_main, app) != 0) {
        LOG_ERROR("embed: cannot start the cache janitor");
        pthread_cond_destroy(&app->wake);
        pthread_mutex_destroy(&app->lock);
        return ST_INTERNAL;
    }
    app->janitor_running = true;
    return ST_OK;
}

void embed_janitor_stop(embed_app_t *app)
{
    if (!app->janitor_running)
        return;
    pthread_mutex_lock(&app->lock);
    app->stop = true;
    pthread_cond_signal(&app->wake);
    pthread_mutex_unlock(&app->lock);
    pthread_join(app->janitor, NULL);
    pthread_cond_destroy(&app->wake);
    pthread_mutex_destroy(&app->lock);
    app->janitor_running = false;
}
