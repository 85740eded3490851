/* pbjson_text.c - text to field values for pbjson: decimal integers and JSON-grammar numbers
 * with exact range checks, the conversion shared by JSON strings and URL parameters
 * (pbjson__value_from_text), and base64 input in both alphabets (decoded by libsodium).
 */
#include "pbjson_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shared/crypto.h"
#include "shared/text.h"

/* ---- text to values ----------------------------------------------------------------------- */

int pbjson__parse_dec(const char *s, size_t n, bool *neg, uint64_t *mag)
{
    size_t i = 0;
    bool ng = false, over = false;
    uint64_t v = 0;

    if (i < n && s[i] == '-') {
        ng = true;
        i++;
    }
    if (i == n)
        return -1;
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return -1;
        if (v > (UINT64_MAX - d) / 10)
            over = true;
        else
            v = v * 10 + d;
    }
    if (over)
        return 1;
    *neg = ng;
    *mag = v;
    return 0;
}

static size_t skip_digits(const char *s, size_t i, size_t n)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

bool pbjson__parse_double(const char *s, size_t n, double *out)
{
    char tmp[64];
    char *text = tmp;
    size_t i = 0, j;
    double d;

    if (n == 3 && memcmp(s, "NaN", 3) == 0) {
        *out = NAN;
        return true;
    }
    if ((n == 8 && memcmp(s, "Infinity", 8) == 0) || (n == 9 && memcmp(s, "-Infinity", 9) == 0)) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    /* JSON number grammar (leading zeros tolerated): -?d+(.d+)?([eE][+-]?d+)? */
    if (i < n && s[i] == '-')
        i++;
    j = skip_digits(s, i, n);
    if (j == i)
        return false;
    i = j;
    if (i < n && s[i] == '.') {
        j = skip_digits(s, i + 1, n);
        if (j == i + 1)
            return false;
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        j = skip_digits(s, i, n);
        if (j == i)
            return false;
        i = j;
    }
    if (i != n)
        return false;
    if (n >= sizeof(tmp))
        text = xstrndup(s, n);
    else {
        memcpy(tmp, s, n);
        tmp[n] = '\0';
    }
    d = strtod(text, NULL);
    if (text != tmp)
        free(text);
    if (isinf(d))
        return false; /* finite text beyond double range */
    *out = d;
    return true;
}

bool pbjson__int_to_value(ProtobufCType t, bool neg, uint64_t mag, pbjson__value_t *v)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (mag > (neg ? 2147483648u : 2147483647u))
            return false;
        v->i32 = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
        return true;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if ((neg && mag) || mag > UINT32_MAX)
            return false;
        v->u32 = (uint32_t)mag;
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
            return false;
        v->i64 = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        return true;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (neg && mag)
            return false;
        v->u64 = mag;
        return true;
    default:
        return false;
    }
}

bool pbjson__double_to_value(ProtobufCType t, double d, pbjson__value_t *v)
{
    if (t == PROTOBUF_C_TYPE_DOUBLE) {
        v->d = d;
        return true;
    }
    /* Doubles below 2^128 - 2^103 round to at most FLT_MAX; beyond that float has no value. */
    if (isfinite(d) && fabs(d) >= 0x1.ffffffp127)
        return false;
    v->f = (float)d;
    return true;
}

const char *pbjson__type_name(ProtobufCType t)
{
    static const char *const names[] = {
        [PROTOBUF_C_TYPE_INT32] = "int32",       [PROTOBUF_C_TYPE_SINT32] = "sint32",
        [PROTOBUF_C_TYPE_SFIXED32] = "sfixed32", [PROTOBUF_C_TYPE_INT64] = "int64",
        [PROTOBUF_C_TYPE_SINT64] = "sint64",     [PROTOBUF_C_TYPE_SFIXED64] = "sfixed64",
        [PROTOBUF_C_TYPE_UINT32] = "uint32",     [PROTOBUF_C_TYPE_FIXED32] = "fixed32",
        [PROTOBUF_C_TYPE_UINT64] = "uint64",     [PROTOBUF_C_TYPE_FIXED64] = "fixed64",
        [PROTOBUF_C_TYPE_FLOAT] = "float",       [PROTOBUF_C_TYPE_DOUBLE] = "double",
        [PROTOBUF_C_TYPE_BOOL] = "bool",         [PROTOBUF_C_TYPE_ENUM] = "enum",
        [PROTOBUF_C_TYPE_STRING] = "string",     [PROTOBUF_C_TYPE_BYTES] = "bytes",
        [PROTOBUF_C_TYPE_MESSAGE] = "message",
    };
    return (unsigned)t < ARRAY_LEN(names) && names[t] ? names[t] : "?";
}

static status_t enum_error(pbjson_err_t *err, const pbjson__path_t *path,
                           const ProtobufCEnumDescriptor *e, const char *s, size_t n)
{
    buf_t allowed = BUF_INIT;
    status_t st;

    pbjson__enum_list(&allowed, e);
    st = pbjson__fail(err, path, "unknown enum value \"%.*s\" (allowed: %s)",
                      (int)(n > 40 ? 40 : n), s, allowed.data ? allowed.data : "");
    buf_cleanup(&allowed);
    return st;
}

status_t pbjson__value_from_text(const ProtobufCFieldDescriptor *f, const char *s, size_t n,
                                 const pbjson__path_t *path, pbjson__value_t *v, pbjson_err_t *err)
{
    const ProtobufCEnumValue *ev;
    bool neg;
    uint64_t mag;
    double d;
    int r;

    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if ((r = pbjson__parse_dec(s, n, &neg, &mag)) < 0)
            return pbjson__fail(err, path, "expected an integer");
        if (r > 0 || !pbjson__int_to_value(f->type, neg, mag, v))
            return pbjson__fail(err, path, "out of range for %s", pbjson__type_name(f->type));
        return ST_OK;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        if (!pbjson__parse_double(s, n, &d))
            return pbjson__fail(err, path, "expected a number");
        if (!pbjson__double_to_value(f->type, d, v))
            return pbjson__fail(err, path, "out of range for %s", pbjson__type_name(f->type));
        return ST_OK;
    case PROTOBUF_C_TYPE_BOOL:
        if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 1 && s[0] == '1'))
            v->b = 1;
        else if ((n == 5 && memcmp(s, "false", 5) == 0) || (n == 1 && s[0] == '0'))
            v->b = 0;
        else
            return pbjson__fail(err, path, "expected a boolean");
        return ST_OK;
    case PROTOBUF_C_TYPE_ENUM:
        if (!(ev = pbjson__enum_from_text(f->descriptor, s, n)))
            return enum_error(err, path, f->descriptor, s, n);
        v->e = ev->value;
        return ST_OK;
    case PROTOBUF_C_TYPE_STRING:
        if (memchr(s, '\0', n) || text_utf8_count(s, n) < 0)
            return pbjson__fail(err, path, "invalid UTF-8");
        v->s = xstrndup(s, n);
        return ST_OK;
    case PROTOBUF_C_TYPE_BYTES:
        if (!pbjson__base64_decode(s, n, &v->bytes))
            return pbjson__fail(err, path, "invalid base64");
        return ST_OK;
    case PROTOBUF_C_TYPE_MESSAGE:
        break;
    }
    return pbjson__fail(err, path, "cannot be set from a string");
}

/* ---- base64 ------------------------------------------------------------------------------ */

bool pbjson__base64_decode(const char *s, size_t n, ProtobufCBinaryData *out)
{
    char *std = xstrndup(s, n); /* the URL-safe letters as standard ones: either may be mixed */
    buf_t b = BUF_INIT;
    bool ok;

    for (size_t i = 0; i < n; i++)
        std[i] = std[i] == '-' ? '+' : std[i] == '_' ? '/' : std[i];
    ok = crypto_b64_decode(std, n, n > 0 && s[n - 1] == '=' ? CRYPTO_B64 : CRYPTO_B64_NOPAD, &b) ==
         ST_OK;
    if (ok) {
        out->len = b.len;
        out->data = b.len ? (uint8_t *)buf_steal(&b) : NULL;
    }
    buf_cleanup(&b);
    free(std);
    return ok;
}
