/* healthsrv.h - the process's small HTTP server for orchestration and monitoring, on its own
 * port HEALTH_PORT (default 9090, the port every pod uses in Kubernetes; 0 disables it), served
 * by libmicrohttpd on two threads of its own, so the bus and the edge's loop never wait for it:
 *
 *   GET /healthz   200 {"status":"ok"} while the process runs (liveness)
 *   GET /readyz    200 {"status":"ready","checks":[{"name":"bus","status":"ok"},...]} when every
 *                  readiness check passes (readiness.h: bus connected, database answering),
 *                  else 503 {"status":"unavailable","checks":[...]} naming what failed
 *   GET /metrics   the default metrics registry in the Prometheus text format, with the
 *                  process_* metrics and a `service` label on every series
 *
 * Anything else is answered with the JSON error shape (404, or 405 for a method other than
 * GET/HEAD). One call in main.c, once the bus and the database are set up:
 *
 *     if (healthsrv_start("auth")) goto done;
 *
 * The server stops by itself at exit (atexit), after main has freed the bus and the pool: their
 * readiness checks are gone by then, and /readyz answers 503 meanwhile.
 */
#ifndef SHARED_HEALTHSRV_H
#define SHARED_HEALTHSRV_H

#include "shared/status.h"

#define HEALTHSRV_DEFAULT_PORT 9090

/* Reads HEALTH_PORT and starts serving. ST_INVALID on a malformed port, ST_UNAVAILABLE when the
 * port cannot be bound (both logged). A second call does nothing. */
status_t healthsrv_start(const char *service);
/* The port being served, 0 when none. */
int healthsrv_port(void);
/* Stops serving (also run at exit). NULL-safe in spirit: does nothing when not started. */
void healthsrv_stop(void);

#endif
