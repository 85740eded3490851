/* test_outbox.c - the part of libshared/src/outbox.c that needs no server: the EVENTS stream's
 * settings from JS_REPLICAS, JS_EVENTS_MAX_AGE and JS_EVENTS_MAX_BYTES (defaults, values, and
 * malformed or out-of-range values refused), and a relay refusing to start on such a value
 * before it connects anywhere. tests/integration/test_outbox.c covers the relay itself. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "shared/log.h"
#include "shared/outbox.h"

static void setup(void)
{
    log_init("test", "off"); /* the invalid cases log errors */
    unsetenv("JS_REPLICAS");
    unsetenv("JS_EVENTS_MAX_AGE");
    unsetenv("JS_EVENTS_MAX_BYTES");
}

TestSuite(outbox_limits, .init = setup);

Test(outbox_limits, defaults_one_copy_seven_days_one_gib)
{
    bus_js_limits_t l = {0};
    cr_assert_eq(outbox_stream_limits(&l), ST_OK);
    cr_assert_eq(l.replicas, 1);
    cr_assert_eq(l.max_age_s, 7 * 24 * 3600);
    cr_assert_eq(l.max_bytes, 1073741824LL);
}

Test(outbox_limits, values_from_the_environment)
{
    bus_js_limits_t l = {0};
    setenv("JS_REPLICAS", "3", 1);
    setenv("JS_EVENTS_MAX_AGE", "86400", 1);
    setenv("JS_EVENTS_MAX_BYTES", "10737418240", 1); /* 10 GiB: above 32 bits */
    cr_assert_eq(outbox_stream_limits(&l), ST_OK);
    cr_assert_eq(l.replicas, 3);
    cr_assert_eq(l.max_age_s, 86400);
    cr_assert_eq(l.max_bytes, 10737418240LL);
}

static void assert_refused(const char *key, const char *value)
{
    bus_js_limits_t l = {.replicas = 42};
    setup();
    setenv(key, value, 1);
    cr_assert_eq(outbox_stream_limits(&l), ST_INVALID, "%s=%s", key, value);
    cr_assert_eq(l.replicas, 42, "untouched on failure");
}

Test(outbox_limits, malformed_or_out_of_range_values_are_refused)
{
    assert_refused("JS_REPLICAS", "three");
    assert_refused("JS_REPLICAS", "0");
    assert_refused("JS_REPLICAS", "6");        /* JetStream keeps at most 5 copies */
    assert_refused("JS_EVENTS_MAX_AGE", "60"); /* under the 2-minute duplicate window */
    assert_refused("JS_EVENTS_MAX_AGE", "7d");
    assert_refused("JS_EVENTS_MAX_BYTES", "1000");
    assert_refused("JS_EVENTS_MAX_BYTES", "-1");
}

Test(outbox_limits, relay_does_not_start_with_a_bad_setting)
{
    outbox_relay_t *relay = NULL;
    setenv("JS_REPLICAS", "many", 1);
    /* No pool, no bus, an unreachable database: the setting is checked before any of them. */
    cr_assert_eq(outbox_relay_start("postgresql://127.0.0.1:1/none", NULL, NULL, "x", &relay),
                 ST_INVALID);
    cr_assert_null(relay);
}
