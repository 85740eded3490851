/* h1parse.h - a strict HTTP/1.1 request parser (RFC 9112): the request head, the body framing
 * (Content-Length or chunked) and the pieces of a request target. Pure: no I/O, no global
 * state; the only allocation is the parsed head's own copy. The edge feeds it the bytes of a
 * connection (http.c); the fuzzer (tests/fuzz/fuzz_h1parse.c) feeds it anything.
 *
 *     h1_req_t req;
 *     size_t used;
 *     switch (h1_parse_head(in, len, &limits, &req, &used)) {
 *     case H1_INCOMPLETE: read more, call again with the whole head so far
 *     case H1_OK:         the head was in[0..used); h1_header(&req, "host"); the body follows
 *     default:            answer h1_result_status(r) with req.error, close the connection
 *     }
 *     h1_req_cleanup(&req);
 *
 * Anything that is not plainly well-formed is refused rather than guessed at: a header line
 * without a colon, obs-fold, a NUL or bare CR/LF, HTTP/0.9, conflicting or malformed lengths,
 * Transfer-Encoding other than a single "chunked", Transfer-Encoding with Content-Length, %00 or
 * dot segments in the path. That leaves no room for a proxy in front to frame a request one way
 * and the edge another (request smuggling).
 */
#ifndef EDGE_H1PARSE_H
#define EDGE_H1PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    H1_OK = 0,
    H1_INCOMPLETE,   /* more bytes needed */
    H1_BAD,          /* 400: malformed */
    H1_URI_TOO_LONG, /* 414 */
    H1_TOO_LARGE,    /* 431: header section over the limit or too many fields */
    H1_METHOD,       /* 405: CONNECT (the edge is no proxy) */
    H1_VERSION,      /* 505: HTTP/2.0 and the like in an HTTP/1 request line */
} h1_result_t;

/* The HTTP status for a failed parse (400, 414, 431, 405, 505); 0 for H1_OK / H1_INCOMPLETE. */
int h1_result_status(h1_result_t r);

typedef struct {
    size_t max_head; /* bytes of the request line and header fields, CRLFs included */
    size_t max_uri;  /* bytes of the request target */
    int max_fields;  /* header fields */
} h1_limits_t;

typedef struct {
    const char *name; /* lower case */
    const char *value;
} h1_field_t;

typedef struct {
    char *mem; /* owns every string below */
    const char *method;
    const char *target; /* as sent */
    const char *path;   /* percent-decoded, "/..." */
    const char *query;  /* raw, after '?'; NULL when none */
    int minor;          /* HTTP/1.<minor> */
    h1_field_t *fields;
    int nfields;
    int64_t content_length; /* -1: none */
    bool chunked;
    bool keep_alive;
    bool expect_continue;
    const char *error; /* static text on failure */
} h1_req_t;

/* Parses the head at the start of in[0..len). On H1_OK *used is its length (the body starts
 * there) and req is filled; on H1_INCOMPLETE nothing is kept (call again with more bytes; an
 * error visible in a partial head is reported at once); on failure req->error says why. req is
 * always safe to pass to h1_req_cleanup. */
h1_result_t h1_parse_head(const char *in, size_t len, const h1_limits_t *lim, h1_req_t *req,
                          size_t *used /* OUT */);
void h1_req_cleanup(h1_req_t *req);

/* The first value of field lname (lower case), or NULL. */
const char *h1_header(const h1_req_t *req, const char *lname);
/* Iterates over every value of lname: *iter starts at 0; NULL at the end. */
const char *h1_header_next(const h1_req_t *req, const char *lname, int *iter);
/* The next element of a comma-separated field value list (RFC 9110 5.6.1: `#element`), for
 * Connection, Transfer-Encoding, Accept, Accept-Encoding and the like. *cursor starts at the
 * value and advances past the element; empty elements and the OWS around an element are
 * skipped; a comma inside a quoted-string (with its \-escapes) does not split. False at the
 * end; else *elem points at the element (parameters included, no surrounding OWS) and *len is
 * its length.
 *
 *     const char *cur = "gzip, br;q=0.5", *e;
 *     size_t n;
 *     while (h1_list_next(&cur, &e, &n))  // "gzip" (4), then "br;q=0.5" (8)
 */
bool h1_list_next(const char **cursor, const char **elem /* OUT */, size_t *len /* OUT */);
/* True when the comma-separated field value list contains token (case-insensitive). */
bool h1_list_has(const char *list, const char *token);

/* ---- body framing --------------------------------------------------------------------------- */
typedef struct {
    int state;
    bool chunked;
    uint64_t remain; /* of the body (length) or of the current chunk */
    size_t line;     /* bytes of the current chunk-size / extension / trailer line */
    size_t trailer;  /* bytes of trailer fields so far */
    size_t max_line;
    const char *error;
} h1_body_t;

/* Prepares to read the body the head announced (none, Content-Length or chunked); max_line
 * bounds a chunk-size line with its extensions and the trailer section. */
void h1_body_init(h1_body_t *b, const h1_req_t *req, size_t max_line);
/* Consumes input: *used bytes of in[0..len); the body bytes among them, if any, are
 * (*data, *dlen), pointing into in. H1_OK when the body is complete (in[*used..] is the next
 * request), H1_INCOMPLETE when more input is wanted or the call should be repeated with
 * in + *used (each call yields at most one data span), H1_BAD on a malformed chunk. */
h1_result_t h1_body_feed(h1_body_t *b, const char *in, size_t len, size_t *used /* OUT */,
                         const char **data /* OUT */, size_t *dlen /* OUT */);
bool h1_body_done(const h1_body_t *b);

/* ---- request target pieces ------------------------------------------------------------------ */
/* Percent-decodes in[0..n) into out (room for n + 1); '+' becomes a space when plus is set.
 * Returns the decoded length, or -1 for a malformed escape or a decoded NUL. */
long h1_pct_decode(const char *in, size_t n, char *out, bool plus);
/* The next name=value pair of a query string, both decoded (form rules): *cursor starts at the
 * query and advances. False at the end; a pair too long for the buffers or malformed is an
 * error (*bad set) rather than skipped. */
bool h1_query_next(const char **cursor, char *name, size_t nlen, char *value, size_t vlen,
                   bool *bad /* OUT */);

#endif
