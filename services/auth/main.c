/* main.c - the auth service: reads its configuration, migrates the `auth` schema, serves
 * svc.auth.* on the bus until SIGTERM or SIGINT, then drains and closes. No logic lives here.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "janitor.h"
#include "outbox.h"
#include "shared/config.h"
#include "shared/crypto.h"
#include "shared/healthsrv.h"
#include "shared/util.h"
#include "token.h"

#define JANITOR_INTERVAL_S     300
#define BUS_CONNECT_TIMEOUT_MS 10000

static const bus_method_t methods[] = {
    {"sign_up", auth_handle_sign_up},
    {"login", auth_handle_login},
    {"logout", auth_handle_logout},
    {"me", auth_handle_me},
    {"verify", auth_handle_verify},
    {"list_orgs", auth_handle_list_orgs},
    {"switch_org", auth_handle_switch_org},
    {"password_forgot", auth_handle_password_forgot},
    {"password_reset", auth_handle_password_reset},
    {"password_change", auth_handle_password_change},
    {"list_members", auth_handle_list_members},
    {"update_member", auth_handle_update_member},
    {"remove_member", auth_handle_remove_member},
    {"create_invite", auth_handle_create_invite},
    {"list_invites", auth_handle_list_invites},
    {"revoke_invite", auth_handle_revoke_invite},
    {"accept_invite", auth_handle_accept_invite},
    {"create_api_key", auth_handle_create_api_key},
    {"list_api_keys", auth_handle_list_api_keys},
    {"delete_api_key", auth_handle_delete_api_key},
    {"update_me", auth_handle_update_me},
    {"update_org", auth_handle_update_org},
};

static bool healthy(void *arg)
{
    return db_pool_healthy(((auth_svc_t *)arg)->db);
}

/* The hash verified when a sign-in names no account: same algorithm and cost as a real one. */
static char *make_dummy_hash(void)
{
    char *pw = auth_token_new(), *hash = NULL;

    if (crypto_password_hash(pw, &hash) != ST_OK)
        hash = NULL;
    free(pw);
    return hash;
}

/* auth.revoked from any replica (this one included): cached `me` answers of that user go. */
static void on_revoked(void *arg, const char *subject, const void *data, size_t len)
{
    (void)subject;
    auth_mecache_apply_revocation(arg, data, len);
}

int main(void)
{
    auth_svc_t svc = {0};
    auth_janitor_t *janitor = NULL;
    int64_t pool_size, workers, idle_min, max_days, me_ttl_ms;
    buf_t outbox = BUF_INIT;
    sigset_t sigs;
    int sig = 0, rc = 1;

    log_init("auth", config_str("LOG_LEVEL", NULL));
    if (config_int("DB_POOL_SIZE", 8, 1, 1024, &pool_size) ||
        config_int("BUS_WORKERS", 8, 1, 1024, &workers) ||
        config_int("SESSION_IDLE_MINUTES", 7 * 24 * 60, 5, 366 * 24 * 60, &idle_min) ||
        config_int("SESSION_MAX_DAYS", 30, 1, 366, &max_days) ||
        config_int("AUTH_ME_CACHE_MS", 2000, 0, 60000, &me_ttl_ms))
        return 2;
    svc.me = auth_mecache_new(me_ttl_ms, 100000);
    svc.idle_s = idle_min * 60;
    svc.max_s = max_days * 24 * 3600;
    svc.public_url = config_str("PUBLIC_URL", "http://127.0.0.1:8080");
    svc.mail_from = config_str("MAIL_FROM", "Sales Agents <no-reply@localhost>");
    buf_printf(&outbox, "%s/outbox", config_str("VAR_DIR", "./var"));
    svc.outbox_dir = buf_steal(&outbox);

    /* Signals are taken synchronously by sigwait below; every thread inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (crypto_init() != ST_OK || !(svc.dummy_hash = make_dummy_hash())) {
        LOG_ERROR("auth: cryptography unavailable");
        goto done;
    }
    if (auth_outbox_init(svc.outbox_dir) ||
        db_pool_new(config_str("DATABASE_URL", "postgresql:///platform"), (int)pool_size,
                    &svc.db) ||
        db_migrate(svc.db, "auth", auth_migrations, auth_migrations_count) ||
        bus_connect("auth", config_str("NATS_URL", "nats://127.0.0.1:4222"), BUS_CONNECT_TIMEOUT_MS,
                    &svc.bus))
        goto done;
    bus_set_health_check(svc.bus, healthy);
    if (svc.me && bus_subscribe(svc.bus, AUTH_REVOKED_SUBJECT, on_revoked, svc.me))
        goto done;
    if (bus_serve(svc.bus, &auth__auth__descriptor, methods, ARRAY_LEN(methods), &svc,
                  (int)workers) ||
        auth_janitor_start(svc.db, svc.idle_s, JANITOR_INTERVAL_S, &janitor) ||
        healthsrv_start("auth"))
        goto done;
    LOG_INFO("auth: ready (sessions: idle %lld min, at most %lld days; outbox %s)",
             (long long)idle_min, (long long)max_days, svc.outbox_dir);
    sigwait(&sigs, &sig);
    LOG_INFO("auth: signal %d, shutting down", sig);
    rc = 0;
done:
    auth_janitor_stop(janitor);
    bus_free(svc.bus); /* drains in-flight handlers, which use the pool */
    db_pool_free(svc.db);
    auth_mecache_free(svc.me);
    free(svc.dummy_hash);
    free(svc.outbox_dir);
    return rc;
}
