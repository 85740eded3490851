/* test_auth_keys.c - API keys: shown once, used as a Bearer credential, listed without secrets
 * (own keys for members, all keys for owners and admins), revoked at once, and invisible to
 * other organisations. */
#include "tests/support/auth_helpers.h"

#include "shared/crypto.h"

typedef struct {
    char *id, *key, *prefix;
} key_t_;

/* Creates a key named name as p. */
static key_t_ create_key(person_t *p, const char *name)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char body[128];
    key_t_ k;
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    req(p->c, "POST", "/api/api-keys", body, &r);
    expect_status(&r, 201);
    k.id = xstrdup(httpc_resp_str(&r, "id"));
    k.key = xstrdup(httpc_resp_str(&r, "key"));
    k.prefix = xstrdup(httpc_resp_str(&r, "prefix"));
    cr_assert_str_eq(httpc_resp_str(&r, "name"), name);
    cr_assert_str_eq(httpc_resp_str(&r, "user_id"), p->user_id);
    cr_assert_not_null(httpc_resp_str(&r, "created_at"));
    httpc_resp_cleanup(&r);
    return k;
}

static void key_free(key_t_ *k)
{
    free(k->id);
    free(k->key);
    free(k->prefix);
}

static httpc_t *bearer(const char *key)
{
    httpc_t *c = edge_client();
    httpc_set_bearer(c, key);
    return c;
}

static long delete_key(httpc_t *c, const char *id)
{
    httpc_resp_t r = HTTPC_RESP_INIT;
    char path[128];
    snprintf(path, sizeof path, "/api/api-keys/%s", id);
    req(c, "DELETE", path, NULL, &r);
    long s = r.status;
    httpc_resp_cleanup(&r);
    return s;
}

Test(auth_keys, create_use_list_revoke)
{
    person_t owner;
    person_sign_up(&owner, "keys");
    key_t_ k = create_key(&owner, "CRM sync");
    cr_assert_eq(strncmp(k.key, "ak_", 3), 0, "%s", k.key);
    cr_assert_geq(strlen(k.key), 3 + 43);
    cr_assert_eq(strncmp(k.key, k.prefix, strlen(k.prefix)), 0, "the prefix is the key's start");
    cr_assert_lt(strlen(k.prefix), 16, "the prefix gives little away");

    /* The key is a credential: it acts as its creator in that organisation. */
    httpc_t *api = bearer(k.key);
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(api, "GET", "/api/auth/me", NULL, &r);
    expect_status(&r, 200);
    cr_assert_str_eq(httpc_resp_str(&r, "user.id"), owner.user_id);
    cr_assert_str_eq(httpc_resp_str(&r, "organization.id"), owner.org_id);
    cr_assert_str_eq(httpc_resp_str(&r, "role"), "owner");

    /* Stored as a digest only. */
    char hash[CRYPTO_SHA256_HEX_SIZE];
    crypto_sha256_hex(k.key, strlen(k.key), hash);
    const char *p[] = {hash};
    char *n =
        harness_pg_value_params("SELECT count(*) FROM auth.api_keys WHERE key_hash = $1", 1, p);
    cr_assert_str_eq(n, "1");
    free(n);

    /* Listing never shows the secret. */
    req(owner.c, "GET", "/api/api-keys", NULL, &r);
    expect_status(&r, 200);
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "keys")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "keys.0.id"), k.id);
    cr_assert_str_eq(httpc_resp_str(&r, "keys.0.prefix"), k.prefix);
    cr_assert_null(httpc_json_path(httpc_resp_json(&r), "keys.0.key"));
    cr_assert_null(strstr(r.body.data, k.key + 3));

    /* An API key cannot sign out or switch organisations (those belong to sessions). */
    req(api, "POST", "/api/auth/logout", NULL, &r);
    expect_status(&r, 400);

    /* Revoked: refused from then on. */
    cr_assert_eq(delete_key(owner.c, k.id), 204);
    cr_assert_eq(wait_status(api, "/api/auth/me", 401, 3000), 401);
    cr_assert_eq(delete_key(owner.c, k.id), 404);
    httpc_resp_cleanup(&r);
    httpc_free(api);
    key_free(&k);
    person_free(&owner);
}

Test(auth_keys, members_see_their_own_keys_managers_see_all)
{
    person_t owner, member;
    person_sign_up(&owner, "keyorg");
    person_invite(&owner, &member, "keymember", "member");
    key_t_ ko = create_key(&owner, "owner key");
    key_t_ km = create_key(&member, "member key");

    httpc_t *api = bearer(km.key);
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(api, "GET", "/api/auth/me", NULL, &r);
    cr_assert_str_eq(httpc_resp_str(&r, "role"), "member", "a key has its creator's role");

    req(member.c, "GET", "/api/api-keys", NULL, &r);
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "keys")), 1);
    cr_assert_str_eq(httpc_resp_str(&r, "keys.0.id"), km.id);
    req(owner.c, "GET", "/api/api-keys", NULL, &r);
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "keys")), 2);

    /* A member cannot revoke someone else's key; an owner can revoke the member's. */
    cr_assert_eq(delete_key(member.c, ko.id), 404);
    cr_assert_eq(delete_key(owner.c, km.id), 204);
    cr_assert_eq(wait_status(api, "/api/auth/me", 401, 3000), 401);
    httpc_free(api);

    /* Removing a member takes their keys with them. */
    key_t_ km2 = create_key(&member, "second");
    api = bearer(km2.key);
    cr_assert_eq(get_status(api, "/api/auth/me"), 200);
    char path[128];
    snprintf(path, sizeof path, "/api/org/members/%s", member.user_id);
    req(owner.c, "DELETE", path, NULL, &r);
    expect_status(&r, 204);
    cr_assert_eq(wait_status(api, "/api/auth/me", 401, 3000), 401);

    httpc_resp_cleanup(&r);
    httpc_free(api);
    key_free(&ko);
    key_free(&km);
    key_free(&km2);
    person_free(&owner);
    person_free(&member);
}

Test(auth_keys, another_orgs_key_is_404)
{
    person_t a, b;
    person_sign_up(&a, "keyA");
    person_sign_up(&b, "keyB");
    key_t_ kb = create_key(&b, "b's");
    cr_assert_eq(delete_key(a.c, kb.id), 404);
    cr_assert_eq(delete_key(a.c, "not-a-uuid"), 400);
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(a.c, "GET", "/api/api-keys", NULL, &r);
    cr_assert_eq(json_array_size(httpc_json_path(httpc_resp_json(&r), "keys")), 0);
    httpc_resp_cleanup(&r);
    httpc_t *api = bearer(kb.key);
    cr_assert_eq(get_status(api, "/api/auth/me"), 200, "b's key still works");
    httpc_free(api);
    key_free(&kb);
    person_free(&a);
    person_free(&b);
}

Test(auth_keys, names_are_validated_and_garbage_keys_refused)
{
    person_t a;
    person_sign_up(&a, "keyval");
    httpc_resp_t r = HTTPC_RESP_INIT;
    req(a.c, "POST", "/api/api-keys", "{\"name\":\"   \"}", &r);
    expect_status(&r, 400);
    cr_assert(strncmp(httpc_resp_str(&r, "error.message"), "name:", 5) == 0);
    req(a.c, "POST", "/api/api-keys", "{}", &r);
    expect_status(&r, 400);
    httpc_resp_cleanup(&r);

    httpc_t *api = bearer("ak_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    cr_assert_eq(get_status(api, "/api/auth/me"), 401);
    httpc_free(api);
    api = bearer("not-a-key");
    cr_assert_eq(get_status(api, "/api/auth/me"), 401);
    httpc_free(api);
    person_free(&a);
}

/* Owners' keys are managed by owners only, like everything else about owners: an admin sees an
 * owner's key but may not revoke it (403, and the key still works); an owner may revoke an
 * admin's key; an admin may revoke a member's key and their own. */
Test(auth_keys, only_owners_revoke_owners_keys)
{
    person_t owner, admin, member;
    person_sign_up(&owner, "keys-owner");
    person_invite(&owner, &admin, "keys-admin", "admin");
    person_invite(&owner, &member, "keys-member", "member");
    key_t_ ok = create_key(&owner, "owner key"), ak = create_key(&admin, "admin key"),
           mk = create_key(&member, "member key"), ak2 = create_key(&admin, "admin second");

    httpc_resp_t r = HTTPC_RESP_INIT;
    char path[128];
    snprintf(path, sizeof path, "/api/api-keys/%s", ok.id);
    req(admin.c, "DELETE", path, NULL, &r);
    expect_status(&r, 403);
    cr_assert(strstr(httpc_resp_str(&r, "error.message"), "owner"), "%s",
              httpc_resp_str(&r, "error.message"));
    httpc_resp_cleanup(&r);
    httpc_t *as_owner = bearer(ok.key);
    cr_assert_eq(get_status(as_owner, "/api/auth/me"), 200, "the owner's key still works");

    cr_assert_eq(delete_key(admin.c, mk.id), 204, "admins manage members' keys");
    cr_assert_eq(delete_key(admin.c, ak2.id), 204, "and their own");
    cr_assert_eq(delete_key(owner.c, ak.id), 204, "owners manage admins' keys");
    cr_assert_eq(delete_key(member.c, ok.id), 404, "members do not see others' keys");
    cr_assert_eq(delete_key(owner.c, ok.id), 204);
    httpc_free(as_owner);
    key_free(&ok);
    key_free(&ak);
    key_free(&mk);
    key_free(&ak2);
    person_free(&owner);
    person_free(&admin);
    person_free(&member);
}
