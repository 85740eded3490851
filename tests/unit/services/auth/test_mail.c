/* test_mail.c - composing the reset and invitation emails (services/auth/mail.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "services/auth/mail.h"

Test(mail, link_without_double_slash)
{
    buf_t b = BUF_INIT;
    auth_mail_link(&b, "https://app.example.com/", AUTH_RESET_PATH, "TOKEN");
    cr_assert_str_eq(b.data, "https://app.example.com/reset-password?token=TOKEN");
    buf_reset(&b);
    auth_mail_link(&b, "http://127.0.0.1:8080", AUTH_INVITE_PATH, "T2");
    cr_assert_str_eq(b.data, "http://127.0.0.1:8080/accept-invite?token=T2");
    buf_cleanup(&b);
}

Test(mail, message_headers_and_body)
{
    buf_t body = BUF_INIT, msg = BUF_INIT;
    auth_mail_reset_body(&body, "http://h", "Anna", "TOK");
    auth_mail_t m = {.from = "App <no-reply@localhost>",
                     .to = "anna@example.com",
                     .subject = "Reset your password",
                     .body = body.data,
                     .date_ms = 1700000000123LL, /* Tue, 14 Nov 2023 22:13:20 UTC */
                     .message_id = "id1@auth"};
    auth_mail_format(&m, &msg);
    cr_assert(strstr(msg.data, "From: App <no-reply@localhost>\r\n"));
    cr_assert(strstr(msg.data, "To: anna@example.com\r\n"));
    cr_assert(strstr(msg.data, "Subject: Reset your password\r\n"));
    cr_assert(strstr(msg.data, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), "%s", msg.data);
    cr_assert(strstr(msg.data, "Message-ID: <id1@auth>\r\n"));
    cr_assert(strstr(msg.data, "Content-Type: text/plain; charset=utf-8\r\n"));
    cr_assert(strstr(msg.data, "\r\n\r\nHello Anna,\r\n"));
    cr_assert(strstr(msg.data, "http://h/reset-password?token=TOK\r\n"));
    cr_assert_null(strstr(msg.data + 1, "\n\n"), "bare LF line ends");
    buf_cleanup(&body);
    buf_cleanup(&msg);
}

Test(mail, headers_cannot_be_injected)
{
    buf_t msg = BUF_INIT;
    auth_mail_t m = {.from = "a <a@b.c>",
                     .to = "x@example.com\r\nBcc: victim@example.com",
                     .subject = "Hi\r\nBcc: v@example.com",
                     .body = "",
                     .date_ms = 0,
                     .message_id = "i@auth"};
    auth_mail_format(&m, &msg);
    cr_assert_null(strstr(msg.data, "\r\nBcc:"));
    buf_cleanup(&msg);
}

Test(mail, non_ascii_subject_is_encoded)
{
    buf_t msg = BUF_INIT;
    auth_mail_t m = {.from = "a <a@b.c>",
                     .to = "x@example.com",
                     .subject = "Анна пригласила вас в «Ромашку» — отдел продаж",
                     .body = "",
                     .date_ms = 0,
                     .message_id = "i@auth"};
    auth_mail_format(&m, &msg);
    cr_assert(strstr(msg.data, "Subject: =?UTF-8?B?"));
    cr_assert(strstr(msg.data, "?=\r\n =?UTF-8?B?"), "long subjects are folded: %s", msg.data);
    for (const char *line = msg.data; line && *line;) {
        const char *end = strstr(line, "\r\n");
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line, "Subject:", 8) == 0 || line[0] == ' ')
            cr_assert_leq(len, 78);
        if (len == 0)
            break; /* end of headers */
        line = end ? end + 2 : NULL;
    }
    buf_cleanup(&msg);
}

Test(mail, invite_body)
{
    buf_t b = BUF_INIT;
    auth_mail_invite_body(&b, "http://h", "Anna", "Acme", "admin", "TOK");
    cr_assert(strstr(b.data, "Anna invited you to join Acme as admin."));
    cr_assert(strstr(b.data, "http://h/accept-invite?token=TOK"));
    buf_reset(&b);
    auth_mail_invite_body(&b, "http://h", NULL, "Acme", "member", "TOK");
    cr_assert(strstr(b.data, "Someone invited you"));
    buf_cleanup(&b);
}
