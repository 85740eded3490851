/* oaiwire.c - the OpenAI embeddings wire format (oaiwire.h) on jansson: the request body, and
 * the checks an answer must pass before its vectors are used (count, order, dims, finite).
 */
#include "oaiwire.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

char *oaiwire_request(const char *model, const char *const *texts, size_t n, int dims)
{
    json_t *o = json_object(), *in = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(in, json_string(texts[i]));
    json_object_set_new(o, "model", json_string(model));
    json_object_set_new(o, "input", in);
    json_object_set_new(o, "encoding_format", json_string("float"));
    if (dims > 0)
        json_object_set_new(o, "dimensions", json_integer(dims));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        abort(); /* only out of memory: every text is valid UTF-8 */
    char *r = xstrdup(s);
    free(s);
    return r;
}

static status_t fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static status_t fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return ST_INVALID;
}

status_t oaiwire_parse(const char *body, size_t len, size_t n, int want_dims, float **out,
                       int *dims, int *tokens, char *why, size_t whylen)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *data, *usage, *pt;
    float *vecs = NULL;
    bool *seen = NULL;
    int d = 0;
    status_t st = ST_OK;

    if (!root || !json_is_object(root)) {
        st = fail(why, whylen, "the answer is not a JSON object");
        goto done;
    }
    data = json_object_get(root, "data");
    if (!json_is_array(data)) {
        st = fail(why, whylen, "the answer has no data array");
        goto done;
    }
    if (json_array_size(data) != n) {
        st = fail(why, whylen, "the answer has %zu embeddings for %zu texts", json_array_size(data),
                  n);
        goto done;
    }
    seen = xcalloc(n ? n : 1, sizeof *seen);
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(data, i), *emb, *idx;
        size_t at = i;
        if (!json_is_object(item) || !json_is_array(emb = json_object_get(item, "embedding"))) {
            st = fail(why, whylen, "data[%zu] has no embedding array", i);
            goto done;
        }
        if ((idx = json_object_get(item, "index"))) {
            json_int_t k = json_is_integer(idx) ? json_integer_value(idx) : -1;
            if (k < 0 || (size_t)k >= n || seen[k]) {
                st = fail(why, whylen, "data[%zu] has a bad or repeated index", i);
                goto done;
            }
            at = (size_t)k;
        } else if (seen[at]) {
            st = fail(why, whylen, "data[%zu] has a bad or repeated index", i);
            goto done;
        }
        seen[at] = true;
        size_t m = json_array_size(emb);
        if (i == 0) {
            if (m == 0 || m > OAIWIRE_MAX_DIMS) {
                st = fail(why, whylen, "the embeddings have %zu dimensions", m);
                goto done;
            }
            if (want_dims > 0 && m != (size_t)want_dims) {
                st = fail(why, whylen, "the embeddings have %zu dimensions, not %d", m, want_dims);
                goto done;
            }
            d = (int)m;
            vecs = xmalloc(n * m * sizeof *vecs);
        } else if (m != (size_t)d) {
            st = fail(why, whylen, "data[%zu] has %zu dimensions, not %d", i, m, d);
            goto done;
        }
        float *v = vecs + at * (size_t)d;
        double ss = 0;
        for (size_t j = 0; j < m; j++) {
            json_t *x = json_array_get(emb, j);
            double f = json_is_number(x) ? json_number_value(x) : NAN;
            if (!isfinite(f) || fabs(f) > 3.0e38) {
                st = fail(why, whylen, "data[%zu] has a value that is not a finite number", i);
                goto done;
            }
            v[j] = (float)f;
            ss += f * f;
        }
        if (!(ss > 0) || !isfinite(ss)) {
            st = fail(why, whylen, "data[%zu] is a zero vector", i);
            goto done;
        }
        double inv = 1.0 / sqrt(ss);
        for (size_t j = 0; j < m; j++)
            v[j] = (float)(v[j] * inv);
    }
    if (n == 0) {
        st = fail(why, whylen, "no texts were asked for");
        goto done;
    }
    usage = json_object_get(root, "usage");
    pt = usage ? json_object_get(usage, "prompt_tokens") : NULL;
    *tokens =
        json_is_integer(pt) && json_integer_value(pt) >= 0 && json_integer_value(pt) <= 1000000000
            ? (int)json_integer_value(pt)
            : 0;
    *dims = d;
    *out = vecs;
    vecs = NULL;
done:
    free(vecs);
    free(seen);
    json_decref(root);
    return st;
}

void oaiwire_error_message(const char *body, size_t len, char *out, size_t outlen)
{
    json_t *root = json_loadb(body, len, 0, NULL), *err, *msg;
    const char *s = NULL;
    size_t k = 0;

    if (outlen == 0)
        goto done;
    err = json_is_object(root) ? json_object_get(root, "error") : NULL;
    msg = json_is_object(err) ? json_object_get(err, "message") : err;
    s = json_is_string(msg) ? json_string_value(msg) : NULL;
    /* printable ASCII and whole UTF-8 sequences (jansson gives valid UTF-8); controls dropped */
    for (size_t i = 0; s && s[i];) {
        unsigned char c = (unsigned char)s[i];
        size_t l = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (c < 0x20 || c == 0x7f) {
            i++;
            continue;
        }
        if (k + l >= outlen)
            break;
        memcpy(out + k, s + i, l);
        k += l;
        i += l;
    }
    out[k] = '\0';
done:
    json_decref(root);
}

static bool word_leaks(const char *w, size_t wl, const char *key, size_t kl)
{
    for (size_t i = 0; i + 3 <= wl; i++)
        if (memcmp(w + i, "***", 3) == 0)
            return true;
    for (size_t i = 0; kl >= 6 && i + 6 <= kl; i++)
        for (size_t j = 0; j + 6 <= wl; j++)
            if (memcmp(w + j, key + i, 6) == 0)
                return true;
    return false;
}

void oaiwire_redact(char *msg, size_t msglen, const char *key)
{
    size_t kl = key ? strlen(key) : 0;
    buf_t b = BUF_INIT;

    for (const char *p = msg; *p;) {
        size_t sp = strspn(p, " "), wl;
        buf_append(&b, p, sp);
        p += sp;
        wl = strcspn(p, " ");
        if (wl && word_leaks(p, wl, key ? key : "", kl))
            buf_puts(&b, "[redacted]");
        else
            buf_append(&b, p, wl);
        p += wl;
    }
    if (b.len >= msglen) { /* cut at a character boundary */
        size_t k = msglen ? msglen - 1 : 0;
        while (k > 0 && ((unsigned char)b.data[k] & 0xc0) == 0x80)
            k--;
        b.len = k;
    }
    if (msglen) {
        memcpy(msg, b.data ? b.data : "", b.len);
        msg[b.len] = '\0';
    }
    buf_cleanup(&b);
}
