/* pbjson_decode.c - JSON bodies and single URL parameters into protobuf-c messages.
 *
 * jansson parses the text (rejecting duplicate keys); decode_object then walks the tree against
 * the descriptor, merging into the message and naming the failing field by its path. Integer
 * literals beyond int64, which jansson refuses, are re-read as marked strings (quote_bigints).
 */
#include "pbjson_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- integers jansson cannot hold ------------------------------------------------------------
 * jansson stores integers as long long and fails on anything larger. When that happens the text
 * is copied with every such literal wrapped as a string starting with NUL ("\u0000<digits>") and
 * parsed again with JSON_ALLOW_NUL. Our string fields reject NUL, so a marked string can only be
 * read as a number; texts that already contain \u0000 are not rewritten. Each rewrite adds
 * QUOTE_GROWTH bytes on its line; `at` collects where they start (size_t offsets in the copy) so
 * error columns can be given in terms of the original text. */
#define QUOTE_GROWTH 8

static char *quote_bigints(const char *s, size_t n, size_t *out_len, buf_t *at)
{
    buf_t b = BUF_INIT;
    size_t i = 0, copied = 0, j, k;
    bool in_str = false, neg;
    uint64_t mag;
    int found = 0;

    if (memmem(s, n, "\\u0000", 6))
        return NULL;
    while (i < n) {
        char c = s[i];
        if (in_str) {
            i += c == '\\' ? 2 : 1;
            in_str = c != '"';
            continue;
        }
        if (c == '"') {
            in_str = true;
            i++;
            continue;
        }
        if (c != '-' && (c < '0' || c > '9')) {
            i++;
            continue;
        }
        j = i + (c == '-');
        for (k = j; k < n && s[k] >= '0' && s[k] <= '9'; k++)
            ;
        if (k < n && (s[k] == '.' || s[k] == 'e' || s[k] == 'E')) { /* a real: skip it */
            while (k < n && strchr("0123456789+-.eE", s[k]))
                k++;
            i = k;
            continue;
        }
        int r = pbjson__parse_dec(s + i, k - i, &neg, &mag);
        if (r > 0 || (r == 0 && mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))) {
            buf_append(&b, s + copied, i - copied);
            buf_append(at, &b.len, sizeof(b.len)); /* where the rewrite starts */
            buf_append(&b, "\"\\u0000", 7);
            buf_append(&b, s + i, k - i);
            buf_putc(&b, '"');
            copied = k;
            found++;
        }
        i = k > i ? k : i + 1;
    }
    if (!found) {
        buf_cleanup(&b);
        return NULL;
    }
    buf_append(&b, s + copied, n - copied);
    *out_len = b.len;
    return buf_steal(&b);
}

/* The column of a parse error in the copy, as a column of the original text: less the growth
 * of every rewrite between the start of the error's line and the error. */
static int original_column(const json_error_t *e, const char *copy, const buf_t *at)
{
    size_t pos = (size_t)e->position, line_start = pos, off;
    int col = e->column;

    while (line_start > 0 && copy[line_start - 1] != '\n')
        line_start--;
    for (size_t i = 0; i + sizeof(off) <= at->len; i += sizeof(off)) {
        memcpy(&off, at->data + i, sizeof(off));
        if (off >= line_start && off < pos)
            col -= QUOTE_GROWTH;
    }
    return col;
}

/* If v is a marked big integer, its digits. */
static bool bigint_text(const json_t *v, const char **s, size_t *n)
{
    if (!json_is_string(v) || json_string_length(v) < 2 || json_string_value(v)[0] != '\0')
        return false;
    *s = json_string_value(v) + 1;
    *n = json_string_length(v) - 1;
    return true;
}

/* ---- values ------------------------------------------------------------------------------- */

static bool is_int_type(ProtobufCType t)
{
    return t != PROTOBUF_C_TYPE_FLOAT && t != PROTOBUF_C_TYPE_DOUBLE && t != PROTOBUF_C_TYPE_BOOL &&
           t != PROTOBUF_C_TYPE_ENUM && t != PROTOBUF_C_TYPE_STRING && t != PROTOBUF_C_TYPE_BYTES &&
           t != PROTOBUF_C_TYPE_MESSAGE;
}

static const char *expected(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        return "a number";
    case PROTOBUF_C_TYPE_BOOL:
        return "a boolean";
    case PROTOBUF_C_TYPE_ENUM:
        return "an enum name";
    case PROTOBUF_C_TYPE_STRING:
        return "a string";
    case PROTOBUF_C_TYPE_BYTES:
        return "a base64 string";
    case PROTOBUF_C_TYPE_MESSAGE:
        return "an object";
    default:
        return "an integer";
    }
}

/* A JSON integer or integral real as sign and magnitude; 0 ok, -1 not integral, 1 too big. */
static int json_int_parts(const json_t *v, bool *neg, uint64_t *mag)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        *neg = x < 0;
        *mag = x < 0 ? (uint64_t)(-(x + 1)) + 1 : (uint64_t)x;
        return 0;
    }
    double d = json_real_value(v);
    if (d != floor(d))
        return -1;
    if (fabs(d) >= 18446744073709551616.0)
        return 1;
    *neg = d < 0;
    *mag = (uint64_t)fabs(d);
    return 0;
}

/* The value of non-message field f from the JSON value v. Strings (for numbers and enums) go
 * through the same conversion as URL parameters; bools must be JSON booleans. */
static status_t json_scalar(const ProtobufCFieldDescriptor *f, const json_t *v,
                            const pbjson__path_t *path, pbjson__value_t *out, pbjson_err_t *err)
{
    const char *s;
    size_t n;
    bool neg, big = bigint_text(v, &s, &n);
    uint64_t mag;
    int r;

    switch (f->type) {
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            break;
        out->b = json_is_true(v);
        return ST_OK;
    case PROTOBUF_C_TYPE_STRING:
        if (!json_is_string(v) || big)
            break;
        out->s = xstrndup(json_string_value(v), json_string_length(v));
        return ST_OK;
    case PROTOBUF_C_TYPE_BYTES:
        if (!json_is_string(v) || big)
            break;
        if (!pbjson__base64_decode(json_string_value(v), json_string_length(v), &out->bytes))
            return pbjson__fail(err, path, "invalid base64");
        return ST_OK;
    case PROTOBUF_C_TYPE_MESSAGE:
        break;
    default: /* numbers and enums */
        if (json_is_string(v)) {
            if (!big) {
                s = json_string_value(v);
                n = json_string_length(v);
            }
            return pbjson__value_from_text(f, s, n, path, out, err);
        }
        if (!json_is_number(v))
            break;
        if (f->type == PROTOBUF_C_TYPE_FLOAT || f->type == PROTOBUF_C_TYPE_DOUBLE) {
            if (!pbjson__double_to_value(f->type, json_number_value(v), out))
                return pbjson__fail(err, path, "out of range for float");
            return ST_OK;
        }
        if ((r = json_int_parts(v, &neg, &mag)) < 0)
            break;
        if (is_int_type(f->type)) {
            if (r > 0 || !pbjson__int_to_value(f->type, neg, mag, out))
                return pbjson__fail(err, path, "out of range for %s", pbjson__type_name(f->type));
            return ST_OK;
        }
        { /* an enum by number: refused (names only), the text path words the error */
            char num[40];
            if (json_is_integer(v))
                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            else
                snprintf(num, sizeof(num), "%.17g", json_real_value(v));
            return pbjson__value_from_text(f, num, strlen(num), path, out, err);
        }
    }
    return pbjson__fail(err, path, "expected %s", expected(f->type));
}

/* ---- objects, arrays, maps ---------------------------------------------------------------- */

static status_t decode_object(ProtobufCMessage *m, json_t *obj, const pbjson__path_t *path,
                              int depth, pbjson_err_t *err);

/* The sub-message object v at path, one level below depth, merged into sub. */
static status_t decode_sub(ProtobufCMessage *sub, json_t *v, const pbjson__path_t *path, int depth,
                           pbjson_err_t *err)
{
    if (depth + 1 > PBJSON_MAX_DEPTH)
        return pbjson__fail(err, path, "nesting deeper than %d levels", PBJSON_MAX_DEPTH);
    return decode_object(sub, v, path, depth + 1, err);
}

static status_t decode_array(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_t *v,
                             const pbjson__path_t *path, int depth, pbjson_err_t *err)
{
    size_t *n = &PBJSON__MEMBER(size_t, m, f->quantifier_offset);
    size_t count;
    status_t st = ST_OK;
    pbjson__value_t val;
    void *arr;

    if (!json_is_array(v))
        return pbjson__fail(err, path, "expected an array");
    count = json_array_size(v);
    arr = pbjson__grow(m, f, count);
    for (size_t i = 0; i < count && !st; i++) {
        pbjson__path_t here = {path, NULL, NULL, i};
        json_t *x = json_array_get(v, i);
        if (f->type != PROTOBUF_C_TYPE_MESSAGE) {
            if (!(st = json_scalar(f, x, &here, &val, err)))
                pbjson__put_elem(arr, f->type, (*n)++, &val);
        } else if (!json_is_object(x)) {
            st = pbjson__fail(err, &here, "expected an object");
        } else {
            ProtobufCMessage *sub = pbjson_new(f->descriptor);
            ((ProtobufCMessage **)arr)[(*n)++] = sub; /* linked first: freed with m on error */
            st = decode_sub(sub, x, &here, depth, err);
        }
    }
    return st;
}

static bool same_key(const ProtobufCFieldDescriptor *kf, const ProtobufCMessage *a,
                     const ProtobufCMessage *b)
{
    const char *pa = (const char *)a + kf->offset, *pb = (const char *)b + kf->offset;

    if (kf->type == PROTOBUF_C_TYPE_STRING) {
        const char *sa = *(char *const *)pa, *sb = *(char *const *)pb;
        return strcmp(sa ? sa : "", sb ? sb : "") == 0;
    }
    return memcmp(pa, pb, pbjson__elem_size(kf->type)) == 0;
}

/* A JSON object of key -> value into the map field f. Entries added here are new keys (jansson
 * rejects duplicates); an entry whose key was already in the map replaces the old one. */
static status_t decode_map(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_t *v,
                           const pbjson__path_t *path, int depth, pbjson_err_t *err)
{
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    size_t *n = &PBJSON__MEMBER(size_t, m, f->quantifier_offset);
    size_t n_old = *n;
    status_t st = ST_OK;
    ProtobufCMessage **arr;
    pbjson__value_t val;
    const char *key;
    json_t *x;

    if (!json_is_object(v))
        return pbjson__fail(err, path, "expected an object");
    arr = pbjson__grow(m, f, json_object_size(v));
    json_object_foreach(v, key, x)
    {
        pbjson__path_t here = {path, NULL, key, 0};
        ProtobufCMessage *entry;
        size_t slot;

        if ((st = pbjson__value_from_text(kf, key, strlen(key), &here, &val, err)))
            break;
        entry = pbjson_new(ed);
        pbjson__set(entry, kf, &val);
        for (slot = 0; slot < n_old && !same_key(kf, arr[slot], entry); slot++)
            ;
        if (slot < n_old)
            protobuf_c_message_free_unpacked(arr[slot], NULL);
        else
            slot = (*n)++;
        arr[slot] = entry;

        if (vf->type != PROTOBUF_C_TYPE_MESSAGE) {
            if ((st = json_scalar(vf, x, &here, &val, err)))
                break;
            pbjson__set(entry, vf, &val);
        } else if (!json_is_object(x)) {
            st = pbjson__fail(err, &here, "expected an object");
            break;
        } else if ((st = decode_sub(pbjson__mutable_msg(entry, vf), x, &here, depth, err))) {
            break;
        }
    }
    return st;
}

static status_t decode_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, json_t *v,
                             const pbjson__path_t *path, int depth, pbjson_err_t *err)
{
    pbjson__value_t val;
    status_t st;

    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && pbjson__is_map(m->descriptor, f))
            return decode_map(m, f, v, path, depth, err);
        return decode_array(m, f, v, path, depth, err);
    }
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        if (!json_is_object(v))
            return pbjson__fail(err, path, "expected an object");
        return decode_sub(pbjson__mutable_msg(m, f), v, path, depth, err);
    }
    if (!(st = json_scalar(f, v, path, &val, err)))
        pbjson__set(m, f, &val);
    return st;
}

/* Another non-null member of f's oneof in obj, or NULL. */
static const ProtobufCFieldDescriptor *oneof_rival(const ProtobufCMessageDescriptor *d, json_t *obj,
                                                   const ProtobufCFieldDescriptor *f)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        const ProtobufCFieldDescriptor *g = pbjson__find_field(d, key, NULL);
        if (g && g != f && !json_is_null(v) && (g->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            g->quantifier_offset == f->quantifier_offset)
            return g;
    }
    return NULL;
}

/* True if obj sets f (under either name) to something other than null. */
static bool json_sets(const ProtobufCMessageDescriptor *d, json_t *obj,
                      const ProtobufCFieldDescriptor *f)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        if (!json_is_null(v) && pbjson__find_field(d, key, NULL) == f)
            return true;
    }
    return false;
}

static status_t check_required(const ProtobufCMessage *m, json_t *obj, const pbjson__path_t *path,
                               pbjson_err_t *err)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    char where[160];

    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *p = (const char *)m + f->offset;
        bool ok;

        if (f->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
            ok = *(const void *const *)p != NULL;
        else
            ok = json_sets(d, obj, f);
        if (!ok) {
            pbjson__path_t here = {path, f->name, NULL, 0};
            pbjson__path_str(&here, where, sizeof(where));
            if (err)
                snprintf(err->msg, sizeof(err->msg), "field \"%s\" is required", where);
            return ST_INVALID;
        }
    }
    return ST_OK;
}

static status_t decode_object(ProtobufCMessage *m, json_t *obj, const pbjson__path_t *path,
                              int depth, pbjson_err_t *err)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const ProtobufCFieldDescriptor *f, *rival;
    char where[160];
    status_t st = ST_OK;
    const char *key;
    json_t *v;
    bool alias;

    json_object_foreach(obj, key, v)
    {
        f = pbjson__find_field(d, key, &alias);
        pbjson__path_t here = {path, f ? f->name : key, NULL, 0};
        if (!f) {
            pbjson__path_str(&here, where, sizeof(where));
            if (err)
                snprintf(err->msg, sizeof(err->msg), "unknown field \"%s\"", where);
            st = ST_INVALID;
            break;
        }
        if (alias && json_object_get(obj, f->name)) {
            st = pbjson__fail(err, &here, "given twice (also as \"%s\")", key);
            break;
        }
        if (json_is_null(v))
            continue;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && (rival = oneof_rival(d, obj, f))) {
            st = pbjson__fail(err, &here, "conflicts with \"%s\" (same oneof)", rival->name);
            break;
        }
        if ((st = decode_field(m, f, v, &here, depth, err)))
            break;
    }
    if (!st)
        st = check_required(m, obj, path, err);
    return st;
}

/* ---- entry points ------------------------------------------------------------------------- */

status_t pbjson_decode(ProtobufCMessage *m, const char *json, size_t len, pbjson_err_t *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    char *quoted = NULL;
    buf_t at = BUF_INIT;
    size_t qlen = 0;
    status_t st = ST_OK;

    if (err)
        err->msg[0] = '\0';
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && json_error_code(&jerr) == json_error_numeric_overflow &&
        (quoted = quote_bigints(json, len, &qlen, &at))) {
        root = json_loadb(quoted, qlen, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        if (!root)
            jerr.column = original_column(&jerr, quoted, &at);
    }
    if (!root) {
        if (err)
            snprintf(err->msg, sizeof(err->msg), "invalid JSON: %s (line %d, column %d)", jerr.text,
                     jerr.line, jerr.column);
        st = ST_INVALID;
        goto done;
    }
    if (!json_is_object(root)) {
        if (err)
            snprintf(err->msg, sizeof(err->msg), "expected a JSON object");
        st = ST_INVALID;
        goto done;
    }
    st = decode_object(m, root, NULL, 0, err);
done:
    json_decref(root);
    free(quoted);
    buf_cleanup(&at);
    return st;
}

status_t pbjson_set_str(ProtobufCMessage *m, const char *field, const char *value,
                        pbjson_err_t *err)
{
    const ProtobufCFieldDescriptor *f = pbjson__find_field(m->descriptor, field, NULL);
    pbjson__value_t val;
    status_t st;

    if (err)
        err->msg[0] = '\0';
    if (!f) {
        if (err)
            snprintf(err->msg, sizeof(err->msg), "unknown field \"%s\"", field);
        return ST_NOT_FOUND;
    }
    pbjson__path_t here = {NULL, f->name, NULL, 0};
    if (f->type == PROTOBUF_C_TYPE_MESSAGE)
        return pbjson__fail(err, &here, "cannot be set from a string");
    if ((st = pbjson__value_from_text(f, value, strlen(value), &here, &val, err)))
        return st;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t *n = &PBJSON__MEMBER(size_t, m, f->quantifier_offset);
        pbjson__put_elem(pbjson__grow(m, f, 1), f->type, (*n)++, &val);
    } else {
        pbjson__set(m, f, &val);
    }
    return ST_OK;
}
