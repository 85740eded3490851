/* markdown.c - Markdown to chunk blocks (shared/markdown.h) on Debian's libcmark (CommonMark).
 *
 * One walk of cmark's tree with its iterator (no recursion, so deep nesting cannot exhaust the
 * stack): headings, paragraphs (list items inside a list, with the depth), code blocks verbatim.
 * Inline markup is reduced to its text. CommonMark has no tables, so a paragraph whose second
 * line is a delimiter row (|---|:--:|) is read as a pipe table: one table_row block per row.
 */
#include "shared/markdown.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

typedef struct {
    markdown_blocks_t *out;
    size_t cap;
} md_sink_t;

static void push(md_sink_t *s, chunk_kind_t kind, int level, const char *text, size_t len)
{
    if (s->out->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->out->items = xrealloc(s->out->items, s->cap * sizeof *s->out->items);
    }
    s->out->items[s->out->n++] =
        (chunk_block_t){.kind = kind, .level = level, .text = xstrndup(text, len), .len = len};
}

static const char *trim(const char *s, size_t *len)
{
    while (*len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        (*len)--;
    }
    while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
        (*len)--;
    return s;
}

/* A delimiter row: cells of -, optionally framed by ':', separated by '|', at least one '|'. */
static bool is_delimiter_row(const char *s, size_t len)
{
    bool pipe = false, dash = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '|')
            pipe = true;
        else if (c == '-')
            dash = true;
        else if (c != ':' && c != ' ' && c != '\t')
            return false;
    }
    return pipe && dash;
}

/* One table row: cells between '|' trimmed, joined by " | " (a "\|" stays a literal bar). */
static void push_row(md_sink_t *s, const char *line, size_t len)
{
    buf_t row = BUF_INIT;
    line = trim(line, &len);
    if (len > 0 && line[0] == '|') {
        line++;
        len--;
    }
    if (len > 0 && line[len - 1] == '|' && !(len > 1 && line[len - 2] == '\\'))
        len--;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && !(line[i] == '|' && (i == 0 || line[i - 1] != '\\')))
            continue;
        size_t clen = i - start;
        const char *cell = trim(line + start, &clen);
        if (row.len)
            buf_puts(&row, " | ");
        buf_append(&row, cell, clen);
        start = i + 1;
    }
    if (row.len)
        push(s, CHUNK_TABLE_ROW, 0, row.data, row.len);
    buf_cleanup(&row);
}

/* A paragraph's text (lines split by soft breaks): a pipe table, or one block with the line
 * breaks as spaces. */
static void push_paragraph(md_sink_t *s, buf_t *text, chunk_kind_t kind, int level)
{
    char *nl1 = memchr(text->data, '\n', text->len);
    if (nl1 && memchr(text->data, '|', (size_t)(nl1 - text->data))) {
        char *l2 = nl1 + 1;
        char *nl2 = memchr(l2, '\n', text->len - (size_t)(l2 - text->data));
        size_t l2len = nl2 ? (size_t)(nl2 - l2) : text->len - (size_t)(l2 - text->data);
        if (is_delimiter_row(l2, l2len)) {
            push_row(s, text->data, (size_t)(nl1 - text->data));
            char *p = nl2 ? nl2 + 1 : NULL;
            while (p && p < text->data + text->len) {
                char *e = memchr(p, '\n', text->len - (size_t)(p - text->data));
                size_t l = e ? (size_t)(e - p) : text->len - (size_t)(p - text->data);
                push_row(s, p, l);
                p = e ? e + 1 : NULL;
            }
            return;
        }
    }
    for (size_t i = 0; i < text->len; i++)
        if (text->data[i] == '\n')
            text->data[i] = ' ';
    size_t len = text->len;
    const char *t = trim(text->data, &len);
    if (len > 0)
        push(s, kind, level, t, len);
}

void markdown_blocks(const char *md, size_t len, markdown_blocks_t *out)
{
    out->items = NULL;
    out->n = 0;
    md_sink_t sink = {.out = out};
    cmark_node *doc = cmark_parse_document(md ? md : "", md ? len : 0,
                                           CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
    cmark_iter *it = cmark_iter_new(doc);
    buf_t text = BUF_INIT;
    int lists = 0, items = 0, collecting = 0;
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(node);
        bool enter = ev == CMARK_EVENT_ENTER;
        switch (type) {
        case CMARK_NODE_LIST:
            lists += enter ? 1 : -1;
            break;
        case CMARK_NODE_ITEM:
            items += enter ? 1 : -1;
            break;
        case CMARK_NODE_HEADING:
        case CMARK_NODE_PARAGRAPH:
            if (enter) {
                buf_reset(&text);
                collecting = 1;
                break;
            }
            collecting = 0;
            if (text.len == 0)
                break;
            if (type == CMARK_NODE_HEADING) {
                push_paragraph(&sink, &text, CHUNK_HEADING, cmark_node_get_heading_level(node));
                /* a heading is one line: push_paragraph never sees a table here (no soft breaks) */
            } else if (items > 0) {
                push_paragraph(&sink, &text, CHUNK_LIST_ITEM, lists > 0 ? lists : 1);
            } else {
                push_paragraph(&sink, &text, CHUNK_PARAGRAPH, 0);
            }
            break;
        case CMARK_NODE_CODE_BLOCK: {
            const char *lit = cmark_node_get_literal(node);
            size_t l = lit ? strlen(lit) : 0;
            while (l > 0 && lit[l - 1] == '\n')
                l--;
            if (l > 0)
                push(&sink, CHUNK_CODE, 0, lit, l);
            break;
        }
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
            if (collecting) {
                const char *lit = cmark_node_get_literal(node);
                if (lit)
                    buf_puts(&text, lit);
            }
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            if (collecting)
                buf_putc(&text, '\n');
            break;
        default: /* HTML (dropped), emphasis, links, images: their text children come next */
            break;
        }
    }
    buf_cleanup(&text);
    cmark_iter_free(it);
    cmark_node_free(doc);
}

void markdown_blocks_free(markdown_blocks_t *blocks)
{
    if (!blocks)
        return;
    for (size_t i = 0; i < blocks->n; i++)
        free((char *)blocks->items[i].text);
    free(blocks->items);
    blocks->items = NULL;
    blocks->n = 0;
}
