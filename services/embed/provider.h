/* provider.h - an OpenAI-compatible embeddings endpoint: POST {base}/embeddings through
 * libshared's HTTP client (retries with backoff on 429/5xx honouring Retry-After, a deadline,
 * a size limit), in batches, every answer checked by oaiwire_parse.
 *
 * The API key is sent as "Authorization: Bearer <key>" and never logged nor quoted in an
 * error: messages the provider answers are passed through oaiwire_redact.
 */
#ifndef EMBED_PROVIDER_H
#define EMBED_PROVIDER_H

#include <stddef.h>

#include "shared/status.h"

typedef struct provider provider_t;

typedef struct {
    const char *base_url; /* e.g. "https://api.openai.com/v1" (a trailing '/' is fine) */
    const char *api_key;  /* NULL or "": no Authorization header */
    const char *model;    /* sent as "model" */
    int dims;             /* > 0: sent as "dimensions" and required of every answer */
    int batch;            /* texts per request, 1..2048 */
    int timeout_ms;       /* the whole of one request, retries included */
    int max_attempts;     /* per request, 1 = no retry */
} provider_opts_t;

/* Copies the strings of o. Never NULL. */
provider_t *provider_new(const provider_opts_t *o);
/* NULL-safe. */
void provider_free(provider_t *p);

/* Embeds texts[0..n) (valid UTF-8), n >= 1, in requests of at most `batch` texts, in order.
 * *dims on entry: the length every vector must have, or 0 for any (then the first answer's,
 * or EMBED_DIMS when set). On ST_OK *out holds n * *dims L2-normalised floats (caller frees),
 * *dims their length and *tokens the usage the
 * provider reported. On failure ST_UNAVAILABLE (or ST_TIMEOUT) with why saying what the
 * provider answered ("embedding provider answered 401: Incorrect API key provided"); logged
 * here without the key. */
status_t provider_embed(provider_t *p, const char *const *texts, size_t n, float **out /* OUT */,
                        int *dims /* IN/OUT */, int *tokens /* OUT */, char *why, size_t whylen);

#endif
