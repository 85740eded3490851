/* test_auth_session.c - sign-up, sign-in, me, sign-out and the session cookie, end to end
 * through the edge against the real auth service and PostgreSQL. */
#include "tests/support/auth_helpers.h"

#include "shared/crypto.h"

Test(auth_session, register_sets_an_httponly_lax_cookie)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *email = unique_email("reg"), *body = NULL, *upper = xstrdup(email);

    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    if (asprintf(&body,
                 "{\"email\":\"  %s \",\"password\":\"" PASSWORD "\",\"name\":\" Anna \","
                 "\"org_name\":\"Acme Sales\"}",
                 upper) < 0)
        abort();
    req(c, "POST", "/api/auth/register", body, &r);
    expect_status(&r, 201);
    cr_assert_str_eq(httpc_resp_str(&r, "user.email"), email, "stored lower-case, trimmed");
    cr_assert_str_eq(httpc_resp_str(&r, "user.name"), "Anna");
    cr_assert_str_eq(httpc_resp_str(&r, "organization.name"), "Acme Sales");
    cr_assert_str_eq(httpc_resp_str(&r, "role"), "owner");
    cr_assert(uuid_valid(httpc_resp_str(&r, "user.id")));
    cr_assert(uuid_valid(httpc_resp_str(&r, "organization.id")));
    cr_assert_not_null(httpc_resp_str(&r, "user.created_at"));
    cr_assert_null(strstr(r.body.data, "password"), "no hash in the answer");

    const char *cookie = httpc_resp_header(&r, "set-cookie");
    cr_assert_not_null(cookie);
    cr_assert(strncmp(cookie, "sid=", 4) == 0, "%s", cookie);
    cr_assert(strstr(cookie, "HttpOnly"), "%s", cookie);
    cr_assert(strstr(cookie, "SameSite=Lax"), "%s", cookie);
    cr_assert(strstr(cookie, "Path=/"), "%s", cookie);
    cr_assert(strstr(cookie, "Max-Age=2592000"), "30 days by default: %s", cookie);
    char *sid = httpc_cookie(c, "sid");
    cr_assert_eq(strlen(sid), 43, "32 random bytes in base64url");

    /* Only the digest is stored. */
    char hash[CRYPTO_SHA256_HEX_SIZE];
    crypto_sha256_hex(sid, strlen(sid), hash);
    const char *params[] = {hash};
    char *n = harness_pg_value_params("SELECT count(*) FROM auth.sessions WHERE token_hash = $1", 1,
                                      params);
    cr_assert_str_eq(n, "1");
    free(n);
    const char *raw[] = {sid};
    n = harness_pg_value_params("SELECT count(*) FROM auth.sessions WHERE token_hash = $1", 1, raw);
    cr_assert_str_eq(n, "0");
    free(n);

    httpc_resp_cleanup(&r);
    req(c, "GET", "/api/auth/me", NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "user.email"), email);
    cr_assert_str_eq(httpc_resp_str(&r, "organization.name"), "Acme Sales");
    cr_assert_str_eq(httpc_resp_str(&r, "role"), "owner");
    httpc_resp_cleanup(&r);
    free(sid);
    free(body);
    free(upper);
    free(email);
    httpc_free(c);
}

Test(auth_session, duplicate_email_is_409_whatever_the_case)
{
    person_t a;
    person_sign_up(&a, "dup");
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = NULL, *upper = xstrdup(a.email);
    upper[0] = (char)(upper[0] - 'a' + 'A');
    if (asprintf(&body,
                 "{\"email\":\"%s\",\"password\":\"Another-Pass-77\",\"name\":\"X\","
                 "\"org_name\":\"Y\"}",
                 upper) < 0)
        abort();
    req(c, "POST", "/api/auth/register", body, &r);
    expect_status(&r, 409);
    cr_assert_str_eq(httpc_resp_str(&r, "error.code"), "conflict");
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "email"));
    httpc_resp_cleanup(&r);
    free(body);
    free(upper);
    httpc_free(c);
    person_free(&a);
}

Test(auth_session, register_validation_names_the_field)
{
    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"email\":\"not-an-email\",\"password\":\"" PASSWORD "\",\"name\":\"A\","
         "\"org_name\":\"B\"}",
         "email:"},
        {"{\"email\":\"%s\",\"password\":\"password1\",\"name\":\"A\",\"org_name\":\"B\"}",
         "password:"},
        {"{\"email\":\"%s\",\"password\":\"short\",\"name\":\"A\",\"org_name\":\"B\"}",
         "password:"},
        {"{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"org_name\":\"B\"}", "name:"},
        {"{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"name\":\"A\",\"org_name\":\"  \"}",
         "org_name:"},
    };
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *email = unique_email("val"), *body = NULL;
        if (asprintf(&body, cases[i].body, email) < 0)
            abort();
        req(c, "POST", "/api/auth/register", body, &r);
        expect_status(&r, 400);
        const char *msg = httpc_resp_str(&r, "error.message");
        cr_assert(msg && strncmp(msg, cases[i].field, strlen(cases[i].field)) == 0, "case %zu: %s",
                  i, msg);
        httpc_resp_cleanup(&r);
        free(body);
        free(email);
    }
    cr_assert_null(httpc_cookie(c, "sid"));
    httpc_free(c);
}

Test(auth_session, login_failures_look_the_same)
{
    person_t a;
    person_sign_up(&a, "same");
    httpc_t *c = edge_client();
    httpc_resp_t r1 = HTTPC_RESP_INIT, r2 = HTTPC_RESP_INIT;
    char *wrong = login_body(a.email, "Not-The-Password-1");
    char *nobody_email = unique_email("nobody");
    char *nobody = login_body(nobody_email, "Not-The-Password-1");

    req(c, "POST", "/api/auth/login", wrong, &r1);
    req(c, "POST", "/api/auth/login", nobody, &r2);
    expect_status(&r1, 401);
    expect_status(&r2, 401);
    cr_assert_str_eq(httpc_resp_str(&r1, "error.message"), httpc_resp_str(&r2, "error.message"));
    cr_assert_str_eq(httpc_resp_str(&r1, "error.message"), "invalid email or password");
    cr_assert_null(httpc_cookie(c, "sid"));
    httpc_resp_cleanup(&r1);
    httpc_resp_cleanup(&r2);
    free(wrong);
    free(nobody);
    free(nobody_email);
    httpc_free(c);
    person_free(&a);
}

Test(auth_session, login_me_logout)
{
    person_t a, b;
    person_sign_up(&a, "life");
    char *mixed = xstrdup(a.email);
    mixed[1] = (char)(mixed[1] - 'a' + 'A');
    person_login(&b, mixed, PASSWORD); /* the address is case-insensitive */
    cr_assert_str_eq(b.user_id, a.user_id);
    cr_assert_str_eq(b.org_id, a.org_id);

    char *sid = httpc_cookie(b.c, "sid"), *first_sid = httpc_cookie(a.c, "sid");
    cr_assert_str_neq(sid, first_sid, "each sign-in is its own session");
    cr_assert_eq(get_status(b.c, "/api/auth/me"), 200);

    httpc_resp_t r = HTTPC_RESP_INIT;
    req(b.c, "POST", "/api/auth/logout", NULL, &r);
    expect_status(&r, 204);
    const char *cookie = httpc_resp_header(&r, "set-cookie");
    cr_assert(cookie && strstr(cookie, "sid=;") && strstr(cookie, "Max-Age=0"), "%s", cookie);
    httpc_resp_cleanup(&r);
    cr_assert_eq(get_status(b.c, "/api/auth/me"), 401);

    /* The old cookie value no longer works, even when presented again. */
    httpc_t *replay = client_with_cookie(sid);
    cr_assert_eq(wait_status(replay, "/api/auth/me", 401, 3000), 401);
    httpc_free(replay);
    /* The other session of the same user is untouched. */
    cr_assert_eq(get_status(a.c, "/api/auth/me"), 200);

    free(sid);
    free(first_sid);
    free(mixed);
    person_free(&a);
    person_free(&b);
}

Test(auth_session, forged_and_garbage_cookies_are_401)
{
    httpc_t *c = client_with_cookie("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    cr_assert_eq(get_status(c, "/api/auth/me"), 401);
    httpc_free(c);
    c = client_with_cookie("garbage");
    cr_assert_eq(get_status(c, "/api/auth/me"), 401);
    httpc_free(c);
}

Test(auth_session, idle_and_expired_sessions_end)
{
    person_t a;
    person_sign_up(&a, "idle");
    char *sid = httpc_cookie(a.c, "sid");
    char hash[CRYPTO_SHA256_HEX_SIZE];
    crypto_sha256_hex(sid, strlen(sid), hash);
    const char *p[] = {hash};

    /* A verified session in the edge's cache stays valid for a few seconds: use a fresh
     * session per case, never verified before the change. */
    char *done =
        harness_pg_value_params("UPDATE auth.sessions SET last_seen_at = now() - interval '8 days' "
                                "WHERE token_hash = $1 RETURNING 'ok'",
                                1, p);
    cr_assert_str_eq(done, "ok");
    free(done);
    cr_assert_eq(get_status(a.c, "/api/auth/me"), 401, "idle for longer than 7 days");

    person_t b;
    person_login(&b, a.email, PASSWORD);
    char *sid2 = httpc_cookie(b.c, "sid");
    crypto_sha256_hex(sid2, strlen(sid2), hash);
    done = harness_pg_value_params("UPDATE auth.sessions SET expires_at = now() - interval '1 s' "
                                   "WHERE token_hash = $1 RETURNING 'ok'",
                                   1, p);
    cr_assert_str_eq(done, "ok");
    free(done);
    cr_assert_eq(get_status(b.c, "/api/auth/me"), 401, "past the absolute end");

    free(sid);
    free(sid2);
    person_free(&a);
    person_free(&b);
}

Test(auth_session, last_seen_is_bumped_at_most_once_a_minute)
{
    person_t a;
    person_sign_up(&a, "seen");
    char *sid = httpc_cookie(a.c, "sid");
    char hash[CRYPTO_SHA256_HEX_SIZE];
    crypto_sha256_hex(sid, strlen(sid), hash);
    const char *p[] = {hash};

    char *done = harness_pg_value_params(
        "UPDATE auth.sessions SET last_seen_at = now() - interval '30 seconds' "
        "WHERE token_hash = $1 RETURNING 'ok'",
        1, p);
    free(done);
    /* Verify runs (the session was never verified, so not cached), but 30 s is recent enough. */
    httpc_t *fresh = client_with_cookie(sid);
    cr_assert_eq(get_status(fresh, "/api/auth/me"), 200);
    char *age = harness_pg_value_params(
        "SELECT extract(epoch FROM now() - last_seen_at)::int >= 29 FROM auth.sessions "
        "WHERE token_hash = $1",
        1, p);
    cr_assert_str_eq(age, "t", "not bumped within the minute");
    free(age);
    httpc_free(fresh);
    free(sid);
    person_free(&a);
}
