/* token.c - generation, shape checks and hashing of session tokens and API keys (see token.h). */
#include "token.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"

static bool is_b64url(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

auth_token_kind_t auth_token_kind(const char *token)
{
    size_t len = token ? strlen(token) : 0;

    if (len == AUTH_TOKEN_LEN && is_b64url(token, len))
        return AUTH_TOKEN_PLAIN;
    if (len == AUTH_API_KEY_LEN && str_has_prefix(token, AUTH_API_KEY_PREFIX) &&
        is_b64url(token + 3, AUTH_TOKEN_LEN))
        return AUTH_TOKEN_API_KEY;
    return AUTH_TOKEN_BAD;
}

char *auth_token_new(void)
{
    char *token = NULL;

    /* Cannot fail for CRYPTO_TOKEN_BYTES; crypto aborts without a random source. */
    if (crypto_random_token(CRYPTO_TOKEN_BYTES, &token) != ST_OK)
        abort();
    return token;
}

char *auth_api_key_new(void)
{
    char *raw = auth_token_new();
    char *key = xmalloc(AUTH_API_KEY_LEN + 1);

    memcpy(key, AUTH_API_KEY_PREFIX, 3);
    memcpy(key + 3, raw, AUTH_TOKEN_LEN + 1);
    crypto_wipe(raw, AUTH_TOKEN_LEN);
    free(raw);
    return key;
}

void auth_token_hash(const char *token, char out[CRYPTO_SHA256_HEX_SIZE])
{
    crypto_sha256_hex(token, strlen(token), out);
}

void auth_api_key_prefix(const char *key, char out[AUTH_KEY_PREFIX_SIZE])
{
    memcpy(out, key, AUTH_KEY_PREFIX_LEN);
    out[AUTH_KEY_PREFIX_LEN] = '\0';
}
