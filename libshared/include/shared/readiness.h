/* readiness.h - what a process needs before it can take work, checked on demand by GET /readyz
 * (healthsrv). The parts register themselves: bus_connect adds "bus" (connected to NATS) and
 * db_pool_new adds "database" (a pooled connection answers SELECT 1); bus_free and db_pool_free
 * remove them. A process is ready when at least one check is registered and all pass.
 *
 *     readiness_add("bus", bus_connected, bus);
 *     ...
 *     buf_t report = BUF_INIT;
 *     bool ready = readiness_check(&report);   // [{"name":"bus","status":"ok"}, ...]
 *     readiness_remove(bus_connected, bus);     // before bus is freed
 */
#ifndef SHARED_READINESS_H
#define SHARED_READINESS_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/util.h"

/* A check: true when fine; otherwise false with a short reason in why ("disconnected"). Runs on
 * the health server's thread and should answer within a second or so. */
typedef bool (*readiness_fn)(void *arg, char *why, size_t whylen);

/* name: a short constant string ("bus", "database"), borrowed for as long as it is registered. */
void readiness_add(const char *name, readiness_fn fn, void *arg);
/* Returns once the check is not running and will not run again. NULL-safe on a missing entry. */
void readiness_remove(readiness_fn fn, void *arg);
/* Runs every check (one caller at a time), appends a JSON array of {"name","status"} to report
 * (may be NULL); true when there is at least one check and all pass. */
bool readiness_check(buf_t *report);

#endif
