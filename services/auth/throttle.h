/* throttle.h - sign-in throttling arithmetic. Pure: the counting happens in PostgreSQL.
 *
 * Failed sign-ins are rows in auth.login_attempts (email, ip, at), shared by every replica. An
 * attempt is refused when the key (the normalised email, or the client IP) already has `limit`
 * failures in the last `window`: more than 10 per account or 50 per IP within 15 minutes. The
 * store returns, per key, the time of the limit-th most recent failure inside the window (or
 * none); once that one leaves the window fewer than `limit` remain, so that is when to retry:
 *
 *     failures (newest first):  t1 t2 ... t10 | t11 ...      limit = 10
 *     retry after = t10 + window - now  (rounded up to whole seconds, at least 1)
 *
 * Refused attempts are not recorded (an attacker cannot extend a lock-out by hammering it). A
 * successful sign-in (or a password reset) clears the account's failures but never the IP's: the
 * rows are marked email_cleared and keep counting for their address.
 */
#ifndef AUTH_THROTTLE_H
#define AUTH_THROTTLE_H

#include <stdint.h>

#define AUTH_THROTTLE_WINDOW_S    (15 * 60)
#define AUTH_THROTTLE_EMAIL_LIMIT 10
#define AUTH_THROTTLE_IP_LIMIT    50

/* Seconds to wait given the time (epoch ms) of the limit-th most recent failure of one key in
 * the window, or nth_ms <= 0 when there are fewer: 0 = allowed, else >= 1. */
int64_t auth_throttle_wait(int64_t nth_ms, int64_t now_ms, int64_t window_s);

/* The Retry-After for an attempt with both keys: the longer of the two waits (0 = allowed). */
int64_t auth_throttle_retry_after(int64_t email_nth_ms, int64_t ip_nth_ms, int64_t now_ms,
                                  int64_t window_s);

#endif
