/* common.c - small helpers shared by the auth handlers: messages, errors, revocation, cookies. */
#include "auth.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"
#include "mail.h"
#include "spool.h"
#include "shared/text.h"
#include "throttle.h"
#include "token.h"

status_t auth_signed_in(bus_req_t *req, const char *org, const char *user)
{
    return org && user ? ST_OK : svc_fail(req, ST_UNAUTHORIZED, SVC_UNAUTHORIZED_TEXT);
}

void auth_revoke(auth_svc_t *svc, const char *kind, const char *value)
{
    buf_t body = BUF_INIT;

    buf_printf(&body, "%s:%s", kind, value);
    /* This replica forgets at once; the others (and the edges) when the message arrives. */
    if (svc->me ? buscache_drop(svc->me, body.data)
                : bus_publish(svc->bus, SUBJ_AUTH_REVOKED, body.data, body.len))
        LOG_ERROR("revoke: could not publish on %s (%s)", SUBJ_AUTH_REVOKED, kind);
    buf_cleanup(&body);
}

void auth_reply_session(bus_req_t *req, const char *token, int64_t max_age_s)
{
    char age[24];

    snprintf(age, sizeof age, "%" PRId64, max_age_s);
    bus_req_reply_header(req, HDR_SESSION_TOKEN, token);
    bus_req_reply_header(req, HDR_SESSION_MAX_AGE, age);
}

static const char *uuid_header(const bus_req_t *req, const char *name)
{
    const char *v = bus_req_header(req, name);
    return uuid_valid(v) ? v : NULL;
}

const char *auth_req_session(const bus_req_t *req)
{
    return uuid_header(req, HDR_SESSION_ID);
}

const char *auth_req_user(const bus_req_t *req)
{
    return uuid_header(req, BUS_HDR_USER);
}

const char *auth_req_org(const bus_req_t *req)
{
    return uuid_header(req, BUS_HDR_ORG);
}

void auth_session_draft_init(auth_session_draft_t *d, const auth_svc_t *svc, const bus_req_t *req)
{
    memset(d, 0, sizeof *d);
    d->token = auth_token_new();
    auth_token_hash(d->token, d->hash);
    d->user_agent = text_clip(bus_req_header(req, HDR_USER_AGENT), AUTH_UA_MAX);
    d->ip = text_clip(bus_req_header(req, HDR_CLIENT_IP), AUTH_IP_MAX);
    d->row.token_hash = d->hash;
    d->row.user_agent = d->user_agent;
    d->row.ip = d->ip;
    d->row.lifetime_s = svc->max_s;
}

void auth_session_draft_cleanup(auth_session_draft_t *d)
{
    if (!d)
        return;
    if (d->token)
        crypto_wipe(d->token, strlen(d->token));
    free(d->token);
    free(d->user_agent);
    free(d->ip);
    memset(d, 0, sizeof *d);
}

status_t auth_send_mail(auth_svc_t *svc, const char *kind, const char *to, const char *subject,
                        const char *body, char **file)
{
    buf_t msg = BUF_INIT;
    char id[37], message_id[64];
    status_t st;

    uuid_new(id);
    snprintf(message_id, sizeof message_id, "%s@auth", id);
    auth_mail_t mail = {.from = svc->mail_from,
                        .to = to,
                        .subject = subject,
                        .body = body,
                        .date_ms = time_now_ms(),
                        .message_id = message_id};
    auth_mail_format(&mail, &msg);
    st = auth_spool_write(svc->spool_dir, kind, msg.data, msg.len, file);
    /* The message holds a secret link: wipe it before the memory is reused. */
    crypto_wipe(msg.data, msg.len);
    buf_cleanup(&msg);
    return st;
}

status_t auth_throttle_check(auth_svc_t *svc, bus_req_t *req, const char *email)
{
    int64_t email_nth, ip_nth, now, wait;
    char secs[24];
    log_ctx_t ctx;
    status_t st;

    st = auth_store_throttle(svc->db, email, bus_req_header(req, HDR_CLIENT_IP), &email_nth,
                             &ip_nth, &now);
    if (st)
        return st;
    wait = auth_throttle_retry_after(email_nth, ip_nth, now, AUTH_THROTTLE_WINDOW_S);
    if (wait == 0)
        return ST_OK;
    snprintf(secs, sizeof secs, "%" PRId64, wait);
    bus_req_reply_header(req, HDR_RETRY_AFTER, secs);
    svc_log_ctx(req, &ctx);
    LOG_CTX_WARN(&ctx, "password attempts throttled for %" PRId64 " s", wait);
    return svc_fail(req, ST_RATE_LIMITED,
                    "too many failed password attempts; try again in %" PRId64 " seconds", wait);
}

void auth_throttle_failed(auth_svc_t *svc, bus_req_t *req, const char *email)
{
    log_ctx_t ctx;

    if (auth_store_record_failure(svc->db, email, bus_req_header(req, HDR_CLIENT_IP))) {
        svc_log_ctx(req, &ctx);
        LOG_CTX_ERROR(&ctx, "could not record a failed password attempt");
    }
}
