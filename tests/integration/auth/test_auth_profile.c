/* test_auth_profile.c - PATCH /api/auth/me (the user's own name and interface language) and
 * PATCH /api/org (renaming the organisation): validation naming the field, who may rename, that
 * a cached `me` answer never shows the old values afterwards (the caller's and other members'),
 * and that another organisation of the same user is untouched. */
#include "tests/support/auth_helpers.h"

/* PATCH path body as p; returns the status, the answer left in *r. */
static long patch(person_t *p, const char *path, const char *body, httpc_resp_t *r)
{
    req(p->c, "PATCH", path, body, r);
    return r->status;
}

/* GET /api/auth/me as p: the string at json path `what` (heap). */
static char *me_str(person_t *p, const char *what)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p->c, "GET", "/api/auth/me", NULL, &r);
    expect_status(&r, 200);
    char *v = xstrdup(httpc_resp_str(&r, what));
    httpc_resp_cleanup(&r);
    return v;
}

static void expect_me(person_t *p, const char *what, const char *want)
{
    char *v = me_str(p, what);
    cr_assert_str_eq(v, want, "GET /api/auth/me %s: got %s, want %s", what, v, want);
    free(v);
}

Test(auth_profile, update_me_changes_the_name_at_once)
{
    person_t a = {0};
    httpc_resp_t r = HTTPC_RESP_INIT;

    person_sign_up(&a, "prof");
    expect_me(&a, "user.name", "prof"); /* now cached */
    cr_assert_eq(patch(&a, "/api/auth/me", "{\"name\":\"  Anna Petrova  \"}", &r), 200, "%s",
                 r.body.data);
    cr_assert_str_eq(httpc_resp_str(&r, "user.name"), "Anna Petrova", "trimmed");
    cr_assert_str_eq(httpc_resp_str(&r, "user.id"), a.user_id);
    cr_assert_str_eq(httpc_resp_str(&r, "organization.id"), a.org_id);
    cr_assert_str_eq(httpc_resp_str(&r, "role"), "owner");
    httpc_resp_cleanup(&r);
    expect_me(&a, "user.name", "Anna Petrova");
    /* Cyrillic counts characters, not bytes. */
    cr_assert_eq(patch(&a, "/api/auth/me", "{\"name\":\"Анна Петрова\"}", &r), 200);
    httpc_resp_cleanup(&r);
    expect_me(&a, "user.name", "Анна Петрова");
    /* The session still works: nothing was revoked. */
    cr_assert_eq(get_status(a.c, "/api/auth/orgs"), 200);
    person_free(&a);
}

Test(auth_profile, update_me_refuses_bad_names_and_writes_nothing)
{
    person_t a = {0};
    httpc_resp_t r = HTTPC_RESP_INIT;
    char long_name[160], body[200];
    const char *bad[] = {"{\"name\":\"\"}",
                         "{\"name\":\"   \"}",
                         "{\"name\":\"two\\nlines\"}",
                         "{}",
                         "{\"name\":42}",
                         "{\"name\":\"x\",\"email\":\"a@b.c\"}"};

    person_sign_up(&a, "prof-bad");
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        cr_assert_eq(patch(&a, "/api/auth/me", bad[i], &r), 400, "%s: %s", bad[i], r.body.data);
        const char *field = i == ARRAY_LEN(bad) - 1 ? "email" : "name";
        cr_assert_not_null(strstr(r.body.data, field), "the message names %s: %s", field,
                           r.body.data);
        httpc_resp_cleanup(&r);
    }
    memset(long_name, 'x', 101);
    long_name[101] = '\0';
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", long_name);
    cr_assert_eq(patch(&a, "/api/auth/me", body, &r), 400);
    cr_assert_not_null(strstr(r.body.data, "name: "), "%s", r.body.data);
    httpc_resp_cleanup(&r);
    long_name[100] = '\0';
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", long_name);
    cr_assert_eq(patch(&a, "/api/auth/me", body, &r), 200, "100 characters are allowed");
    httpc_resp_cleanup(&r);
    expect_me(&a, "user.name", long_name);

    httpc_t *anon = edge_client();
    req(anon, "PATCH", "/api/auth/me", "{\"name\":\"nobody\"}", &r);
    expect_status(&r, 401);
    httpc_resp_cleanup(&r);
    httpc_free(anon);
    person_free(&a);
}

/* The language as GET /api/auth/me shows it, "" when absent (heap). */
static char *my_language(person_t *p)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p->c, "GET", "/api/auth/me", NULL, &r);
    expect_status(&r, 200);
    const char *v = httpc_resp_str(&r, "user.language");
    char *out = xstrdup(v ? v : "");
    httpc_resp_cleanup(&r);
    return out;
}

Test(auth_profile, the_interface_language_is_kept_with_the_user)
{
    person_t a = {0}, b = {0};
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *lang = NULL, *body = NULL;

    person_sign_up(&a, "lang");
    lang = my_language(&a);
    cr_assert_str_eq(lang, "", "not chosen yet");
    free(lang);
    cr_assert_eq(patch(&a, "/api/auth/me", "{\"language\":\"ru\"}", &r), 200, "%s", r.body.data);
    cr_assert_str_eq(httpc_resp_str(&r, "user.language"), "ru");
    cr_assert_str_eq(httpc_resp_str(&r, "user.name"), "lang", "a field not sent stays");
    httpc_resp_cleanup(&r);
    lang = my_language(&a);
    cr_assert_str_eq(lang, "ru");
    free(lang);
    cr_assert_eq(patch(&a, "/api/auth/me", "{\"name\":\"Lena\"}", &r), 200);
    httpc_resp_cleanup(&r);
    lang = my_language(&a);
    cr_assert_str_eq(lang, "ru", "a name change keeps the language");
    free(lang);
    expect_me(&a, "user.name", "Lena");

    const char *bad[] = {"{\"language\":\"de\"}", "{\"language\":\"\"}", "{\"language\":\"RU\"}",
                         "{\"name\":\"Lena\",\"language\":\"english\"}"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        cr_assert_eq(patch(&a, "/api/auth/me", bad[i], &r), 400, "%s", bad[i]);
        cr_assert_not_null(strstr(r.body.data, "language: "), "%s", r.body.data);
        httpc_resp_cleanup(&r);
    }
    lang = my_language(&a);
    cr_assert_str_eq(lang, "ru", "refused requests change nothing");
    free(lang);

    /* Sign-up may say it at once; a bad one is refused before anything is written. */
    b.c = edge_client();
    b.email = unique_email("lang-signup");
    if (asprintf(&body,
                 "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"name\":\"B\","
                 "\"org_name\":\"B org\",\"language\":\"fr\"}",
                 b.email) < 0)
        abort();
    req(b.c, "POST", "/api/auth/register", body, &r);
    expect_status(&r, 400);
    cr_assert_not_null(strstr(r.body.data, "language: "), "%s", r.body.data);
    httpc_resp_cleanup(&r);
    free(body);
    if (asprintf(&body,
                 "{\"email\":\"%s\",\"password\":\"" PASSWORD "\",\"name\":\"B\","
                 "\"org_name\":\"B org\",\"language\":\"en\"}",
                 b.email) < 0)
        abort();
    req(b.c, "POST", "/api/auth/register", body, &r);
    expect_status(&r, 201);
    cr_assert_str_eq(httpc_resp_str(&r, "user.language"), "en");
    httpc_resp_cleanup(&r);
    free(body);
    lang = my_language(&b);
    cr_assert_str_eq(lang, "en");
    free(lang);
    person_free(&a);
    person_free(&b);
}

Test(auth_profile, owners_and_admins_rename_the_org_members_cannot)
{
    person_t owner = {0}, admin = {0}, member = {0};
    httpc_resp_t r = HTTPC_RESP_INIT;

    person_sign_up(&owner, "org-owner");
    person_invite(&owner, &admin, "org-admin", "admin");
    person_invite(&owner, &member, "org-member", "member");
    expect_me(&member, "organization.name", "org-owner org"); /* cached for the member */

    cr_assert_eq(patch(&owner, "/api/org", "{\"name\":\"Acme Trading\"}", &r), 200, "%s",
                 r.body.data);
    cr_assert_str_eq(httpc_resp_str(&r, "id"), owner.org_id);
    cr_assert_str_eq(httpc_resp_str(&r, "name"), "Acme Trading");
    cr_assert_not_null(httpc_resp_str(&r, "created_at"));
    httpc_resp_cleanup(&r);
    expect_me(&owner, "organization.name", "Acme Trading");
    expect_me(&member, "organization.name", "Acme Trading");

    cr_assert_eq(patch(&admin, "/api/org", "{\"name\":\"Acme Group\"}", &r), 200);
    httpc_resp_cleanup(&r);
    cr_assert_eq(patch(&member, "/api/org", "{\"name\":\"Hijacked\"}", &r), 403);
    cr_assert_not_null(strstr(r.body.data, "owners and admins"), "%s", r.body.data);
    httpc_resp_cleanup(&r);
    expect_me(&owner, "organization.name", "Acme Group");

    cr_assert_eq(patch(&owner, "/api/org", "{\"name\":\"\"}", &r), 400);
    cr_assert_not_null(strstr(r.body.data, "name: "), "%s", r.body.data);
    httpc_resp_cleanup(&r);
    cr_assert_eq(patch(&owner, "/api/org", "{\"name\":\"a\\tb\\nc\"}", &r), 400);
    httpc_resp_cleanup(&r);
    expect_me(&owner, "organization.name", "Acme Group");

    /* A removed member's session no longer reaches the organisation. */
    char path[128];
    snprintf(path, sizeof path, "/api/org/members/%s", admin.user_id);
    req(owner.c, "DELETE", path, NULL, &r);
    expect_status(&r, 204);
    httpc_resp_cleanup(&r);
    cr_assert_eq(wait_status(admin.c, "/api/auth/me", 401, 3000), 401);
    cr_assert_neq(patch(&admin, "/api/org", "{\"name\":\"Too late\"}", &r), 200);
    httpc_resp_cleanup(&r);
    expect_me(&owner, "organization.name", "Acme Group");
    person_free(&owner);
    person_free(&admin);
    person_free(&member);
}

Test(auth_profile, renaming_one_org_leaves_the_users_other_orgs_alone)
{
    person_t a = {0}, b = {0}, b_in_a = {0};
    httpc_resp_t r = HTTPC_RESP_INIT;
    char body[128];

    person_sign_up(&a, "two-a");
    person_sign_up(&b, "two-b");
    /* b joins a's organisation too (existing account: password only). */
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"role\":\"admin\"}", b.email);
    req(a.c, "POST", "/api/org/invites", body, &r);
    expect_status(&r, 201);
    httpc_resp_cleanup(&r);
    char *token = spool_token(b.email, "invite"), *accept = NULL;
    if (asprintf(&accept, "{\"token\":\"%s\",\"password\":\"" PASSWORD "\"}", token) < 0)
        abort();
    b_in_a.c = edge_client();
    req(b_in_a.c, "POST", "/api/auth/invites/accept", accept, &r);
    expect_status(&r, 201);
    cr_assert_str_eq(httpc_resp_str(&r, "organization.id"), a.org_id);
    httpc_resp_cleanup(&r);

    cr_assert_eq(patch(&b_in_a, "/api/org", "{\"name\":\"Renamed by B\"}", &r), 200);
    httpc_resp_cleanup(&r);
    expect_me(&a, "organization.name", "Renamed by B");
    expect_me(&b, "organization.name", "two-b org");
    free(token);
    free(accept);
    httpc_free(b_in_a.c);
    person_free(&a);
    person_free(&b);
}

Test(auth_profile, the_routes_are_in_the_openapi_document)
{
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(c, "GET", "/api/openapi.json", NULL, &r);
    expect_status(&r, 200);
    json_t *root = httpc_resp_json(&r);
    cr_assert_not_null(json_object_get(httpc_json_path(root, "paths./api/org"), "patch"));
    cr_assert_not_null(json_object_get(httpc_json_path(root, "paths./api/auth/me"), "patch"));
    httpc_resp_cleanup(&r);
    httpc_free(c);
}
