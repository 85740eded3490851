/* token.h - the shapes of the service's secrets: generation, recognition, digests.
 *
 * Every secret handed out (session cookie, reset and invitation tokens) is 32 random bytes as
 * unpadded base64url: 43 characters, 256 bits. An API key is the same behind "ak_", so it is
 * recognisable in logs, config files and secret scanners. Only sha256 hex digests of secrets are
 * stored; the API key's first characters (AUTH_KEY_PREFIX_LEN, "ak_" included) are kept in the
 * clear so people can tell their keys apart.
 *
 *     char *token = auth_token_new(), hash[CRYPTO_SHA256_HEX_SIZE];
 *     auth_token_hash(token, hash);
 */
#ifndef AUTH_TOKEN_H
#define AUTH_TOKEN_H

#include <stddef.h>

#include "shared/crypto.h"

#define AUTH_TOKEN_LEN       43 /* base64url of CRYPTO_TOKEN_BYTES (32) without padding */
#define AUTH_API_KEY_PREFIX  "ak_"
#define AUTH_API_KEY_LEN     (3 + AUTH_TOKEN_LEN)
#define AUTH_KEY_PREFIX_LEN  11 /* "ak_" and 8 characters: 48 bits, enough to tell keys apart */
#define AUTH_KEY_PREFIX_SIZE (AUTH_KEY_PREFIX_LEN + 1)

typedef enum {
    AUTH_TOKEN_BAD = 0, /* cannot be one of ours: answer without a database lookup */
    AUTH_TOKEN_PLAIN,   /* session cookie, reset or invitation token */
    AUTH_TOKEN_API_KEY, /* ak_... */
} auth_token_kind_t;

/* What a presented token can be, judged by its shape alone (length and alphabet). NULL-safe. */
auth_token_kind_t auth_token_kind(const char *token);

/* A new plain token / API key, heap-allocated (caller frees; wipe before freeing is not needed:
 * the reply carries it anyway). */
char *auth_token_new(void);
char *auth_api_key_new(void);

/* The sha256 hex digest stored for, and published on revocation of, a token. */
void auth_token_hash(const char *token, char out[CRYPTO_SHA256_HEX_SIZE]);

/* The visible prefix of an API key into out (the key must be AUTH_TOKEN_API_KEY-shaped). */
void auth_api_key_prefix(const char *key, char out[AUTH_KEY_PREFIX_SIZE]);

#endif
