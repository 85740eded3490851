/* artchunk.h - articles cut into chunks as ingest cuts a Markdown document (shared/markdown.h
 * then shared/chunk.h with the default options), and the text rag embeds for a chunk. Pure:
 * no I/O, unit-tested.
 */
#ifndef RAG_ARTCHUNK_H
#define RAG_ARTCHUNK_H

#include "shared/chunk.h"

/* The chunks of an article's Markdown body (out always initialised; chunk_list_free). */
void rag_article_chunks(const char *body, chunk_list_t *out /* OUT */);

/* What is embedded for a chunk (heap): "<title> > <heading path>\n\n<text>", the parts that are
 * empty left out, so a short passage keeps the context a reader sees around it. */
char *rag_embed_text(const char *title, const char *heading_path, const char *text);

#endif
