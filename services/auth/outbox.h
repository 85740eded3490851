/* outbox.h - the email outbox: until a notify service sends mail, every message is a file in
 * $VAR_DIR/outbox, named `<epoch_ms>-<kind>-<random>.eml`. Files appear whole (written to a
 * hidden temporary name, flushed, then renamed), so a reader never sees half a message.
 */
#ifndef AUTH_OUTBOX_H
#define AUTH_OUTBOX_H

#include <stddef.h>

#include "shared/status.h"

/* Creates dir (and its parents) if missing. ST_INTERNAL (logged) when it cannot. */
status_t auth_outbox_init(const char *dir);

/* Writes a message of `kind` ("reset", "invite") into dir; *name (heap, caller frees) receives
 * the file name without the directory, for the log. ST_INTERNAL (logged) on I/O failure. */
status_t auth_outbox_write(const char *dir, const char *kind, const char *data, size_t len,
                           char **name /* OUT */);

#endif
