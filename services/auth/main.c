/* main.c - the auth service: its own settings (sessions, mail) and its spec for the service kit
 * (shared/svc.h), which migrates the `auth` schema, relays its outbox of domain events, serves
 * svc.auth.* and shuts down in order. The start hook adds what only auth has: the dummy
 * password hash, the mail spool and the session janitor; the kit's answer cache keeps `me`
 * answers, dropped by auth.revoked. No logic
 * lives here.
 */
#include <stdlib.h>

#include "auth.h"
#include "janitor.h"
#include "shared/config.h"
#include "shared/crypto.h"
#include "shared/util.h"
#include "spool.h"
#include "token.h"

#define JANITOR_INTERVAL_S 300

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

static auth_svc_t app;
static auth_janitor_t *janitor;

/* The hash verified when a sign-in names no account: same algorithm and cost as a real one. */
static char *make_dummy_hash(void)
{
    char *pw = auth_token_new(), *hash = NULL;

    if (crypto_password_hash(pw, &hash) != ST_OK)
        hash = NULL;
    free(pw);
    return hash;
}

static status_t start(svc_t *svc)
{
    app.db = svc->db;
    app.bus = svc->bus;
    app.me = svc->cache;
    if (crypto_init() != ST_OK || !(app.dummy_hash = make_dummy_hash())) {
        LOG_ERROR("auth: cryptography unavailable");
        return ST_INTERNAL;
    }
    if (auth_spool_init(app.spool_dir) ||
        auth_janitor_start(svc->db, app.idle_s, JANITOR_INTERVAL_S, &janitor))
        return ST_UNAVAILABLE;
    LOG_INFO("auth: sessions idle %lld min, at most %lld days; mail spool %s",
             (long long)(app.idle_s / 60), (long long)(app.max_s / 86400), app.spool_dir);
    return ST_OK;
}

static void stop(svc_t *svc)
{
    (void)svc;
    auth_janitor_stop(janitor);
    janitor = NULL;
}

static const svc_spec_t spec = {
    .name = "auth",
    .desc = &auth__auth__descriptor,
    .methods = methods,
    .n_methods = ARRAY_LEN(methods),
    .migrations = auth_migrations,
    .n_migrations = &auth_migrations_count,
    .outbox = true,
    /* `me` answers, dropped by auth.revoked from any replica (handlers_session.c) */
    .cache_env = "AUTH_ME_CACHE_MS",
    .cache_subject = SUBJ_AUTH_REVOKED,
    .cache_max = 100000,
    .app = &app,
    .start = start,
    .stop = stop,
};

int main(void)
{
    int64_t idle_min, max_days;
    buf_t spool = BUF_INIT;
    int rc;

    log_init("auth", config_str("LOG_LEVEL", NULL)); /* before the settings: they may log */
    if (config_int("SESSION_IDLE_MINUTES", 7 * 24 * 60, 5, 366 * 24 * 60, &idle_min) ||
        config_int("SESSION_MAX_DAYS", 30, 1, 366, &max_days))
        return 2;
    app.idle_s = idle_min * 60;
    app.max_s = max_days * 24 * 3600;
    app.public_url = config_str("PUBLIC_URL", "http://127.0.0.1:8080");
    app.mail_from = config_str("MAIL_FROM", "Sales Agents <no-reply@localhost>");
    buf_printf(&spool, "%s/mail-spool", config_str("VAR_DIR", "./var"));
    app.spool_dir = buf_steal(&spool);

    rc = svc_main(&spec, NULL);
    free(app.dummy_hash);
    free(app.spool_dir);
    return rc;
}
