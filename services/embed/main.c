/* main.c - the embed service: its settings and its spec for the service kit (shared/svc.h).
 * No logic lives here: handlers.c answers, provider.c and hashembed.c embed, store.c caches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "hashembed.h"
#include "shared/config.h"
#include "shared/log.h"
#include "shared/util.h"

static const bus_method_t methods[] = {
    {"embed", embed_handle_embed},
    {"info", embed_handle_info},
};

static embed_app_t app;

/* EMBED_* settings: offline unless EMBED_BASE_URL is set. */
static status_t embed_start(svc_t *svc)
{
    const char *base = config_str("EMBED_BASE_URL", NULL);
    int64_t dims, batch, timeout, attempts;
    status_t st;

    app.db = svc->db;
    embed_metrics_init();
    if ((st = config_int("EMBED_CACHE_MAX_ROWS", 1000000, 0, INT64_MAX / 2, &app.cache_max_rows)) ||
        (st = config_int("EMBED_CACHE_JANITOR_MS", 60000, 10, 86400000, &app.janitor_ms)) ||
        (st = config_int("EMBED_DIMS", 0, 0, 16384, &dims)) ||
        (st = config_int("EMBED_BATCH", 64, 1, 2048, &batch)) ||
        (st = config_int("EMBED_TIMEOUT_MS", 30000, 100, 600000, &timeout)) ||
        (st = config_int("EMBED_MAX_ATTEMPTS", 4, 1, 10, &attempts)) ||
        (st = config_int("EMBED_MAX_TEXT_BYTES", EMBED_MAX_TEXT_BYTES, 256, EMBED_MAX_TEXT_BYTES,
                         &app.max_text_bytes))) {
        LOG_ERROR("embed: a malformed EMBED_* number");
        return st;
    }
    if (!base || !*base) {
        app.offline = true;
        app.model = xstrdup(HASHEMBED_MODEL);
        atomic_store(&app.dims, HASHEMBED_DIMS);
        LOG_INFO("embed: offline model %s, %d dimensions", HASHEMBED_MODEL, HASHEMBED_DIMS);
        return ST_OK;
    }
    const char *model = config_str("EMBED_MODEL", "text-embedding-3-small");
    app.query_prefix = xstrdup(config_str("EMBED_QUERY_PREFIX", ""));
    app.passage_prefix = xstrdup(config_str("EMBED_PASSAGE_PREFIX", ""));
    buf_t name = BUF_INIT;
    buf_puts(&name, model);
    if (dims > 0) /* another length is another model as far as stored vectors go */
        buf_printf(&name, ":%lld", (long long)dims);
    app.model = buf_steal(&name);
    atomic_store(&app.dims, (int)dims);
    provider_opts_t o = {.base_url = base,
                         .api_key = config_str("EMBED_API_KEY", NULL),
                         .model = model,
                         .dims = (int)dims,
                         .batch = (int)batch,
                         .timeout_ms = (int)timeout,
                         .max_attempts = (int)attempts};
    app.provider = provider_new(&o);
    LOG_INFO("embed: provider model %s, batches of %lld", app.model, (long long)batch);
    return app.cache_max_rows > 0 ? embed_janitor_start(&app) : ST_OK;
}

/* Before the bus closes: the janitor (it uses the pool). What handlers use is freed in main,
 * after the bus drained them. */
static void embed_stop(svc_t *svc)
{
    (void)svc;
    embed_janitor_stop(&app);
}

static const svc_spec_t spec = {
    .name = "embed",
    .desc = &embed__embed__descriptor,
    .methods = methods,
    .n_methods = ARRAY_LEN(methods),
    .migrations = embed_migrations,
    .n_migrations = &embed_migrations_count,
    .app = &app,
    .start = embed_start,
    .stop = embed_stop,
};

int main(void)
{
    int rc = svc_main(&spec, NULL);
    provider_free(app.provider); /* after the bus drained the handlers that use it */
    free(app.model);
    free(app.query_prefix);
    free(app.passage_prefix);
    return rc;
}
