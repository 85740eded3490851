/* chunk.c - structure-aware chunking (shared/chunk.h): blocks in reading order become passages
 * of about `target` code points with the heading path above them. Every block's text is first
 * made valid UTF-8 without control characters (invalid sequences -> U+FFFD, controls -> space),
 * so what comes out can go into a protobuf string or a JSON answer as it is. Pure: no I/O.
 */
#include "shared/chunk.h"

#include <stdlib.h>
#include <string.h>

#include "shared/text.h"
#include "shared/util.h"

#define HEADING_LEVELS 6

static const char *const kind_names[] = {
    [CHUNK_HEADING] = "heading",     [CHUNK_PARAGRAPH] = "paragraph",
    [CHUNK_LIST_ITEM] = "list_item", [CHUNK_TABLE_ROW] = "table_row",
    [CHUNK_CODE] = "code",
};

chunk_opts_t chunk_opts_default(void)
{
    return (chunk_opts_t){.target = 1000, .max = 1600, .overlap = 150, .split_pages = false};
}

bool chunk_kind_parse(const char *name, chunk_kind_t *out)
{
    if (!name)
        return false;
    for (size_t i = 0; i < ARRAY_LEN(kind_names); i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (chunk_kind_t)i;
            return true;
        }
    return false;
}

const char *chunk_kind_name(chunk_kind_t kind)
{
    return (size_t)kind < ARRAY_LEN(kind_names) ? kind_names[kind] : "paragraph";
}

/* ---- text helpers ---------------------------------------------------------------------------- */

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

static size_t cp_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += !is_cont((unsigned char)s[i]);
    return n;
}

/* Byte offset after `cps` code points of s[0..len) (len when it has fewer). */
static size_t cp_offset(const char *s, size_t len, size_t cps)
{
    size_t i = 0;
    while (i < len && cps > 0) {
        i++;
        while (i < len && is_cont((unsigned char)s[i]))
            i++;
        cps--;
    }
    return i;
}

/* Appends s[0..len) to b as valid UTF-8: invalid bytes become U+FFFD, control characters a
 * space (but \n and \t when keep_lines; with !keep_lines every whitespace run becomes one
 * space). Leading and trailing whitespace is dropped. */
static void append_clean(buf_t *b, const char *s, size_t len, bool keep_lines)
{
    size_t start = b->len, i = 0;
    bool space = false; /* a pending separator (collapsed runs) */
    while (i < len) {
        size_t run = i; /* a run of visible ASCII is copied at once */
        while (run < len && (unsigned char)s[run] > 0x20 && (unsigned char)s[run] < 0x7F)
            run++;
        if (run > i) {
            if (space && b->len > start)
                buf_putc(b, ' ');
            space = false;
            buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        const unsigned char *p = (const unsigned char *)s + i;
        size_t n = text_utf8_seq_len(p, len - i);
        if (n == 0) {
            if (space && b->len > start)
                buf_putc(b, ' ');
            space = false;
            buf_append(b, "\xEF\xBF\xBD", 3);
            i++;
            continue;
        }
        bool ws = n == 1 &&
                  (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f');
        bool ctl = (n == 1 && (*p < 0x20 || *p == 0x7F)) || (n == 2 && p[0] == 0xC2 && p[1] < 0xA0);
        if (keep_lines && *p == '\r') { /* CR LF and lone CR: one line break */
            if (i + 1 >= len || s[i + 1] != '\n')
                buf_putc(b, '\n');
            i++;
            continue;
        }
        if (!keep_lines && (ws || ctl)) {
            space = true;
        } else {
            if (space && b->len > start)
                buf_putc(b, ' ');
            space = false;
            if (ctl && !(n == 1 && (*p == '\n' || *p == '\t')))
                buf_putc(b, ' ');
            else
                buf_append(b, p, n);
        }
        i += n;
    }
    /* trim both ends of what was appended */
    size_t lo = start;
    while (lo < b->len && strchr(" \t\n", b->data[lo]))
        lo++;
    size_t hi = b->len;
    while (hi > lo && strchr(" \t\n", b->data[hi - 1]))
        hi--;
    if (lo > start)
        memmove(b->data + start, b->data + lo, hi - lo);
    b->len = start + (hi - lo);
    if (b->data)
        b->data[b->len] = '\0';
}

static bool is_sentence_end(const char *s, size_t i, size_t len)
{
    /* s[i] is the byte after a candidate end; the end is ". ", "! ", "? ", ".\n", "\n", "…" */
    if (i == 0 || i >= len)
        return false;
    char c = s[i - 1];
    bool space_next = s[i] == ' ' || s[i] == '\n' || s[i] == '\t';
    if (c == '\n')
        return true;
    if ((c == '.' || c == '!' || c == '?' || c == ';') && space_next)
        return true;
    if (i >= 3 && memcmp(s + i - 3, "\xE2\x80\xA6", 3) == 0 && space_next) /* … */
        return true;
    return false;
}

/* Where to cut s[0..len) so the first piece has at most `limit` code points: after the last
 * sentence end in the second half of the window, else at the last space, else at the limit (on
 * a code point boundary). Returns a byte offset in (0, len]. */
static size_t cut_point(const char *s, size_t len, size_t limit)
{
    size_t end = cp_offset(s, len, limit);
    if (end >= len)
        return len;
    size_t floor = cp_offset(s, len, limit / 2);
    for (size_t i = end; i > floor; i--)
        if (is_sentence_end(s, i, len))
            return i;
    for (size_t i = end; i > floor; i--)
        if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')
            return i;
    return end > 0 ? end : cp_offset(s, len, 1);
}

/* ---- the chunker's state --------------------------------------------------------------------- */

typedef struct {
    const chunk_opts_t *o;
    chunk_list_t *out;
    size_t cap;
    char *heads[HEADING_LEVELS]; /* current heading text per level, NULL when none */
    char *path;                  /* heads joined with " > " */
    buf_t cur;                   /* the chunk being built */
    size_t cur_chars;            /* code points in cur */
    size_t fresh;                /* code points in cur that are not overlap */
    int cur_page;                /* page of the chunk's first block */
    int last_page;               /* page of the last block added */
    chunk_kind_t last_kind;
} chunker_t;

static void set_path(chunker_t *c)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < HEADING_LEVELS; i++) {
        if (!c->heads[i] || !c->heads[i][0])
            continue;
        if (b.len)
            buf_puts(&b, " > ");
        buf_puts(&b, c->heads[i]);
    }
    free(c->path);
    c->path = buf_steal(&b);
}

static void emit(chunker_t *c)
{
    if (c->fresh == 0 || c->cur.len == 0)
        return;
    if (c->out->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->out->items = xrealloc(c->out->items, c->cap * sizeof *c->out->items);
    }
    chunk_t *k = &c->out->items[c->out->n];
    k->text = xstrndup(c->cur.data, c->cur.len);
    k->heading_path = xstrdup(c->path);
    k->page = c->cur_page;
    k->seq = (int)c->out->n;
    k->chars = c->cur_chars;
    c->out->n++;
}

/* Ends the chunk being built. With carry, the next one starts with about `overlap` code points
 * of its end: whole sentences when one starts inside that tail, else whole words. */
static void flush(chunker_t *c, bool carry)
{
    emit(c);
    size_t keep_from = c->cur.len;
    if (carry && c->fresh > 0 && c->o->overlap > 0 && c->cur_chars > 0) {
        size_t skip = c->cur_chars > c->o->overlap ? c->cur_chars - c->o->overlap : 0;
        size_t from = cp_offset(c->cur.data, c->cur.len, skip);
        size_t at = c->cur.len;
        for (size_t i = from; i < c->cur.len; i++)
            if (i == 0 || is_sentence_end(c->cur.data, i, c->cur.len)) {
                at = i;
                break;
            }
        if (at == c->cur.len)
            for (size_t i = from; i < c->cur.len; i++)
                if (i == 0 || c->cur.data[i - 1] == ' ' || c->cur.data[i - 1] == '\n') {
                    at = i;
                    break;
                }
        while (at < c->cur.len && strchr(" \t\n", c->cur.data[at]))
            at++;
        keep_from = at;
    }
    size_t keep = c->cur.len - keep_from;
    if (c->cur.data) {
        memmove(c->cur.data, c->cur.data + keep_from, keep);
        c->cur.data[keep] = '\0';
    }
    c->cur.len = keep;
    c->cur_chars = cp_count(c->cur.data, keep);
    c->fresh = 0;
    c->cur_page = c->last_page;
}

static bool line_kind(chunk_kind_t k)
{
    return k == CHUNK_LIST_ITEM || k == CHUNK_TABLE_ROW;
}

/* Adds one clean piece (at most target code points unless it is a whole block up to max). */
static void add_piece(chunker_t *c, const char *s, size_t len, size_t chars, chunk_kind_t kind,
                      int page)
{
    const char *sep = c->cur.len == 0                                          ? ""
                      : line_kind(kind) && line_kind(c->last_kind) && c->fresh ? "\n"
                                                                               : "\n\n";
    size_t sep_chars = strlen(sep);
    if (c->fresh > 0 && c->cur_chars + sep_chars + chars > c->o->target) {
        flush(c, true);
        sep = c->cur.len ? "\n\n" : "";
        sep_chars = strlen(sep);
    }
    if (c->fresh == 0 && c->cur_chars + sep_chars + chars > c->o->max) { /* overlap won't fit */
        buf_reset(&c->cur);
        c->cur_chars = 0;
        sep = "";
        sep_chars = 0;
    }
    if (c->cur.len == 0 || c->fresh == 0)
        c->cur_page = page;
    buf_puts(&c->cur, sep);
    buf_append(&c->cur, s, len);
    c->cur_chars += sep_chars + chars;
    c->fresh += chars;
    c->last_kind = kind;
    c->last_page = page;
}

static void add_block(chunker_t *c, const chunk_block_t *blk, buf_t *tmp)
{
    buf_reset(tmp);
    if (blk->kind == CHUNK_LIST_ITEM) {
        int depth = blk->level < 1 ? 1 : blk->level > 8 ? 8 : blk->level;
        for (int i = 1; i < depth; i++)
            buf_puts(tmp, "  ");
        buf_puts(tmp, "- ");
    }
    size_t prefix = tmp->len;
    append_clean(tmp, blk->text ? blk->text : "", blk->text ? blk->len : 0,
                 blk->kind == CHUNK_CODE || blk->kind == CHUNK_PARAGRAPH);
    if (tmp->len == prefix)
        return; /* empty or whitespace only */

    if (blk->kind == CHUNK_HEADING) {
        flush(c, false);
        buf_reset(&c->cur);
        c->cur_chars = 0;
        int lvl = blk->level < 1 ? 1 : blk->level > HEADING_LEVELS ? HEADING_LEVELS : blk->level;
        for (int i = lvl - 1; i < HEADING_LEVELS; i++) {
            free(c->heads[i]);
            c->heads[i] = NULL;
        }
        c->heads[lvl - 1] = xstrndup(tmp->data, tmp->len);
        set_path(c);
        c->last_page = blk->page;
        return;
    }
    if (c->o->split_pages && c->cur.len > 0 && blk->page != c->last_page) {
        flush(c, false);
        buf_reset(&c->cur);
        c->cur_chars = 0;
    }

    size_t chars = cp_count(tmp->data, tmp->len);
    if (chars <= c->o->max) {
        add_piece(c, tmp->data, tmp->len, chars, blk->kind, blk->page);
        return;
    }
    /* a long block: pieces of at most target code points */
    const char *s = tmp->data;
    size_t len = tmp->len;
    while (len > 0) {
        size_t at = cut_point(s, len, c->o->target);
        size_t plen = at;
        while (plen > 0 && strchr(" \t\n", s[plen - 1]))
            plen--;
        if (plen > 0)
            add_piece(c, s, plen, cp_count(s, plen), blk->kind, blk->page);
        s += at;
        len -= at;
        while (len > 0 && strchr(" \t\n", *s)) {
            s++;
            len--;
        }
    }
}

void chunk_blocks(const chunk_block_t *blocks, size_t n, const chunk_opts_t *opts,
                  chunk_list_t *out)
{
    chunk_opts_t o = opts ? *opts : chunk_opts_default();
    if (o.max < 1)
        o.max = 1;
    if (o.target < 1 || o.target > o.max)
        o.target = o.max;
    if (o.overlap >= o.target)
        o.overlap = o.target / 2;

    out->items = NULL;
    out->n = 0;
    chunker_t c = {.o = &o, .out = out, .cur = BUF_INIT, .last_kind = CHUNK_PARAGRAPH};
    c.path = xstrdup("");
    buf_t tmp = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        add_block(&c, &blocks[i], &tmp);
    flush(&c, false);

    buf_cleanup(&tmp);
    buf_cleanup(&c.cur);
    for (int i = 0; i < HEADING_LEVELS; i++)
        free(c.heads[i]);
    free(c.path);
}

void chunk_list_free(chunk_list_t *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].text);
        free(list->items[i].heading_path);
    }
    free(list->items);
    list->items = NULL;
    list->n = 0;
}
