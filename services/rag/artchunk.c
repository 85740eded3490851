/* artchunk.c - articles into chunks, chunks into the text to embed (see artchunk.h). */
#include "artchunk.h"

#include <string.h>

#include "shared/markdown.h"
#include "shared/util.h"

void rag_article_chunks(const char *body, chunk_list_t *out)
{
    markdown_blocks_t blocks;
    chunk_opts_t o = chunk_opts_default();

    markdown_blocks(body ? body : "", body ? strlen(body) : 0, &blocks);
    chunk_blocks(blocks.items, blocks.n, &o, out);
    markdown_blocks_free(&blocks);
}

char *rag_embed_text(const char *title, const char *heading_path, const char *text)
{
    buf_t b = BUF_INIT;
    bool t = title && *title, h = heading_path && *heading_path;

    if (t)
        buf_puts(&b, title);
    if (t && h)
        buf_puts(&b, " > ");
    if (h)
        buf_puts(&b, heading_path);
    if (t || h)
        buf_puts(&b, "\n\n");
    buf_puts(&b, text ? text : "");
    return b.data ? b.data : xstrdup("");
}
