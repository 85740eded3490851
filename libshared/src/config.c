/* config.c - environment lookups with defaults and validation (see config.h). */
#include "shared/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "shared/log.h"

const char *config_str(const char *key, const char *def)
{
    const char *v = getenv(key);
    return (v && *v) ? v : def;
}

status_t config_int(const char *key, int64_t def, int64_t min, int64_t max, int64_t *out)
{
    const char *v = getenv(key);
    if (!v || !*v) {
        *out = def;
        return ST_OK;
    }
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    /* strtoll skips leading blanks; reject them as we reject trailing ones. */
    if (errno || *end || isspace((unsigned char)v[0]) || n < min || n > max) {
        LOG_ERROR("config %s=%s: expected an integer in [%lld, %lld]", key, v, (long long)min,
                  (long long)max);
        return ST_INVALID;
    }
    *out = n;
    return ST_OK;
}

status_t config_bool(const char *key, bool def, bool *out)
{
    const char *v = getenv(key);
    if (!v || !*v) {
        *out = def;
        return ST_OK;
    }
    static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return ST_OK;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return ST_OK;
        }
    }
    LOG_ERROR("config %s=%s: expected a boolean", key, v);
    return ST_INVALID;
}
