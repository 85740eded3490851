/* handlers_keys.c - API keys: create_api_key, list_api_keys, delete_api_key.
 *
 * Any member may create keys; a key acts as its creator in the organisation it was created in,
 * with the creator's current role, and dies with that membership. Members see and delete their
 * own keys; owners and admins see and delete every key of the organisation. The secret is shown
 * once, in the reply to create; only its digest and a short prefix are stored.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "shared/crypto.h"
#include "shared/text.h"
#include "token.h"

/* svc.auth.create_api_key: a new key for the caller in the current organisation. */
status_t auth_handle_create_api_key(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__CreateApiKeyRequest *in = NULL;
    Auth__ApiKey *key = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req);
    char *name = NULL, *secret = NULL;
    char why[TEXT_WHY_SIZE], hash[CRYPTO_SHA256_HEX_SIZE], prefix[AUTH_KEY_PREFIX_SIZE];
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if ((st = auth_signed_in(req, org, user)))
        goto done;
    if (!text_clean(in->name, 1, AUTH_NAME_MAX, false, &name, why, sizeof why)) {
        st = svc_fail(req, ST_INVALID, "name: %s", why);
        goto done;
    }
    secret = auth_api_key_new();
    auth_token_hash(secret, hash);
    auth_api_key_prefix(secret, prefix);
    st = auth_store_create_api_key(svc->db, org, user, name, prefix, hash, &key);
    if (st == ST_NOT_FOUND)
        st = svc_fail(req, ST_UNAUTHORIZED, "no longer a member of this organization");
    if (st)
        goto done;
    key->key = secret; /* the reply owns it now */
    secret = NULL;
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s created API key %s (%s)", user, key->id, prefix);
done:
    bus_reply(req, st, st == ST_OK ? &key->base : NULL);
    if (key && key->key)
        crypto_wipe(key->key, strlen(key->key));
    svc_msg_free(key);
    free(secret);
    free(name);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}

/* svc.auth.list_api_keys: the keys the caller may see, without their secrets. */
status_t auth_handle_list_api_keys(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__ApiKeyList *list = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req);
    status_t st;

    if ((st = auth_signed_in(req, org, user)))
        goto done;
    st = auth_store_list_api_keys(svc->db, org, user, &list);
done:
    bus_reply(req, st, st == ST_OK ? &list->base : NULL);
    svc_msg_free(list);
    return st;
}

/* svc.auth.delete_api_key: revokes a key at once (404 for keys the caller may not see). */
status_t auth_handle_delete_api_key(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__DeleteApiKeyRequest *in = NULL;
    const char *org = auth_req_org(req), *user = auth_req_user(req);
    char id[37], hash[CRYPTO_SHA256_HEX_SIZE];
    svc_why_t why = {""};
    log_ctx_t ctx;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    if ((st = auth_signed_in(req, org, user)))
        goto done;
    if (!svc_uuid_parse(in->id, id)) {
        st = svc_fail(req, ST_INVALID, "id: must be a UUID");
        goto done;
    }
    st = svc_fail_why(req, auth_store_delete_api_key(svc->db, org, user, id, hash, &why), &why,
                      "id: no such API key");
    if (st)
        goto done;
    auth_revoke(svc, "token", hash);
    svc_log_ctx(req, &ctx);
    LOG_CTX_INFO(&ctx, "user %s deleted API key %s", user, id);
done:
    bus_reply(req, st, NULL);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
