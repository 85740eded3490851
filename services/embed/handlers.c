/* handlers.c - svc.embed.embed and svc.embed.info.
 *
 * embed checks the request (Org-Id, 1..256 texts, each valid UTF-8 and not blank, purpose),
 * clips texts over EMBED_MAX_TEXT_BYTES (32 KiB) at a character boundary, then embeds with the
 * offline embedder or with the provider behind the cache (hits are not sent; what the provider
 * answers is stored), a provider's texts prefixed by purpose when EMBED_*_PREFIX is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "embed.h"
#include "hashembed.h"
#include "shared/crypto.h"
#include "shared/log.h"
#include "shared/metrics.h"
#include "shared/text.h"
#include "shared/util.h"

/* Texts embedded, by where their vector came from: "offline", "cache" or "provider". */
static metrics_family_t *m_texts;

void embed_metrics_init(void)
{
    m_texts = metrics_counter(NULL, "embed_texts_total",
                              "Texts embedded, by source (offline, cache, provider)", "source");
}

/* Only white space and invisible format characters (ZWSP, BOM): nothing to embed. */
static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0)
            return false;
        utf8proc_category_t c = utf8proc_category(cp);
        if (!(cp <= ' ' || cp == 0x85 || c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL ||
              c == UTF8PROC_CATEGORY_ZP || c == UTF8PROC_CATEGORY_CF))
            return false;
        i += (size_t)k;
    }
    return true;
}

/* The largest length <= max that ends on a character boundary of valid UTF-8 s. */
static size_t clip_len(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    return max;
}

/* The provider path: cache hits first, the rest from the provider, stored for next time. */
static status_t embed_provider(svc_t *svc, bus_req_t *req, const char *org,
                               const char *const *texts, size_t n, float **out, int *dims,
                               int *cached, int *tokens)
{
    embed_app_t *app = svc->app;
    uint8_t(*keys)[32] = xmalloc(n * sizeof *keys);
    bool *hit = xcalloc(n, sizeof *hit);
    const char **miss = xmalloc(n * sizeof *miss);
    float *vecs = NULL, *fresh = NULL;
    int d = atomic_load(&app->dims), nhit = 0;
    size_t nmiss = 0;
    char why[256];
    status_t st = ST_OK;

    for (size_t i = 0; i < n; i++)
        crypto_sha256(texts[i], strlen(texts[i]), keys[i]);
    bool cache = app->cache_max_rows > 0;

    if (cache && d > 0) { /* the length is known: look (a cache failure is only a miss) */
        vecs = xmalloc(n * (size_t)d * sizeof *vecs);
        if (embed_store_get(app->db, org, app->model, d, (const uint8_t(*)[32])keys, n, vecs,
                            hit) != ST_OK)
            memset(hit, 0, n * sizeof *hit);
    }
    for (size_t i = 0; i < n; i++)
        if (hit[i])
            nhit++;
        else
            miss[nmiss++] = texts[i];
    *tokens = 0;
    if (nmiss) {
        if ((st =
                 provider_embed(app->provider, miss, nmiss, &fresh, &d, tokens, why, sizeof why))) {
            st = svc_fail(req, st == ST_TIMEOUT ? ST_TIMEOUT : ST_UNAVAILABLE, "%s", why);
            goto done;
        }
        atomic_store(&app->dims, d);
        if (!vecs)
            vecs = xmalloc(n * (size_t)d * sizeof *vecs);
        for (size_t i = 0, j = 0; i < n; i++)
            if (!hit[i])
                memcpy(vecs + i * (size_t)d, fresh + j++ * (size_t)d, (size_t)d * sizeof *vecs);
        if (cache && embed_store_put(app->db, org, app->model, d, (const uint8_t(*)[32])keys, n,
                                     vecs, hit) != ST_OK)
            LOG_WARN("embed: could not store %zu vectors in the cache", nmiss);
    }
    *out = vecs;
    vecs = NULL;
    *dims = d;
    *cached = nhit;
    metrics_add(METRICS_GET(m_texts, "cache"), nhit);
    metrics_add(METRICS_GET(m_texts, "provider"), (double)nmiss);
done:
    free(vecs);
    free(fresh);
    free(miss);
    free(hit);
    free(keys);
    return st;
}

/* svc.embed.embed: texts -> vectors, in order. */
status_t embed_handle_embed(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    embed_app_t *app = svc->app;
    Embed__EmbedRequest *in = NULL;
    Embed__EmbedReply reply = EMBED__EMBED_REPLY__INIT;
    Embed__Vector *vv = NULL, **vp = NULL;
    const char **texts = NULL;
    char **owned = NULL; /* clipped copies */
    int32_t *clipped = NULL;
    float *vecs = NULL;
    int dims = 0, cached = 0, tokens = 0;
    char org[37];
    size_t n = 0;
    status_t st;

    if (!bus_req_org(req) || !svc_uuid_parse(bus_req_org(req), org)) {
        /* the kit's one text; usage is metered per organisation, so Org-Id is required */
        st = svc_fail(req, ST_UNAUTHORIZED, SVC_UNAUTHORIZED_TEXT);
        goto done;
    }
    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    n = in->n_texts;
    if (n == 0 || n > EMBED_MAX_TEXTS) {
        st = svc_fail(req, ST_INVALID, "texts: %s",
                      n ? "at most 256 texts per request" : "at least one text is required");
        goto done;
    }
    if (in->purpose && *in->purpose && strcmp(in->purpose, "query") != 0 &&
        strcmp(in->purpose, "passage") != 0) {
        st = svc_fail(req, ST_INVALID, "purpose: must be \"query\" or \"passage\"");
        goto done;
    }
    texts = xcalloc(n, sizeof *texts);
    owned = xcalloc(n, sizeof *owned);
    clipped = xcalloc(n, sizeof *clipped);
    for (size_t i = 0; i < n; i++) {
        const char *s = in->texts[i] ? in->texts[i] : "";
        size_t len = strlen(s), cl;
        if (text_utf8_count(s, len) < 0) {
            st = svc_fail(req, ST_INVALID, "texts[%zu]: must be valid UTF-8", i);
            goto done;
        }
        if (blank(s, len)) {
            st = svc_fail(req, ST_INVALID, "texts[%zu]: must not be empty", i);
            goto done;
        }
        if ((cl = clip_len(s, len, (size_t)app->max_text_bytes)) < len) {
            s = owned[i] = xstrndup(s, cl);
            clipped[reply.n_clipped++] = (int32_t)i;
        }
        texts[i] = s;
    }

    if (app->offline) {
        hashembed_t *h = hashembed_new(HASHEMBED_DIMS);
        dims = HASHEMBED_DIMS;
        vecs = xmalloc(n * (size_t)dims * sizeof *vecs);
        for (size_t i = 0; i < n; i++)
            tokens += hashembed_text(h, texts[i], strlen(texts[i]), vecs + i * (size_t)dims);
        hashembed_free(h);
        metrics_add(METRICS_GET(m_texts, "offline"), (double)n);
    } else {
        /* an asymmetric model's prefix ("query: ", "passage: ") goes with the text, and so into
         * the cache key */
        bool query = in->purpose && strcmp(in->purpose, "query") == 0;
        const char *prefix = query ? app->query_prefix : app->passage_prefix;
        if (prefix && *prefix)
            for (size_t i = 0; i < n; i++) {
                char *p = NULL;
                if (asprintf(&p, "%s%s", prefix, texts[i]) < 0)
                    abort();
                free(owned[i]);
                texts[i] = owned[i] = p;
            }
        if ((st = embed_provider(svc, req, org, texts, n, &vecs, &dims, &cached, &tokens)))
            goto done;
    }

    vv = xcalloc(n, sizeof *vv);
    vp = xcalloc(n, sizeof *vp);
    for (size_t i = 0; i < n; i++) {
        embed__vector__init(&vv[i]);
        vv[i].n_values = (size_t)dims;
        vv[i].values = vecs + i * (size_t)dims;
        vp[i] = &vv[i];
    }
    reply.model = app->model;
    reply.has_dims = true;
    reply.dims = dims;
    reply.n_vectors = n;
    reply.vectors = vp;
    reply.clipped = clipped;
    reply.has_cached = true;
    reply.cached = cached;
    reply.has_prompt_tokens = true;
    reply.prompt_tokens = tokens;
    bus_reply(req, ST_OK, &reply.base);
done:
    for (size_t i = 0; owned && i < n; i++)
        free(owned[i]);
    free(owned);
    free(texts);
    free(clipped);
    free(vecs);
    free(vv);
    free(vp);
    svc_msg_free(in);
    return st;
}

/* svc.embed.info: the model vectors are made with now. */
status_t embed_handle_info(void *arg, bus_req_t *req)
{
    svc_t *svc = arg;
    embed_app_t *app = svc->app;
    Embed__InfoReply reply = EMBED__INFO_REPLY__INIT;

    reply.model = app->model;
    reply.has_dims = true;
    reply.dims = atomic_load(&app->dims);
    reply.has_offline = true;
    reply.offline = app->offline;
    bus_reply(req, ST_OK, &reply.base);
    return ST_OK;
}
