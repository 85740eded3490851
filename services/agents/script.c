/* script.c - placeholders of sales scripts (script.h). Pure: no I/O. */
#include "script.h"

#include <stdio.h>
#include <string.h>

static bool var_start(char c)
{
    return (c >= 'a' && c <= 'z') || c == '_';
}

static bool var_char(char c)
{
    return var_start(c) || (c >= '0' && c <= '9');
}

bool agents_script_var_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > AGENTS_VAR_MAX || !var_start(name[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!var_char(name[i]))
            return false;
    return true;
}

status_t agents_script_scan(const char *body, agents_script_var_fn fn, void *arg, char *why,
                            size_t whylen)
{
    const char *p = body;

    while ((p = strstr(p, "{{"))) {
        size_t at = (size_t)(p - body);
        const char *q = p + 2;
        while (*q == ' ' || *q == '\t')
            q++;
        const char *name = q;
        if (!var_start(*q)) {
            snprintf(why, whylen,
                     "body: placeholder at offset %zu must be {{name}} with name [a-z_][a-z0-9_]*",
                     at);
            return ST_INVALID;
        }
        while (var_char(*q))
            q++;
        size_t len = (size_t)(q - name);
        while (*q == ' ' || *q == '\t')
            q++;
        if (q[0] != '}' || q[1] != '}' || len > AGENTS_VAR_MAX) {
            snprintf(why, whylen,
                     "body: placeholder at offset %zu must be {{name}} with name [a-z_][a-z0-9_]* "
                     "of at most %d characters",
                     at, AGENTS_VAR_MAX);
            return ST_INVALID;
        }
        int rc = fn(name, len, at, arg);
        if (rc)
            return (status_t)rc;
        p = q + 2;
    }
    return ST_OK;
}

typedef struct {
    char *const *vars;
    size_t n_vars;
    char *why;
    size_t whylen;
} declared_t;

static int must_be_declared(const char *name, size_t len, size_t offset, void *arg)
{
    declared_t *d = arg;
    for (size_t i = 0; i < d->n_vars; i++)
        if (strlen(d->vars[i]) == len && memcmp(d->vars[i], name, len) == 0)
            return 0;
    snprintf(d->why, d->whylen,
             "body: placeholder {{%.*s}} at offset %zu is not declared in variables", (int)len,
             name, offset);
    return ST_INVALID;
}

status_t agents_script_check(const char *body, char *const *vars, size_t n_vars, char *why,
                             size_t whylen)
{
    if (n_vars > AGENTS_SCRIPT_VARS) {
        snprintf(why, whylen, "variables: at most %d", AGENTS_SCRIPT_VARS);
        return ST_INVALID;
    }
    for (size_t i = 0; i < n_vars; i++) {
        if (!agents_script_var_ok(vars[i])) {
            snprintf(why, whylen,
                     "variables[%zu]: must match [a-z_][a-z0-9_]* with at most %d characters", i,
                     AGENTS_VAR_MAX);
            return ST_INVALID;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(vars[i], vars[j]) == 0) {
                snprintf(why, whylen, "variables[%zu]: duplicate of variables[%zu]", i, j);
                return ST_INVALID;
            }
        }
    }
    declared_t d = {vars, n_vars, why, whylen};
    return agents_script_scan(body ? body : "", must_be_declared, &d, why, whylen);
}
