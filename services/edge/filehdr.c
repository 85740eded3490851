/* filehdr.c - Content-Disposition and If-None-Match for file answers (filehdr.h). */
#include "filehdr.h"

#include <string.h>

/* RFC 5987 attr-char: sent as is in filename*=; everything else is %XX. */
static bool attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$&+-.^_`|~", c));
}

void filehdr_disposition(const char *name, buf_t *out)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_puts(out, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        buf_putc(out, *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' ? (char)*p : '_');
    buf_puts(out, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (attr_char(*p)) {
            buf_putc(out, (char)*p);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[*p >> 4]);
            buf_putc(out, hex[*p & 15]);
        }
    }
}

bool filehdr_etag_matches(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    for (const char *p = inm; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (*p == '"' && strncmp(p + 1, etag, n) == 0 && p[n + 1] == '"')
            return true;
        p = strchr(p, ',');
    }
    return false;
}

bool filehdr_etag_ok(const char *etag)
{
    if (!etag || !*etag || strlen(etag) > 128)
        return false;
    for (const unsigned char *p = (const unsigned char *)etag; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '"')
            return false;
    return true;
}
