/* multipart.h - an incremental multipart/form-data parser (RFC 7578 on RFC 2046's framing). Pure:
 * no I/O, no allocation, no global state. The edge feeds it a request body as it arrives, in any
 * split, and gets the parts back through callbacks: each part's headers once, its bytes as they
 * come (never held whole), its end. The fuzzer (tests/fuzz/fuzz_multipart.c) feeds it anything.
 *
 *     char boundary[MP_BOUNDARY_MAX + 1];
 *     if (!mp_boundary(content_type, boundary, sizeof boundary)) refuse: not a form
 *     mp_parser_t *p = xmalloc(sizeof *p);
 *     mp_init(p, boundary, &callbacks, ctx);
 *     for each piece of the body:  if (mp_feed(p, d, n) != MP_MORE) stop (mp_error(p) says why)
 *     at the body's end:           mp_finish(p) == MP_OK when the closing delimiter was seen
 *
 * Strict where it costs nothing: every part needs `Content-Disposition: form-data; name=...`,
 * header lines end in CRLF, a part's header section is at most MP_HEAD_MAX bytes, and the body
 * must end with the closing delimiter. A preamble before the first delimiter and an epilogue
 * after the last are ignored (RFC 2046). filename*= (RFC 5987, UTF-8) wins over filename=.
 */
#ifndef EDGE_MULTIPART_H
#define EDGE_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MP_BOUNDARY_MAX 70   /* RFC 2046 */
#define MP_HEAD_MAX     8192 /* bytes of one part's header section */
#define MP_NAME_MAX     256  /* a field's name, decoded */
#define MP_FILENAME_MAX 1024 /* a file's name, decoded (UTF-8 as sent) */
#define MP_TYPE_MAX     256  /* a part's Content-Type */

typedef struct {
    char name[MP_NAME_MAX];         /* the form field's name */
    char filename[MP_FILENAME_MAX]; /* "" when the part names no file */
    bool has_filename;              /* filename= or filename*= was present (even empty) */
    char content_type[MP_TYPE_MAX]; /* "" when absent */
} mp_part_t;

/* Callbacks return 0 to go on; anything else stops the parser (MP_STOPPED). */
typedef struct {
    int (*part_begin)(void *ctx, const mp_part_t *part); /* the part's headers are in */
    int (*part_data)(void *ctx, const char *data, size_t len);
    int (*part_end)(void *ctx);
} mp_callbacks_t;

typedef enum {
    MP_MORE = 0, /* everything consumed; more input is expected */
    MP_DONE,     /* the closing delimiter was seen (what follows is epilogue) */
    MP_BAD,      /* malformed: mp_error says how */
    MP_STOPPED,  /* a callback returned non-zero */
} mp_result_t;

typedef struct {
    int state;
    const mp_callbacks_t *cb;
    void *ctx;
    char delim[MP_BOUNDARY_MAX + 5]; /* "\r\n--" boundary */
    size_t dlen;
    size_t match; /* bytes of delim matched so far */
    size_t head_len;
    char head[MP_HEAD_MAX];
    mp_part_t part;
    const char *error; /* static text */
} mp_parser_t;

/* The boundary parameter of a multipart/form-data Content-Type (token or quoted, 1..70 of
 * RFC 2046's characters) into out (MP_BOUNDARY_MAX + 1 bytes). False when content_type is not
 * multipart/form-data or its boundary is missing or malformed. */
bool mp_boundary(const char *content_type, char *out, size_t outlen);

void mp_init(mp_parser_t *p, const char *boundary, const mp_callbacks_t *cb, void *ctx);
/* Consumes in[0..len) whole (callbacks run as parts appear). After MP_DONE further input is
 * epilogue and ignored; after MP_BAD or MP_STOPPED every call returns the same. */
mp_result_t mp_feed(mp_parser_t *p, const char *in, size_t len);
/* The body ended: MP_DONE when the closing delimiter was seen, else MP_BAD ("the form ends
 * before its closing boundary") or the earlier failure. */
mp_result_t mp_finish(mp_parser_t *p);
/* Why the parser failed (static text), or NULL. */
const char *mp_error(const mp_parser_t *p);

#endif
