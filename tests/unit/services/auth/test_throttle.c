/* test_throttle.c - Retry-After arithmetic of sign-in throttling (services/auth/throttle.c). */
#include <criterion/criterion.h>

#include "services/auth/throttle.h"

#define NOW 1700000000000LL
#define W   AUTH_THROTTLE_WINDOW_S

Test(throttle, allowed_below_the_limit)
{
    cr_assert_eq(auth_throttle_wait(0, NOW, W), 0);
    cr_assert_eq(auth_throttle_retry_after(0, 0, NOW, W), 0);
}

Test(throttle, waits_until_the_nth_failure_leaves_the_window)
{
    /* The limit-th most recent failure was 1 s ago: 899 s to go. */
    cr_assert_eq(auth_throttle_wait(NOW - 1000, NOW, W), W - 1);
    /* ... 14 min 59.5 s ago: half a second left, rounded up to 1. */
    cr_assert_eq(auth_throttle_wait(NOW - (W * 1000LL - 500), NOW, W), 1);
    /* ... just now: the whole window. */
    cr_assert_eq(auth_throttle_wait(NOW, NOW, W), W);
}

Test(throttle, expired_failure_does_not_block)
{
    cr_assert_eq(auth_throttle_wait(NOW - W * 1000LL, NOW, W), 0);
    cr_assert_eq(auth_throttle_wait(NOW - W * 1000LL - 1, NOW, W), 0);
}

Test(throttle, the_longer_wait_wins)
{
    cr_assert_eq(auth_throttle_retry_after(NOW - 600 * 1000LL, NOW - 100 * 1000LL, NOW, W), 800);
    cr_assert_eq(auth_throttle_retry_after(NOW - 100 * 1000LL, 0, NOW, W), 800);
    cr_assert_eq(auth_throttle_retry_after(0, NOW - 800 * 1000LL, NOW, W), 100);
}

Test(throttle, limits_are_the_documented_ones)
{
    cr_assert_eq(AUTH_THROTTLE_EMAIL_LIMIT, 10);
    cr_assert_eq(AUTH_THROTTLE_IP_LIMIT, 50);
    cr_assert_eq(AUTH_THROTTLE_WINDOW_S, 900);
}
