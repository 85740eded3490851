/* out.c - the extractor's result (extract.h): blocks of clean text (valid NFC UTF-8 without
 * control characters), the error for the user, and the length-prefixed packing main.c writes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "services/ingest/extract/extract.h"
#include "shared/text.h"
#include "shared/util.h"

void extract_out_init(extract_out_t *out, const char *format, const char *mime)
{
    *out = (extract_out_t){.res = INGEST__EXTRACT_RESULT__INIT};
    out->res.format = xstrdup(format ? format : "");
    out->res.mime_type = mime ? xstrdup(mime) : NULL;
}

static void drop_blocks(extract_out_t *out)
{
    for (size_t i = 0; i < out->res.n_blocks; i++) {
        free(out->res.blocks[i]->kind);
        free(out->res.blocks[i]->text);
        free(out->res.blocks[i]);
    }
    free(out->res.blocks);
    out->res.blocks = NULL;
    out->res.n_blocks = 0;
    out->cap = 0;
    out->text_bytes = 0;
}

void extract_out_cleanup(extract_out_t *out)
{
    if (!out)
        return;
    drop_blocks(out);
    free(out->res.format);
    free(out->res.mime_type);
    free(out->res.title);
    free(out->res.encoding);
    free(out->res.error);
    *out = (extract_out_t){.res = INGEST__EXTRACT_RESULT__INIT};
}

/* True when code point cp, whatever comes before or after it, leaves NFC unchanged: ASCII and
 * Latin up to the combining marks, Cyrillic but its combining signs, common punctuation, currency
 * signs, the numero sign and U+FFFD (the quick check says "yes" for all of them). Russian and
 * English text never needs utf8proc's full pass, which costs more than everything else here. */
static bool nfc_stable(uint32_t cp)
{
    return cp < 0x300 || (cp >= 0x400 && cp <= 0x482) || (cp >= 0x48A && cp <= 0x52F) ||
           (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2030 && cp <= 0x205E) ||
           (cp >= 0x20A0 && cp <= 0x20C0) || cp == 0x2116 || cp == 0xFFFD;
}

static uint32_t code_point(const unsigned char *p, size_t n)
{
    if (n == 1)
        return p[0];
    if (n == 2)
        return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    if (n == 3)
        return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
           (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
}

char *extract_clean_text(const char *s, size_t len, size_t *out_len)
{
    buf_t b = BUF_INIT;
    bool stable = true; /* NFC already, as far as nfc_stable knows */
    buf_reserve(&b, len + 1);
    for (size_t i = 0; i < len;) {
        /* a run of printable ASCII (and \n, \t) is copied at once */
        size_t run = i;
        while (run < len && ((unsigned char)s[run] >= 0x20 ? (unsigned char)s[run] < 0x7F
                                                           : s[run] == '\n' || s[run] == '\t'))
            run++;
        if (run > i) {
            buf_append(&b, s + i, run - i);
            i = run;
            continue;
        }
        const unsigned char *p = (const unsigned char *)s + i;
        size_t n = text_utf8_seq_len(p, len - i);
        if (n == 0) {
            buf_append(&b, "\xEF\xBF\xBD", 3);
            i++;
            continue;
        }
        uint32_t cp = code_point(p, n);
        if (cp == '\r') {
            if (i + 1 >= len || s[i + 1] != '\n')
                buf_putc(&b, '\n');
        } else if (cp == '\f') {
            buf_putc(&b, '\n'); /* a page or form break still ends a line */
        } else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0xFEFF) {
            /* control characters and stray byte order marks: dropped */
        } else {
            buf_append(&b, p, n);
            stable = stable && nfc_stable(cp);
        }
        i += n;
    }
    buf_reserve(&b, 1);
    b.data[b.len] = '\0';
    if (!stable) {
        utf8proc_uint8_t *nfc = NULL;
        utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)b.data, (utf8proc_ssize_t)b.len,
                                          &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (r >= 0) {
            buf_cleanup(&b);
            *out_len = (size_t)r;
            return (char *)nfc;
        }
        free(nfc);
    }
    *out_len = b.len;
    return buf_steal(&b);
}

/* The clean text trimmed of surrounding whitespace (in place); its new length. */
static size_t trim(char *s, size_t len)
{
    size_t lo = 0;
    while (lo < len && strchr(" \t\n", s[lo]))
        lo++;
    while (len > lo && strchr(" \t\n", s[len - 1]))
        len--;
    memmove(s, s + lo, len - lo);
    s[len - lo] = '\0';
    return len - lo;
}

status_t extract_out_block(extract_out_t *out, chunk_kind_t kind, int level, const char *text,
                           size_t len, int page)
{
    size_t n;
    char *clean = extract_clean_text(text, len, &n);
    n = trim(clean, n);
    if (n == 0) {
        free(clean);
        return ST_OK;
    }
    if (out->res.n_blocks >= EXTRACT_MAX_BLOCKS || out->text_bytes + n > EXTRACT_MAX_TEXT) {
        free(clean);
        return extract_out_fail(out, 422,
                                "the file holds more text than can be indexed (over %u MB)",
                                EXTRACT_MAX_TEXT >> 20);
    }
    if (out->res.n_blocks == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->res.blocks = xrealloc(out->res.blocks, out->cap * sizeof *out->res.blocks);
    }
    Ingest__Block *b = xmalloc(sizeof *b);
    ingest__block__init(b);
    b->kind = xstrdup(chunk_kind_name(kind));
    b->has_level = level != 0;
    b->level = level;
    b->text = clean;
    b->has_page = page != 0;
    b->page = page;
    out->res.blocks[out->res.n_blocks++] = b;
    out->text_bytes += n;
    return ST_OK;
}

status_t extract_out_fail(extract_out_t *out, int status, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    drop_blocks(out);
    free(out->res.error);
    out->res.error = buf_steal(&b);
    out->res.has_error_status = true;
    out->res.error_status = status;
    return ST_INVALID;
}

status_t extract_out_finish(extract_out_t *out)
{
    if (out->res.error)
        return ST_INVALID;
    if (out->res.n_blocks > 0)
        return ST_OK;
    if (strcmp(out->res.format, "pdf") == 0)
        return extract_out_fail(out, 422,
                                "the PDF has no text that can be read (a scanned PDF "
                                "holds only pictures of pages)");
    return extract_out_fail(out, 422, "the file has no text that can be read");
}

void extract_out_title(extract_out_t *out, const char *title, size_t len)
{
    size_t n;
    char *clean = extract_clean_text(title, len, &n);
    for (size_t i = 0; i < n; i++)
        if (clean[i] == '\n' || clean[i] == '\t')
            clean[i] = ' ';
    n = trim(clean, n);
    free(out->res.title);
    out->res.title = NULL;
    if (n > 0)
        out->res.title = clean;
    else
        free(clean);
}

void extract_out_pack(const extract_out_t *out, unsigned char **buf, size_t *len)
{
    size_t n = ingest__extract_result__get_packed_size(&out->res);
    unsigned char *p = xmalloc(n + 4);
    p[0] = (unsigned char)(n >> 24);
    p[1] = (unsigned char)(n >> 16);
    p[2] = (unsigned char)(n >> 8);
    p[3] = (unsigned char)n;
    ingest__extract_result__pack(&out->res, p + 4);
    *buf = p;
    *len = n + 4;
}
