/* test_hours.c - working hours: times, time zone names, intervals (services/agents/hours.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "services/agents/hours.h"

Test(hours, parse_time)
{
    int m = -1;
    cr_assert(agents_hours_parse_time("00:00", false, &m));
    cr_assert_eq(m, 0);
    cr_assert(agents_hours_parse_time("09:30", false, &m));
    cr_assert_eq(m, 570);
    cr_assert(agents_hours_parse_time("23:59", false, &m));
    cr_assert_eq(m, 1439);
    cr_assert_not(agents_hours_parse_time("24:00", false, &m));
    cr_assert(agents_hours_parse_time("24:00", true, &m));
    cr_assert_eq(m, 1440);
    static const char *const bad[] = {"24:01", "9:00", "09:0",   "09-00", "09:60", "25:00",
                                      "",      "0900", "09:00 ", "ab:cd", "-1:00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(agents_hours_parse_time(bad[i], true, &m), "%s", bad[i]);
    cr_assert_not(agents_hours_parse_time(NULL, true, &m));
}

Test(hours, timezone_names)
{
    static const char *const good[] = {
        "UTC",       "Europe/Moscow", "America/Argentina/Buenos_Aires",
        "Etc/GMT+3", "Etc/GMT-14",    "America/Port-au-Prince"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_assert(agents_hours_timezone_ok(good[i]), "%s", good[i]);
    static const char *const bad[] = {"",          "/UTC",    "UTC/",          "Europe//Moscow",
                                      "Mars Base", "1Europe", "Europe/../etc", "Европа/Москва"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(agents_hours_timezone_ok(bad[i]), "%s", bad[i]);
    cr_assert_not(agents_hours_timezone_ok(NULL));
    char longest[70];
    memset(longest, 'a', 64);
    longest[64] = '\0';
    cr_assert(agents_hours_timezone_ok(longest));
    longest[64] = 'a';
    longest[65] = '\0';
    cr_assert_not(agents_hours_timezone_ok(longest));
}

/* Checks hours with the given intervals (day, start, end triples). */
static status_t check(const char *tz, int n, const char *const *spec, char *why)
{
    Agents__WorkingHours wh = AGENTS__WORKING_HOURS__INIT;
    Agents__Interval iv[8], *ivp[8];
    wh.timezone = (char *)tz;
    for (int i = 0; i < n; i++) {
        agents__interval__init(&iv[i]);
        iv[i].has_day = spec[3 * i] != NULL;
        iv[i].day = spec[3 * i] ? atoi(spec[3 * i]) : 0;
        iv[i].start = (char *)spec[3 * i + 1];
        iv[i].end = (char *)spec[3 * i + 2];
        ivp[i] = &iv[i];
    }
    wh.n_intervals = (size_t)n;
    wh.intervals = ivp;
    return agents_hours_check(&wh, why, 256);
}

Test(hours, intervals)
{
    char why[256];
    cr_assert_eq(check("UTC", 0, NULL, why), ST_OK);
    const char *ok[] = {"1", "09:00", "12:00", "1", "12:00", "18:00", "0", "00:00", "24:00"};
    cr_assert_eq(check("Europe/Moscow", 3, ok, why), ST_OK, "%s", why);

    cr_assert_eq(check(NULL, 0, NULL, why), ST_INVALID);
    cr_assert_str_eq(why, "working_hours.timezone: required");
    cr_assert_eq(check("Bad Zone", 0, NULL, why), ST_INVALID);
    cr_assert(strstr(why, "working_hours.timezone"));

    const char *day7[] = {"7", "09:00", "10:00"};
    cr_assert_eq(check("UTC", 1, day7, why), ST_INVALID);
    cr_assert(strstr(why, "working_hours.intervals[0].day"), "%s", why);
    const char *noday[] = {NULL, "09:00", "10:00"};
    cr_assert_eq(check("UTC", 1, noday, why), ST_INVALID);
    cr_assert(strstr(why, "intervals[0].day"), "%s", why);
    const char *start[] = {"1", "08:00", "09:00", "2", "24:00", "24:00"};
    cr_assert_eq(check("UTC", 2, start, why), ST_INVALID);
    cr_assert(strstr(why, "working_hours.intervals[1].start"), "%s", why);
    const char *end[] = {"1", "08:00", "9"};
    cr_assert_eq(check("UTC", 1, end, why), ST_INVALID);
    cr_assert(strstr(why, "intervals[0].end"), "%s", why);
    const char *order[] = {"1", "10:00", "10:00"};
    cr_assert_eq(check("UTC", 1, order, why), ST_INVALID);
    cr_assert_str_eq(why, "working_hours.intervals[0]: start must be before end");
    const char *overlap[] = {"2", "09:00", "12:00", "3", "09:00", "12:00", "2", "11:59", "13:00"};
    cr_assert_eq(check("UTC", 3, overlap, why), ST_INVALID);
    cr_assert_str_eq(why, "working_hours.intervals[2]: overlaps intervals[0]");
}
