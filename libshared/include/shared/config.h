/* config.h - configuration from the environment, with defaults.
 *
 * Every key a program reads is documented in the README's configuration table and the service's
 * README. Values are read once at start-up; invalid numbers are a start-up error, not a default.
 *
 *     const char *url = config_str("NATS_URL", "nats://127.0.0.1:4222");
 *     int port;
 *     if (config_int("EDGE_PORT", 8080, 1, 65535, &port)) exit(2);
 */
#ifndef SHARED_CONFIG_H
#define SHARED_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/status.h"

/* The value of key, or def when unset or empty. The pointer stays valid for the process. */
const char *config_str(const char *key, const char *def);
/* Integer in [min, max]; def when unset. ST_INVALID (logged, naming the key) when malformed. */
status_t config_int(const char *key, int64_t def, int64_t min, int64_t max, int64_t *out);
/* "1", "true", "yes", "on" are true; "0", "false", "no", "off" false; def when unset. */
status_t config_bool(const char *key, bool def, bool *out);

#endif
