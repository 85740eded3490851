/* throttle.c - when a throttled sign-in may be retried (see throttle.h for the model). */
#include "throttle.h"

int64_t auth_throttle_wait(int64_t nth_ms, int64_t now_ms, int64_t window_s)
{
    int64_t until_ms, wait_ms;

    if (nth_ms <= 0)
        return 0;
    until_ms = nth_ms + window_s * 1000;
    if (until_ms <= now_ms)
        return 0; /* already out of the window (clock edge) */
    wait_ms = until_ms - now_ms;
    return (wait_ms + 999) / 1000;
}

int64_t auth_throttle_retry_after(int64_t email_nth_ms, int64_t ip_nth_ms, int64_t now_ms,
                                  int64_t window_s)
{
    int64_t a = auth_throttle_wait(email_nth_ms, now_ms, window_s);
    int64_t b = auth_throttle_wait(ip_nth_ms, now_ms, window_s);
    return a > b ? a : b;
}
