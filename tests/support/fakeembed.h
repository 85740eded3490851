/* fakeembed.h - a fake OpenAI-compatible embeddings server for tests (libmicrohttpd), speaking
 * the wire protocol of POST /v1/embeddings as OpenAI documents it:
 *
 *   - Bearer auth: no or another key is 401 with OpenAI's error JSON ("You didn't provide an
 *     API key..." / "Incorrect API key provided: sk-***1234...", code invalid_api_key);
 *   - `input` a string, an array of strings, an array of tokens (integers) or an array of token
 *     arrays (at most 2048 items; empty strings and arrays are 400);
 *   - `model` (required; unknown models are 404 model_not_found when a model list is set),
 *     `encoding_format` "float" (default) or "base64" (float32 little-endian), `dimensions`
 *     (1..the model's dims; the vector is the full one cut and re-normalised, as text-embedding-3
 *     does), `user` ignored;
 *   - the answer {"object":"list","data":[{"object":"embedding","index","embedding"}],"model",
 *     "usage":{"prompt_tokens","total_tokens"}} with x-request-id and x-ratelimit-* headers;
 *   - errors as {"error":{"message","type","param","code"}}.
 *
 * Vectors are deterministic: a hash of the input's text (or tokens) seeds the values, so tests
 * can compute what the fake answers (fakeembed_vector) and check order and caching.
 *
 * Test controls, in process or over HTTP (for a client in another process):
 *   fakeembed_fail_next / POST /_fake/fail {"count":2,"status":429,"retry_after":1}
 *   fakeembed_delay_next / POST /_fake/delay {"count":1,"ms":2000}
 *   fakeembed_stats     / GET /_fake/stats -> {"requests","answered","inputs","max_batch"}
 *   fakeembed_reset     / POST /_fake/reset
 *
 *     fakeembed_opts_t o = {.api_key = "sk-test-1234", .dims = 64};
 *     fakeembed_t *f = fakeembed_start(&o);
 *     ... EMBED_BASE_URL=http://127.0.0.1:<fakeembed_port(f)>/v1 ...
 *     fakeembed_fail_next(f, 2, 429, 0);
 *     fakeembed_stop(f);
 */
#ifndef TESTS_SUPPORT_FAKEEMBED_H
#define TESTS_SUPPORT_FAKEEMBED_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fakeembed fakeembed_t;

typedef struct {
    const char *api_key; /* NULL: no auth required */
    int port;            /* 0: a free port on 127.0.0.1 */
    int dims;            /* the models' full length; 0: 1536 */
    const char *models;  /* comma-separated known models; NULL: any model name is served */
    bool unnormalised;   /* answer vectors of length 3 instead of 1 (a non-normalising server) */
    bool reversed;       /* list the items last first (clients must follow "index") */
} fakeembed_opts_t;

typedef struct {
    int requests; /* POSTs to .../embeddings, failed ones included */
    int answered; /* of them answered 200 */
    int inputs;   /* inputs embedded in those */
    int max_batch;
} fakeembed_stats_t;

/* Starts serving on 127.0.0.1 (its own thread). NULL when it cannot listen (message on
 * stderr). Strings of o are copied. */
fakeembed_t *fakeembed_start(const fakeembed_opts_t *o);
/* NULL-safe. */
void fakeembed_stop(fakeembed_t *f);
int fakeembed_port(const fakeembed_t *f);

/* The next count embedding requests (after a passed auth check) answer status: 429 with OpenAI's
 * rate-limit error, Retry-After: retry_after_s (when >= 0) and x-ratelimit-* headers; 500 or 503
 * with a server error; any other status with a generic error. */
void fakeembed_fail_next(fakeembed_t *f, int count, int status, int retry_after_s);
/* The next count embedding requests (after the auth check) are answered only after ms
 * milliseconds (a slow provider; the server answers nothing else meanwhile). */
void fakeembed_delay_next(fakeembed_t *f, int count, int ms);
void fakeembed_stats(fakeembed_t *f, fakeembed_stats_t *out /* OUT */);
/* Zeroes the counters and cancels pending failures and delays. */
void fakeembed_reset(fakeembed_t *f);

/* The vector the fake answers for text[0..len) at dims (<= the full length), as floats before
 * any encoding (normalised unless opts.unnormalised; this computes the normalised one). */
void fakeembed_vector(const char *text, size_t len, int dims, float *out /* OUT */);

#endif
