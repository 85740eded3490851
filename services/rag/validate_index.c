/* validate_index.c - checks of index_put batches and retrieval modes (see validate_index.h). */
#include "validate_index.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "shared/text.h"

/* Valid UTF-8 without control characters (tab and newlines allowed when multiline). */
static bool clean_text(const char *s, bool multiline)
{
    size_t len = strlen(s);
    return text_utf8_count(s, len) >= 0 && !text_has_control(s, len, multiline);
}

static bool chunk_check(const Rag__Chunk *c, size_t i, const char *model, size_t dims, char *why,
                        size_t whylen)
{
    if (!c->has_seq || c->seq < 0) {
        snprintf(why, whylen, "chunks[%zu].seq: must be set and at least 0", i);
        return false;
    }
    if (!c->text || !*c->text || strlen(c->text) > RAG_CHUNK_TEXT_MAX ||
        !clean_text(c->text, true)) {
        snprintf(why, whylen,
                 "chunks[%zu].text: must be 1-%d bytes of UTF-8 without control characters", i,
                 RAG_CHUNK_TEXT_MAX);
        return false;
    }
    if (c->heading_path &&
        (strlen(c->heading_path) > RAG_HEADING_PATH_MAX || !clean_text(c->heading_path, false))) {
        snprintf(why, whylen, "chunks[%zu].heading_path: must be at most %d bytes of one line", i,
                 RAG_HEADING_PATH_MAX);
        return false;
    }
    if (c->has_page && c->page < 0) {
        snprintf(why, whylen, "chunks[%zu].page: must be at least 0", i);
        return false;
    }
    if (!c->model || strcmp(c->model, model) != 0) {
        snprintf(why, whylen, "chunks[%zu].model: every chunk of a batch must have the same model",
                 i);
        return false;
    }
    if (c->n_vector != dims) {
        snprintf(why, whylen, "chunks[%zu].vector: must have %zu values like the first chunk's", i,
                 dims);
        return false;
    }
    for (size_t j = 0; j < c->n_vector; j++)
        if (!isfinite(c->vector[j])) {
            snprintf(why, whylen, "chunks[%zu].vector: values must be finite", i);
            return false;
        }
    return true;
}

bool rag_put_check(const Rag__IndexPutRequest *in, const char **model, int *dims, char *why,
                   size_t whylen)
{
    const char *m = NULL;
    size_t d = 0;

    if (!in->source_kind ||
        (strcmp(in->source_kind, "document") != 0 && strcmp(in->source_kind, "article") != 0)) {
        snprintf(why, whylen, "source_kind: must be document or article");
        return false;
    }
    if (!in->has_generation || in->generation < 1) {
        snprintf(why, whylen, "generation: must be at least 1");
        return false;
    }
    if (in->title && (!clean_text(in->title, false) ||
                      text_utf8_count(in->title, strlen(in->title)) > RAG_SOURCE_TITLE_MAX)) {
        snprintf(why, whylen, "title: must be at most %d characters of one line",
                 RAG_SOURCE_TITLE_MAX);
        return false;
    }
    if (in->n_chunks > RAG_PUT_CHUNKS_MAX) {
        snprintf(why, whylen, "chunks: at most %d per batch (got %zu)", RAG_PUT_CHUNKS_MAX,
                 in->n_chunks);
        return false;
    }
    if (in->n_chunks) {
        m = in->chunks[0]->model;
        d = in->chunks[0]->n_vector;
        if (!m || !*m || strlen(m) > RAG_MODEL_MAX || !clean_text(m, false)) {
            snprintf(why, whylen, "chunks[0].model: must be 1-%d bytes", RAG_MODEL_MAX);
            return false;
        }
        if (d < 1 || d > RAG_DIMS_MAX) {
            snprintf(why, whylen, "chunks[0].vector: must have 1-%d values", RAG_DIMS_MAX);
            return false;
        }
    }
    for (size_t i = 0; i < in->n_chunks; i++)
        if (!chunk_check(in->chunks[i], i, m, d, why, whylen))
            return false;
    *model = m;
    *dims = (int)d;
    return true;
}

static const char *const MODES[] = {"hybrid", "fulltext", "vector"};

bool rag_mode_parse(const char *s, rag_mode_t *out)
{
    if (!s || !*s) {
        *out = RAG_MODE_HYBRID;
        return true;
    }
    for (size_t i = 0; i < sizeof MODES / sizeof *MODES; i++)
        if (strcmp(s, MODES[i]) == 0) {
            *out = (rag_mode_t)i;
            return true;
        }
    return false;
}

const char *rag_mode_name(rag_mode_t m)
{
    return MODES[m];
}
