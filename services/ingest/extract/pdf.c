/* pdf.c - PDF (extract.h) with Debian's poppler-glib: the text of each page with its page
 * number, cut into paragraphs by layout (a blank line, or a vertical gap between two lines
 * larger than most of a line's height, from poppler's character boxes), lines of one paragraph
 * joined with spaces (a word hyphenated at a line's end is joined again). The title comes from
 * the document's metadata.
 */
#include <poppler.h>
#include <stdlib.h>
#include <string.h>

#include "services/ingest/extract/extract.h"
#include "shared/util.h"

typedef struct {
    size_t start, end; /* bytes of the page's text */
    double top, bottom;
} line_t;

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Appends one line to the paragraph, joining a hyphenated word. */
static void join_line(buf_t *para, const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    if (len == 0)
        return;
    if (para->len > 0) {
        bool hyphen = para->len >= 2 && para->data[para->len - 1] == '-' &&
                      para->data[para->len - 2] != ' ' && para->data[para->len - 2] != '-';
        if (hyphen)
            para->len--; /* "informa-" + "tion" */
        else
            buf_putc(para, ' ');
    }
    buf_append(para, s, len);
}

/* The lines of a page's text with their vertical extent (from rects when they match the text,
 * one per character; otherwise a gap is never seen and only blank lines cut paragraphs). */
static size_t page_lines(const char *text, size_t len, const PopplerRectangle *rects, guint nrects,
                         line_t **out)
{
    size_t n = 0, cap = 0, ci = 0, chars = 0;
    line_t *lines = NULL;
    for (size_t i = 0; i < len; i++)
        chars += !is_cont((unsigned char)text[i]);
    bool use_rects = rects && nrects == chars;
    for (size_t i = 0;;) {
        size_t eol = i;
        line_t l = {.start = i, .top = 1e30, .bottom = -1e30};
        while (eol < len && text[eol] != '\n') {
            if (!is_cont((unsigned char)text[eol])) {
                if (use_rects && text[eol] != ' ' && text[eol] != '\t') {
                    const PopplerRectangle *r = &rects[ci];
                    double y1 = r->y1 < r->y2 ? r->y1 : r->y2, y2 = r->y1 < r->y2 ? r->y2 : r->y1;
                    l.top = y1 < l.top ? y1 : l.top;
                    l.bottom = y2 > l.bottom ? y2 : l.bottom;
                }
                ci++;
            }
            eol++;
        }
        l.end = eol;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            lines = xrealloc(lines, cap * sizeof *lines);
        }
        lines[n++] = l;
        if (eol >= len)
            break;
        ci++; /* the newline's own box */
        i = eol + 1;
    }
    *out = lines;
    return n;
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f')
            return false;
    return true;
}

static status_t read_page(PopplerPage *page, int number, extract_out_t *out)
{
    char *text = poppler_page_get_text(page);
    PopplerRectangle *rects = NULL;
    guint nrects = 0;
    line_t *lines = NULL;
    buf_t para = BUF_INIT;
    status_t st = ST_OK;

    if (!text)
        goto done;
    size_t len = strlen(text);
    if (len == 0)
        goto done;
    if (!poppler_page_get_text_layout(page, &rects, &nrects))
        rects = NULL;
    size_t n = page_lines(text, len, rects, nrects, &lines);
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        const line_t *l = &lines[i];
        bool empty = blank(text + l->start, l->end - l->start);
        if (!empty && para.len > 0 && i > 0) {
            const line_t *p = &lines[i - 1];
            double h = p->bottom - p->top, gap = l->top - p->bottom;
            bool known = p->bottom > p->top && l->bottom > l->top;
            if (known && (gap > 0.7 * h || gap < -2 * h)) { /* a gap, or a new column */
                st = extract_out_block(out, CHUNK_PARAGRAPH, 0, para.data, para.len, number);
                buf_reset(&para);
            }
        }
        if (empty) {
            if (para.len)
                st = extract_out_block(out, CHUNK_PARAGRAPH, 0, para.data, para.len, number);
            buf_reset(&para);
            continue;
        }
        join_line(&para, text + l->start, l->end - l->start);
    }
    if (st == ST_OK && para.len)
        st = extract_out_block(out, CHUNK_PARAGRAPH, 0, para.data, para.len, number);
done:
    buf_cleanup(&para);
    free(lines);
    g_free(rects);
    g_free(text);
    return st;
}

status_t extract_pdf(const void *data, size_t len, extract_out_t *out)
{
    GError *err = NULL;
    GBytes *bytes = g_bytes_new_static(data, len);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &err);
    status_t st = ST_OK;

    if (!doc) {
        if (err && err->domain == POPPLER_ERROR && err->code == POPPLER_ERROR_ENCRYPTED)
            st = extract_out_fail(out, 422, "the PDF is password-protected");
        else
            st = extract_out_fail(out, 422, "the PDF file is damaged (%s)",
                                  err && err->message ? err->message : "it cannot be opened");
        goto done;
    }
    int pages = poppler_document_get_n_pages(doc);
    if (pages > EXTRACT_MAX_PAGES) {
        st = extract_out_fail(out, 422, "the PDF has %d pages, more than the %d that can be read",
                              pages, EXTRACT_MAX_PAGES);
        goto done;
    }
    out->res.has_pages = true;
    out->res.pages = pages;
    char *title = poppler_document_get_title(doc);
    if (title)
        extract_out_title(out, title, strlen(title));
    g_free(title);
    for (int i = 0; i < pages && st == ST_OK; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue;
        st = read_page(page, i + 1, out);
        g_object_unref(page);
    }
done:
    if (doc)
        g_object_unref(doc);
    g_bytes_unref(bytes);
    if (err)
        g_error_free(err);
    return st;
}
