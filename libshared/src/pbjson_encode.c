/* pbjson_encode.c - protobuf-c messages to JSON text, written straight into a buf_t.
 *
 * Walks each descriptor's fields in number order and emits the present fields and every repeated
 * field (empty ones as [] or {}), following the mapping rules in pbjson.h. It is on the path of
 * every edge reply, so it allocates nothing but the output buffer's growth: numbers are formatted
 * on the stack, strings are quoted by json.h and bytes encoded by crypto.h (libsodium's base64).
 */
#include "pbjson_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/crypto.h"
#include "shared/json.h"

/* Inline appends: the buf_t functions are out of line and this file makes many tiny writes. */
static inline void out_n(buf_t *out, const void *p, size_t n)
{
    if (out->len + n + 1 > out->cap)
        buf_reserve(out, n);
    memcpy(out->data + out->len, p, n);
    out->len += n;
    out->data[out->len] = '\0';
}

static inline void out_c(buf_t *out, char c)
{
    if (out->len + 2 > out->cap)
        buf_reserve(out, 1);
    out->data[out->len++] = c;
    out->data[out->len] = '\0';
}

static void put_u64(buf_t *out, uint64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    out_n(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void put_i64(buf_t *out, int64_t v)
{
    if (v < 0) {
        out_c(out, '-');
        put_u64(out, 0 - (uint64_t)v);
    } else {
        put_u64(out, (uint64_t)v);
    }
}

/* Short decimals (up to 6 fraction digits, below 1e9) without printf: the digits of d * 10^k
 * for the first k that makes it integral, accepted only if the text reads back as exactly the
 * same value. False if d is not such a number; the caller then uses the general path. */
static bool put_short_decimal(buf_t *out, double d, bool single)
{
    static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
    double a = fabs(d);
    char tmp[32];

    if (!(a >= 1e-6 && a < 1e9))
        return false;
    for (int k = 1; k <= 6; k++) {
        double scaled = a * pow10[k];
        if (scaled != floor(scaled))
            continue;
        uint64_t n = (uint64_t)scaled;
        char *p = tmp + sizeof(tmp) - 1, *end = p;
        *p = '\0';
        for (int i = 0; i < k; i++, n /= 10)
            *--p = (char)('0' + n % 10);
        *--p = '.';
        do {
            *--p = (char)('0' + n % 10);
            n /= 10;
        } while (n);
        if (d < 0)
            *--p = '-';
        while (end[-1] == '0') /* 0.50 -> 0.5: scaled may be integral only at a larger k */
            *--end = '\0';
        if (end[-1] == '.' || (single ? strtof(p, NULL) != (float)d : strtod(p, NULL) != d))
            return false;
        out_n(out, p, (size_t)(end - p));
        return true;
    }
    return false;
}

/* Integral values below 1e15 print as integers; others with the fewest of 15-17 significant
 * digits (6-9 for float) that read back exactly. */
static void put_real(buf_t *out, double d, bool single)
{
    char tmp[40];
    int k = 0;

    if (isnan(d)) {
        out_n(out, "\"NaN\"", 5);
        return;
    }
    if (isinf(d)) {
        buf_puts(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    if (d == 0 && signbit(d)) {
        out_n(out, "-0.0", 4); /* "-0" would read back as the integer 0 */
        return;
    }
    if (fabs(d) < 1e15 && d == (double)(int64_t)d) {
        put_i64(out, (int64_t)d);
        return;
    }
    if (put_short_decimal(out, d, single))
        return;
    for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
        k = snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
        if (single ? strtof(tmp, NULL) == (float)d : strtod(tmp, NULL) == d)
            break;
    }
    out_n(out, tmp, (size_t)k);
}

static void put_enum(buf_t *out, const ProtobufCEnumDescriptor *e, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(e, value);

    if (!v) {
        put_i64(out, value);
        return;
    }
    out_c(out, '"');
    pbjson__enum_put_name(out, e, v);
    out_c(out, '"');
}

static void put_msg(buf_t *out, const ProtobufCMessage *m);

void pbjson__put_value(buf_t *out, const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        put_i64(out, *(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        put_u64(out, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        put_i64(out, *(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        put_u64(out, *(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        put_real(out, *(const float *)p, true);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        put_real(out, *(const double *)p, false);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        if (*(const protobuf_c_boolean *)p)
            out_n(out, "true", 4);
        else
            out_n(out, "false", 5);
        break;
    case PROTOBUF_C_TYPE_ENUM:
        put_enum(out, f->descriptor, *(const int *)p);
        break;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)p;
        json_put_string(out, s ? s : "", s ? strlen(s) : 0);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        out_c(out, '"');
        crypto_b64_encode(b->data, b->len, CRYPTO_B64, out);
        out_c(out, '"');
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)p;
        if (sub)
            put_msg(out, sub);
        else
            out_n(out, "{}", 2);
        break;
    }
    }
}

/* A map key is always a JSON string: strings as such, integers and bools as their text. */
static void put_map_key(buf_t *out, const ProtobufCFieldDescriptor *kf, const void *p)
{
    if (kf->type == PROTOBUF_C_TYPE_STRING) {
        pbjson__put_value(out, kf, p);
        return;
    }
    out_c(out, '"');
    pbjson__put_value(out, kf, p);
    out_c(out, '"');
}

static void put_map(buf_t *out, const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *arr,
                    size_t n)
{
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    bool first = true;

    out_c(out, '{');
    for (size_t i = 0; i < n; i++) {
        const char *e = (const char *)arr[i];
        if (!e)
            continue;
        if (!first)
            out_c(out, ',');
        first = false;
        put_map_key(out, kf, e + kf->offset);
        out_c(out, ':');
        pbjson__put_value(out, vf, e + vf->offset); /* an unset value prints as its zero */
    }
    out_c(out, '}');
}

static void put_msg(buf_t *out, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    bool first = true;

    out_c(out, '{');
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *p = (const char *)m + f->offset;
        size_t nlen;

        if (f->label != PROTOBUF_C_LABEL_REPEATED && !pbjson__present(m, f))
            continue;           /* repeated fields are always written: [] says "none" to a client */
        nlen = strlen(f->name); /* proto names are identifiers: no escaping */
        buf_reserve(out, nlen + 4);
        if (!first)
            out->data[out->len++] = ',';
        first = false;
        out->data[out->len++] = '"';
        memcpy(out->data + out->len, f->name, nlen);
        out->len += nlen;
        out->data[out->len++] = '"';
        out->data[out->len++] = ':';
        out->data[out->len] = '\0';

        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            pbjson__put_value(out, f, p);
            continue;
        }
        size_t n = PBJSON__MEMBER(size_t, m, f->quantifier_offset);
        const char *arr = *(const char *const *)p;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && pbjson__is_map(d, f)) {
            put_map(out, f, (ProtobufCMessage *const *)arr, n);
            continue;
        }
        size_t size = pbjson__elem_size(f->type);
        out_c(out, '[');
        for (size_t j = 0; j < n; j++) {
            if (j)
                out_c(out, ',');
            pbjson__put_value(out, f, arr + j * size);
        }
        out_c(out, ']');
    }
    out_c(out, '}');
}

void pbjson_encode(const ProtobufCMessage *m, buf_t *out)
{
    put_msg(out, m);
}
