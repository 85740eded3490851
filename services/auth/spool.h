/* spool.h - the mail spool: until a notify service sends mail, every message auth writes (password
 * resets, invitations) is a file in $VAR_DIR/mail-spool, named `<epoch_ms>-<kind>-<random>.eml`.
 * Files appear whole (written to a hidden temporary name, flushed, then renamed), so a reader
 * never sees half a message. (Not to be confused with the outbox of domain events,
 * shared/outbox.h.)
 */
#ifndef AUTH_SPOOL_H
#define AUTH_SPOOL_H

#include <stddef.h>

#include "shared/status.h"

/* Creates dir (and its parents) if missing. ST_INTERNAL (logged) when it cannot. */
status_t auth_spool_init(const char *dir);

/* Writes a message of `kind` ("reset", "invite") into dir; *name (heap, caller frees) receives
 * the file name without the directory, for the log. ST_INTERNAL (logged) on I/O failure. */
status_t auth_spool_write(const char *dir, const char *kind, const char *data, size_t len,
                          char **name /* OUT */);

#endif
