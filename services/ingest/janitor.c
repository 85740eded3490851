/* janitor.c - drops uploads that never became documents (a client that went away mid-file, an
 * edge that died) with their pieces, once they are older than INGEST_UPLOAD_TTL_S. Every
 * replica runs one; the DELETE is idempotent, so they need no coordination.
 */
#include <errno.h>
#include <time.h>

#include "ingest.h"
#include "store.h"

static void *janitor_main(void *arg)
{
    svc_t *svc = arg;
    ingest_app_t *app = svc->app;
    int64_t every = app->upload_ttl_s / 4 < 60 ? app->upload_ttl_s / 4 : 60;
    if (every < 1)
        every = 1;

    pthread_mutex_lock(&app->janitor_mu);
    while (!app->janitor_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += every;
        while (!app->janitor_stop &&
               pthread_cond_timedwait(&app->janitor_cv, &app->janitor_mu, &until) != ETIMEDOUT)
            ;
        if (app->janitor_stop)
            break;
        pthread_mutex_unlock(&app->janitor_mu);
        long n = 0;
        status_t st = ingest_store_drop_stale_uploads(svc->db, app->upload_ttl_s, &n);
        if (st)
            LOG_WARN("ingest: janitor: stale uploads not dropped: %s", status_str(st));
        else if (n)
            LOG_INFO("ingest: janitor: dropped %ld upload(s) older than %lld s", n,
                     (long long)app->upload_ttl_s);
        pthread_mutex_lock(&app->janitor_mu);
    }
    pthread_mutex_unlock(&app->janitor_mu);
    return NULL;
}

status_t ingest_janitor_start(svc_t *svc)
{
    ingest_app_t *app = svc->app;
    pthread_mutex_init(&app->janitor_mu, NULL);
    pthread_cond_init(&app->janitor_cv, NULL);
    app->janitor_stop = false;
    if (pthread_create(&app->janitor, NULL, janitor_main, svc) != 0)
        return ST_INTERNAL;
    app->janitor_running = true;
    return ST_OK;
}

void ingest_janitor_stop(svc_t *svc)
{
    ingest_app_t *app = svc ? svc->app : NULL;
    if (!app || !app->janitor_running)
        return;
    pthread_mutex_lock(&app->janitor_mu);
    app->janitor_stop = true;
    pthread_cond_signal(&app->janitor_cv);
    pthread_mutex_unlock(&app->janitor_mu);
    pthread_join(app->janitor, NULL);
    app->janitor_running = false;
}
