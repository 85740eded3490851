/* readiness.c - the process's registry of readiness checks (see readiness.h): a list under one
 * mutex, held while the checks run, so a part removing its check never races a probe using it. */
#include "shared/readiness.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct check {
    const char *name;
    readiness_fn fn;
    void *arg;
    struct check *next;
} check_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static check_t *checks, *last;

void readiness_add(const char *name, readiness_fn fn, void *arg)
{
    check_t *c = xmalloc(sizeof *c);
    *c = (check_t){name, fn, arg, NULL};
    pthread_mutex_lock(&mu);
    if (last)
        last->next = c;
    else
        checks = c;
    last = c;
    pthread_mutex_unlock(&mu);
}

void readiness_remove(readiness_fn fn, void *arg)
{
    pthread_mutex_lock(&mu);
    check_t *prev = NULL;
    for (check_t *c = checks; c; prev = c, c = c->next) {
        if (c->fn != fn || c->arg != arg)
            continue;
        if (prev)
            prev->next = c->next;
        else
            checks = c->next;
        if (last == c)
            last = prev;
        free(c);
        break;
    }
    pthread_mutex_unlock(&mu);
}

/* Names and reasons are short constant strings of our own: no escaping beyond dropping quotes
 * and backslashes, which they never hold. */
static void put_plain(buf_t *b, const char *s)
{
    for (; *s; s++)
        if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20)
            buf_putc(b, *s);
}

bool readiness_check(buf_t *report)
{
    bool ok = true;
    int n = 0;
    pthread_mutex_lock(&mu);
    if (report)
        buf_putc(report, '[');
    for (check_t *c = checks; c; c = c->next, n++) {
        char why[128] = "failed";
        bool fine = c->fn(c->arg, why, sizeof why);
        ok = ok && fine;
        if (!report)
            continue;
        buf_puts(report, n ? ",{\"name\":\"" : "{\"name\":\"");
        put_plain(report, c->name);
        buf_puts(report, "\",\"status\":\"");
        put_plain(report, fine ? "ok" : why);
        buf_puts(report, "\"}");
    }
    if (report)
        buf_putc(report, ']');
    pthread_mutex_unlock(&mu);
    return ok && n > 0;
}
