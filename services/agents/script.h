/* script.h - sales script templates: {{variable}} placeholders and declared variables. Pure.
 *
 * A placeholder is "{{", optional blanks, a variable name, optional blanks, "}}". Variable names
 * match [a-z_][a-z0-9_]* and have at most AGENTS_VAR_MAX characters. Any other "{{" in a body
 * is an error (so a typo cannot silently reach a customer). Every placeholder must name a
 * declared variable; declared variables need not all be used.
 *
 *     char why[256];
 *     if (agents_script_check(body, vars, n_vars, why, sizeof why)) reply 400 with why;
 */
#ifndef AGENTS_SCRIPT_H
#define AGENTS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "shared/status.h"

#define AGENTS_VAR_MAX     64
#define AGENTS_SCRIPT_VARS 50
#define AGENTS_SCRIPT_BODY 20000
#define AGENTS_SCRIPT_NAME 100

/* True for a valid variable name. */
bool agents_script_var_ok(const char *name);

/* Calls fn(name, len, offset, arg) for every placeholder of body in order; stops at the first
 * non-zero return and returns it. ST_INVALID with why ("body: ...") on a malformed "{{". */
typedef int (*agents_script_var_fn)(const char *name, size_t len, size_t offset, void *arg);
status_t agents_script_scan(const char *body, agents_script_var_fn fn, void *arg, char *why,
                            size_t whylen);

/* Checks the declared variables (valid names, no duplicates, at most AGENTS_SCRIPT_VARS; field
 * "variables[i]") and that every placeholder of body is declared (field "body"). */
status_t agents_script_check(const char *body, char *const *vars, size_t n_vars, char *why,
                             size_t whylen);

#endif
