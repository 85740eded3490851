/* h1parse.c - the strict HTTP/1.1 request parser (see h1parse.h): the head in two passes (find
 * its end while refusing bad bytes early, then split a private copy into fields), the body as a
 * byte-at-a-time state machine for chunked framing or a countdown for Content-Length. */
#include "h1parse.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shared/util.h"

#define MAX_METHOD      32
#define MAX_LEADING_EOL 4 /* empty lines tolerated before a request line (RFC 9112 2.2) */
#define MAX_CHUNK_SIZE  (1ULL << 62)

int h1_result_status(h1_result_t r)
{
    switch (r) {
    case H1_BAD:
        return 400;
    case H1_URI_TOO_LONG:
        return 414;
    case H1_TOO_LARGE:
        return 431;
    case H1_METHOD:
        return 405;
    case H1_VERSION:
        return 505;
    default:
        return 0;
    }
}

/* tchar of RFC 9110 5.6.2 */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-value octets: VCHAR, obs-text, SP, HTAB */
static bool is_vchar_ws(unsigned char c)
{
    return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static h1_result_t fail(h1_req_t *req, h1_result_t r, const char *why)
{
    req->error = why;
    return r;
}

void h1_req_cleanup(h1_req_t *req)
{
    if (!req)
        return;
    free(req->mem);
    free(req->fields);
    memset(req, 0, sizeof *req);
}

const char *h1_header_next(const h1_req_t *req, const char *lname, int *iter)
{
    for (; *iter < req->nfields; (*iter)++)
        if (strcmp(req->fields[*iter].name, lname) == 0)
            return req->fields[(*iter)++].value;
    return NULL;
}

const char *h1_header(const h1_req_t *req, const char *lname)
{
    int it = 0;
    return h1_header_next(req, lname, &it);
}

bool h1_list_next(const char **cursor, const char **elem, size_t *len)
{
    const char *p = *cursor;
    bool quoted = false;
    if (!p)
        return false;
    while (*p == ',' || is_ows(*p))
        p++;
    if (!*p) {
        *cursor = p;
        return false;
    }
    const char *start = p;
    for (; *p && (quoted || *p != ','); p++) {
        if (quoted && *p == '\\' && p[1])
            p++;
        else if (*p == '"')
            quoted = !quoted;
    }
    size_t n = (size_t)(p - start);
    while (n && is_ows(start[n - 1]))
        n--;
    *elem = start;
    *len = n;
    *cursor = p;
    return true;
}

bool h1_list_has(const char *list, const char *token)
{
    size_t tlen = strlen(token), n;
    const char *e;
    for (const char *cur = list; h1_list_next(&cur, &e, &n);)
        if (n == tlen && strncasecmp(e, token, tlen) == 0)
            return true;
    return false;
}

long h1_pct_decode(const char *in, size_t n, char *out, bool plus)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%') {
            if (n - i < 3)
                return -1;
            const char *hi = in[i + 1] ? strchr(hex, in[i + 1] | 0x20) : NULL;
            const char *lo = in[i + 2] ? strchr(hex, in[i + 2] | 0x20) : NULL;
            if (!hi || !lo)
                return -1;
            c = (char)(((hi - hex) << 4) | (lo - hex));
            if (!c)
                return -1;
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        } else if (!c) {
            return -1;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return (long)o;
}

bool h1_query_next(const char **cursor, char *name, size_t nlen, char *value, size_t vlen,
                   bool *bad)
{
    const char *p = *cursor;
    *bad = false;
    while (p && *p == '&')
        p++;
    if (!p || !*p)
        return false;
    size_t n = strcspn(p, "&");
    const char *eq = memchr(p, '=', n);
    size_t kn = eq ? (size_t)(eq - p) : n;
    size_t vn = eq ? n - kn - 1 : 0;
    *cursor = p + n;
    if (kn >= nlen || vn >= vlen || h1_pct_decode(p, kn, name, true) < 0 ||
        h1_pct_decode(eq ? eq + 1 : "", vn, value, true) < 0) {
        *bad = true;
        return false;
    }
    return true;
}

/* Checks what there is of a request line that has not ended yet, so that a stream that is no
 * HTTP (TLS, binary) is refused at once instead of waiting for a CRLF that never comes. */
static h1_result_t check_partial_line(const char *p, size_t n, const h1_limits_t *lim,
                                      h1_req_t *req)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i]))
        i++;
    if (i < n && p[i] != ' ')
        return fail(req, H1_BAD, "malformed request line");
    if (i > MAX_METHOD)
        return fail(req, H1_BAD, "malformed request line");
    if (n > lim->max_uri + MAX_METHOD + 16)
        return fail(req, H1_URI_TOO_LONG, "the request target is too long");
    return H1_INCOMPLETE;
}

/* True when a complete request line ends in " HTTP/d.d" (HTTP/0.9 has no version). */
static bool version_follows(const char *line, size_t n)
{
    return n > 9 && memcmp(line + n - 9, " HTTP/", 6) == 0;
}

/* Finds the end of the head (the empty line): *end is the offset just past it. Refuses NUL,
 * bare CR, bare LF, a head over the limit, and a first line that cannot be HTTP. */
static h1_result_t find_end(const char *in, size_t len, size_t start, const h1_limits_t *lim,
                            h1_req_t *req, size_t *end, int *nlines)
{
    size_t line_start = start;
    int lines = 0;
    for (size_t j = start; j < len; j++) {
        unsigned char c = (unsigned char)in[j];
        if (j - start >= lim->max_head) {
            if (!lines && j - start > lim->max_uri)
                return fail(req, H1_URI_TOO_LONG, "the request target is too long");
            return fail(req, H1_TOO_LARGE, "the request header section is too large");
        }
        if (c == '\0')
            return fail(req, H1_BAD, "NUL in the request head");
        if (c == '\n')
            return fail(req, H1_BAD, "a line of the request head ends without CR");
        if (c != '\r')
            continue;
        if (j + 1 == len)
            break;
        if (in[j + 1] != '\n')
            return fail(req, H1_BAD, "bare CR in the request head");
        if (j == line_start) { /* the empty line */
            if (!lines)
                return fail(req, H1_BAD, "empty request line");
            *end = j + 2;
            *nlines = lines;
            return H1_OK;
        }
        if (!lines && !version_follows(in + line_start, j - line_start))
            return fail(req, H1_BAD, "malformed request line (HTTP/0.9 is not served)");
        lines++;
        if (lines - 1 > lim->max_fields)
            return fail(req, H1_TOO_LARGE, "too many header fields");
        j++;
        line_start = j + 1;
    }
    if (!lines) /* (a CR at the very end may be the first half of a CRLF) */
        return check_partial_line(in + start, len - start - (len > start && in[len - 1] == '\r'),
                                  lim, req);
    return H1_INCOMPLETE;
}

/* "HTTP/1.1" -> minor 1; 505 for other majors; 400 for anything else. */
static h1_result_t parse_version(const char *v, h1_req_t *req)
{
    if (strlen(v) != 8 || strncmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9')
        return fail(req, H1_BAD, "malformed HTTP version");
    if (v[5] != '1')
        return fail(req, H1_VERSION, "only HTTP/1.x is served");
    req->minor = v[7] == '0' ? 0 : 1;
    return H1_OK;
}

static bool has_dot_segment(const char *path)
{
    for (const char *p = path; (p = strchr(p, '/')); p++) {
        if (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
            return true;
        if (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0'))
            return true;
    }
    return false;
}

/* The request target: origin-form, absolute-form (its path is taken), or "*" for OPTIONS.
 * pathbuf has room for the target plus a NUL. */
static h1_result_t parse_target(h1_req_t *req, char *pathbuf)
{
    const char *t = req->target, *path = t;
    if (strchr(t, '#'))
        return fail(req, H1_BAD, "a fragment in the request target");
    if (strcmp(t, "*") == 0) {
        if (strcmp(req->method, "OPTIONS") != 0)
            return fail(req, H1_BAD, "malformed request target");
        strcpy(pathbuf, "*");
        req->path = pathbuf;
        return H1_OK;
    }
    if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
        const char *auth = strstr(t, "://") + 3;
        path = auth + strcspn(auth, "/?");
        if (path == auth)
            return fail(req, H1_BAD, "malformed request target");
    } else if (t[0] != '/') {
        return fail(req, H1_BAD, "malformed request target");
    }
    size_t plen = strcspn(path, "?");
    if (path[plen] == '?')
        req->query = path + plen + 1;
    if (plen == 0) {
        strcpy(pathbuf, "/");
    } else {
        long n = h1_pct_decode(path, plen, pathbuf, false);
        if (n < 0)
            return fail(req, H1_BAD, "malformed or NUL percent-escape in the path");
        for (long i = 0; i < n; i++)
            if ((unsigned char)pathbuf[i] < 0x20 || pathbuf[i] == 0x7f)
                return fail(req, H1_BAD, "control character in the path");
        if (pathbuf[0] != '/')
            return fail(req, H1_BAD, "malformed request target");
    }
    if (has_dot_segment(pathbuf))
        return fail(req, H1_BAD, "dot segment in the path");
    req->path = pathbuf;
    return H1_OK;
}

static h1_result_t parse_request_line(h1_req_t *req, char *line, char *pathbuf,
                                      const h1_limits_t *lim)
{
    char *sp1 = strchr(line, ' ');
    if (!sp1)
        return fail(req, H1_BAD, "malformed request line (HTTP/0.9 is not served)");
    char *sp2 = strchr(sp1 + 1, ' ');
    if (!sp2)
        return fail(req, H1_BAD, "malformed request line (HTTP/0.9 is not served)");
    *sp1 = *sp2 = '\0';
    req->method = line;
    req->target = sp1 + 1;
    size_t mlen = (size_t)(sp1 - line), tlen = (size_t)(sp2 - sp1 - 1);
    if (mlen == 0 || mlen > MAX_METHOD)
        return fail(req, H1_BAD, "malformed method");
    for (size_t i = 0; i < mlen; i++)
        if (!is_tchar((unsigned char)line[i]))
            return fail(req, H1_BAD, "malformed method");
    if (tlen == 0)
        return fail(req, H1_BAD, "empty request target");
    if (tlen > lim->max_uri)
        return fail(req, H1_URI_TOO_LONG, "the request target is too long");
    for (size_t i = 0; i < tlen; i++)
        if ((unsigned char)req->target[i] < 0x21 || (unsigned char)req->target[i] > 0x7e)
            return fail(req, H1_BAD, "malformed request target");
    h1_result_t r = parse_version(sp2 + 1, req);
    if (r)
        return r;
    if (strcmp(req->method, "CONNECT") == 0)
        return fail(req, H1_METHOD, "CONNECT is not served: this is no proxy");
    return parse_target(req, pathbuf);
}

static h1_result_t parse_field(h1_req_t *req, char *line)
{
    if (is_ows(line[0]))
        return fail(req, H1_BAD, "obsolete line folding in a header field");
    char *colon = strchr(line, ':');
    if (!colon)
        return fail(req, H1_BAD, "a header line without a colon");
    if (colon == line)
        return fail(req, H1_BAD, "a header field without a name");
    for (char *p = line; p < colon; p++) {
        if (!is_tchar((unsigned char)*p))
            return fail(req, H1_BAD, "malformed header field name");
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    }
    *colon = '\0';
    char *v = colon + 1;
    while (is_ows(*v))
        v++;
    size_t n = strlen(v);
    while (n && is_ows(v[n - 1]))
        n--;
    v[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!is_vchar_ws((unsigned char)v[i]))
            return fail(req, H1_BAD, "control character in a header field value");
    req->fields[req->nfields++] = (h1_field_t){line, v};
    return H1_OK;
}

static bool parse_length(const char *v, int64_t *out)
{
    size_t n = strlen(v);
    if (n == 0 || n > 18 || strspn(v, "0123456789") != n)
        return false;
    int64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = x * 10 + (v[i] - '0');
    *out = x;
    return true;
}

static bool host_ok(const char *h)
{
    size_t n = strlen(h);
    return n > 0 && strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                              ".-_~:[]%!$&'()*+,;=") == n;
}

/* Message framing and connection semantics from the fields (RFC 9112 6 and 9). */
static h1_result_t apply_fields(h1_req_t *req)
{
    int it = 0, hosts = 0, tes = 0, te_fields = 0;
    const char *v;
    while ((v = h1_header_next(req, "content-length", &it))) {
        int64_t n;
        if (!parse_length(v, &n))
            return fail(req, H1_BAD, "malformed Content-Length");
        if (req->content_length >= 0 && req->content_length != n)
            return fail(req, H1_BAD, "conflicting Content-Length fields");
        req->content_length = n;
    }
    it = 0;
    while ((v = h1_header_next(req, "transfer-encoding", &it))) {
        te_fields++;
        /* Only a single "chunked": anything else cannot be framed by us the way a proxy might. */
        const char *e;
        size_t n;
        for (const char *cur = v; h1_list_next(&cur, &e, &n);)
            if (n != 7 || strncasecmp(e, "chunked", 7) != 0 || ++tes > 1)
                return fail(req, H1_BAD, "unsupported transfer coding");
    }
    if (te_fields && !tes)
        return fail(req, H1_BAD, "unsupported transfer coding");
    if (tes) {
        if (req->minor == 0)
            return fail(req, H1_BAD, "Transfer-Encoding in an HTTP/1.0 request");
        if (req->content_length >= 0)
            return fail(req, H1_BAD, "both Transfer-Encoding and Content-Length");
        req->chunked = true;
    }
    it = 0;
    while ((v = h1_header_next(req, "host", &it))) {
        if (++hosts > 1 || !host_ok(v))
            return fail(req, H1_BAD, hosts > 1 ? "more than one Host field" : "malformed Host");
    }
    if (req->minor == 1 && hosts != 1)
        return fail(req, H1_BAD, "no Host field");
    req->keep_alive = req->minor == 1;
    it = 0;
    while ((v = h1_header_next(req, "connection", &it))) {
        if (h1_list_has(v, "close"))
            req->keep_alive = false;
        else if (req->minor == 0 && h1_list_has(v, "keep-alive"))
            req->keep_alive = true;
    }
    if ((v = h1_header(req, "expect")) && strcasecmp(v, "100-continue") == 0 && req->minor == 1)
        req->expect_continue = true;
    return H1_OK;
}

h1_result_t h1_parse_head(const char *in, size_t len, const h1_limits_t *lim, h1_req_t *req,
                          size_t *used)
{
    size_t start = 0, end = 0;
    int nlines = 0;
    h1_result_t r;

    memset(req, 0, sizeof *req);
    req->content_length = -1;
    for (int k = 0;
         k < MAX_LEADING_EOL && start + 1 < len && in[start] == '\r' && in[start + 1] == '\n'; k++)
        start += 2;
    if ((r = find_end(in, len, start, lim, req, &end, &nlines)))
        return r;

    /* A private copy: lines become NUL-terminated strings, then room for the decoded path. */
    size_t hlen = end - start;
    req->mem = xmalloc(2 * hlen + 2);
    memcpy(req->mem, in + start, hlen);
    req->mem[hlen] = '\0';
    char *pathbuf = req->mem + hlen + 1;
    req->fields = xcalloc((size_t)nlines, sizeof *req->fields);

    char *line = req->mem;
    for (int i = 0; i < nlines; i++) {
        char *cr = strstr(line, "\r\n");
        *cr = '\0';
        r = i == 0 ? parse_request_line(req, line, pathbuf, lim) : parse_field(req, line);
        if (r)
            return r;
        line = cr + 2;
    }
    if ((r = apply_fields(req)))
        return r;
    *used = end;
    return H1_OK;
}

/* ---- body framing --------------------------------------------------------------------------- */
enum {
    B_DONE,
    B_LENGTH,
    C_SIZE,
    C_EXT,
    C_SIZE_LF,
    C_DATA,
    C_DATA_CR,
    C_DATA_LF,
    C_TRAILER,
    C_TRAILER_LINE,
    C_TRAILER_LF,
    C_END_LF,
};

void h1_body_init(h1_body_t *b, const h1_req_t *req, size_t max_line)
{
    memset(b, 0, sizeof *b);
    b->max_line = max_line;
    if (req->chunked) {
        b->chunked = true;
        b->state = C_SIZE;
    } else if (req->content_length > 0) {
        b->remain = (uint64_t)req->content_length;
        b->state = B_LENGTH;
    } else {
        b->state = B_DONE;
    }
}

bool h1_body_done(const h1_body_t *b)
{
    return b->state == B_DONE;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static h1_result_t body_fail(h1_body_t *b, const char *why)
{
    b->error = why;
    return H1_BAD;
}

h1_result_t h1_body_feed(h1_body_t *b, const char *in, size_t len, size_t *used, const char **data,
                         size_t *dlen)
{
    size_t i = 0;
    *used = 0;
    *data = NULL;
    *dlen = 0;
    while (i < len && b->state != B_DONE) {
        unsigned char c = (unsigned char)in[i];
        switch (b->state) {
        case B_LENGTH:
        case C_DATA: {
            size_t n = len - i;
            if ((uint64_t)n > b->remain)
                n = (size_t)b->remain;
            *data = in + i;
            *dlen = n;
            b->remain -= n;
            if (!b->remain)
                b->state = b->state == B_LENGTH ? B_DONE : C_DATA_CR;
            *used = i + n;
            return b->state == B_DONE ? H1_OK : H1_INCOMPLETE;
        }
        case C_SIZE: {
            int h = hexval(c);
            if (h >= 0) {
                if (b->remain > (MAX_CHUNK_SIZE >> 4))
                    return body_fail(b, "chunk size too large");
                b->remain = (b->remain << 4) | (uint64_t)h;
                b->line++;
            } else if (!b->line) {
                return body_fail(b, "malformed chunk size");
            } else if (c == ';' || is_ows((char)c)) {
                b->state = C_EXT;
            } else if (c == '\r') {
                b->state = C_SIZE_LF;
            } else {
                return body_fail(b, "malformed chunk size");
            }
            break;
        }
        case C_EXT: /* chunk extensions are tolerated and ignored */
            if (c == '\r')
                b->state = C_SIZE_LF;
            else if (!is_vchar_ws(c))
                return body_fail(b, "malformed chunk extension");
            else if (++b->line > b->max_line)
                return body_fail(b, "chunk extension too long");
            break;
        case C_SIZE_LF:
            if (c != '\n')
                return body_fail(b, "bare CR in chunked framing");
            b->line = 0;
            b->state = b->remain ? C_DATA : C_TRAILER;
            break;
        case C_DATA_CR:
            if (c != '\r')
                return body_fail(b, "chunk data not followed by CRLF");
            b->state = C_DATA_LF;
            break;
        case C_DATA_LF:
            if (c != '\n')
                return body_fail(b, "chunk data not followed by CRLF");
            b->state = C_SIZE;
            break;
        case C_TRAILER: /* trailer fields are tolerated and ignored */
            if (c == '\r')
                b->state = C_END_LF;
            else if (is_ows((char)c) || !is_tchar(c))
                return body_fail(b, "malformed trailer field");
            else
                b->state = C_TRAILER_LINE;
            break;
        case C_TRAILER_LINE:
            if (c == '\r')
                b->state = C_TRAILER_LF;
            else if (c == '\n' || !(is_vchar_ws(c)))
                return body_fail(b, "malformed trailer field");
            if (++b->trailer > b->max_line)
                return body_fail(b, "trailer section too large");
            break;
        case C_TRAILER_LF:
            if (c != '\n')
                return body_fail(b, "bare CR in the trailer section");
            b->state = C_TRAILER;
            break;
        case C_END_LF:
            if (c != '\n')
                return body_fail(b, "bare CR after the last chunk");
            b->state = B_DONE;
            break;
        }
        i++;
    }
    *used = i;
    return b->state == B_DONE ? H1_OK : H1_INCOMPLETE;
}
