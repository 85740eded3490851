/* mail.h - the text of the emails the service sends (password reset, invitation), as RFC 5322
 * messages. Pure: no I/O; spool.c writes them.
 *
 *     buf_t body = BUF_INIT, msg = BUF_INIT;
 *     auth_mail_reset_body(&body, public_url, name, token);
 *     auth_mail_t m = {.from = from, .to = email, .subject = "Reset your password",
 *                      .body = body.data, .date_ms = time_now_ms(), .message_id = id};
 *     auth_mail_format(&m, &msg);
 */
#ifndef AUTH_MAIL_H
#define AUTH_MAIL_H

#include <stdint.h>

#include "shared/util.h"

#define AUTH_RESET_PATH  "/reset-password"
#define AUTH_INVITE_PATH "/accept-invite"

typedef struct {
    const char *from;       /* "Display Name <address>" */
    const char *to;         /* a validated address */
    const char *subject;    /* UTF-8; MIME-encoded (RFC 2047) when not plain ASCII */
    const char *body;       /* UTF-8 text with \n line ends */
    int64_t date_ms;        /* Date header */
    const char *message_id; /* without the angle brackets, e.g. "<uuid>@auth" */
} auth_mail_t;

/* Appends the whole message: headers (From, To, Subject, Date, Message-ID, MIME-Version,
 * Content-Type text/plain UTF-8, 8bit), a blank line, the body; CRLF line ends. Header values
 * have control characters replaced by spaces, so user text cannot inject headers. */
void auth_mail_format(const auth_mail_t *m, buf_t *out /* OUT */);

/* Appends "<public_url><path>?token=<token>", without a doubled '/' if public_url ends in one. */
void auth_mail_link(buf_t *out /* OUT */, const char *public_url, const char *path,
                    const char *token);

/* Appends the body of the password-reset mail (name may be NULL). */
void auth_mail_reset_body(buf_t *out /* OUT */, const char *public_url, const char *name,
                          const char *token);
/* Appends the body of the invitation mail (inviter may be NULL). */
void auth_mail_invite_body(buf_t *out /* OUT */, const char *public_url, const char *inviter,
                           const char *org_name, const char *role, const char *token);

#endif
