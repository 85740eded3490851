/* test_token.c - token shapes, API keys and digests (services/auth/token.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/auth/token.h"

Test(token, new_tokens_have_256_bits_in_base64url)
{
    char *a = auth_token_new(), *b = auth_token_new();
    cr_assert_eq(strlen(a), AUTH_TOKEN_LEN);
    cr_assert_str_neq(a, b);
    cr_assert_eq(auth_token_kind(a), AUTH_TOKEN_PLAIN);
    cr_assert_eq(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                 AUTH_TOKEN_LEN);
    free(a);
    free(b);
}

Test(token, api_keys)
{
    char *k = auth_api_key_new(), prefix[AUTH_KEY_PREFIX_SIZE];
    cr_assert_eq(strlen(k), AUTH_API_KEY_LEN);
    cr_assert(strncmp(k, "ak_", 3) == 0);
    cr_assert_eq(auth_token_kind(k), AUTH_TOKEN_API_KEY);
    auth_api_key_prefix(k, prefix);
    cr_assert_eq(strlen(prefix), AUTH_KEY_PREFIX_LEN);
    cr_assert(strncmp(k, prefix, AUTH_KEY_PREFIX_LEN) == 0);
    free(k);
}

Test(token, shapes_that_are_not_ours)
{
    cr_assert_eq(auth_token_kind(NULL), AUTH_TOKEN_BAD);
    cr_assert_eq(auth_token_kind(""), AUTH_TOKEN_BAD);
    cr_assert_eq(auth_token_kind("forged"), AUTH_TOKEN_BAD);
    char t[64];
    memset(t, 'A', AUTH_TOKEN_LEN);
    t[AUTH_TOKEN_LEN] = '\0';
    cr_assert_eq(auth_token_kind(t), AUTH_TOKEN_PLAIN);
    t[5] = '+'; /* standard base64, not URL-safe */
    cr_assert_eq(auth_token_kind(t), AUTH_TOKEN_BAD);
    t[5] = 'A';
    t[AUTH_TOKEN_LEN - 1] = '\0';
    cr_assert_eq(auth_token_kind(t), AUTH_TOKEN_BAD);
    snprintf(t, sizeof t, "ak_%s", "short");
    cr_assert_eq(auth_token_kind(t), AUTH_TOKEN_BAD);
}

Test(token, hash_is_sha256_hex)
{
    char h[CRYPTO_SHA256_HEX_SIZE];
    auth_token_hash("abc", h);
    cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
