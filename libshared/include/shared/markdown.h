/* markdown.h - Markdown (CommonMark + tables as plain rows) to the blocks of shared/chunk.h, on
 * Debian's libcmark: headings keep their level, list items their depth, code blocks verbatim,
 * inline markup reduced to its text (links keep their text, images their alt text, HTML is
 * dropped). Used by ingest for .md files and by rag for articles, so both chunk alike.
 */
#ifndef SHARED_MARKDOWN_H
#define SHARED_MARKDOWN_H

#include <stddef.h>

#include "shared/chunk.h"

typedef struct {
    chunk_block_t *items; /* each text owned (NUL-terminated) */
    size_t n;
} markdown_blocks_t;

/* Parses md (UTF-8, any bytes: invalid sequences become U+FFFD) into out (always initialised). */
void markdown_blocks(const char *md, size_t len, markdown_blocks_t *out /* OUT */);
void markdown_blocks_free(markdown_blocks_t *blocks);

#endif
