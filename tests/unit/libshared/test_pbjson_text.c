/* test_pbjson_text.c - pbjson's text conversions (pbjson_text.c through pbjson_int.h): base64
 * input in both alphabets (libsodium underneath; output is crypto_b64_encode), decimal and
 * JSON-number parsing with range checks. UTF-8 validation is text.c's (test_text.c).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../../libshared/src/pbjson_int.h"
#include "shared/crypto.h"

Test(pbjson_text, base64_rfc4648_vectors)
{
    static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    const char *raw = "foobar";
    for (size_t n = 0; n <= 6; n++) {
        buf_t b = BUF_INIT;
        ProtobufCBinaryData d;
        crypto_b64_encode(raw, n, CRYPTO_B64, &b);
        cr_assert_str_eq(b.data ? b.data : "", enc[n]);
        cr_assert(pbjson__base64_decode(enc[n], strlen(enc[n]), &d));
        cr_assert_eq(d.len, n);
        cr_assert(n == 0 ? d.data == NULL : memcmp(d.data, raw, n) == 0);
        free(d.data);
        buf_cleanup(&b);
    }
}

Test(pbjson_text, base64_decode_rejects)
{
    static const char *const bad[] = {"A",    "AAAAA", "AA=",  "A===", "AA===",    "AA=A",
                                      "A=AA", "AA AA", "AA\n", "AA.A", "AA==AA==", "\x80\x80"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        ProtobufCBinaryData d = {7, (uint8_t *)"untouched"};
        cr_assert_not(pbjson__base64_decode(bad[i], strlen(bad[i]), &d), "%s", bad[i]);
        cr_assert_eq(d.len, 7, "out written on failure");
    }
}

Test(pbjson_text, base64_every_length_and_byte)
{
    uint8_t raw[300];
    for (size_t i = 0; i < sizeof(raw); i++)
        raw[i] = (uint8_t)(i * 7 + 3);
    for (size_t n = 0; n <= sizeof(raw); n += 1 + n / 16) {
        buf_t b = BUF_INIT;
        ProtobufCBinaryData d;
        crypto_b64_encode(raw, n, CRYPTO_B64, &b);
        cr_assert_eq(b.len, (n + 2) / 3 * 4);
        cr_assert(pbjson__base64_decode(b.data ? b.data : "", b.len, &d));
        cr_assert_eq(d.len, n);
        cr_assert(n == 0 || memcmp(d.data, raw, n) == 0);
        free(d.data);
        /* unpadded URL-safe form of the same */
        for (size_t i = 0; i < b.len; i++)
            b.data[i] = b.data[i] == '+' ? '-' : b.data[i] == '/' ? '_' : b.data[i];
        while (b.len && b.data[b.len - 1] == '=')
            b.len--;
        cr_assert(pbjson__base64_decode(b.data ? b.data : "", b.len, &d));
        cr_assert_eq(d.len, n);
        cr_assert(n == 0 || memcmp(d.data, raw, n) == 0);
        free(d.data);
        buf_cleanup(&b);
    }
}

Test(pbjson_text, decimal_parsing)
{
    bool neg = true;
    uint64_t mag = 1;
    cr_assert_eq(pbjson__parse_dec("0", 1, &neg, &mag), 0);
    cr_assert(!neg && mag == 0);
    cr_assert_eq(pbjson__parse_dec("-0", 2, &neg, &mag), 0);
    cr_assert(neg && mag == 0);
    cr_assert_eq(pbjson__parse_dec("18446744073709551615", 20, &neg, &mag), 0);
    cr_assert_eq(mag, UINT64_MAX);
    cr_assert_eq(pbjson__parse_dec("-18446744073709551615", 21, &neg, &mag), 0);
    cr_assert(neg && mag == UINT64_MAX);
    cr_assert_eq(pbjson__parse_dec("18446744073709551616", 20, &neg, &mag), 1);
    cr_assert_eq(pbjson__parse_dec("99999999999999999999999", 23, &neg, &mag), 1);
    cr_assert_eq(pbjson__parse_dec("123", 2, &neg, &mag), 0);
    cr_assert_eq(mag, 12);
    static const char *const bad[] = {"", "-", "+1", " 1", "1 ", "1.0", "1e3", "0x1", "--1", "1-"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        cr_assert_eq(pbjson__parse_dec(bad[i], strlen(bad[i]), &neg, &mag), -1, "%s", bad[i]);

    pbjson__value_t v;
    cr_assert(pbjson__int_to_value(PROTOBUF_C_TYPE_SFIXED32, true, 2147483648u, &v));
    cr_assert_eq(v.i32, INT32_MIN);
    cr_assert_not(pbjson__int_to_value(PROTOBUF_C_TYPE_SFIXED32, true, 2147483649u, &v));
    cr_assert(pbjson__int_to_value(PROTOBUF_C_TYPE_SINT64, true, (uint64_t)1 << 63, &v));
    cr_assert_eq(v.i64, INT64_MIN);
    cr_assert(pbjson__int_to_value(PROTOBUF_C_TYPE_FIXED32, true, 0, &v));
    cr_assert_eq(v.u32, 0);
    cr_assert_not(pbjson__int_to_value(PROTOBUF_C_TYPE_ENUM, false, 0, &v));
}

Test(pbjson_text, double_parsing)
{
    double d;
    static const struct {
        const char *s;
        double want;
    } ok[] = {{"0", 0},       {"-1.5", -1.5}, {"1e3", 1000}, {"1E-2", 0.01},
              {"2.5e+1", 25}, {"007.5", 7.5}, {"-0", -0.0},  {"1e-400", 0}};
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        cr_assert(pbjson__parse_double(ok[i].s, strlen(ok[i].s), &d), "%s", ok[i].s);
        cr_assert_eq(d, ok[i].want, "%s", ok[i].s);
    }
    cr_assert(pbjson__parse_double("NaN", 3, &d) && isnan(d));
    cr_assert(pbjson__parse_double("Infinity", 8, &d) && isinf(d) && d > 0);
    cr_assert(pbjson__parse_double("-Infinity", 9, &d) && isinf(d) && d < 0);
    static const char *const bad[] = {"",    "-",     ".5",   "5.",   "1e",    "1e+",
                                      "+1",  "nan",   "inf",  "0x10", "1 ",    " 1",
                                      "1,5", "1e999", "-Inf", "--1",  "1.2.3", "NaNx"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        cr_assert_not(pbjson__parse_double(bad[i], strlen(bad[i]), &d), "%s", bad[i]);
    /* longer than the stack copy */
    char longnum[200];
    memset(longnum, '1', sizeof(longnum));
    longnum[1] = '.';
    cr_assert(pbjson__parse_double(longnum, sizeof(longnum), &d));
    cr_assert_float_eq(d, 1.1111111111111111, 1e-15);

    pbjson__value_t v;
    cr_assert(pbjson__double_to_value(PROTOBUF_C_TYPE_FLOAT, 3.4028235677973362e38, &v));
    cr_assert_not(pbjson__double_to_value(PROTOBUF_C_TYPE_FLOAT, 3.4028235677973366e38, &v));
    cr_assert(pbjson__double_to_value(PROTOBUF_C_TYPE_FLOAT, -INFINITY, &v) && isinf(v.f));
    cr_assert(pbjson__double_to_value(PROTOBUF_C_TYPE_DOUBLE, 1e300, &v) && v.d == 1e300);
}
