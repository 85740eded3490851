/* pbjson_common.c - the reflection layer under pbjson's decoder, encoder and schema writer:
 * reading and writing fields through protobuf-c descriptors (presence, oneof switching, growing
 * repeated arrays), map and json_name detection, enum naming and error paths. See pbjson_int.h
 * for the storage rules it relies on; text conversions live in pbjson_text.c.
 */
#include "pbjson_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ProtobufCMessage *pbjson_new(const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = xmalloc(d->sizeof_message);
    protobuf_c_message_init(d, m);
    return m;
}

/* ---- field access ------------------------------------------------------------------------- */

size_t pbjson__elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

bool pbjson__present_implicit(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const void *p = (const char *)m + f->offset;

    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)p;
        return s && *s;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(const void *const *)p != NULL;
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len > 0;
    default:
        return !all_zero(p, pbjson__elem_size(f->type));
    }
}

/* True if entry is the protoc map entry name for field: "names_by_id" -> "NamesByIdEntry". */
static bool map_entry_name_eq(const char *entry, const char *field)
{
    bool cap = true;
    for (; *field; field++) {
        char c = *field;
        if (c == '_') {
            cap = true;
            continue;
        }
        if (cap && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        cap = false;
        if (*entry++ != c)
            return false;
    }
    return strcmp(entry, "Entry") == 0;
}

bool pbjson__is_map(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f)
{
    const ProtobufCMessageDescriptor *e = f->descriptor;
    size_t pl;

    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    if (e->n_fields != 2 || e->fields[0].id != 1 || e->fields[1].id != 2 ||
        strcmp(e->fields[0].name, "key") != 0 || strcmp(e->fields[1].name, "value") != 0)
        return false;
    pl = strlen(parent->name);
    if (strncmp(e->name, parent->name, pl) != 0 || e->name[pl] != '.')
        return false;
    return map_entry_name_eq(e->name + pl + 1, f->name);
}

bool pbjson__json_name_eq(const char *proto_name, const char *s)
{
    bool up = false;
    for (; *proto_name; proto_name++) {
        char c = *proto_name;
        if (c == '_') {
            up = true;
            continue;
        }
        if (up && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        up = false;
        if (*s++ != c)
            return false;
    }
    return *s == '\0';
}

const ProtobufCFieldDescriptor *pbjson__find_field(const ProtobufCMessageDescriptor *d,
                                                   const char *name, bool *by_json_name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    bool alias = false;

    if (!f) {
        for (unsigned i = 0; i < d->n_fields; i++) {
            if (pbjson__json_name_eq(d->fields[i].name, name)) {
                f = &d->fields[i];
                alias = true;
                break;
            }
        }
    }
    if (by_json_name)
        *by_json_name = alias;
    return f;
}

/* Frees what the singular field f owns at p, unless it is the descriptor's static default. */
static void release(void *p, const ProtobufCFieldDescriptor *f)
{
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char *s = *(char **)p;
        if (s && s != f->default_value)
            free(s);
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        const ProtobufCBinaryData *def = f->default_value;
        void *data = ((ProtobufCBinaryData *)p)->data;
        if (data && (!def || data != def->data))
            free(data);
    } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        ProtobufCMessage *sub = *(ProtobufCMessage **)p;
        if (sub && (const void *)sub != f->default_value)
            protobuf_c_message_free_unpacked(sub, NULL);
    }
}

void pbjson__clear(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    void *p = (char *)m + f->offset;
    size_t size = pbjson__elem_size(f->type);

    release(p, f);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        memset(p, 0, size);
        PBJSON__MEMBER(uint32_t, m, f->quantifier_offset) = 0;
        return;
    }
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
        *(const void **)p = f->default_value;
    else if (f->default_value)
        memcpy(p, f->default_value, size);
    else
        memset(p, 0, size);
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
        f->type != PROTOBUF_C_TYPE_MESSAGE)
        PBJSON__MEMBER(protobuf_c_boolean, m, f->quantifier_offset) = 0;
}

/* For a oneof member f: clears the currently selected member unless it is f. True if f is
 * already selected (its storage then holds a live value of f's type). */
static bool oneof_select(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    uint32_t cur = PBJSON__MEMBER(uint32_t, m, f->quantifier_offset);
    const ProtobufCFieldDescriptor *old;

    if (cur == f->id)
        return true;
    if (cur != 0) {
        old = protobuf_c_message_descriptor_get_field(m->descriptor, cur);
        if (old)
            pbjson__clear(m, old);
        PBJSON__MEMBER(uint32_t, m, f->quantifier_offset) = 0;
    }
    return false;
}

void pbjson__set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, pbjson__value_t *v)
{
    void *p = (char *)m + f->offset;
    bool oneof = (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;

    if (!oneof || oneof_select(m, f))
        release(p, f);
    memcpy(p, v, pbjson__elem_size(f->type));
    if (oneof)
        PBJSON__MEMBER(uint32_t, m, f->quantifier_offset) = f->id;
    else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING)
        PBJSON__MEMBER(protobuf_c_boolean, m, f->quantifier_offset) = 1;
}

void *pbjson__grow(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t extra)
{
    size_t n = PBJSON__MEMBER(size_t, m, f->quantifier_offset);
    void **arr = &PBJSON__MEMBER(void *, m, f->offset);

    if (extra)
        *arr = xrealloc(*arr, (n + extra) * pbjson__elem_size(f->type));
    return *arr;
}

void pbjson__put_elem(void *arr, ProtobufCType t, size_t i, pbjson__value_t *v)
{
    size_t size = pbjson__elem_size(t);
    memcpy((char *)arr + i * size, v, size);
}

ProtobufCMessage *pbjson__mutable_msg(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    ProtobufCMessage **pp = &PBJSON__MEMBER(ProtobufCMessage *, m, f->offset);
    bool oneof = (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;

    if (oneof ? oneof_select(m, f) && *pp : *pp && (const void *)*pp != f->default_value)
        return *pp;
    *pp = pbjson_new(f->descriptor);
    if (oneof)
        PBJSON__MEMBER(uint32_t, m, f->quantifier_offset) = f->id;
    return *pp;
}

/* ---- enums -------------------------------------------------------------------------------- */

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_lower_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static char to_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static char to_lower(char c)
{
    return is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

/* UPPER_SNAKE of the type name is computed on the fly while comparing: an underscore goes before
 * an upper-case letter that follows a lower-case letter or digit, or that starts a word after an
 * acronym ("HTTPMethod" -> "HTTP_METHOD", "Oauth2Provider" -> "OAUTH2_PROVIDER"). */
size_t pbjson__enum_prefix_len(const ProtobufCEnumDescriptor *e, const char *value_name)
{
    const char *t = e->short_name;
    const char *v = value_name;

    for (size_t i = 0; t[i]; i++) {
        if (i > 0 && is_upper(t[i]) &&
            (is_lower_or_digit(t[i - 1]) ||
             (is_upper(t[i - 1]) && t[i + 1] >= 'a' && t[i + 1] <= 'z')))
            if (*v++ != '_')
                return 0;
        if (*v++ != to_upper(t[i]))
            return 0;
    }
    if (*v != '_' || v[1] == '\0')
        return 0;
    return (size_t)(v + 1 - value_name);
}

void pbjson__enum_put_name(buf_t *out, const ProtobufCEnumDescriptor *e,
                           const ProtobufCEnumValue *v)
{
    const char *s = v->name + pbjson__enum_prefix_len(e, v->name);
    size_t n = strlen(s);

    buf_reserve(out, n);
    for (size_t i = 0; i < n; i++)
        out->data[out->len + i] = to_lower(s[i]);
    out->len += n;
    out->data[out->len] = '\0';
}

bool pbjson__enum_hidden(const ProtobufCEnumDescriptor *e, const ProtobufCEnumValue *v)
{
    return v->value == 0 &&
           strcmp(v->name + pbjson__enum_prefix_len(e, v->name), "UNSPECIFIED") == 0;
}

void pbjson__enum_list(buf_t *out, const ProtobufCEnumDescriptor *e)
{
    bool first = true;
    for (unsigned i = 0; i < e->n_values; i++) {
        if (pbjson__enum_hidden(e, &e->values[i]))
            continue;
        if (!first)
            buf_append(out, ", ", 2);
        first = false;
        pbjson__enum_put_name(out, e, &e->values[i]);
    }
}

/* True if the JSON name of value name (prefix stripped, lower-cased) is exactly s[0..n). */
static bool json_name_is(const ProtobufCEnumDescriptor *e, const char *name, const char *s,
                         size_t n)
{
    const char *bare = name + pbjson__enum_prefix_len(e, name);
    size_t i = 0;
    for (; bare[i] && i < n; i++)
        if (to_lower(bare[i]) != s[i])
            return false;
    return bare[i] == '\0' && i == n;
}

const ProtobufCEnumValue *pbjson__enum_from_text(const ProtobufCEnumDescriptor *e, const char *s,
                                                 size_t n)
{
    for (unsigned i = 0; i < e->n_values; i++)
        if (!pbjson__enum_hidden(e, &e->values[i]) && json_name_is(e, e->values[i].name, s, n))
            return &e->values[i];
    return NULL;
}

/* ---- errors ------------------------------------------------------------------------------- */

static void append(char *out, size_t cap, size_t *len, const char *s)
{
    while (*s && *len + 1 < cap)
        out[(*len)++] = *s++;
    out[*len] = '\0';
}

static void path_put(const pbjson__path_t *p, char *out, size_t cap, size_t *len)
{
    char num[24];

    if (!p)
        return;
    path_put(p->up, out, cap, len);
    if (p->name) {
        if (*len)
            append(out, cap, len, ".");
        append(out, cap, len, p->name);
    } else if (p->key) {
        append(out, cap, len, "[");
        append(out, cap, len, p->key);
        append(out, cap, len, "]");
    } else {
        snprintf(num, sizeof(num), "[%zu]", p->index);
        append(out, cap, len, num);
    }
}

void pbjson__path_str(const pbjson__path_t *path, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    path_put(path, out, cap, &len);
}

status_t pbjson__fail(pbjson_err_t *err, const pbjson__path_t *path, const char *fmt, ...)
{
    char where[160];
    va_list ap;
    int k;

    if (!err)
        return ST_INVALID;
    pbjson__path_str(path, where, sizeof(where));
    k = snprintf(err->msg, sizeof(err->msg), "field \"%s\": ", where);
    if (k >= 0 && (size_t)k < sizeof(err->msg)) {
        va_start(ap, fmt);
        vsnprintf(err->msg + k, sizeof(err->msg) - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return ST_INVALID;
}
