/* status.c - names and HTTP codes of status_t; the single place the mapping lives. */
#include "shared/status.h"

static const struct {
    const char *name;
    int http;
} table[ST__COUNT] = {
    [ST_OK] = {"ok", 200},
    [ST_INVALID] = {"invalid_argument", 400},
    [ST_UNAUTHORIZED] = {"unauthorized", 401},
    [ST_FORBIDDEN] = {"forbidden", 403},
    [ST_NOT_FOUND] = {"not_found", 404},
    [ST_METHOD] = {"method_not_allowed", 405},
    [ST_CONFLICT] = {"conflict", 409},
    [ST_TOO_LARGE] = {"payload_too_large", 413},
    [ST_UNSUPPORTED] = {"unsupported_media_type", 415},
    [ST_UNPROCESSABLE] = {"unprocessable", 422},
    [ST_RATE_LIMITED] = {"rate_limited", 429},
    [ST_INTERNAL] = {"internal", 500},
    [ST_UNAVAILABLE] = {"unavailable", 503},
    [ST_TIMEOUT] = {"timeout", 504},
};

const char *status_str(status_t st)
{
    return (unsigned)st < ST__COUNT ? table[st].name : "internal";
}

int status_http(status_t st)
{
    return (unsigned)st < ST__COUNT ? table[st].http : 500;
}

status_t status_from_http(int code)
{
    if (code >= 200 && code < 300)
        return ST_OK;
    for (int i = 1; i < ST__COUNT; i++)
        if (table[i].http == code)
            return (status_t)i;
    return ST_INTERNAL;
}
