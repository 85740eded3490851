/* test_auth_throttle.c - failed sign-ins are throttled per account (10 in 15 minutes: 429 with
 * Retry-After through the edge) and per client address (50). All tests share 127.0.0.1, so only
 * the first case goes through the edge (and clears its failures by signing in at the end); the
 * others talk to svc.auth.login on the bus with made-up Client-Ip headers, as the edge would. */
#include "tests/support/auth_helpers.h"

#include <nats/nats.h>

#include "proto/auth.pb-c.h"

static long login(httpc_t *c, const char *email, const char *pw, char **retry_after)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = login_body(email, pw);
    req(c, "POST", "/api/auth/login", body, &r);
    long s = r.status;
    if (retry_after) {
        const char *v = httpc_resp_header(&r, "retry-after");
        *retry_after = v ? xstrdup(v) : NULL;
    }
    httpc_resp_cleanup(&r);
    free(body);
    return s;
}

Test(auth_throttle, eleventh_failure_for_an_account_is_429)
{
    person_t a;
    person_sign_up(&a, "throttle");
    httpc_t *c = edge_client();

    for (int i = 0; i < 10; i++)
        cr_assert_eq(login(c, a.email, "Wrong-Password-1", NULL), 401, "attempt %d", i + 1);
    char *retry = NULL;
    cr_assert_eq(login(c, a.email, "Wrong-Password-1", &retry), 429);
    cr_assert_not_null(retry, "429 carries Retry-After");
    int secs = atoi(retry);
    cr_assert(secs >= 1 && secs <= 900, "Retry-After %s", retry);
    free(retry);
    /* Even the right password waits: the lock is on attempts, not on wrong answers. */
    cr_assert_eq(login(c, a.email, PASSWORD, NULL), 429);
    /* The existing session is not affected. */
    cr_assert_eq(get_status(a.c, "/api/auth/me"), 200);

    /* Once the failures age out of the window, signing in works again; the success clears the
     * account's counter. (Aged by hand instead of waiting 15 minutes.) */
    const char *p[] = {a.email};
    char *done = harness_pg_value_params(
        "UPDATE auth.login_attempts SET at = at - interval '16 minutes' WHERE email = $1 "
        "RETURNING 'ok'",
        1, p);
    cr_assert_not_null(done);
    free(done);
    cr_assert_eq(login(c, a.email, PASSWORD, NULL), 200);
    char *left = harness_pg_value_params("SELECT count(*) FROM auth.login_attempts "
                                         "WHERE email = $1 AND NOT email_cleared",
                                         1, p);
    cr_assert_str_eq(left, "0", "the account's failures are forgiven");
    free(left);
    left =
        harness_pg_value_params("SELECT count(*) FROM auth.login_attempts WHERE email = $1", 1, p);
    cr_assert_str_eq(left, "10", "... but still count for the address");
    free(left);
    /* Leave 127.0.0.1's count to the other tests. */
    free(harness_pg_value_params("DELETE FROM auth.login_attempts WHERE email = $1 RETURNING 1", 1,
                                 p));
    httpc_free(c);
    person_free(&a);
}

/* svc.auth.login straight on the bus, as the edge would send it from client address ip;
 * returns the reply's Nats-Service-Error-Code (200 when none) and Retry-After. */
static int bus_login(natsConnection *nc, const char *email, const char *ip, char **retry_after)
{
    Auth__LoginRequest in = AUTH__LOGIN_REQUEST__INIT;
    uint8_t buf[512];
    natsMsg *msg = NULL, *reply = NULL;
    const char *code = NULL, *retry = NULL;
    in.email = (char *)email;
    in.password = "Wrong-Password-1";
    size_t n = auth__login_request__pack(&in, buf);
    cr_assert_eq(natsMsg_Create(&msg, "svc.auth.login", NULL, (const char *)buf, (int)n), NATS_OK);
    natsMsgHeader_Set(msg, "Client-Ip", ip);
    natsMsgHeader_Set(msg, "Request-Id", "throttle-test");
    cr_assert_eq(natsConnection_RequestMsg(&reply, nc, msg, 10000), NATS_OK);
    int status = 200;
    if (natsMsgHeader_Get(reply, "Nats-Service-Error-Code", &code) == NATS_OK && code)
        status = atoi(code);
    if (retry_after) {
        *retry_after = NULL;
        if (natsMsgHeader_Get(reply, "Retry-After", &retry) == NATS_OK && retry)
            *retry_after = xstrdup(retry);
    }
    natsMsg_Destroy(reply);
    natsMsg_Destroy(msg);
    return status;
}

Test(auth_throttle, fifty_failures_from_one_address_lock_it)
{
    natsConnection *nc = NULL;
    char ip[32], id[37];
    uuid_new(id);
    /* A documentation-range address unique to this run (TEST-NET-3, 203.0.113.0/24). */
    snprintf(ip, sizeof ip, "203.0.113.%u", (unsigned)(strtoul(id + 24, NULL, 16) % 254 + 1));
    cr_assert_eq(natsConnection_ConnectTo(&nc, harness_env("NATS_URL")), NATS_OK);
    /* Fresh address for this test even if the octet repeats an earlier run's. */
    const char *p[] = {ip};
    free(
        harness_pg_value_params("DELETE FROM auth.login_attempts WHERE ip = $1 RETURNING 1", 1, p));

    for (int i = 0; i < 50; i++) {
        char *email = unique_email("spray"); /* a new account each time: only the IP adds up */
        cr_assert_eq(bus_login(nc, email, ip, NULL), 401, "attempt %d", i + 1);
        free(email);
    }
    char *email = unique_email("spray"), *retry = NULL;
    cr_assert_eq(bus_login(nc, email, ip, &retry), 429);
    cr_assert_not_null(retry);
    cr_assert(atoi(retry) >= 1 && atoi(retry) <= 900);
    free(retry);
    /* Another address is not affected. */
    cr_assert_eq(bus_login(nc, email, "198.51.100.7", NULL), 401);
    free(email);
    free(
        harness_pg_value_params("DELETE FROM auth.login_attempts WHERE ip = $1 RETURNING 1", 1, p));
    natsConnection_Destroy(nc);
}

Test(auth_throttle, unknown_accounts_are_throttled_too)
{
    /* Otherwise a 429 would tell which addresses have accounts. Over the bus, from an address of
     * its own, so 127.0.0.1's count is left to the other tests. */
    natsConnection *nc = NULL;
    char *email = unique_email("nobody");
    cr_assert_eq(natsConnection_ConnectTo(&nc, harness_env("NATS_URL")), NATS_OK);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(bus_login(nc, email, "198.51.100.20", NULL), 401, "attempt %d", i + 1);
    cr_assert_eq(bus_login(nc, email, "198.51.100.21", NULL), 429, "whatever the address");
    const char *p[] = {email};
    free(harness_pg_value_params("DELETE FROM auth.login_attempts WHERE email = $1 RETURNING 1", 1,
                                 p));
    free(email);
    natsConnection_Destroy(nc);
}
