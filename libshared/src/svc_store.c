/* svc_store.c - what every store repeats (svc.h): the reason a store refused, the tenant
 * transaction, one row or many rows into a message (through dbmsg), and domain events with
 * their envelope into the outbox. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "shared/dbmsg.h"
#include "shared/names.h"
#include "shared/outbox.h"
#include "shared/svc.h"
#include "shared/util.h"

status_t svc_why(svc_why_t *why, status_t st, const char *fmt, ...)
{
    va_list ap;

    if (why) {
        va_start(ap, fmt);
        vsnprintf(why->text, sizeof why->text, fmt, ap);
        va_end(ap);
    }
    return st;
}

status_t svc_fail_why(bus_req_t *req, status_t st, const svc_why_t *why, const char *nf_text)
{
    if (st == ST_OK)
        return st;
    if (why && why->text[0])
        bus_req_fail(req, "%s", why->text);
    else if (st == ST_NOT_FOUND && nf_text)
        bus_req_fail(req, "%s", nf_text);
    return st;
}

status_t svc_tx_begin(db_pool_t *pool, const char *org, db_t **db)
{
    db_t *conn = NULL;
    status_t st;

    if ((st = db_acquire(pool, &conn)))
        return st;
    if ((st = db_begin_org(conn, org))) {
        db_release(conn);
        return st;
    }
    *db = conn;
    return ST_OK;
}

status_t svc_tx_end(db_t **db, status_t st)
{
    if (!*db)
        return st;
    if (st == ST_OK)
        st = db_commit(*db);
    db_release(*db); /* rolls back what was not committed */
    *db = NULL;
    return st;
}

status_t svc_store_one(db_t *db, const db_stmt_t *stmt, const char *const *params,
                       const ProtobufCMessageDescriptor *d, ProtobufCMessage **out)
{
    PGresult *res = NULL;
    ProtobufCMessage *m = NULL;
    status_t st;

    if ((st = db_exec(db, stmt, params, &res)))
        goto done;
    if (db_nrows(res) == 0) {
        st = ST_NOT_FOUND;
        goto done;
    }
    if (!(m = db_row_new_msg(res, 0, d))) {
        st = ST_INTERNAL;
        goto done;
    }
    *out = m;
done:
    PQclear(res);
    return st;
}

status_t svc_store_many(db_t *db, const db_stmt_t *stmt, const char *const *params,
                        ProtobufCMessage *list, const char *field)
{
    PGresult *res = NULL;
    status_t st;

    if ((st = db_exec(db, stmt, params, &res)) == ST_OK)
        st = db_rows_to_repeated(res, list, field);
    PQclear(res);
    return st;
}

void svc_event_meta(Common__EventMeta *meta, const char *org, const char *actor,
                    const char *request_id, char at[32])
{
    common__event_meta__init(meta);
    time_format_rfc3339(time_now_ms(), at, 32);
    meta->org_id = (char *)org;
    meta->actor_id = (char *)actor;
    meta->occurred_at = at;
    meta->request_id = (char *)(request_id ? request_id : bus_current_request_id());
}

status_t svc_event_add(db_t *db, const char *schema, const char *subject, const char *org,
                       const ProtobufCMessage *evt)
{
    size_t len = protobuf_c_message_get_packed_size(evt);
    uint8_t *payload = xmalloc(len ? len : 1);
    status_t st;

    protobuf_c_message_pack(evt, payload);
    st = outbox_add(db, schema, subject, org, payload, len, NULL);
    free(payload);
    return st;
}

status_t svc_event(db_t *db, const char *schema, const char *entity, const char *verb,
                   const char *org, const char *actor, ProtobufCMessage *evt)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(evt->descriptor, 1);
    char subject[NAMES_SUBJECT_MAX], at[32];
    Common__EventMeta meta;
    Common__EventMeta **slot;
    status_t st;

    if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE ||
        f->descriptor != &common__event_meta__descriptor ||
        !names_event(subject, sizeof subject, schema, entity, verb)) {
        LOG_ERROR("svc: %s is no event (field 1 must be common.EventMeta) or %s.%s no name",
                  evt->descriptor->name, entity ? entity : "?", verb ? verb : "?");
        return ST_INTERNAL;
    }
    slot = (Common__EventMeta **)((char *)evt + f->offset);
    svc_event_meta(&meta, org, actor, NULL, at);
    *slot = &meta;
    st = svc_event_add(db, schema, subject, org, evt);
    *slot = NULL;
    return st;
}
