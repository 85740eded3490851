/* multipart.c - the incremental multipart/form-data parser of multipart.h. A byte-driven state
 * machine, except inside a part's body, where it jumps from CR to CR with memchr: the delimiter
 * "\r\n--<boundary>" has its only CR first (boundary characters exclude it), so a failed partial
 * match never hides the start of another one, and the bytes it held are the delimiter's own
 * prefix, given back as data from the delimiter itself. Nothing of the input is kept but a
 * part's header section (at most MP_HEAD_MAX bytes).
 */
#include "multipart.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

enum {
    S_PREAMBLE, /* before the first delimiter: bytes ignored */
    S_AFTER,    /* a delimiter matched: "--" closes, else padding then CRLF */
    S_DASH,     /* one '-' of the closing "--" seen */
    S_PAD,      /* transport padding (space, tab) before the CRLF */
    S_CR,       /* the CR after a delimiter */
    S_HEAD,     /* a part's header section */
    S_BODY,     /* a part's bytes */
    S_EPILOGUE, /* after the closing delimiter: bytes ignored */
    S_FAILED,
};

static mp_result_t fail(mp_parser_t *p, mp_result_t r, const char *why)
{
    p->state = S_FAILED;
    p->error = why;
    p->match = (size_t)r; /* remembered for later calls */
    return r;
}

/* RFC 2046 bchars: DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_" / "," / "-" / "." / "/" / ":" /
 * "=" / "?" and space (not last). */
static bool bchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("'()+_,-./:=? ", c));
}

static bool tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Skips optional whitespace. */
static const char *ows(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* A parameter value at *s (token or quoted-string) into out (truncation is an error). Returns
 * false when malformed. Inside quotes a backslash escapes only '"' and '\' (browsers send
 * Windows paths unescaped). */
static bool param_value(const char **s, const char *end, char *out, size_t outlen)
{
    const char *q = *s;
    size_t n = 0;
    if (q < end && *q == '"') {
        for (q++; q < end && *q != '"'; q++) {
            if (*q == '\\' && q + 1 < end && (q[1] == '"' || q[1] == '\\'))
                q++;
            if (n + 1 >= outlen)
                return false;
            out[n++] = *q;
        }
        if (q == end)
            return false;
        q++;
    } else {
        for (; q < end && tchar((unsigned char)*q); q++) {
            if (n + 1 >= outlen)
                return false;
            out[n++] = *q;
        }
        if (n == 0)
            return false;
    }
    out[n] = '\0';
    *s = q;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 5987 ext-value "UTF-8'lang'pct-encoded" into out; false when malformed or not UTF-8
 * (then the plain filename= is used). */
static bool ext_value(const char *v, char *out, size_t outlen)
{
    const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
    size_t n = 0;
    if (!q2 || q1 - v != 5 || strncasecmp(v, "utf-8", 5) != 0)
        return false;
    for (const char *s = q2 + 1; *s; s++) {
        int c = (unsigned char)*s;
        if (c == '%') {
            int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
            if (lo < 0)
                return false;
            c = hi * 16 + lo;
            s += 2;
        }
        if (c == 0 || n + 1 >= outlen)
            return false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return true;
}

/* Content-Disposition: form-data; name="x"; filename="y"; filename*=UTF-8''z */
static const char *disposition(mp_part_t *part, const char *s, const char *end)
{
    char pname[32], value[MP_FILENAME_MAX * 3 + 16], ext[MP_FILENAME_MAX] = "";
    bool has_name = false, has_ext = false;
    const char *t = s;

    while (t < end && tchar((unsigned char)*t))
        t++;
    if (t - s != 9 || strncasecmp(s, "form-data", 9) != 0)
        return "a part's Content-Disposition is not form-data";
    for (s = ows(t, end); s < end;) {
        if (*s != ';')
            return "malformed Content-Disposition of a part";
        s = ows(s + 1, end);
        size_t n = 0;
        while (s < end && tchar((unsigned char)*s) && n + 1 < sizeof pname)
            pname[n++] = *s++;
        pname[n] = '\0';
        s = ows(s, end);
        if (n == 0 || s == end || *s != '=')
            return "malformed Content-Disposition of a part";
        s = ows(s + 1, end);
        if (!param_value(&s, end, value, sizeof value))
            return "malformed or too long a Content-Disposition parameter";
        s = ows(s, end);
        if (strcasecmp(pname, "name") == 0) {
            if (has_name || strlen(value) >= sizeof part->name)
                return "a part's field name is repeated or too long";
            strcpy(part->name, value);
            has_name = true;
        } else if (strcasecmp(pname, "filename") == 0) {
            if (part->has_filename && !has_ext)
                return "a part's filename is repeated";
            if (strlen(value) >= sizeof part->filename)
                return "a part's filename is too long";
            if (!has_ext)
                strcpy(part->filename, value);
            part->has_filename = true;
        } else if (strcasecmp(pname, "filename*") == 0) {
            if (has_ext)
                return "a part's filename* is repeated";
            if (ext_value(value, ext, sizeof ext)) {
                strcpy(part->filename, ext);
                has_ext = true;
            }
            part->has_filename = true;
        }
    }
    return has_name ? NULL : "a part's Content-Disposition has no name";
}

/* The header section head[0..len) (CRLF-terminated lines, the last one empty) into p->part. */
static const char *parse_head(mp_parser_t *p)
{
    const char *s = p->head, *end = p->head + p->head_len - 2; /* the final empty line */
    bool has_disp = false;

    memset(&p->part, 0, sizeof p->part);
    while (s < end) {
        const char *eol = memchr(s, '\r', (size_t)(end - s)), *colon;
        const char *n = s;
        while (n < eol && tchar((unsigned char)*n))
            n++;
        if (n == s || n == eol || *n != ':')
            return "malformed header line in a part";
        colon = n;
        const char *v = ows(colon + 1, eol), *ve = eol;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        for (const char *c = v; c < ve; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t')
                return "control character in a part's header";
        size_t nlen = (size_t)(colon - s);
        if (nlen == 19 && strncasecmp(s, "content-disposition", nlen) == 0) {
            if (has_disp)
                return "a part has two Content-Disposition headers";
            has_disp = true;
            const char *why = disposition(&p->part, v, ve);
            if (why)
                return why;
        } else if (nlen == 12 && strncasecmp(s, "content-type", nlen) == 0) {
            if ((size_t)(ve - v) >= sizeof p->part.content_type)
                return "a part's Content-Type is too long";
            memcpy(p->part.content_type, v, (size_t)(ve - v));
            p->part.content_type[ve - v] = '\0';
        }
        s = eol + 2;
    }
    return has_disp ? NULL : "a part has no Content-Disposition";
}

bool mp_boundary(const char *ct, char *out, size_t outlen)
{
    if (!ct || outlen < MP_BOUNDARY_MAX + 1)
        return false;
    const char *end = ct + strlen(ct), *s = ows(ct, end);
    if ((size_t)(end - s) < 19 || strncasecmp(s, "multipart/form-data", 19) != 0)
        return false;
    s += 19;
    bool found = false;
    for (s = ows(s, end); s < end;) {
        char pname[32], value[128];
        size_t n = 0;
        if (*s != ';')
            return false;
        s = ows(s + 1, end);
        while (s < end && tchar((unsigned char)*s) && n + 1 < sizeof pname)
            pname[n++] = *s++;
        pname[n] = '\0';
        s = ows(s, end);
        if (n == 0 || s == end || *s != '=')
            return false;
        s = ows(s + 1, end);
        if (!param_value(&s, end, value, sizeof value))
            return false;
        s = ows(s, end);
        if (strcasecmp(pname, "boundary") != 0)
            continue;
        size_t blen = strlen(value);
        if (found || blen == 0 || blen > MP_BOUNDARY_MAX || value[blen - 1] == ' ')
            return false;
        for (size_t i = 0; i < blen; i++)
            if (!bchar((unsigned char)value[i]))
                return false;
        memcpy(out, value, blen + 1);
        found = true;
    }
    return found;
}

void mp_init(mp_parser_t *p, const char *boundary, const mp_callbacks_t *cb, void *ctx)
{
    size_t n = strlen(boundary);
    if (n > MP_BOUNDARY_MAX)
        n = MP_BOUNDARY_MAX;
    p->state = S_PREAMBLE;
    p->cb = cb;
    p->ctx = ctx;
    memcpy(p->delim, "\r\n--", 4);
    memcpy(p->delim + 4, boundary, n);
    p->dlen = n + 4;
    p->delim[p->dlen] = '\0';
    p->match = 2; /* the first delimiter may open the body without a CRLF before it */
    p->head_len = 0;
    p->error = NULL;
}

static mp_result_t emit(mp_parser_t *p, const char *d, size_t n)
{
    if (n && p->cb->part_data && p->cb->part_data(p->ctx, d, n))
        return fail(p, MP_STOPPED, "stopped");
    return MP_MORE;
}

/* A part's bytes from in[*i..len): up to the end of the input or of the part. */
static mp_result_t body(mp_parser_t *p, const char *in, size_t len, size_t *i)
{
    size_t k = *i, start = k;
    while (k < len) {
        if (p->match) {
            if (in[k] == p->delim[p->match]) {
                k++;
                start = k;
                if (++p->match == p->dlen) { /* the part ends here */
                    p->match = 0;
                    p->state = S_AFTER;
                    *i = k;
                    if (p->cb->part_end && p->cb->part_end(p->ctx))
                        return fail(p, MP_STOPPED, "stopped");
                    return MP_MORE;
                }
                continue;
            }
            /* Not the delimiter: what it held was data (its own prefix); in[k] looks again. */
            if (emit(p, p->delim, p->match))
                return MP_STOPPED;
            p->match = 0;
            start = k;
        }
        const char *cr = memchr(in + k, '\r', len - k);
        size_t stop = cr ? (size_t)(cr - in) : len;
        if (emit(p, in + start, stop - start))
            return MP_STOPPED;
        k = stop;
        if (cr) {
            p->match = 1;
            start = ++k;
        } else {
            start = k;
        }
    }
    *i = k;
    return MP_MORE;
}

mp_result_t mp_feed(mp_parser_t *p, const char *in, size_t len)
{
    size_t i = 0;
    if (p->state == S_FAILED)
        return (mp_result_t)p->match;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        switch (p->state) {
        case S_PREAMBLE:
            i++;
            if (c == (unsigned char)p->delim[p->match]) {
                if (++p->match == p->dlen) {
                    p->match = 0;
                    p->state = S_AFTER;
                }
            } else {
                p->match = c == '\r' ? 1 : 0;
            }
            break;
        case S_AFTER:
            i++;
            if (c == '-')
                p->state = S_DASH;
            else if (c == ' ' || c == '\t')
                p->state = S_PAD;
            else if (c == '\r')
                p->state = S_CR;
            else
                return fail(p, MP_BAD, "a boundary is followed by neither CRLF nor \"--\"");
            break;
        case S_DASH:
            i++;
            if (c != '-')
                return fail(p, MP_BAD, "a boundary is followed by neither CRLF nor \"--\"");
            p->state = S_EPILOGUE;
            break;
        case S_PAD:
            i++;
            if (c == '\r')
                p->state = S_CR;
            else if (c != ' ' && c != '\t')
                return fail(p, MP_BAD, "a boundary is followed by neither CRLF nor \"--\"");
            break;
        case S_CR:
            i++;
            if (c != '\n')
                return fail(p, MP_BAD, "a boundary line does not end in CRLF");
            p->state = S_HEAD;
            p->head_len = 0;
            break;
        case S_HEAD: {
            i++;
            if (c == '\0')
                return fail(p, MP_BAD, "NUL in a part's headers");
            if (p->head_len && p->head[p->head_len - 1] == '\r' && c != '\n')
                return fail(p, MP_BAD, "bare CR in a part's headers");
            if (c == '\n' && (!p->head_len || p->head[p->head_len - 1] != '\r'))
                return fail(p, MP_BAD, "bare LF in a part's headers");
            if (p->head_len == sizeof p->head)
                return fail(p, MP_BAD, "a part's headers are too large");
            p->head[p->head_len++] = (char)c;
            size_t n = p->head_len;
            bool end = (n == 2 && c == '\n') ||
                       (n >= 4 && c == '\n' && memcmp(p->head + n - 4, "\r\n\r\n", 4) == 0);
            if (!end)
                break;
            const char *why = parse_head(p);
            if (why)
                return fail(p, MP_BAD, why);
            p->state = S_BODY;
            p->match = 0;
            if (p->cb->part_begin && p->cb->part_begin(p->ctx, &p->part))
                return fail(p, MP_STOPPED, "stopped");
            break;
        }
        case S_BODY: {
            mp_result_t r = body(p, in, len, &i);
            if (r != MP_MORE)
                return r;
            break;
        }
        case S_EPILOGUE:
            return MP_DONE;
        }
    }
    return p->state == S_EPILOGUE ? MP_DONE : MP_MORE;
}

mp_result_t mp_finish(mp_parser_t *p)
{
    if (p->state == S_FAILED)
        return (mp_result_t)p->match;
    if (p->state == S_EPILOGUE)
        return MP_DONE;
    return fail(p, MP_BAD, "the form ends before its closing boundary");
}

const char *mp_error(const mp_parser_t *p)
{
    return p->error;
}
