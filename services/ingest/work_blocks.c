/* work_blocks.c - between the extractor and the chunker (work_int.h): the blocks of an
 * ingest.ExtractResult as shared/chunk.h blocks, and the text a chunk is embedded by. Pure. */
#include <stdlib.h>
#include <string.h>

#include "services/ingest/work_int.h"
#include "shared/util.h"

void work_blocks(const Ingest__ExtractResult *r, chunk_block_t **out, size_t *n)
{
    chunk_block_t *b = NULL;
    size_t k = 0;

    if (r->n_blocks > 0)
        b = xcalloc(r->n_blocks, sizeof *b);
    for (size_t i = 0; i < r->n_blocks; i++) {
        const Ingest__Block *in = r->blocks[i];
        if (!in->text || !in->text[0])
            continue;
        chunk_kind_t kind = CHUNK_PARAGRAPH;
        if (in->kind)
            chunk_kind_parse(in->kind, &kind); /* unknown: stays a paragraph */
        b[k++] = (chunk_block_t){
            .kind = kind,
            .level = in->has_level ? in->level : 0,
            .text = in->text,
            .len = strlen(in->text),
            .page = in->has_page && in->page > 0 ? in->page : 0,
        };
    }
    if (k == 0) {
        free(b);
        b = NULL;
    }
    *out = b;
    *n = k;
}

char *work_embed_text(const chunk_t *c)
{
    buf_t b = BUF_INIT;
    if (c->heading_path && c->heading_path[0]) {
        buf_puts(&b, c->heading_path);
        buf_putc(&b, '\n');
    }
    buf_puts(&b, c->text ? c->text : "");
    return buf_steal(&b);
}
