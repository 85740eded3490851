/* password.h - the password policy. Pure: no I/O.
 *
 * A new password (register, reset, change, new account by invitation) must be valid UTF-8 of
 * 8..128 characters (code points, so "пароль12" counts 8), must not be one of the ~3,600 most
 * common passwords (compared case-insensitively: "PassWord1" is "password1"), and must not be
 * the account's email address or its local part. Nothing else: no composition rules (NIST
 * SP 800-63B). Existing passwords are never re-checked at login.
 *
 *     char why[TEXT_WHY_SIZE];
 *     if (!auth_password_check(in->password, email, why, sizeof why))
 *         bus_req_fail(req, "password: %s", why);
 */
#ifndef AUTH_PASSWORD_H
#define AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_PASSWORD_MIN 8
#define AUTH_PASSWORD_MAX 128

/* The common-password table, embedded at build time from common_passwords.txt (one a line;
 * made by tools/gen-common-passwords.sh): lower-case, sorted by strcmp. */
extern const char *const auth_common_passwords[];
extern const size_t auth_common_passwords_count;

/* True if pw, lower-cased (ASCII), is in the common-password table. */
bool auth_password_is_common(const char *pw);

/* True if pw satisfies the policy for the account with (normalised) address email (may be
 * NULL); otherwise false with a reason in why ("must be at least 8 characters", ...). */
bool auth_password_check(const char *pw, const char *email, char *why, size_t whylen);

#endif
