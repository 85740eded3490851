/* validate_index.h - checks of what ingest (and rag's own article indexer) puts into the
 * retrieval index and of retrieval requests. Pure: no I/O, unit-tested.
 *
 * Every check writes a reason that names the field ("chunks[3].vector: must have 256 values
 * like the others"), ready to be the reply's message.
 */
#ifndef RAG_VALIDATE_INDEX_H
#define RAG_VALIDATE_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/rag.pb-c.h"

#define RAG_WHY_SIZE_INDEX     160   /* room for a reason naming a chunk's field */
#define RAG_PUT_CHUNKS_MAX     256   /* chunks per index_put batch */
#define RAG_CHUNK_TEXT_MAX     32768 /* bytes of a chunk's text */
#define RAG_HEADING_PATH_MAX   2000  /* bytes of a heading path */
#define RAG_SOURCE_TITLE_MAX   1000  /* characters of a source's title */
#define RAG_MODEL_MAX          200   /* bytes of a model name */
#define RAG_DIMS_MAX           4096  /* values of a vector */
#define RAG_RETRIEVE_Q_MAX     2000  /* characters of a question */
#define RAG_RETRIEVE_K_MAX     50
#define RAG_RETRIEVE_K_DEFAULT 5
#define RAG_RETRIEVE_CATS_MAX  1000

/* Checks an index_put batch but its ids (source_kind, generation, title, chunks: seq, text,
 * heading_path, page, one model, vectors of one length with finite values). On success *model
 * (borrowed from in; NULL for an empty batch) and *dims are the batch's; false with why set. */
bool rag_put_check(const Rag__IndexPutRequest *in, const char **model /* OUT */,
                   int *dims /* OUT */, char *why, size_t whylen);

typedef enum { RAG_MODE_HYBRID = 0, RAG_MODE_FULLTEXT, RAG_MODE_VECTOR } rag_mode_t;
/* "hybrid" (also NULL or ""), "fulltext", "vector"; false for anything else. */
bool rag_mode_parse(const char *s, rag_mode_t *out /* OUT */);
const char *rag_mode_name(rag_mode_t m);

#endif
