/* mail.c - composes the reset and invitation emails as RFC 5322 text (see mail.h). */
#include "mail.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "shared/crypto.h"

#define ENCODED_CHUNK 39 /* subject bytes per encoded-word: 52 base64 chars, lines < 78 */

/* Appends s with every control character (CR and LF included) replaced by a space. */
static void put_header_text(buf_t *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        buf_putc(out, c < 0x20 || c == 0x7F ? ' ' : (char)c);
    }
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* RFC 2047 "B" encoded-words of at most ENCODED_CHUNK bytes each, split on UTF-8 boundaries
 * and folded onto continuation lines. */
static void put_encoded(buf_t *out, const char *s)
{
    size_t len = strlen(s), i = 0;
    buf_t clean = BUF_INIT;

    put_header_text(&clean, s);
    s = clean.data;
    len = clean.len;
    while (i < len) {
        size_t n = len - i < ENCODED_CHUNK ? len - i : ENCODED_CHUNK;
        while (i + n < len && n > 0 && ((unsigned char)s[i + n] & 0xC0) == 0x80)
            n--; /* do not split a character */
        if (i > 0)
            buf_puts(out, "\r\n ");
        buf_puts(out, "=?UTF-8?B?");
        crypto_b64_encode(s + i, n, CRYPTO_B64, out);
        buf_puts(out, "?=");
        i += n;
    }
    buf_cleanup(&clean);
}

static void put_date(buf_t *out, int64_t ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&secs, &tm);
    buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
               months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void auth_mail_format(const auth_mail_t *m, buf_t *out)
{
    buf_puts(out, "From: ");
    put_header_text(out, m->from);
    buf_puts(out, "\r\nTo: ");
    put_header_text(out, m->to);
    buf_puts(out, "\r\nSubject: ");
    if (is_ascii(m->subject))
        put_header_text(out, m->subject);
    else
        put_encoded(out, m->subject);
    buf_puts(out, "\r\nDate: ");
    put_date(out, m->date_ms);
    buf_puts(out, "\r\nMessage-ID: <");
    put_header_text(out, m->message_id);
    buf_puts(out, ">\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n");
    for (const char *p = m->body; *p; p++) {
        if (*p == '\n')
            buf_putc(out, '\r');
        buf_putc(out, *p);
    }
}

void auth_mail_link(buf_t *out, const char *public_url, const char *path, const char *token)
{
    size_t n = strlen(public_url);

    while (n > 0 && public_url[n - 1] == '/')
        n--;
    buf_append(out, public_url, n);
    buf_printf(out, "%s?token=%s", path, token);
}

void auth_mail_reset_body(buf_t *out, const char *public_url, const char *name, const char *token)
{
    buf_printf(out, "Hello%s%s,\n\n", name ? " " : "", name ? name : "");
    buf_puts(out, "Someone, hopefully you, asked to reset the password of your account.\n"
                  "Open this link within one hour to choose a new password:\n\n");
    auth_mail_link(out, public_url, AUTH_RESET_PATH, token);
    buf_puts(out, "\n\nThe link works once. If you did not ask for this, ignore this message:\n"
                  "your password stays as it is.\n");
}

void auth_mail_invite_body(buf_t *out, const char *public_url, const char *inviter,
                           const char *org_name, const char *role, const char *token)
{
    buf_printf(out, "Hello,\n\n%s invited you to join %s as %s.\n", inviter ? inviter : "Someone",
               org_name, role);
    buf_puts(out, "Open this link within 7 days to accept the invitation:\n\n");
    auth_mail_link(out, public_url, AUTH_INVITE_PATH, token);
    buf_puts(out, "\n\nIf you did not expect this invitation, ignore this message.\n");
}
