/* chunk.h - structure-aware chunking of a document's blocks into passages for retrieval.
 *
 * One chunker for every source (ingest's documents, rag's articles), so a passage of a PDF and
 * one of an article are cut alike. Blocks come in reading order (ingest's extractor, or
 * shared/markdown.h for Markdown); headings are not chunk text of their own but set the heading
 * path of the blocks below them. A chunk holds whole blocks up to about `target` characters
 * (Unicode code points); it never crosses a heading of level <= its own section's or a page
 * boundary when `split_pages`; a block longer than `max` is cut at sentence, then word, then
 * character boundaries (never inside a UTF-8 sequence). Consecutive chunks of one section share
 * about `overlap` characters (whole sentences where possible), so a passage cut in two is still
 * found. Empty and whitespace-only blocks are skipped.
 *
 *     chunk_opts_t o = chunk_opts_default();
 *     chunk_list_t out;
 *     chunk_blocks(blocks, n, &o, &out);
 *     for (size_t i = 0; i < out.n; i++) use(out.items[i].text, out.items[i].heading_path, ...);
 *     chunk_list_free(&out);
 */
#ifndef SHARED_CHUNK_H
#define SHARED_CHUNK_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CHUNK_HEADING,   /* level 1..6 */
    CHUNK_PARAGRAPH, /* plain text */
    CHUNK_LIST_ITEM, /* level = nesting depth (1 = top) */
    CHUNK_TABLE_ROW, /* cells joined by " | " */
    CHUNK_CODE,      /* kept verbatim */
} chunk_kind_t;

typedef struct {
    chunk_kind_t kind;
    int level;
    const char *text; /* UTF-8; need not be NUL-terminated */
    size_t len;
    int page; /* 1-based page, 0 when the source has none */
} chunk_block_t;

typedef struct {
    size_t target;    /* characters per chunk aimed at [1000] */
    size_t max;       /* never more [1600] */
    size_t overlap;   /* characters repeated from the previous chunk [150] */
    bool split_pages; /* a new chunk at each page [false]: pages are recorded either way */
} chunk_opts_t;

typedef struct {
    char *text;         /* owned, NUL-terminated */
    char *heading_path; /* owned: "Chapter 2 > Prices", "" when above every heading */
    int page;           /* the page the chunk starts on (0: none) */
    int seq;            /* 0, 1, 2... */
    size_t chars;       /* code points of text */
} chunk_t;

typedef struct {
    chunk_t *items;
    size_t n;
} chunk_list_t;

chunk_opts_t chunk_opts_default(void);
/* "heading" | "paragraph" | "list_item" | "table_row" | "code" <-> kind (ingest.Block.kind);
 * false for an unknown name. */
bool chunk_kind_parse(const char *name, chunk_kind_t *out /* OUT */);
const char *chunk_kind_name(chunk_kind_t kind);
/* Cuts blocks into out (always initialised; free with chunk_list_free). */
void chunk_blocks(const chunk_block_t *blocks, size_t n, const chunk_opts_t *opts,
                  chunk_list_t *out /* OUT */);
void chunk_list_free(chunk_list_t *list);

#endif
