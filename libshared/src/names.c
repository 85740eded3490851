/* names.c - builders of the parametrised subjects of names.h. */
#include "shared/names.h"

#include <stdio.h>
#include <string.h>

/* A token of a subject: non-empty, none of the characters that split or match subjects. The
 * kind of a notification may have dots (agent.updated): `dots` allows them. */
static bool token_ok(const char *s, int dots)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if ((*s == '.' && !dots) || *s == '*' || *s == '>' || *s == ' ' || *s == '\t' ||
            *s == '\r' || *s == '\n')
            return false;
    return true;
}

static bool build(char *out, size_t outlen, const char *prefix, const char *id, const char *tail)
{
    int n;

    if (outlen)
        out[0] = '\0';
    if (!token_ok(id, 0) || !token_ok(tail, 1) || tail[0] == '.' || tail[strlen(tail) - 1] == '.')
        return false;
    n = snprintf(out, outlen, "%s%s.%s", prefix, id, tail);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen)
            out[0] = '\0';
        return false;
    }
    return true;
}

bool names_notify_user(char *out, size_t outlen, const char *user_id, const char *kind)
{
    return build(out, outlen, SUBJ_NOTIFY_USER_PREFIX, user_id, kind);
}

bool names_notify_org(char *out, size_t outlen, const char *org_id, const char *kind)
{
    return build(out, outlen, SUBJ_NOTIFY_ORG_PREFIX, org_id, kind);
}

bool names_svc(char *out, size_t outlen, const char *service, const char *method)
{
    return build(out, outlen, SUBJ_SVC_PREFIX, service, method);
}

bool names_event(char *out, size_t outlen, const char *service, const char *entity,
                 const char *verb)
{
    char tail[128];
    int n = snprintf(tail, sizeof tail, "%s.%s", entity ? entity : "", verb ? verb : "");

    if (n < 0 || (size_t)n >= sizeof tail || !token_ok(entity, 0) || !token_ok(verb, 0)) {
        if (outlen)
            out[0] = '\0';
        return false;
    }
    return build(out, outlen, SUBJ_EVENTS_PREFIX, service, tail);
}
