/* fields.h - readers of request header values the edge takes from the client and trusts in
 * nothing: a cookie of the Cookie field, an origin ("scheme://host[:port]") and the client's entry
 * of X-Forwarded-For. Pure functions over strings (no lws, no global state), so that the fuzz
 * target tests/fuzz/fuzz_fields.c can feed them anything; security.c and authcache.c apply them
 * to a request.
 *
 *     char sid[256], origin[128];
 *     if (fields_cookie("theme=dark; sid=abc", "sid", sid, sizeof sid) == 1)   // sid = "abc"
 *     fields_origin_norm("HTTPS://Example.com:443", 23, false, origin, sizeof origin);
 *     // origin = "https://example.com"
 */
#ifndef EDGE_FIELDS_H
#define EDGE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

/* The value of cookie `name` in one Cookie field value, copied into out: 1 when found, 0 when
 * the value does not name it, -1 when it names it with an empty value or one of outlen bytes or
 * more (the request's credential is then unusable; nothing is copied). */
int fields_cookie(const char *value, const char *name, char *out, size_t outlen);

/* "scheme://host[:port]" in[0..n) into its normal form: lower case, http or https only, the
 * default port dropped, host of letters, digits, ".-_" or an [IPv6] literal. With path_ok a path
 * after the authority (a URL) is ignored, else it is refused. False, and out undefined, when in
 * is no such origin or the result needs outlen bytes or more. */
bool fields_origin_norm(const char *in, size_t n, bool path_ok, char *out, size_t outlen);

/* The X-Forwarded-For entries of a request, the right-most FIELDS_XFF_MAX kept: fields_xff_add
 * for every field value in order, then fields_xff_client. Entries are split on commas and
 * blanks; they point into the values, which must outlive x. */
#define FIELDS_XFF_MAX 64
typedef struct {
    const char *entry[FIELDS_XFF_MAX];
    size_t len[FIELDS_XFF_MAX];
    int n;
} fields_xff_t;

void fields_xff_add(fields_xff_t *x, const char *value);
/* The client's address behind `hops` trusted proxies (each appends the address it saw): the
 * entry `hops` places from the right, or the left-most when there are fewer. Copied into out
 * when it is made only of hex digits, ':', '.', '[' and ']' and fits; else (no entries, hops
 * under 1) false. */
bool fields_xff_client(const fields_xff_t *x, int hops, char *out, size_t outlen);

#endif
