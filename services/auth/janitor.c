/* janitor.c - the periodic clean-up thread of the auth service (see janitor.h). */
#include "janitor.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "shared/log.h"
#include "shared/util.h"
#include "store.h"

struct auth_janitor {
    db_pool_t *pool;
    int64_t idle_s;
    int interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    bool stop;
};

static void *janitor_main(void *arg)
{
    auth_janitor_t *j = arg;
    struct timespec at;

    pthread_mutex_lock(&j->mu);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_sec += j->interval_s;
        while (!j->stop && pthread_cond_timedwait(&j->cv, &j->mu, &at) == 0)
            ; /* woken without stop: wait out the rest of the interval */
        if (j->stop)
            break;
        pthread_mutex_unlock(&j->mu);
        if (auth_store_cleanup(j->pool, j->idle_s) != ST_OK)
            LOG_WARN("janitor: clean-up failed; will retry");
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

status_t auth_janitor_start(db_pool_t *pool, int64_t idle_s, int interval_s, auth_janitor_t **out)
{
    auth_janitor_t *j = xcalloc(1, sizeof *j);
    pthread_condattr_t attr;

    j->pool = pool;
    j->idle_s = idle_s;
    j->interval_s = interval_s > 0 ? interval_s : 1;
    pthread_mutex_init(&j->mu, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&j->thread, NULL, janitor_main, j) != 0) {
        LOG_ERROR("janitor: cannot start a thread");
        pthread_mutex_destroy(&j->mu);
        pthread_cond_destroy(&j->cv);
        free(j);
        return ST_INTERNAL;
    }
    *out = j;
    return ST_OK;
}

void auth_janitor_stop(auth_janitor_t *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&j->mu);
    j->stop = true;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    free(j);
}
