/* ws.c - WebSocket clients on /ws: authentication with the session cookie or an API key (the
 * same verify path as HTTP), the registry of live sockets, fan-out of notify.user.<id>.* and
 * notify.org.<org>.* messages to every socket of that user or organisation, and a bounded
 * outbound queue per socket so a slow client cannot grow the edge without limit.
 *
 * Frames sent: {"type":"hello","user_id":...,"org_id":...,"role":...} once authenticated, then
 * {"type":"notification","subject":"notify.user.<id>.<kind>","kind":"<kind>","data":<payload>}
 * where payload is the published bytes when they are a JSON object or array, else a string.
 * The registry is a list: delivery scans the sockets of this edge replica, which is cheap at the
 * thousands of sockets one replica holds; an index by user/org is the next step past that. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "edge.h"
#include "shared/log.h"

#define WS_MAX_QUEUED_BYTES (4 * 1024 * 1024)

struct ws_frame {
    size_t len;
    struct ws_frame *next;
    unsigned char data[]; /* LWS_PRE headroom, then the payload */
};

/* Closing is asynchronous: the close frame goes out from the socket's own WRITEABLE callback,
 * the only place lws lets us end a connection with a reason. */
static void ws_close(struct lws *wsi, int code, const char *reason)
{
    pss_t *pss = lws_wsi_user(wsi);
    pss->ws_close_code = code;
    snprintf(pss->ws_close_reason, sizeof pss->ws_close_reason, "%s", reason);
    lws_callback_on_writable(wsi);
}

void ws_established(struct lws *wsi, pss_t *pss)
{
    pss->is_ws = true;
    snprintf(pss->request_id, sizeof pss->request_id, "ws-%llu",
             (unsigned long long)++edge.next_seq);
    edge_client_ip(wsi, pss, pss->client_ip, sizeof pss->client_ip);
    edge_metrics_ws(pss, true);
    if (!edge_credential(pss)) {
        ws_close(wsi, 4401, "unauthorized");
        return;
    }
    if (authcache_get(pss->token_hash, pss->cookie_auth, &pss->ident)) {
        ws_verified(wsi, pss, NULL);
        return;
    }
    if (edge_verify_start(wsi, pss) != ST_OK)
        ws_close(wsi, 1011, "unavailable");
}

/* item NULL: the identity came from the cache. */
void ws_verified(struct lws *wsi, pss_t *pss, cq_item_t *item)
{
    if (item) {
        status_t st = edge_verify_finish(pss, item);
        if (st) {
            ws_close(wsi, st == ST_UNAUTHORIZED ? 4401 : 1011,
                     st == ST_UNAUTHORIZED ? "unauthorized" : "unavailable");
            return;
        }
    }
    pss->ws_authed = true;
    pss->ws_next = edge.ws_clients;
    pss->ws_prev = NULL;
    if (edge.ws_clients)
        edge.ws_clients->ws_prev = pss;
    edge.ws_clients = pss;
    char hello[256];
    int n = snprintf(hello, sizeof hello,
                     "{\"type\":\"hello\",\"user_id\":\"%s\",\"org_id\":\"%s\",\"role\":\"%s\"}",
                     pss->ident.user_id, pss->ident.org_id, pss->ident.role);
    ws_send_json(wsi, pss, hello, (size_t)n);
}

void ws_closed(pss_t *pss)
{
    edge_metrics_ws(pss, false);
    inflight_forget(pss);
    if (pss->ws_authed) {
        if (pss->ws_prev)
            pss->ws_prev->ws_next = pss->ws_next;
        else
            edge.ws_clients = pss->ws_next;
        if (pss->ws_next)
            pss->ws_next->ws_prev = pss->ws_prev;
        pss->ws_authed = false;
    }
    while (pss->ws_head) {
        ws_frame_t *f = pss->ws_head;
        pss->ws_head = f->next;
        free(f);
    }
    pss->ws_tail = NULL;
    pss->ws_queued = 0;
}

void ws_send_json(struct lws *wsi, pss_t *pss, const char *json, size_t len)
{
    if (pss->ws_queued + len > WS_MAX_QUEUED_BYTES) {
        LOG_WARN("ws: client of user %s is too slow, closing", pss->ident.user_id);
        ws_close(wsi, 1008, "too slow");
        return;
    }
    ws_frame_t *f = xmalloc(sizeof *f + LWS_PRE + len);
    f->len = len;
    f->next = NULL;
    memcpy(f->data + LWS_PRE, json, len);
    if (pss->ws_tail)
        pss->ws_tail->next = f;
    else
        pss->ws_head = f;
    pss->ws_tail = f;
    pss->ws_queued += len;
    lws_callback_on_writable(wsi);
}

int ws_writeable(struct lws *wsi, pss_t *pss)
{
    if (pss->ws_close_code) {
        lws_close_reason(wsi, (enum lws_close_status)pss->ws_close_code,
                         (unsigned char *)pss->ws_close_reason, strlen(pss->ws_close_reason));
        return -1;
    }
    ws_frame_t *f = pss->ws_head;
    if (!f)
        return 0;
    if (lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len)
        return -1;
    pss->ws_head = f->next;
    if (!pss->ws_head)
        pss->ws_tail = NULL;
    pss->ws_queued -= f->len;
    free(f);
    if (pss->ws_head)
        lws_callback_on_writable(wsi);
    return 0;
}

static void json_str(buf_t *b, const char *s, size_t len)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_putc(b, (char)c);
    }
    buf_putc(b, '"');
}

/* notify.<user|org>.<id>.<kind...>: fills scope, id and kind; false when malformed. */
static bool parse_subject(const char *subject, bool *is_user, char *id, size_t idlen,
                          const char **kind)
{
    const char *p;
    if (str_has_prefix(subject, SUBJ_NOTIFY_USER_PREFIX))
        *is_user = true, p = subject + 12;
    else if (str_has_prefix(subject, SUBJ_NOTIFY_ORG_PREFIX))
        *is_user = false, p = subject + 11;
    else
        return false;
    const char *dot = strchr(p, '.');
    if (!dot || (size_t)(dot - p) >= idlen || !dot[1])
        return false;
    memcpy(id, p, (size_t)(dot - p));
    id[dot - p] = '\0';
    *kind = dot + 1;
    return true;
}

void ws_deliver(natsMsg *msg)
{
    const char *subject = natsMsg_GetSubject(msg), *kind;
    const char *data = natsMsg_GetData(msg);
    size_t len = (size_t)natsMsg_GetDataLength(msg);
    char id[EDGE_ID_LEN];
    bool is_user;
    buf_t frame = BUF_INIT;

    if (!parse_subject(subject, &is_user, id, sizeof id, &kind))
        return;
    buf_puts(&frame, "{\"type\":\"notification\",\"subject\":");
    json_str(&frame, subject, strlen(subject));
    buf_puts(&frame, ",\"kind\":");
    json_str(&frame, kind, strlen(kind));
    buf_puts(&frame, ",\"data\":");
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r'))
        i++;
    if (len && i < len && (data[i] == '{' || data[i] == '['))
        buf_append(&frame, data, len); /* publishers on notify.* send JSON documents */
    else
        json_str(&frame, data ? data : "", len);
    buf_putc(&frame, '}');

    for (pss_t *c = edge.ws_clients; c; c = c->ws_next) {
        if (c->ws_close_code)
            continue;
        const char *mine = is_user ? c->ident.user_id : c->ident.org_id;
        if (strcmp(mine, id) == 0)
            ws_send_json(c->wsi, c, frame.data, frame.len);
    }
    buf_cleanup(&frame);
}

void ws_revoke(const char *what)
{
    const char *user = str_has_prefix(what, "user:") ? what + 5 : NULL;
    const char *hash = str_has_prefix(what, "token:") ? what + 6 : NULL;
    for (pss_t *c = edge.ws_clients; c; c = c->ws_next)
        if ((user && strcmp(c->ident.user_id, user) == 0) ||
            (hash && strcmp(c->token_hash, hash) == 0))
            ws_close(c->wsi, 4401, "session ended");
}

void ws_receive(struct lws *wsi, pss_t *pss, const void *in, size_t len)
{
    /* Client messages: {"type":"ping"} is answered; chat over the socket comes with the chat
     * service. Anything else gets an error frame rather than silence. */
    json_t *msg = json_loadb(in, len, 0, NULL);
    const char *type = json_string_value(json_object_get(msg, "type"));
    bool ping = type && strcmp(type, "ping") == 0;
    json_decref(msg);
    if (ping) {
        static const char pong[] = "{\"type\":\"pong\"}";
        ws_send_json(wsi, pss, pong, sizeof pong - 1);
        return;
    }
    static const char err[] = "{\"type\":\"error\",\"error\":{\"code\":\"invalid_argument\","
                              "\"message\":\"unsupported message type\"}}";
    ws_send_json(wsi, pss, err, sizeof err - 1);
}
