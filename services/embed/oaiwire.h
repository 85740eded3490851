/* oaiwire.h - the OpenAI embeddings wire format (POST /v1/embeddings), pure: the request body
 * and the checks of an answer. No I/O; provider.c sends and receives.
 *
 * Request:  {"model": "...", "input": ["...", ...], "encoding_format": "float"[, "dimensions": n]}
 * Answer:   {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [...]},
 *           ...], "model": "...", "usage": {"prompt_tokens": n, "total_tokens": n}}
 * Error:    {"error": {"message": "...", "type": "...", "param": null, "code": "..."}}
 */
#ifndef EMBED_OAIWIRE_H
#define EMBED_OAIWIRE_H

#include <stddef.h>

#include "shared/status.h"

#define OAIWIRE_MAX_DIMS 16384

/* The request body for texts[0..n) (valid UTF-8); dims > 0 adds "dimensions". Heap string. */
char *oaiwire_request(const char *model, const char *const *texts, size_t n, int dims);

/* Checks an answer to a request of n texts and takes its vectors: exactly n items, each index
 * 0..n-1 once (items without index count in order), every embedding an array of the same
 * length (want_dims when > 0), of finite numbers, not all zero. The vectors are L2-normalised
 * into *out (n * *dims floats in input order, caller frees), *tokens gets usage.prompt_tokens
 * (0 when absent). Otherwise ST_INVALID and a reason in why (never quoting the body). */
status_t oaiwire_parse(const char *body, size_t len, size_t n, int want_dims, float **out /* OUT */,
                       int *dims /* OUT */, int *tokens /* OUT */, char *why, size_t whylen);

/* The message of an error answer ({"error": {"message"}} or {"error": "..."}), printable
 * ASCII and UTF-8 only, at most outlen - 1 bytes cut at a character boundary; "" when the body
 * has none. */
void oaiwire_error_message(const char *body, size_t len, char *out, size_t outlen);

/* Hides an API key a provider quoted in msg (in place): every space-separated word that
 * contains 6 consecutive characters of key, or a masked form ("***"), becomes "[redacted]"
 * (msg must have room: the result is never longer than msglen - 1 bytes). */
void oaiwire_redact(char *msg, size_t msglen, const char *key);

#endif
