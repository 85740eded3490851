/* dbmsg.c - rows to messages by column name, and messages to statement parameters by field name
 * (see dbmsg.h). Value conversion is pbjson's both ways (pbjson_set_str, pbjson_encode), so a
 * column accepts exactly what a URL parameter for that field would. */
#include "shared/dbmsg.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/db.h"
#include "shared/log.h"
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

/* PostgreSQL type oids of the array types a repeated scalar field takes element by element. */
static bool is_array_type(Oid t)
{
    static const Oid arrays[] = {
        1000 /* bool[] */,    1005 /* int2[] */,   1007 /* int4[] */,    1016 /* int8[] */,
        1021 /* float4[] */,  1022 /* float8[] */, 1231 /* numeric[] */, 1009 /* text[] */,
        1015 /* varchar[] */, 1014 /* bpchar[] */, 2951 /* uuid[] */,    1185 /* timestamptz[] */,
    };
    for (size_t i = 0; i < ARRAY_LEN(arrays); i++)
        if (arrays[i] == t)
            return true;
    return false;
}

static bool is_json_type(Oid t)
{
    return t == 114 /* json */ || t == 3802 /* jsonb */;
}

/* PostgreSQL's t / f as the JSON words pbjson takes for a boolean field. */
static const char *bool_word(const ProtobufCFieldDescriptor *f, const char *v)
{
    if (f->type == PROTOBUF_C_TYPE_BOOL && v[0] && v[1] == '\0')
        return v[0] == 't' ? "true" : v[0] == 'f' ? "false" : v;
    return v;
}

/* Appends each element of a one-dimensional array literal ({a,"b c",NULL}) to the repeated
 * field f (`leaf`) of target; NULL elements are skipped. */
static status_t put_array(ProtobufCMessage *target, const ProtobufCFieldDescriptor *f,
                          const char *leaf, const char *v, pbjson_err_t *err)
{
    buf_t elem = BUF_INIT;
    status_t st = ST_OK;

    if (*v++ != '{')
        goto bad;
    while (*v && *v != '}') {
        bool quoted = *v == '"';
        buf_reset(&elem);
        if (quoted) {
            for (v++; *v && *v != '"'; v++) {
                if (*v == '\\' && v[1])
                    v++;
                buf_putc(&elem, *v);
            }
            if (*v++ != '"')
                goto bad;
        } else {
            while (*v && *v != ',' && *v != '}') {
                if (*v == '{' || *v == '"')
                    goto bad; /* more than one dimension */
                buf_putc(&elem, *v++);
            }
        }
        if (quoted || strcasecmp(elem.data ? elem.data : "", "NULL") != 0) {
            if ((st = pbjson_set_str(target, leaf, bool_word(f, elem.data ? elem.data : ""), err)))
                goto done;
        }
        if (*v == ',')
            v++;
    }
    if (*v != '}' || v[1] != '\0')
        goto bad;
    goto done;
bad:
    snprintf(err->msg, sizeof err->msg, "not a one-dimensional array literal");
    st = ST_INVALID;
done:
    buf_cleanup(&elem);
    return st;
}

/* Decodes a JSON document into the (singular) message field `leaf` of target. */
static status_t put_json(ProtobufCMessage *target, const ProtobufCFieldDescriptor *f, const char *v,
                         pbjson_err_t *err)
{
    ProtobufCMessage **sub = (ProtobufCMessage **)((char *)target + f->offset);
    if (!*sub)
        *sub = pbjson_new(f->descriptor);
    return pbjson_decode(*sub, v, strlen(v), err);
}

status_t db_row_to_msg(const PGresult *res, int row, ProtobufCMessage *m)
{
    pbjson_err_t err;
    for (int c = 0; c < PQnfields(res); c++) {
        if (PQgetisnull(res, row, c))
            continue;
        const char *name = PQfname(res, c), *leaf = NULL;
        if (name[0] == '_')
            continue; /* not a field: e.g. a total riding along with the rows */
        const char *value = PQgetvalue(res, row, c);
        ProtobufCMessage *target = holder(m, name, &leaf);
        if (!target) {
            LOG_ERROR("dbmsg: column %s names no message field of %s", name, m->descriptor->name);
            return ST_INTERNAL;
        }
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(target->descriptor, leaf);
        Oid type = PQftype(res, c);
        status_t st;
        if (f && f->label == PROTOBUF_C_LABEL_REPEATED && f->type != PROTOBUF_C_TYPE_MESSAGE &&
            is_array_type(type))
            st = put_array(target, f, leaf, value, &err);
        else if (f && f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                 is_json_type(type))
            st = put_json(target, f, value, &err);
        else
            st = pbjson_set_str(target, leaf, f ? bool_word(f, value) : value, &err);
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

/* ---- messages into statement parameters ------------------------------------------------------ */

/* One JSON scalar as parameter text (heap); NULL for JSON null. */
static char *scalar_text(const json_t *v)
{
    char num[64];

    if (json_is_string(v))
        return xstrdup(json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return xstrdup(num);
    }
    if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        return xstrdup(num);
    }
    if (json_is_boolean(v))
        return xstrdup(json_is_true(v) ? "t" : "f");
    return NULL;
}

/* A JSON array as a PostgreSQL array literal: every element quoted, " and \ escaped. */
static char *array_text(const json_t *arr)
{
    buf_t b = BUF_INIT;
    size_t i;
    json_t *e;

    buf_putc(&b, '{');
    json_array_foreach(arr, i, e)
    {
        char *t = json_is_object(e) ? json_dumps(e, JSON_COMPACT) : scalar_text(e);
        if (i)
            buf_putc(&b, ',');
        buf_putc(&b, '"');
        for (const char *c = t ? t : ""; *c; c++) {
            if (*c == '"' || *c == '\\')
                buf_putc(&b, '\\');
            buf_putc(&b, *c);
        }
        buf_putc(&b, '"');
        free(t);
    }
    buf_putc(&b, '}');
    return buf_steal(&b);
}

status_t db_msg_params(const ProtobufCMessage *m, const char *const *fields, db_params_t *out)
{
    buf_t json = BUF_INIT;
    json_t *root = NULL;
    status_t st = ST_OK;

    memset(out, 0, sizeof *out);
    pbjson_encode(m, &json);
    if (!(root = json_loadb(json.data, json.len, 0, NULL))) {
        LOG_ERROR("dbmsg: %s does not encode as JSON", m->descriptor->name);
        st = ST_INTERNAL;
        goto done;
    }
    for (; *fields; fields++) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(m->descriptor, *fields);
        if (!f || out->n == DB_PARAMS_MAX) {
            LOG_ERROR("dbmsg: %s has no field %s (or too many)", m->descriptor->name, *fields);
            st = ST_INTERNAL;
            goto done;
        }
        json_t *v = json_object_get(root, f->name);
        char *t = !v || json_is_null(v) ? NULL
                  : json_is_array(v)    ? (json_array_size(v) ? array_text(v) : NULL)
                  : json_is_object(v)   ? json_dumps(v, JSON_COMPACT)
                                        : scalar_text(v);
        out->owned[out->n] = t;
        out->v[out->n++] = t;
    }
done:
    json_decref(root);
    buf_cleanup(&json);
    return st;
}

void db_params_cleanup(db_params_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->owned[i]);
    memset(p, 0, sizeof *p);
}
