/* merge.h - moving the fields a request sent into a stored message (a PATCH, or a create onto
 * the defaults). Macros, because the request and the stored message are different generated
 * types with the same field names. Each moved pointer leaves the request (set NULL), so both
 * messages stay freeable with protobuf_c_message_free_unpacked.
 */
#ifndef AGENTS_MERGE_H
#define AGENTS_MERGE_H

#include <stdlib.h>

#include "shared/util.h"

static inline void agents_free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* A string field, when sent. */
#define AGENTS_TAKE_STR(dst, src, f)                                                               \
    do {                                                                                           \
        if ((src)->f) {                                                                            \
            free((dst)->f);                                                                        \
            (dst)->f = (src)->f;                                                                   \
            (src)->f = NULL;                                                                       \
        }                                                                                          \
    } while (0)
/* An optional scalar, when sent. */
#define AGENTS_TAKE_OPT(dst, src, f)                                                               \
    do {                                                                                           \
        if ((src)->has_##f) {                                                                      \
            (dst)->has_##f = 1;                                                                    \
            (dst)->f = (src)->f;                                                                   \
        }                                                                                          \
    } while (0)
/* A repeated string field, when non-empty (it replaces the stored list). */
#define AGENTS_TAKE_STRS(dst, src, f)                                                              \
    do {                                                                                           \
        if ((src)->n_##f) {                                                                        \
            agents_free_strs((dst)->f, (dst)->n_##f);                                              \
            (dst)->f = (src)->f;                                                                   \
            (dst)->n_##f = (src)->n_##f;                                                           \
            (src)->f = NULL;                                                                       \
            (src)->n_##f = 0;                                                                      \
        }                                                                                          \
    } while (0)
/* A repeated scalar (enum) field, when non-empty. */
#define AGENTS_TAKE_LIST(dst, src, f)                                                              \
    do {                                                                                           \
        if ((src)->n_##f) {                                                                        \
            free((dst)->f);                                                                        \
            (dst)->f = (src)->f;                                                                   \
            (dst)->n_##f = (src)->n_##f;                                                           \
            (src)->f = NULL;                                                                       \
            (src)->n_##f = 0;                                                                      \
        }                                                                                          \
    } while (0)
/* A message field, when sent. */
#define AGENTS_TAKE_MSG(dst, src, f)                                                               \
    do {                                                                                           \
        if ((src)->f) {                                                                            \
            if ((dst)->f)                                                                          \
                protobuf_c_message_free_unpacked(&(dst)->f->base, NULL);                           \
            (dst)->f = (src)->f;                                                                   \
            (src)->f = NULL;                                                                       \
        }                                                                                          \
    } while (0)

/* Every writable field of an agent (CreateAgentRequest / UpdateAgentRequest -> Agent). */
#define AGENTS_TAKE_AGENT_FIELDS(dst, src)                                                         \
    do {                                                                                           \
        AGENTS_TAKE_STR(dst, src, name);                                                           \
        AGENTS_TAKE_STR(dst, src, description);                                                    \
        AGENTS_TAKE_OPT(dst, src, status);                                                         \
        AGENTS_TAKE_STR(dst, src, model);                                                          \
        AGENTS_TAKE_STR(dst, src, instructions);                                                   \
        AGENTS_TAKE_OPT(dst, src, temperature);                                                    \
        AGENTS_TAKE_OPT(dst, src, max_tokens);                                                     \
        AGENTS_TAKE_OPT(dst, src, response_delay_seconds);                                         \
        AGENTS_TAKE_LIST(dst, src, channels);                                                      \
        AGENTS_TAKE_STRS(dst, src, pipeline_ids);                                                  \
        AGENTS_TAKE_STRS(dst, src, pipeline_status_ids);                                           \
        AGENTS_TAKE_STRS(dst, src, kb_category_ids);                                               \
        AGENTS_TAKE_MSG(dst, src, working_hours);                                                  \
        AGENTS_TAKE_OPT(dst, src, language);                                                       \
    } while (0)

#endif
