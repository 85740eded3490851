/* accept.c - content negotiation on request header values: the coding an Accept-Encoding takes
 * (q-values, identity, "*") and whether an Accept takes HTML. No lws, no I/O: static.c and
 * respond.c pass the header strings in. */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "services/edge/accept.h"

#define Q_MAX     1000
#define Q_NOT_SET -1

/* Parses a qvalue ("0", "0.5", "1", "1.000") into 0..1000; -1 when malformed. */
static int parse_q(const char *s, size_t n)
{
    int q = 0, scale = 100;
    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    q = (s[0] - '0') * Q_MAX;
    if (n == 1)
        return q;
    if (s[1] != '.' || n > 5)
        return -1;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q > Q_MAX ? -1 : q;
}

/* Reads one list element of a header value starting at p: its name (lower-cased, truncated to
 * n - 1) and q (1000 when absent, -1 when malformed). Returns where the next element starts, or
 * NULL at the end of the value. */
static const char *next_item(const char *p, char *name, size_t n, int *q)
{
    size_t len = 0;
    while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
    if (!*p)
        return NULL;
    while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t') {
        if (len + 1 < n)
            name[len++] = (char)tolower((unsigned char)*p);
        p++;
    }
    name[len] = '\0';
    *q = Q_MAX;
    while (*p && *p != ',') { /* parameters: only q matters */
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *param = p;
        while (*p && *p != ',' && *p != ';')
            p++;
        size_t plen = (size_t)(p - param);
        while (plen && (param[plen - 1] == ' ' || param[plen - 1] == '\t'))
            plen--;
        if (plen >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
            *q = parse_q(param + 2, plen - 2);
    }
    return p;
}

accept_enc_t accept_encoding_pick(const char *accept_encoding, unsigned offered)
{
    static const char *const names[] = {"identity", "gzip", "br"};
    int q[3] = {Q_NOT_SET, Q_NOT_SET, Q_NOT_SET}, star = Q_NOT_SET, iq;
    char name[32];

    if (!accept_encoding)
        return ACCEPT_ENC_IDENTITY; /* no header: any coding would do, but assume the least */
    for (const char *p = accept_encoding; (p = next_item(p, name, sizeof name, &iq));) {
        if (iq < 0)
            continue;
        if (strcmp(name, "*") == 0)
            star = iq;
        else if (strcmp(name, "x-gzip") == 0)
            q[ACCEPT_ENC_GZIP] = iq;
        for (int i = 0; i < 3; i++)
            if (strcmp(name, names[i]) == 0)
                q[i] = iq;
    }
    for (int i = 0; i < 3; i++)
        if (q[i] == Q_NOT_SET)
            q[i] = star != Q_NOT_SET ? star : i == ACCEPT_ENC_IDENTITY ? 1 : 0;
    accept_enc_t best = ACCEPT_ENC_IDENTITY;
    int best_q = q[ACCEPT_ENC_IDENTITY];
    for (int i = ACCEPT_ENC_GZIP; i <= ACCEPT_ENC_BR; i++)
        if ((offered & (1u << i)) && q[i] > 0 && q[i] >= best_q) {
            best = (accept_enc_t)i;
            best_q = q[i];
        }
    return best;
}

const char *accept_enc_name(accept_enc_t e)
{
    return e == ACCEPT_ENC_BR ? "br" : e == ACCEPT_ENC_GZIP ? "gzip" : NULL;
}

bool accept_wants_html(const char *accept)
{
    char range[64];
    int q;
    if (!accept)
        return true;
    for (const char *p = accept; (p = next_item(p, range, sizeof range, &q));)
        if (q > 0 && (strcmp(range, "text/html") == 0 || strcmp(range, "text/*") == 0 ||
                      strcmp(range, "*/*") == 0))
            return true;
    return false;
}
