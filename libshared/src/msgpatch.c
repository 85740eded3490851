/* msgpatch.c - PATCH merges and clears driven by protobuf-c descriptors (msgpatch.h). Knows the
 * layout protobuf-c generates: optional scalars have a protobuf_c_boolean at quantifier_offset,
 * repeated fields a size_t count there and an array pointer at offset. */
#include "shared/msgpatch.h"

#include <stdlib.h>
#include <string.h>

#define AT(m, off) ((char *)(m) + (off))

static bool is_pointer(const ProtobufCFieldDescriptor *f)
{
    return f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE;
}

static bool sent(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return false; /* not used by the services' protos */
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)AT(m, f->quantifier_offset) > 0;
    if (is_pointer(f))
        return *(void *const *)AT(m, f->offset) != NULL;
    if (f->type == PROTOBUF_C_TYPE_BYTES || f->label == PROTOBUF_C_LABEL_REQUIRED ||
        !f->quantifier_offset)
        return false; /* not used by the services' protos */
    return *(const protobuf_c_boolean *)AT(m, f->quantifier_offset) != 0;
}

/* Frees what field f of m holds and leaves it unset. */
static void empty(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    void **p = (void **)AT(m, f->offset);

    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t *n = (size_t *)AT(m, f->quantifier_offset);
        if (is_pointer(f))
            for (size_t i = 0; i < *n; i++) {
                void *e = ((void **)*p)[i];
                if (f->type == PROTOBUF_C_TYPE_MESSAGE)
                    protobuf_c_message_free_unpacked(e, NULL);
                else
                    free(e);
            }
        free(*p);
        *p = NULL;
        *n = 0;
    } else if (is_pointer(f)) {
        if (*p && *p != f->default_value) {
            if (f->type == PROTOBUF_C_TYPE_MESSAGE)
                protobuf_c_message_free_unpacked(*p, NULL);
            else
                free(*p);
        }
        *p = NULL;
    } else if (f->quantifier_offset && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
               f->type != PROTOBUF_C_TYPE_BYTES) {
        *(protobuf_c_boolean *)AT(m, f->quantifier_offset) = 0;
    }
}

static size_t scalar_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    default:
        return 4; /* int32, enums, floats and the other 32-bit types */
    }
}

static bool listed(const char *name, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (strcmp(*skip, name) == 0)
            return true;
    return false;
}

void msgpatch_merge(ProtobufCMessage *dst, ProtobufCMessage *src, const char *const *skip)
{
    const ProtobufCMessageDescriptor *sd = src->descriptor;

    for (unsigned i = 0; i < sd->n_fields; i++) {
        const ProtobufCFieldDescriptor *s = &sd->fields[i];
        const ProtobufCFieldDescriptor *d =
            protobuf_c_message_descriptor_get_field_by_name(dst->descriptor, s->name);
        if (!d || d->type != s->type || d->label != s->label || d->descriptor != s->descriptor ||
            (d->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || listed(s->name, skip) || !sent(src, s))
            continue;
        empty(dst, d);
        if (s->label == PROTOBUF_C_LABEL_REPEATED) {
            *(void **)AT(dst, d->offset) = *(void **)AT(src, s->offset);
            *(size_t *)AT(dst, d->quantifier_offset) = *(size_t *)AT(src, s->quantifier_offset);
            *(void **)AT(src, s->offset) = NULL;
            *(size_t *)AT(src, s->quantifier_offset) = 0;
        } else if (is_pointer(s)) {
            *(void **)AT(dst, d->offset) = *(void **)AT(src, s->offset);
            *(void **)AT(src, s->offset) = NULL;
        } else {
            memcpy(AT(dst, d->offset), AT(src, s->offset), scalar_size(s->type));
            *(protobuf_c_boolean *)AT(dst, d->quantifier_offset) = 1;
        }
    }
}

bool msgpatch_clear(ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);

    if (!f || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return false;
    empty(m, f);
    return true;
}

bool msgpatch_sent(const ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    return f && sent(m, f);
}
