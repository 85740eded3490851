/* store.c - every SQL statement of the embed service: the cache of provider vectors
 * (embed.cache, migrations/001_cache.sql). Keys and vectors travel as hex text (decode(...,
 * 'hex')); vectors are float32 in host order (little-endian wherever the platform builds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "shared/crypto.h"
#include "shared/util.h"

/* clang-format off */
#define KEYS_IN "ANY(ARRAY(SELECT decode(k, 'hex') FROM unnest(string_to_array($4, ',')) AS k))"
static const db_stmt_t GET = {"embed_cache_get",
    "SELECT encode(sha256, 'hex'), vector, used_at < now() - interval '1 minute' "
    "FROM embed.cache WHERE org_id = $1 AND model = $2 AND dims = $3::int AND sha256 = " KEYS_IN, 4};
static const db_stmt_t TOUCH = {"embed_cache_touch",
    "UPDATE embed.cache SET used_at = now() "
    "WHERE org_id = $1 AND model = $2 AND dims = $3::int AND sha256 = " KEYS_IN, 4};
static const db_stmt_t PUT = {"embed_cache_put",
    "INSERT INTO embed.cache (org_id, model, sha256, dims, vector) "
    "SELECT $1, $2, decode(k, 'hex'), $3::int, decode(v, 'hex') "
    "FROM unnest(string_to_array($4, ','), string_to_array($5, ',')) AS t(k, v) "
    "ON CONFLICT DO NOTHING", 5};
/* One janitor at a time across replicas (the lock is per transaction). */
static const db_stmt_t EVICT = {"embed_cache_evict",
    "WITH lock AS (SELECT pg_try_advisory_xact_lock(hashtext('embed.cache.evict')) AS got) "
    "DELETE FROM embed.cache WHERE (SELECT got FROM lock) AND ctid = ANY(ARRAY("
    "SELECT ctid FROM embed.cache ORDER BY used_at "
    "LIMIT greatest((SELECT count(*) FROM embed.cache) - $1::bigint, 0)))", 1};
/* clang-format on */

/* "hex,hex,..." of the keys i with !skip[i] (skip may be NULL). */
static void keys_hex(const uint8_t (*keys)[32], size_t n, const bool *skip, buf_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (skip && skip[i])
            continue;
        if (out->len)
            buf_putc(out, ',');
        crypto_hex_encode(keys[i], 32, out);
    }
}

status_t embed_store_get(db_pool_t *pool, const char *org, const char *model, int dims,
                         const uint8_t (*keys)[32], size_t n, float *out, bool *hit)
{
    buf_t hex = BUF_INIT, raw = BUF_INIT;
    char dbuf[16];
    PGresult *res = NULL;
    db_t *db = NULL;
    bool stale = false;
    status_t st;

    memset(hit, 0, n * sizeof *hit);
    snprintf(dbuf, sizeof dbuf, "%d", dims);
    keys_hex(keys, n, NULL, &hex);
    const char *p[] = {org, model, dbuf, hex.data ? hex.data : ""};
    if ((st = db_acquire(pool, &db)) || (st = db_exec(db, &GET, p, &res)))
        goto done;
    for (int r = 0; r < db_nrows(res); r++) {
        const char *k = db_get(res, r, 0), *v = db_get(res, r, 1);
        buf_reset(&raw);
        /* bytea arrives as "\x<hex>" */
        if (!k || strlen(k) != 64 || !v || strncmp(v, "\\x", 2) != 0 ||
            crypto_hex_decode(v + 2, strlen(v + 2), &raw) ||
            raw.len != (size_t)dims * sizeof(float))
            continue;
        for (size_t i = 0; i < n; i++)
            if (!hit[i] && strncmp(hex.data + i * 65, k, 64) == 0) {
                memcpy(out + i * (size_t)dims, raw.data, raw.len);
                hit[i] = true; /* the same text twice in one request: both are hits */
            }
        stale = stale || db_get_bool(res, r, 2);
    }
    if (stale) { /* at most once a minute per row: reads stay reads */
        PQclear(res);
        res = NULL;
        st = db_exec(db, &TOUCH, p, &res);
    }
done:
    PQclear(res);
    db_release(db);
    buf_cleanup(&hex);
    buf_cleanup(&raw);
    return st;
}

status_t embed_store_put(db_pool_t *pool, const char *org, const char *model, int dims,
                         const uint8_t (*keys)[32], size_t n, const float *vecs, const bool *hit)
{
    buf_t kh = BUF_INIT, vh = BUF_INIT;
    char dbuf[16];
    db_t *db = NULL;
    status_t st = ST_OK;

    keys_hex(keys, n, hit, &kh);
    for (size_t i = 0; i < n; i++) {
        if (hit && hit[i])
            continue;
        if (vh.len)
            buf_putc(&vh, ',');
        crypto_hex_encode(vecs + i * (size_t)dims, (size_t)dims * sizeof(float), &vh);
    }
    if (!kh.len)
        goto done;
    snprintf(dbuf, sizeof dbuf, "%d", dims);
    const char *p[] = {org, model, dbuf, kh.data, vh.data};
    if ((st = db_acquire(pool, &db)) == ST_OK)
        st = db_exec(db, &PUT, p, NULL);
done:
    db_release(db);
    buf_cleanup(&kh);
    buf_cleanup(&vh);
    return st;
}

status_t embed_store_evict(db_pool_t *pool, int64_t max_rows, int64_t *deleted)
{
    char mbuf[24];
    PGresult *res = NULL;
    db_t *db = NULL;
    status_t st;

    snprintf(mbuf, sizeof mbuf, "%lld", (long long)max_rows);
    const char *p[] = {mbuf};
    if ((st = db_acquire(pool, &db)) || (st = db_exec(db, &EVICT, p, &res)))
        goto done;
    if (deleted)
        *deleted = atoll(PQcmdTuples(res));
done:
    PQclear(res);
    db_release(db);
    return st;
}
