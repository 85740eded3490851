/* fields.c - the edge's readers of client-controlled header values (cookie, origin,
 * X-Forwarded-For): string in, string out, no I/O. Moved out of security.c and authcache.c so
 * that tests/fuzz/fuzz_fields.c covers them. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "services/edge/fields.h"

int fields_cookie(const char *value, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    for (const char *p = value; *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            p += nlen + 1;
            size_t n = strcspn(p, ";");
            if (n == 0 || n >= outlen)
                return -1;
            memcpy(out, p, n);
            out[n] = '\0';
            return 1;
        }
        p += strcspn(p, ";");
    }
    return 0;
}

bool fields_origin_norm(const char *in, size_t n, bool path_ok, char *out, size_t outlen)
{
    const char *scheme;
    int def_port;
    if (n > 7 && strncasecmp(in, "http://", 7) == 0)
        scheme = "http", def_port = 80, in += 7, n -= 7;
    else if (n > 8 && strncasecmp(in, "https://", 8) == 0)
        scheme = "https", def_port = 443, in += 8, n -= 8;
    else
        return false;
    size_t hlen = 0;
    if (in[0] == '[') { /* IPv6 literal */
        const char *close = memchr(in, ']', n);
        if (!close)
            return false;
        hlen = (size_t)(close - in) + 1;
    } else {
        while (hlen < n && in[hlen] != ':' && in[hlen] != '/')
            hlen++;
    }
    if (hlen == 0 || hlen >= 100)
        return false;
    size_t i = hlen;
    long port = def_port;
    if (i < n && in[i] == ':') {
        size_t d = ++i;
        port = 0;
        while (i < n && in[i] >= '0' && in[i] <= '9' && port <= 65535)
            port = port * 10 + (in[i++] - '0');
        if (i == d || port < 1 || port > 65535)
            return false;
    }
    if (i < n && !(path_ok && in[i] == '/'))
        return false;
    int len = port == def_port
                  ? snprintf(out, outlen, "%s://%.*s", scheme, (int)hlen, in)
                  : snprintf(out, outlen, "%s://%.*s:%ld", scheme, (int)hlen, in, port);
    if (len < 0 || (size_t)len >= outlen)
        return false;
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    for (const char *p = out + strlen(scheme) + 3; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.-_:[]", *p))
            return false;
    return true;
}

void fields_xff_add(fields_xff_t *x, const char *value)
{
    for (const char *p = value; *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        size_t len = strcspn(p, ", \t");
        if (len) {
            if (x->n == FIELDS_XFF_MAX) { /* keep the right-most ones */
                memmove(x->entry, x->entry + 1, sizeof x->entry[0] * (FIELDS_XFF_MAX - 1));
                memmove(x->len, x->len + 1, sizeof x->len[0] * (FIELDS_XFF_MAX - 1));
                x->n--;
            }
            x->entry[x->n] = p;
            x->len[x->n++] = len;
        }
        p += len;
    }
}

bool fields_xff_client(const fields_xff_t *x, int hops, char *out, size_t outlen)
{
    if (!x->n || hops < 1)
        return false;
    int i = x->n - hops;
    if (i < 0)
        i = 0;
    if (x->len[i] >= outlen || strspn(x->entry[i], "0123456789abcdefABCDEF:.[]") < x->len[i])
        return false;
    snprintf(out, outlen, "%.*s", (int)x->len[i], x->entry[i]);
    return true;
}
