/* hours.c - validation of working hours (hours.h). Pure: no I/O. */
#include "hours.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool agents_hours_parse_time(const char *s, bool allow_24, int *minutes)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && !isdigit((unsigned char)s[i]))
            return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
        return false;
    *minutes = h * 60 + m;
    return true;
}

bool agents_hours_timezone_ok(const char *tz)
{
    size_t n = tz ? strlen(tz) : 0;
    bool seg_start = true;

    if (n == 0 || n > AGENTS_TIMEZONE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tz[i];
        if (seg_start) {
            if (!isalpha(c))
                return false;
            seg_start = false;
        } else if (c == '/') {
            seg_start = true;
        } else if (!isalnum(c) && c != '_' && c != '+' && c != '-') {
            return false;
        }
    }
    return !seg_start;
}

status_t agents_hours_check(const Agents__WorkingHours *wh, char *why, size_t whylen)
{
    int start[AGENTS_HOURS_MAX_INTERVALS], end[AGENTS_HOURS_MAX_INTERVALS];

    if (!wh->timezone || !wh->timezone[0]) {
        snprintf(why, whylen, "working_hours.timezone: required");
        return ST_INVALID;
    }
    if (!agents_hours_timezone_ok(wh->timezone)) {
        snprintf(why, whylen,
                 "working_hours.timezone: must be an IANA time zone name of at most %d "
                 "characters, e.g. Europe/Moscow",
                 AGENTS_TIMEZONE_MAX);
        return ST_INVALID;
    }
    if (wh->n_intervals > AGENTS_HOURS_MAX_INTERVALS) {
        snprintf(why, whylen, "working_hours.intervals: at most %d intervals",
                 AGENTS_HOURS_MAX_INTERVALS);
        return ST_INVALID;
    }
    for (size_t i = 0; i < wh->n_intervals; i++) {
        const Agents__Interval *iv = wh->intervals[i];
        if (!iv->has_day || iv->day < 0 || iv->day > 6) {
            snprintf(why, whylen, "working_hours.intervals[%zu].day: must be 0 (Sunday) .. 6", i);
            return ST_INVALID;
        }
        if (!agents_hours_parse_time(iv->start, false, &start[i])) {
            snprintf(why, whylen, "working_hours.intervals[%zu].start: must be HH:MM, 00:00..23:59",
                     i);
            return ST_INVALID;
        }
        if (!agents_hours_parse_time(iv->end, true, &end[i])) {
            snprintf(why, whylen, "working_hours.intervals[%zu].end: must be HH:MM, 00:01..24:00",
                     i);
            return ST_INVALID;
        }
        if (start[i] >= end[i]) {
            snprintf(why, whylen, "working_hours.intervals[%zu]: start must be before end", i);
            return ST_INVALID;
        }
        for (size_t j = 0; j < i; j++) {
            if (wh->intervals[j]->day == iv->day && start[i] < end[j] && start[j] < end[i]) {
                snprintf(why, whylen, "working_hours.intervals[%zu]: overlaps intervals[%zu]", i,
                         j);
                return ST_INVALID;
            }
        }
    }
    return ST_OK;
}
