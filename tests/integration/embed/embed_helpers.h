/* embed_helpers.h - calling svc.embed.* straight over the bus in the embed integration tests. */
#ifndef TESTS_EMBED_HELPERS_H
#define TESTS_EMBED_HELPERS_H

#include <math.h>
#include <string.h>

#include "proto/common.pb-c.h"
#include "proto/embed.pb-c.h"
#include "shared/bus.h"

#define TEST_ORG   "6b1f3c2a-1111-4c3d-9e8f-0123456789ab"
#define TEST_ORG_2 "6b1f3c2a-2222-4c3d-9e8f-0123456789ab"

/* svc.embed.embed as org (NULL: no Org-Id). err gets the error message on failure. */
static inline status_t embed_call(bus_t *bus, const char *org, const char *const *texts, size_t n,
                                  const char *purpose, Embed__EmbedReply **out, char *err,
                                  size_t errlen)
{
    Embed__EmbedRequest in = EMBED__EMBED_REQUEST__INIT;
    bus_ctx_t ctx = {.org_id = org};
    in.texts = (char **)texts;
    in.n_texts = n;
    in.purpose = (char *)purpose;
    if (err && errlen)
        err[0] = '\0';
    return bus_call(bus, "svc.embed.embed", &ctx, &in.base, &embed__embed_reply__descriptor,
                    (ProtobufCMessage **)out, err, errlen, 30000);
}

static inline status_t embed_info(bus_t *bus, Embed__InfoReply **out)
{
    Common__Empty empty = COMMON__EMPTY__INIT;
    return bus_call(bus, "svc.embed.info", NULL, &empty.base, &embed__info_reply__descriptor,
                    (ProtobufCMessage **)out, NULL, 0, 10000);
}

static inline double vec_norm(const Embed__Vector *v)
{
    double s = 0;
    for (size_t i = 0; i < v->n_values; i++)
        s += (double)v->values[i] * v->values[i];
    return sqrt(s);
}

static inline double vec_dot(const Embed__Vector *a, const Embed__Vector *b)
{
    double s = 0;
    for (size_t i = 0; i < a->n_values && i < b->n_values; i++)
        s += (double)a->values[i] * b->values[i];
    return s;
}

#endif
