/* pbjson_int.h - private to pbjson_*.c: reflection access to protobuf-c message storage, enum
 * and field naming, text-to-value conversion, base64, UTF-8 and error paths.
 *
 * Storage notes (protobuf-c 1.4, proto2):
 * - A field lives at f->offset. Optional scalars and bytes have a protobuf_c_boolean has_ flag
 *   at f->quantifier_offset; optional strings and messages have none (NULL = absent, and a string
 *   or bytes still pointing at f->default_value is absent too). Repeated fields keep a size_t
 *   count at f->quantifier_offset and a malloc'd array at f->offset (messages: an array of
 *   pointers). Oneof members (PROTOBUF_C_FIELD_FLAG_ONEOF) share one union and one uint32 case
 *   at f->quantifier_offset holding the selected member's field number; free_unpacked frees only
 *   the selected member, so switching members must free the old one first.
 * - protoc-c marks nothing as a map: a map field is a repeated field of a nested message whose
 *   full name is <parent>.<CamelField>Entry with fields key = 1 and value = 2 (pbjson__is_map).
 * - Decoding keeps every intermediate state freeable: counts grow only once an element is fully
 *   stored, and sub-messages are linked into their parent before they are filled.
 */
#ifndef SHARED_PBJSON_INT_H
#define SHARED_PBJSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/pbjson.h"

#define PBJSON__MEMBER(T, m, off) (*(T *)((char *)(m) + (off)))

/* One value of a non-message field, as stored in a message; string, bytes and msg are owned. */
typedef union {
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f;
    double d;
    protobuf_c_boolean b;
    int e;
    char *s;
    ProtobufCBinaryData bytes;
} pbjson__value_t;

/* Where a value sits, for error messages: a chain from the innermost step to the top, rendered
 * only when an error occurs ("a.b[2].c", "counts[key]"). */
typedef struct pbjson__path {
    const struct pbjson__path *up;
    const char *name; /* field name, or NULL for an element step */
    const char *key;  /* map key of an element step, or NULL for an array index */
    size_t index;
} pbjson__path_t;

/* ---- field access (pbjson_common.c) ---------------------------------------------------------- */

/* Size of one stored element of type t (pointer size for strings and messages). */
size_t pbjson__elem_size(ProtobufCType t);
/* Presence of a proto3 implicit-presence field (label NONE): non-zero, non-empty. */
bool pbjson__present_implicit(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);

/* True if the singular or repeated field f of m is present in the sense of the mapping rules.
 * Inline: the encoder asks this of every field of every message it writes. */
static inline bool pbjson__present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const void *v;

    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return PBJSON__MEMBER(uint32_t, m, f->quantifier_offset) == f->id;
    switch (f->label) {
    case PROTOBUF_C_LABEL_OPTIONAL:
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            return PBJSON__MEMBER(protobuf_c_boolean, m, f->quantifier_offset) != 0;
        v = PBJSON__MEMBER(const void *, m, f->offset);
        return v && v != f->default_value;
    case PROTOBUF_C_LABEL_REPEATED:
        return PBJSON__MEMBER(size_t, m, f->quantifier_offset) > 0;
    case PROTOBUF_C_LABEL_REQUIRED:
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            return true;
        return PBJSON__MEMBER(const void *, m, f->offset) != NULL;
    default:
        return pbjson__present_implicit(m, f);
    }
}
/* True if f (a field of parent) is a map field; see the notes above. */
bool pbjson__is_map(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f);
/* The field named name (proto name, else lowerCamelCase json_name; *by_json_name tells which,
 * may be NULL), or NULL. */
const ProtobufCFieldDescriptor *pbjson__find_field(const ProtobufCMessageDescriptor *d,
                                                   const char *name, bool *by_json_name);
/* Frees what the singular field f of m owns and resets it to absent (oneof: case cleared). */
void pbjson__clear(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* Stores v (taking ownership of its string/bytes) into the singular scalar field f of m,
 * replacing and freeing the old value; a oneof member first clears the selected member. */
void pbjson__set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, pbjson__value_t *v);
/* Makes room for extra more elements in the repeated field f of m; returns the array. The count
 * is left alone: write element n, then increment the count. */
void *pbjson__grow(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t extra);
/* Writes v into element slot i of the array arr of type t (taking ownership). */
void pbjson__put_elem(void *arr, ProtobufCType t, size_t i, pbjson__value_t *v);
/* The sub-message in singular message field f of m, created (and, for a oneof member, selected)
 * if absent. */
ProtobufCMessage *pbjson__mutable_msg(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);

/* ---- names (pbjson_common.c) ---------------------------------------------------------------- */

/* True if s is the lowerCamelCase json_name of the proto field name. */
bool pbjson__json_name_eq(const char *proto_name, const char *s);
/* Length of the UPPER_SNAKE(type name)+"_" prefix of the value name, or 0 if it lacks it. */
size_t pbjson__enum_prefix_len(const ProtobufCEnumDescriptor *e, const char *value_name);
/* Appends the JSON name of enum value v (prefix stripped, lower-cased), unquoted. */
void pbjson__enum_put_name(buf_t *out, const ProtobufCEnumDescriptor *e,
                           const ProtobufCEnumValue *v);
/* True for the value that means "not set" and is no JSON name: number 0 named
 * <PREFIX>_UNSPECIFIED. It is left out of schemas and error lists and refused on input. */
bool pbjson__enum_hidden(const ProtobufCEnumDescriptor *e, const ProtobufCEnumValue *v);
/* Appends the allowed JSON names of e (the hidden value left out), comma-separated. */
void pbjson__enum_list(buf_t *out, const ProtobufCEnumDescriptor *e);

/* ---- text (pbjson_text.c) ------------------------------------------------------------------- */

/* Parses an optionally negative decimal integer (no sign '+', no spaces) of exactly n bytes.
 * 0 ok, -1 not an integer, 1 magnitude beyond UINT64_MAX. */
int pbjson__parse_dec(const char *s, size_t n, bool *neg, uint64_t *mag);
/* Parses a JSON-grammar number, "NaN", "Infinity" or "-Infinity" of exactly n bytes. */
bool pbjson__parse_double(const char *s, size_t n, double *out);
/* Stores the integer neg/mag into v for integer type t; false if out of t's range. */
bool pbjson__int_to_value(ProtobufCType t, bool neg, uint64_t mag, pbjson__value_t *v);
/* Stores d into v for float or double type t; false if out of float's range. */
bool pbjson__double_to_value(ProtobufCType t, double d, pbjson__value_t *v);
/* Name of a scalar type as written in .proto files ("sfixed64"). */
const char *pbjson__type_name(ProtobufCType t);
/* The enum value of e whose JSON name is exactly s (lower case, prefix stripped; the hidden
 * value never matches), or NULL. */
const ProtobufCEnumValue *pbjson__enum_from_text(const ProtobufCEnumDescriptor *e, const char *s,
                                                 size_t n);
/* Converts text to a value of the non-message field f the way pbjson_set_str documents it
 * (bools as true/false/1/0). ST_INVALID with err on failure, nothing allocated. */
status_t pbjson__value_from_text(const ProtobufCFieldDescriptor *f, const char *s, size_t n,
                                 const pbjson__path_t *path, pbjson__value_t *v, pbjson_err_t *err);

/* Decodes standard or URL-safe base64, padded or not (libsodium, through crypto.h), into a
 * malloc'd out (data NULL if empty). UTF-8 is text.h's, strings are written by json.h. */
bool pbjson__base64_decode(const char *s, size_t n, ProtobufCBinaryData *out);

/* ---- output (pbjson_encode.c) --------------------------------------------------------------- */

/* Appends the JSON form of one stored value of f's type at p (for a string: p points at the
 * char *; a NULL string prints as "", a NULL message as {}). */
void pbjson__put_value(buf_t *out, const ProtobufCFieldDescriptor *f, const void *p);

/* ---- errors (pbjson_common.c) --------------------------------------------------------------- */

/* Renders path into out ("a.b[2]"), truncating to cap. */
void pbjson__path_str(const pbjson__path_t *path, char *out, size_t cap);
/* err->msg = `field "<path>": <fmt...>`; err may be NULL. Returns ST_INVALID. */
status_t pbjson__fail(pbjson_err_t *err, const pbjson__path_t *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
