/* crypto.c - tokens, hashes, HMAC, argon2id passwords and secretbox on libsodium (see crypto.h).
 *
 * Passwords use libsodium's argon2id (crypto_pwhash_argon2id_str*) rather than libargon2: one
 * library for every primitive, a salt from the same CSPRNG, wiped working memory, and the same
 * PHC string libargon2 writes, so either can verify the other's hashes. The PHC parser below
 * exists for what libsodium does not offer: telling a malformed hash from a wrong password,
 * refusing absurd parameters before spending memory on them, and "weaker than current".
 */
#include "shared/crypto.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on parameters read from a stored hash, so a corrupt row cannot make verify allocate
 * gigabytes or spin for minutes. */
#define PWHASH_MAX_MEM_KIB (1024 * 1024)
#define PWHASH_MAX_TIME    16
#define PWHASH_MAX_LANES   16
#define PWHASH_SALT_BYTES  crypto_pwhash_argon2id_SALTBYTES
#define PWHASH_HASH_BYTES  32

static atomic_bool ready;

status_t crypto_init(void)
{
    status_t st = ST_OK;

    if (atomic_load(&ready))
        goto done;
    if (sodium_init() < 0) { /* sodium_init is itself locked and idempotent */
        st = ST_INTERNAL;
        goto done;
    }
    atomic_store(&ready, true);
done:
    return st;
}

static void ensure_init(void)
{
    if (!atomic_load(&ready) && crypto_init() != ST_OK)
        abort(); /* no random source: nothing secure can be done */
}

void crypto_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

/* ---- encodings -------------------------------------------------------------------------- */

static int sodium_variant(crypto_b64_t v)
{
    switch (v) {
    case CRYPTO_B64:
        return sodium_base64_VARIANT_ORIGINAL;
    case CRYPTO_B64_NOPAD:
        return sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
    case CRYPTO_B64_URL:
        return sodium_base64_VARIANT_URLSAFE;
    case CRYPTO_B64_URL_NOPAD:
        return sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    }
    return sodium_base64_VARIANT_ORIGINAL;
}

void crypto_b64_encode(const void *data, size_t len, crypto_b64_t variant, buf_t *out)
{
    int v = sodium_variant(variant);
    size_t n = sodium_base64_encoded_len(len, v); /* includes the NUL */

    buf_reserve(out, n);
    sodium_bin2base64(out->data + out->len, n, data, len, v);
    out->len += n - 1;
}

status_t crypto_b64_decode(const char *text, size_t len, crypto_b64_t variant, buf_t *out)
{
    size_t max = len / 4 * 3 + 3, got = 0;
    const char *end = NULL;
    unsigned char *tmp = xmalloc(max);
    status_t st = ST_INVALID;

    if (sodium_base642bin(tmp, max, text, len, NULL, &got, &end, sodium_variant(variant)) != 0)
        goto done;
    if (end != text + len) /* trailing garbage */
        goto done;
    buf_append(out, tmp, got);
    st = ST_OK;
done:
    sodium_memzero(tmp, max);
    free(tmp);
    return st;
}

void crypto_hex_encode(const void *data, size_t len, buf_t *out)
{
    buf_reserve(out, 2 * len);
    sodium_bin2hex(out->data + out->len, 2 * len + 1, data, len);
    out->len += 2 * len;
}

status_t crypto_hex_decode(const char *text, size_t len, buf_t *out)
{
    size_t max = len / 2 + 1, got = 0;
    const char *end = NULL;
    unsigned char *tmp = xmalloc(max);
    status_t st = ST_INVALID;

    if (len % 2)
        goto done;
    if (sodium_hex2bin(tmp, max, text, len, NULL, &got, &end) != 0 || end != text + len)
        goto done;
    buf_append(out, tmp, got);
    st = ST_OK;
done:
    sodium_memzero(tmp, max);
    free(tmp);
    return st;
}

/* ---- randomness, hashes, MACs ------------------------------------------------------------- */

void crypto_random_bytes(void *buf, size_t n)
{
    ensure_init();
    randombytes_buf(buf, n);
}

status_t crypto_random_token(size_t nbytes, char **out)
{
    unsigned char raw[CRYPTO_TOKEN_MAX_BYTES];
    buf_t b = BUF_INIT;
    status_t st = ST_INVALID;

    if (nbytes == 0 || nbytes > sizeof raw)
        goto done;
    crypto_random_bytes(raw, nbytes);
    crypto_b64_encode(raw, nbytes, CRYPTO_B64_URL_NOPAD, &b);
    sodium_memzero(raw, nbytes);
    *out = buf_steal(&b);
    st = ST_OK;
done:
    return st;
}

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE])
{
    ensure_init();
    crypto_hash_sha256(out, data, len);
}

void crypto_sha256_hex(const void *data, size_t len, char out[CRYPTO_SHA256_HEX_SIZE])
{
    uint8_t h[CRYPTO_SHA256_SIZE];

    crypto_sha256(data, len, h);
    sodium_bin2hex(out, CRYPTO_SHA256_HEX_SIZE, h, sizeof h);
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                        uint8_t out[CRYPTO_SHA256_SIZE])
{
    crypto_auth_hmacsha256_state state;

    ensure_init();
    crypto_auth_hmacsha256_init(&state, key, keylen);
    crypto_auth_hmacsha256_update(&state, msg, msglen);
    crypto_auth_hmacsha256_final(&state, out);
    sodium_memzero(&state, sizeof state);
}

void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *msg, size_t msglen,
                            char out[CRYPTO_SHA256_HEX_SIZE])
{
    uint8_t mac[CRYPTO_SHA256_SIZE];

    crypto_hmac_sha256(key, keylen, msg, msglen, mac);
    sodium_bin2hex(out, CRYPTO_SHA256_HEX_SIZE, mac, sizeof mac);
}

bool crypto_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || sodium_memcmp(a, b, alen) == 0);
}

static bool all_hex(const char *s, size_t n)
{
    return strspn(s, "0123456789abcdefABCDEF") >= n;
}

bool crypto_hex_equal(const char *a, const char *b)
{
    size_t n;
    unsigned char diff = 0;

    if (!a || !b || (n = strlen(a)) != strlen(b) || !all_hex(a, n) || !all_hex(b, n))
        return false;
    /* For hex digits, setting bit 5 maps 'A'-'F' to 'a'-'f' and leaves '0'-'9' alone. */
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)((a[i] | 0x20) ^ (b[i] | 0x20));
    return diff == 0;
}

/* ---- passwords ---------------------------------------------------------------------------- */

typedef struct {
    unsigned long m, t, p;
    size_t salt_len, hash_len; /* decoded bytes */
} phc_t;

/* Reads "<key>=<decimal>" at *s and advances past it. */
static bool phc_number(const char **s, const char *key, unsigned long *out)
{
    size_t kl = strlen(key);
    const char *p = *s;
    char *end = NULL;
    unsigned long v = 0;
    bool ok = strncmp(p, key, kl) == 0 && p[kl] == '=' && p[kl + 1] >= '0' && p[kl + 1] <= '9';

    if (ok) {
        errno = 0;
        v = strtoul(p + kl + 1, &end, 10);
        ok = errno == 0 && v <= UINT32_MAX;
    }
    if (ok) {
        *out = v;
        *s = end;
    }
    return ok;
}

/* Reads unpadded standard base64 up to the next '$' or the end; its decoded length into *out. */
static bool phc_b64(const char **s, size_t *out)
{
    size_t n = strspn(*s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    bool ok = n > 0 && n % 4 != 1;

    if (ok) {
        *out = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
        *s += n;
    }
    return ok;
}

/* Parses "$argon2id$v=19$m=<kib>,t=<passes>,p=<lanes>$<salt>$<hash>" strictly. */
static bool phc_parse(const char *s, phc_t *out)
{
    static const char prefix[] = "$argon2id$";
    phc_t r = {0};
    unsigned long v = 0;
    bool ok;

    ok = s && strncmp(s, prefix, sizeof prefix - 1) == 0;
    if (ok) {
        s += sizeof prefix - 1;
        ok = phc_number(&s, "v", &v) && v == 19 && *s++ == '$' && /* version */
             phc_number(&s, "m", &r.m) && *s++ == ',' &&          /* memory, KiB */
             phc_number(&s, "t", &r.t) && *s++ == ',' &&          /* passes */
             phc_number(&s, "p", &r.p) && *s++ == '$' &&          /* lanes */
             phc_b64(&s, &r.salt_len) && *s++ == '$' && phc_b64(&s, &r.hash_len) && *s == '\0' &&
             r.t >= 1 && r.p >= 1 && r.m >= 8 * r.p; /* argon2's own minimums */
    }
    if (ok)
        *out = r;
    return ok;
}

status_t crypto_password_hash(const char *password, char **out)
{
    char enc[crypto_pwhash_argon2id_STRBYTES];
    size_t len = strlen(password);
    status_t st = ST_INVALID;

    ensure_init();
    if (len > CRYPTO_PASSWORD_MAX)
        goto done;
    if (crypto_pwhash_argon2id_str(enc, password, len, CRYPTO_PWHASH_TIME,
                                   (size_t)CRYPTO_PWHASH_MEM_KIB * 1024) != 0) {
        st = ST_INTERNAL; /* out of memory */
        goto done;
    }
    *out = xstrdup(enc);
    st = ST_OK;
done:
    return st;
}

status_t crypto_password_verify(const char *encoded, const char *password)
{
    phc_t phc;
    size_t len = password ? strlen(password) : 0;
    status_t st = ST_INVALID;

    ensure_init();
    if (!password || len > CRYPTO_PASSWORD_MAX || !phc_parse(encoded, &phc))
        goto done;
    if (phc.m > PWHASH_MAX_MEM_KIB || phc.t > PWHASH_MAX_TIME || phc.p > PWHASH_MAX_LANES ||
        phc.salt_len < 8 || phc.hash_len < 4 || strlen(encoded) >= crypto_pwhash_argon2id_STRBYTES)
        goto done;
    st = crypto_pwhash_argon2id_str_verify(encoded, password, len) == 0 ? ST_OK : ST_UNAUTHORIZED;
done:
    return st;
}

bool crypto_password_needs_rehash(const char *encoded)
{
    phc_t phc;

    return !phc_parse(encoded, &phc) || phc.m < CRYPTO_PWHASH_MEM_KIB ||
           phc.t < CRYPTO_PWHASH_TIME || phc.salt_len < PWHASH_SALT_BYTES ||
           phc.hash_len < PWHASH_HASH_BYTES;
}

/* ---- secrets at rest ---------------------------------------------------------------------- */

status_t crypto_key_parse(const char *text, uint8_t key[CRYPTO_KEY_SIZE])
{
    static const crypto_b64_t variants[] = {CRYPTO_B64, CRYPTO_B64_NOPAD, CRYPTO_B64_URL,
                                            CRYPTO_B64_URL_NOPAD};
    buf_t raw = BUF_INIT;
    size_t len = text ? strlen(text) : 0;
    status_t st = ST_INVALID;

    if (len == 0)
        goto done;
    if (len == 2 * CRYPTO_KEY_SIZE && crypto_hex_decode(text, len, &raw) == ST_OK)
        goto found;
    for (size_t i = 0; i < ARRAY_LEN(variants); i++) {
        buf_reset(&raw);
        if (crypto_b64_decode(text, len, variants[i], &raw) == ST_OK && raw.len == CRYPTO_KEY_SIZE)
            goto found;
    }
    goto done;
found:
    if (raw.len == CRYPTO_KEY_SIZE) {
        memcpy(key, raw.data, CRYPTO_KEY_SIZE);
        st = ST_OK;
    }
done:
    if (raw.data)
        sodium_memzero(raw.data, raw.cap);
    buf_cleanup(&raw);
    return st;
}

status_t crypto_seal(const uint8_t key[CRYPTO_KEY_SIZE], const void *plain, size_t len, buf_t *out)
{
    size_t n = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    unsigned char *box = xmalloc(n);

    crypto_random_bytes(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plain, len, box, key);
    crypto_b64_encode(box, n, CRYPTO_B64, out);
    free(box);
    return ST_OK;
}

status_t crypto_open(const uint8_t key[CRYPTO_KEY_SIZE], const char *sealed, buf_t *out)
{
    buf_t box = BUF_INIT;
    unsigned char *plain = NULL;
    size_t n = 0;
    status_t st = ST_INVALID;

    ensure_init();
    if (!sealed || crypto_b64_decode(sealed, strlen(sealed), CRYPTO_B64, &box) != ST_OK)
        goto done;
    if (box.len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        goto done;
    n = box.len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    plain = xmalloc(n);
    if (crypto_secretbox_open_easy(plain, (unsigned char *)box.data + crypto_secretbox_NONCEBYTES,
                                   box.len - crypto_secretbox_NONCEBYTES, (unsigned char *)box.data,
                                   key) != 0)
        goto done;
    buf_append(out, plain, n);
    st = ST_OK;
done:
    if (plain) {
        sodium_memzero(plain, n);
        free(plain);
    }
    buf_cleanup(&box);
    return st;
}
