/* authcache.c - credentials of requests: reading the Bearer key or sid cookie, verifying it
 * through svc.auth.verify, and caching the identity for a few seconds. The cache is keyed by the
 * SHA-256 of the credential (the raw secret is never stored) and drops entries when auth
 * announces a revocation on `auth.revoked`. Loop thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edge.h"
#include "services/edge/fields.h"
#include "proto/auth.pb-c.h"
#include "shared/crypto.h"
#include "shared/log.h"

#define CACHE_BUCKETS 8192
#define CACHE_MAX     100000

typedef struct entry {
    char hash[65];
    ident_t ident;
    int64_t expires_us;
    struct entry *next;
} entry_t;

static entry_t *cache[CACHE_BUCKETS];
static size_t cache_size;

static unsigned bucket_of(const char *hash)
{
    /* The key is already a uniform hash: its first hex digits make a fine bucket index. */
    return (unsigned)strtoul(
               (char[9]){hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7], 0},
               NULL, 16) %
           CACHE_BUCKETS;
}

bool authcache_get(const char *token_hash, bool cookie, ident_t *out)
{
    int64_t now = time_mono_us();
    for (entry_t **pp = &cache[bucket_of(token_hash)]; *pp; pp = &(*pp)->next) {
        entry_t *e = *pp;
        if (strcmp(e->hash, token_hash) != 0)
            continue;
        if (e->expires_us <= now) {
            *pp = e->next;
            free(e);
            cache_size--;
            return false;
        }
        if (cookie ? !e->ident.session_id[0] : !e->ident.api_key_id[0])
            return false; /* the other kind of credential: auth will refuse it */
        *out = e->ident;
        return true;
    }
    return false;
}

void authcache_put(const char *token_hash, const ident_t *ident)
{
    if (edge.cfg.auth_cache_ttl_s <= 0)
        return;
    if (cache_size >= CACHE_MAX)
        authcache_clear();
    entry_t *e = xmalloc(sizeof *e);
    snprintf(e->hash, sizeof e->hash, "%s", token_hash);
    e->ident = *ident;
    e->expires_us = time_mono_us() + (int64_t)edge.cfg.auth_cache_ttl_s * 1000000;
    unsigned b = bucket_of(token_hash);
    e->next = cache[b];
    cache[b] = e;
    cache_size++;
}

void authcache_revoke(const char *what)
{
    const char *user = str_has_prefix(what, "user:") ? what + 5 : NULL;
    const char *hash = str_has_prefix(what, "token:") ? what + 6 : (user ? NULL : what);
    for (unsigned b = 0; b < CACHE_BUCKETS; b++) {
        if (hash && b != bucket_of(hash))
            continue;
        for (entry_t **pp = &cache[b]; *pp;) {
            entry_t *e = *pp;
            if ((hash && strcmp(e->hash, hash) == 0) ||
                (user && strcmp(e->ident.user_id, user) == 0)) {
                *pp = e->next;
                free(e);
                cache_size--;
            } else {
                pp = &e->next;
            }
        }
    }
}

void authcache_clear(void)
{
    for (unsigned b = 0; b < CACHE_BUCKETS; b++) {
        while (cache[b]) {
            entry_t *e = cache[b];
            cache[b] = e->next;
            free(e);
        }
    }
    cache_size = 0;
}

/* Copies the value of cookie `name` (the first Cookie field that names it) into out. */
static bool cookie_value(const pss_t *pss, const char *name, char *out, size_t outlen)
{
    const char *hdr;
    int it = 0, r = 0;
    while (!r && (hdr = h1_header_next(&pss->req, "cookie", &it)))
        r = fields_cookie(hdr, name, out, outlen);
    return r == 1;
}

bool edge_credential(pss_t *pss)
{
    char token[256];
    const char *hdr = edge_header(pss, "authorization");
    pss->has_token = pss->cookie_auth = false;
    if (hdr && strncasecmp(hdr, "Bearer ", 7) == 0) {
        const char *t = hdr + 7;
        while (*t == ' ')
            t++;
        size_t n = strlen(t);
        if (n == 0 || n >= sizeof token)
            return false;
        memcpy(token, t, n + 1);
    } else if (cookie_value(pss, "sid", token, sizeof token)) {
        pss->cookie_auth = true;
    } else {
        return false;
    }
    if (!token[0])
        return false;
    crypto_sha256_hex(token, strlen(token), pss->token_hash);
    memcpy(pss->token, token, sizeof pss->token);
    crypto_wipe(token, sizeof token);
    pss->has_token = true;
    return true;
}

status_t edge_verify_start(struct lws *wsi, pss_t *pss)
{
    Auth__VerifyRequest in = AUTH__VERIFY_REQUEST__INIT;
    uint8_t buf[512];
    in.token = pss->token;
    in.has_place = true;
    in.place = pss->cookie_auth ? AUTH__CREDENTIAL_PLACE__PLACE_COOKIE
                                : AUTH__CREDENTIAL_PLACE__PLACE_BEARER;
    size_t n = auth__verify_request__get_packed_size(&in);
    if (n > sizeof buf)
        return ST_UNAUTHORIZED;
    auth__verify_request__pack(&in, buf);
    crypto_wipe(pss->token, sizeof pss->token);
    pss->stage = STAGE_VERIFY;
    bus_ctx_t ctx = {.request_id = pss->request_id};
    status_t st = edge_call(wsi, pss, SUBJ_AUTH_VERIFY, buf, n, &ctx);
    crypto_wipe(buf, n);
    return st;
}

status_t edge_verify_finish(pss_t *pss, cq_item_t *item)
{
    if (item->st)
        return item->st;
    Auth__VerifyReply *r =
        auth__verify_reply__unpack(NULL, (size_t)natsMsg_GetDataLength(item->msg),
                                   (const uint8_t *)natsMsg_GetData(item->msg));
    if (!r || !r->user_id || !r->org_id || !r->role) {
        auth__verify_reply__free_unpacked(r, NULL);
        return ST_INTERNAL;
    }
    ident_t *id = &pss->ident;
    memset(id, 0, sizeof *id);
    snprintf(id->user_id, sizeof id->user_id, "%s", r->user_id);
    snprintf(id->org_id, sizeof id->org_id, "%s", r->org_id);
    snprintf(id->role, sizeof id->role, "%s", r->role);
    snprintf(id->session_id, sizeof id->session_id, "%s", r->session_id ? r->session_id : "");
    snprintf(id->api_key_id, sizeof id->api_key_id, "%s", r->api_key_id ? r->api_key_id : "");
    auth__verify_reply__free_unpacked(r, NULL);
    authcache_put(pss->token_hash, id);
    return ST_OK;
}
