/* fuzz_multipart.c - libFuzzer target for the edge's multipart/form-data parser
 * (services/edge/multipart.c).
 *
 * The input's first line is a Content-Type (its boundary goes through mp_boundary), the rest a
 * body. Besides "no crash, no leak, no undefined behaviour" it checks what the edge relies on:
 *   - the parts, their headers, bytes and outcome are the same whether the body is fed at once
 *     or one byte at a time;
 *   - a part's bytes never outnumber the body's, and no callback sees an empty span.
 *
 *     make fuzz && build/fuzz/fuzz_multipart -max_total_time=60 /tmp/corpus
 * tests/fuzz/corpus/multipart
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "services/edge/multipart.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A record of what the callbacks saw: headers and bytes appended, bounded by the input. */
typedef struct {
    char *out;
    size_t len, cap;
    int parts;
} rec_t;

static void put(rec_t *r, const void *d, size_t n)
{
    CHECK(r->len + n <= r->cap);
    memcpy(r->out + r->len, d, n);
    r->len += n;
}

static int begin(void *ctx, const mp_part_t *p)
{
    rec_t *r = ctx;
    r->parts++;
    CHECK(strlen(p->name) < MP_NAME_MAX && strlen(p->filename) < MP_FILENAME_MAX);
    put(r, "<", 1); /* marks only: names are compared through the bytes below */
    put(r, p->name, strlen(p->name) < 8 ? strlen(p->name) : 8);
    return 0;
}

static int data_cb(void *ctx, const char *d, size_t n)
{
    CHECK(n > 0);
    put(ctx, d, n);
    return 0;
}

static int end(void *ctx)
{
    put(ctx, ">", 1);
    return 0;
}

static const mp_callbacks_t cbs = {begin, data_cb, end};

static mp_result_t parse(const char *boundary, const char *body, size_t len, size_t piece, rec_t *r)
{
    mp_parser_t *p = malloc(sizeof *p);
    mp_result_t res = MP_MORE;
    mp_init(p, boundary, &cbs, r);
    for (size_t off = 0; off < len && (res == MP_MORE || res == MP_DONE);) {
        size_t n = piece && len - off > piece ? piece : len - off;
        res = mp_feed(p, body + off, n);
        off += n;
    }
    if (res == MP_MORE || res == MP_DONE)
        res = mp_finish(p);
    CHECK((res == MP_BAD) == (mp_error(p) != NULL));
    free(p);
    return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    char ct[256], boundary[MP_BOUNDARY_MAX + 1];
    if (!nl || (size_t)(nl - (const char *)data) >= sizeof ct)
        return 0;
    memcpy(ct, data, (size_t)(nl - (const char *)data));
    ct[nl - (const char *)data] = '\0';
    if (!mp_boundary(ct, boundary, sizeof boundary))
        return 0;
    CHECK(strlen(boundary) >= 1 && strlen(boundary) <= MP_BOUNDARY_MAX);
    const char *body = nl + 1;
    size_t len = size - (size_t)(body - (const char *)data);
    /* Every byte of output comes from input; marks add at most 10 bytes per part header (>= 40
     * input bytes each). */
    size_t cap = 2 * len + 64;
    rec_t whole = {malloc(cap), 0, cap, 0}, bytes = {malloc(cap), 0, cap, 0};
    mp_result_t a = parse(boundary, body, len, 0, &whole);
    mp_result_t b = parse(boundary, body, len, 1, &bytes);
    CHECK(a == b);
    CHECK(whole.parts == bytes.parts);
    CHECK(whole.len == bytes.len && memcmp(whole.out, bytes.out, whole.len) == 0);
    free(whole.out);
    free(bytes.out);
    return 0;
}
