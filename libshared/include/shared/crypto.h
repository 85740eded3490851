/* crypto.h - the platform's cryptography, all of it on libsodium: random tokens, SHA-256,
 * HMAC-SHA256, argon2id password hashes, secretbox for secrets at rest, base64 and hex.
 *
 * Every function is thread-safe. crypto_init() may be called at start-up to fail early; every
 * other function initialises the library itself on first use, so forgetting it is harmless.
 * buf_t outputs are appended to, and only on success.
 *
 * Session, API-key and reset tokens: hand the token to the client, store only its hash.
 *
 *     char *token, hash[CRYPTO_SHA256_HEX_SIZE];
 *     crypto_random_token(CRYPTO_TOKEN_BYTES, &token);         // 43 chars, base64url
 *     crypto_sha256_hex(token, strlen(token), hash);           // goes to the database
 *
 * Passwords (argon2id, OWASP parameters m=19456 KiB, t=2, p=1, PHC string):
 *
 *     char *enc;
 *     if ((st = crypto_password_hash(pw, &enc))) goto done;    // "$argon2id$v=19$m=19456,..."
 *     st = crypto_password_verify(enc, pw);                    // ST_OK or ST_UNAUTHORIZED
 *     if (st == ST_OK && crypto_password_needs_rehash(enc)) { ...hash again and store... }
 *
 * Secrets at rest (API keys of integrations): a 32-byte key from configuration, then
 *
 *     uint8_t key[CRYPTO_KEY_SIZE];
 *     if (crypto_key_parse(config_str("SECRETS_KEY", ""), key)) exit(2);
 *     crypto_seal(key, plain, len, &sealed);                   // base64(nonce || box)
 *     crypto_open(key, sealed.data, &plain);                   // ST_INVALID when tampered
 */
#ifndef SHARED_CRYPTO_H
#define SHARED_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/status.h"
#include "shared/util.h"

#define CRYPTO_TOKEN_BYTES     32  /* entropy of a session / API-key / reset token */
#define CRYPTO_TOKEN_MAX_BYTES 512 /* largest nbytes crypto_random_token accepts */
#define CRYPTO_SHA256_SIZE     32
#define CRYPTO_SHA256_HEX_SIZE 65 /* 64 hex digits and the NUL */
#define CRYPTO_KEY_SIZE        32 /* secretbox key */

/* Current password-hash parameters (OWASP 2023 recommendation for argon2id). */
#define CRYPTO_PWHASH_MEM_KIB 19456
#define CRYPTO_PWHASH_TIME    2
#define CRYPTO_PWHASH_LANES   1
#define CRYPTO_PASSWORD_MAX   1024 /* longer passwords are ST_INVALID (bounds hashing work) */

/* Initialises libsodium. Idempotent and thread-safe. ST_INTERNAL if the library cannot start
 * (no usable random source); then every other function aborts. */
status_t crypto_init(void);

/* n bytes from the operating system's CSPRNG. */
void crypto_random_bytes(void *buf, size_t n);
/* A fresh token of nbytes random bytes (1..CRYPTO_TOKEN_MAX_BYTES) as unpadded base64url, so it
 * is safe in URLs, cookies and headers. *out is heap-allocated and owned by the caller. */
status_t crypto_random_token(size_t nbytes, char **out /* OUT */);

/* SHA-256 of data, raw or as 64 lower-case hex digits. */
void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE]);
void crypto_sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX_SIZE]);

/* HMAC-SHA256 with a key of any length, raw or as 64 lower-case hex digits. */
void crypto_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                        uint8_t out[CRYPTO_SHA256_SIZE]);
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *msg, size_t msglen,
                            char out[CRYPTO_SHA256_HEX_SIZE]);

/* True if a and b hold the same bytes. The time taken does not depend on where they differ
 * (lengths are not secret: different lengths return false at once). */
bool crypto_equal(const void *a, size_t alen, const void *b, size_t blen);
/* crypto_equal for two NUL-terminated hex strings, ignoring case ("AB" equals "ab"). False if
 * either is NULL or holds a non-hex character. For comparing a received signature. */
bool crypto_hex_equal(const char *a, const char *b);

/* Hashes password with argon2id at the current parameters and a random salt. *out is the PHC
 * string ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"), heap-allocated, owned by the caller.
 * ST_INVALID if the password is longer than CRYPTO_PASSWORD_MAX; ST_INTERNAL if out of memory. */
status_t crypto_password_hash(const char *password, char **out /* OUT */);
/* ST_OK if password matches encoded (compared in constant time by libsodium), ST_UNAUTHORIZED
 * if not, ST_INVALID if encoded is not an argon2id PHC string with sane parameters or the
 * password is too long. */
status_t crypto_password_verify(const char *encoded, const char *password);
/* True if encoded was made with weaker parameters than the current ones (or is not a valid
 * argon2id hash at all), so the password should be hashed again after a successful login.
 * Stronger parameters than the current ones do not ask for a rehash. */
bool crypto_password_needs_rehash(const char *encoded);

/* Parses a 32-byte key written as 64 hex digits or as base64 (standard or URL-safe, with or
 * without padding). ST_INVALID for anything else, including NULL and "". */
status_t crypto_key_parse(const char *text, uint8_t key[CRYPTO_KEY_SIZE] /* OUT */);
/* Encrypts and authenticates plain (XSalsa20-Poly1305 with a random nonce) and appends
 * base64(nonce || mac || ciphertext) to out. Cannot fail; returns ST_OK. */
status_t crypto_seal(const uint8_t key[CRYPTO_KEY_SIZE], const void *plain, size_t len,
                     buf_t *out /* OUT */);
/* Reverses crypto_seal: appends the plaintext to out. ST_INVALID if sealed is malformed, was
 * tampered with or was sealed with another key. Wipe secrets with crypto_wipe after use. */
status_t crypto_open(const uint8_t key[CRYPTO_KEY_SIZE], const char *sealed, buf_t *out /* OUT */);

/* Zeroes n bytes in a way the compiler will not optimise away. */
void crypto_wipe(void *p, size_t n);

/* Base64 alphabets: standard (RFC 4648 section 4) or URL-safe (section 5), padded or not. */
typedef enum {
    CRYPTO_B64,           /* "+/" with '=' padding */
    CRYPTO_B64_NOPAD,     /* "+/" without padding */
    CRYPTO_B64_URL,       /* "-_" with '=' padding */
    CRYPTO_B64_URL_NOPAD, /* "-_" without padding */
} crypto_b64_t;

/* Appends the encoding of data to out. */
void crypto_b64_encode(const void *data, size_t len, crypto_b64_t variant, buf_t *out /* OUT */);
/* Appends the decoding of text[0..len) to out. ST_INVALID unless all of it is valid base64 of
 * that variant (padding variants need the padding, the others must not have it). */
status_t crypto_b64_decode(const char *text, size_t len, crypto_b64_t variant,
                           buf_t *out /* OUT */);
/* Appends 2*len lower-case hex digits to out. */
void crypto_hex_encode(const void *data, size_t len, buf_t *out /* OUT */);
/* Appends the bytes of an even-length hex string (either case) to out; ST_INVALID otherwise. */
status_t crypto_hex_decode(const char *text, size_t len, buf_t *out /* OUT */);

#endif
