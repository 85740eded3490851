/* auth_helpers.h - steps every integration test that needs people shares (auth's, agents' and
 * rag's): unique accounts, sign-up and sign-in through the edge, the spooled mails, status
 * assertions. Unlike the rest of tests/support it uses Criterion's assertions.
 *
 * Header-only (static inline) because the Makefile builds each integration test file into its
 * own binary. Tests share one database: every account gets a unique email.
 */
#ifndef TESTS_SUPPORT_AUTH_HELPERS_H
#define TESTS_SUPPORT_AUTH_HELPERS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/util.h"
#include "tests/support/harness.h"
#include "tests/support/httpc.h"

#define PASSWORD "Correct-Horse-42"

/* printf into a heap string (free it): the short name the people-level tests use. */
#define fmt harness_fmt

/* One person: a browser with its cookie jar, and what the API said about them. */
typedef struct {
    httpc_t *c;
    char *email, *user_id, *org_id;
} person_t;

static inline httpc_t *edge_client(void)
{
    return httpc_new(harness_env("EDGE_URL"));
}

/* "<tag>-<8 hex>@example.com", heap. */
static inline char *unique_email(const char *tag)
{
    char id[37], *out = NULL;
    uuid_new(id);
    if (asprintf(&out, "%s-%.8s@example.com", tag, id) < 0)
        abort();
    return out;
}

/* Asserts the status of r, printing the body on mismatch. */
#define expect_status(r, want)                                                                     \
    cr_assert_eq((r)->status, (want), "expected %d, got %ld: %s", (int)(want), (r)->status,        \
                 (r)->body.data ? (r)->body.data : "")

/* One request; asserts that an answer came. */
static inline void req(httpc_t *c, const char *method, const char *path, const char *body,
                       httpc_resp_t *r)
{
    cr_assert_eq(httpc_req(c, method, path, body, NULL, r), ST_OK, "%s %s: no answer", method,
                 path);
}

/* The body {"email": email, "password": pw}, heap. */
static inline char *login_body(const char *email, const char *pw)
{
    char *out = NULL;
    if (asprintf(&out, "{\"email\":\"%s\",\"password\":\"%s\"}", email, pw) < 0)
        abort();
    return out;
}

/* Signs up a new account with its own organisation; p->c holds the session. */
static inline void person_sign_up(person_t *p, const char *tag)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = NULL;

    p->c = edge_client();
    p->email = unique_email(tag);
    if (asprintf(&body,
                 "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"name\":\"%s\","
                 "\"org_name\":\"%s org\"}",
                 p->email, tag, tag) < 0)
        abort();
    req(p->c, "POST", "/api/auth/register", body, &r);
    expect_status(&r, 201);
    p->user_id = xstrdup(httpc_resp_str(&r, "user.id"));
    p->org_id = xstrdup(httpc_resp_str(&r, "organization.id"));
    httpc_resp_cleanup(&r);
    free(body);
}

/* A new browser for an existing account, signed in. */
static inline void person_login(person_t *p, const char *email, const char *pw)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = login_body(email, pw);

    p->c = edge_client();
    p->email = xstrdup(email);
    req(p->c, "POST", "/api/auth/login", body, &r);
    expect_status(&r, 200);
    p->user_id = xstrdup(httpc_resp_str(&r, "user.id"));
    p->org_id = xstrdup(httpc_resp_str(&r, "organization.id"));
    httpc_resp_cleanup(&r);
    free(body);
}

static inline void person_free(person_t *p)
{
    httpc_free(p->c);
    free(p->email);
    free(p->user_id);
    free(p->org_id);
    memset(p, 0, sizeof *p);
}

/* The status of GET path for client c. */
static inline long get_status(httpc_t *c, const char *path)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(c, "GET", path, NULL, &r);
    long s = r.status;
    httpc_resp_cleanup(&r);
    return s;
}

/* Polls GET path until it answers want (revocations reach the edge's cache asynchronously);
 * returns the last status. */
static inline long wait_status(httpc_t *c, const char *path, long want, int timeout_ms)
{
    long s = 0;
    for (int waited = 0;; waited += 50) {
        if ((s = get_status(c, path)) == want || waited >= timeout_ms)
            return s;
        usleep(50 * 1000);
    }
}

/* A browser that presents a given session cookie value (and keeps no jar of its own). */
static inline httpc_t *client_with_cookie(const char *sid)
{
    httpc_t *c = edge_client();
    char *v = NULL;
    if (asprintf(&v, "sid=%s", sid) < 0)
        abort();
    httpc_set_header(c, "Cookie", v);
    free(v);
    return c;
}

/* Reads a whole file, heap; NULL if it cannot. */
static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    buf_t b = BUF_INIT;
    char chunk[4096];
    size_t n;
    if (!f)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_steal(&b);
}

/* Number of spooled mails of `kind` ("reset", "invite") addressed to email. */
static inline int spool_count(const char *email, const char *kind)
{
    char dir[512], path[1024], to[320], pattern[40];
    int count = 0;
    snprintf(dir, sizeof dir, "%s/mail-spool", harness_env("VAR_DIR"));
    snprintf(to, sizeof to, "\r\nTo: %s\r\n", email);
    snprintf(pattern, sizeof pattern, "-%s-", kind);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !strstr(e->d_name, pattern))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = slurp(path);
        if (text && strstr(text, to))
            count++;
        free(text);
    }
    closedir(d);
    return count;
}

/* The text of the newest spooled mail of `kind` to email (file names start with the epoch ms),
 * heap; fails the test if there is none. */
static inline char *spool_mail(const char *email, const char *kind)
{
    char dir[512], path[1024], to[320], pattern[40], best[256] = "";
    snprintf(dir, sizeof dir, "%s/mail-spool", harness_env("VAR_DIR"));
    snprintf(to, sizeof to, "\r\nTo: %s\r\n", email);
    snprintf(pattern, sizeof pattern, "-%s-", kind);
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "no mail spool folder %s", dir);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' || !strstr(e->d_name, pattern))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = slurp(path);
        if (text && strstr(text, to) && strcmp(e->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", e->d_name);
        free(text);
    }
    closedir(d);
    cr_assert(best[0], "no %s mail to %s in %s", kind, email, dir);
    snprintf(path, sizeof path, "%s/%s", dir, best);
    char *text = slurp(path);
    cr_assert_not_null(text, "cannot read %s", path);
    return text;
}

/* The token in the link of the newest spooled mail of `kind` to email, heap. */
static inline char *spool_token(const char *email, const char *kind)
{
    char *text = spool_mail(email, kind);
    const char *t = strstr(text, "?token=");
    cr_assert_not_null(t, "no link in the %s mail to %s", kind, email);
    t += strlen("?token=");
    char *token = xstrndup(t, strcspn(t, "\r\n \t"));
    free(text);
    return token;
}

/* Invites a new account into inviter's organisation as role (through the mailed invitation) and
 * signs it in: p->c holds its session. tag names the account. */
static inline void person_invite(person_t *inviter, person_t *p, const char *tag, const char *role)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *email = unique_email(tag), *body = NULL, *token = NULL;

    if (asprintf(&body, "{\"email\":\"%s\",\"role\":\"%s\"}", email, role) < 0)
        abort();
    req(inviter->c, "POST", "/api/org/invites", body, &r);
    expect_status(&r, 201);
    httpc_resp_cleanup(&r);
    free(body);
    token = spool_token(email, "invite");
    if (asprintf(&body, "{\"token\":\"%s\",\"name\":\"%s\",\"password\":\"" PASSWORD "\"}", token,
                 tag) < 0)
        abort();
    p->c = edge_client();
    p->email = email;
    req(p->c, "POST", "/api/auth/invites/accept", body, &r);
    expect_status(&r, 201);
    p->user_id = xstrdup(httpc_resp_str(&r, "user.id"));
    p->org_id = xstrdup(httpc_resp_str(&r, "organization.id"));
    cr_assert_str_eq(p->org_id, inviter->org_id);
    httpc_resp_cleanup(&r);
    free(body);
    free(token);
}

#endif
