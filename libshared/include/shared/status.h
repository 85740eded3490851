/* status.h - the one error vocabulary shared by every module and service.
 *
 * Fallible functions return status_t; ST_OK is zero so `if ((st = f()))` reads naturally.
 * The edge maps a status to an HTTP code exactly once (status_http); services send it over the
 * bus as the Nats-Service-Error-Code header, so the mapping must stay stable.
 */
#ifndef SHARED_STATUS_H
#define SHARED_STATUS_H

typedef enum {
    ST_OK = 0,
    ST_INVALID,       /* 400: malformed or semantically invalid input */
    ST_UNAUTHORIZED,  /* 401: no or bad credentials */
    ST_FORBIDDEN,     /* 403: authenticated but not allowed */
    ST_NOT_FOUND,     /* 404 */
    ST_METHOD,        /* 405 */
    ST_CONFLICT,      /* 409: duplicate or state conflict */
    ST_TOO_LARGE,     /* 413 */
    ST_UNSUPPORTED,   /* 415: a media type the service does not take */
    ST_UNPROCESSABLE, /* 422: well-formed but cannot be processed (a broken or encrypted file) */
    ST_RATE_LIMITED,  /* 429 */
    ST_INTERNAL,      /* 500: a bug or an unexpected failure */
    ST_UNAVAILABLE,   /* 503: dependency down, no responders */
    ST_TIMEOUT,       /* 504: deadline passed */
    ST__COUNT
} status_t;

/* Short machine-readable code, e.g. "not_found". Never NULL. */
const char *status_str(status_t st);
/* HTTP status code for st (200 for ST_OK). */
int status_http(status_t st);
/* Inverse of status_http for codes received over the bus; unknown codes map to ST_INTERNAL. */
status_t status_from_http(int code);

#endif
