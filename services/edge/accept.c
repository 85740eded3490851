/* accept.c - content negotiation on request header values: the coding an Accept-Encoding takes
 * (q-values, identity, "*") and whether an Accept takes HTML. No lws, no I/O: static.c and
 * respond.c pass the header strings in; the list is split by h1parse's tokeniser
 * (h1_list_next), the one the parser uses for Connection and Transfer-Encoding. */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "services/edge/accept.h"
#include "services/edge/h1parse.h"

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

/* Splits one list element e[0..len) (from h1_list_next) into its name, lower-cased and truncated
 * to n - 1, and its q (1000 when absent, -1 when malformed). Parameters other than q are
 * ignored; a ';' inside a quoted parameter value does not split. */
static void parse_item(const char *e, size_t len, char *name, size_t n, int *q)
{
    size_t i = 0, out = 0;
    for (; i < len && e[i] != ';' && e[i] != ' ' && e[i] != '\t'; i++)
        if (out + 1 < n)
            name[out++] = (char)tolower((unsigned char)e[i]);
    name[out] = '\0';
    *q = Q_MAX;
    while (i < len) {
        while (i < len && (e[i] == ' ' || e[i] == '\t' || e[i] == ';'))
            i++;
        size_t param = i;
        for (bool quoted = false; i < len && (quoted || e[i] != ';'); i++) {
            if (quoted && e[i] == '\\' && i + 1 < len)
                i++;
            else if (e[i] == '"')
                quoted = !quoted;
        }
        size_t plen = i - param;
        while (plen && (e[param + plen - 1] == ' ' || e[param + plen - 1] == '\t'))
            plen--;
        if (plen >= 2 && (e[param] == 'q' || e[param] == 'Q') && e[param + 1] == '=')
            *q = parse_q(e + param + 2, plen - 2);
    }
}

/* The next element of a header value list (h1parse's tokeniser): its name and q. */
static bool next_item(const char **cursor, char *name, size_t n, int *q)
{
    const char *e;
    size_t len;
    if (!h1_list_next(cursor, &e, &len))
        return false;
    parse_item(e, len, name, n, q);
    return true;
}

accept_enc_t accept_encoding_pick(const char *accept_encoding, unsigned offered)
{
    static const char *const names[] = {"identity", "gzip", "br"};
    int q[3] = {Q_NOT_SET, Q_NOT_SET, Q_NOT_SET}, star = Q_NOT_SET, iq;
    char name[32];

    if (!accept_encoding)
        return ACCEPT_ENC_IDENTITY; /* no header: any coding would do, but assume the least */
    for (const char *cur = accept_encoding; next_item(&cur, name, sizeof name, &iq);) {
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
    for (const char *cur = accept; next_item(&cur, range, sizeof range, &q);)
        if (q > 0 && (strcmp(range, "text/html") == 0 || strcmp(range, "text/*") == 0 ||
                      strcmp(range, "*/*") == 0))
            return true;
    return false;
}
