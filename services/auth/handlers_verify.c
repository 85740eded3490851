/* handlers_verify.c - svc.auth.verify, the edge's credential check on every authenticated
 * request: one indexed lookup by the token's sha256, no password hashing, no transaction.
 */
#include "auth.h"
#include "token.h"

/* svc.auth.verify: who a session cookie or an API key stands for, ST_UNAUTHORIZED if nobody
 * (also for a key sent as a cookie or a session sent as a Bearer token). */
status_t auth_handle_verify(void *arg, bus_req_t *req)
{
    auth_svc_t *svc = ((svc_t *)arg)->app;
    Auth__VerifyRequest *in = NULL;
    Auth__VerifyReply *out = NULL;
    char hash[CRYPTO_SHA256_HEX_SIZE];
    auth_token_kind_t kind;
    status_t st;

    if ((st = bus_req_decode(req, (ProtobufCMessage **)&in)))
        goto done;
    kind = auth_token_kind(in->token);
    if (in->has_place && in->place == AUTH__CREDENTIAL_PLACE__PLACE_COOKIE &&
        kind == AUTH_TOKEN_API_KEY)
        kind = AUTH_TOKEN_BAD;
    if (in->has_place && in->place == AUTH__CREDENTIAL_PLACE__PLACE_BEARER &&
        kind != AUTH_TOKEN_API_KEY)
        kind = AUTH_TOKEN_BAD;
    if (kind == AUTH_TOKEN_BAD) {
        st = svc_fail(req, ST_UNAUTHORIZED, "invalid or expired credentials");
        goto done;
    }
    auth_token_hash(in->token, hash);
    if (kind == AUTH_TOKEN_API_KEY)
        st = auth_store_verify_api_key(svc->db, hash, &out);
    else
        st = auth_store_verify_session(svc->db, hash, svc->idle_s, &out);
    if (st == ST_UNAUTHORIZED)
        st = svc_fail(req, ST_UNAUTHORIZED, "invalid or expired credentials");
done:
    bus_reply(req, st, st == ST_OK ? &out->base : NULL);
    svc_msg_free(out);
    protobuf_c_message_free_unpacked((ProtobufCMessage *)in, NULL);
    return st;
}
