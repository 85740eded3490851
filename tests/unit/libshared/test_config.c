/* test_config.c - libshared/src/config.c: strings with defaults, bounded integers and boolean
 * words from the environment. Invalid values are ST_INVALID (logged, naming the key) and leave
 * the output untouched; unset and empty both mean "use the default". */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/config.h"
#include "shared/log.h"
#include "shared/util.h"

#define KEY "TEST_CONFIG_VALUE"

static void setup(void)
{
    log_init("test", "off"); /* the invalid cases log errors; keep the output readable */
    unsetenv(KEY);
}

TestSuite(config, .init = setup);

/* ---- strings --------------------------------------------------------------------------------- */

Test(config, str_default_when_unset_or_empty)
{
    cr_assert_str_eq(config_str(KEY, "fallback"), "fallback");
    cr_assert_null(config_str(KEY, NULL));
    setenv(KEY, "", 1);
    cr_assert_str_eq(config_str(KEY, "fallback"), "fallback");
    cr_assert_null(config_str(KEY, NULL));
}

Test(config, str_value_when_set)
{
    setenv(KEY, "nats://10.0.0.1:4222", 1);
    cr_assert_str_eq(config_str(KEY, "fallback"), "nats://10.0.0.1:4222");
    cr_assert_str_eq(config_str(KEY, NULL), "nats://10.0.0.1:4222");
    setenv(KEY, " ", 1); /* not empty: taken as is */
    cr_assert_str_eq(config_str(KEY, "fallback"), " ");
    unsetenv(KEY);
    cr_assert_str_eq(config_str(KEY, "fallback"), "fallback");
}

/* ---- integers -------------------------------------------------------------------------------- */

Test(config, int_default_when_unset_or_empty)
{
    int64_t v = -1;
    cr_assert_eq(config_int(KEY, 8080, 1, 65535, &v), ST_OK);
    cr_assert_eq(v, 8080);
    setenv(KEY, "", 1);
    v = -1;
    cr_assert_eq(config_int(KEY, 42, 1, 65535, &v), ST_OK);
    cr_assert_eq(v, 42);
}

Test(config, int_valid_values)
{
    static const struct {
        const char *text;
        int64_t min, max, want;
    } cases[] = {
        {"1", 1, 65535, 1},
        {"65535", 1, 65535, 65535},
        {"8081", 1, 65535, 8081},
        {"0", 0, 10, 0},
        {"-5", -10, 10, -5},
        {"-10", -10, 10, -10},
        {"+7", 0, 10, 7},
        {"007", 0, 10, 7},
        {"9223372036854775807", 0, INT64_MAX, INT64_MAX},
        {"-9223372036854775808", INT64_MIN, 0, INT64_MIN},
        {"86400", 1, 86400, 86400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 12345;
        setenv(KEY, cases[i].text, 1);
        cr_assert_eq(config_int(KEY, 3, cases[i].min, cases[i].max, &v), ST_OK, "\"%s\"",
                     cases[i].text);
        cr_assert_eq(v, cases[i].want, "\"%s\" gave %lld", cases[i].text, (long long)v);
    }
}

Test(config, int_out_of_bounds_is_invalid)
{
    static const struct {
        const char *text;
        int64_t min, max;
    } cases[] = {
        {"0", 1, 65535},  {"65536", 1, 65535},        {"-1", 0, 10},  {"11", 0, 10},
        {"-11", -10, 10}, {"100000000000", 1, 86400}, {"-2", -1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 12345;
        setenv(KEY, cases[i].text, 1);
        cr_assert_eq(config_int(KEY, 3, cases[i].min, cases[i].max, &v), ST_INVALID, "\"%s\"",
                     cases[i].text);
        cr_assert_eq(v, 12345, "output untouched on failure");
    }
}

Test(config, int_malformed_is_invalid)
{
    static const char *bad[] = {
        "abc",
        "12abc",
        "12 ",
        " 12",
        "\t7",
        "1.5",
        "1e3",
        "0x10",
        "--1",
        "+",
        "-",
        " ",
        "8080\n",
        "9223372036854775808",  /* overflow */
        "-9223372036854775809", /* underflow */
        "99999999999999999999999",
        "true",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 12345;
        setenv(KEY, bad[i], 1);
        cr_assert_eq(config_int(KEY, 3, INT64_MIN, INT64_MAX, &v), ST_INVALID, "\"%s\"", bad[i]);
        cr_assert_eq(v, 12345, "output untouched on failure (\"%s\")", bad[i]);
    }
}

/* The error is logged once, naming the key and the value, so a bad deployment is obvious. */
Test(config, int_error_names_the_key)
{
    int64_t v;
    int saved = dup(STDERR_FILENO);
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    log_init("test", "info");
    setenv(KEY, "eighty", 1);
    fflush(stderr);
    dup2(fileno(f), STDERR_FILENO);
    status_t st = config_int(KEY, 3, 1, 10, &v);
    dup2(saved, STDERR_FILENO);
    close(saved);
    cr_assert_eq(st, ST_INVALID);

    char text[2048] = {0};
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    cr_assert_gt(n, 0, "nothing logged");
    cr_assert(strstr(text, KEY), "%s", text);
    cr_assert(strstr(text, "eighty"), "%s", text);
    cr_assert(strstr(text, "\"level\":\"error\""), "%s", text);
    cr_assert_eq(strchr(text, '\n'), text + n - 1, "one line: %s", text);
}

/* ---- booleans -------------------------------------------------------------------------------- */

Test(config, bool_default_when_unset_or_empty)
{
    bool v = false;
    cr_assert_eq(config_bool(KEY, true, &v), ST_OK);
    cr_assert(v);
    cr_assert_eq(config_bool(KEY, false, &v), ST_OK);
    cr_assert_not(v);
    setenv(KEY, "", 1);
    v = false;
    cr_assert_eq(config_bool(KEY, true, &v), ST_OK);
    cr_assert(v);
    cr_assert_eq(config_bool(KEY, false, &v), ST_OK);
    cr_assert_not(v);
}

Test(config, bool_words)
{
    static const char *yes[] = {"1", "true", "yes", "on", "TRUE", "True", "YES", "On", "tRuE"};
    static const char *no[] = {"0", "false", "no", "off", "FALSE", "False", "NO", "OFF", "oFf"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        bool v = false;
        setenv(KEY, yes[i], 1);
        cr_assert_eq(config_bool(KEY, false, &v), ST_OK, "\"%s\"", yes[i]);
        cr_assert(v, "\"%s\" is true", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        bool v = true;
        setenv(KEY, no[i], 1);
        cr_assert_eq(config_bool(KEY, true, &v), ST_OK, "\"%s\"", no[i]);
        cr_assert_not(v, "\"%s\" is false", no[i]);
    }
}

Test(config, bool_other_words_are_invalid)
{
    static const char *bad[] = {"2",     "-1",    "y",      "n",        "t",   "f",   "truee",
                                " true", "true ", "enable", "disabled", "10",  "00",  "none",
                                "nope",  "yes!",  "o",      "of",       "onn", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool v = true, w = false;
        setenv(KEY, bad[i], 1);
        cr_assert_eq(config_bool(KEY, false, &v), ST_INVALID, "\"%s\"", bad[i]);
        cr_assert(v, "output untouched on failure (\"%s\")", bad[i]);
        cr_assert_eq(config_bool(KEY, true, &w), ST_INVALID, "\"%s\"", bad[i]);
        cr_assert_not(w, "output untouched on failure (\"%s\")", bad[i]);
    }
}

/* Keys are independent: unrelated variables do not leak into each other. */
Test(config, keys_are_independent)
{
    int64_t a = 0, b = 0;
    setenv("TEST_CONFIG_A", "5", 1);
    unsetenv("TEST_CONFIG_B");
    cr_assert_eq(config_int("TEST_CONFIG_A", 1, 0, 10, &a), ST_OK);
    cr_assert_eq(config_int("TEST_CONFIG_B", 1, 0, 10, &b), ST_OK);
    cr_assert_eq(a, 5);
    cr_assert_eq(b, 1);
    unsetenv("TEST_CONFIG_A");
}
