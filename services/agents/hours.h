/* hours.h - working hours of an agent: a time zone and weekly intervals. Pure: no I/O.
 *
 * Rules (checked by agents_hours_check, messages name the field):
 *   - timezone: 1..64 characters of an IANA name ("Europe/Moscow", "UTC", "Etc/GMT+3"):
 *     segments of letters, digits, '_', '+', '-' separated by '/', starting with a letter.
 *   - at most AGENTS_HOURS_MAX_INTERVALS intervals; day 0 (Sunday) .. 6 (Saturday);
 *     start "HH:MM" in 00:00..23:59, end in 00:01..24:00, start < end;
 *     intervals of the same day do not overlap (touching, 09:00-12:00 + 12:00-18:00, is fine).
 */
#ifndef AGENTS_HOURS_H
#define AGENTS_HOURS_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/agents.pb-c.h"
#include "shared/status.h"

#define AGENTS_HOURS_MAX_INTERVALS 70
#define AGENTS_TIMEZONE_MAX        64

/* "HH:MM" (exactly two digits each) into minutes since midnight; "24:00" only when allow_24.
 * False for anything else. */
bool agents_hours_parse_time(const char *s, bool allow_24, int *minutes /* OUT */);
/* True for a plausible IANA time zone name (see above). */
bool agents_hours_timezone_ok(const char *tz);
/* ST_OK, or ST_INVALID with a message naming the field (prefix "working_hours.") in why. */
status_t agents_hours_check(const Agents__WorkingHours *wh, char *why, size_t whylen);

#endif
