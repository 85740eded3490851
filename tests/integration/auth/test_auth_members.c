/* test_auth_members.c - invitations (the link read from the outbox), roles and their rules
 * (admins vs owners, the last owner), leaving and removal, several organisations per user with
 * switch-org, and tenant isolation of member ids. */
#include "tests/support/auth_helpers.h"

/* POSTs an invitation as inviter; returns the status. */
static long invite(person_t *inviter, const char *email, const char *role)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = NULL;
    if (asprintf(&body, "{\"email\":\"%s\",\"role\":\"%s\"}", email, role) < 0)
        abort();
    req(inviter->c, "POST", "/api/org/invites", body, &r);
    long s = r.status;
    if (s == 201) {
        cr_assert_str_eq(httpc_resp_str(&r, "email"), email);
        cr_assert_str_eq(httpc_resp_str(&r, "role"), role);
        cr_assert(uuid_valid(httpc_resp_str(&r, "id")));
        cr_assert_null(strstr(r.body.data, "token"), "the token only travels by mail");
    }
    httpc_resp_cleanup(&r);
    free(body);
    return s;
}

/* Accepts the newest invitation mailed to email as a new account; p gets the session. */
static void accept_new(person_t *p, const char *email, const char *name)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *token = spool_token(email, "invite"), *body = NULL;
    if (asprintf(&body, "{\"token\":\"%s\",\"name\":\"%s\",\"password\":\"" PASSWORD "\"}", token,
                 name) < 0)
        abort();
    p->c = edge_client();
    p->email = xstrdup(email);
    req(p->c, "POST", "/api/auth/invites/accept", body, &r);
    expect_status(&r, 201);
    p->user_id = xstrdup(httpc_resp_str(&r, "user.id"));
    p->org_id = xstrdup(httpc_resp_str(&r, "organization.id"));
    char *sid = httpc_cookie(p->c, "sid");
    cr_assert_not_null(sid, "accepting signs in");
    free(sid);
    httpc_resp_cleanup(&r);
    free(body);
    free(token);
}

/* PATCH /api/org/members/{id} {"role": role} as p; returns the status. */
static long set_role(person_t *p, const char *user_id, const char *role)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char path[128], body[64];
    snprintf(path, sizeof path, "/api/org/members/%s", user_id);
    snprintf(body, sizeof body, "{\"role\":\"%s\"}", role);
    req(p->c, "PATCH", path, body, &r);
    long s = r.status;
    if (s == 200)
        cr_assert_str_eq(httpc_resp_str(&r, "role"), role);
    httpc_resp_cleanup(&r);
    return s;
}

static long remove_member(person_t *p, const char *user_id)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char path[128];
    snprintf(path, sizeof path, "/api/org/members/%s", user_id);
    req(p->c, "DELETE", path, NULL, &r);
    long s = r.status;
    httpc_resp_cleanup(&r);
    return s;
}

/* The caller's role according to GET /api/auth/me (heap). */
static char *my_role(person_t *p)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(p->c, "GET", "/api/auth/me", NULL, &r);
    expect_status(&r, 200);
    char *role = xstrdup(httpc_resp_str(&r, "role"));
    httpc_resp_cleanup(&r);
    return role;
}

Test(auth_members, invitation_roles_and_the_rules_between_them)
{
    person_t owner, admin, member;
    person_sign_up(&owner, "owner");

    char *admin_email = unique_email("admin"), *member_email = unique_email("member");
    cr_assert_eq(invite(&owner, admin_email, "admin"), 201);
    char *mail = spool_mail(admin_email, "invite");
    cr_assert(strstr(mail, "owner invited you to join owner org as admin."), "%s", mail);
    cr_assert(strstr(mail, "/accept-invite?token="));
    free(mail);
    accept_new(&admin, admin_email, "Ada Admin");
    cr_assert_str_eq(admin.org_id, owner.org_id);
    char *role = my_role(&admin);
    cr_assert_str_eq(role, "admin");
    free(role);

    /* Admins invite admins and members, not owners. */
    char *other = unique_email("x");
    cr_assert_eq(invite(&admin, other, "owner"), 403);
    free(other);
    cr_assert_eq(invite(&admin, member_email, "member"), 201);
    accept_new(&member, member_email, "Max Member");

    /* The list shows all three with their roles. */
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(member.c, "GET", "/api/org/members", NULL, &r);
    expect_status(&r, 200);
    json_t *list = httpc_json_path(httpc_resp_json(&r), "members");
    cr_assert_eq(json_array_size(list), 3);
    cr_assert_str_eq(httpc_resp_str(&r, "members.0.user_id"), owner.user_id);
    cr_assert_str_eq(httpc_resp_str(&r, "members.0.role"), "owner");
    cr_assert_str_eq(httpc_resp_str(&r, "members.0.email"), owner.email);
    cr_assert_not_null(httpc_resp_str(&r, "members.0.joined_at"));
    cr_assert_str_eq(httpc_resp_str(&r, "members.2.name"), "Max Member");
    httpc_resp_cleanup(&r);

    /* Members manage nobody. */
    other = unique_email("y");
    cr_assert_eq(invite(&member, other, "member"), 403);
    free(other);
    cr_assert_eq(set_role(&member, admin.user_id, "member"), 403);
    cr_assert_eq(remove_member(&member, admin.user_id), 403);

    /* Admins cannot touch owners, nor make one. */
    cr_assert_eq(set_role(&admin, owner.user_id, "member"), 403);
    cr_assert_eq(remove_member(&admin, owner.user_id), 403);
    cr_assert_eq(set_role(&admin, member.user_id, "owner"), 403);
    /* ... but manage members, and the new role applies at once. */
    cr_assert_eq(set_role(&admin, member.user_id, "admin"), 200);
    role = my_role(&member);
    cr_assert_str_eq(role, "admin");
    free(role);
    cr_assert_eq(set_role(&admin, member.user_id, "member"), 200);
    role = my_role(&member);
    cr_assert_str_eq(role, "member");
    free(role);

    /* The last owner stays an owner. */
    cr_assert_eq(set_role(&owner, owner.user_id, "admin"), 409);
    cr_assert_eq(remove_member(&owner, owner.user_id), 409);
    cr_assert_eq(set_role(&owner, admin.user_id, "owner"), 200);
    cr_assert_eq(set_role(&owner, owner.user_id, "admin"), 200, "two owners: one may step down");
    cr_assert_eq(set_role(&admin, admin.user_id, "member"), 409, "now admin is the last owner");

    /* Bad input names the field. */
    cr_assert_eq(set_role(&admin, member.user_id, "superuser"), 400);
    cr_assert_eq(set_role(&admin, "not-a-uuid", "member"), 400);

    /* Removal ends the member's session. */
    cr_assert_eq(get_status(member.c, "/api/auth/me"), 200);
    cr_assert_eq(remove_member(&admin, member.user_id), 204);
    cr_assert_eq(wait_status(member.c, "/api/auth/me", 401, 3000), 401);
    cr_assert_eq(remove_member(&admin, member.user_id), 404, "already gone");

    free(admin_email);
    free(member_email);
    person_free(&owner);
    person_free(&admin);
    person_free(&member);
}

Test(auth_members, invitation_links_are_single_use_and_replaced_by_newer_ones)
{
    person_t owner, joiner;
    person_sign_up(&owner, "single");
    char *email = unique_email("joiner");

    cr_assert_eq(invite(&owner, email, "member"), 201);
    char *old = spool_token(email, "invite");
    usleep(5 * 1000);
    cr_assert_eq(invite(&owner, email, "admin"), 201, "inviting again replaces the invitation");
    char *token = spool_token(email, "invite");

    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = NULL;
    if (asprintf(&body, "{\"token\":\"%s\",\"name\":\"J\",\"password\":\"" PASSWORD "\"}", old) < 0)
        abort();
    req(c, "POST", "/api/auth/invites/accept", body, &r);
    expect_status(&r, 400);
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "token"));
    free(body);

    /* Pending invitations are listed for owners and admins. */
    req(owner.c, "GET", "/api/org/invites", NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "invites")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "invites.0.role"), "admin");

    accept_new(&joiner, email, "Jo Joiner");
    char *role = my_role(&joiner);
    cr_assert_str_eq(role, "admin");
    free(role);

    req(owner.c, "GET", "/api/org/invites", NULL, &r);
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "invites")), 0);
    if (asprintf(&body, "{\"token\":\"%s\",\"name\":\"J\",\"password\":\"" PASSWORD "\"}", token) <
        0)
        abort();
    req(c, "POST", "/api/auth/invites/accept", body, &r);
    expect_status(&r, 400);

    /* Inviting someone who is already a member is a conflict. */
    cr_assert_eq(invite(&owner, email, "member"), 409);

    httpc_resp_cleanup(&r);
    free(body);
    free(old);
    free(token);
    free(email);
    httpc_free(c);
    person_free(&owner);
    person_free(&joiner);
}

Test(auth_members, revoked_invitation_cannot_be_accepted)
{
    person_t owner;
    person_sign_up(&owner, "revoker");
    char *email = unique_email("revoked");
    cr_assert_eq(invite(&owner, email, "member"), 201);
    char *token = spool_token(email, "invite");

    httpc_resp_t r = HTTPC_RESP_INIT;
    req(owner.c, "GET", "/api/org/invites", NULL, &r);
    char path[128];
    snprintf(path, sizeof path, "/api/org/invites/%s", httpc_resp_str(&r, "invites.0.id"));
    req(owner.c, "DELETE", path, NULL, &r);
    expect_status(&r, 204);

    httpc_t *c = edge_client();
    char *body = NULL;
    if (asprintf(&body, "{\"token\":\"%s\",\"name\":\"R\",\"password\":\"" PASSWORD "\"}", token) <
        0)
        abort();
    req(c, "POST", "/api/auth/invites/accept", body, &r);
    expect_status(&r, 400);
    httpc_resp_cleanup(&r);
    free(body);
    free(token);
    free(email);
    httpc_free(c);
    person_free(&owner);
}

Test(auth_members, existing_account_joins_with_its_password_and_switches_orgs)
{
    person_t host, guest;
    person_sign_up(&host, "host");
    person_sign_up(&guest, "guest"); /* owns "guest org" */
    cr_assert_eq(invite(&host, guest.email, "member"), 201);
    char *token = spool_token(guest.email, "invite");

    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = NULL;
    if (asprintf(&body, "{\"token\":\"%s\",\"password\":\"Wrong-Password-9\"}", token) < 0)
        abort();
    req(c, "POST", "/api/auth/invites/accept", body, &r);
    expect_status(&r, 401);
    free(body);
    if (asprintf(&body, "{\"token\":\"%s\",\"password\":\"" PASSWORD "\"}", token) < 0)
        abort();
    req(c, "POST", "/api/auth/invites/accept", body, &r);
    expect_status(&r, 201);
    cr_assert_str_eq(httpc_resp_str(&r, "user.id"), guest.user_id, "the same account");
    cr_assert_str_eq(httpc_resp_str(&r, "organization.id"), host.org_id);
    cr_assert_str_eq(httpc_resp_str(&r, "role"), "member");

    /* Two organisations now, the host's current for this session. */
    req(c, "GET", "/api/auth/orgs", NULL, &r);
    expect_status(&r, 200);
    json_t *orgs = httpc_json_path(httpc_resp_json(&r), "orgs");
    cr_assert_eq(json_array_size(orgs), 2);
    int current = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *o = json_array_get(orgs, i);
        if (json_is_true(json_object_get(o, "current"))) {
            current++;
            cr_assert_str_eq(json_string_value(json_object_get(o, "id")), host.org_id);
            cr_assert_str_eq(json_string_value(json_object_get(o, "role")), "member");
        }
    }
    cr_assert_eq(current, 1);

    /* Switching moves the session: a new cookie, the old one stops working. */
    char *old_sid = httpc_cookie(c, "sid");
    free(body);
    if (asprintf(&body, "{\"org_id\":\"%s\"}", guest.org_id) < 0)
        abort();
    req(c, "POST", "/api/auth/switch-org", body, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "organization.id"), guest.org_id);
    cr_assert_str_eq(httpc_resp_str(&r, "role"), "owner");
    char *new_sid = httpc_cookie(c, "sid");
    cr_assert_str_neq(old_sid, new_sid);
    httpc_t *replay = client_with_cookie(old_sid);
    cr_assert_eq(wait_status(replay, "/api/auth/me", 401, 3000), 401);
    httpc_free(replay);
    req(c, "GET", "/api/auth/me", NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "organization.id"), guest.org_id);

    /* Not a member of that one: 404. */
    free(body);
    person_t stranger;
    person_sign_up(&stranger, "stranger");
    if (asprintf(&body, "{\"org_id\":\"%s\"}", stranger.org_id) < 0)
        abort();
    req(c, "POST", "/api/auth/switch-org", body, &r);
    expect_status(&r, 404);

    /* Sign-in starts in the most recently used organisation: the guest's own, just switched to. */
    person_t again;
    person_login(&again, guest.email, PASSWORD);
    cr_assert_str_eq(again.org_id, guest.org_id);

    httpc_resp_cleanup(&r);
    free(body);
    free(token);
    free(old_sid);
    free(new_sid);
    httpc_free(c);
    person_free(&host);
    person_free(&guest);
    person_free(&stranger);
    person_free(&again);
}

Test(auth_members, member_ids_of_another_org_are_404)
{
    person_t a, b;
    person_sign_up(&a, "tenantA");
    person_sign_up(&b, "tenantB");
    cr_assert_eq(set_role(&a, b.user_id, "member"), 404);
    cr_assert_eq(remove_member(&a, b.user_id), 404);
    /* b is untouched. */
    char *role = my_role(&b);
    cr_assert_str_eq(role, "owner");
    free(role);
    /* a sees only its own members. */
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(a.c, "GET", "/api/org/members", NULL, &r);
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "members")), 1);
    httpc_resp_cleanup(&r);
    person_free(&a);
    person_free(&b);
}

Test(auth_members, a_member_may_leave)
{
    person_t owner, m;
    person_sign_up(&owner, "leaveowner");
    char *email = unique_email("leaver");
    cr_assert_eq(invite(&owner, email, "member"), 201);
    accept_new(&m, email, "Lee Leaver");
    cr_assert_eq(remove_member(&m, m.user_id), 204);
    cr_assert_eq(wait_status(m.c, "/api/auth/me", 401, 3000), 401);
    /* With no organisation left, signing in is refused with a clear message. */
    httpc_t *c = edge_client();
    httpc_resp_t r = HTTPC_RESP_INIT;
    char *body = login_body(email, PASSWORD);
    req(c, "POST", "/api/auth/login", body, &r);
    expect_status(&r, 403);
    httpc_resp_cleanup(&r);
    free(body);
    free(email);
    httpc_free(c);
    person_free(&owner);
    person_free(&m);
}
