/* md.c - Markdown (extract.h): decoded like plain text (text.c), then shared/markdown.h, so a
 * .md file is cut exactly like a knowledge-base article.
 */
#include <stdlib.h>

#include "services/ingest/extract/extract.h"
#include "shared/markdown.h"
#include "shared/util.h"

status_t extract_md_decoded(extract_decoder_t *dec, const void *data, size_t len,
                            extract_out_t *out)
{
    char *text = NULL;
    size_t n = 0;
    markdown_blocks_t blocks;
    status_t st = ST_OK;

    free(out->res.encoding);
    out->res.encoding = xstrdup(dec->enc);
    extract_decoder_run(dec, data, len, &text, &n);
    markdown_blocks(text, n, &blocks);
    for (size_t i = 0; i < blocks.n && st == ST_OK; i++) {
        const chunk_block_t *b = &blocks.items[i];
        if (b->kind == CHUNK_HEADING && b->level == 1 && !out->res.title)
            extract_out_title(out, b->text, b->len);
        st = extract_out_block(out, b->kind, b->level, b->text, b->len, 0);
    }
    markdown_blocks_free(&blocks);
    free(text);
    return st;
}

status_t extract_md(const void *data, size_t len, extract_out_t *out)
{
    return extract_with_decoder(extract_md_decoded, data, len, out);
}
