/* dbmsg.c - rows to messages by column name (see dbmsg.h). Value conversion is pbjson's
 * (pbjson_set_str), so a column accepts exactly what a URL parameter for that field would. */
#include "shared/dbmsg.h"

#include <string.h>

#include "shared/log.h"
#include "shared/db.h"
#include "shared/pbjson.h"
#include "shared/util.h"

/* The message that holds the last segment of path, creating nested messages on the way;
 * *leaf points at that last segment. NULL when a segment names no message field. */
static ProtobufCMessage *holder(ProtobufCMessage *m, const char *path, const char **leaf)
{
    const char *dot;
    char seg[64];
    while ((dot = strchr(path, '.'))) {
        size_t n = (size_t)(dot - path);
        if (n >= sizeof seg)
            return NULL;
        memcpy(seg, path, n);
        seg[n] = '\0';
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(m->descriptor, seg);
        if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
            return NULL;
        ProtobufCMessage **sub = (ProtobufCMessage **)((char *)m + f->offset);
        if (!*sub)
            *sub = pbjson_new(f->descriptor);
        m = *sub;
        path = dot + 1;
    }
    *leaf = path;
    return m;
}

status_t db_row_to_msg(const PGresult *res, int row, ProtobufCMessage *m)
{
    pbjson_err_t err;
    for (int c = 0; c < PQnfields(res); c++) {
        if (PQgetisnull(res, row, c))
            continue;
        const char *name = PQfname(res, c), *leaf = NULL;
        const char *value = PQgetvalue(res, row, c);
        ProtobufCMessage *target = holder(m, name, &leaf);
        if (!target) {
            LOG_ERROR("dbmsg: column %s names no message field of %s", name, m->descriptor->name);
            return ST_INTERNAL;
        }
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(target->descriptor, leaf);
        if (f && f->type == PROTOBUF_C_TYPE_BOOL && value[1] == '\0')
            value = value[0] == 't' ? "true" : value[0] == 'f' ? "false" : value;
        status_t st = pbjson_set_str(target, leaf, value, &err);
        if (st) {
            LOG_ERROR("dbmsg: column %s does not fit %s: %s", name, m->descriptor->name,
                      st == ST_NOT_FOUND ? "no such field" : err.msg);
            return ST_INTERNAL;
        }
    }
    return ST_OK;
}

ProtobufCMessage *db_row_new_msg(const PGresult *res, int row, const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = pbjson_new(d);
    if (db_row_to_msg(res, row, m)) {
        protobuf_c_message_free_unpacked(m, NULL);
        return NULL;
    }
    return m;
}

status_t db_rows_to_repeated(const PGresult *res, ProtobufCMessage *list, const char *field)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(list->descriptor, field);
    if (!f || f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE) {
        LOG_ERROR("dbmsg: %s has no repeated message field %s", list->descriptor->name, field);
        return ST_INTERNAL;
    }
    size_t *count = (size_t *)((char *)list + f->quantifier_offset);
    ProtobufCMessage ***items = (ProtobufCMessage ***)((char *)list + f->offset);
    int n = db_nrows(res);
    *items = xrealloc(*items, (*count + (size_t)n + 1) * sizeof **items);
    for (int i = 0; i < n; i++) {
        ProtobufCMessage *m = db_row_new_msg(res, i, f->descriptor);
        if (!m)
            return ST_INTERNAL; /* the rows added so far stay counted and owned by list */
        (*items)[(*count)++] = m;
    }
    return ST_OK;
}
