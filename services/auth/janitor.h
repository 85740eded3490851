/* janitor.h - a background thread that deletes expired auth rows every few minutes (see
 * auth_store_cleanup). Every replica runs one; the deletes are idempotent, so that is harmless.
 */
#ifndef AUTH_JANITOR_H
#define AUTH_JANITOR_H

#include <stdint.h>

#include "shared/db.h"

typedef struct auth_janitor auth_janitor_t;

/* Starts the thread: a first pass after interval_s, then one every interval_s. */
status_t auth_janitor_start(db_pool_t *pool, int64_t idle_s, int interval_s,
                            auth_janitor_t **out /* OUT */);
/* Wakes, stops and joins the thread, then frees it. NULL-safe. */
void auth_janitor_stop(auth_janitor_t *j);

#endif
