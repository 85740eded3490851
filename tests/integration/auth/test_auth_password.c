/* test_auth_password.c - forgotten passwords (the link read from the outbox folder), resets that
 * end every session, and password changes that keep only the calling one. */
#include "tests/support/auth_helpers.h"

static void forgot(httpc_t *c, const char *email)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = NULL;
    if (asprintf(&body, "{\"email\":\"%s\"}", email) < 0)
        abort();
    req(c, "POST", "/api/auth/password/forgot", body, &r);
    expect_status(&r, 202);
    httpc_resp_cleanup(&r);
    free(body);
}

static long reset(httpc_t *c, const char *token, const char *password)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = NULL;
    if (asprintf(&body, "{\"token\":\"%s\",\"password\":\"%s\"}", token, password) < 0)
        abort();
    req(c, "POST", "/api/auth/password/reset", body, &r);
    long s = r.status;
    httpc_resp_cleanup(&r);
    free(body);
    return s;
}

static long login_status(const char *email, const char *password)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = login_body(email, password);
    req(c, "POST", "/api/auth/login", body, &r);
    long s = r.status;
    httpc_resp_cleanup(&r);
    free(body);
    httpc_free(c);
    return s;
}

Test(auth_password, unknown_address_gets_the_same_answer_and_no_mail)
{
    httpc_t *c = edge_client();
    char *email = unique_email("ghost");
    forgot(c, email);
    cr_assert_eq(spool_count(email, "reset"), 0);
    free(email);
    httpc_free(c);
}

Test(auth_password, reset_link_is_single_use_and_ends_every_session)
{
    person_t a, b;
    person_sign_up(&a, "reset");
    person_login(&b, a.email, PASSWORD);
    cr_assert_eq(get_status(a.c, "/api/auth/me"), 200);
    cr_assert_eq(get_status(b.c, "/api/auth/me"), 200);

    httpc_t *anon = edge_client();
    forgot(anon, a.email);
    cr_assert_eq(spool_count(a.email, "reset"), 1);
    char *token = spool_token(a.email, "reset");
    cr_assert_eq(strlen(token), 43);

    /* The mail itself: a subject, a date, and a link to the console's reset page. */
    char *mail = spool_mail(a.email, "reset"), *link = NULL;
    const char *base = harness_env_opt("PUBLIC_URL");
    if (asprintf(&link, "%s/reset-password?token=%s\r\n", base ? base : "http://127.0.0.1:8080",
                 token) < 0)
        abort();
    cr_assert(strstr(mail, "\r\nSubject: Reset your password\r\n"), "%s", mail);
    cr_assert(strstr(mail, "\r\nDate: "));
    cr_assert(strstr(mail, link), "%s not in %s", link, mail);
    free(link);
    free(mail);

    /* A weak password is refused and does not burn the token. */
    cr_assert_eq(reset(anon, token, "12345678"), 400);
    cr_assert_eq(reset(anon, token, "New-Secret-Pass-9"), 204);
    cr_assert_eq(reset(anon, token, "Other-Secret-Pass-9"), 400, "single use");

    /* Both sessions ended (revocation reaches the edge's cache). */
    cr_assert_eq(wait_status(a.c, "/api/auth/me", 401, 3000), 401);
    cr_assert_eq(wait_status(b.c, "/api/auth/me", 401, 3000), 401);
    cr_assert_eq(login_status(a.email, PASSWORD), 401);
    cr_assert_eq(login_status(a.email, "New-Secret-Pass-9"), 200);

    /* Tokens are stored as digests only. */
    const char *p[] = {token};
    char *n = harness_pg_value_params(
        "SELECT count(*) FROM auth.password_resets WHERE token_hash = $1", 1, p);
    cr_assert_str_eq(n, "0");
    free(n);

    free(token);
    httpc_free(anon);
    person_free(&a);
    person_free(&b);
}

Test(auth_password, a_newer_reset_burns_the_older_links)
{
    person_t a;
    person_sign_up(&a, "reset2");
    httpc_t *anon = edge_client();
    forgot(anon, a.email);
    char *first = spool_token(a.email, "reset");
    usleep(5 * 1000); /* distinct file-name timestamps */
    forgot(anon, a.email);
    cr_assert_eq(spool_count(a.email, "reset"), 2);
    char *second = spool_token(a.email, "reset");
    cr_assert_str_neq(first, second);
    cr_assert_eq(reset(anon, second, "Brand-New-Pass-1"), 204);
    cr_assert_eq(reset(anon, first, "Brand-New-Pass-2"), 400, "other pending links die too");
    free(first);
    free(second);
    httpc_free(anon);
    person_free(&a);
}

Test(auth_password, bad_tokens_are_400)
{
    httpc_t *anon = edge_client();
    cr_assert_eq(reset(anon, "nonsense", "Brand-New-Pass-1"), 400);
    cr_assert_eq(reset(anon, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Brand-New-Pass-1"),
                 400);
    httpc_free(anon);
}

Test(auth_password, change_keeps_the_current_session_only)
{
    person_t a, b;
    person_sign_up(&a, "change");
    person_login(&b, a.email, PASSWORD);
    cr_assert_eq(get_status(b.c, "/api/auth/me"), 200);

    httpc_resp_t r = HTTPC_RESP_INIT;
    req(a.c, "POST", "/api/auth/password/change",
        "{\"current_password\":\"Wrong-Password-1\",\"new_password\":\"Fresh-Pass-123\"}", &r);
    expect_status(&r, 403);
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "current_password"));
    req(a.c, "POST", "/api/auth/password/change",
        "{\"current_password\":\"" PASSWORD "\",\"new_password\":\"qwertyuiop\"}", &r);
    expect_status(&r, 400);
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "new_password"));
    req(a.c, "POST", "/api/auth/password/change",
        "{\"current_password\":\"" PASSWORD "\",\"new_password\":\"Fresh-Pass-123\"}", &r);
    expect_status(&r, 204);
    httpc_resp_cleanup(&r);

    cr_assert_eq(get_status(a.c, "/api/auth/me"), 200, "the calling session stays");
    cr_assert_eq(wait_status(b.c, "/api/auth/me", 401, 3000), 401, "the other one ends");
    cr_assert_eq(login_status(a.email, PASSWORD), 401);
    cr_assert_eq(login_status(a.email, "Fresh-Pass-123"), 200);
    person_free(&a);
    person_free(&b);
}

Test(auth_password, change_needs_a_session)
{
    httpc_t *anon = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(anon, "POST", "/api/auth/password/change",
        "{\"current_password\":\"x\",\"new_password\":\"Fresh-Pass-123\"}", &r);
    expect_status(&r, 401);
    httpc_resp_cleanup(&r);
    httpc_free(anon);
}
