/* mecache.c - the `me` answer cache (see mecache.h): a chained hash table under one mutex. The
 * critical sections are a lookup and a memcpy; dropping a user scans the table, which happens
 * only on role or membership changes. */
#include "mecache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

#define BUCKETS 4096
#define ID_LEN  40

typedef struct entry {
    char org[ID_LEN], user[ID_LEN];
    int64_t expires_ms;
    size_t len;
    struct entry *next;
    uint8_t data[]; /* packed SessionInfo */
} entry_t;

struct auth_mecache {
    pthread_mutex_t mu;
    int64_t ttl_ms;
    size_t max, n;
    entry_t *buckets[BUCKETS];
};

static unsigned bucket(const char *org, const char *user)
{
    uint32_t h = 2166136261u; /* FNV-1a over both ids */
    for (const char *p = org; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    for (const char *p = user; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h % BUCKETS;
}

auth_mecache_t *auth_mecache_new(int64_t ttl_ms, size_t max_entries)
{
    if (ttl_ms <= 0)
        return NULL;
    auth_mecache_t *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->ttl_ms = ttl_ms;
    c->max = max_entries ? max_entries : 1;
    return c;
}

static void clear_locked(auth_mecache_t *c)
{
    for (unsigned b = 0; b < BUCKETS; b++) {
        while (c->buckets[b]) {
            entry_t *e = c->buckets[b];
            c->buckets[b] = e->next;
            free(e);
        }
    }
    c->n = 0;
}

void auth_mecache_free(auth_mecache_t *c)
{
    if (!c)
        return;
    clear_locked(c);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* Finds the entry for (org, user); unlinks and frees it instead when it has expired. */
static entry_t *find_locked(auth_mecache_t *c, const char *org, const char *user, int64_t now_ms)
{
    for (entry_t **pp = &c->buckets[bucket(org, user)]; *pp; pp = &(*pp)->next) {
        entry_t *e = *pp;
        if (strcmp(e->org, org) != 0 || strcmp(e->user, user) != 0)
            continue;
        if (e->expires_ms > now_ms)
            return e;
        *pp = e->next;
        free(e);
        c->n--;
        return NULL;
    }
    return NULL;
}

static void remove_locked(auth_mecache_t *c, const char *org, const char *user)
{
    for (entry_t **pp = &c->buckets[bucket(org, user)]; *pp; pp = &(*pp)->next) {
        entry_t *e = *pp;
        if (strcmp(e->org, org) == 0 && strcmp(e->user, user) == 0) {
            *pp = e->next;
            free(e);
            c->n--;
            return;
        }
    }
}

Auth__SessionInfo *auth_mecache_get(auth_mecache_t *c, const char *org_id, const char *user_id,
                                    int64_t now_ms)
{
    Auth__SessionInfo *info = NULL;
    if (!c || !org_id || !user_id)
        return NULL;
    pthread_mutex_lock(&c->mu);
    entry_t *e = find_locked(c, org_id, user_id, now_ms);
    if (e)
        info = auth__session_info__unpack(NULL, e->len, e->data);
    pthread_mutex_unlock(&c->mu);
    return info;
}

void auth_mecache_put(auth_mecache_t *c, const char *org_id, const char *user_id,
                      const Auth__SessionInfo *info, int64_t now_ms)
{
    if (!c || !org_id || !user_id || strlen(org_id) >= ID_LEN || strlen(user_id) >= ID_LEN)
        return;
    size_t len = auth__session_info__get_packed_size(info);
    entry_t *e = xmalloc(sizeof *e + len);
    snprintf(e->org, sizeof e->org, "%s", org_id);
    snprintf(e->user, sizeof e->user, "%s", user_id);
    e->expires_ms = now_ms + c->ttl_ms;
    e->len = auth__session_info__pack(info, e->data);

    pthread_mutex_lock(&c->mu);
    remove_locked(c, org_id, user_id); /* a concurrent miss may have filled it: keep ours */
    if (c->n >= c->max)
        clear_locked(c); /* crude but bounded; the cache refills within one TTL */
    unsigned b = bucket(org_id, user_id);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->n++;
    pthread_mutex_unlock(&c->mu);
}

void auth_mecache_drop(auth_mecache_t *c, const char *org_id, const char *user_id)
{
    if (!c || (!org_id && !user_id))
        return;
    pthread_mutex_lock(&c->mu);
    for (unsigned b = 0; b < BUCKETS; b++) {
        for (entry_t **pp = &c->buckets[b]; *pp;) {
            entry_t *e = *pp;
            if ((!org_id || strcmp(e->org, org_id) == 0) &&
                (!user_id || strcmp(e->user, user_id) == 0)) {
                *pp = e->next;
                free(e);
                c->n--;
            } else {
                pp = &e->next;
            }
        }
    }
    pthread_mutex_unlock(&c->mu);
}

void auth_mecache_apply_revocation(auth_mecache_t *c, const char *body, size_t len)
{
    char id[ID_LEN];
    size_t skip;
    bool org = false;

    if (!c)
        return;
    if (len > 5 && strncmp(body, "user:", 5) == 0)
        skip = 5;
    else if (len > 3 && strncmp(body, "me:", 3) == 0)
        skip = 3;
    else if (len > 4 && strncmp(body, "org:", 4) == 0)
        skip = 4, org = true;
    else
        return;
    if (len - skip >= sizeof id)
        return;
    memcpy(id, body + skip, len - skip);
    id[len - skip] = '\0';
    auth_mecache_drop(c, org ? id : NULL, org ? NULL : id);
}
